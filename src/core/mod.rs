//! Pure logic: no files, sockets or sleeps; time and I/O come in through seams.
//! gsm7, pdu, sms, smsjob and ussd (text messages, USSD) are the `sms` feature
//! (the umodem-full package).

pub mod at;
pub mod connect;
pub mod db;
pub mod engine;
#[cfg(feature = "sms")]
pub mod gsm7;
pub mod history;
pub mod modeswitch;
#[cfg(feature = "sms")]
pub mod pdu;
pub mod pin;
pub mod ports;
pub mod prepare;
pub mod reader;
#[cfg(feature = "sms")]
pub mod sms;
#[cfg(feature = "sms")]
pub mod smsjob;
pub mod status;
pub mod usb;
pub mod usbdesc;
#[cfg(feature = "sms")]
pub mod ussd;
pub mod watchdog;
