//! `umodem daemon`: the ubus object `umodem` (status, info, connect,
//! disconnect) and `umodem.*` events, for LuCI, rpcd and scripts.
//!
//! One thread, one loop: answer calls as they come; every tick (5 s, or the
//! poll interval if shorter) look at sysfs for plugged/unplugged modems and at
//! netifd for the umodem interfaces; every poll interval ask each modem's
//! control port (never the PPP data port) how it is. What changed becomes a
//! log line, an event (`ubus listen umodem.*`) and a notification to
//! subscribers (`ubus subscribe umodem`). State lives in `core::status`.
//!
//! connect/disconnect call `network.interface.NAME up|down` on ubus (what
//! `ifup`/`ifdown` do, without a fork), only for interfaces whose proto is
//! umodem. When ubusd restarts, the loop reconnects and registers again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::Args;
use crate::core::engine::{Clock, Engine};
use crate::core::ports::{self, Role};
use crate::core::reader;
use crate::core::status::{self, Event, Found, Link, Status};
use crate::error::{code, Error, Result};
use crate::hw::clock::SystemClock;
use crate::hw::port::{self, dev_path};
use crate::hw::serial::Tty;
use crate::hw::usbsys::UsbSysfs;
use crate::ubus::{self, blob, status as st, BlobMsg, Call, Client, Incoming, Method, Table};

/// The ubus object.
pub const OBJECT: &str = "umodem";
/// Default poll interval of the control port, seconds.
pub const DEFAULT_INTERVAL: u64 = 30;
/// sysfs and netifd are looked at this often at most (plug events).
const TICK_MS: u64 = 5000;

/// The methods of the object, with their argument policies.
pub fn methods() -> Vec<Method> {
    vec![
        Method::new("status", &[]),
        Method::new("info", &[]),
        Method::new("connect", &[("interface", blob::TYPE_STRING)]),
        Method::new("disconnect", &[("interface", blob::TYPE_STRING)]),
    ]
}

struct Daemon {
    st: Status,
    bus: Client,
    clock: SystemClock,
    interval_ms: u64,
    root: UsbSysfs,
}

pub fn run(mut args: Args) -> Result<()> {
    let interval: Option<u64> = args.number("--interval")?;
    let socket = args.value("--socket")?.map(PathBuf::from);
    let root = UsbSysfs::from_args(args.value("--sysfs")?);
    args.finish()
        .map_err(|e| Error::with_code(code::USAGE, e.msg()))?;
    let interval = interval.unwrap_or(DEFAULT_INTERVAL);
    if !(1..=86_400).contains(&interval) {
        return Err(Error::with_code(
            code::USAGE,
            "--interval: seconds between polls, 1 to 86400",
        ));
    }
    let bus = connect(socket.as_deref());
    log::info!("daemon started: poll every {interval}s");
    let mut d = Daemon {
        st: Status::new(),
        bus,
        clock: SystemClock::new(),
        interval_ms: interval * 1000,
        root,
    };
    d.run()
}

/// Connect to ubusd and register the object, waiting for ubusd as long as it
/// takes (procd starts us after it, but it may restart).
fn connect(socket: Option<&Path>) -> Client {
    let mut said = false;
    loop {
        let c = match socket {
            Some(p) => Client::connect(p),
            None => Client::connect_default(),
        };
        match c.and_then(|mut c| c.add_object(OBJECT, methods()).map(|_| c)) {
            Ok(c) => {
                log::info!("ubus: object {OBJECT} registered");
                return c;
            }
            Err(e) => {
                if !said {
                    log::warn!("{e}; retrying");
                    said = true;
                }
                std::thread::sleep(Duration::from_secs(2));
            }
        }
    }
}

impl Daemon {
    fn run(&mut self) -> ! {
        let mut next_tick = 0u64;
        let tick = TICK_MS.min(self.interval_ms);
        loop {
            if self.clock.now_ms() >= next_tick {
                self.tick();
                next_tick = self.clock.now_ms() + tick;
            }
            let wait = next_tick.saturating_sub(self.clock.now_ms()).max(1);
            match self.bus.next(Some(Duration::from_millis(wait))) {
                Ok(Some(Incoming::Call(c))) => self.answer(c),
                Ok(Some(Incoming::Subscribers { active, .. })) => {
                    log::debug!(
                        "ubus: subscribers {}",
                        if active { "present" } else { "gone" }
                    )
                }
                // We neither listen for events nor subscribe to anything.
                Ok(Some(Incoming::Event { .. }))
                | Ok(Some(Incoming::Notification { .. }))
                | Ok(Some(Incoming::Unsubscribed { .. }))
                | Ok(None) => {}
                Err(e) => {
                    log::warn!("{e}; reconnecting");
                    self.reconnect();
                }
            }
        }
    }

    fn reconnect(&mut self) {
        loop {
            std::thread::sleep(Duration::from_secs(1));
            match self.bus.reconnect() {
                Ok(()) if self.bus.object_id(OBJECT).is_some() => break,
                // Reconnected, but the object was not registered again.
                Ok(()) => {
                    if self.bus.add_object(OBJECT, methods()).is_ok() {
                        break;
                    }
                }
                Err(e) => log::debug!("{e}"),
            }
        }
        log::info!("ubus: reconnected, object {OBJECT} registered again");
    }

