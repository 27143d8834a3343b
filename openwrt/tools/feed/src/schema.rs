//! The schemas of apk v3 packages and indexes (field numbers and kinds as in apk-tools'
//! apk_adb.h), a reader that turns an ADB block into a tree, and that tree as JSON in the
//! shape of `apk adbdump --format json`.

use crate::adb::{Adb, NULL};

/// What a field holds.
pub enum K {
    Str,
    Hex,
    Int,
    /// A dependency object, shown as `[!]name[op version]`.
    Dep,
    Obj(&'static [(&'static str, K)]),
    List(&'static K),
}

pub const DEP_NAME: usize = 1;
pub const DEP_VERSION: usize = 2;
pub const DEP_MATCH: usize = 3;

pub const PI_NAME: usize = 1;
pub const PI_VERSION: usize = 2;
pub const PI_HASHES: usize = 3;
pub const PI_DESCRIPTION: usize = 4;
pub const PI_ARCH: usize = 5;
pub const PI_LICENSE: usize = 6;
pub const PI_ORIGIN: usize = 7;
pub const PI_MAINTAINER: usize = 8;
pub const PI_URL: usize = 9;
pub const PI_INSTALLED_SIZE: usize = 12;
pub const PI_FILE_SIZE: usize = 13;
pub const PI_PROVIDER_PRIORITY: usize = 14;
pub const PI_DEPENDS: usize = 15;
pub const PI_PROVIDES: usize = 16;
pub const PI_MAX: usize = 22;

pub const ACL_MODE: usize = 1;
pub const ACL_USER: usize = 2;
pub const ACL_GROUP: usize = 3;

pub const FI_NAME: usize = 1;
pub const FI_ACL: usize = 2;
pub const FI_SIZE: usize = 3;
pub const FI_MTIME: usize = 4;
pub const FI_HASH: usize = 5;
pub const FI_TARGET: usize = 6;

pub const DI_NAME: usize = 1;
pub const DI_ACL: usize = 2;
pub const DI_FILES: usize = 3;

pub const PKG_INFO: usize = 1;
pub const PKG_PATHS: usize = 2;
pub const PKG_SCRIPTS: usize = 3;

pub const NDX_PACKAGES: usize = 2;

/// Script slots, in schema order.
pub const SCRIPTS: [&str; 7] = [
    "trigger",
    "pre-install",
    "post-install",
    "pre-deinstall",
    "post-deinstall",
    "pre-upgrade",
    "post-upgrade",
];

pub static PKGINFO: [(&str, K); 21] = [
    ("name", K::Str),
    ("version", K::Str),
    ("hashes", K::Hex),
    ("description", K::Str),
    ("arch", K::Str),
    ("license", K::Str),
    ("origin", K::Str),
    ("maintainer", K::Str),
    ("url", K::Str),
    ("repo-commit", K::Hex),
    ("build-time", K::Int),
    ("installed-size", K::Int),
    ("file-size", K::Int),
    ("provider-priority", K::Int),
    ("depends", K::List(&K::Dep)),
    ("provides", K::List(&K::Dep)),
    ("replaces", K::List(&K::Dep)),
    ("install-if", K::List(&K::Dep)),
    ("recommends", K::List(&K::Dep)),
    ("layer", K::Int),
    ("tags", K::List(&K::Str)),
];

static ACL: [(&str, K); 4] = [
    ("mode", K::Int),
    ("user", K::Str),
    ("group", K::Str),
    ("xattrs", K::List(&K::Hex)),
];

static FILE: [(&str, K); 6] = [
    ("name", K::Str),
    ("acl", K::Obj(&ACL)),
    ("size", K::Int),
    ("mtime", K::Int),
    ("hash", K::Hex),
    ("target", K::Hex),
];

static DIR: [(&str, K); 3] = [
    ("name", K::Str),
    ("acl", K::Obj(&ACL)),
    ("files", K::List(&K::Obj(&FILE))),
];

static SCRIPTS_SCHEMA: [(&str, K); 7] = [
    ("trigger", K::Str),
    ("pre-install", K::Str),
    ("post-install", K::Str),
    ("pre-deinstall", K::Str),
    ("post-deinstall", K::Str),
    ("pre-upgrade", K::Str),
    ("post-upgrade", K::Str),
];

pub static PACKAGE: [(&str, K); 5] = [
    ("info", K::Obj(&PKGINFO)),
    ("paths", K::List(&K::Obj(&DIR))),
    ("scripts", K::Obj(&SCRIPTS_SCHEMA)),
    ("triggers", K::List(&K::Str)),
    ("replaces-priority", K::Int),
];

pub static INDEX: [(&str, K); 3] = [
    ("description", K::Str),
    ("packages", K::List(&K::Obj(&PKGINFO))),
    ("pkgname-spec", K::Str),
];

