//! The one sysfs reader: USB devices as the kernel shows them (identity,
//! strings, interfaces with their endpoints, drivers and tty ports), filled into
//! the one USB device model (`core::usb`), and the usb-serial `option` driver's
//! `new_id`. `umodem list`, `switch`, `ports`, `info`, `prepare` and the daemon
//! all read sysfs through here.
//!
//! The root is configurable (`--sysfs DIR`, `UMODEM_SYSFS`, default "/"): tests
//! point it at a fixture tree laid out like `/sys`. Only reads (and `new_id`).
//! Every attribute is optional: a device can vanish mid-scan.

use std::path::{Path, PathBuf};

use crate::core::at::cat;
use crate::core::db::DeviceStrings;
use crate::core::usb::{self, Config, Endpoint, Interface, UsbDevice};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbSysfs {
    root: PathBuf,
}

/// What `bind_option` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bind {
    /// Some vendor-class interface already has a driver (named).
    AlreadyBound(String),
    /// No vendor-class (ff) interface: nothing for `option` to take.
    NoVendorInterfaces,
    /// We wrote "VID PID" to this new_id file.
    NewId(String),
}

/// The entries of `dir`, sorted (none if it cannot be read).
fn names(dir: &Path) -> Vec<String> {
    crate::hw::file::names(dir)
}

/// Attribute `name` of `dir`, without its line end.
fn attr(dir: &Path, name: &str) -> Option<String> {
    let mut s = crate::hw::file::read_string(&dir.join(name)).ok()?;
    let mut n = s.len();
    while n > 0 && matches!(s.as_bytes().get(n - 1), Some(b'\n' | b'\r')) {
        n -= 1;
    }
    s.truncate(n);
    Some(s)
}

/// Attribute `name` of `dir` as a number (hex with `hex`), if it fits `max`.
fn num(dir: &Path, name: &str, hex: bool, max: u32) -> Option<u32> {
    let v = attr(dir, name)?;
    let n = if hex {
        crate::num::hex(v.trim_ascii())
    } else {
        crate::num::dec(v.trim_ascii())
    }?;
    u32::try_from(n).ok().filter(|&v| v <= max)
}

fn byte(dir: &Path, name: &str, hex: bool) -> Option<u8> {
    num(dir, name, hex, 255).map(|v| v as u8)
}

/// A device directory name: "B-P[.P...]" (not a root hub "usbN", not an interface).
pub fn is_port_path(s: &str) -> bool {
    // Runs of digits: one, a '-', then one or more joined by '.'.
    let mut run = 0;
    let mut dash = false;
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => run += 1,
            b'-' if !dash && run > 0 => (dash, run) = (true, 0),
            b'.' if dash && run > 0 => run = 0,
            _ => return false,
        }
    }
    dash && run > 0
}

impl UsbSysfs {
    pub fn new(root: impl Into<PathBuf>) -> UsbSysfs {
        UsbSysfs { root: root.into() }
    }

    /// `UMODEM_SYSFS` or "/".
    pub fn from_env() -> UsbSysfs {
        UsbSysfs::from_args(None)
    }

