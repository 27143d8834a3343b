//! blob and blobmsg: the attribute encoding under every ubus message.
//!
//! A blob attribute is a big-endian u32 header (bit 31 `EXTENDED`, bits 24..30 the id,
//! bits 0..23 the raw length counting the header itself) followed by its payload and
//! zero padding up to the next multiple of 4. The padding is not part of the raw
//! length but is part of the enclosing container's length.
//!
//! A blobmsg attribute is an extended blob attribute whose id is its type, whose
//! payload starts with a BE16 name length, the name, a NUL and zero padding (so that
//! `2 + name length + 1` is rounded up to a multiple of 4), then the value.
//!
//! Everything here is pure: bytes in, values out, and the other way round. Decoding
//! never panics and never recurses deeper than [`MAX_DEPTH`].

use crate::out::Out;

use super::Error;

/// blob header flag: the attribute is a blobmsg (named, typed) attribute.
pub const EXTENDED: u32 = 0x8000_0000;
const ID_SHIFT: u32 = 24;
const ID_MASK: u32 = 0x7f;
const LEN_MASK: u32 = 0x00ff_ffff;

/// blobmsg type codes (libubox `BLOBMSG_TYPE_*`), also used in method signatures.
pub const TYPE_UNSPEC: u8 = 0;
pub const TYPE_ARRAY: u8 = 1;
pub const TYPE_TABLE: u8 = 2;
pub const TYPE_STRING: u8 = 3;
pub const TYPE_INT64: u8 = 4;
pub const TYPE_INT32: u8 = 5;
pub const TYPE_INT16: u8 = 6;
pub const TYPE_INT8: u8 = 7;
pub const TYPE_BOOL: u8 = TYPE_INT8;
pub const TYPE_DOUBLE: u8 = 8;

/// Deepest nesting of arrays/tables the decoder accepts. Real ubus traffic nests a
/// handful of levels; a hostile 1 MiB message could otherwise nest 100 000 deep.
pub const MAX_DEPTH: usize = 32;

/// A named list of blobmsg values, in wire order (names may repeat on the wire).
pub type Table = Vec<(String, BlobMsg)>;

/// One blobmsg value, with its exact wire type.
///
/// JSON has no integer widths, so keep values in this form when the bytes matter
/// (signatures, replies whose consumers expect INT16 or INT64) and convert with
/// [`BlobMsg::to_json`] / [`BlobMsg::from_json`] at the edges.
#[derive(Debug, Clone, PartialEq)]
pub enum BlobMsg {
    /// `BLOBMSG_TYPE_UNSPEC` with no data: what libubox makes of a JSON `null`.
    Null,
    Array(Vec<BlobMsg>),
    Table(Table),
    String(String),
    Int64(i64),
    Int32(i32),
    Int16(i16),
    /// INT8, also BOOL: one byte; JSON shows it as `true`/`false`.
    Int8(u8),
    Double(f64),
}

impl From<bool> for BlobMsg {
    fn from(b: bool) -> BlobMsg {
        BlobMsg::Int8(b as u8)
    }
}
impl From<i32> for BlobMsg {
    fn from(v: i32) -> BlobMsg {
        BlobMsg::Int32(v)
    }
}
impl From<i64> for BlobMsg {
    fn from(v: i64) -> BlobMsg {
        BlobMsg::Int64(v)
    }
}
impl From<&str> for BlobMsg {
    fn from(s: &str) -> BlobMsg {
        BlobMsg::String(s.to_string())
    }
}
impl From<String> for BlobMsg {
    fn from(s: String) -> BlobMsg {
        BlobMsg::String(s)
    }
}

