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
    self, Ctl, Decision, Expect, OnError, Plan, Progress, Step, UsbDevice,
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
        match self {
            UsbError::Gone => f.write_str("device gone"),
            UsbError::Timeout => f.write_str("timeout"),
            UsbError::Stall => f.write_str("stall"),
            UsbError::Access => f.write_str("access denied (run as root)"),
            UsbError::Busy => f.write_str("busy"),
            UsbError::NotFound => f.write_str("not found"),
            UsbError::Other(s) => f.write_str(s),
        }
    }
}

pub type UsbResult<T> = std::result::Result<T, UsbError>;

/// What the mode switch needs from a USB stack. One device is open at a time.
pub trait UsbBackend {
    /// All devices now on the bus (root hubs excluded).
    fn devices(&mut self) -> Result<Vec<UsbDevice>>;
    fn open(&mut self, dev: &UsbDevice) -> UsbResult<()>;
    fn close(&mut self);
    /// Detach the kernel driver of `iface`; Ok(false) if none was bound.
    fn detach_kernel_driver(&mut self, iface: u8) -> UsbResult<bool>;
    fn claim(&mut self, iface: u8) -> UsbResult<()>;
    fn release(&mut self, iface: u8) -> UsbResult<()>;
    fn clear_halt(&mut self, ep: u8) -> UsbResult<()>;
    fn bulk_write(&mut self, ep: u8, data: &[u8], timeout_ms: u32) -> UsbResult<usize>;
    fn bulk_read(&mut self, ep: u8, len: usize, timeout_ms: u32) -> UsbResult<Vec<u8>>;
    fn interrupt_write(&mut self, ep: u8, data: &[u8], timeout_ms: u32) -> UsbResult<usize>;
    fn interrupt_read(&mut self, ep: u8, len: usize, timeout_ms: u32) -> UsbResult<Vec<u8>>;
    #[allow(clippy::too_many_arguments)]
    fn control_out(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout_ms: u32,
    ) -> UsbResult<usize>;
    #[allow(clippy::too_many_arguments)]
    fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        len: u16,
        timeout_ms: u32,
    ) -> UsbResult<Vec<u8>>;
    fn set_configuration(&mut self, value: u8) -> UsbResult<()>;
    fn set_alt_setting(&mut self, iface: u8, alt: u8) -> UsbResult<()>;
    fn reset(&mut self) -> UsbResult<()>;
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
    /// Switched: the device now on the port (if it re-enumerated).
    Switched {
        method: String,
        now: Option<UsbDevice>,
    },
}

/// A log of what was done, for the report (`umodem switch` prints it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    pub lines: Vec<String>,
}

impl Trace {
    fn note(&mut self, s: impl Into<String>) {
        let s = s.into();
        log::info!("{s}");
        self.lines.push(s);
    }
}

