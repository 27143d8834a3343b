//! sysfs as a seam: `SysfsRoot("/")` is the live system, tests point it at a
//! fixture tree laid out like the real one (symlinks included).
//!
//! Only reads. Every attribute is optional: a device can vanish mid-scan.

use std::fs;
use std::path::{Path, PathBuf};

use crate::core::ports::UsbTty;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysfsRoot(pub PathBuf);

impl SysfsRoot {
    /// `--sysfs DIR` if given, else `UMODEM_SYSFS`, else "/".
    pub fn from_args(dir: Option<String>) -> SysfsRoot {
        let d = dir
            .or_else(|| std::env::var("UMODEM_SYSFS").ok())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "/".to_string());
        SysfsRoot(PathBuf::from(d))
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// Every USB tty (ttyUSB*, ttyACM*) with its interface and device attributes.
    pub fn usb_ttys(&self) -> Vec<UsbTty> {
        let mut names: Vec<(String, PathBuf)> = Vec::new();
        for dir in ["sys/bus/usb-serial/devices", "sys/class/tty"] {
            let Ok(rd) = fs::read_dir(self.path(dir)) else {
                continue;
            };
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let usb = name.starts_with("ttyUSB") || name.starts_with("ttyACM");
                if usb && !names.iter().any(|(n, _)| *n == name) {
                    names.push((name, e.path()));
                }
            }
        }
        let mut out: Vec<UsbTty> = names
            .into_iter()
            .filter_map(|(name, link)| self.describe(&name, &link))
            .collect();
        crate::core::ports::sort_small(&mut out, |a, b| a.tty < b.tty);
        out
    }

    fn describe(&self, name: &str, link: &Path) -> Option<UsbTty> {
        let real = fs::canonicalize(link).ok()?;
        // Walk up to the USB interface (has bInterfaceNumber), then its device.
        let iface = real
            .ancestors()
            .take(6)
            .find(|d| d.join("bInterfaceNumber").is_file())?;
        let dev = iface.parent().filter(|d| d.join("idVendor").is_file())?;
        let hex = |dir: &Path, a: &str| -> Option<u8> {
            u8::from_str_radix(attr(dir, a)?.as_str(), 16).ok()
        };
        let hex16 =
            |a: &str| -> Option<u16> { u16::from_str_radix(attr(dev, a)?.as_str(), 16).ok() };
        let driver = fs::read_link(iface.join("driver"))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        Some(UsbTty {
            tty: name.to_string(),
            vid: hex16("idVendor")?,
            pid: hex16("idProduct")?,
            path: dev.file_name()?.to_string_lossy().into_owned(),
            busnum: attr(dev, "busnum").and_then(|v| v.parse().ok()),
            devnum: attr(dev, "devnum").and_then(|v| v.parse().ok()),
            manufacturer: attr(dev, "manufacturer"),
            product: attr(dev, "product"),
            interface: hex(iface, "bInterfaceNumber")?,
            class: hex(iface, "bInterfaceClass").unwrap_or(0),
            subclass: hex(iface, "bInterfaceSubClass").unwrap_or(0),
            protocol: hex(iface, "bInterfaceProtocol").unwrap_or(0),
            driver,
        })
    }
}

/// One attribute file, trimmed; None if missing, unreadable or empty.
fn attr(dir: &Path, name: &str) -> Option<String> {
    let v = fs::read(dir.join(name)).ok()?;
    let s = String::from_utf8_lossy(&v).trim().to_string();
    (!s.is_empty()).then_some(s)
}
