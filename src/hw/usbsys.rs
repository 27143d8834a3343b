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

use crate::core::db::DeviceStrings;
use crate::core::usb::{Config, Endpoint, Interface, UsbDevice};
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

fn hex_u8(s: &str) -> Option<u8> {
    u8::from_str_radix(s.trim(), 16).ok()
}

fn hex_u16(s: &str) -> Option<u16> {
    u16::from_str_radix(s.trim(), 16).ok()
}

fn dec_u8(s: &str) -> Option<u8> {
    s.trim().parse().ok()
}

fn names(dir: &Path) -> Vec<String> {
    crate::hw::file::names(dir)
}

/// A device directory name: "B-P[.P...]" (not a root hub "usbN", not an interface).
pub fn is_port_path(s: &str) -> bool {
    let Some((bus, ports)) = s.split_once('-') else {
        return false;
    };
    !bus.is_empty()
        && bus.bytes().all(|b| b.is_ascii_digit())
        && !ports.is_empty()
        && ports
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
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

    fn read(&self, p: &Path) -> Option<String> {
        crate::hw::file::read_string(p)
            .ok()
            .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
    }

    fn driver(&self, dir: &Path) -> Option<String> {
        let t = crate::hw::file::read_link(&dir.join("driver"))?;
        Some(t.rsplit('/').next().unwrap_or(&t).to_string())
    }

    /// USB strings, and SCSI vendor/model/revision if usb-storage is bound.
    pub fn device_strings(&self, port_path: &str) -> DeviceStrings {
        let d = self.devdir().join(port_path);
        let mut s = DeviceStrings {
            manufacturer: self.read(&d.join("manufacturer")),
            product: self.read(&d.join("product")),
            serial: self.read(&d.join("serial")),
            ..DeviceStrings::default()
        };
        // <port>:<c>.<i>/hostN/targetN:0:0/N:0:0:0/{vendor,model,rev}
        let prefix = format!("{port_path}:");
        for i in names(&self.devdir())
            .into_iter()
            .filter(|n| n.starts_with(&prefix))
        {
            let idir = self.devdir().join(&i);
            for h in names(&idir).into_iter().filter(|n| n.starts_with("host")) {
                for t in names(&idir.join(&h))
                    .into_iter()
                    .filter(|n| n.starts_with("target"))
                {
                    let tdir = idir.join(&h).join(&t);
                    for l in names(&tdir).into_iter().filter(|n| n.contains(':')) {
                        let ldir = tdir.join(&l);
                        if s.scsi_vendor.is_none() {
                            s.scsi_vendor =
                                self.read(&ldir.join("vendor")).map(|v| v.trim().into());
                            s.scsi_model = self.read(&ldir.join("model")).map(|v| v.trim().into());
                            s.scsi_rev = self.read(&ldir.join("rev")).map(|v| v.trim().into());
                        }
                    }
                }
            }
        }
        s
    }

    fn iface(&self, dir: &Path) -> Option<Interface> {
        let r = |n: &str| self.read(&dir.join(n));
        let number = hex_u8(&r("bInterfaceNumber")?)?;
        let alt = r("bAlternateSetting").and_then(|s| dec_u8(&s)).unwrap_or(0);
        let class = hex_u8(&r("bInterfaceClass")?)?;
        let subclass = r("bInterfaceSubClass")
            .and_then(|s| hex_u8(&s))
            .unwrap_or(0);
        let protocol = r("bInterfaceProtocol")
            .and_then(|s| hex_u8(&s))
            .unwrap_or(0);
        let mut endpoints = Vec::new();
        let mut ttys = Vec::new();
        let mut net = None;
        for n in names(dir) {
            if n.starts_with("ep_") {
                let e = dir.join(&n);
                if let (Some(a), Some(t)) = (
                    self.read(&e.join("bEndpointAddress"))
                        .and_then(|s| hex_u8(&s)),
                    self.read(&e.join("bmAttributes")).and_then(|s| hex_u8(&s)),
                ) {
                    endpoints.push(Endpoint {
                        address: a,
                        attributes: t,
                    });
                }
            } else if n.starts_with("ttyUSB") || n.starts_with("ttyACM") {
                ttys.push(n);
            } else if n == "tty" {
                ttys.extend(names(&dir.join("tty")));
            } else if n == "net" {
                net = names(&dir.join("net")).into_iter().next();
            }
        }
        crate::core::ports::sort_small(&mut ttys, |a, b| a < b);
        Some(Interface {
            number,
            alt,
            class,
            subclass,
            protocol,
            endpoints,
            driver: self.driver(dir),
            ttys,
            net,
        })
    }

    /// An attribute of a network interface (`carrier`, `address`, `operstate`).
    pub fn net_attr(&self, ifname: &str, attr: &str) -> Option<String> {
        self.read(&self.root.join("sys/class/net").join(ifname).join(attr))
    }

    /// The raw descriptors of a device (device descriptor and every configuration).
    pub fn descriptors(&self, port_path: &str) -> Option<Vec<u8>> {
        crate::hw::file::read(&self.devdir().join(port_path).join("descriptors")).ok()
    }

    /// One device by its port path, if present.
    pub fn device(&self, port_path: &str) -> Option<UsbDevice> {
        let d = self.devdir().join(port_path);
        let r = |n: &str| self.read(&d.join(n));
        let vid = hex_u16(&r("idVendor")?)?;
        let pid = hex_u16(&r("idProduct")?)?;
        let bus = dec_u8(&r("busnum")?)?;
        let address = dec_u8(&r("devnum")?)?;
        let class = r("bDeviceClass").and_then(|s| hex_u8(&s)).unwrap_or(0);
        let active_config = r("bConfigurationValue").and_then(|s| dec_u8(&s));
        let mut interfaces = Vec::new();
        let prefix = format!("{port_path}:");
        for n in names(&self.devdir())
            .into_iter()
            .filter(|n| n.starts_with(&prefix))
        {
            if let Some(i) = self.iface(&self.devdir().join(&n)) {
                interfaces.push(i);
            }
        }
        let configs = match active_config {
            Some(value) => vec![Config { value, interfaces }],
            None => Vec::new(),
        };
        Some(UsbDevice {
            bus,
            address,
            port_path: port_path.to_string(),
            vid,
            pid,
            class,
            active_config,
            configs,
            strings: self.device_strings(port_path),
        })
    }

    /// All USB devices (root hubs excluded), in port order.
    pub fn devices(&self) -> Result<Vec<UsbDevice>> {
        let dir = self.devdir();
        if !crate::hw::file::is_dir(&dir) {
            return Err(Error::new(format!(
                "{} not found: no USB support in this kernel, or wrong UMODEM_SYSFS",
                dir.display()
            )));
        }
        Ok(names(&dir)
            .iter()
            .filter(|n| is_port_path(n))
            .filter_map(|n| self.device(n))
            .collect())
    }

    fn new_id_path(&self) -> PathBuf {
        self.root.join("sys/bus/usb-serial/drivers/option1/new_id")
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
        let mut last = None;
        for n in 0..tries.max(1) {
            if n > 0 {
                wait(500);
            }
            let Some(d) = self.device(port_path) else {
                return Err(Error::new(format!(
                    "{port_path}: device left the bus before its driver bound"
                )));
            };
            let vendor: Vec<&Interface> =
                d.interfaces().iter().filter(|i| i.class == 0xff).collect();
            if vendor.is_empty() {
                return Ok(Bind::NoVendorInterfaces);
            }
            if let Some(drv) = vendor.iter().find_map(|i| i.driver.clone()) {
                return Ok(Bind::AlreadyBound(drv));
            }
            last = Some(d);
        }
        let Some(d) = last else {
            return Ok(Bind::NoVendorInterfaces);
        };
        let path = self.new_id_path();
        if !crate::hw::file::exists(&path) {
            return Err(Error::new(format!(
                "{} {:04x}:{:04x}: no driver bound and the usb-serial option driver is not loaded \
                 (install kmod-usb-serial-option)",
                port_path, d.vid, d.pid
            )));
        }
        let id = format!("{:04x} {:04x}\n", d.vid, d.pid);
        crate::hw::file::write(&path, id.as_bytes())
            .map_err(|e| Error::io(&format!("writing {}", path.display()), &e))?;
        Ok(Bind::NewId(path.display().to_string()))
    }
}
