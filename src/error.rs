//! One error type for the whole program: a message a person can act on.
//!
//! Errors are values, never panics. The message says what went wrong and,
//! where we can tell, what the user should do about it. Secrets never go in.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    msg: String,
}

impl Error {
    pub fn new(msg: impl Into<String>) -> Error {
        Error { msg: msg.into() }
    }

    /// Wrap an I/O error with what we were doing.
    pub fn io(what: &str, e: &std::io::Error) -> Error {
        Error::new(format!("{what}: {e}"))
    }

    pub fn msg(&self) -> &str {
        &self.msg
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// ubus errors carry their own wording (`src/ubus` stands alone); keep it.
impl From<crate::ubus::Error> for Error {
    fn from(e: crate::ubus::Error) -> Error {
        Error::new(e.to_string())
    }
}