/// Run one step. Ok(()) or the error.
fn step(be: &mut dyn UsbBackend, s: &Step, dev: &mut UsbDevice, t: &mut Trace) -> UsbResult<()> {
    match s {
        Step::Detach { iface } => {
            if be.detach_kernel_driver(*iface)? {
                t.note(format!("detached kernel driver from interface {iface}"));
            }
        }
        Step::Claim { iface } => be.claim(*iface)?,
        Step::Release { iface } => be.release(*iface)?,
        Step::ClearHalt { ep } => be.clear_halt(*ep)?,
        Step::BulkOut {
            ep,
            data,
            timeout_ms,
        } => {
            be.bulk_write(*ep, data, *timeout_ms)?;
            t.note(format!(
                "sent {} to endpoint 0x{ep:02x}",
                modeswitch::hex(data)
            ));
        }
        Step::BulkIn {
            ep,
            len,
            tries,
            timeout_ms,
        } => {
            for _ in 0..(*tries).max(1) {
                let r = be.bulk_read(*ep, (*len).into(), *timeout_ms)?;
                if r.len() >= usize::from(*len) {
                    break;
                }
            }
        }
        Step::IntOut {
            ep,
            data,
            timeout_ms,
        } => {
            be.interrupt_write(*ep, data, *timeout_ms)?;
        }
        Step::IntIn {
            ep,
            len,
            timeout_ms,
        } => {
            be.interrupt_read(*ep, (*len).into(), *timeout_ms)?;
        }
        Step::Control {
            request_type,
            request,
            value,
            index,
            data,
            timeout_ms,
        } => {
            match data {
                Ctl::Out(d) => {
                    be.control_out(*request_type, *request, *value, *index, d, *timeout_ms)?;
                }
                Ctl::In(n) => {
                    be.control_in(*request_type, *request, *value, *index, *n, *timeout_ms)?;
                }
            }
            t.note(format!(
                "control request type 0x{request_type:02x} request 0x{request:02x} value 0x{value:04x} index {index}"
            ));
        }
        Step::SetConfig { value } => {
            be.set_configuration(*value)?;
            t.note(format!("set configuration {value}"));
        }
        Step::SetAlt { iface, alt } => be.set_alt_setting(*iface, *alt)?,
        Step::Reset => be.reset()?,
        Step::Sleep { ms } => be.sleep_ms(*ms),
        Step::Reopen { timeout_ms } => {
            be.close();
            let found = wait_for(be, *timeout_ms, 1000, |list| {
                list.iter()
                    .find(|d| {
                        d.port_path == dev.port_path
                            && d.vid == dev.vid
                            && (d.bus, d.address) != (dev.bus, dev.address)
                    })
                    .cloned()
            })
            .map_err(|e| UsbError::Other(e.msg().to_string()))?;
            let Some(d) = found else {
                return Err(UsbError::Other(
                    "device did not come back after the first message".into(),
                ));
            };
            be.open(&d)?;
            t.note(format!(
                "device came back as address {}, reopened",
                d.address
            ));
            *dev = d;
        }
    }
    Ok(())
}

/// Poll `devices()` until `pick` returns something or `timeout_ms` passes.
fn wait_for<T>(
    be: &mut dyn UsbBackend,
    timeout_ms: u32,
    poll_ms: u32,
    mut pick: impl FnMut(&[UsbDevice]) -> Option<T>,
) -> Result<Option<T>> {
    let mut waited = 0u32;
    loop {
        let list = be.devices()?;
        if let Some(x) = pick(&list) {
            return Ok(Some(x));
        }
        if waited >= timeout_ms {
            return Ok(None);
        }
        let d = poll_ms.max(1).min(timeout_ms - waited);
        be.sleep_ms(d);
        waited += d;
    }
}

/// Execute a plan on an opened device. Returns the device as it ended up
/// (Sony's reopen changes it). Errors only for `OnError::Fail` steps.
pub fn run_plan(
    be: &mut dyn UsbBackend,
    dev: &UsbDevice,
    plan: &Plan,
    t: &mut Trace,
) -> Result<UsbDevice> {
    let mut dev = dev.clone();
    for a in &plan.actions {
        match step(be, &a.step, &mut dev, t) {
            Ok(()) => {}
            Err(UsbError::Gone) => {
                t.note("device left the bus during the switch");
                break;
            }
            Err(e) => match a.on_error {
                OnError::Continue => log::debug!("{}: {e} (ignored)", step_name(&a.step)),
                OnError::Stop => {
                    t.note(format!("{}: {e}; stopped sending", step_name(&a.step)));
                    break;
                }
                OnError::Fail => {
                    be.close();
                    return Err(crate::err!(
                        "{} {}: {} failed: {e}",
                        plan.method,
                        dev.id(),
                        step_name(&a.step)
                    ));
                }
            },
        }
    }
    Ok(dev)
}

