//! ubus, OpenWrt's message bus, spoken natively: no libubus, no C.
//!
//! Self-contained (it uses only `std`, `log` and the crate's JSON tree, `out::Out`
//! with its parser `json`), so it can be lifted into a crate of its own. Three layers:
//!
//! - [`blob`]: the blob/blobmsg attribute codec (every blobmsg type, padding as
//!   libubox does it) and conversion to and from JSON (`out::Out`). Pure.
//! - [`msg`]: message framing (8-byte header + one blob), [`msg::check`] to tell an
//!   incomplete buffer from an invalid one, [`msg::Message::parse`] / `encode`. Pure.
//! - [`client`]: a blocking client on ubusd's unix socket with timeouts; no threads,
//!   no async runtime.
//!
//! Every byte the codec writes was checked against a capture of the real ubusd and
//! libubus (`tests/ubus_vectors.rs`, `tests/ubus_sessions.rs`).
//!
//! # Using it for a daemon
//!
//! ```no_run
//! use umodem::ubus::{BlobMsg, Client, Incoming, Method, Table, status, blob};
//! use std::time::Duration;
//!
//! # fn main() -> Result<(), umodem::ubus::Error> {
//! let mut bus = Client::connect_default()?;
//! bus.add_object("umodem", vec![
//!     Method::new("status", &[]),
//!     Method::new("info", &[("modem", blob::TYPE_INT32)]),
//!     Method::new("connect", &[("interface", blob::TYPE_STRING)]),
//!     Method::new("disconnect", &[("interface", blob::TYPE_STRING)]),
//! ])?;
//! loop {
//!     match bus.next(Some(Duration::from_secs(5))) {
//!         Ok(Some(Incoming::Call(call))) => {
//!             let reply: Table = vec![("state".into(), BlobMsg::from("registered"))];
//!             match call.method.as_str() {
//!                 "status" => bus.reply(&call, status::OK, Some(&reply))?,
//!                 // a required argument missing: the caller gets "Invalid argument"
//!                 _ => bus.reply(&call, status::INVALID_ARGUMENT, None)?,
//!             }
//!         }
//!         Ok(Some(_)) => {} // subscriber changes, events we listen to
//!         Ok(None) => {
//!             // poll interval elapsed: poll the modem; on a change:
//!             let ev: Table = vec![("modem".into(), BlobMsg::Int32(0))];
//!             bus.send_event("umodem.registration", &ev)?;      // `ubus listen`
//!             bus.notify("umodem", "registration", &ev)?;      // `ubus subscribe`
//!         }
//!         Err(umodem::ubus::Error::Disconnected) => {
//!             std::thread::sleep(Duration::from_secs(1));
//!             let _ = bus.reconnect(); // re-registers "umodem" with its methods
//!         }
//!         Err(e) => return Err(e),
//!     }
//! }
//! # }
//! ```
//!
//! What the client does on its own, so the daemon does not have to:
//! - calls to an unknown object get `NOT_FOUND`, to a method not in the signature
//!   `METHOD_NOT_FOUND`, with an argument of the wrong type (or DATA that is not
//!   blobmsg) `INVALID_ARGUMENT`; only checked calls reach [`Client::next`];
//! - calls and subscriber changes that arrive while a request of ours waits for its
//!   answer are queued, never lost, and answers are matched by seq and peer;
//! - a message that frames but does not parse is dropped and logged; a broken
//!   frame, an oversized length (over 1 MiB, ubusd's limit) or EOF ends the
//!   connection with [`Error::Disconnected`]; [`Client::reconnect`] registers every
//!   object again (ubusd gives new ids; [`Client::object_id`] has the current one).
//!
//! Flash, measured on mips_24kc (static musl, stripped, opt z, LTO, immediate-abort)
//! against a 39.5 KB hello world: a program that publishes an object, answers calls,
//! sends events and notifies is +48 KB, of which about 22 KB is this module's own
//! code and the rest std's socket, time and error formatting that umodem mostly
//! links already (measured with serde_json for JSON, since replaced by `json`).
//! The JSON conversion costs nothing unless used. Build replies as tables.
//!
//! Values: build replies as [`Table`]s (ordered, exact integer widths) or convert
//! JSON (`umodem::json::parse`) with [`BlobMsg::from_json`]; read arguments with
//! [`blob::get`] or [`blob::table_to_json`].

pub mod blob;
pub mod client;
pub mod msg;

use std::fmt;

pub use blob::{BlobMsg, Table};
pub use client::{Call, Client, Incoming, Method, ObjectInfo};
pub use msg::{status, Message};

/// What can go wrong talking ubus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Not all of the message is here yet (only from pure parsing).
    Incomplete,
    /// Bytes that can never be a valid message or value; says which rule broke.
    Invalid(&'static str),
    /// Over ubusd's 1 MiB message limit (or a blobmsg name over 64 KiB).
    TooLarge,
    /// The other side answered with this `UBUS_STATUS_*` code.
    Status(u32),
    /// No answer in time.
    Timeout,
    /// ubusd closed the connection, or it broke.
    Disconnected,
    /// Connecting failed.
    Io(String),
}

impl Error {
    pub fn io(what: &str, e: &std::io::Error) -> Error {
        Error::Io(format!("{what}: {e}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Incomplete => f.write_str("ubus message incomplete"),
            Error::Invalid(why) => write!(f, "invalid ubus message: {why}"),
            Error::TooLarge => f.write_str("ubus message over the 1 MiB limit"),
            Error::Status(code) => write!(f, "ubus: {} ({code})", status::name(*code)),
            Error::Timeout => f.write_str("ubus: no answer in time (is ubusd busy?)"),
            Error::Disconnected => f.write_str("ubus: connection to ubusd lost"),
            Error::Io(msg) => write!(f, "ubus: {msg} (is ubusd running?)"),
        }
    }
}

impl std::error::Error for Error {}
