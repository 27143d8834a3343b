//! `umodem info`: one reading of a modem (`core::reader`), printed. A modem
//! that stops answering ends the reading: what was read is printed, and the
//! exit status and message say which command got no answer.

use crate::cli::Args;
use crate::core::at;
use crate::core::engine::Engine;
use crate::core::reader::{self, Reading};
use crate::error::{code, Error, Result};
use crate::hw::clock::SystemClock;
use crate::hw::port;
use crate::hw::usbsys::UsbSysfs;
use crate::out::Out;

fn reg_out(reg: Option<&at::Reg>) -> Out {
    match reg {
        None => Out::Null,
        Some(r) => Out::map()
            .with("stat", r.stat)
            .with("state", r.stat_name())
            .with("lac", r.lac.clone())
            .with("cell", r.cell.clone())
            .with("act", r.act.map(at::act_name)),
    }
}

/// The reading as `info` prints it, added to `o` (a map).
fn reading_out(o: &mut Out, r: &Reading) {
    for (k, v) in r.identity() {
        o.set(k, v);
    }
    o.set(
        "sim",
        Out::map()
            .with("state", r.sim.map(|s| s.name()))
            .with("pin_attempts", r.pin_attempts)
            .with("puk_attempts", r.puk_attempts),
    );
    o.set(
        "signal",
        match r.csq {
            None => Out::Null,
            Some(c) => Out::map()
                .with("csq", c.rssi)
                .with("ber", c.ber)
                .with("dbm", c.dbm())
                .with("percent", c.percent()),
        },
    );
    o.set(
        "registration",
        Out::map()
            .with("creg", reg_out(r.creg.as_ref()))
            .with("cgreg", reg_out(r.cgreg.as_ref()))
            .with("cereg", reg_out(r.cereg.as_ref())),
    );
    o.set(
        "lte",
        match r.lte {
            None => Out::Null,
            Some(l) => Out::map()
                .with("rssi", l.rssi as i32)
                .with("rsrp", l.rsrp as i32)
                .with("rsrq", l.rsrq as i32)
                .with("sinr", l.sinr as i32),
        },
    );
    o.set(
        "operator",
        Out::map()
            .with("name", r.operator.clone())
            .with("mcc", r.mcc.clone())
            .with("mnc", r.mnc.clone()),
    );
    o.set("technology", r.tech.clone());
    o.set("gcap", r.gcap.clone().map(Out::from).unwrap_or(Out::Null));
}

pub fn run(mut args: Args) -> Result<()> {
    let json = args.flag("--json");
    let port = args.value("--port")?;
    let root = UsbSysfs::from_args(args.value("--sysfs")?);
    args.finish()
        .map_err(|e| Error::with_code(code::USAGE, e.msg()))?;
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
    let (path, profile, mut tty) = port::open_control(port, &root, "info")?;
    let clock = SystemClock::new();
    let mut e = Engine::new(&mut tty, &clock);
    let r = reader::read(&mut e, reader::INFO, profile.is_some_and(|p| p.hw_cpin));
    if let Some(f) = &r.stopped {
        if f.command() == "AT" || f.command() == "ATQ0V1" {
            // Not even the hello answered: nothing to show.
            return Err(f.error());
        }
    }
    let mut out = Out::map().with("port", path.display().to_string());
    reading_out(&mut out, &r);
    crate::cmd::print(&out, json)?;
    match r.stopped {
        Some(f) => Err(f.error()),
        None => Ok(()),
    }
}
