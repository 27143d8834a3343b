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
    let start = open(out, id, extended);
    out.extend_from_slice(payload);
    close(out, start);
}

/// Start an attribute: its header with the id, the length left for [`close`].
pub fn open(out: &mut Vec<u8>, id: u8, extended: bool) -> usize {
    let start = out.len();
    let flag = if extended { EXTENDED } else { 0 };
    out.extend_from_slice(&(flag | (id as u32 & ID_MASK) << ID_SHIFT).to_be_bytes());
    start
}

/// Close the attribute [`open`] (or [`begin`]) started at `start`: its length in the
/// header, then zero padding to a multiple of 4.
pub fn close(out: &mut Vec<u8>, start: usize) {
    let raw = out.len().saturating_sub(start);
    if let Some(head) = out.get_mut(start..start + 4) {
        head[1..].copy_from_slice(&(raw as u32 & LEN_MASK).to_be_bytes()[1..]);
    }
    pad(out);
}

/// Zero bytes up to the next multiple of 4. Every attribute starts at a multiple
/// of 4 in its buffer (a message's header is 8 bytes, every writer here pads), so
/// this is the padding of the attribute being closed, as libubox writes it.
fn pad(out: &mut Vec<u8>) {
    let n = pad4(out.len()) - out.len();
    out.extend_from_slice([0u8; 3].get(..n).unwrap_or(&[]));
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
        self.rest = match r {
            Ok((_, rest)) => rest,
            Err(_) => &[],
        };
        Some(r.map(|(a, _)| a))
    }
}

/// The payload of the first attribute with this id in `buf` (looking no further
/// than the first malformed one).
pub fn attr(buf: &[u8], id: u8) -> Option<&[u8]> {
    for a in attrs(buf) {
        let a = a.ok()?;
        if a.id == id {
            return Some(a.data);
        }
    }
    None
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
    let rest = buf.get(pad4(raw).min(buf.len())..).unwrap_or(&[]);
    let attr = RawAttr {
        id: ((word >> ID_SHIFT) & ID_MASK) as u8,
        extended: word & EXTENDED != 0,
        data,
    };
    Ok((attr, rest))
}

// ---------------------------------------------------------------------------
// blobmsg writing, in place: what the daemon answers and announces, with no tree

/// Start a blobmsg attribute of type `ty` named `name` (empty in an array); close it
/// with [`close`]. Names are the caller's own words: short, no NUL.
pub fn begin(out: &mut Vec<u8>, ty: u8, name: &str) -> usize {
    let start = open(out, ty, true);
    out.extend_from_slice(&(name.len() as u16).to_be_bytes());
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    pad(out);
    start
}

/// A blobmsg table (or array) written in place: the members of a DATA attribute, of
/// a TABLE, of a SIGNATURE. What `put_table` makes of the same values, byte for byte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Buf(pub Vec<u8>);

impl Buf {
    pub fn new() -> Buf {
        Buf(Vec::new())
    }

    /// A string; a C reader stops at a NUL, so the value stops there too.
    #[inline(never)]
    pub fn str(&mut self, name: &str, v: &str) {
        let s = begin(&mut self.0, TYPE_STRING, name);
        let b = v.as_bytes();
        let n = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        self.0.extend_from_slice(b.get(..n).unwrap_or(&[]));
        self.0.push(0);
        close(&mut self.0, s);
    }

    /// An integer as the `ubus` tool writes one: INT32 when it fits, else INT64.
    #[inline(never)]
    pub fn int(&mut self, name: &str, v: i64) {
        match i32::try_from(v) {
            Ok(v) => self.fixed(TYPE_INT32, name, &v.to_be_bytes()),
            Err(_) => self.fixed(TYPE_INT64, name, &v.to_be_bytes()),
        }
    }

    pub fn bool(&mut self, name: &str, v: bool) {
        self.fixed(TYPE_BOOL, name, &[v as u8]);
    }

    /// UNSPEC, no data: `null` to `ubus call`.
    pub fn null(&mut self, name: &str) {
        self.fixed(TYPE_UNSPEC, name, &[]);
    }

    #[inline(never)]
    fn fixed(&mut self, ty: u8, name: &str, v: &[u8]) {
        let s = begin(&mut self.0, ty, name);
        self.0.extend_from_slice(v);
        close(&mut self.0, s);
    }

