//! What the daemon knows about each modem, and what changed: pure.
//!
//! The daemon feeds in three kinds of observations, each stamped with the time
//! (ms, monotonic), and gets back the events to announce:
//! - [`Status::set_modems`]: the modems found in sysfs (plug / unplug);
//! - [`Status::set_reading`]: one reading of a modem's control port (SIM,
//!   registration, operator, ...), whole or cut short (sim, registration,
//!   and not_responding / responding when a modem stops answering or is back);
//! - [`Status::set_links`]: the netifd interfaces with proto umodem (connection).
//!
//! [`Status::status`] and [`Status::info`] build the ubus answers. Nothing here
//! holds a secret: the daemon never reads the PIN, and netifd's interface data
//! is copied field by field, never whole.

use crate::core::at::SimState;
use crate::core::history::History;
use crate::core::reader::{Fault, Reading};
use crate::ubus::blob::{self, Buf, Val};

/// After an interface starts its setup, `umodem prepare` talks to the control
/// port for a while: the daemon leaves the port alone this long.
pub const SETUP_QUIET_MS: u64 = 60_000;

/// A modem as sysfs shows it (no AT involved).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Found {
    /// "12d1:1506"
    pub usb: String,
    /// USB bus/port path, e.g. "1-1": the modem's identity while plugged.
    pub path: String,
    pub control: Option<String>,
    pub data: Option<String>,
    /// (tty, role name)
    pub ports: Vec<(String, Option<&'static str>)>,
    /// The profile says the modem speaks Huawei's ^CPIN / ^SYSINFO.
    pub huawei: bool,
    /// Its network interface (HiLink, NCM), if it has one.
    pub net: Option<NetIf>,
}

/// A modem's network interface as sysfs shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetIf {
    /// "eth0", "wwan0"; empty when no driver made one (a kernel module missing).
    pub name: String,
    /// "cdc_ether", "rndis_host", "cdc_ncm", ...
    pub driver: Option<String>,
    pub carrier: Option<bool>,
}

/// A netifd interface using proto umodem, as `network.interface dump` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Link {
    pub name: String,
    pub up: bool,
    pub pending: bool,
    pub available: bool,
    pub uptime: Option<u64>,
    /// The first error code the proto handler reported (e.g. PIN_FAILED).
    pub error: Option<String>,
    /// The data path in use: ncm or ecm (the handler's `datapath` in netifd's
    /// interface data), ppp for a link up without one (pppd's ip-up sends none).
    pub datapath: Option<String>,
}

impl Link {
    #[inline(never)]
    pub fn state(&self) -> &'static str {
        if self.up {
            "connected"
        } else if self.pending {
            "connecting"
        } else {
            "disconnected"
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Modem {
    pub found: Found,
    /// The last reading of its control port that ran to its end, with the
    /// identity (manufacturer, model, revision, imei, imsi, iccid) of the
    /// last reading that told it.
    /// (Boxed: a modem is moved around whole, a reading is big.)
    pub reading: Option<Box<Reading>>,
    pub last_error: Option<String>,
    /// When the last poll ended, ms.
    pub polled_at: Option<u64>,
    /// When `reading` was taken, ms.
    pub read_at: Option<u64>,
    /// When the modem last answered a command, ms.
    pub answered_at: Option<u64>,
    /// It stopped answering (announced once, until it answers again).
    pub silent: bool,
    /// The signal of the last hour, one sample per reading (`history`).
    pub history: History,
    /// The arrival check of its text messages.
    pub sms: Messages,
}

/// What the daemon knows of one modem's text messages (since it was plugged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Messages {
    /// The storage for new messages, and how many it held at the last check.
    pub used: Option<(String, u16)>,
    /// `AT+CNMI` was set.
    pub cnmi: bool,
    /// A `+CMTI` came: check at the next chance.
    pub check: bool,
}

#[derive(Debug, Default)]
pub struct Status {
    /// (Boxed: modems are inserted, removed and swapped; a Modem is ~250 B.)
    pub modems: Vec<Box<Modem>>,
    pub links: Vec<Link>,
    /// When some umodem interface was last seen starting its setup.
    setup_seen: Option<u64>,
    /// What to announce, in order: one blobmsg table per event, named as the
    /// event (`umodem.<name>` on ubus), its members the event's data. Taken
    /// with [`Status::take_events`].
    pub events: Buf,
}

/// Whole seconds from `then` (ms), if known, to `now` (ms).
#[inline(never)]
fn secs(now: u64, then: Option<u64>) -> Option<i64> {
    then.map(|t| (now.saturating_sub(t) / 1000) as i64)
}

/// `old`'s value where `new` has none.
#[inline(never)]
fn keep(new: &mut Option<String>, old: &mut Option<String>) {
    if new.is_none() {
        std::mem::swap(new, old);
    }
}

fn who(b: &mut Buf, f: &Found) {
    b.str("modem", &f.path);
    b.str("usb", &f.usb);
}

/// Start event `name` about modem `f` (its path and USB id first); more
/// members may follow, then `ev.end(..)` with what this returned.
#[inline(never)]
fn about(ev: &mut Buf, name: &str, f: &Found) -> usize {
    let t = ev.table(name);
    who(ev, f);
    t
}

impl Status {
    pub fn new() -> Status {
        Status::default()
    }

