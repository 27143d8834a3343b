//! `umodem list [--json] [--db FILE]`: USB devices and their state: `storage`
//! (switchable, with the method), `modem` (with its tty ports), `known` (in the
//! database, nothing to do) or `unknown`.

use crate::cli::Args;
use crate::core::db::Db;
use crate::core::modeswitch::{self, Decision};
use crate::core::usb::UsbDevice;
use crate::error::Result;
use crate::hw::dbfiles;
use crate::hw::usbsys::UsbSysfs;
use crate::out::Out;

/// State of one device, as a word and detail.
pub fn classify(db: &Db, dev: &UsbDevice) -> (&'static str, Option<String>) {
    if let Some((_, e)) = db.lookup(dev.vid, dev.pid, &dev.strings) {
        match modeswitch::plan(dev, e) {
            Ok(Decision::Switch(p)) => return ("storage", Some(p.method.into())),
            Ok(Decision::AlreadySwitched(_)) => return ("modem", None),
            Ok(Decision::Nothing(why)) => {
                if !dev.has_ttys() {
                    return ("known", Some(why));
                }
            }
            Err(e) => return ("storage", Some(format!("cannot switch: {}", e.msg()))),
        }
    }
    if dev.has_ttys() || db.is_target(dev.vid, dev.pid) {
        return ("modem", None);
    }
    ("unknown", None)
}

pub fn device_out(db: &Db, d: &UsbDevice) -> Out {
    let (state, detail) = classify(db, d);
    let mut o = crate::omap! {
        "id" => d.id(),
        "port" => d.port_path.as_str(),
        "state" => state,
    };
    if let Some(m) = &d.strings.manufacturer {
        o.set("manufacturer", m.clone());
    }
    if let Some(p) = &d.strings.product {
        o.set("product", p.clone());
    }
    if let Some(x) = detail {
        o.set(if state == "storage" { "method" } else { "note" }, x);
    }
    let mut ports = Vec::new();
    for i in d.interfaces() {
        for t in &i.ttys {
            ports.push(crate::omap! {
                "tty" => format!("/dev/{t}"),
                "interface" => i.number,
                "class" => i.triplet(),
                "driver" => i.driver.as_deref(),
            });
        }
    }
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
    let mut list = Vec::new();
    for d in &devs {
        list.push(device_out(&db, d));
    }
    let o = crate::omap! { "devices" => Out::List(list) };
    super::print(&o, json)?;
    Ok(())
}
