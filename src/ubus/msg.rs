//! ubus message framing: an 8-byte header, then one blob attribute (id 0) holding the
//! message attributes.
//!
//! Header: u8 version (0), u8 type, BE16 seq, BE32 peer. The message is
//! `8 + raw length of that attribute` bytes long. Like ubusd and libubus, a message
//! whose padded attribute length exceeds [`MAX_MSGLEN`] is refused.
//!
//! [`check`] tells "not all here yet" from "never valid" on a byte buffer, the way
//! mini-redis's `Frame::check` does; [`Message::parse`] then works on complete bytes.

use super::blob::{self, pad4, BlobMsg, RawAttr, Table};
use super::Error;

/// ubusd's and libubus's limit on one message (`UBUS_MAX_MSGLEN`, 1 MiB).
pub const MAX_MSGLEN: usize = 1_048_576;
/// Header plus the top-level attribute header.
pub const HDR_LEN: usize = 8;

/// Message types (`UBUS_MSG_*`).
pub mod kind {
    pub const HELLO: u8 = 0;
    pub const STATUS: u8 = 1;
    pub const DATA: u8 = 2;
    pub const PING: u8 = 3;
    pub const LOOKUP: u8 = 4;
    pub const INVOKE: u8 = 5;
    pub const ADD_OBJECT: u8 = 6;
    pub const REMOVE_OBJECT: u8 = 7;
    pub const SUBSCRIBE: u8 = 8;
    pub const UNSUBSCRIBE: u8 = 9;
    pub const NOTIFY: u8 = 10;
    pub const MONITOR: u8 = 11;
}

/// Message attribute ids (`UBUS_ATTR_*`).
pub mod attr {
    pub const STATUS: u8 = 1;
    pub const OBJPATH: u8 = 2;
    pub const OBJID: u8 = 3;
    pub const METHOD: u8 = 4;
    pub const OBJTYPE: u8 = 5;
    pub const SIGNATURE: u8 = 6;
    pub const DATA: u8 = 7;
    pub const TARGET: u8 = 8;
    pub const ACTIVE: u8 = 9;
    pub const NO_REPLY: u8 = 10;
    pub const SUBSCRIBERS: u8 = 11;
    pub const USER: u8 = 12;
    pub const GROUP: u8 = 13;
}

/// Status codes (`UBUS_STATUS_*`).
pub mod status {
    pub const OK: u32 = 0;
    pub const INVALID_COMMAND: u32 = 1;
    pub const INVALID_ARGUMENT: u32 = 2;
    pub const METHOD_NOT_FOUND: u32 = 3;
    pub const NOT_FOUND: u32 = 4;
    pub const NO_DATA: u32 = 5;
    pub const PERMISSION_DENIED: u32 = 6;
    pub const TIMEOUT: u32 = 7;
    pub const NOT_SUPPORTED: u32 = 8;
    pub const UNKNOWN_ERROR: u32 = 9;
    pub const CONNECTION_FAILED: u32 = 10;
    pub const NO_MEMORY: u32 = 11;
    pub const PARSE_ERROR: u32 = 12;
    pub const SYSTEM_ERROR: u32 = 13;

    /// The names `ubus` prints for the status codes, by code.
    const NAMES: [&str; 14] = [
        "Success",
        "Invalid command",
        "Invalid argument",
        "Method not found",
        "Not found",
        "No response",
        "Permission denied",
        "Request timed out",
        "Operation not supported",
        "Unknown error",
        "Connection failed",
        "Out of memory",
        "Parsing message data failed",
        "System error",
    ];

    /// The name `ubus` prints for a status code.
    pub fn name(code: u32) -> &'static str {
        NAMES
            .get(code as usize)
            .copied()
            .unwrap_or("Unknown status")
    }
}

/// The system objects ubusd itself answers for.
pub const OBJECT_EVENT: u32 = 1;
pub const OBJECT_ACL: u32 = 2;
pub const OBJECT_MONITOR: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub version: u8,
    pub kind: u8,
    pub seq: u16,
    pub peer: u32,
}

/// One message attribute. Attributes whose id the message type does not define, and
/// DATA that does not hold blobmsg (the `ubus monitor` quirk), stay [`Attr::Raw`].
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    Status(u32),
    ObjPath(String),
    ObjId(u32),
    Method(String),
    ObjType(u32),
    /// Method name -> table of argument name -> blobmsg type code (INT32).
    Signature(Table),
    Data(Table),
    Target(u32),
    Active(u8),
    NoReply(u8),
    User(String),
    Group(String),
    Raw {
        id: u8,
        data: Vec<u8>,
    },
}

