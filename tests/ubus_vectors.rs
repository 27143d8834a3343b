//! Every recorded ubus message (tests/fixtures/ubus, captured from the real ubusd and
//! libubus): the encoder must produce exactly its bytes and the decoder must read
//! back exactly the recorded header and attributes.

mod common;

use common::*;
use serde_json::Value;
use umodem::ubus::blob::{self, BlobMsg};
use umodem::ubus::msg::{self, Attr, Check, Message};

fn all_vectors() -> Vec<Value> {
    let mut v = fixture("vectors.jsonl");
    v.extend(fixture("sessions.jsonl"));
    v
}

fn label(v: &Value) -> String {
    format!(
        "{} ({} {})",
        v["name"].as_str().unwrap_or("session"),
        v["msg_type"],
        v["direction"]
    )
}

#[test]
fn fixture_counts_match_readme() {
    assert_eq!(fixture("vectors.jsonl").len(), 48);
    assert_eq!(fixture("sessions.jsonl").len(), 120);
}

#[test]
fn encoder_reproduces_every_vector() {
    for v in all_vectors() {
        let want = unhex(v["hex"].as_str().unwrap());
        assert_eq!(
            want.len() as u64,
            v["len"].as_u64().unwrap(),
            "{}",
            label(&v)
        );
        let got = build(&v).encode().expect("encodes");
        assert_eq!(hex(&got), hex(&want), "{}", label(&v));
    }
}

#[test]
fn decoder_reads_every_vector() {
    for v in all_vectors() {
        let bytes = unhex(v["hex"].as_str().unwrap());
        let name = label(&v);
        assert_eq!(
            msg::check(&bytes),
            Ok(Check::Complete(bytes.len())),
            "{name}"
        );
        // every proper prefix is incomplete, never invalid
        for cut in 0..bytes.len() {
            assert_eq!(
                msg::check(&bytes[..cut]),
                Ok(Check::Incomplete),
                "{name} cut {cut}"
            );
        }
        let m = Message::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(m.hdr.version, v["hdr"]["version"].as_u64().unwrap() as u8);
        assert_eq!(
            m.hdr.kind,
            v["msg_type_num"].as_u64().unwrap() as u8,
            "{name}"
        );
        assert_eq!(
            m.hdr.seq,
            v["hdr"]["seq"].as_u64().unwrap() as u16,
            "{name}"
        );
        assert_eq!(m.hdr.peer, hex_u32(&v["hdr"]["peer"]), "{name}");
        let rec = v["attrs"].as_array().unwrap();
        assert_eq!(m.attrs.len(), rec.len(), "{name}");
        // raw lengths, straight from the framing
        let body = &bytes[12..];
        let raws: Vec<_> = blob::attrs(body).map(|a| a.unwrap()).collect();
        for ((got, raw), want) in m.attrs.iter().zip(&raws).zip(rec) {
            assert_eq!(got.id() as u64, want["id"].as_u64().unwrap(), "{name}");
            assert_eq!(
                raw.data.len() as u64 + 4,
                want["raw_len"].as_u64().unwrap(),
                "{name}"
            );
            check_attr(&name, &v["msg_type"], got, want);
        }
        // and the decoded form encodes back to the same bytes
        assert_eq!(hex(&m.encode().unwrap()), hex(&bytes), "{name} re-encode");
    }
}

