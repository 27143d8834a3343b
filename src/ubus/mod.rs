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
//!   no async runtime. It reads messages in place ([`msg::View`], [`blob::find`]) and
//!   writes them in place ([`blob::Buf`]): the value tree ([`BlobMsg`], [`Table`]) is
//!   for tests, tools and JSON, not on the daemon's path.
//!
//! Every byte the codec writes was checked against a capture of the real ubusd and
//! libubus (`tests/ubus_vectors.rs`, `tests/ubus_sessions.rs`).
//!
//! # Using it for a daemon
//!
//! ```no_run
//! use umodem::ubus::{blob, status, Buf, Client, Method};
//! use std::time::Duration;
//!
//! const METHODS: &[Method] = &[
//!     Method { name: "status", policy: &[] },
//!     Method { name: "connect", policy: &[("interface", blob::TYPE_STRING)] },
//! ];
//!
//! # fn main() -> Result<(), umodem::ubus::Error> {
//! let mut bus = Client::connect(None)?;
//! bus.add_object("umodem", METHODS)?;
//! loop {
//!     match bus.next(Some(Duration::from_secs(5)))? {
//!         Some(call) => {
//!             let mut reply = Buf::new();
//!             reply.str("state", "registered");
//!             match call.method {
//!                 "status" => bus.reply(&call, status::OK, Some(&reply.0))?,
//!                 // read arguments in place; the client checked their types
//!                 _ => match blob::find(&call.args, "interface").and_then(|v| v.str()) {
//!                     Some(_) => bus.reply(&call, status::OK, None)?,
//!                     None => bus.reply(&call, status::INVALID_ARGUMENT, None)?,
//!                 },
//!             }
//!         }
//!         None => {
//!             // poll interval elapsed: poll the modem; on a change:
//!             let mut ev = Buf::new();
//!             ev.int("modem", 0);
//!             bus.send_event("umodem.registration", &ev.0)?; // `ubus listen`
//!             bus.notify("registration", &ev.0)?; // `ubus subscribe`
//!         }
//!     }
//! }
//! # }
//! ```
//!
//! What the client does on its own, so the daemon does not have to:
//! - calls to an unknown object get `NOT_FOUND`, to a method not in the signature
//!   `METHOD_NOT_FOUND`, with an argument of the wrong type (or DATA that is not
//!   blobmsg) `INVALID_ARGUMENT`; only checked calls reach [`Client::next`];
//! - calls that arrive while a request of ours waits for its answer are queued (at
//!   most [`client::MAX_PENDING`]), never lost, and answers are matched by seq and
//!   peer; subscribers coming and going are noted ([`Client::has_subscribers`]);
//! - a message that frames but does not parse is dropped and logged; a broken
//!   frame, an oversized length (over 1 MiB, ubusd's limit) or EOF ends the
//!   connection with [`Error::Disconnected`]: connect again and register again
//!   (ubusd gives new ids).
//!
//! Not here, because the daemon does not use them: `ubus listen` and `ubus subscribe`
//! as a client, listing objects, removing one, PING. The recorded sessions of those
//! are still decoded and re-encoded byte for byte (`tests/ubus_vectors.rs`).

pub mod blob;
pub mod client;
pub mod msg;

use std::fmt;

pub use blob::{BlobMsg, Buf, Table};
pub use client::{Call, Client, Method};
pub use msg::{status, Message};

/// What can go wrong talking ubus. Plain values (no heap): cheap to pass on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Connecting to ubusd's socket failed (the OS error code).
    Connect(i32),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Incomplete => f.write_str("ubus message incomplete"),
            Error::Invalid(why) => write!(f, "invalid ubus message: {why}"),
            Error::TooLarge => f.write_str("ubus message over the 1 MiB limit"),
            Error::Status(code) => write!(f, "ubus: {} ({code})", status::name(code)),
            Error::Timeout => f.write_str("ubus: no answer in time (is ubusd busy?)"),
            Error::Disconnected => f.write_str("ubus: connection to ubusd lost"),
            Error::Connect(e) => write!(
                f,
                "ubus: cannot connect to ubusd: {} (is ubusd running?)",
                std::io::Error::from_raw_os_error(e)
            ),
        }
    }
}

impl std::error::Error for Error {}