    /// The events since the last time (see `events`).
    pub fn take_events(&mut self) -> Buf {
        std::mem::take(&mut self.events)
    }

    pub fn modem(&self, path: &str) -> Option<&Modem> {
        self.modems
            .iter()
            .find(|m| m.found.path == path)
            .map(|m| &**m)
    }

    pub fn modem_mut(&mut self, path: &str) -> Option<&mut Modem> {
        self.modems
            .iter_mut()
            .find(|m| m.found.path == path)
            .map(|m| &mut **m)
    }

    /// The modems sysfs shows now (kept in sysfs order). A modem whose USB id
    /// changed at the same path (a different stick, or one that switched mode)
    /// counts as unplug + plug.
    pub fn set_modems(&mut self, mut now: Vec<Found>) {
        let same = |m: &Modem, f: &Found| m.found.path == f.path && m.found.usb == f.usb;
        let ev = &mut self.events;
        // What is gone first (announced before what came). In place: a modem
        // is big, moving each one out and back cost more than this.
        let mut i = 0;
        while let Some(m) = self.modems.get(i) {
            if now.iter().any(|f| same(m, f)) {
                i += 1;
                continue;
            }
            log::info!("modem {} ({}) unplugged", m.found.path, m.found.usb);
            let t = about(ev, "unplug", &m.found);
            ev.end(t);
            self.modems.remove(i);
        }
        // Then each in sysfs order: the k first are in place. (Each Found is
        // swapped or taken out of `now`, not moved out of an iterator.)
        for (k, f) in now.iter_mut().enumerate() {
            let at = self
                .modems
                .get(k..)
                .and_then(|rest| rest.iter().position(|m| same(m, f)));
            if let Some(i) = at {
                self.modems.swap(k, k + i);
                if let Some(m) = self.modems.get_mut(k) {
                    std::mem::swap(&mut m.found, f);
                }
                continue;
            }
            log::info!(
                "modem {} ({}) plugged: control {} data {}",
                f.path,
                f.usb,
                f.control.as_deref().unwrap_or("-"),
                f.data.as_deref().unwrap_or("-")
            );
            let t = about(ev, "plug", f);
            ev.opt_str("control", f.control.as_deref());
            ev.opt_str("data", f.data.as_deref());
            ev.end(t);
            let m = Box::new(Modem {
                found: std::mem::take(f),
                ..Modem::default()
            });
            self.modems.insert(k.min(self.modems.len()), m);
        }
    }

