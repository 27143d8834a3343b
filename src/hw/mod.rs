//! Seams to the operating system, each behind a trait or a root path, with fakes.

pub mod clock;
pub mod dbfiles;
pub mod fake;
pub mod file;
pub mod port;
pub mod serial;
pub mod state;
pub mod talk;
pub mod usb;
pub mod usbfs;
pub mod usbsys;
