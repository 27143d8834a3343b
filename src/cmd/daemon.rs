//! `umodem daemon`: the ubus object `umodem` (status, info, connect,
//! disconnect) and `umodem.*` events, for LuCI, rpcd and scripts; and the
//! watchdog that resets a modem that hangs.
//!
//! One thread, one loop, one `poll` over the ubus socket and the control ports
//! being read. Calls are answered at once from the last readings, whatever the
//! modems do: a reading is a machine (`core::reader`) fed from the same loop
//! (`hw::talk`), so a silent modem only makes its own reading wait. Every tick
//! (5 s, or the poll interval if shorter) the loop looks at sysfs for
//! plugged/unplugged modems and at netifd for the umodem interfaces, and starts
//! a reading of each modem that is due (every poll interval; never the PPP data
//! port). What changed becomes a log line, an event (`ubus listen umodem.*`)
//! and a notification to subscribers (`ubus subscribe umodem`). State lives in
//! `core::status`, the reset decisions in `core::watchdog`.
//!
//! connect/disconnect call `network.interface.NAME up|down` on ubus (what
//! `ifup`/`ifdown` do, without a fork), only for interfaces whose proto is
//! umodem. Without ubusd (not started yet, restarting) the loop goes on reading
//! the modems and tries to connect every 2 s; once connected it registers the
//! object again (a client that lost ubusd is dropped: a new one registers anew).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::Args;
#[cfg(feature = "sms")]
use crate::core::at::{Final, Response};
use crate::core::engine::{AtError, Clock, Do};
use crate::core::ports::{self, Role};
use crate::core::reader::{self, Ask, Reader, Reading};
use crate::core::status::{self, Found, Link, NetIf, Status};
use crate::core::watchdog::{self, Policy, Reset, Seen, Watch};
use crate::error::{code, Error, Result};
use crate::hw::clock::BootClock;
use crate::hw::port::{self, dev_path};
use crate::hw::state;
use crate::hw::talk::{Came, Talk};
use crate::hw::usbsys::UsbSysfs;
use crate::ubus::blob::{self, Buf, Val};
use crate::ubus::{self, status as st, Call, Client, Method};

/// The ubus object.
pub const OBJECT: &str = "umodem";
/// Default poll interval of the control port, seconds.
pub const DEFAULT_INTERVAL: u64 = 30;
/// sysfs and netifd are looked at this often at most (plug events).
const TICK_MS: u64 = 5000;
/// How often to try ubusd again while it is not there.
const BUS_RETRY_MS: u64 = 2000;
/// How long `AT+CFUN=1,1` may take to be answered.
const CFUN_MS: u64 = 5000;

// Text messages and USSD: the `sms` feature (umodem-full). Without it the
// object has no sms_*/ussd methods: ubus answers "Method not found" (3).
#[cfg(feature = "sms")]
#[path = "daemon_sms.rs"]
mod sms_jobs;

const IFACE: &[(&str, u8)] = &[("interface", blob::TYPE_STRING)];
#[cfg(feature = "sms")]
const SMS: [Method; 4] = crate::cmd::sms::UBUS_METHODS;
const METHODS: &[Method] = &[
    Method {
        name: "status",
        policy: &[],
    },
    Method {
        name: "info",
        policy: &[],
    },
    Method {
        name: "history",
        policy: &[],
    },
    Method {
        name: "connect",
        policy: IFACE,
    },
    Method {
        name: "disconnect",
        policy: IFACE,
    },
    #[cfg(feature = "sms")]
    SMS[0],
    #[cfg(feature = "sms")]
    SMS[1],
    #[cfg(feature = "sms")]
    SMS[2],
    #[cfg(feature = "sms")]
    SMS[3],
];

/// The methods of the object, with their argument policies.
pub fn methods() -> &'static [Method] {
    METHODS
}

