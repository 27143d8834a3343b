//! Pure logic: no file system, sockets or sleeping; time is passed in.

pub mod db;
pub mod modeswitch;
pub mod usbdesc;
