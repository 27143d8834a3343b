//! How we find and open a modem's port.
//!
//! 1. **Find**: the USB devices in sysfs (`hw::usbsys`) become modems with
//!    roles for their ttys (`core::ports`: the device profile names the PPP
//!    data port and the AT control port by interface class, never by tty number).
//! 2. **Probe**: `AT` goes to every control candidate at once (never the data
//!    port, which pppd may hold, nor a port with a `/var/lock/LCK..` lock); one
//!    `poll` watches them all (no threads: threads, channels and std's sorts cost
//!    ~70 KB of flash on mips_24kc). When the answers that settle the question
//!    are in (each modem's profile control port said OK), it stops at once: a
//!    silent diagnostics port costs nothing.
//! 3. **Open with the lock**: the control port is opened raw and taken with an
//!    exclusive `flock`. Every umodem process that talks AT on it (`info`,
//!    `prepare`, the daemon) takes that lock, so two never talk across each
//!    other: commands wait a little for it, the daemon does not wait at all.
//!
//! Device nodes are `/dev/NAME`, or `UMODEM_DEV/NAME` (tests point it at the
//! virtual E367's pty links).

use std::io;
use std::path::{Path, PathBuf};

use crate::core::at::{cat, parse_final, Lines};
use crate::core::engine::{AtTransport, Clock, Engine};
use crate::core::ports::{self, Modem, Profile, Role};
use crate::error::{code, Error, Result};
use crate::hw::clock::SystemClock;
use crate::hw::serial::{poll, Tty};
use crate::hw::usbsys::UsbSysfs;

/// Longest a probe waits for answers: a PCUI answers `AT` in a few ms.
pub const PROBE_MS: u64 = 1000;
/// How long a command waits for another umodem process to let go of the port
/// (a daemon reading takes well under a second; a silent modem ends one in 3 s).
pub const LOCK_WAIT_MS: u64 = 4000;

/// Where device nodes live: `UMODEM_DEV` (tests) or /dev.
pub fn dev_dir() -> PathBuf {
    crate::hw::file::env(c"UMODEM_DEV")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from("/dev"), PathBuf::from)
}

/// `/dev/ttyUSB2` for "ttyUSB2"; a path given with a slash stays as it is.
pub fn dev_path(tty: &str) -> PathBuf {
    if tty.bytes().any(|b| b == b'/') {
        PathBuf::from(tty)
    } else {
        dev_dir().join(tty)
    }
}

/// The last part of a path: "ttyUSB2" of "/dev/ttyUSB2" (a byte search: no
/// `str::rsplit` machinery).
pub fn base_name(p: &str) -> &str {
    match p.bytes().rposition(|b| b == b'/') {
        Some(i) => p.get(i + 1..).unwrap_or(p),
        None => p,
    }
}

/// A tty another program holds (pppd's /var/lock/LCK..NAME): not ours to poke.
pub fn uucp_locked(tty: &str) -> bool {
    let name = base_name(tty);
    crate::hw::file::exists(Path::new(&cat(&["/var/lock/LCK..", name])))
}

/// The modems sysfs shows now (no AT involved).
pub fn modems(root: &UsbSysfs) -> Vec<Modem> {
    match root.devices() {
        Ok(d) => ports::modems(d),
        Err(e) => {
            log::warn!("ports: {}", e.msg());
            Vec::new()
        }
    }
}

