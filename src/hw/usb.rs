//! USB seam: the `UsbBackend` trait (enumerate, open, transfers) and the runner
//! that executes a `core::modeswitch::Plan` on it and waits for the result. The
//! backend on the router is `hw::usbfs` (ioctls, no libusb); tests use fakes.
//!
//! The runner keeps no clock of its own: every wait goes through
//! `UsbBackend::sleep_ms`, so a fake backend can model a device that leaves the
//! bus and comes back after some (virtual) time, and tests never sleep.

use std::fmt;

use crate::core::db::{Db, Entry};
use crate::core::modeswitch::{
    self, Decision, Expect, Kind, OnError, Op, Plan, Progress, UsbDevice,
};
use crate::error::Result;

/// Why a USB operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsbError {
    /// The device is gone (often: it is switching).
    Gone,
    Timeout,
    /// Endpoint stall / request not supported.
    Stall,
    /// No permission (not root?) or interface busy.
    Access,
    Busy,
    /// No such interface/driver/entity (not "device gone").
    NotFound,
    Other(String),
}

impl fmt::Display for UsbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UsbError::Gone => "device gone",
            UsbError::Timeout => "timeout",
            UsbError::Stall => "stall",
            UsbError::Access => "access denied (run as root)",
            UsbError::Busy => "busy",
            UsbError::NotFound => "not found",
            UsbError::Other(s) => s,
        })
    }
}

pub type UsbResult<T> = std::result::Result<T, UsbError>;

/// What the mode switch needs from a USB stack. One device is open at a time.
pub trait UsbBackend {
    /// All devices now on the bus (root hubs excluded).
    fn devices(&mut self) -> Result<Vec<UsbDevice>>;
    fn open(&mut self, dev: &UsbDevice) -> UsbResult<()>;
    fn close(&mut self);
    /// Do one operation of a plan on the open device: a transfer, a request, a
    /// driver detach, a configuration (not `Sleep`/`Reopen`: the runner does
    /// those). Returns the bytes moved; for `Detach`, 1 if a driver was bound.
    /// One entry instead of a method per kind: one body to dispatch (flash).
    fn op(&mut self, o: &Op) -> UsbResult<usize>;
    /// Reset the open device (the daemon's watchdog).
    fn reset(&mut self) -> UsbResult<()> {
        self.op(&modeswitch::RESET).map(|_| ())
    }
    /// Wait. Real backends sleep; fakes advance their model's time.
    fn sleep_ms(&mut self, ms: u32) {
        std::thread::sleep(std::time::Duration::from_millis(ms.into()));
    }
}

/// How long the runner polls for the result.
#[derive(Debug, Clone, Copy)]
pub struct SwitchOpts {
    /// Bound on the wait for the device to leave and come back (default 20 s).
    pub timeout_ms: u32,
    /// Poll interval.
    pub poll_ms: u32,
}

impl Default for SwitchOpts {
    fn default() -> SwitchOpts {
        SwitchOpts {
            timeout_ms: 20_000,
            poll_ms: 250,
        }
    }
}

/// The outcome of `switch_device`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // one per switch
pub enum Outcome {
    /// Already in modem mode (or nothing to do): left alone.
    LeftAlone(String),
    /// Switched: the device now on the port (None: the one switched, in place).
    Switched {
        method: &'static str,
        now: Option<UsbDevice>,
    },
}

/// A log of what was done, for the report (`umodem switch` prints it): output
/// strings already (no list of Strings to convert).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    pub lines: Vec<crate::out::Out>,
}

impl Trace {
    /// Log `s` (info) and keep it for the report.
    #[inline(never)]
    pub fn note(&mut self, s: String) {
        log::info!("{s}");
        self.lines.push(crate::out::Out::Str(s));
    }
}