    /// A reading of `path`'s control port, ended at `now`. A reading that
    /// stopped early (the modem fell silent, the port failed) keeps the last
    /// whole one and says why in `last_error`; identity fields, when read, are
    /// kept for `info`. A modem that gets no answer in, after it answered (or
    /// since it was plugged), is announced once (`not_responding`), and again
    /// once when it answers (`responding`).
    pub fn set_reading(&mut self, path: &str, r: Reading, now: u64) {
        let Some(m) = self.modems.iter_mut().find(|m| m.found.path == path) else {
            return;
        };
        let ev = &mut self.events;
        m.polled_at = Some(now);
        if r.answered > 0 {
            m.answered_at = Some(now);
        }
        // A reading that stopped early shows as a gap in the signal history.
        let dbm = r
            .stopped
            .is_none()
            .then(|| r.csq.and_then(|c| c.dbm()))
            .flatten();
        m.history.push(now, dbm);
        if let Some(f) = &r.stopped {
            let e = f.describe();
            if m.last_error.as_deref() != Some(e.as_str()) {
                log::warn!("modem {path}: {e}");
            }
            m.last_error = Some(e);
            if let Fault::Silent(cmd) = f {
                if r.answered == 0 && !m.silent {
                    m.silent = true;
                    log::warn!("modem {path}: stopped answering");
                    let t = about(ev, "not_responding", &m.found);
                    ev.str("command", cmd);
                    ev.opt_int("last_seen", secs(now, m.answered_at));
                    ev.end(t);
                }
            }
            return;
        }
        // A silent modem had an error too: one line either way.
        if m.last_error.take().is_some() {
            log::info!("modem {path}: answering again");
        }
        if std::mem::take(&mut m.silent) {
            let t = about(ev, "responding", &m.found);
            ev.end(t);
        }
        m.read_at = Some(now);
        let old = m.reading.as_deref();
        if old.map(|o| o.sim) != Some(r.sim) {
            let st = r.sim.map_or("unknown", |x| x.name());
            log::info!("modem {path}: sim {st}");
            let t = about(ev, "sim", &m.found);
            ev.str("sim", st);
            ev.opt_int("pin_attempts", r.pin_attempts.map(i64::from));
            ev.end(t);
        }
        let (reg, oreg) = (r.registration(), old.and_then(Reading::registration));
        if old.is_none() || reg != oreg || old.map(|o| &o.operator) != Some(&r.operator) {
            let st = reg.unwrap_or("unknown");
            log::info!(
                "modem {path}: registration {st}, operator {}",
                r.operator.as_deref().unwrap_or("-")
            );
            let t = about(ev, "registration", &m.found);
            ev.str("registration", st);
            ev.opt_str("operator", r.operator.as_deref());
            ev.opt_str("technology", r.tech.as_deref());
            ev.end(t);
        }
        let mut r = r;
        if let Some(o) = &mut m.reading {
            // Identity is read once: a reading without it keeps the last one's.
            keep(&mut r.manufacturer, &mut o.manufacturer);
            keep(&mut r.model, &mut o.model);
            keep(&mut r.revision, &mut o.revision);
            keep(&mut r.imei, &mut o.imei);
            keep(&mut r.imsi, &mut o.imsi);
            keep(&mut r.iccid, &mut o.iccid);
        }
        m.reading = Some(Box::new(r));
    }

    /// The umodem interfaces netifd has now.
    pub fn set_links(&mut self, links: Vec<Link>, now: u64) {
        let ev = &mut self.events;
        for l in &links {
            let old = self.links.iter().find(|o| o.name == l.name);
            if l.pending && !old.is_some_and(|o| o.pending) {
                self.setup_seen = Some(now);
            }
            if old.map(Link::state) != Some(l.state()) {
                log::info!("interface {}: {}", l.name, l.state());
                let t = ev.table("connection");
                ev.str("interface", &l.name);
                ev.str("state", l.state());
                if let [m] = self.modems.as_slice() {
                    who(ev, &m.found);
                }
                ev.opt_str("error", l.error.as_deref());
                ev.end(t);
            }
        }
        self.links = links;
    }

    /// May the control port of `m` be opened now? Never when it is also the data
    /// port while an interface is up or setting up (pppd holds it), nor during
    /// the setup window (`umodem prepare` talks to it).
    pub fn may_poll(&self, m: &Found, now: u64) -> Result<(), &'static str> {
        let Some(c) = m.control.as_deref() else {
            return Err("no AT control port");
        };
        let (mut up, mut pending) = (false, false);
        for l in &self.links {
            up |= l.up;
            pending |= l.pending;
        }
        if m.data.as_deref() == Some(c) && (up || pending) {
            return Err("the control port is the PPP port, in use");
        }
        if pending
            && self
                .setup_seen
                .is_some_and(|t| now.saturating_sub(t) < SETUP_QUIET_MS)
        {
            return Err("interface setting up");
        }
        Ok(())
    }

    /// The interface that belongs to a modem: with one modem and one umodem
    /// interface, that one; otherwise unknown.
    fn link_of(&self) -> Option<&Link> {
        match (self.modems.len(), self.links.as_slice()) {
            (1, [l]) => Some(l),
            _ => None,
        }
    }

