//! JSON text in: the device database's JSON layers (`/etc/usb-mode.json`,
//! `/etc/umodem/usb-mode.d/*.json`) and the blobmsg <-> JSON edge of `ubus`.
//!
//! Parses into the same ordered tree the commands print ([`Out`]), so one tree and
//! one writer ([`Out::to_json`]) serve both ways. RFC 8259, strictly: no comments,
//! no trailing commas, no bare control characters in strings, no lone UTF-16
//! surrogates in `\u` escapes, nothing after the value. Objects keep their order
//! and their repeated keys; [`Out::get`] takes the last one, as most parsers do.
//!
//! Numbers: an integer that fits an `i64` becomes [`Out::Int`]; any other number
//! stays as written ([`Out::Num`]): nothing here does floating point (soft-float
//! code on mips) or guesses a rounding.
//!
//! Bounded: nesting deeper than [`MAX_DEPTH`] is an error, not a stack overflow;
//! nothing panics, whatever the input. Errors say what and where (line, column).
//!
//! This replaced serde_json, which cost 27 KB of the mips binary (README, "Size").

use crate::out::Out;

/// Deepest nesting of arrays and objects accepted (the device database needs 4).
pub const MAX_DEPTH: usize = 32;

/// Parse one JSON text. The error reads like "expected ':' at line 3 column 7".
pub fn parse(text: &str) -> Result<Out, String> {
    let mut p = Parser { s: text, i: 0 };
    let v = p.value(0).and_then(|v| {
        p.ws();
        if p.i < p.s.len() {
            Err("trailing characters after the value")
        } else {
            Ok(v)
        }
    });
    v.map_err(|what| {
        let done = text.get(..p.i).unwrap_or(text);
        let line = done.bytes().filter(|b| *b == b'\n').count() + 1;
        // Characters since the last line end: bytes that do not continue a UTF-8 one.
        let last = done.bytes().rev().take_while(|b| *b != b'\n');
        let col = last.filter(|b| b & 0xc0 != 0x80).count() + 1;
        format!("{what} at line {line} column {col}")
    })
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

type R<T> = Result<T, &'static str>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// Consume `b` (after blanks) or fail with `what`.
    fn eat(&mut self, b: u8, what: &'static str) -> R<()> {
        self.ws();
        if self.peek() == Some(b) {
            self.i += 1;
            Ok(())
        } else {
            Err(what)
        }
    }

    fn value(&mut self, depth: usize) -> R<Out> {
        self.ws();
        let Some(b) = self.peek() else {
            return Err("expected a value, found the end");
        };
        match b {
            b'{' | b'[' => {
                if depth >= MAX_DEPTH {
                    return Err("nested too deep");
                }
                self.i += 1;
                let close = if b == b'{' { b'}' } else { b']' };
                let mut list = Vec::new();
                let mut map = Vec::new();
                self.ws();
                if self.peek() == Some(close) {
                    self.i += 1;
                } else {
                    loop {
                        if b == b'{' {
                            self.eat(b'"', "expected a string key")?;
                            let k = self.string()?;
                            self.eat(b':', "expected ':'")?;
                            map.push((k, self.value(depth + 1)?));
                        } else {
                            list.push(self.value(depth + 1)?);
                        }
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(c) if c == close => {
                                self.i += 1;
                                break;
                            }
                            _ if b == b'{' => return Err("expected ',' or '}'"),
                            _ => return Err("expected ',' or ']'"),
                        }
                    }
                }
                Ok(if b == b'{' {
                    Out::Map(map)
                } else {
                    Out::List(list)
                })
            }
            b'"' => {
                self.i += 1;
                self.string().map(Out::Str)
            }
            b't' => self.word("true", Out::Bool(true)),
            b'f' => self.word("false", Out::Bool(false)),
            b'n' => self.word("null", Out::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err("expected a value"),
        }
    }

    fn word(&mut self, w: &str, v: Out) -> R<Out> {
        if self.s.as_bytes().get(self.i..self.i + w.len()) == Some(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err("expected a value")
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> R<Out> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let lead = self.peek();
        let n = self.digits();
        if n == 0 || (lead == Some(b'0') && n > 1) {
            return Err("invalid number");
        }
        let mut int = true;
        if self.peek() == Some(b'.') {
            self.i += 1;
            int = false;
            if self.digits() == 0 {
                return Err("invalid number");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            int = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err("invalid number");
            }
        }
        let text = self.s.get(start..self.i).ok_or("invalid number")?;
        // "-0" stays text: it reads as a float zero elsewhere (serde_json, JavaScript).
        let (neg, digits) = match text.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, text),
        };
        Ok(match crate::num::dec(digits).filter(|_| int) {
            Some(v) if !neg && v <= i64::MAX as u64 => Out::Int(v as i64),
            Some(v) if neg && v > 0 && v <= 1 << 63 => Out::Int((v as i64).wrapping_neg()),
            _ => Out::Num(text.to_string()),
        })
    }

    /// The rest of a string whose opening quote was consumed.
    fn string(&mut self) -> R<String> {
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // Stops only at ASCII bytes, so the slice is on char boundaries.
            out.push_str(self.s.get(start..self.i).ok_or("invalid string")?);
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let e = self.peek().ok_or("unterminated string")?;
                    self.i += 1;
                    out.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode()?,
                        _ => return Err("invalid escape in string"),
                    });
                }
                Some(_) => return Err("control character in string"),
                None => return Err("unterminated string"),
            }
        }
    }

    fn hex4(&mut self) -> R<u32> {
        let h = self
            .s
            .get(self.i..self.i + 4)
            .and_then(crate::num::hex)
            .ok_or("invalid \\u escape")?;
        self.i += 4;
        Ok(h as u32)
    }

    /// After `\u`: one code point, a surrogate pair taking two escapes.
    fn unicode(&mut self) -> R<char> {
        let hi = self.hex4()?;
        let c = match hi {
            0xd800..=0xdbff => {
                if self.s.get(self.i..self.i + 2) != Some("\\u") {
                    return Err("lone surrogate in \\u escape");
                }
                self.i += 2;
                let lo = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&lo) {
                    return Err("lone surrogate in \\u escape");
                }
                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
            }
            0xdc00..=0xdfff => return Err("lone surrogate in \\u escape"),
            c => c,
        };
        char::from_u32(c).ok_or("invalid \\u escape")
    }
}

impl Out {
    /// A map's value for `key` (the last one, if the key repeats).
    pub fn get(&self, key: &str) -> Option<&Out> {
        match self {
            Out::Map(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Out::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Out]> {
        match self {
            Out::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(String, Out)]> {
        match self {
            Out::Map(m) => Some(m),
            _ => None,
        }
    }
}