impl Attr {
    pub fn id(&self) -> u8 {
        match self {
            Attr::Status(_) => attr::STATUS,
            Attr::ObjPath(_) => attr::OBJPATH,
            Attr::ObjId(_) => attr::OBJID,
            Attr::Method(_) => attr::METHOD,
            Attr::ObjType(_) => attr::OBJTYPE,
            Attr::Signature(_) => attr::SIGNATURE,
            Attr::Data(_) => attr::DATA,
            Attr::Target(_) => attr::TARGET,
            Attr::Active(_) => attr::ACTIVE,
            Attr::NoReply(_) => attr::NO_REPLY,
            Attr::User(_) => attr::USER,
            Attr::Group(_) => attr::GROUP,
            Attr::Raw { id, .. } => *id,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub hdr: Header,
    pub attrs: Vec<Attr>,
}

/// What [`check`] makes of the start of a byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A whole message of this many bytes is at the front.
    Complete(usize),
    /// More bytes are needed (at least the header; then the whole message).
    Incomplete,
}

/// Does `buf` start with a whole message? Err means the stream can never become a
/// valid message (bad version, impossible or oversized length): drop the connection.
pub fn check(buf: &[u8]) -> Result<Check, Error> {
    let head: [u8; 12] = match buf.get(..HDR_LEN + 4).and_then(|h| h.try_into().ok()) {
        Some(h) => h,
        None => return Ok(Check::Incomplete),
    };
    if head[0] != 0 {
        return Err(Error::Invalid("unknown ubus protocol version"));
    }
    let word = u32::from_be_bytes([head[8], head[9], head[10], head[11]]);
    let raw = (word & 0x00ff_ffff) as usize;
    if raw < 4 {
        return Err(Error::Invalid("message blob shorter than its header"));
    }
    if pad4(raw) > MAX_MSGLEN {
        return Err(Error::TooLarge);
    }
    let total = HDR_LEN + raw;
    if buf.len() < total {
        return Ok(Check::Incomplete);
    }
    Ok(Check::Complete(total))
}

impl Message {
    pub fn new(kind: u8, seq: u16, peer: u32, attrs: Vec<Attr>) -> Message {
        Message {
            hdr: Header {
                version: 0,
                kind,
                seq,
                peer,
            },
            attrs,
        }
    }

    /// Parse one complete message (exactly the bytes [`check`] measured).
    pub fn parse(buf: &[u8]) -> Result<Message, Error> {
        let v = View::new(buf)?;
        let mut attrs = Vec::new();
        for a in blob::attrs(v.body) {
            let a = a?;
            attrs.push(if v.kind == kind::MONITOR {
                raw(a)
            } else {
                decode_attr(a)?
            });
        }
        Ok(Message {
            hdr: Header {
                version: 0,
                kind: v.kind,
                seq: v.seq,
                peer: v.peer,
            },
            attrs,
        })
    }

    /// The wire bytes. Fails only for a message over [`MAX_MSGLEN`] or a string with NUL.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let mut out = start(self.hdr.kind, self.hdr.seq, self.hdr.peer);
        if let Some(v) = out.first_mut() {
            *v = self.hdr.version;
        }
        for a in &self.attrs {
            encode_attr(&mut out, a)?;
            if out.len() > MAX_MSGLEN + HDR_LEN {
                return Err(Error::TooLarge);
            }
        }
        finish(out)
    }

    fn find<T>(&self, f: impl Fn(&Attr) -> Option<T>) -> Option<T> {
        self.attrs.iter().find_map(f)
    }