    /// The watchdog resets `f`: `umodem.reset` with how, why, and the failed
    /// setups in a row that called for it (if any).
    pub fn reset_event(&mut self, path: &str, how: &str, why: &str, failures: u32) {
        let Some(m) = self.modems.iter().find(|m| m.found.path == path) else {
            return;
        };
        let ev = &mut self.events;
        let t = about(ev, "reset", &m.found);
        ev.str("reset", how);
        ev.str("reason", why);
        ev.opt_int("failures", (failures > 0).then_some(failures.into()));
        ev.end(t);
    }

    /// The umodem interface of the modem at `path` (see `link_of`).
    pub fn link_for(&self, path: &str) -> Option<&Link> {
        self.modem(path)?;
        self.link_of()
    }

    /// The modem's state in one word.
    pub fn state(&self, m: &Modem) -> &'static str {
        if m.found.control.is_none() {
            return "no_control_port";
        }
        if let Some(l) = self.link_of() {
            if l.up {
                return "connected";
            }
        }
        let Some(r) = &m.reading else {
            return if m.last_error.is_some() {
                "not_responding"
            } else {
                "detected"
            };
        };
        if m.last_error.is_some() {
            return "not_responding";
        }
        match r.sim {
            Some(x) if x.ready() => {}
            Some(SimState::Absent) => return "no_sim",
            Some(SimState::Pin | SimState::Puk | SimState::Locked) => return "sim_locked",
            _ => return "sim_error",
        }
        match r.registration() {
            Some("home") | Some("roaming") => "registered",
            Some("denied") => "registration_denied",
            _ => "searching",
        }
    }

    /// `ubus call umodem status`.
    pub fn status(&self, now: u64) -> Buf {
        let link = self.link_of();
        let mut b = Buf::new();
        let list = b.array("modems");
        for m in &self.modems {
            let f = &m.found;
            let t = b.table("");
            who(&mut b, f);
            b.str("state", self.state(m));
            b.opt_str("control", f.control.as_deref());
            b.opt_str("data", f.data.as_deref());
            let ports = b.array("ports");
            for (tty, role) in &f.ports {
                let p = b.table("");
                b.str("tty", tty);
                b.opt_str("role", *role);
                b.end(p);
            }
            b.end(ports);
            if let Some(n) = &f.net {
                let x = b.table("net");
                b.str("name", &n.name);
                b.opt_str("driver", n.driver.as_deref());
                if let Some(c) = n.carrier {
                    b.bool("carrier", c);
                }
                b.end(x);
            }
            if let Some(r) = &m.reading {
                reading_into(&mut b, r);
            }
            if let Some(l) = link {
                let c = b.table("connection");
                link_into(&mut b, l);
                b.end(c);
            }
            b.opt_str("last_error", m.last_error.as_deref());
            // Seconds since the reading shown was taken, and since the
            // modem last answered anything: a UI can tell stale data.
            b.opt_int("age", secs(now, m.read_at));
            b.opt_int("last_seen", secs(now, m.answered_at));
            b.end(t);
        }
        b.end(list);
        let list = b.array("interfaces");
        for l in &self.links {
            let t = b.table("");
            link_into(&mut b, l);
            b.end(t);
        }
        b.end(list);
        b
    }

    /// `ubus call umodem history`: the signal of the last hour per modem, as
    /// [seconds ago, dBm or null] pairs, oldest first, and the poll interval
    /// (s) the samples were taken at.
    pub fn history(&self, now: u64, interval_s: u64) -> Buf {
        let mut b = Buf::new();
        b.int("interval", interval_s as i64);
        let list = b.array("modems");
        for m in &self.modems {
            let t = b.table("");
            who(&mut b, &m.found);
            let samples = b.array("samples");
            for (age, dbm) in m.history.samples(now) {
                let pair = b.array("");
                b.int("", age as i64);
                match dbm {
                    Some(d) => b.int("", d.into()),
                    None => b.null(""),
                }
                b.end(pair);
            }
            b.end(samples);
            b.end(t);
        }
        b.end(list);
        b
    }

    /// `ubus call umodem info`: identity of every modem.
    pub fn info(&self) -> Buf {
        let mut b = Buf::new();
        let list = b.array("modems");
        for m in &self.modems {
            let t = b.table("");
            who(&mut b, &m.found);
            if let Some(id) = &m.reading {
                for &(k, v) in &id.identity() {
                    b.opt_str(k, v);
                }
            }
            b.end(t);
        }
        b.end(list);
        b
    }
}

