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
use crate::ubus::blob::{self, BlobMsg, Table};

/// After an interface starts its setup, `umodem prepare` talks to the control
/// port for a while: the daemon leaves the port alone this long.
pub const SETUP_QUIET_MS: u64 = 60_000;

/// A modem as sysfs shows it (no AT involved).
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl Link {
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

#[derive(Debug, Clone, PartialEq)]
pub struct Modem {
    pub found: Found,
    /// The last reading of its control port that got answers.
    pub reading: Option<Reading>,
    /// Identity (manufacturer, model, revision, imei, imsi, iccid), once read.
    pub identity: Option<Reading>,
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
}

/// Something to announce: `umodem.<name>` on ubus.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: &'static str,
    pub data: Table,
}

impl Event {
    fn new(name: &'static str, data: Table) -> Event {
        Event { name, data }
    }
}

#[derive(Debug, Default)]
pub struct Status {
    pub modems: Vec<Modem>,
    pub links: Vec<Link>,
    /// When some umodem interface was last seen starting its setup.
    setup_seen: Option<u64>,
}

fn s(v: &str) -> BlobMsg {
    BlobMsg::String(v.to_string())
}

fn put(t: &mut Table, k: &str, v: Option<BlobMsg>) {
    if let Some(v) = v {
        t.push((k.to_string(), v));
    }
}

fn int(v: impl Into<i64>) -> BlobMsg {
    let v: i64 = v.into();
    match i32::try_from(v) {
        Ok(i) => BlobMsg::Int32(i),
        Err(_) => BlobMsg::Int64(v),
    }
}

/// Whole seconds from `then` to `now` (ms), as a ubus integer.
fn secs(now: u64, then: u64) -> BlobMsg {
    int((now.saturating_sub(then) / 1000) as i64)
}

fn who(f: &Found) -> Table {
    vec![("modem".into(), s(&f.path)), ("usb".into(), s(&f.usb))]
}

impl Status {
    pub fn new() -> Status {
        Status::default()
    }

    pub fn modem(&self, path: &str) -> Option<&Modem> {
        self.modems.iter().find(|m| m.found.path == path)
    }

    /// The modems sysfs shows now (kept in sysfs order). A modem whose USB id
    /// changed at the same path (a different stick, or one that switched mode)
    /// counts as unplug + plug.
    pub fn set_modems(&mut self, now: Vec<Found>) -> Vec<Event> {
        let mut ev = Vec::new();
        let mut old = std::mem::take(&mut self.modems);
        for m in &old {
            if !now
                .iter()
                .any(|f| f.path == m.found.path && f.usb == m.found.usb)
            {
                log::info!("modem {} ({}) unplugged", m.found.path, m.found.usb);
                ev.push(Event::new("unplug", who(&m.found)));
            }
        }
        for f in now {
            let same = old
                .iter()
                .position(|m| m.found.path == f.path && m.found.usb == f.usb);
            let m = match same {
                Some(i) => Modem {
                    found: f,
                    ..old.swap_remove(i)
                },
                None => {
                    log::info!(
                        "modem {} ({}) plugged: control {} data {}",
                        f.path,
                        f.usb,
                        f.control.as_deref().unwrap_or("-"),
                        f.data.as_deref().unwrap_or("-")
                    );
                    let mut d = who(&f);
                    put(&mut d, "control", f.control.as_deref().map(s));
                    put(&mut d, "data", f.data.as_deref().map(s));
                    ev.push(Event::new("plug", d));
                    Modem {
                        found: f,
                        reading: None,
                        identity: None,
                        last_error: None,
                        polled_at: None,
                        read_at: None,
                        answered_at: None,
                        silent: false,
                        history: History::default(),
                    }
                }
            };
            self.modems.push(m);
        }
        ev
    }