/// Run one operation.
/// `dev` is the device the plan started on, `now` the one it reopened (Sony).
fn step(
    be: &mut dyn UsbBackend,
    o: &Op,
    dev: &UsbDevice,
    now: &mut Option<UsbDevice>,
    t: &mut Trace,
) -> UsbResult<()> {
    let a = o.a;
    match o.kind {
        Kind::Sleep => be.sleep_ms(o.ms),
        Kind::BulkIn => {
            for _ in 0..o.b.max(1) {
                if be.op(o)? >= usize::from(o.len) {
                    break;
                }
            }
        }
        Kind::Reopen => {
            be.close();
            let cur = now.as_ref().unwrap_or(dev);
            let found = wait_for(be, o.ms, 1000, &mut |list| {
                list.iter().position(|d| {
                    d.port_path == cur.port_path
                        && d.vid == cur.vid
                        && (d.bus, d.address) != (cur.bus, cur.address)
                })
            })
            .map_err(|e| UsbError::Other(e.msg().to_string()))?
            .ok_or_else(|| {
                UsbError::Other("device did not come back after the first message".into())
            })?;
            be.open(&found)?;
            t.note(format!(
                "device came back as address {}, reopened",
                found.address
            ));
            *now = Some(found);
        }
        k => {
            let n = be.op(o)?;
            match k {
                Kind::Detach if n > 0 => {
                    t.note(format!("detached kernel driver from interface {a}"))
                }
                Kind::BulkOut => t.note(format!(
                    "sent {} to endpoint 0x{a:02x}",
                    modeswitch::hex(o.data)
                )),
                Kind::Control => t.note(format!(
                    "control request type 0x{a:02x} request 0x{:02x} value 0x{:04x} index {}",
                    o.b, o.value, o.index
                )),
                Kind::SetConfig => t.note(format!("set configuration {a}")),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Poll `devices()` until `pick` names one of them or `timeout_ms` passes; that
/// device is taken out of the list (no copy).
fn wait_for(
    be: &mut dyn UsbBackend,
    timeout_ms: u32,
    poll_ms: u32,
    pick: &mut dyn FnMut(&[UsbDevice]) -> Option<usize>,
) -> Result<Option<UsbDevice>> {
    let mut waited = 0u32;
    loop {
        let mut l = be.devices()?;
        if let Some(i) = pick(&l).filter(|i| *i < l.len()) {
            return Ok(Some(l.swap_remove(i)));
        }
        if waited >= timeout_ms {
            return Ok(None);
        }
        let d = poll_ms.max(1).min(timeout_ms - waited);
        be.sleep_ms(d);
        waited += d;
    }
}

/// Execute a plan on an opened device. Returns the device it reopened (Sony's
/// reopen), None when it is still `dev`. Errors only for `OnError::Fail` steps.
pub fn run_plan(
    be: &mut dyn UsbBackend,
    dev: &UsbDevice,
    plan: &Plan,
    t: &mut Trace,
) -> Result<Option<UsbDevice>> {
    let mut now = None;
    for o in &plan.actions {
        let Err(e) = step(be, o, dev, &mut now, t) else {
            continue;
        };
        if e == UsbError::Gone {
            t.note("device left the bus during the switch".into());
            break;
        }
        let what = step_name(o.kind);
        match o.on_error {
            OnError::Continue => log::debug!("{what}: {e} (ignored)"),
            OnError::Stop => {
                t.note(format!("{what}: {e}; stopped sending"));
                break;
            }
            OnError::Fail => {
                be.close();
                return Err(crate::err!(
                    "{} {}: {what} failed: {e}",
                    plan.method,
                    now.as_ref().unwrap_or(dev).id()
                ));
            }
        }
    }
    Ok(now)
}

fn step_name(k: Kind) -> &'static str {
    const NAMES: [&str; 14] = [
        "detaching the kernel driver",
        "claiming the interface",
        "releasing the interface",
        "clearing a halt",
        "sending the switch message",
        "reading the response",
        "an interrupt transfer",
        "an interrupt transfer",
        "the control request",
        "setting the configuration",
        "setting the alternate setting",
        "resetting the device",
        "waiting",
        "waiting for the device to come back",
    ];
    NAMES.get(k as usize).copied().unwrap_or("")
}

/// Switch one device: plan from the database entry, run, wait for the result.
pub fn switch_device(
    be: &mut dyn UsbBackend,
    dev: &UsbDevice,
    entry: &Entry,
    db: &Db,
    opts: SwitchOpts,
    t: &mut Trace,
) -> Result<Outcome> {
    let plan = match modeswitch::plan(dev, entry)? {
        Decision::AlreadySwitched(why) | Decision::Nothing(why) => {
            return Ok(Outcome::LeftAlone(why))
        }
        Decision::Switch(p) => p,
    };
    let (id, port) = (dev.id(), &dev.port_path);
    if plan.wait_before_ms > 0 {
        t.note(format!(
            "waiting {} ms before switching",
            plan.wait_before_ms
        ));
        be.sleep_ms(plan.wait_before_ms);
    }
    be.open(dev)
        .map_err(|e| crate::err!("{id} on {port}: cannot open: {e}"))?;
    t.note(format!(
        "switching {id} on {port} with method {}",
        plan.method
    ));
    let after = run_plan(be, dev, &plan, t)?;
    be.close();

    let mut vanished = false;
    let found = match plan.expect {
        Expect::InPlace => {
            return Ok(Outcome::Switched {
                method: plan.method,
                now: after,
            })
        }
        Expect::Config(c) => wait_for(be, opts.timeout_ms, opts.poll_ms, &mut |l| {
            l.iter()
                .position(|d| d.port_path == *port && d.active_config == Some(c))
        })?,
        Expect::Reenumerate => {
            let d = wait_for(
                be,
                opts.timeout_ms,
                opts.poll_ms,
                &mut |l| match modeswitch::progress(dev, l) {
                    Progress::Reappeared(i) => Some(i),
                    Progress::Vanished => {
                        vanished = true;
                        None
                    }
                    Progress::Present => None,
                },
            )?;
            if let Some(d) = &d {
                let still = (d.vid, d.pid) == (dev.vid, dev.pid)
                    && db.lookup(d.vid, d.pid, &d.strings).is_some_and(|(_, e)| {
                        matches!(modeswitch::plan(d, e), Ok(Decision::Switch(_)))
                    });
                if still {
                    return Err(crate::err!(
                        "{id} on {port}: came back in the same (storage) mode; \
                         the switch message did not take"
                    ));
                }
                t.note(format!(
                    "now {} on {} (address {})",
                    d.id(),
                    d.port_path,
                    d.address
                ));
            }
            d
        }
    };
    let Some(now) = found else {
        let what = match plan.expect {
            Expect::Config(c) => format!("configuration {c} did not become active"),
            _ if vanished => "left the bus but nothing came back on its port".into(),
            _ => "did not react to the switch".into(),
        };
        return Err(crate::err!(
            "{id} on {port}: {what} within {} s; replug the stick, or raise --timeout",
            opts.timeout_ms / 1000
        ));
    };
    Ok(Outcome::Switched {
        method: plan.method,
        now: Some(now),
    })
}

/// The USB backend: usbfs (`UMODEM_USBFS` or /dev/bus/usb), for `umodem switch`
/// and the daemon's watchdog (a USB reset).
pub fn backend(sysfs: &crate::hw::usbsys::UsbSysfs) -> Result<Box<dyn UsbBackend>> {
    let root = crate::hw::file::env(c"UMODEM_USBFS").unwrap_or_else(|| "/dev/bus/usb".into());
    Ok(Box::new(crate::hw::usbfs::UsbfsBackend::new(
        sysfs.clone(),
        root,
    )))
}
