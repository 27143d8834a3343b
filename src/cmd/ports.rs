//! `umodem ports`: USB modems from sysfs, their ttys and roles, confirmed by
//! probing `AT` on the candidates in parallel. Also the port finder that
//! `info` and `prepare` use.

use std::path::{Path, PathBuf};

use crate::cli::Args;
use crate::core::ports::{self, Modem, Profile};
use crate::error::{code, Error, Result};
use crate::hw::clock::SystemClock;
use crate::hw::serial::Tty;
use crate::hw::sysfs::SysfsRoot;
use crate::out::Out;

/// Short: a PCUI answers `AT` in a few ms; a diagnostics port never does.
pub const PROBE_MS: u64 = 1000;

/// Where device nodes live: `UMODEM_DEV` (tests) or /dev.
pub fn dev_dir() -> PathBuf {
    std::env::var("UMODEM_DEV")
        .ok()
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from("/dev"), PathBuf::from)
}

/// `/dev/ttyUSB2` for "ttyUSB2"; a path given with a slash stays as it is.
pub fn dev_path(tty: &str) -> PathBuf {
    if tty.contains('/') {
        PathBuf::from(tty)
    } else {
        dev_dir().join(tty)
    }
}

/// A tty another program holds (pppd's /var/lock/LCK..NAME): not ours to poke.
fn locked(tty: &str) -> bool {
    let name = tty.rsplit('/').next().unwrap_or(tty);
    Path::new("/var/lock").join(format!("LCK..{name}")).exists()
}

/// Probe several ports at once: open each, send `AT`, and watch them all with
/// one `poll` until each has given a final result or `ms` have passed.
/// Per port: Some(true) answered, Some(false) did not (or cannot be opened),
/// None not probed (locked). With `stop_when`, return as soon as every port
/// named there has answered (the rest stay None).
pub fn probe_many(ttys: &[String], ms: u64, stop_when: &[String]) -> Vec<Option<bool>> {
    use crate::core::at::{parse_final, Lines};
    use crate::hw::clock::Clock;
    use crate::hw::serial::AtTransport;
    let mut res: Vec<Option<bool>> = vec![None; ttys.len()];
    let mut open: Vec<(usize, Tty, Lines)> = Vec::new();
    for (i, t) in ttys.iter().enumerate() {
        if locked(t) {
            log::info!("ports {t}: locked by another program, not probed");
            continue;
        }
        let path = dev_path(t);
        let opened = Tty::open(&path).and_then(|mut tty| tty.write_all(b"AT\r").map(|()| tty));
        match opened {
            Ok(tty) => open.push((i, tty, Lines::new())),
            Err(e) => {
                log::debug!("ports {}: {e}", path.display());
                if let Some(r) = res.get_mut(i) {
                    *r = Some(false);
                }
            }
        }
    }
    let clock = SystemClock::new();
    let mut buf = [0u8; 256];
    while !open.is_empty() {
        let left = ms.saturating_sub(clock.now_ms());
        if left == 0 {
            break;
        }
        let refs: Vec<&Tty> = open.iter().map(|(_, t, _)| t).collect();
        let Ok(ready) = Tty::wait_any(&refs, left) else {
            break;
        };
        let mut k = 0;
        while k < open.len() {
            let mut verdict = None;
            if ready.get(k).copied().unwrap_or(false) {
                if let Some((_, tty, lines)) = open.get_mut(k) {
                    match tty.read(&mut buf, 0) {
                        Ok(n) => {
                            lines.push(buf.get(..n).unwrap_or(&[]));
                            while let Some(l) = lines.next_line() {
                                // Any final result means an AT interpreter is there.
                                if parse_final(&l).is_some() {
                                    verdict = Some(true);
                                }
                            }
                        }
                        Err(_) => verdict = Some(false),
                    }
                }
            }
            match verdict {
                Some(v) => {
                    let (i, _, _) = open.remove(k);
                    if let Some(r) = res.get_mut(i) {
                        *r = Some(v);
                    }
                }
                None => k += 1,
            }
        }
        let done = |w: &String| {
            ttys.iter()
                .zip(&res)
                .any(|(t, r)| t == w && *r == Some(true))
        };
        if !stop_when.is_empty() && stop_when.iter().all(done) {
            return res;
        }
    }
    for (i, _, _) in open {
        if let Some(r) = res.get_mut(i) {
            *r = Some(false);
        }
    }
    res
}

/// One port: Some(true) if it answers `AT`.
pub fn probe(tty: &str, ms: u64) -> Option<bool> {
    probe_many(&[tty.to_string()], ms, &[])
        .first()
        .copied()
        .flatten()
}

