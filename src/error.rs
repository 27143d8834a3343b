//! One error type for the whole program: a message a person can act on.
//!
//! Errors are values, never panics. The message says what went wrong and,
//! where we can tell, what the user should do about it. Secrets never go in.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    msg: String,
    code: u8,
}

impl Error {
    pub fn new(msg: impl Into<String>) -> Error {
        Error {
            msg: msg.into(),
            code: 1,
        }
    }

    /// An error with a specific process exit code (see the CLI contract).
    pub fn with_code(code: u8, msg: impl Into<String>) -> Error {
        Error {
            msg: msg.into(),
            code,
        }
    }

    /// Exit code for the process: 1 unless the error says otherwise.
    pub fn exit_code(&self) -> u8 {
        self.code
    }

    /// The error `err!` builds: the message formatted here, once, not at each site.
    #[inline(never)]
    pub fn fmt(code: u8, args: fmt::Arguments<'_>) -> Error {
        Error {
            msg: fmt::format(args),
            code,
        }
    }

    /// Wrap an I/O error with what we were doing.
    pub fn io(what: &str, e: &std::io::Error) -> Error {
        crate::err!("{what}: {e}")
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

/// `err!("no USB device on port {p}")`: an [`Error`] (exit code 1) from a format
/// string, formatted inside one function: ~20 B less per site on mips than
/// `Error::new(format!(...))`. `err!(code::USAGE; "...")` for another exit code.
#[macro_export]
macro_rules! err {
    ($code:expr; $($a:tt)+) => { $crate::error::Error::fmt($code, format_args!($($a)+)) };
    ($($a:tt)+) => { $crate::error::Error::fmt(1, format_args!($($a)+)) };
}

pub type Result<T> = std::result::Result<T, Error>;

/// ubus errors carry their own wording (`src/ubus` stands alone); keep it.
impl From<crate::ubus::Error> for Error {
    fn from(e: crate::ubus::Error) -> Error {
        Error::new(e.to_string())
    }
}

/// Exit codes of `umodem prepare` (the netifd handler maps them to
/// `proto_notify_error` codes). See the CLI contract.
pub mod code {
    pub const USAGE: u8 = 2;
    pub const NO_DEVICE: u8 = 10;
    pub const NO_SIM: u8 = 11;
    pub const PIN_REQUIRED: u8 = 12;
    pub const PIN_FAILED: u8 = 13;
    pub const PIN_ATTEMPTS_LOW: u8 = 14;
    pub const PUK_REQUIRED: u8 = 15;
    pub const SIM_BUSY: u8 = 16;
    pub const MODEM_ERROR: u8 = 17;
}