    #[inline(never)]
    pub fn opt_str(&mut self, name: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(name, v);
        }
    }

    #[inline(never)]
    pub fn opt_int(&mut self, name: &str, v: Option<i64>) {
        if let Some(v) = v {
            self.int(name, v);
        }
    }

    /// Open a table; members follow, then [`Buf::end`] with what this returned.
    pub fn table(&mut self, name: &str) -> usize {
        begin(&mut self.0, TYPE_TABLE, name)
    }

    /// Open an array (members are written with an empty name).
    pub fn array(&mut self, name: &str) -> usize {
        begin(&mut self.0, TYPE_ARRAY, name)
    }

    pub fn end(&mut self, start: usize) {
        close(&mut self.0, start);
    }

    /// A JSON tree (a command's `--json`) as `ubus call` answers it: null values are
    /// left out; a number that is not an integer (parsed input only) as its text.
    pub fn out(&mut self, name: &str, v: &Out) {
        match v {
            Out::Null => {}
            Out::Bool(b) => self.bool(name, *b),
            Out::Int(i) => self.int(name, *i),
            Out::Num(t) | Out::Str(t) => self.str(name, t),
            Out::List(l) => {
                let s = self.array(name);
                for x in l {
                    self.out("", x);
                }
                self.end(s);
            }
            Out::Map(m) => {
                let s = self.table(name);
                self.members(m);
                self.end(s);
            }
        }
    }

    /// The members of a JSON object, at this level.
    pub fn members(&mut self, m: &[(String, Out)]) {
        for (k, x) in m {
            self.out(k, x);
        }
    }
}

/// Append one blobmsg attribute (name may be empty: array elements have none).
pub fn put_blobmsg(out: &mut Vec<u8>, name: &str, v: &BlobMsg) -> Result<(), Error> {
    if name.len() > u16::MAX as usize {
        return Err(Error::TooLarge);
    }
    if name.as_bytes().contains(&0) {
        return Err(Error::Invalid("a blobmsg name cannot contain NUL"));
    }
    let start = begin(out, v.type_code(), name);
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
    close(out, start);
    Ok(())
}

/// Append the members of a table (the payload of a TABLE, of DATA, of SIGNATURE).
pub fn put_table(out: &mut Vec<u8>, t: &[(String, BlobMsg)]) -> Result<(), Error> {
    for (k, v) in t {
        put_blobmsg(out, k, v)?;
    }
    Ok(())
}

/// A table's wire bytes (see [`put_table`]).
pub fn encode_table(t: &[(String, BlobMsg)]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    put_table(&mut out, t)?;
    Ok(out)
}

// ---------------------------------------------------------------------------
// blobmsg reading, in place

/// One blobmsg attribute read where it lies: its type, name and value bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Val<'a> {
    pub ty: u8,
    /// The name up to its first NUL (what a C reader sees).
    pub name: &'a [u8],
    pub data: &'a [u8],
}

/// The members of a table (or the items of an array) in `buf`. Stops at the first
/// malformed one: run [`check_table`] first where that matters.
pub fn members(buf: &[u8]) -> impl Iterator<Item = Val<'_>> {
    attrs(buf).map_while(|a| val(a.ok()?).ok())
}

/// The first member named `name` (as libubox's `blobmsg_parse` takes it).
#[inline(never)]
pub fn find<'a>(buf: &'a [u8], name: &str) -> Option<Val<'a>> {
    members(buf).find(|v| v.name == name.as_bytes())
}