impl BlobMsg {
    /// The blobmsg type code of this value.
    pub fn type_code(&self) -> u8 {
        match self {
            BlobMsg::Null => TYPE_UNSPEC,
            BlobMsg::Array(_) => TYPE_ARRAY,
            BlobMsg::Table(_) => TYPE_TABLE,
            BlobMsg::String(_) => TYPE_STRING,
            BlobMsg::Int64(_) => TYPE_INT64,
            BlobMsg::Int32(_) => TYPE_INT32,
            BlobMsg::Int16(_) => TYPE_INT16,
            BlobMsg::Int8(_) => TYPE_INT8,
            BlobMsg::Double(_) => TYPE_DOUBLE,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            BlobMsg::String(s) => Some(s),
            _ => None,
        }
    }

    /// Any integer width, as i64.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            BlobMsg::Int64(v) => Some(v),
            BlobMsg::Int32(v) => Some(v.into()),
            BlobMsg::Int16(v) => Some(v.into()),
            BlobMsg::Int8(v) => Some(v.into()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            BlobMsg::Int8(v) => Some(v != 0),
            _ => None,
        }
    }

    /// The JSON that `ubus call` would print for this value (libubox's
    /// `blobmsg_format_json`): INT8 as a bool, UNSPEC as null. A non-finite double
    /// (JSON cannot hold it) becomes null.
    pub fn to_json(&self) -> Out {
        match self {
            BlobMsg::Null => Out::Null,
            BlobMsg::Array(items) => Out::List(items.iter().map(BlobMsg::to_json).collect()),
            BlobMsg::Table(t) => table_to_json(t),
            BlobMsg::String(s) => Out::Str(s.clone()),
            BlobMsg::Int64(v) => Out::Int(*v),
            BlobMsg::Int32(v) => Out::Int((*v).into()),
            BlobMsg::Int16(v) => Out::Int((*v).into()),
            BlobMsg::Int8(v) => Out::Bool(*v != 0),
            // Rust prints the shortest text that reads back to the same double.
            BlobMsg::Double(d) if d.is_finite() => Out::Num(format!("{d:?}")),
            BlobMsg::Double(_) => Out::Null,
        }
    }

    /// JSON to blobmsg as the `ubus` tool does it: integers that fit in 32 bits become
    /// INT32, larger ones INT64, other numbers DOUBLE, bools INT8, null UNSPEC. Object
    /// keys keep their order (and repeats), as libubox's `blobmsg_add_json_element`.
    pub fn from_json(v: &Out) -> BlobMsg {
        match v {
            Out::Null => BlobMsg::Null,
            Out::Bool(b) => BlobMsg::from(*b),
            Out::Int(i) => match i32::try_from(*i) {
                Ok(small) => BlobMsg::Int32(small),
                Err(_) => BlobMsg::Int64(*i),
            },
            // Beyond i64 or a fraction (validated JSON: parse cannot fail).
            Out::Num(t) => BlobMsg::Double(t.parse().unwrap_or(0.0)),
            Out::Str(s) => BlobMsg::String(s.clone()),
            Out::List(a) => BlobMsg::Array(a.iter().map(BlobMsg::from_json).collect()),
            Out::Map(m) => BlobMsg::Table(table_from_json(m)),
        }
    }
}

/// A table as a JSON object, names in wire order (a repeated name is repeated, as in
/// libubox's output; JSON readers mostly keep the last).
pub fn table_to_json(t: &[(String, BlobMsg)]) -> Out {
    Out::Map(t.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

/// A JSON object's members as a table (see [`BlobMsg::from_json`]).
pub fn table_from_json(m: &[(String, Out)]) -> Table {
    m.iter()
        .map(|(k, v)| (k.clone(), BlobMsg::from_json(v)))
        .collect()
}

/// Look a name up in a table (first match, as libubox's `blobmsg_parse` does).
pub fn get<'a>(t: &'a [(String, BlobMsg)], name: &str) -> Option<&'a BlobMsg> {
    t.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

#[inline]
pub fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

// ---------------------------------------------------------------------------
// plain blob attributes

/// Append a blob attribute header + payload + padding. The caller has made sure the
/// whole message stays under the ubus limit, so the length fits in 24 bits.
pub fn put_attr(out: &mut Vec<u8>, id: u8, extended: bool, payload: &[u8]) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(payload);
    finish_attr(out, start, id, extended);
}