/// What a conversation with a control port is doing. (A reader is boxed: a
/// job is moved into the list and out, a reader holds a whole reading.)
enum Work {
    Read(Box<Reader>),
    /// `AT+CFUN=1,1`, sent by the watchdog.
    Cfun,
    /// A ubus call's SMS/USSD job (`daemon_sms.rs`).
    #[cfg(feature = "sms")]
    Sms(Box<sms_jobs::SmsWork>),
    /// `AT+CNMI` (first time) and `AT+CPMS?`: did a message arrive?
    #[cfg(feature = "sms")]
    Count,
}

/// A conversation in progress with one modem's control port.
struct Job {
    path: String,
    talk: Talk,
    work: Work,
    /// Waiting for an unsolicited answer (`+CUSD`) until then.
    until: Option<u64>,
}

impl Job {
    /// When this job next needs the loop: its command's deadline, or the end
    /// of a wait for an unsolicited answer.
    fn deadline(&self) -> Option<u64> {
        self.talk.deadline().or(self.until)
    }
}

/// A command for the port (if any), as the SMS jobs say it.
#[inline(never)]
fn send(a: Option<Ask>) -> Option<Do> {
    let a = a?;
    Some(Do::Send {
        cmd: a.cmd,
        ms: a.ms,
        secret: false,
    })
}

struct Daemon {
    st: Status,
    /// Connected to ubusd, the object registered.
    bus: Option<Client>,
    socket: Option<PathBuf>,
    next_bus_try: u64,
    said_no_bus: bool,
    registered_once: bool,
    clock: BootClock,
    interval_ms: u64,
    root: UsbSysfs,
    jobs: Vec<Job>,
    /// SMS/USSD calls waiting for their modem's port: (path, call).
    #[cfg(feature = "sms")]
    waiting: Vec<(String, Call)>,
    policy: Policy,
    /// Per modem (USB path): the watchdog; kept across unplug and replug.
    watches: Vec<(String, Watch)>,
    run_dir: PathBuf,
    state_dir: PathBuf,
}

/// What the command line says (any error is a usage error).
struct Opts {
    interval: u64,
    gap: u64,
    failures: u64,
    socket: Option<String>,
    sysfs: Option<String>,
    state_dir: Option<String>,
}

// Plain comparisons: `RangeInclusive<u64>::contains` is a copy of its own (104 B).
#[allow(clippy::manual_range_contains)]
fn opts(mut args: Args) -> Result<Opts> {
    let interval = args.number("--interval")?.unwrap_or(DEFAULT_INTERVAL);
    if interval == 0 || interval > 86_400 {
        return Err(Error::new("--interval: seconds between polls, 1 to 86400"));
    }
    let gap = args
        .number("--watchdog")?
        .unwrap_or(watchdog::DEFAULT_GAP_MS / 1000);
    if gap != 0 && (gap < 60 || gap > 604_800) {
        return Err(Error::new(
            "--watchdog: least seconds between two resets of a modem, 60 to 604800 (0: off)",
        ));
    }
    let o = Opts {
        interval,
        gap,
        failures: args
            .number("--watchdog-failures")?
            .unwrap_or(watchdog::DEFAULT_FAILURES.into()),
        socket: args.value("--socket")?,
        sysfs: args.value("--sysfs")?,
        state_dir: args.value("--state-dir")?,
    };
    args.finish()?;
    Ok(o)
}

pub fn run(args: Args) -> Result<()> {
    let Opts {
        interval,
        gap,
        failures,
        socket,
        sysfs,
        state_dir,
    } = opts(args).map_err(|e| Error::with_code(code::USAGE, e.msg()))?;
    let socket = socket.map(PathBuf::from);
    let root = UsbSysfs::from_args(sysfs);
    let policy = Policy {
        gap_ms: gap * 1000,
        failures: failures.min(1000) as u32,
    };
    let run_dir = state::run_dir();
    let watches = state::load_resets(&run_dir);
    log::info!("daemon started: poll every {interval}s, watchdog: at most one reset per modem every {gap}s (0: off)");
    let mut d = Daemon {
        st: Status::new(),
        bus: None,
        socket,
        next_bus_try: 0,
        said_no_bus: false,
        registered_once: false,
        clock: BootClock,
        interval_ms: interval * 1000,
        root,
        jobs: Vec::new(),
        #[cfg(feature = "sms")]
        waiting: Vec::new(),
        policy,
        watches,
        run_dir,
        state_dir: PathBuf::from(state_dir.as_deref().unwrap_or(state::DEFAULT_DIR)),
    };
    d.run()
}

