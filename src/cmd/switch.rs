//! `umodem switch [--port-path P [--bus N] | --device VID:PID] [--timeout S] [--json]
//! [--no-bind] [--db FILE]`: switch sticks out of their storage (CD-ROM) mode.
//!
//! Without a selection, every device the database matches is switched. A device
//! the database does not know is never touched.

use crate::cli::Args;
use crate::core::db::{parse_id, Db};
use crate::core::modeswitch::UsbDevice;
use crate::error::{Error, Result};
use crate::hw::dbfiles;
use crate::hw::usb::{switch_device, Outcome, SwitchOpts, Trace, UsbBackend};
use crate::hw::usbsys::{Bind, UsbSysfs};
use crate::out::Out;

/// Which devices to switch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Select {
    pub port_path: Option<String>,
    pub id: Option<(u16, u16)>,
}

impl Select {
    fn matches(&self, d: &UsbDevice) -> bool {
        self.port_path.as_ref().is_none_or(|p| *p == d.port_path)
            && self.id.is_none_or(|(v, p)| d.vid == v && d.pid == p)
    }
    fn explicit(&self) -> bool {
        self.port_path.is_some() || self.id.is_some()
    }
}

/// Switch the selected devices; one `Out` per device. Used by the command and tests.
pub fn switch_all(
    be: &mut dyn UsbBackend,
    db: &Db,
    sel: &Select,
    opts: SwitchOpts,
    sysfs: Option<&UsbSysfs>,
) -> Result<Vec<Out>> {
    let devs: Vec<UsbDevice> = be
        .devices()?
        .into_iter()
        .filter(|d| sel.matches(d))
        .collect();
    if devs.is_empty() && sel.explicit() {
        // Gone already (hotplug raced a fast stick) or a typo: say which.
        return Err(Error::new(match (&sel.port_path, sel.id) {
            (Some(p), _) => format!("no USB device on port {p} (matching the given id)"),
            (None, Some((v, p))) => format!("no USB device {v:04x}:{p:04x} present"),
            _ => "no such device".to_string(),
        }));
    }
    let mut out = Vec::new();
    let mut failed = Vec::new();
    for d in devs {
        let Some((key, entry)) = db.lookup(d.vid, d.pid, &d.strings) else {
            if sel.explicit() {
                failed.push(format!(
                    "{} on {}: not in the device database; not touching it",
                    d.id(),
                    d.port_path
                ));
            }
            continue;
        };
        let mut t = Trace::default();
        let mut o = Out::map()
            .with("id", d.id())
            .with("port", d.port_path.clone())
            .with("match", key);
        match switch_device(be, &d, entry, db, opts, &mut t) {
            Ok(Outcome::LeftAlone(why)) => {
                o.set("state", "left_alone");
                o.set("reason", why);
            }
            Ok(Outcome::Switched { method, now }) => {
                o.set("state", "switched");
                o.set("method", method);
                if let Some(n) = &now {
                    o.set("now", n.id());
                    o.set("now_port", n.port_path.clone());
                }
                if let (Some(sys), Some(n), false) = (sysfs, &now, entry.no_driver) {
                    let mut wait = |ms: u32| be.sleep_ms(ms);
                    match sys.bind_option(&n.port_path, 6, &mut wait) {
                        Ok(Bind::AlreadyBound(drv)) => o.set("driver", drv),
                        Ok(Bind::NoVendorInterfaces) => o.set("driver", "none needed"),
                        Ok(Bind::NewId(path)) => {
                            let msg = format!(
                                "no driver took {}: wrote \"{:04x} {:04x}\" to {path}",
                                n.id(),
                                n.vid,
                                n.pid
                            );
                            log::warn!("{msg}");
                            t.lines.push(msg);
                            o.set("driver", "option (new_id)");
                        }
                        Err(e) => o.set("driver_error", e.msg()),
                    }
                }
            }
            Err(e) => {
                o.set("state", "failed");
                o.set("error", e.msg());
                failed.push(e.msg().to_string());
            }
        }
        o.set("log", t.lines);
        out.push(o);
    }
    if !failed.is_empty() && out.iter().all(|o| matches!(o, Out::Map(m) if m.iter().any(|(k, v)| k == "state" && *v == Out::from("failed")))) {
        return Err(Error::new(failed.join("; ")));
    }
    Ok(out)
}

pub fn run(mut args: Args) -> Result<()> {
    let json = args.flag("--json");
    let no_bind = args.flag("--no-bind");
    let db_file = args.value("--db")?;
    let bus: Option<u8> = args.number("--bus")?;
    let port = args.value("--port-path")?;
    let device = args.value("--device")?;
    let timeout: Option<u32> = args.number("--timeout")?;
    args.finish()?;
    let port_path = match (bus, port) {
        (Some(b), Some(p)) if !p.contains('-') => Some(format!("{b}-{p}")),
        (_, Some(p)) => Some(p),
        (Some(_), None) => return Err(Error::new("--bus needs --port-path")),
        (None, None) => None,
    };
    if let Some(p) = &port_path {
        if !crate::hw::usbsys::is_port_path(p) {
            return Err(Error::new(format!("--port-path '{p}' is not like 1-1.2")));
        }
    }
    let id = match device {
        Some(d) => Some(
            parse_id(&d.to_ascii_lowercase())
                .ok_or_else(|| Error::new(format!("--device '{d}' is not VID:PID in hex")))?,
        ),
        None => None,
    };
    let mut opts = SwitchOpts::default();
    if let Some(s) = timeout {
        if s == 0 || s > 600 {
            return Err(Error::new("--timeout must be 1..600 seconds"));
        }
        opts.timeout_ms = s * 1000;
    }
    let db = dbfiles::load_default(db_file.as_deref())?;
    let sysfs = UsbSysfs::from_env();
    let mut be = backend(&sysfs)?;
    let sel = Select { port_path, id };
    let res = switch_all(
        be.as_mut(),
        &db,
        &sel,
        opts,
        if no_bind { None } else { Some(&sysfs) },
    )?;
    let o = Out::map().with("devices", Out::List(res));
    print!(
        "{}",
        if json {
            o.to_json() + "\n"
        } else {
            o.to_text()
        }
    );
    Ok(())
}

#[cfg(feature = "usb-rusb")]
fn backend(sysfs: &UsbSysfs) -> Result<Box<dyn UsbBackend>> {
    Ok(Box::new(crate::hw::usb::RusbBackend::new(sysfs.clone())?))
}

#[cfg(not(feature = "usb-rusb"))]
fn backend(_: &UsbSysfs) -> Result<Box<dyn UsbBackend>> {
    Err(Error::new(
        "this umodem was built without a USB backend (feature usb-rusb)",
    ))
}
