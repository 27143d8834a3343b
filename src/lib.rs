//! umodem: make a USB 3G/LTE stick work on a small OpenWrt router.
//!
//! Layout: `core` holds pure logic (no I/O, time passed in), `hw` the seams to the
//! operating system (USB, serial, sysfs, clock), `cmd` one file per subcommand,
//! `ubus` the ubus protocol (stand-alone), `out` the single output path.

// `log::info!` etc. are this crate's own macros (src/logger.rs): the `log` crate's
// cost ~60 B more per call site on mips, plus its machinery.
extern crate self as log;

pub mod cli;
pub mod cmd;
pub mod core;
pub mod error;
pub mod hw;
pub mod json;
pub mod logger;
pub mod num;
pub mod out;
pub mod ubus;

pub use error::{Error, Result};
