//! `umodem db lookup VID:PID [--json] [--db FILE]`: what the database says about
//! a device id, and what a switch would do.

use crate::cli::Args;
use crate::core::db::{parse_id, Entry, Method};
use crate::core::modeswitch;
use crate::error::{Error, Result};
use crate::hw::dbfiles;
use crate::out::Out;

/// One match object as output.
pub fn entry_out(key: &str, e: &Entry) -> Out {
    let mut o = crate::omap! {
        "match" => key,
        "method" => e.method_name(),
        "supported" => e.method != Method::Unknown,
    };
    if e.is_dummy() {
        o.set("action", "none (known device, no switching needed)");
    }
    let mut msgs = Vec::new();
    let (fixed, own) = modeswitch::fixed_messages(e);
    for m in fixed {
        msgs.push(Out::Str(modeswitch::hex(m)));
    }
    for m in own {
        msgs.push(Out::Str(modeswitch::hex(m)));
    }
    if !msgs.is_empty() {
        o.set("messages", Out::List(msgs));
        o.set("interface", e.interface.unwrap_or(0));
        o.set("msg_endpoint", endpoint(e.msg_endpoint, "OUT"));
        o.set("response_endpoint", endpoint(e.response_endpoint, "IN"));
    }
    if let Some(v) = e.modeval {
        o.set("modeval", v);
    }
    if let Some(v) = e.t_vendor {
        o.set("target_vendor", format!("{v:04x}"));
    }
    if !e.t_product.is_empty() {
        let mut l = Vec::new();
        for p in &e.t_product {
            l.push(Out::Str(format!("{p:04x}")));
        }
        o.set("target_products", Out::List(l));
    }
    if let Some(c) = e.t_class {
        o.set("target_class", format!("{c:02x}"));
    }
    if let Some(c) = e.config {
        o.set("config", c);
    }
    if let Some(a) = e.alt {
        o.set("alt", a);
    }
    if e.wait > 0 {
        o.set("wait_s", e.wait);
    }
    if e.release_delay > 0 {
        o.set("release_delay_ms", e.release_delay);
    }
    if e.reset {
        o.set("reset", true);
    }
    if e.no_driver {
        o.set("no_driver", true);
    }
    if e.detach_storage {
        o.set("detach_storage", true);
    }
    o
}

/// An endpoint as the entry gives it, or which one the switch takes without it.
fn endpoint(ep: Option<u8>, dir: &str) -> String {
    match ep {
        Some(x) => format!("0x{x:02x}"),
        None => format!("first bulk {dir} of the interface"),
    }
}

pub fn run(mut args: Args) -> Result<()> {
    let json = args.flag("--json");
    let db_file = args.value("--db")?;
    let sub = args.positional();
    match sub.as_deref() {
        Some("lookup") => {}
        Some(s) => {
            return Err(crate::err!(
                "db: unknown subcommand '{s}' (try: db lookup VID:PID)"
            ))
        }
        None => {
            return Err(Error::new(
                "db: missing subcommand (try: db lookup VID:PID)",
            ))
        }
    }
    let id = args
        .positional()
        .ok_or_else(|| Error::new("db lookup: missing VID:PID (e.g. 12d1:1446)"))?;
    args.finish()?;
    let (vid, pid) = parse_id(&id)
        .ok_or_else(|| crate::err!("db lookup: '{id}' is not VID:PID in hex (e.g. 12d1:1446)"))?;
    let db = dbfiles::load_default(db_file.as_deref())?;
    if !db.knows(vid, pid) {
        let what = if db.is_target(vid, pid) {
            "a modem-mode id (a switch target), nothing to switch"
        } else {
            "not in the database: umodem will not touch it"
        };
        return Err(crate::err!("{vid:04x}:{pid:04x}: {what}"));
    }
    let mut list = Vec::new();
    for (k, e) in db.entries(vid, pid) {
        list.push(entry_out(k, e));
    }
    let o = crate::omap! {
        "id" => crate::core::usb::id(vid, pid, ':'),
        "entries" => Out::List(list),
    };
    super::print(&o, json)?;
    Ok(())
}
