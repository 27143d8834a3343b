//! The one output path: every command builds a `Out` tree and prints it either
//! as `key=value` lines (for people and shell scripts) or as JSON (`--json`).
//!
//! Kept dependency-free so the binary does not pay for a JSON crate just to print;
//! `crate::json` parses JSON text into the same tree.

use std::fmt::Write;

/// A map built in place: `omap! { "id" => id, "port" => port }`. Same tree as
/// `Out::map().with("id", id).with("port", port)`, ~32 B less per key on mips: a
/// `.with` chain moves the 16-byte `Out` in and out of every call.
#[macro_export]
macro_rules! omap {
    ($($k:expr => $v:expr),* $(,)?) => {{
        let mut o = $crate::out::Out::map();
        $(o.set($k, $v);)*
        o
    }};
}

#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Null,
    Bool(bool),
    Int(i64),
    /// Any other JSON number, as written (parsed input only: see `json`).
    Num(String),
    Str(String),
    List(Vec<Out>),
    /// Ordered: keys print in the order they were added.
    Map(Vec<(String, Out)>),
}

impl Out {
    pub fn map() -> Out {
        Out::Map(Vec::new())
    }

    /// Add `key` to a map (no-op on other kinds); chainable.
    pub fn with(mut self, key: &str, v: impl Into<Out>) -> Out {
        self.set(key, v);
        self
    }

    pub fn set(&mut self, key: &str, v: impl Into<Out>) {
        self.put(key, v.into());
    }

    /// The one non-generic body behind `set`/`with`: kept out of line so
    /// each call site costs a call, not a copy (flash).
    #[inline(never)]
    fn put(&mut self, key: &str, v: Out) {
        if let Out::Map(m) = self {
            m.push((key.to_string(), v));
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = String::new();
        json(self, &mut s);
        s
    }

    /// `a.b.0.c=value` lines; strings are printed raw (one per line).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        text(self, &mut String::new(), &mut s);
        s
    }
}

impl From<bool> for Out {
    fn from(v: bool) -> Out {
        Out::Bool(v)
    }
}
impl From<i64> for Out {
    fn from(v: i64) -> Out {
        Out::Int(v)
    }
}
impl From<i32> for Out {
    fn from(v: i32) -> Out {
        Out::Int(v.into())
    }
}
impl From<u32> for Out {
    fn from(v: u32) -> Out {
        Out::Int(v.into())
    }
}
impl From<u16> for Out {
    fn from(v: u16) -> Out {
        Out::Int(v.into())
    }
}
impl From<u8> for Out {
    fn from(v: u8) -> Out {
        Out::Int(v.into())
    }
}
impl From<&str> for Out {
    fn from(v: &str) -> Out {
        Out::Str(v.to_string())
    }
}
impl From<String> for Out {
    fn from(v: String) -> Out {
        Out::Str(v)
    }
}
impl<T: Into<Out>> From<Option<T>> for Out {
    fn from(v: Option<T>) -> Out {
        v.map_or(Out::Null, Into::into)
    }
}
impl<T: Into<Out>> From<Vec<T>> for Out {
    fn from(v: Vec<T>) -> Out {
        Out::List(v.into_iter().map(Into::into).collect())
    }
}

fn json_str(v: &str, s: &mut String) {
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

fn json(v: &Out, s: &mut String) {
    match v {
        Out::Null => s.push_str("null"),
        Out::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
        Out::Int(i) => {
            let _ = write!(s, "{i}");
        }
        Out::Num(t) => s.push_str(t),
        Out::Str(t) => json_str(t, s),
        Out::List(l) => {
            s.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                json(e, s);
            }
            s.push(']');
        }
        Out::Map(m) => {
            s.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                json_str(k, s);
                s.push(':');
                json(e, s);
            }
            s.push('}');
        }
    }
}

/// `prefix` is the key so far ("a.b.0"): each level adds its part and takes it
/// off again (one buffer, no key strings made).
fn text(v: &Out, prefix: &mut String, s: &mut String) {
    let n = prefix.len();
    match v {
        Out::List(l) => {
            for (i, e) in l.iter().enumerate() {
                if n > 0 {
                    prefix.push('.');
                }
                crate::num::push(prefix, i as u64);
                text(e, prefix, s);
                prefix.truncate(n);
            }
        }
        Out::Map(m) => {
            for (k, e) in m {
                if n > 0 {
                    prefix.push('.');
                }
                prefix.push_str(k);
                text(e, prefix, s);
                prefix.truncate(n);
            }
        }
        Out::Null => {}
        leaf => {
            if !prefix.is_empty() {
                s.push_str(prefix);
                s.push('=');
            }
            match leaf {
                Out::Str(t) => s.push_str(t),
                other => json(other, s),
            }
            s.push('\n');
        }
    }
}
