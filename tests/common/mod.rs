//! Shared helpers for the ubus tests: reading the recorded vectors and turning their
//! descriptions into codec values (independently of the decoder under test).

#![allow(dead_code)]

use serde_json::Value;
use umodem::out::Out;
use umodem::ubus::blob::{self, BlobMsg, Table};
use umodem::ubus::msg::{Attr, Message};

/// The recorded fixtures live in the repo (copied from shared/vectors/ubus).
pub fn fixture(name: &str) -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ubus/");
    let text = std::fs::read_to_string(format!("{path}{name}")).expect("fixture present");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("fixture line is JSON"))
        .collect()
}

/// Our JSON tree as serde_json's (through the text: serde_json reads what we write).
pub fn sj(o: &Out) -> Value {
    serde_json::from_str(&o.to_json()).expect("our JSON output is JSON")
}

/// serde_json's value as our JSON tree (through the text: our parser reads it).
pub fn ours(v: &Value) -> Out {
    umodem::json::parse(&v.to_string()).expect("serde_json's output parses")
}

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// "0xdb2565ca" -> 0xdb2565ca
pub fn hex_u32(v: &Value) -> u32 {
    let s = v.as_str().expect("hex id string");
    u32::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex id")
}

pub fn type_name(v: &BlobMsg) -> &'static str {
    match v {
        BlobMsg::Null => "UNSPEC",
        BlobMsg::Array(_) => "ARRAY",
        BlobMsg::Table(_) => "TABLE",
        BlobMsg::String(_) => "STRING",
        BlobMsg::Int64(_) => "INT64",
        BlobMsg::Int32(_) => "INT32",
        BlobMsg::Int16(_) => "INT16",
        BlobMsg::Int8(_) => "INT8/BOOL",
        BlobMsg::Double(_) => "DOUBLE",
    }
}

/// A recorded typed blobmsg list (`[{name, type, value}]`) as a table.
pub fn typed_table(list: &Value) -> Table {
    list.as_array()
        .expect("typed list")
        .iter()
        .map(|e| {
            let name = e["name"].as_str().expect("name").to_string();
            (name, typed_value(&e["type"], &e["value"]))
        })
        .collect()
}

pub fn typed_value(ty: &Value, v: &Value) -> BlobMsg {
    match ty.as_str().expect("type") {
        "ARRAY" => BlobMsg::Array(typed_table(v).into_iter().map(|(_, x)| x).collect()),
        "TABLE" => BlobMsg::Table(typed_table(v)),
        "STRING" => BlobMsg::String(v.as_str().expect("str").to_string()),
        "INT64" => BlobMsg::Int64(v.as_i64().expect("i64")),
        "INT32" => BlobMsg::Int32(v.as_i64().expect("i32") as i32),
        "INT16" => BlobMsg::Int16(v.as_i64().expect("i16") as i16),
        "INT8/BOOL" => BlobMsg::Int8(v.as_u64().expect("u8") as u8),
        "DOUBLE" => BlobMsg::Double(v.as_f64().expect("f64")),
        other => panic!("unknown recorded type {other}"),
    }
}

/// A table in the recorded typed form, for comparison.
pub fn to_typed(t: &[(String, BlobMsg)]) -> Value {
    Value::Array(
        t.iter()
            .map(|(k, v)| {
                let value = match v {
                    BlobMsg::Array(items) => to_typed(
                        &items
                            .iter()
                            .map(|x| (String::new(), x.clone()))
                            .collect::<Vec<_>>(),
                    ),
                    BlobMsg::Table(t) => to_typed(t),
                    BlobMsg::Int8(b) => Value::from(*b),
                    other => sj(&other.to_json()),
                };
                serde_json::json!({"name": k, "type": type_name(v), "value": value})
            })
            .collect(),
    )
}

/// Raw blob attributes from their recorded description (`[{id, extended, hex}]`).
pub fn raw_attrs_bytes(list: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    for a in list.as_array().expect("raw attrs") {
        let id = a["id"].as_u64().expect("id") as u8;
        let ext = a["extended"].as_bool().unwrap_or(false);
        blob::put_attr(&mut out, id, ext, &unhex(a["hex"].as_str().expect("hex")));
    }
    out
}

/// Build a message from a recorded vector's description alone (header + attrs).
pub fn build(v: &Value) -> Message {
    let kind = v["msg_type_num"].as_u64().expect("type") as u8;
    let seq = v["hdr"]["seq"].as_u64().expect("seq") as u16;
    let peer = hex_u32(&v["hdr"]["peer"]);
    let monitor = v["msg_type"] == "MONITOR";
    let attrs = v["attrs"]
        .as_array()
        .expect("attrs")
        .iter()
        .map(|a| build_attr(a, monitor))
        .collect();
    Message::new(kind, seq, peer, attrs)
}

fn build_attr(a: &Value, monitor: bool) -> Attr {
    let id = a["id"].as_u64().expect("id") as u8;
    let raw_len = a["raw_len"].as_u64().expect("raw_len");
    if monitor {
        let data = match &a["value"] {
            Value::Array(_) => raw_attrs_bytes(&a["value"]),
            n if raw_len == 5 => vec![n.as_u64().expect("u8") as u8],
            n => (n.as_u64().expect("u32") as u32).to_be_bytes().to_vec(),
        };
        return Attr::Raw { id, data };
    }
    if let Some(raw) = a.get("raw_attrs") {
        return Attr::Raw {
            id,
            data: raw_attrs_bytes(raw),
        };
    }
    let val = &a["value"];
    match a["name"].as_str().expect("name") {
        "STATUS" => Attr::Status(val.as_u64().expect("status") as u32),
        "OBJPATH" => Attr::ObjPath(val.as_str().expect("s").into()),
        "METHOD" => Attr::Method(val.as_str().expect("s").into()),
        "USER" => Attr::User(val.as_str().expect("s").into()),
        "GROUP" => Attr::Group(val.as_str().expect("s").into()),
        "OBJID" => Attr::ObjId(hex_u32(val)),
        "OBJTYPE" => Attr::ObjType(hex_u32(val)),
        "TARGET" => Attr::Target(hex_u32(val)),
        "ACTIVE" => Attr::Active(val.as_u64().expect("u8") as u8),
        "NO_REPLY" => Attr::NoReply(val.as_u64().expect("u8") as u8),
        "DATA" => Attr::Data(typed_table(&a["blobmsg"])),
        "SIGNATURE" => Attr::Signature(typed_table(&a["blobmsg"])),
        other => panic!("unknown recorded attr {other}"),
    }
}