    pub fn status(&self) -> Option<u32> {
        self.find(|a| match a {
            Attr::Status(s) => Some(*s),
            _ => None,
        })
    }
    pub fn objid(&self) -> Option<u32> {
        self.find(|a| match a {
            Attr::ObjId(s) => Some(*s),
            _ => None,
        })
    }
    pub fn objtype(&self) -> Option<u32> {
        self.find(|a| match a {
            Attr::ObjType(s) => Some(*s),
            _ => None,
        })
    }
    pub fn target(&self) -> Option<u32> {
        self.find(|a| match a {
            Attr::Target(s) => Some(*s),
            _ => None,
        })
    }
    pub fn active(&self) -> Option<u8> {
        self.find(|a| match a {
            Attr::Active(s) => Some(*s),
            _ => None,
        })
    }
    pub fn no_reply(&self) -> bool {
        self.find(|a| match a {
            Attr::NoReply(s) => Some(*s != 0),
            _ => None,
        })
        .unwrap_or(false)
    }
    pub fn objpath(&self) -> Option<&str> {
        self.attrs.iter().find_map(|a| match a {
            Attr::ObjPath(s) => Some(s.as_str()),
            _ => None,
        })
    }
    pub fn method(&self) -> Option<&str> {
        self.attrs.iter().find_map(|a| match a {
            Attr::Method(s) => Some(s.as_str()),
            _ => None,
        })
    }
    pub fn user(&self) -> Option<&str> {
        self.attrs.iter().find_map(|a| match a {
            Attr::User(s) => Some(s.as_str()),
            _ => None,
        })
    }
    pub fn group(&self) -> Option<&str> {
        self.attrs.iter().find_map(|a| match a {
            Attr::Group(s) => Some(s.as_str()),
            _ => None,
        })
    }
    pub fn data(&self) -> Option<&Table> {
        self.attrs.iter().find_map(|a| match a {
            Attr::Data(t) => Some(t),
            _ => None,
        })
    }
    pub fn signature(&self) -> Option<&Table> {
        self.attrs.iter().find_map(|a| match a {
            Attr::Signature(t) => Some(t),
            _ => None,
        })
    }
}

fn raw(a: RawAttr<'_>) -> Attr {
    Attr::Raw {
        id: a.id,
        data: a.data.to_vec(),
    }
}

/// DATA (or SIGNATURE) holding plain blob attributes (`ubus monitor`'s "add"), not
/// blobmsg: kept raw rather than called invalid.
fn plain(data: &[u8]) -> bool {
    blob::attrs(data).any(|x| matches!(x, Ok(x) if !x.extended))
}

/// The rules of one message attribute (as libubus goes by the id alone: the
/// EXTENDED bit means nothing up here). Unknown ids are kept as they are.
fn check_attr(a: RawAttr<'_>) -> Result<(), Error> {
    let size = match a.id {
        attr::STATUS | attr::OBJID | attr::OBJTYPE | attr::TARGET => 4,
        attr::ACTIVE | attr::NO_REPLY => 1,
        attr::OBJPATH | attr::METHOD | attr::USER | attr::GROUP => {
            return blob::c_str(a.data).map(|_| ())
        }
        attr::SIGNATURE | attr::DATA if !plain(a.data) => return blob::check_table(a.data),
        _ => return Ok(()),
    };
    if a.data.len() != size {
        return Err(Error::Invalid(if size == 4 {
            "32-bit message attribute of the wrong size"
        } else {
            "8-bit message attribute of the wrong size"
        }));
    }
    Ok(())
}

fn decode_attr(a: RawAttr<'_>) -> Result<Attr, Error> {
    check_attr(a)?;
    let u32_of = |d: &[u8]| u32::from_be_bytes(d.try_into().unwrap_or([0; 4]));
    let u8_of = |d: &[u8]| d.first().copied().unwrap_or(0);
    let s = |d: &[u8]| blob::c_string(d).unwrap_or_default();
    Ok(match a.id {
        attr::STATUS => Attr::Status(u32_of(a.data)),
        attr::OBJPATH => Attr::ObjPath(s(a.data)),
        attr::OBJID => Attr::ObjId(u32_of(a.data)),
        attr::METHOD => Attr::Method(s(a.data)),
        attr::OBJTYPE => Attr::ObjType(u32_of(a.data)),
        attr::TARGET => Attr::Target(u32_of(a.data)),
        attr::ACTIVE => Attr::Active(u8_of(a.data)),
        attr::NO_REPLY => Attr::NoReply(u8_of(a.data)),
        attr::USER => Attr::User(s(a.data)),
        attr::GROUP => Attr::Group(s(a.data)),
        attr::SIGNATURE | attr::DATA if !plain(a.data) => {
            let t = blob::decode_table(a.data)?;
            if a.id == attr::DATA {
                Attr::Data(t)
            } else {
                Attr::Signature(t)
            }
        }
        _ => raw(a),
    })
}

// ---------------------------------------------------------------------------
// In place: what the client reads and writes (no attribute list, no tree)

/// One whole message read where it lies. [`View::new`] checks every attribute by
/// the rules [`Message::parse`] holds them to; the accessors then only look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View<'a> {
    pub kind: u8,
    pub seq: u16,
    pub peer: u32,
    /// The attributes.
    pub body: &'a [u8],
}