    /// sysfs, netifd, and the control ports that are due.
    fn tick(&mut self) {
        let found: Vec<Found> = port::modems(&self.root).iter().map(found).collect();
        let ev = self.st.set_modems(found);
        self.announce(ev);
        let now = self.clock.now_ms();
        if let Some(links) = self.links() {
            let ev = self.st.set_links(links, now);
            self.announce(ev);
        }
        let due: Vec<Found> = self
            .st
            .modems
            .iter()
            .filter(|m| {
                m.polled_at
                    .is_none_or(|t| now.saturating_sub(t) >= self.interval_ms)
            })
            .map(|m| m.found.clone())
            .collect();
        for f in due {
            if let Err(why) = self.st.may_poll(&f, now) {
                log::debug!("modem {}: not polled: {why}", f.path);
                continue;
            }
            self.poll(&f);
        }
    }

    /// The umodem interfaces from netifd; None if netifd cannot be asked.
    fn links(&mut self) -> Option<Vec<Link>> {
        match self
            .bus
            .call_path("network.interface", "dump", &Table::new())
        {
            Ok(d) => Some(
                d.first()
                    .map(|t| status::links_from_dump(t))
                    .unwrap_or_default(),
            ),
            Err(e) => {
                log::debug!("netifd: {e}");
                None
            }
        }
    }

    fn poll(&mut self, f: &Found) {
        let Some(ctl) = f.control.as_deref() else {
            return;
        };
        if port::uucp_locked(ctl) {
            log::debug!(
                "modem {}: {ctl} locked by another program, not polled",
                f.path
            );
            return;
        }
        let want_id = self
            .st
            .modem(&f.path)
            .is_none_or(|m| m.identity.as_ref().is_none_or(|i| i.imsi.is_none()));
        let mut tty = match Tty::open(Path::new(ctl)) {
            Err(e) => {
                let now = self.clock.now_ms();
                let r = reader::Reading {
                    stopped: Some(reader::Fault::Gone("open".into(), e.to_string())),
                    ..reader::Reading::default()
                };
                let ev = self.st.set_reading(&f.path, r, now);
                self.announce(ev);
                return;
            }
            Ok(tty) => tty,
        };
        if !tty.try_lock().unwrap_or(true) {
            log::debug!("modem {}: {ctl} busy (locked), not polled", f.path);
            return;
        }
        let clock = SystemClock::new();
        let mut e = Engine::new(&mut tty, &clock);
        let what = if want_id {
            reader::POLL | reader::IDENTITY | reader::ICCID
        } else {
            reader::POLL
        };
        let r = reader::read(&mut e, what, f.huawei);
        let now = self.clock.now_ms();
        let ev = self.st.set_reading(&f.path, r, now);
        self.announce(ev);
    }

    /// Events to `ubus listen`, notifications to subscribers.
    fn announce(&mut self, ev: Vec<Event>) {
        for e in ev {
            let id = format!("umodem.{}", e.name);
            if let Err(err) = self.bus.send_event(&id, &e.data) {
                log::warn!("event {id}: {err}");
            }
            if self.bus.has_subscribers(OBJECT) {
                if let Err(err) = self.bus.notify(OBJECT, e.name, &e.data) {
                    log::warn!("notify {}: {err}", e.name);
                }
            }
        }
    }

    fn answer(&mut self, c: Call) {
        let now = self.clock.now_ms();
        let (code, data) = match c.method.as_str() {
            "status" => (st::OK, Some(self.st.status(now))),
            "info" => (st::OK, Some(self.st.info())),
            "connect" => self.updown(&c, "up"),
            "disconnect" => self.updown(&c, "down"),
            _ => (st::METHOD_NOT_FOUND, None),
        };
        if let Err(e) = self.bus.reply(&c, code, data.as_ref()) {
            log::warn!("answering {}: {e}", c.method);
        }
    }

    /// ifup/ifdown of a umodem interface: the one named, or the only one.
    fn updown(&mut self, c: &Call, action: &str) -> (u32, Option<Table>) {
        let links = self.links().unwrap_or_default();
        let asked = blob::get(&c.args, "interface").and_then(BlobMsg::as_str);
        let name = match (asked, links.as_slice()) {
            (Some(n), _) if links.iter().any(|l| l.name == n) => n.to_string(),
            // Not ours to switch: only umodem interfaces.
            (Some(_), _) => return (st::INVALID_ARGUMENT, None),
            (None, [l]) => l.name.clone(),
            (None, []) => return (st::NOT_FOUND, None),
            (None, _) => return (st::INVALID_ARGUMENT, None),
        };
        let who = c.user.as_deref().unwrap_or("?");
        log::info!("interface {name}: {action} asked over ubus by {who}");
        let obj = format!("network.interface.{name}");
        match self.bus.call_path(&obj, action, &Table::new()) {
            Ok(_) => (
                st::OK,
                Some(vec![
                    ("interface".into(), BlobMsg::String(name)),
                    ("action".into(), BlobMsg::String(action.into())),
                ]),
            ),
            Err(ubus::Error::Status(code)) => {
                log::warn!("interface {name}: {action}: {}", st::name(code));
                (code, None)
            }
            Err(e) => {
                log::warn!("interface {name}: {action}: {e}");
                (st::UNKNOWN_ERROR, None)
            }
        }
    }
}

fn found(m: &ports::Modem) -> Found {
    let path = |t: &str| dev_path(t).display().to_string();
    Found {
        usb: m.dev.id(),
        path: m.path().to_string(),
        control: m.control().map(path),
        data: m.data().map(path),
        ports: m
            .ports
            .iter()
            .map(|p| (path(&p.tty), p.role.map(|r: Role| r.name())))
            .collect(),
        huawei: m.profile().is_some_and(|p| p.hw_cpin),
    }
}