    /// `--sysfs DIR` if given, else `UMODEM_SYSFS`, else "/".
    pub fn from_args(dir: Option<String>) -> UsbSysfs {
        let d = dir
            .or_else(|| crate::hw::file::env(c"UMODEM_SYSFS"))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "/".to_string());
        UsbSysfs::new(d)
    }

    fn devdir(&self) -> PathBuf {
        self.root.join("sys/bus/usb/devices")
    }

    /// The interface directories of device `port_path` among `all` (the
    /// entries of the devices directory): ".../1-1.2:1.0", ...
    fn ifaces(&self, all: &[String], port_path: &str) -> Vec<PathBuf> {
        let mut v = Vec::new();
        for n in all {
            if n.strip_prefix(port_path)
                .is_some_and(|r| r.starts_with(':'))
            {
                v.push(self.devdir().join(n));
            }
        }
        v
    }

    /// USB strings, and SCSI vendor/model/revision if usb-storage is bound.
    pub fn device_strings(&self, port_path: &str) -> DeviceStrings {
        self.strings(&names(&self.devdir()), port_path)
    }

    fn strings(&self, all: &[String], port_path: &str) -> DeviceStrings {
        let dir = self.devdir();
        let d = dir.join(port_path);
        let mut s = DeviceStrings {
            manufacturer: attr(&d, "manufacturer"),
            product: attr(&d, "product"),
            serial: attr(&d, "serial"),
            ..DeviceStrings::default()
        };
        // The first storage LUN: <port>:<c>.<i>/hostN/targetN:0:0/N:0:0:0/vendor.
        let mut dirs = self.ifaces(all, port_path);
        for want in ["host", "target", ""] {
            let mut next = Vec::new();
            for p in &dirs {
                for n in names(p) {
                    if n.starts_with(want) && (!want.is_empty() || n.bytes().any(|b| b == b':')) {
                        next.push(p.join(n));
                    }
                }
            }
            dirs = next;
        }
        if let Some(lun) = dirs
            .iter()
            .find(|l| crate::hw::file::exists(&l.join("vendor")))
        {
            let t = |n| attr(lun, n).map(|v| v.trim_ascii().to_string());
            s.scsi_vendor = t("vendor");
            s.scsi_model = t("model");
            s.scsi_rev = t("rev");
        }
        s
    }

    /// The interface in `dir`, pushed onto `out` (built in place: an
    /// `Option<Interface>` returned and moved costs a copy of it).
    fn iface(dir: &Path, out: &mut Vec<Interface>) {
        let mut endpoints = Vec::new();
        let mut ttys = Vec::new();
        let mut net = None;
        for n in names(dir) {
            if n.starts_with("ep_") {
                let e = dir.join(&n);
                if let (Some(address), Some(attributes)) = (
                    byte(&e, "bEndpointAddress", true),
                    byte(&e, "bmAttributes", true),
                ) {
                    endpoints.push(Endpoint {
                        address,
                        attributes,
                    });
                }
            } else if n.starts_with("ttyUSB") || n.starts_with("ttyACM") {
                ttys.push(n);
            } else if n == "tty" {
                // A class tty (cdc_acm: tty/ttyACM0). Names come sorted and
                // "tty" sorts before the ttyUSB/ttyACM entries beside it (a
                // driver makes one kind or the other): the list stays in
                // name order.
                ttys.append(&mut names(&dir.join("tty")));
            } else if n == "net" {
                net = names(&dir.join("net")).first_mut().map(std::mem::take);
            }
        }
        let driver = crate::hw::file::read_link(&dir.join("driver"))
            .map(|t| crate::hw::port::base_name(&t).to_string());
        let (Some(number), Some(class)) = (
            byte(dir, "bInterfaceNumber", true),
            byte(dir, "bInterfaceClass", true),
        ) else {
            return;
        };
        out.push(Interface {
            number,
            alt: byte(dir, "bAlternateSetting", false).unwrap_or(0),
            class,
            subclass: byte(dir, "bInterfaceSubClass", true).unwrap_or(0),
            protocol: byte(dir, "bInterfaceProtocol", true).unwrap_or(0),
            endpoints,
            driver,
            ttys,
            net,
        });
    }

    /// An attribute of a network interface (`carrier`, `address`, `operstate`).
    pub fn net_attr(&self, ifname: &str, name: &str) -> Option<String> {
        attr(&self.root.join("sys/class/net").join(ifname), name)
    }

    /// The raw descriptors of a device (device descriptor and every configuration).
    pub fn descriptors(&self, port_path: &str) -> Option<Vec<u8>> {
        crate::hw::file::read(&self.devdir().join(port_path).join("descriptors")).ok()
    }

    /// One device by its port path, if present.
    pub fn device(&self, port_path: &str) -> Option<UsbDevice> {
        let mut v = Vec::new();
        self.read_device(&names(&self.devdir()), port_path, &mut v);
        v.pop()
    }

    /// Device `port_path`, pushed onto `out` if it reads (built in place, as
    /// `iface`).
    fn read_device(&self, all: &[String], port_path: &str, out: &mut Vec<UsbDevice>) {
        let dir = self.devdir();
        let d = dir.join(port_path);
        let active_config = byte(&d, "bConfigurationValue", false);
        let mut interfaces = Vec::new();
        for i in self.ifaces(all, port_path) {
            UsbSysfs::iface(&i, &mut interfaces);
        }
        let (Some(vid), Some(pid), Some(bus), Some(address)) = (
            num(&d, "idVendor", true, 0xffff),
            num(&d, "idProduct", true, 0xffff),
            byte(&d, "busnum", false),
            byte(&d, "devnum", false),
        ) else {
            return;
        };
        let mut configs = Vec::new();
        if let Some(value) = active_config {
            configs.push(Config { value, interfaces });
        }
        out.push(UsbDevice {
            vid: vid as u16,
            pid: pid as u16,
            bus,
            address,
            class: byte(&d, "bDeviceClass", true).unwrap_or(0),
            port_path: port_path.to_string(),
            active_config,
            configs,
            strings: self.strings(all, port_path),
        });
    }

    /// All USB devices (root hubs excluded), in port order.
    pub fn devices(&self) -> Result<Vec<UsbDevice>> {
        let dir = self.devdir();
        if !crate::hw::file::is_dir(&dir) {
            return Err(Error::new(cat(&[
                &dir.to_string_lossy(),
                " not found: no USB support in this kernel, or wrong UMODEM_SYSFS",
            ])));
        }
        let all = names(&dir);
        let mut v = Vec::new();
        for n in &all {
            if is_port_path(n) {
                self.read_device(&all, n, &mut v);
            }
        }
        Ok(v)
    }

    /// Make sure the modem's vendor-class interfaces get a serial driver: if
    /// after `tries` looks (`wait` between them) none has a driver, write
    /// "VID PID" to the `option` driver's new_id.
    pub fn bind_option(
        &self,
        port_path: &str,
        tries: u32,
        wait: &mut dyn FnMut(u32),
    ) -> Result<Bind> {
        let mut ids = (0, 0);
        for n in 0..tries.max(1) {
            if n > 0 {
                wait(500);
            }
            let Some(d) = self.device(port_path) else {
                return Err(Error::new(cat(&[
                    port_path,
                    ": device left the bus before its driver bound",
                ])));
            };
            let mut vendor = d.interfaces().iter().filter(|i| i.class == 0xff).peekable();
            if vendor.peek().is_none() {
                return Ok(Bind::NoVendorInterfaces);
            }
            if let Some(drv) = vendor.find_map(|i| i.driver.clone()) {
                return Ok(Bind::AlreadyBound(drv));
            }
            ids = (d.vid, d.pid);
        }
        let path = self.root.join("sys/bus/usb-serial/drivers/option1/new_id");
        let shown = path.to_string_lossy().into_owned();
        if !crate::hw::file::exists(&path) {
            return Err(Error::new(cat(&[
                port_path,
                " ",
                &usb::id(ids.0, ids.1, ':'),
                ": no driver bound and the usb-serial option driver is not loaded \
                 (install kmod-usb-serial-option)",
            ])));
        }
        let line = cat(&[&usb::id(ids.0, ids.1, ' '), "\n"]);
        crate::hw::file::write(&path, line.as_bytes())
            .map_err(|e| Error::io(&cat(&["writing ", &shown]), &e))?;
        Ok(Bind::NewId(shown))
    }
}
