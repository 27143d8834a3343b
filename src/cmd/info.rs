//! `umodem info`: one reading of a modem (`core::reader`), printed. A modem
//! that stops answering ends the reading: what was read is printed, and the
//! exit status and message say which command got no answer.

use crate::cli::Args;
use crate::core::at;
use crate::core::reader::{self, Reading};
use crate::error::Result;
use crate::hw::port;
use crate::hw::usbsys::UsbSysfs;
use crate::out::Out;

fn reg_out(reg: Option<&at::Reg>) -> Out {
    match reg {
        None => Out::Null,
        Some(r) => crate::omap! {
            "stat" => r.stat,
            "state" => r.stat_name(),
            "lac" => r.lac.as_deref(),
            "cell" => r.cell.as_deref(),
            "act" => r.act.map(at::act_name),
        },
    }
}

/// The reading as `info` prints it, added to `o` (a map).
fn reading_out(o: &mut Out, r: &Reading) {
    for &(k, v) in &r.identity() {
        o.set(k, v);
    }
    o.set(
        "sim",
        crate::omap! {
            "state" => r.sim.map(|s| s.name()),
            "pin_attempts" => r.pin_attempts,
            "puk_attempts" => r.puk_attempts,
        },
    );
    o.set(
        "signal",
        match r.csq {
            None => Out::Null,
            Some(c) => crate::omap! {
                "csq" => c.rssi,
                "ber" => c.ber,
                "dbm" => c.dbm(),
                "percent" => c.percent(),
            },
        },
    );
    o.set(
        "registration",
        crate::omap! {
            "creg" => reg_out(r.creg.as_ref()),
            "cgreg" => reg_out(r.cgreg.as_ref()),
            "cereg" => reg_out(r.cereg.as_ref()),
        },
    );
    o.set(
        "lte",
        match r.lte {
            None => Out::Null,
            Some(l) => crate::omap! {
                "rssi" => i32::from(l.rssi),
                "rsrp" => i32::from(l.rsrp),
                "rsrq" => i32::from(l.rsrq),
                "sinr" => i32::from(l.sinr),
            },
        },
    );
    o.set(
        "operator",
        crate::omap! {
            "name" => r.operator.as_deref(),
            "mcc" => r.mcc.as_deref(),
            "mnc" => r.mnc.as_deref(),
        },
    );
    o.set("technology", r.tech.as_deref());
    let mut caps = Out::Null;
    if let Some(g) = &r.gcap {
        let mut l = Vec::new();
        for c in g {
            l.push(Out::from(c.as_str()));
        }
        caps = Out::List(l);
    }
    o.set("gcap", caps);
}

pub fn run(mut args: Args) -> Result<()> {
    let json = args.flag("--json");
    let port = args.value("--port")?;
    let root = UsbSysfs::from_args(args.value("--sysfs")?);
    args.usage_finish()?;
    if port.is_none() {
        // Sticks without a tty (HiLink: a router on a stick, reached over its
        // network interface): what sysfs and that interface know.
        let ms = port::modems(&root);
        if !ms.is_empty() && ms.iter().all(|m| m.ports.is_empty()) {
            let mut list = Vec::new();
            for m in &ms {
                let net = m.net().and_then(|i| i.net.as_deref()).unwrap_or_default();
                let mut o = crate::cmd::ports::modem_out(m);
                o.set("carrier", root.net_attr(net, "carrier").map(|c| c == "1"));
                o.set("mac", root.net_attr(net, "address"));
                list.push(o);
            }
            return crate::cmd::print(&Out::map().with("modem", Out::List(list)), json);
        }
    }
    port::talk(port, &root, "info", &mut |e, path, profile| {
        let r = reader::read(e, reader::INFO, profile.is_some_and(|p| p.hw_cpin));
        if let Some(f) = &r.stopped {
            if f.command() == "AT" || f.command() == "ATQ0V1" {
                // Not even the hello answered: nothing to show.
                return Err(f.error());
            }
        }
        let mut out = Out::map().with("port", path.display().to_string());
        reading_out(&mut out, &r);
        crate::cmd::print(&out, json)?;
        match &r.stopped {
            Some(f) => Err(f.error()),
            None => Ok(()),
        }
    })
}
