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
    // map_or, not is_none_or: keeps the minimum Rust version low for the SDK.
    #[allow(clippy::unnecessary_map_or)]
    fn matches(&self, d: &UsbDevice) -> bool {
        self.port_path.as_ref().map_or(true, |p| *p == d.port_path)
            && self.id.map_or(true, |(v, p)| d.vid == v && d.pid == p)
    }
    fn explicit(&self) -> bool {
        self.port_path.is_some() || self.id.is_some()
    }
}

/// The result of `switch_all`: one `Out` per device, and the failures (joined
/// by "; ", as the command's error says them; empty: none).
#[derive(Debug)]
pub struct Report {
    pub devices: Vec<Out>,
    pub failures: String,
}

/// Switch the selected devices. Used by the command and tests.
pub fn switch_all(
    be: &mut dyn UsbBackend,
    db: &Db,
    sel: &Select,
    opts: SwitchOpts,
    sysfs: Option<&UsbSysfs>,
) -> Result<Report> {
    let all = be.devices()?;
    let mut rep = Report {
        devices: Vec::new(),
        failures: String::new(),
    };
    // Asked for a port whose device is no longer the one the event named (it
    // switched already, or was replaced): nothing to do, quietly.
    if let (Some(p), Some((v, i))) = (&sel.port_path, sel.id) {
        if let Some(d) = all
            .iter()
            .find(|d| d.port_path == *p && (d.vid, d.pid) != (v, i))
        {
            rep.devices.push(left_alone(
                format!("{v:04x}:{i:04x}"),
                p,
                format!("the device on {p} is now {}", d.id()),
            ));
            return Ok(rep);
        }
    }
    let mut any = false;
    for d in all.iter().filter(|d| sel.matches(d)) {
        any = true;
        let (id, port) = (d.id(), &d.port_path);
        let Some((key, entry)) = db.lookup(d.vid, d.pid, &d.strings) else {
            if db.knows(d.vid, d.pid) {
                // Known id, but no match object fits its strings (e.g. only
                // "uMa=..." entries for other makers): not ours, quietly.
                rep.devices.push(left_alone(
                    id,
                    port,
                    "no database entry matches its strings".into(),
                ));
            } else if sel.explicit() {
                fail(
                    &mut rep.failures,
                    &format!("{id} on {port}: not in the device database; not touching it"),
                );
            }
            continue;
        };
        let mut t = Trace::default();
        let mut o = Out::map();
        o.set("id", id);
        o.set("port", port.as_str());
        o.set("match", key);
        match switch_device(be, d, entry, db, opts, &mut t) {
            Ok(Outcome::LeftAlone(why)) => {
                o.set("state", "left_alone");
                o.set("reason", why);
            }
            Ok(Outcome::Switched { method, now }) => {
                o.set("state", "switched");
                o.set("method", method);
                let n = now.as_ref().unwrap_or(d);
                o.set("now", n.id());
                o.set("now_port", n.port_path.as_str());
                if let (Some(sys), false) = (sysfs, entry.no_driver) {
                    bind(be, sys, n, &mut o, &mut t, &mut rep.failures);
                }
            }
            Err(e) => {
                o.set("state", "failed");
                o.set("error", e.msg());
                fail(&mut rep.failures, e.msg());
            }
        }
        o.set("log", Out::List(t.lines));
        rep.devices.push(o);
    }
    if !any && sel.explicit() {
        return Err(match (&sel.port_path, sel.id) {
            (Some(p), _) => crate::err!("no USB device on port {p}"),
            (None, Some((v, p))) => crate::err!("no USB device {v:04x}:{p:04x} present"),
            _ => Error::new("no such device"),
        });
    }
    Ok(rep)
}

fn left_alone(id: String, port: &str, reason: String) -> Out {
    let mut o = Out::map();
    o.set("id", id);
    o.set("port", port);
    o.set("state", "left_alone");
    o.set("reason", reason);
    o
}

/// After a switch: make sure a serial driver takes the modem's interfaces.
fn bind(
    be: &mut dyn UsbBackend,
    sys: &UsbSysfs,
    n: &UsbDevice,
    o: &mut Out,
    t: &mut Trace,
    failures: &mut String,
) {
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
            t.lines.push(Out::Str(msg));
            o.set("driver", "option (new_id)");
        }
        Err(e) => {
            o.set("driver_error", e.msg());
            fail(failures, e.msg());
        }
    }
}

pub fn run(mut args: Args) -> Result<()> {
    let json = args.flag("--json");
    let no_bind = args.flag("--no-bind");
    let db_file = args.value("--db")?;
    // u64 like every other command's numbers (one copy of Args::number).
    let bus: Option<u64> = args.number("--bus")?;
    let port = args.value("--port-path")?;
    let device = args.value("--device")?;
    let timeout: Option<u64> = args.number("--timeout")?;
    args.finish()?;
    let port_path = match (bus, port) {
        (Some(b @ 256..), _) => return Err(crate::err!("--bus: {b} is not a USB bus number")),
        (Some(b), Some(p)) if !p.contains('-') => Some(format!("{b}-{p}")),
        (_, Some(p)) => Some(p),
        (Some(_), None) => return Err(Error::new("--bus needs --port-path")),
        (None, None) => None,
    };
    if let Some(p) = &port_path {
        if !crate::hw::usbsys::is_port_path(p) {
            return Err(crate::err!("--port-path '{p}' is not like 1-1.2"));
        }
    }
    let id = match device {
        Some(d) => {
            Some(parse_id(&d).ok_or_else(|| crate::err!("--device '{d}' is not VID:PID in hex"))?)
        }
        None => None,
    };
    let mut opts = SwitchOpts::default();
    if let Some(s) = timeout {
        if s == 0 || s > 600 {
            return Err(Error::new("--timeout must be 1..600 seconds"));
        }
        opts.timeout_ms = s as u32 * 1000;
    }
    let db = dbfiles::load_default(db_file.as_deref())?;
    let sysfs = UsbSysfs::from_env();
    let mut be = crate::hw::usb::backend(&sysfs)?;
    let sel = Select { port_path, id };
    let sys = if no_bind { None } else { Some(&sysfs) };
    let rep = switch_all(be.as_mut(), &db, &sel, opts, sys)?;
    let o = crate::omap! { "devices" => Out::List(rep.devices) };
    super::print(&o, json)?;
    if rep.failures.is_empty() {
        Ok(())
    } else {
        Err(Error::new(rep.failures))
    }
}

/// Add a failure to the report's "; "-joined list.
fn fail(failures: &mut String, msg: &str) {
    if !failures.is_empty() {
        failures.push_str("; ");
    }
    failures.push_str(msg);
}