/// Write the header of an attribute that started at `start` (4 placeholder bytes
/// followed by its payload), then pad the buffer to a multiple of 4.
pub(super) fn finish_attr(out: &mut Vec<u8>, start: usize, id: u8, extended: bool) {
    let raw = (out.len() - start) as u32;
    let mut word = ((id as u32 & ID_MASK) << ID_SHIFT) | (raw & LEN_MASK);
    if extended {
        word |= EXTENDED;
    }
    if let Some(head) = out.get_mut(start..start + 4) {
        head.copy_from_slice(&word.to_be_bytes());
    }
    out.resize(start + pad4(raw as usize), 0);
}

/// One attribute as found on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawAttr<'a> {
    pub id: u8,
    pub extended: bool,
    /// The payload, without header and padding.
    pub data: &'a [u8],
}

/// Iterate over the attributes that tile `buf` exactly (each one padded to 4 bytes,
/// the last one's padding may be missing). Yields an error, then stops, at the first
/// attribute that does not fit.
pub fn attrs(buf: &[u8]) -> Attrs<'_> {
    Attrs { rest: buf }
}

pub struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<RawAttr<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let r = split_attr(self.rest);
        match r {
            Ok((a, rest)) => {
                self.rest = rest;
                Some(Ok(a))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

fn split_attr(buf: &[u8]) -> Result<(RawAttr<'_>, &[u8]), Error> {
    let head: [u8; 4] = match buf.get(..4).and_then(|h| h.try_into().ok()) {
        Some(h) => h,
        None => return Err(Error::Invalid("attribute header cut short")),
    };
    let word = u32::from_be_bytes(head);
    let raw = (word & LEN_MASK) as usize;
    if raw < 4 {
        return Err(Error::Invalid("attribute length smaller than its header"));
    }
    let data = match buf.get(4..raw) {
        Some(d) => d,
        None => return Err(Error::Invalid("attribute longer than its container")),
    };
    let next = pad4(raw).min(buf.len());
    let rest = buf.get(next..).unwrap_or(&[]);
    let attr = RawAttr {
        id: ((word >> ID_SHIFT) & ID_MASK) as u8,
        extended: word & EXTENDED != 0,
        data,
    };
    Ok((attr, rest))
}

// ---------------------------------------------------------------------------
// blobmsg encoding

/// Append one blobmsg attribute (name may be empty: array elements have none).
pub fn put_blobmsg(out: &mut Vec<u8>, name: &str, v: &BlobMsg) -> Result<(), Error> {
    if name.len() > u16::MAX as usize {
        return Err(Error::TooLarge);
    }
    if name.as_bytes().contains(&0) {
        return Err(Error::Invalid("a blobmsg name cannot contain NUL"));
    }
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(name.len() as u16).to_be_bytes());
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    let hdr_end = start + 4 + pad4(2 + name.len() + 1);
    out.resize(hdr_end, 0);
    match v {
        BlobMsg::Null => {}
        BlobMsg::Array(items) => {
            for item in items {
                put_blobmsg(out, "", item)?;
            }
        }
        BlobMsg::Table(t) => put_table(out, t)?,
        BlobMsg::String(s) => {
            if s.as_bytes().contains(&0) {
                return Err(Error::Invalid("a blobmsg string cannot contain NUL"));
            }
            out.extend_from_slice(s.as_bytes());
            out.push(0);
        }
        BlobMsg::Int64(x) => out.extend_from_slice(&x.to_be_bytes()),
        BlobMsg::Int32(x) => out.extend_from_slice(&x.to_be_bytes()),
        BlobMsg::Int16(x) => out.extend_from_slice(&x.to_be_bytes()),
        BlobMsg::Int8(x) => out.push(*x),
        BlobMsg::Double(x) => out.extend_from_slice(&x.to_bits().to_be_bytes()),
    }
    if out.len() - start > LEN_MASK as usize {
        return Err(Error::TooLarge);
    }
    finish_attr(out, start, v.type_code(), true);
    Ok(())
}

/// Append the members of a table (the payload of a TABLE, of DATA, of SIGNATURE).
pub fn put_table(out: &mut Vec<u8>, t: &[(String, BlobMsg)]) -> Result<(), Error> {
    for (k, v) in t {
        put_blobmsg(out, k, v)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// blobmsg decoding

/// Decode one blobmsg attribute's (name, value) from a raw attribute.
pub fn blobmsg_of(a: RawAttr<'_>, depth: usize) -> Result<(String, BlobMsg), Error> {
    if !a.extended {
        return Err(Error::Invalid(
            "plain blob attribute where blobmsg expected",
        ));
    }
    let d = a.data;
    let namelen = match d.get(..2) {
        Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]) as usize,
        _ => return Err(Error::Invalid("blobmsg header cut short")),
    };
    let name = match d.get(2..2 + namelen + 1) {
        Some(n) => n,
        None => return Err(Error::Invalid("blobmsg name longer than its attribute")),
    };
    if name.last() != Some(&0) {
        return Err(Error::Invalid("blobmsg name not NUL-terminated"));
    }
    // What a C reader sees: the name up to its first NUL.
    let name = c_string(name)?;
    let value = d.get(pad4(2 + namelen + 1)..).unwrap_or(&[]);
    let v = match a.id {
        TYPE_UNSPEC => BlobMsg::Null,
        TYPE_ARRAY => BlobMsg::Array(nested(value, depth)?.into_iter().map(|(_, v)| v).collect()),
        TYPE_TABLE => BlobMsg::Table(nested(value, depth)?),
        TYPE_STRING => BlobMsg::String(c_string(value)?),
        TYPE_INT64 => BlobMsg::Int64(i64::from_be_bytes(exact(value)?)),
        TYPE_INT32 => BlobMsg::Int32(i32::from_be_bytes(exact(value)?)),
        TYPE_INT16 => BlobMsg::Int16(i16::from_be_bytes(exact(value)?)),
        TYPE_INT8 => BlobMsg::Int8(u8::from_be_bytes(exact(value)?)),
        TYPE_DOUBLE => BlobMsg::Double(f64::from_bits(u64::from_be_bytes(exact(value)?))),
        _ => return Err(Error::Invalid("unknown blobmsg type")),
    };
    Ok((name, v))
}

fn nested(buf: &[u8], depth: usize) -> Result<Table, Error> {
    if depth >= MAX_DEPTH {
        return Err(Error::Invalid("blobmsg nested too deep"));
    }
    decode_table_at(buf, depth + 1)
}

/// Decode the payload of a container (DATA, SIGNATURE, a TABLE) as a list of named
/// blobmsg values.
pub fn decode_table(buf: &[u8]) -> Result<Table, Error> {
    decode_table_at(buf, 0)
}

fn decode_table_at(buf: &[u8], depth: usize) -> Result<Table, Error> {
    let mut t = Vec::new();
    for a in attrs(buf) {
        t.push(blobmsg_of(a?, depth)?);
    }
    Ok(t)
}

fn exact<const N: usize>(b: &[u8]) -> Result<[u8; N], Error> {
    b.try_into()
        .map_err(|_| Error::Invalid("integer attribute of the wrong size"))
}

/// A NUL-terminated string payload (what a C reader sees: up to the first NUL).
pub fn c_string(b: &[u8]) -> Result<String, Error> {
    match b.iter().position(|&c| c == 0) {
        Some(end) => utf8(b.get(..end).unwrap_or(&[])),
        None => Err(Error::Invalid("string not NUL-terminated")),
    }
}

fn utf8(b: &[u8]) -> Result<String, Error> {
    match std::str::from_utf8(b) {
        Ok(s) => Ok(s.to_string()),
        Err(_) => Err(Error::Invalid("string is not UTF-8")),
    }
}