    /// A reading of `path`'s control port, ended at `now`. A reading that
    /// stopped early (the modem fell silent, the port failed) keeps the last
    /// whole one and says why in `last_error`; identity fields, when read, are
    /// kept for `info`. A modem that gets no answer in, after it answered (or
    /// since it was plugged), is announced once (`not_responding`), and again
    /// once when it answers (`responding`).
    pub fn set_reading(&mut self, path: &str, r: Reading, now: u64) -> Vec<Event> {
        let Some(m) = self.modems.iter_mut().find(|m| m.found.path == path) else {
            return Vec::new();
        };
        m.polled_at = Some(now);
        if r.answered > 0 {
            m.answered_at = Some(now);
        }
        let mut ev = Vec::new();
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
                    let mut d = who(&m.found);
                    d.push(("command".into(), s(cmd)));
                    put(&mut d, "last_seen", m.answered_at.map(|t| secs(now, t)));
                    ev.push(Event::new("not_responding", d));
                }
            }
            return ev;
        }
        if m.silent {
            m.silent = false;
            log::info!("modem {path}: answering again");
            ev.push(Event::new("responding", who(&m.found)));
        }
        m.read_at = Some(now);
        if m.last_error.take().is_some() {
            log::info!("modem {path}: answers again");
        }
        if r.manufacturer.is_some() || r.imei.is_some() {
            m.identity = Some(r.clone());
        }
        let old = m.reading.as_ref();
        if old.map(|o| o.sim) != Some(r.sim) {
            let st = r.sim.map_or("unknown", |x| x.name());
            log::info!("modem {path}: sim {st}");
            let mut d = who(&m.found);
            d.push(("sim".into(), s(st)));
            put(&mut d, "pin_attempts", r.pin_attempts.map(int));
            ev.push(Event::new("sim", d));
        }
        let (reg, oreg) = (r.registration(), old.and_then(Reading::registration));
        if old.is_none() || reg != oreg || old.map(|o| &o.operator) != Some(&r.operator) {
            let st = reg.unwrap_or("unknown");
            log::info!(
                "modem {path}: registration {st}, operator {}",
                r.operator.as_deref().unwrap_or("-")
            );
            let mut d = who(&m.found);
            d.push(("registration".into(), s(st)));
            put(&mut d, "operator", r.operator.as_deref().map(s));
            put(&mut d, "technology", r.tech.as_deref().map(s));
            ev.push(Event::new("registration", d));
        }
        m.reading = Some(r);
        ev
    }

    /// The umodem interfaces netifd has now.
    pub fn set_links(&mut self, links: Vec<Link>, now: u64) -> Vec<Event> {
        let mut ev = Vec::new();
        for l in &links {
            let old = self.links.iter().find(|o| o.name == l.name);
            if l.pending && !old.is_some_and(|o| o.pending) {
                self.setup_seen = Some(now);
            }
            if old.map(Link::state) != Some(l.state()) {
                log::info!("interface {}: {}", l.name, l.state());
                let mut d: Table = vec![
                    ("interface".into(), s(&l.name)),
                    ("state".into(), s(l.state())),
                ];
                if let [m] = self.modems.as_slice() {
                    d.extend(who(&m.found));
                }
                put(&mut d, "error", l.error.as_deref().map(s));
                ev.push(Event::new("connection", d));
            }
        }
        self.links = links;
        ev
    }

    /// May the control port of `m` be opened now? Never when it is also the data
    /// port while an interface is up or setting up (pppd holds it), nor during
    /// the setup window (`umodem prepare` talks to it).
    pub fn may_poll(&self, m: &Found, now: u64) -> Result<(), &'static str> {
        let Some(c) = m.control.as_deref() else {
            return Err("no AT control port");
        };
        let busy = self.links.iter().any(|l| l.up || l.pending);
        if m.data.as_deref() == Some(c) && busy {
            return Err("the control port is the PPP port, in use");
        }
        if self.links.iter().any(|l| l.pending)
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
    pub fn reset_event(&self, f: &Found, how: &str, why: &str, failures: u32) -> Event {
        let mut d = who(f);
        d.push(("reset".into(), s(how)));
        d.push(("reason".into(), s(why)));
        put(&mut d, "failures", (failures > 0).then(|| int(failures)));
        Event::new("reset", d)
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
    pub fn status(&self, now: u64) -> Table {
        let link = self.link_of();
        let modems = self
            .modems
            .iter()
            .map(|m| {
                let f = &m.found;
                let mut t: Table = vec![
                    ("modem".into(), s(&f.path)),
                    ("usb".into(), s(&f.usb)),
                    ("state".into(), s(self.state(m))),
                ];
                put(&mut t, "control", f.control.as_deref().map(s));
                put(&mut t, "data", f.data.as_deref().map(s));
                let ports = f
                    .ports
                    .iter()
                    .map(|(tty, role)| {
                        let mut p: Table = vec![("tty".into(), s(tty))];
                        put(&mut p, "role", role.map(s));
                        BlobMsg::Table(p)
                    })
                    .collect();
                t.push(("ports".into(), BlobMsg::Array(ports)));
                if let Some(r) = &m.reading {
                    reading_into(&mut t, r);
                }
                if let Some(l) = link {
                    t.push(("connection".into(), BlobMsg::Table(link_table(l))));
                }
                put(&mut t, "last_error", m.last_error.as_deref().map(s));
                // Seconds since the reading shown was taken, and since the
                // modem last answered anything: a UI can tell stale data.
                put(&mut t, "age", m.read_at.map(|p| secs(now, p)));
                put(&mut t, "last_seen", m.answered_at.map(|p| secs(now, p)));
                BlobMsg::Table(t)
            })
            .collect();
        let links = self
            .links
            .iter()
            .map(|l| BlobMsg::Table(link_table(l)))
            .collect();
        vec![
            ("modems".into(), BlobMsg::Array(modems)),
            ("interfaces".into(), BlobMsg::Array(links)),
        ]
    }

    /// `ubus call umodem history`: the signal of the last hour per modem, as
    /// [seconds ago, dBm or null] pairs, oldest first, and the poll interval
    /// (s) the samples were taken at.
    pub fn history(&self, now: u64, interval_s: u64) -> Table {
        let modems = self
            .modems
            .iter()
            .map(|m| {
                let mut t = who(&m.found);
                let samples = m
                    .history
                    .samples(now)
                    .map(|(age, dbm)| {
                        BlobMsg::Array(vec![int(age as i64), dbm.map_or(BlobMsg::Null, int)])
                    })
                    .collect();
                t.push(("samples".into(), BlobMsg::Array(samples)));
                BlobMsg::Table(t)
            })
            .collect();
        vec![
            ("interval".into(), int(interval_s as i64)),
            ("modems".into(), BlobMsg::Array(modems)),
        ]
    }

    /// `ubus call umodem info`: identity of every modem.
    pub fn info(&self) -> Table {
        let modems = self
            .modems
            .iter()
            .map(|m| {
                let mut t = who(&m.found);
                if let Some(id) = &m.identity {
                    for (k, v) in id.identity() {
                        put(&mut t, k, v.map(s));
                    }
                }
                BlobMsg::Table(t)
            })
            .collect();
        vec![("modems".into(), BlobMsg::Array(modems))]
    }
}

