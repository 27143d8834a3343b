//! umodem-sim: a virtual Huawei E367 for umodem's tests and demos (not shipped on the
//! router). `model` is the stick itself (transport-independent: bytes in, bytes out,
//! time passed in), `sim_card` its SIM, `control` the text commands that steer it and
//! inject faults, `sysfs` fake sysfs trees with the stick's real USB layout. The binary
//! puts the model on pseudo-terminals.

pub mod control;
pub mod model;
pub mod sim_card;
pub mod sms;
pub mod sysfs;

pub use model::{Config, Event, Modem, PortId, Reg};
