//! Pure logic: no files, sockets or sleeps; time and I/O come in through seams.

pub mod at;
pub mod connect;
pub mod db;
pub mod engine;
pub mod gsm7;
pub mod history;
pub mod modeswitch;
pub mod pdu;
pub mod pin;
pub mod ports;
pub mod prepare;
pub mod reader;
pub mod sms;
pub mod smsjob;
pub mod status;
pub mod usb;
pub mod usbdesc;
pub mod ussd;
pub mod watchdog;
