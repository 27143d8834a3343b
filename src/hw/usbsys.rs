//! USB devices as sysfs shows them: identity, strings, interfaces with their
//! drivers and tty ports, and the usb-serial `option` driver's `new_id`.
//!
//! The root is configurable (`UMODEM_SYSFS`, default "/"): tests point it at a
//! fixture tree laid out like `/sys`.

use std::path::{Path, PathBuf};

use crate::core::db::DeviceStrings;
use crate::core::modeswitch::{Config, Endpoint, Interface, UsbDevice};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbSysfs {
    root: PathBuf,
}

/// An interface of a device in sysfs, with what the kernel did with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysIface {
    pub number: u8,
    pub class: u8,
    pub subclass: u8,
    pub protocol: u8,
    pub driver: Option<String>,
    /// tty device names (ttyUSB0, ttyACM0) under this interface.
    pub ttys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysDevice {
    pub dev: UsbDevice,
    pub ifaces: Vec<SysIface>,
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
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
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
        UsbSysfs::new(std::env::var_os("UMODEM_SYSFS").unwrap_or_else(|| "/".into()))
    }

    fn devdir(&self) -> PathBuf {
        self.root.join("sys/bus/usb/devices")
    }

    fn read(&self, p: &Path) -> Option<String> {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
    }

    fn driver(&self, dir: &Path) -> Option<String> {
        std::fs::read_link(dir.join("driver"))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
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

    fn iface(&self, dir: &Path) -> Option<(Interface, SysIface)> {
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
            } else if n.starts_with("ttyUSB") {
                ttys.push(n);
            } else if n == "tty" {
                ttys.extend(names(&dir.join("tty")));
            }
        }
        Some((
            Interface {
                number,
                alt,
                class,
                subclass,
                protocol,
                endpoints,
            },
            SysIface {
                number,
                class,
                subclass,
                protocol,
                driver: self.driver(dir),
                ttys,
            },
        ))
    }

    /// The raw descriptors of a device (device descriptor and every configuration).
    pub fn descriptors(&self, port_path: &str) -> Option<Vec<u8>> {
        std::fs::read(self.devdir().join(port_path).join("descriptors")).ok()
    }

    /// One device by its port path, if present.
    pub fn device(&self, port_path: &str) -> Option<SysDevice> {
        let d = self.devdir().join(port_path);
        let r = |n: &str| self.read(&d.join(n));
        let vid = hex_u16(&r("idVendor")?)?;
        let pid = hex_u16(&r("idProduct")?)?;
        let bus = dec_u8(&r("busnum")?)?;
        let address = dec_u8(&r("devnum")?)?;
        let class = r("bDeviceClass").and_then(|s| hex_u8(&s)).unwrap_or(0);
        let active_config = r("bConfigurationValue").and_then(|s| dec_u8(&s));
        let mut interfaces = Vec::new();
        let mut ifaces = Vec::new();
        let prefix = format!("{port_path}:");
        for n in names(&self.devdir())
            .into_iter()
            .filter(|n| n.starts_with(&prefix))
        {
            if let Some((i, s)) = self.iface(&self.devdir().join(&n)) {
                interfaces.push(i);
                ifaces.push(s);
            }
        }
        let configs = match active_config {
            Some(value) => vec![Config { value, interfaces }],
            None => Vec::new(),
        };
        Some(SysDevice {
            dev: UsbDevice {
                bus,
                address,
                port_path: port_path.to_string(),
                vid,
                pid,
                class,
                active_config,
                configs,
                strings: self.device_strings(port_path),
            },
            ifaces,
        })
    }

    /// All USB devices (root hubs excluded), in port order.
    pub fn devices(&self) -> Result<Vec<SysDevice>> {
        let dir = self.devdir();
        if !dir.is_dir() {
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
            let vendor: Vec<&SysIface> = d.ifaces.iter().filter(|i| i.class == 0xff).collect();
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
        if !path.exists() {
            return Err(Error::new(format!(
                "{} {:04x}:{:04x}: no driver bound and the usb-serial option driver is not loaded \
                 (install kmod-usb-serial-option)",
                port_path, d.dev.vid, d.dev.pid
            )));
        }
        let id = format!("{:04x} {:04x}\n", d.dev.vid, d.dev.pid);
        std::fs::write(&path, &id)
            .map_err(|e| Error::io(&format!("writing {}", path.display()), &e))?;
        Ok(Bind::NewId(path.display().to_string()))
    }
}