/// The name and value of a blobmsg attribute.
fn val(a: RawAttr<'_>) -> Result<Val<'_>, Error> {
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
    Ok(Val {
        ty: a.id,
        name: upto_nul(name),
        data: d.get(pad4(2 + namelen + 1)..).unwrap_or(&[]),
    })
}

fn upto_nul(b: &[u8]) -> &[u8] {
    let n = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b.get(..n).unwrap_or(&[])
}

impl<'a> Val<'a> {
    pub fn str(self) -> Option<&'a str> {
        if self.ty != TYPE_STRING {
            return None;
        }
        std::str::from_utf8(upto_nul(self.data)).ok()
    }

    /// Any integer width, as i64.
    pub fn int(self) -> Option<i64> {
        let d = self.data;
        Some(match self.ty {
            TYPE_INT64 => i64::from_be_bytes(d.try_into().ok()?),
            TYPE_INT32 => i32::from_be_bytes(d.try_into().ok()?).into(),
            TYPE_INT16 => i16::from_be_bytes(d.try_into().ok()?).into(),
            TYPE_INT8 => u8::from_be_bytes(d.try_into().ok()?).into(),
            _ => return None,
        })
    }

    pub fn bool(self) -> Option<bool> {
        match (self.ty, self.data) {
            (TYPE_INT8, [b]) => Some(*b != 0),
            _ => None,
        }
    }

    /// The members of a table or the items of an array (nothing for other types).
    pub fn items(self) -> impl Iterator<Item = Val<'a>> {
        let inner = match self.ty {
            TYPE_TABLE | TYPE_ARRAY => self.data,
            _ => &[],
        };
        members(inner)
    }

    /// A member of a table.
    pub fn get(self, name: &str) -> Option<Val<'a>> {
        match self.ty {
            TYPE_TABLE => find(self.data, name),
            _ => None,
        }
    }
}

/// Is `buf` a well-formed list of blobmsg values (every rule [`decode_table`] holds
/// it to)? What breaks the first rule, if not.
pub fn check_table(buf: &[u8]) -> Result<(), Error> {
    check_at(buf, 0)
}

fn check_at(buf: &[u8], depth: usize) -> Result<(), Error> {
    for a in attrs(buf) {
        let v = val(a?)?;
        utf8(v.name)?;
        let size = match v.ty {
            TYPE_UNSPEC => continue,
            TYPE_ARRAY | TYPE_TABLE => {
                if depth >= MAX_DEPTH {
                    return Err(Error::Invalid("blobmsg nested too deep"));
                }
                check_at(v.data, depth + 1)?;
                continue;
            }
            TYPE_STRING => {
                c_str(v.data)?;
                continue;
            }
            TYPE_INT64 | TYPE_DOUBLE => 8,
            TYPE_INT32 => 4,
            TYPE_INT16 => 2,
            TYPE_INT8 => 1,
            _ => return Err(Error::Invalid("unknown blobmsg type")),
        };
        if v.data.len() != size {
            return Err(Error::Invalid("integer attribute of the wrong size"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// blobmsg decoding into a tree (tests, tools; the daemon reads in place)

/// Decode the payload of a container (DATA, SIGNATURE, a TABLE) as a list of named
/// blobmsg values.
pub fn decode_table(buf: &[u8]) -> Result<Table, Error> {
    check_table(buf)?;
    Ok(members(buf).map(|v| (lossy(v.name), tree(v))).collect())
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A checked value as a tree.
fn tree(v: Val<'_>) -> BlobMsg {
    let d = v.data;
    let be8 = || u64::from_be_bytes(d.try_into().unwrap_or([0; 8]));
    match v.ty {
        TYPE_ARRAY => BlobMsg::Array(v.items().map(tree).collect()),
        TYPE_TABLE => BlobMsg::Table(v.items().map(|m| (lossy(m.name), tree(m))).collect()),
        TYPE_STRING => BlobMsg::String(lossy(upto_nul(d))),
        TYPE_INT64 => BlobMsg::Int64(be8() as i64),
        TYPE_INT32 => BlobMsg::Int32(v.int().unwrap_or(0) as i32),
        TYPE_INT16 => BlobMsg::Int16(v.int().unwrap_or(0) as i16),
        TYPE_INT8 => BlobMsg::Int8(v.int().unwrap_or(0) as u8),
        TYPE_DOUBLE => BlobMsg::Double(f64::from_bits(be8())),
        _ => BlobMsg::Null,
    }
}

/// A NUL-terminated string payload (what a C reader sees: up to the first NUL).
pub fn c_string(b: &[u8]) -> Result<String, Error> {
    c_str(b).map(str::to_string)
}

/// The same, in place.
pub fn c_str(b: &[u8]) -> Result<&str, Error> {
    match b.iter().position(|&c| c == 0) {
        Some(end) => utf8(b.get(..end).unwrap_or(&[])),
        None => Err(Error::Invalid("string not NUL-terminated")),
    }
}

fn utf8(b: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(b).map_err(|_| Error::Invalid("string is not UTF-8"))
}