fn check_attr(name: &str, kind: &Value, got: &Attr, want: &Value) {
    let val = &want["value"];
    if kind == "MONITOR" {
        let Attr::Raw { data, .. } = got else {
            panic!("{name}: monitor attrs stay raw")
        };
        match val {
            Value::Array(list) => check_raw_list(name, data, list),
            n if data.len() == 1 => assert_eq!(data[0] as u64, n.as_u64().unwrap(), "{name}"),
            n => assert_eq!(
                u32::from_be_bytes(data[..].try_into().unwrap()) as u64,
                n.as_u64().unwrap(),
                "{name}"
            ),
        }
        return;
    }
    match got {
        Attr::Status(s) => {
            assert_eq!(*s as u64, val.as_u64().unwrap(), "{name}");
            if let Some(meaning) = want["meaning"].as_str() {
                assert_eq!(STATUS_NAMES.get(*s as usize), Some(&meaning), "{name}");
            }
        }
        Attr::ObjId(x) | Attr::ObjType(x) | Attr::Target(x) => {
            assert_eq!(*x, hex_u32(val), "{name}")
        }
        Attr::Active(x) | Attr::NoReply(x) => {
            assert_eq!(*x as u64, val.as_u64().unwrap(), "{name}")
        }
        Attr::ObjPath(s) | Attr::Method(s) | Attr::User(s) | Attr::Group(s) => {
            assert_eq!(s, val.as_str().unwrap(), "{name}")
        }
        Attr::Data(t) | Attr::Signature(t) => {
            assert_eq!(to_typed(t), want["blobmsg"], "{name}: typed blobmsg");
            assert_eq!(
                sj(&blob::table_to_json(t)),
                want["json"],
                "{name}: as ubus prints it"
            );
        }
        Attr::Raw { id, data } => {
            assert_eq!(
                *id,
                msg::attr::DATA,
                "{name}: only the monitor quirk stays raw"
            );
            check_raw_list(name, data, want["raw_attrs"].as_array().unwrap());
        }
    }
}

/// The README's status names, by code, checked against our constants.
const STATUS_NAMES: &[&str] = &[
    "OK",
    "INVALID_COMMAND",
    "INVALID_ARGUMENT",
    "METHOD_NOT_FOUND",
    "NOT_FOUND",
    "NO_DATA",
    "PERMISSION_DENIED",
    "TIMEOUT",
    "NOT_SUPPORTED",
    "UNKNOWN_ERROR",
    "CONNECTION_FAILED",
    "NO_MEMORY",
    "PARSE_ERROR",
    "SYSTEM_ERROR",
];

#[test]
fn status_constants() {
    use msg::status::*;
    let ours = [
        OK,
        INVALID_COMMAND,
        INVALID_ARGUMENT,
        METHOD_NOT_FOUND,
        NOT_FOUND,
        NO_DATA,
        PERMISSION_DENIED,
        TIMEOUT,
        NOT_SUPPORTED,
        UNKNOWN_ERROR,
        CONNECTION_FAILED,
        NO_MEMORY,
        PARSE_ERROR,
        SYSTEM_ERROR,
    ];
    for (i, code) in ours.iter().enumerate() {
        assert_eq!(*code as usize, i, "{}", STATUS_NAMES[i]);
    }
}

