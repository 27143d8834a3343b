//! The one USB device model: what a device is (ids, port path, strings, its
//! configurations, interfaces and endpoints) and, where the kernel shows it, what
//! it did with each interface (the bound driver, the tty ports it made).
//!
//! Every reader fills this: sysfs (`hw::usbsys`, with drivers and ttys), raw
//! descriptors (`core::usbdesc`), libusb (`hw::usb`). The mode switch plans on it,
//! `list` prints it, `core::ports` finds a modem's ports in it.

use crate::core::db::DeviceStrings;
use crate::core::modeswitch::hex;

/// An endpoint of an interface (address with direction bit 0x80, attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub address: u8,
    pub attributes: u8,
}

impl Endpoint {
    pub fn is_in(&self) -> bool {
        self.address & 0x80 != 0
    }
    pub fn is_bulk(&self) -> bool {
        self.attributes & 3 == 2
    }
}

/// `bytes` in hex, `sep` after every `group` of them: "ff/01/02".
fn hex_join(bytes: &[u8], group: usize, sep: char) -> String {
    let mut s = String::new();
    for (i, c) in bytes.chunks(group).enumerate() {
        if i > 0 {
            s.push(sep);
        }
        s.push_str(&hex(c));
    }
    s
}

/// "12d1:1506" (`sep` ':'), "12d1 1506" (' ', as the kernel's new_id takes it).
pub fn id(vid: u16, pid: u16, sep: char) -> String {
    let [a, b] = vid.to_be_bytes();
    let [c, d] = pid.to_be_bytes();
    hex_join(&[a, b, c, d], 2, sep)
}

/// One alternate setting of an interface.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interface {
    pub number: u8,
    pub alt: u8,
    pub class: u8,
    pub subclass: u8,
    pub protocol: u8,
    pub endpoints: Vec<Endpoint>,
    /// Kernel driver bound to it (`option`, `usb-storage`, `cdc_acm`, ...), as
    /// sysfs shows it; None when unbound or unknown (descriptors alone).
    pub driver: Option<String>,
    /// tty devices the driver made for it (`ttyUSB2`, `ttyACM0`), in name order.
    pub ttys: Vec<String>,
    /// The network interface the driver made for it (`eth0`, `wwan0`).
    pub net: Option<String>,
}

impl Interface {
    /// "ff/01/02"
    pub fn triplet(&self) -> String {
        hex_join(&[self.class, self.subclass, self.protocol], 1, '/')
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// bConfigurationValue.
    pub value: u8,
    pub interfaces: Vec<Interface>,
}

/// A USB device as enumerated, with what we need to decide and to find it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbDevice {
    pub bus: u8,
    /// Device address (devnum): changes when the device re-enumerates.
    pub address: u8,
    /// Bus and port chain as the kernel names it in sysfs, e.g. "1-1.2".
    pub port_path: String,
    pub vid: u16,
    pub pid: u16,
    pub class: u8,
    pub active_config: Option<u8>,
    pub configs: Vec<Config>,
    pub strings: DeviceStrings,
}

impl UsbDevice {
    /// "12d1:1506"
    pub fn id(&self) -> String {
        id(self.vid, self.pid, ':')
    }

    /// The active configuration, or the first one if unknown.
    pub fn config(&self) -> Option<&Config> {
        self.configs
            .iter()
            .find(|c| Some(c.value) == self.active_config)
            .or_else(|| self.configs.first())
    }

    /// The interfaces of the active configuration (empty if none is known).
    pub fn interfaces(&self) -> &[Interface] {
        self.config().map_or(&[], |c| c.interfaces.as_slice())
    }

    /// Alternate setting 0 of interface `n` in the active configuration.
    pub fn interface(&self, n: u8) -> Option<&Interface> {
        self.interfaces()
            .iter()
            .find(|i| i.number == n && i.alt == 0)
    }

    /// Whether the kernel made tty ports for any of its interfaces.
    pub fn has_ttys(&self) -> bool {
        self.interfaces().iter().any(|i| !i.ttys.is_empty())
    }
}
