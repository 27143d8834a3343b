//! `umodem ports`: USB modems from sysfs, their ttys and roles, confirmed by
//! probing `AT` on the candidates in parallel. Also the port finder that
//! `info` and `prepare` use.

use std::path::{Path, PathBuf};

use crate::cli::Args;
use crate::core::engine::Engine;
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

/// True if the port answers `AT` with OK in time. Ports locked by another
/// program (pppd's /var/lock/LCK..NAME) are left alone: None.
pub fn probe(tty: &str, ms: u64) -> Option<bool> {
    if Path::new("/var/lock").join(format!("LCK..{tty}")).exists() {
        log::info!("ports {tty}: locked by another program, not probed");
        return None;
    }
    let path = dev_path(tty);
    let mut port = match Tty::open(&path) {
        Ok(p) => p,
        Err(e) => {
            log::debug!("ports {}: {e}", path.display());
            return Some(false);
        }
    };
    let clock = SystemClock::new();
    let mut e = Engine::new(&mut port, &clock);
    let ok = matches!(e.command_timeout("AT", ms), Ok(r) if r.result.is_ok());
    log::debug!("ports {tty}: {}", if ok { "answers AT" } else { "no AT" });
    Some(ok)
}

/// Modems in sysfs, with `AT` probes (parallel threads) if `probe_at`.
/// With `early`, stop waiting as soon as every modem's profile control port
/// has answered: the rest stay unknown (`at` null) and cost no time.
pub fn detect(root: &SysfsRoot, probe_at: bool, early: bool) -> Vec<Modem> {
    let mut ms = ports::modems(&root.usb_ttys());
    if probe_at {
        let cands: Vec<String> = ms.iter().flat_map(Modem::probe_candidates).collect();
        let wanted: Vec<String> = ms
            .iter()
            .filter_map(|m| m.control().map(str::to_string))
            .collect();
        let (tx, rx) = std::sync::mpsc::channel();
        for t in &cands {
            let (tx, t) = (tx.clone(), t.clone());
            // Detached: a probe still waiting when we are done ends with the process.
            std::thread::spawn(move || {
                let r = probe(&t, PROBE_MS);
                let _ = tx.send((t, r));
            });
        }
        drop(tx);
        let mut done: Vec<(String, bool)> = Vec::new();
        for (t, r) in rx.iter().take(cands.len()) {
            if let Some(ok) = r {
                done.push((t, ok));
            }
            let all_confirmed = !wanted.is_empty()
                && wanted
                    .iter()
                    .all(|w| done.iter().any(|(t, ok)| t == w && *ok));
            if early && all_confirmed {
                break;
            }
        }
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
    let m = ms.first().ok_or_else(|| {
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