fn check_raw_list(name: &str, data: &[u8], list: &[Value]) {
    let got: Vec<_> = blob::attrs(data).map(|a| a.unwrap()).collect();
    assert_eq!(got.len(), list.len(), "{name}");
    for (g, w) in got.iter().zip(list) {
        assert_eq!(g.id as u64, w["id"].as_u64().unwrap(), "{name}");
        assert_eq!(g.extended, w["extended"].as_bool().unwrap(), "{name}");
        assert_eq!(
            g.data.len() as u64 + 4,
            w["raw_len"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(hex(g.data), w["hex"].as_str().unwrap(), "{name}");
    }
}

/// JSON -> blobmsg the way `ubus call` converts its argument: the recorded
/// `invoke_double_int64_empty` DATA, whose JSON is recorded alongside.
#[test]
fn json_conversion_matches_ubus_cli_types() {
    let v = fixture("vectors.jsonl")
        .into_iter()
        .find(|v| v["name"] == "invoke_double_int64_empty")
        .unwrap();
    let data = &v["attrs"][2];
    let from_json = blob::table_from_json(ours(&data["json"]).as_map().unwrap());
    let typed = typed_table(&data["blobmsg"]);
    // same values and types; compare by name (the recorded JSON is in ubus's order)
    assert_eq!(from_json.len(), typed.len());
    for (k, want) in &typed {
        assert_eq!(blob::get(&from_json, k), Some(want), "{k}");
    }
    assert_eq!(
        BlobMsg::from_json(&ours(&serde_json::json!(true))),
        BlobMsg::Int8(1)
    );
    assert_eq!(
        BlobMsg::from_json(&ours(&serde_json::json!(-7))),
        BlobMsg::Int32(-7)
    );
    assert_eq!(
        BlobMsg::from_json(&ours(&serde_json::json!(-5000000000i64))),
        BlobMsg::Int64(-5000000000)
    );
    assert_eq!(BlobMsg::from_json(&umodem::out::Out::Null), BlobMsg::Null);
}

/// Alignment as libubox does it: names of every length 0..=12 give the header
/// padding `pad4(2 + len + 1)`; values of every string length pad to 4 with zeros.
#[test]
fn padding_rules() {
    for n in 0..=12usize {
        let name = "n".repeat(n);
        for slen in 0..=6usize {
            let mut out = Vec::new();
            let s = "s".repeat(slen);
            blob::put_blobmsg(&mut out, &name, &BlobMsg::String(s.clone())).unwrap();
            let raw = 4 + blob::pad4(2 + n + 1) + slen + 1;
            assert_eq!(out.len(), blob::pad4(raw));
            let word = u32::from_be_bytes(out[..4].try_into().unwrap());
            assert_eq!(word, 0x8000_0000 | (3 << 24) | raw as u32);
            assert!(out[raw..].iter().all(|&b| b == 0), "padding is zero");
            let t = blob::decode_table(&out).unwrap();
            assert_eq!(t, vec![(name.clone(), BlobMsg::String(s))]);
        }
    }
}

#[test]
fn every_type_round_trips() {
    let t = vec![
        ("n".to_string(), BlobMsg::Null),
        (
            "a".to_string(),
            BlobMsg::Array(vec![BlobMsg::Int16(-2), BlobMsg::Null]),
        ),
        (
            "t".to_string(),
            BlobMsg::Table(vec![("x".into(), BlobMsg::Double(-0.25))]),
        ),
        ("s".to_string(), BlobMsg::from("héllo")),
        ("i64".to_string(), BlobMsg::Int64(i64::MIN)),
        ("i32".to_string(), BlobMsg::Int32(i32::MAX)),
        ("i16".to_string(), BlobMsg::Int16(i16::MIN)),
        ("i8".to_string(), BlobMsg::Int8(200)),
        ("d".to_string(), BlobMsg::Double(1e300)),
    ];
    let mut out = Vec::new();
    blob::put_table(&mut out, &t).unwrap();
    assert_eq!(out.len() % 4, 0);
    assert_eq!(blob::decode_table(&out).unwrap(), t);
    let json = sj(&blob::table_to_json(&t));
    assert_eq!(json["i8"], Value::Bool(true));
    assert_eq!(json["n"], Value::Null);
    assert_eq!(json["a"], serde_json::json!([-2, null]));
}

/// The fixtures are copies of ../shared/vectors/ubus (recorded facts); when the shared
/// folder sits beside the repo, as in CI, the copies must not have drifted.
#[test]
fn fixtures_match_shared_vectors() {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors/ubus/");
    let ours = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ubus/");
    if !std::path::Path::new(shared).is_dir() {
        eprintln!("no {shared}: fixtures used as they are");
        return;
    }
    for f in ["vectors.jsonl", "sessions.jsonl", "README.md"] {
        let a = std::fs::read(format!("{shared}{f}")).unwrap();
        let b = std::fs::read(format!("{ours}{f}")).unwrap();
        assert!(
            a == b,
            "tests/fixtures/ubus/{f} differs from shared/vectors/ubus/{f}"
        );
    }
}