fn reading_into(b: &mut Buf, r: &Reading) {
    let t = b.table("sim");
    b.opt_str("state", r.sim.map(|x| x.name()));
    b.opt_int("pin_attempts", r.pin_attempts.map(i64::from));
    b.opt_int("puk_attempts", r.puk_attempts.map(i64::from));
    b.end(t);
    if let Some(c) = &r.csq {
        let t = b.table("signal");
        b.int("csq", c.rssi.into());
        b.opt_int("dbm", c.dbm().map(i64::from));
        b.opt_int("percent", c.percent().map(i64::from));
        b.end(t);
    }
    if let Some(l) = &r.lte {
        let t = b.table("lte");
        b.int("rssi", l.rssi.into());
        b.int("rsrp", l.rsrp.into());
        b.int("rsrq", l.rsrq.into());
        b.int("sinr", l.sinr.into());
        b.end(t);
    }
    b.opt_str("registration", r.registration());
    if r.creg.is_some() || r.cgreg.is_some() || r.cereg.is_some() {
        let t = b.table("cells");
        for &(k, g) in &[("creg", &r.creg), ("cgreg", &r.cgreg), ("cereg", &r.cereg)] {
            if let Some(g) = g {
                let x = b.table(k);
                b.str("state", g.stat_name());
                b.opt_str("lac", g.lac.as_deref());
                b.opt_str("cell", g.cell.as_deref());
                b.end(x);
            }
        }
        b.end(t);
    }
    if r.operator.is_some() || r.mcc.is_some() || r.mnc.is_some() {
        let t = b.table("operator");
        b.opt_str("name", r.operator.as_deref());
        b.opt_str("mcc", r.mcc.as_deref());
        b.opt_str("mnc", r.mnc.as_deref());
        b.end(t);
    }
    b.opt_str("technology", r.tech.as_deref());
}

fn link_into(b: &mut Buf, l: &Link) {
    b.str("interface", &l.name);
    b.str("state", l.state());
    b.bool("available", l.available);
    b.opt_int("uptime", l.uptime.map(|u| u as i64));
    b.opt_str("error", l.error.as_deref());
    b.opt_str("datapath", l.datapath.as_deref());
}

/// The umodem interfaces in netifd's `network.interface dump` answer (its blobmsg
/// members, read in place). Only the fields named here are read (of `data`, only
/// the handler's `datapath`); anything else in it (config, ...) is ignored.
pub fn links_from_dump(dump: &[u8]) -> Vec<Link> {
    let mut links = Vec::new();
    let Some(list) = blob::find(dump, "interface").filter(|l| l.ty == blob::TYPE_ARRAY) else {
        return links;
    };
    let flag = |t: Val<'_>, k| t.get(k).and_then(Val::bool) == Some(true);
    for t in list.items() {
        if t.ty != blob::TYPE_TABLE || t.get("proto").and_then(Val::str) != Some("umodem") {
            continue;
        }
        let Some(name) = t.get("interface").and_then(Val::str) else {
            continue;
        };
        // (`items` and `get` read only arrays/tables: anything else is none.)
        let error = t
            .get("errors")
            .and_then(|e| e.items().find_map(|x| x.get("code")?.str()));
        let up = flag(t, "up");
        let datapath = t
            .get("data")
            .and_then(|d| d.get("datapath")?.str())
            .or(up.then_some("ppp"));
        links.push(Link {
            name: clean(name),
            up,
            pending: flag(t, "pending"),
            available: flag(t, "available"),
            uptime: t
                .get("uptime")
                .and_then(Val::int)
                .and_then(|u| u64::try_from(u).ok()),
            error: error.map(clean),
            datapath: datapath.map(clean),
        });
    }
    links
}

/// Names and codes from outside go into logs and events: printable, short.
fn clean(v: &str) -> String {
    let mut s = String::new();
    for c in v.chars().filter(|c| !c.is_control()).take(64) {
        s.push(c);
    }
    s
}