fn step_name(s: &Step) -> &'static str {
    match s {
        Step::Detach { .. } => "detaching the kernel driver",
        Step::Claim { .. } => "claiming the interface",
        Step::Release { .. } => "releasing the interface",
        Step::ClearHalt { .. } => "clearing a halt",
        Step::BulkOut { .. } => "sending the switch message",
        Step::BulkIn { .. } => "reading the response",
        Step::IntOut { .. } | Step::IntIn { .. } => "an interrupt transfer",
        Step::Control { .. } => "the control request",
        Step::SetConfig { .. } => "setting the configuration",
        Step::SetAlt { .. } => "setting the alternate setting",
        Step::Reset => "resetting the device",
        Step::Sleep { .. } => "waiting",
        Step::Reopen { .. } => "waiting for the device to come back",
    }
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
        Decision::AlreadySwitched(why) => return Ok(Outcome::LeftAlone(why)),
        Decision::Nothing(why) => return Ok(Outcome::LeftAlone(why)),
        Decision::Switch(p) => p,
    };
    if plan.wait_before_ms > 0 {
        t.note(format!(
            "waiting {} ms before switching",
            plan.wait_before_ms
        ));
        be.sleep_ms(plan.wait_before_ms);
    }
    be.open(dev)
        .map_err(|e| crate::err!("{} on {}: cannot open: {e}", dev.id(), dev.port_path))?;
    t.note(format!(
        "switching {} on {} with method {}",
        dev.id(),
        dev.port_path,
        plan.method
    ));
    let after = run_plan(be, dev, &plan, t)?;
    be.close();

    let gave_up = |what: &str| {
        crate::err!(
            "{} on {}: {what} within {} s; replug the stick, or raise --timeout",
            dev.id(),
            dev.port_path,
            opts.timeout_ms / 1000
        )
    };
    match plan.expect {
        Expect::InPlace => Ok(Outcome::Switched {
            method: plan.method,
            now: Some(after),
        }),
        Expect::Config(c) => {
            let found = wait_for(be, opts.timeout_ms, opts.poll_ms, |l| {
                l.iter()
                    .find(|d| d.port_path == dev.port_path && d.active_config == Some(c))
                    .cloned()
            })?;
            match found {
                Some(d) => Ok(Outcome::Switched {
                    method: plan.method,
                    now: Some(d),
                }),
                None => Err(gave_up(&format!("configuration {c} did not become active"))),
            }
        }
        Expect::Reenumerate => {
            let mut vanished = false;
            let found = wait_for(
                be,
                opts.timeout_ms,
                opts.poll_ms,
                |l| match modeswitch::progress(dev, l) {
                    Progress::Reappeared(d) => Some(d),
                    Progress::Vanished => {
                        vanished = true;
                        None
                    }
                    Progress::Present => None,
                },
            )?;
            match found {
                Some(d) => {
                    let still = d.vid == dev.vid
                        && d.pid == dev.pid
                        && db
                            .lookup(d.vid, d.pid, &d.strings)
                            .map(|(_, e)| {
                                matches!(modeswitch::plan(&d, e), Ok(Decision::Switch(_)))
                            })
                            .unwrap_or(false);
                    if still {
                        return Err(crate::err!(
                            "{} on {}: came back in the same (storage) mode; \
                             the switch message did not take",
                            dev.id(),
                            dev.port_path
                        ));
                    }
                    t.note(format!(
                        "now {} on {} (address {})",
                        d.id(),
                        d.port_path,
                        d.address
                    ));
                    Ok(Outcome::Switched {
                        method: plan.method,
                        now: Some(d),
                    })
                }
                None if vanished => Err(gave_up("left the bus but nothing came back on its port")),
                None => Err(gave_up("did not react to the switch")),
            }
        }
    }
}

/// The USB backend: usbfs (`UMODEM_USBFS` or /dev/bus/usb), for `umodem switch`
/// and the daemon's watchdog (a USB reset).
pub fn backend(sysfs: &crate::hw::usbsys::UsbSysfs) -> Result<Box<dyn UsbBackend>> {
    let root = std::env::var_os("UMODEM_USBFS").unwrap_or_else(|| "/dev/bus/usb".into());
    Ok(Box::new(crate::hw::usbfs::UsbfsBackend::new(
        sysfs.clone(),
        root,
    )))
}