/// Probe the modems' ports at once: open each that may be probed (see
/// `Port::probed`; not one with a `/var/lock` lock), send `AT`, and watch them
/// all with one `poll` until each has given a final result or `ms` have
/// passed. What each said goes into its `at`; it stops as soon as every
/// modem's profile control port has answered (the others stay None: not
/// waited for). Then each modem settles its control port (`Modem::settle`).
pub fn probe(ms: &mut [Modem], wait_ms: u64) {
    let clock = SystemClock::new();
    // (modem, port) of each open port, with the port and what it said so far.
    let mut open: Vec<(usize, usize, Tty, Lines)> = Vec::new();
    for (mi, m) in ms.iter_mut().enumerate() {
        for (pi, p) in m.ports.iter_mut().enumerate() {
            if !p.probed() {
                continue;
            }
            let t = &p.tty;
            if uucp_locked(t) {
                log::info!("ports {t}: locked by another program, not probed");
                continue;
            }
            match Tty::open(&dev_path(t)).and_then(|mut tty| tty.write_all(b"AT\r").map(|()| tty)) {
                Ok(tty) => open.push((mi, pi, tty, Lines::new())),
                Err(e) => {
                    log::debug!("ports {t}: {e}");
                    p.at = Some(false);
                }
            }
        }
    }
    let mut buf = [0u8; 256];
    loop {
        let left = wait_ms.saturating_sub(clock.now_ms());
        if open.is_empty() || settled(ms) || left == 0 {
            break;
        }
        let mut fds = Vec::new();
        for (_, _, t, _) in &open {
            fds.push(libc::pollfd {
                fd: t.fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        if poll(&mut fds, left).is_err() {
            break;
        }
        let mut k = 0;
        while let Some((mi, pi, tty, lines)) = open.get_mut(k) {
            let ready = fds.get(k).is_some_and(|f| f.revents != 0);
            let v = if ready {
                answered(tty, lines, &mut buf)
            } else {
                None
            };
            let Some(v) = v else {
                k += 1;
                continue;
            };
            if let Some(p) = ms.get_mut(*mi).and_then(|m| m.ports.get_mut(*pi)) {
                p.at = Some(v);
            }
            // Both lists lose entry k the same way: they stay in step.
            open.swap_remove(k);
            fds.swap_remove(k);
        }
    }
    if !settled(ms) {
        for (mi, pi, _, _) in open {
            if let Some(p) = ms.get_mut(mi).and_then(|m| m.ports.get_mut(pi)) {
                p.at = Some(false);
            }
        }
    }
    log::debug!("ports probe done after {} ms", clock.now_ms());
    for m in ms {
        m.settle();
    }
}

/// Every modem's profile control port has answered (and there is one).
fn settled(ms: &[Modem]) -> bool {
    let mut any = false;
    for m in ms {
        if let Some(p) = m.ports.iter().find(|p| p.role == Some(Role::Control)) {
            if p.at != Some(true) {
                return false;
            }
            any = true;
        }
    }
    any
}

/// Read what a probed port has: Some(true) once any final result came (an AT
/// interpreter is there), Some(false) if the port failed, None: not yet.
fn answered(tty: &mut Tty, lines: &mut Lines, buf: &mut [u8]) -> Option<bool> {
    let n = match tty.read(buf, 0) {
        Ok(n) => n,
        Err(_) => return Some(false),
    };
    lines.push(buf.get(..n).unwrap_or(&[]));
    let mut yes = None;
    while let Some(l) = lines.next_line() {
        if parse_final(&l).is_some() {
            yes = Some(true);
        }
    }
    yes
}

/// Modems in sysfs, with `AT` probes (all candidates at once) if `probe_at`.
/// The probe stops as soon as every modem's profile control port has answered.
pub fn detect(root: &UsbSysfs, probe_at: bool) -> Vec<Modem> {
    let mut ms = modems(root);
    if probe_at {
        probe(&mut ms, PROBE_MS);
    }
    for m in &ms {
        log::info!(
            "ports modem {} at {}: control {} data {}",
            m.dev.id(),
            m.path(),
            m.control().unwrap_or("-"),
            m.data().unwrap_or("-")
        );
    }
    ms
}

/// The control port to talk to: `--port` if given (with its modem's profile,
/// if sysfs knows the tty), else the first modem whose control port answered
/// `AT` (else the first modem's, unconfirmed).
pub fn control_port(
    port: Option<String>,
    root: &UsbSysfs,
) -> Result<(PathBuf, Option<&'static Profile>)> {
    if let Some(p) = port {
        let name = base_name(&p);
        let prof = modems(root)
            .iter()
            .find(|m| m.ports.iter().any(|x| x.tty == name))
            .and_then(Modem::profile);
        return Ok((dev_path(&p), prof));
    }
    let ms = detect(root, true);
    let confirmed = ms.iter().find(|m| {
        m.ports
            .iter()
            .any(|p| p.role == Some(Role::Control) && p.at == Some(true))
    });
    let m = confirmed
        .or_else(|| ms.iter().find(|m| m.control().is_some()))
        .or(ms.first())
        .ok_or_else(|| {
            Error::with_code(
                code::NO_DEVICE,
                "no USB modem found: is it plugged in and switched to modem mode (umodem list)?",
            )
        })?;
    if ms.len() > 1 {
        log::info!(
            "ports {} modems, using the one at {} (--port to choose)",
            ms.len(),
            m.path()
        );
    }
    let c = m.control().ok_or_else(|| {
        Error::with_code(
            code::NO_DEVICE,
            cat(&[
                "modem at ",
                m.path(),
                " has no AT control port: give one with --port",
            ]),
        )
    })?;
    Ok((dev_path(c), m.profile()))
}

/// Open a control port raw and take its lock, waiting up to `wait_ms` for
/// another umodem process to let go of it.
pub fn open_locked(path: &Path, wait_ms: u64) -> Result<Tty> {
    let shown = path.to_string_lossy();
    let busy = |c, what| Error::with_code(c, cat(&[&shown, what]));
    if uucp_locked(&shown) {
        return Err(busy(
            code::MODEM_ERROR,
            " is in use by another program (/var/lock): give the AT port with --port",
        ));
    }
    let (tty, free) = Tty::open(path)
        .and_then(|t| t.lock(wait_ms).map(|free| (t, free)))
        .map_err(|e: io::Error| {
            Error::with_code(
                code::NO_DEVICE,
                cat(&["cannot open ", &shown, ": ", &e.to_string()]),
            )
        })?;
    if !free {
        return Err(busy(
            code::MODEM_ERROR,
            " is busy: another umodem process is talking to the modem; try again",
        ));
    }
    Ok(tty)
}

/// The control port (`--port` or found), opened and locked, with an engine
/// on it: `f` runs with it, its path and profile (what `info`, `prepare` and
/// `at` do). One function, not generic: the engine and port are made and
/// dropped here once, not in each command.
pub fn talk(
    port: Option<String>,
    root: &UsbSysfs,
    what: &str,
    f: &mut dyn FnMut(&mut Engine, &Path, Option<&'static Profile>) -> Result<()>,
) -> Result<()> {
    let (path, profile, mut tty) = open_control(port, root, what)?;
    let clock = SystemClock::new();
    let mut e = Engine::new(&mut tty, &clock);
    f(&mut e, &path, profile)
}

/// The control port (`--port` or found), opened and locked: what `info` and
/// `prepare` start with. `what` names the command in the log line.
pub fn open_control(
    port: Option<String>,
    root: &UsbSysfs,
    what: &str,
) -> Result<(PathBuf, Option<&'static Profile>, Tty)> {
    let (path, profile) = control_port(port, root)?;
    log::info!("{what} on {}", path.display());
    let tty = open_locked(&path, LOCK_WAIT_MS)?;
    Ok((path, profile, tty))
}