impl Daemon {
    fn run(&mut self) -> ! {
        let mut next_tick = 0u64;
        let tick = TICK_MS.min(self.interval_ms);
        let mut fds: Vec<libc::pollfd> = Vec::new();
        loop {
            let now = self.clock.now_ms();
            if now >= next_tick {
                self.tick();
                next_tick = self.clock.now_ms() + tick;
            }
            self.expire(self.clock.now_ms());
            // Calls already read in (while waiting for netifd, say) first.
            self.serve_bus(Duration::ZERO);
            // The bus first (or a dummy that poll skips), then the jobs.
            fds.clear();
            let bus = self.bus.as_ref().and_then(Client::fd).unwrap_or(-1);
            let mut until = next_tick;
            let mut fd = bus;
            let mut jobs = self.jobs.iter();
            loop {
                fds.push(libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                });
                let Some(j) = jobs.next() else {
                    break;
                };
                fd = j.talk.fd();
                until = until.min(j.deadline().unwrap_or(u64::MAX));
            }
            let wait = until.saturating_sub(self.clock.now_ms()).clamp(1, TICK_MS);
            // SAFETY: fds is a valid array of fds.len() pollfds for the call.
            // An error (EINTR) leaves every revents 0: the loop comes round.
            unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait as i32) };
            for p in &fds {
                if p.revents == 0 {
                    continue;
                }
                if p.fd == bus {
                    self.serve_bus(Duration::from_millis(1));
                } else {
                    self.readable(p.fd);
                }
            }
        }
    }

    // -- ubus ----------------------------------------------------------------

    /// Answer what ubusd has sent, waiting up to `wait` for more.
    fn serve_bus(&mut self, wait: Duration) {
        while let Some(bus) = self.bus.as_mut() {
            match bus.next(Some(wait)) {
                Ok(Some(c)) => self.answer(c),
                Ok(None) => return,
                Err(e) => return self.bus_lost(e),
            }
        }
    }

    /// A request of ours failed: say what it was, then as `bus_lost`.
    #[inline(never)]
    fn bus_failed(&mut self, what: std::fmt::Arguments<'_>, e: ubus::Error) {
        log::warn!("{what}: {e}");
        self.bus_lost(e);
    }

    /// ubusd went away (or broke): connect again at the next chance.
    fn bus_lost(&mut self, e: ubus::Error) {
        if self.bus.as_ref().is_some_and(Client::is_connected) {
            return;
        }
        log::warn!("{e}; reconnecting");
        self.bus = None;
        self.next_bus_try = self.clock.now_ms() + 1000;
    }

    /// Connect to ubusd (or again, after it went away) and register the
    /// object; at most every `BUS_RETRY_MS`, never waiting for it.
    fn bus_upkeep(&mut self) {
        let now = self.clock.now_ms();
        if self.bus.is_some() || now < self.next_bus_try {
            return;
        }
        self.next_bus_try = now + BUS_RETRY_MS;
        // Registered in place: a client is big, moving it costs code.
        let r = Client::connect(self.socket.as_deref()).map(|c| &mut *self.bus.insert(c));
        if let Err(e) = r.and_then(|c| c.add_object(OBJECT, methods())) {
            self.bus = None;
            if !self.said_no_bus {
                log::warn!("{e}; retrying");
                self.said_no_bus = true;
            }
            return;
        }
        self.said_no_bus = false;
        let again = if self.registered_once {
            "reconnected, "
        } else {
            ""
        };
        log::info!("ubus: {again}object {OBJECT} registered");
        self.registered_once = true;
    }

    /// The events of the status (`Status::events`): to `ubus listen` as
    /// `umodem.<name>`, to subscribers as notifications.
    fn announce(&mut self) {
        let ev = self.st.take_events();
        for e in blob::members(&ev.0) {
            let Some(bus) = self.bus.as_mut() else {
                return;
            };
            let name = std::str::from_utf8(e.name).unwrap_or_default();
            let mut id = String::from("umodem.");
            id.push_str(name);
            let mut r = bus.send_event(&id, e.data);
            if r.is_ok() && bus.has_subscribers() {
                r = bus.notify(name, e.data);
            }
            if let Err(err) = r {
                self.bus_failed(format_args!("event {id}"), err);
            }
        }
    }

    fn answer(&mut self, c: Call) {
        let now = self.clock.now_ms();
        let b = match c.method {
            "status" => self.st.status(now),
            "history" => self.st.history(now, self.interval_ms / 1000),
            "info" => self.st.info(),
            "connect" => return self.updown(&c, "up"),
            "disconnect" => return self.updown(&c, "down"),
            // Answered when their job on the modem ends.
            #[cfg(feature = "sms")]
            _ => return self.sms_call(c),
            // The client answers methods the object lacks; this never comes.
            #[cfg(not(feature = "sms"))]
            _ => return self.reply(&c, st::METHOD_NOT_FOUND, None),
        };
        self.reply(&c, st::OK, Some(&b));
    }

    /// Answer call `c` (now or later).
    fn reply(&mut self, c: &Call, code: u32, data: Option<&Buf>) {
        let Some(bus) = self.bus.as_mut() else {
            return;
        };
        if let Err(e) = bus.reply(c, code, data.map(|b| &b.0[..])) {
            self.bus_failed(format_args!("answering {}", c.method), e);
        }
    }

    /// The umodem interfaces from netifd; None if netifd cannot be asked.
    fn links(&mut self) -> Option<Vec<Link>> {
        let bus = self.bus.as_mut()?;
        match bus.call_path("network.interface", "dump", &[]) {
            Ok(d) => Some(status::links_from_dump(&d)),
            Err(e) => {
                log::debug!("netifd: {e}");
                self.bus_lost(e);
                None
            }
        }
    }

    /// ifup/ifdown of a umodem interface: the one named, or the only one.
    fn updown(&mut self, c: &Call, action: &str) {
        let (code, data) = self.ifupdown(c, action);
        self.reply(c, code, data.as_ref());
    }

    fn ifupdown(&mut self, c: &Call, action: &str) -> (u32, Option<Buf>) {
        let links = self.links().unwrap_or_default();
        let asked = blob::find(&c.args, "interface").and_then(Val::str);
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
        let mut obj = String::from("network.interface.");
        obj.push_str(&name);
        let Some(bus) = self.bus.as_mut() else {
            return (st::UNKNOWN_ERROR, None);
        };
        match bus.call_path(&obj, action, &[]) {
            Ok(_) => {
                let mut b = Buf::new();
                b.str("interface", &name);
                b.str("action", action);
                (st::OK, Some(b))
            }
            Err(e) => {
                let code = match e {
                    ubus::Error::Status(code) => code,
                    _ => st::UNKNOWN_ERROR,
                };
                self.bus_failed(format_args!("interface {name}: {action}"), e);
                (code, None)
            }
        }
    }

    // -- modems ----------------------------------------------------------------

    /// ubusd, sysfs, netifd, and the readings that are due.
    fn tick(&mut self) {
        self.bus_upkeep();
        let mut found = Vec::new();
        for m in &port::modems(&self.root) {
            found.push(self::found(m, &self.root));
        }
        self.st.set_modems(found);
        let now = self.clock.now_ms();
        if let Some(links) = self.links() {
            self.st.set_links(links, now);
        }
        self.announce();
        // By index: a reading that cannot start changes a modem, never the list.
        for k in 0..self.st.modems.len() {
            let Some(m) = self.st.modems.get(k) else {
                break;
            };
            if m.polled_at.is_none() {
                // Plugged (again) since the last tick: its silence so far counts no more.
                watch(&mut self.watches, &m.found.path).plugged();
            }
            let due = m
                .polled_at
                .is_none_or(|t| now.saturating_sub(t) >= self.interval_ms);
            if !due || self.jobs.iter().any(|j| j.path == m.found.path) {
                continue;
            }
            if let Err(why) = self.st.may_poll(&m.found, now) {
                log::debug!("modem {}: not polled: {why}", m.found.path);
                continue;
            }
            self.start_reading(k);
        }
    }

    /// Open the control port of modem `k` (with its lock) and send the first
    /// command of a reading; identity too while the modem has not told it.
    fn start_reading(&mut self, k: usize) {
        let Some(m) = self.st.modems.get(k) else {
            return;
        };
        let Some(ctl) = m.found.control.as_deref() else {
            return;
        };
        let path = m.found.path.clone();
        let want_id = m.reading.as_ref().is_none_or(|i| i.imsi.is_none());
        let what = if want_id {
            reader::POLL | reader::IDENTITY | reader::ICCID
        } else {
            reader::POLL
        };
        let (rd, ask) = Reader::new(what, m.found.huawei);
        let mut rd = Box::new(rd);
        match Talk::open(Path::new(ctl)) {
            Ok(Some(t)) => self.start(path, t, Work::Read(rd), send(ask)),
            Ok(None) => log::debug!("modem {path}: {ctl} busy (locked), not polled"),
            Err(e) => {
                // The port failed before the first command: that reading's end.
                rd.step(Err(AtError::Gone(e.to_string())));
                self.finished(&path, rd.into_reading());
            }
        }
    }

    fn start(&mut self, path: String, talk: Talk, work: Work, first: Option<Do>) {
        self.jobs.push(Job {
            path,
            talk,
            work,
            until: None,
        });
        self.feed(self.jobs.len() - 1, first);
    }

    /// Job `i` does `next`, and what follows from it, until it waits (a
    /// command in flight, an unsolicited answer) or is over. Bounded: a port
    /// that fails every command at once ends the job.
    fn feed(&mut self, i: usize, mut next: Option<Do>) {
        for _ in 0..32 {
            let now = self.clock.now_ms();
            let Some(j) = self.jobs.get_mut(i) else {
                return;
            };
            let came = match next {
                None => break,
                Some(Do::Send { cmd, ms, secret }) => j.talk.send(&cmd, ms, now, secret),
                #[cfg(feature = "sms")]
                Some(Do::Text { body, ms }) => j.talk.send_text(&body, ms, now),
                #[cfg(feature = "sms")]
                Some(Do::Escape) => Some(j.talk.escape().unwrap_or(Ok(Response {
                    lines: Vec::new(),
                    result: Final::Ok,
                }))),
                #[cfg(feature = "sms")]
                Some(Do::Await { ms, .. }) => {
                    j.until = Some(now.saturating_add(ms.min(sms_jobs::USSD_WAIT_MS)));
                    return;
                }
            };
            // Written: the answer comes later.
            let Some(c) = came else {
                return;
            };
            next = self.after(i, c);
        }
        self.end(i);
    }

    /// What job `i` does after what came of its last command (None: it is over).
    fn after(&mut self, i: usize, came: Came) -> Option<Do> {
        let j = self.jobs.get_mut(i)?;
        j.until = None;
        match &mut j.work {
            Work::Read(rd) => send(rd.step(came)),
            Work::Cfun => {
                let how = match came {
                    Ok(r) => r.result.describe(),
                    Err(e) => e.describe(),
                };
                log::info!("watchdog: modem {}: AT+CFUN=1,1: {how}", j.path);
                None
            }
            #[cfg(feature = "sms")]
            Work::Sms(w) => {
                w.job.take(came);
                w.job.next()
            }
            #[cfg(feature = "sms")]
            Work::Count => self.sms_count(i, came),
        }
    }

    /// Job `i` is over: close its port, take in what it found.
    #[cfg_attr(not(feature = "sms"), allow(unused_assignments, unused_variables))]
    fn end(&mut self, i: usize) {
        if i >= self.jobs.len() {
            return;
        }
        let Job { path, work, .. } = self.jobs.swap_remove(i);
        let mut sim_ready = false;
        match work {
            Work::Read(rd) => {
                let r = rd.into_reading();
                sim_ready = r.stopped.is_none() && r.sim.is_some_and(|s| s.ready());
                self.finished(&path, r);
            }
            #[cfg(feature = "sms")]
            Work::Sms(w) => self.sms_done(*w),
            #[cfg(feature = "sms")]
            Work::Count => {}
            Work::Cfun => {}
        }
        #[cfg(feature = "sms")]
        self.sms_next(&path, sim_ready);
    }

    #[cfg(feature = "sms")]
    fn readable(&mut self, fd: libc::c_int) {
        let Some(j) = self.jobs.iter_mut().find(|j| j.talk.fd() == fd) else {
            return;
        };
        let mut urcs: Vec<String> = Vec::new();
        let came = j.talk.readable_with(&mut |l| {
            if urcs.len() < 64 {
                urcs.push(l.to_string());
            }
        });
        if let Some(c) = came {
            self.job_came(fd, c);
        }
        self.sms_urcs(fd, urcs);
    }

    /// Without SMS/USSD: unsolicited lines are only logged (not a `+CUSD`:
    /// its text is private).
    #[cfg(not(feature = "sms"))]
    fn readable(&mut self, fd: libc::c_int) {
        let Some(j) = self.jobs.iter_mut().find(|j| j.talk.fd() == fd) else {
            return;
        };
        let came = j.talk.readable_with(&mut |l| {
            if crate::core::at::strip_prefix_ci(l, "+CUSD:").is_none() {
                log::debug!("urc {l}");
            }
        });
        if let Some(c) = came {
            self.job_came(fd, c);
        }
    }

    /// What came on the port `fd` of a job: on with that job.
    fn job_came(&mut self, fd: libc::c_int, c: Came) {
        if let Some(i) = self.jobs.iter().position(|j| j.talk.fd() == fd) {
            let next = self.after(i, c);
            self.feed(i, next);
        }
    }

    /// Commands whose time is up, and waits for an unsolicited answer. From
    /// the end: a job that ends takes the last one's place.
    fn expire(&mut self, now: u64) {
        for i in (0..self.jobs.len()).rev() {
            let Some(j) = self.jobs.get_mut(i) else {
                continue;
            };
            let due = j.talk.due(now).or_else(|| {
                j.until
                    .is_some_and(|t| now >= t)
                    .then_some(Err(AtError::Timeout))
            });
            if let Some(c) = due {
                let next = self.after(i, c);
                self.feed(i, next);
            }
        }
    }

    /// A reading of `path` ended: the status, the events, the watchdog.
    fn finished(&mut self, path: &str, r: Reading) {
        let now = self.clock.now_ms();
        let answered = r.answered > 0;
        self.st.set_reading(path, r, now);
        self.guard(path, answered, now);
        self.announce();
    }

    // -- watchdog ----------------------------------------------------------------

    /// After a reading of `path`: reset the modem if the watchdog says so.
    fn guard(&mut self, path: &str, answered: bool, now: u64) {
        let Some(m) = self.st.modem(path) else {
            return;
        };
        let failures = self.st.link_for(path).map_or(0, |l| {
            state::setup_failures(&self.run_dir, &l.name).min(1 << 20) as u32
        });
        let seen = Seen {
            answered,
            registered: m.reading.as_deref().is_some_and(Reading::registered),
            failures,
            busy: state::pin_record_busy(&self.state_dir)
                || self.st.may_poll(&m.found, now).is_err(),
        };
        let judged = watch(&mut self.watches, path).judge(&self.policy, &seen, now);
        let Some((how, why)) = judged else {
            return;
        };
        log::warn!(
            "watchdog: modem {path} ({}): {why}: reset ({})",
            m.found.usb,
            how.name()
        );
        let ctl = m.found.control.clone();
        self.st.reset_event(path, how.name(), why, failures);
        self.remember_resets();
        self.announce();
        match how {
            Reset::Cfun => self.cfun(path, ctl),
            Reset::Usb => self.usb_reset(path),
        }
    }

    fn remember_resets(&self) {
        if let Err(e) = state::save_resets(&self.run_dir, &self.watches) {
            log::warn!("watchdog: writing {}/watchdog: {e}", self.run_dir.display());
        }
    }

    fn cfun(&mut self, path: &str, ctl: Option<String>) {
        let Some(ctl) = ctl else {
            return;
        };
        let e = match Talk::open(Path::new(&ctl)) {
            Ok(Some(t)) => {
                let ask = Ask {
                    cmd: "AT+CFUN=1,1".into(),
                    ms: CFUN_MS,
                };
                return self.start(path.to_string(), t, Work::Cfun, send(Some(ask)));
            }
            // Locked by another program.
            Ok(None) => std::io::Error::from_raw_os_error(libc::EBUSY),
            Err(e) => e,
        };
        log::warn!("watchdog: modem {path}: {ctl}: {e}: no reset");
    }

    /// A USB port reset through usbfs: the kernel resets the port and the
    /// stick enumerates again (the call blocks for the reset, well under a
    /// second).
    fn usb_reset(&mut self, path: &str) {
        while let Some(i) = self.jobs.iter().position(|j| j.path == path) {
            self.jobs.swap_remove(i);
        }
        let r = match (self.root.device(path), crate::hw::usb::backend(&self.root)) {
            (Some(dev), Ok(mut be)) => {
                let r = be.open(&dev).and_then(|()| be.reset());
                be.close();
                r
            }
            // Gone from sysfs (the usbfs backend itself is made without failing).
            _ => Err(crate::hw::usb::UsbError::Gone),
        };
        match r {
            Ok(()) => log::info!("watchdog: modem {path}: USB reset done"),
            // "gone" is what a reset looks like from here: the device re-enumerated.
            Err(e) => log::warn!("watchdog: modem {path}: USB reset: {e}"),
        }
    }
}

/// The watchdog of modem `path` (made on first use; kept across unplug and replug).
fn watch<'a>(watches: &'a mut Vec<(String, Watch)>, path: &str) -> &'a mut Watch {
    let i = match watches.iter().position(|(p, _)| p == path) {
        Some(i) => i,
        None => {
            watches.push((path.to_string(), Watch::default()));
            watches.len() - 1
        }
    };
    &mut watches[i].1
}

fn found(m: &ports::Modem, root: &UsbSysfs) -> Found {
    let path = |t: &str| {
        dev_path(t)
            .into_os_string()
            .into_string()
            .unwrap_or_default()
    };
    let mut ports = Vec::new();
    for p in &m.ports {
        ports.push((path(&p.tty), p.role.map(|r: Role| r.name())));
    }
    Found {
        usb: m.dev.id(),
        path: m.path().to_string(),
        control: m.control().map(path),
        data: m.data().map(path),
        ports,
        huawei: m.profile().is_some_and(|p| p.hw_cpin),
        net: m.net().map(|i| {
            let name = i.net.clone().unwrap_or_default();
            NetIf {
                carrier: root.net_attr(&name, "carrier").map(|c| c == "1"),
                driver: i.driver.clone(),
                name,
            }
        }),
    }
}
