//! `umodem list [--json] [--db FILE]`: USB devices and their state: `storage`
//! (switchable, with the method), `modem` (with its tty ports), `known` (in the
//! database, nothing to do) or `unknown`.

use crate::cli::Args;
use crate::core::db::Db;
use crate::core::modeswitch::{self, Decision};
use crate::error::Result;
use crate::hw::dbfiles;
use crate::hw::usbsys::{SysDevice, UsbSysfs};
use crate::out::Out;

/// State of one device, as a word and detail.
pub fn classify(db: &Db, d: &SysDevice) -> (&'static str, Option<String>) {
    let dev = &d.dev;
    if let Some((_, e)) = db.lookup(dev.vid, dev.pid, &dev.strings) {
        match modeswitch::plan(dev, e) {
            Ok(Decision::Switch(p)) => return ("storage", Some(p.method)),
            Ok(Decision::AlreadySwitched(_)) => return ("modem", None),
            Ok(Decision::Nothing(why)) => {
                if !d.ifaces.iter().any(|i| !i.ttys.is_empty()) {
                    return ("known", Some(why));
                }
            }
            Err(e) => return ("storage", Some(format!("cannot switch: {}", e.msg()))),
        }
    }
    if d.ifaces.iter().any(|i| !i.ttys.is_empty()) || db.is_target(dev.vid, dev.pid) {
        return ("modem", None);
    }
    ("unknown", None)
}

pub fn device_out(db: &Db, d: &SysDevice) -> Out {
    let (state, detail) = classify(db, d);
    let mut o = Out::map()
        .with("id", d.dev.id())
        .with("port", d.dev.port_path.clone())
        .with("state", state);
    if let Some(m) = &d.dev.strings.manufacturer {
        o.set("manufacturer", m.clone());
    }
    if let Some(p) = &d.dev.strings.product {
        o.set("product", p.clone());
    }
    if let Some(x) = detail {
        o.set(if state == "storage" { "method" } else { "note" }, x);
    }
    let ports: Vec<Out> = d
        .ifaces
        .iter()
        .flat_map(|i| {
            i.ttys.iter().map(move |t| {
                Out::map()
                    .with("tty", format!("/dev/{t}"))
                    .with("interface", i.number)
                    .with(
                        "class",
                        format!("{:02x}/{:02x}/{:02x}", i.class, i.subclass, i.protocol),
                    )
                    .with("driver", i.driver.clone())
            })
        })
        .collect();
    if !ports.is_empty() {
        o.set("ports", Out::List(ports));
    }
    o
}

pub fn run(mut args: Args) -> Result<()> {
    let json = args.flag("--json");
    let db_file = args.value("--db")?;
    args.finish()?;
    let db = dbfiles::load_default(db_file.as_deref())?;
    let devs = UsbSysfs::from_env().devices()?;
    let list: Vec<Out> = devs.iter().map(|d| device_out(&db, d)).collect();
    let o = Out::map().with("devices", Out::List(list));
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