/// Modems in sysfs, with `AT` probes (all candidates at once) if `probe_at`.
/// With `early`, stop as soon as every modem's profile control port has
/// answered: the rest stay unknown (`at` null) and cost no time.
pub fn detect(root: &SysfsRoot, probe_at: bool, early: bool) -> Vec<Modem> {
    let mut ms = ports::modems(&root.usb_ttys());
    if probe_at {
        let cands: Vec<String> = ms.iter().flat_map(Modem::probe_candidates).collect();
        let wanted: Vec<String> = if early {
            ms.iter()
                .filter_map(|m| m.control().map(str::to_string))
                .collect()
        } else {
            Vec::new()
        };
        let res = probe_many(&cands, PROBE_MS, &wanted);
        let done: Vec<(String, bool)> = cands
            .into_iter()
            .zip(res)
            .filter_map(|(t, r)| r.map(|r| (t, r)))
            .collect();
        for m in &mut ms {
            m.apply_probe(&done);
        }
    }
    for m in &ms {
        log::info!(
            "ports modem {:04x}:{:04x} at {}: control {} data {}",
            m.vid,
            m.pid,
            m.path,
            m.control().unwrap_or("-"),
            m.data().unwrap_or("-")
        );
    }
    ms
}

/// The control port to talk to: `--port` if given, else the first modem's
/// (by USB path) confirmed control port. With its profile, if known.
/// The control port (`--port` or found in sysfs), opened: what `info` and `prepare`
/// both start with. `what` names the command in the log line.
pub fn open_control(
    port: Option<String>,
    root: &SysfsRoot,
    what: &str,
) -> Result<(PathBuf, Option<&'static Profile>, Tty)> {
    let (path, profile) = control_port(port, root)?;
    log::info!("{what} on {}", path.display());
    let tty = Tty::open(&path).map_err(|e| {
        Error::with_code(
            code::NO_DEVICE,
            format!("cannot open {}: {e}", path.display()),
        )
    })?;
    Ok((path, profile, tty))
}

pub fn control_port(
    port: Option<String>,
    root: &SysfsRoot,
) -> Result<(PathBuf, Option<&'static Profile>)> {
    if let Some(p) = port {
        // Profile from sysfs if the tty belongs to a known modem.
        let name = p.rsplit('/').next().unwrap_or(&p).to_string();
        let prof = root
            .usb_ttys()
            .into_iter()
            .find(|t| t.tty == name)
            .and_then(|t| ports::profile(t.vid));
        return Ok((dev_path(&p), prof));
    }
    let ms = detect(root, true, true);
    // Prefer a modem whose control port answered AT; else the first one.
    let confirmed = ms.iter().find(|m| {
        m.ports
            .iter()
            .any(|p| p.role == Some(ports::Role::Control) && p.at == Some(true))
    });
    let m = confirmed.or(ms.first()).ok_or_else(|| {
        Error::with_code(
            code::NO_DEVICE,
            "no USB modem found: is it plugged in and switched to modem mode (umodem list)?",
        )
    })?;
    if ms.len() > 1 {
        log::info!(
            "ports {} modems, using the one at {} (--port to choose)",
            ms.len(),
            m.path
        );
    }
    let c = m.control().ok_or_else(|| {
        Error::with_code(
            code::NO_DEVICE,
            format!(
                "modem at {} has no AT control port: give one with --port",
                m.path
            ),
        )
    })?;
    Ok((dev_path(c), ports::profile(m.vid)))
}

fn hex2(v: u8) -> String {
    format!("{v:02x}")
}

pub fn modem_out(m: &Modem) -> Out {
    let ports: Vec<Out> = m
        .ports
        .iter()
        .map(|p| {
            let t = &p.tty;
            Out::map()
                .with("tty", dev_path(&t.tty).display().to_string())
                .with("interface", t.interface)
                .with(
                    "class",
                    format!(
                        "{}/{}/{}",
                        hex2(t.class),
                        hex2(t.subclass),
                        hex2(t.protocol)
                    ),
                )
                .with("driver", t.driver.clone())
                .with("role", p.role.map(|r| r.name()))
                .with("at", p.at)
        })
        .collect();
    Out::map()
        .with("usb", format!("{:04x}:{:04x}", m.vid, m.pid))
        .with("path", m.path.clone())
        .with("busnum", m.busnum.map(u32::from))
        .with("devnum", m.devnum.map(u32::from))
        .with("manufacturer", m.manufacturer.clone())
        .with("product", m.product.clone())
        .with("profile", ports::profile(m.vid).map(|p| p.name))
        .with(
            "control",
            m.control().map(|c| dev_path(c).display().to_string()),
        )
        .with("data", m.data().map(|c| dev_path(c).display().to_string()))
        .with("port", Out::List(ports))
}

pub fn run(mut args: Args) -> Result<()> {
    let json = args.flag("--json");
    let no_probe = args.flag("--no-probe");
    let root = SysfsRoot::from_args(args.value("--sysfs")?);
    args.finish()
        .map_err(|e| Error::with_code(code::USAGE, e.msg()))?;
    let ms = detect(&root, !no_probe, false);
    let out = Out::map().with("modem", Out::List(ms.iter().map(modem_out).collect()));
    crate::cmd::print(&out, json)
}