fn reading_into(t: &mut Table, r: &Reading) {
    let mut sim: Table = Vec::new();
    put(&mut sim, "state", r.sim.map(|x| s(x.name())));
    put(&mut sim, "pin_attempts", r.pin_attempts.map(int));
    put(&mut sim, "puk_attempts", r.puk_attempts.map(int));
    t.push(("sim".into(), BlobMsg::Table(sim)));
    if let Some(c) = &r.csq {
        let mut sig: Table = vec![("csq".into(), int(c.rssi))];
        put(&mut sig, "dbm", c.dbm().map(int));
        put(&mut sig, "percent", c.percent().map(int));
        t.push(("signal".into(), BlobMsg::Table(sig)));
    }
    put(t, "registration", r.registration().map(s));
    let mut reg: Table = Vec::new();
    for (k, g) in [("creg", &r.creg), ("cgreg", &r.cgreg)] {
        if let Some(g) = g {
            let mut x: Table = vec![("state".into(), s(g.stat_name()))];
            put(&mut x, "lac", g.lac.as_deref().map(s));
            put(&mut x, "cell", g.cell.as_deref().map(s));
            reg.push((k.into(), BlobMsg::Table(x)));
        }
    }
    if !reg.is_empty() {
        t.push(("cells".into(), BlobMsg::Table(reg)));
    }
    let mut op: Table = Vec::new();
    put(&mut op, "name", r.operator.as_deref().map(s));
    put(&mut op, "mcc", r.mcc.as_deref().map(s));
    put(&mut op, "mnc", r.mnc.as_deref().map(s));
    if !op.is_empty() {
        t.push(("operator".into(), BlobMsg::Table(op)));
    }
    put(t, "technology", r.tech.as_deref().map(s));
}

fn link_table(l: &Link) -> Table {
    let mut t: Table = vec![
        ("interface".into(), s(&l.name)),
        ("state".into(), s(l.state())),
        ("available".into(), BlobMsg::from(l.available)),
    ];
    put(&mut t, "uptime", l.uptime.map(|u| int(u as i64)));
    put(&mut t, "error", l.error.as_deref().map(s));
    t
}

/// The umodem interfaces in netifd's `network.interface dump` answer. Only the
/// fields named here are read; anything else in it (data, config) is ignored.
pub fn links_from_dump(dump: &[(String, BlobMsg)]) -> Vec<Link> {
    let Some(BlobMsg::Array(list)) = blob::get(dump, "interface") else {
        return Vec::new();
    };
    let flag = |t: &Table, k: &str| blob::get(t, k).and_then(BlobMsg::as_bool) == Some(true);
    list.iter()
        .filter_map(|i| match i {
            BlobMsg::Table(t) => Some(t),
            _ => None,
        })
        .filter(|t| blob::get(t, "proto").and_then(BlobMsg::as_str) == Some("umodem"))
        .filter_map(|t| {
            let name = blob::get(t, "interface")?.as_str()?;
            let error = match blob::get(t, "errors") {
                Some(BlobMsg::Array(e)) => e.iter().find_map(|x| match x {
                    BlobMsg::Table(x) => blob::get(x, "code")?.as_str().map(clean),
                    _ => None,
                }),
                _ => None,
            };
            Some(Link {
                name: clean(name),
                up: flag(t, "up"),
                pending: flag(t, "pending"),
                available: flag(t, "available"),
                uptime: blob::get(t, "uptime")
                    .and_then(BlobMsg::as_i64)
                    .and_then(|u| u64::try_from(u).ok()),
                error,
            })
        })
        .collect()
}

/// Names and codes from outside go into logs and events: printable, short.
fn clean(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect::<String>()
}