/// A decoded value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Int(u64),
    Str(String),
    List(Vec<Node>),
    Obj(Vec<(String, Node)>),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Obj(f) => f.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Node::Str(s)) => Some(s),
            _ => None,
        }
    }
    pub fn int(&self, key: &str) -> Option<u64> {
        match self.get(key) {
            Some(Node::Int(n)) => Some(*n),
            _ => None,
        }
    }
    pub fn list(&self, key: &str) -> &[Node] {
        match self.get(key) {
            Some(Node::List(l)) => l,
            _ => &[],
        }
    }

    /// JSON text (2-space indent, fields in schema order).
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        self.json_into(&mut s, 0);
        s.push('\n');
        s
    }

    fn json_into(&self, s: &mut String, ind: usize) {
        let pad = |s: &mut String, n: usize| s.extend(std::iter::repeat_n(' ', n));
        match self {
            Node::Int(n) => s.push_str(&n.to_string()),
            Node::Str(t) => json_str(s, t),
            Node::List(l) => {
                s.push('[');
                for (i, n) in l.iter().enumerate() {
                    s.push_str(if i == 0 { "\n" } else { ",\n" });
                    pad(s, ind + 2);
                    n.json_into(s, ind + 2);
                }
                s.push('\n');
                pad(s, ind);
                s.push(']');
            }
            Node::Obj(f) => {
                s.push('{');
                for (i, (k, v)) in f.iter().enumerate() {
                    s.push_str(if i == 0 { "\n" } else { ",\n" });
                    pad(s, ind + 2);
                    json_str(s, k);
                    s.push_str(": ");
                    v.json_into(s, ind + 2);
                }
                s.push('\n');
                pad(s, ind);
                s.push('}');
            }
        }
    }
}

fn json_str(s: &mut String, t: &str) {
    s.push('"');
    for c in t.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `[!]name[op version]`, as apk prints a dependency.
pub fn dep_string(name: &str, version: Option<&str>, op: u64) -> String {
    const EQ: u64 = 1;
    const LT: u64 = 2;
    const GT: u64 = 4;
    const FUZZY: u64 = 8;
    const CONFLICT: u64 = 16;
    let op = if op == 0 { EQ } else { op };
    let bang = if op & CONFLICT != 0 { "!" } else { "" };
    let Some(v) = version else {
        return format!("{bang}{name}");
    };
    let o = match op & !CONFLICT {
        x if x == LT => "<",
        x if x == LT | EQ => "<=",
        x if x == LT | EQ | FUZZY => "<~",
        x if x == EQ | FUZZY || x == FUZZY => "~",
        x if x == EQ => "=",
        x if x == GT | EQ => ">=",
        x if x == GT | EQ | FUZZY => ">~",
        x if x == GT => ">",
        x if x == LT | GT => "><",
        x if x == LT | GT | EQ => "",
        _ => "?",
    };
    format!("{bang}{name}{o}{v}")
}

/// Decodes value `v` of kind `k`; None for NULL.
pub fn decode(db: &Adb, v: u32, k: &K) -> Option<Node> {
    if v == NULL {
        return None;
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match k {
        K::Str => db.blob(v).map(|b| Node::Str(text(b))),
        K::Hex => db.blob(v).map(|b| Node::Str(hex(b))),
        K::Int => db.int(v).map(Node::Int),
        K::Dep => {
            let name = db.blob(db.field(v, DEP_NAME)).map(text)?;
            let ver = db.blob(db.field(v, DEP_VERSION)).map(text);
            let op = db.int(db.field(v, DEP_MATCH)).unwrap_or(0);
            Some(Node::Str(dep_string(&name, ver.as_deref(), op)))
        }
        K::Obj(fields) => {
            let slots = db.slots(v)?;
            let mut out = Vec::new();
            for (i, (name, fk)) in fields.iter().enumerate() {
                if let Some(&s) = slots.get(i) {
                    if let Some(n) = decode(db, s, fk) {
                        out.push((name.to_string(), n));
                    }
                }
            }
            Some(Node::Obj(out))
        }
        K::List(item) => {
            let slots = db.slots(v)?;
            Some(Node::List(
                slots.iter().filter_map(|&s| decode(db, s, item)).collect(),
            ))
        }
    }
}

/// The whole ADB block of a package or index as a tree.
pub fn decode_root(db: &Adb, schema: u32) -> Option<Node> {
    let fields: &'static [(&'static str, K)] = match schema {
        crate::adb::SCHEMA_PACKAGE => &PACKAGE,
        crate::adb::SCHEMA_INDEX => &INDEX,
        _ => return None,
    };
    let root = db.root();
    if root == NULL {
        return Some(Node::Obj(vec![]));
    }
    decode(db, root, &K::Obj(fields))
}