impl<'a> View<'a> {
    /// `buf` is one complete message (as [`check`] measured it).
    pub fn new(buf: &'a [u8]) -> Result<View<'a>, Error> {
        let total = match check(buf)? {
            Check::Complete(n) => n,
            Check::Incomplete => return Err(Error::Incomplete),
        };
        let (Some(h), Some(body)) = (buf.get(..HDR_LEN), buf.get(HDR_LEN + 4..total)) else {
            return Err(Error::Incomplete);
        };
        let v = View {
            kind: h[1],
            seq: u16::from_be_bytes([h[2], h[3]]),
            peer: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
            body,
        };
        for a in blob::attrs(body) {
            let a = a?;
            if v.kind != kind::MONITOR {
                check_attr(a)?;
            }
        }
        Ok(v)
    }

    /// The payload of the first attribute with this id.
    pub fn attr(&self, id: u8) -> Option<&'a [u8]> {
        blob::attr(self.body, id)
    }

    pub fn u32(&self, id: u8) -> Option<u32> {
        Some(u32::from_be_bytes(self.attr(id)?.try_into().ok()?))
    }

    /// ACTIVE, NO_REPLY: a one-byte flag.
    pub fn flag(&self, id: u8) -> bool {
        self.attr(id).is_some_and(|d| d != [0])
    }

    pub fn str(&self, id: u8) -> Option<&'a str> {
        blob::c_str(self.attr(id)?).ok()
    }

    /// DATA holding blobmsg values (checked); None if there is none.
    pub fn data(&self) -> Option<&'a [u8]> {
        self.attr(attr::DATA)
    }

    /// DATA that holds plain blob attributes, not blobmsg.
    pub fn plain_data(&self) -> bool {
        self.data().is_some_and(plain)
    }
}

/// Start a message: its header and the attribute that holds the others.
pub fn start(kind: u8, seq: u16, peer: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&[0, kind]);
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&peer.to_be_bytes());
    blob::open(&mut out, 0, false);
    out
}

pub fn put_u32(out: &mut Vec<u8>, id: u8, v: u32) {
    blob::put_attr(out, id, false, &v.to_be_bytes());
}

/// The message [`start`] began, whole; over [`MAX_MSGLEN`] it cannot be sent.
pub fn finish(mut out: Vec<u8>) -> Result<Vec<u8>, Error> {
    if out.len() > MAX_MSGLEN + HDR_LEN {
        return Err(Error::TooLarge);
    }
    blob::close(&mut out, HDR_LEN);
    Ok(out)
}

/// A string attribute (OBJPATH, METHOD, ...): NUL-terminated, so none inside.
pub fn put_str(out: &mut Vec<u8>, id: u8, s: &str) -> Result<(), Error> {
    if s.as_bytes().contains(&0) {
        return Err(Error::Invalid("a ubus string cannot contain NUL"));
    }
    let start = blob::open(out, id, false);
    out.extend_from_slice(s.as_bytes());
    out.push(0);
    blob::close(out, start);
    Ok(())
}

fn encode_attr(out: &mut Vec<u8>, a: &Attr) -> Result<(), Error> {
    let id = a.id();
    match a {
        Attr::Status(v) | Attr::ObjId(v) | Attr::ObjType(v) | Attr::Target(v) => {
            put_u32(out, id, *v)
        }
        Attr::Active(v) | Attr::NoReply(v) => blob::put_attr(out, id, false, &[*v]),
        Attr::ObjPath(s) | Attr::Method(s) | Attr::User(s) | Attr::Group(s) => put_str(out, id, s)?,
        Attr::Signature(t) | Attr::Data(t) => {
            let start = blob::open(out, id, false);
            blob::put_table(out, t)?;
            blob::close(out, start);
        }
        Attr::Raw { id, data } => blob::put_attr(out, *id, false, data),
    }
    Ok(())
}

/// A method signature entry: method name and its (argument, blobmsg type) policy,
/// as ADD_OBJECT carries it.
pub fn signature(methods: &[(&str, &[(&str, u8)])]) -> Table {
    methods
        .iter()
        .map(|(m, args)| {
            let policy = args
                .iter()
                .map(|(a, t)| (a.to_string(), BlobMsg::Int32(i32::from(*t))))
                .collect();
            (m.to_string(), BlobMsg::Table(policy))
        })
        .collect()
}
