//! Seams to the operating system, each behind a trait or a configurable root so
//! tests can use fakes and fixture trees.

pub mod dbfiles;
pub mod usb;
#[cfg(feature = "usb-usbfs")]
pub mod usbfs;
pub mod usbsys;
