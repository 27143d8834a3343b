//! `umodem prepare`: what the netifd handler runs before pppd. SIM check,
//! PIN (from `UMODEM_PIN`, never argv) only when safe, service mode.

use crate::cli::Args;
use crate::cmd::info::{at_error, hello};
use crate::cmd::ports::open_control;
use crate::core::engine::Engine;
use crate::core::{info, pin};
use crate::error::{code, Error, Result};
use crate::hw::clock::SystemClock;
use crate::hw::state::{FileStore, DEFAULT_DIR};
use crate::hw::sysfs::SysfsRoot;

const SERVICES: &[&str] = &["auto", "umts_only", "gprs_only", "umts_first", "gprs_first"];

pub fn run(mut args: Args) -> Result<()> {
    let usage = |e: Error| Error::with_code(code::USAGE, e.msg());
    let port = args.value("--port").map_err(usage)?;
    let service = args.value("--service").map_err(usage)?;
    let state_dir = args
        .value("--state-dir")
        .map_err(usage)?
        .unwrap_or_else(|| DEFAULT_DIR.into());
    let root = SysfsRoot::from_args(args.value("--sysfs").map_err(usage)?);
    args.finish().map_err(usage)?;
    if let Some(s) = &service {
        if !SERVICES.contains(&s.as_str()) {
            return Err(Error::with_code(
                code::USAGE,
                format!("--service '{s}': use one of {}", SERVICES.join(", ")),
            ));
        }
    }
    let pin_env = std::env::var("UMODEM_PIN").ok();
    let mut store =
        FileStore::open(&state_dir).map_err(|e| Error::with_code(code::MODEM_ERROR, e.msg()))?;

    let (_, profile, mut tty) = open_control(port, &root, "prepare")?;
    let clock = SystemClock::new();
    let mut e = Engine::new(&mut tty, &clock);
    hello(&mut e)?;
    if profile.is_some_and(|p| p.curc_off) {
        match e.command_timeout("AT^CURC=0", 2000) {
            Ok(r) => log::info!("prepare periodic reports off: {}", r.result.describe()),
            Err(err) => return Err(at_error(err)),
        }
    }
    // Numeric +CME errors make SIM states unambiguous; harmless if refused.
    let _ = e.command_timeout("AT+CMEE=1", 2000).map_err(at_error)?;
    let huawei = profile.is_some_and(|p| p.hw_cpin);
    // A SIM that was just plugged in says "busy" for a few seconds: wait that out.
    wait_not_busy(&mut e)?;
    // The ICCID keys the PIN record: readable before the PIN on every SIM.
    let iccid = info::iccid(&mut e, huawei).map_err(at_error)?;
    let done = pin::unlock(
        &mut e,
        pin_env.as_deref(),
        iccid.as_deref(),
        &mut store,
        huawei,
    )?;
    if done == pin::Unlocked::PinAccepted {
        wait_ready(&mut e)?;
    }
    log::info!("prepare sim ready ({done:?})");
    if let Some(s) = &service {
        info::set_service(&mut e, profile, s).map_err(at_error)?;
    }
    Ok(())
}

/// After a PIN the SIM takes a moment to start: ask until it says READY
/// (up to ~5 s, waiting by reading the port, so URCs are not lost).
fn wait_ready(e: &mut Engine) -> Result<()> {
    for _ in 0..10 {
        match pin::sim_state(e) {
            Ok(crate::core::at::SimState::Ready) => return Ok(()),
            Ok(_) => {}
            Err(err) if err.exit_code() == code::SIM_BUSY => {}
            Err(err) => return Err(err),
        }
        e.drain(500).map_err(at_error)?;
    }
    Err(Error::with_code(
        code::SIM_BUSY,
        "the SIM took the PIN but did not become ready: try again in a few seconds",
    ))
}

/// Up to ~5 s for a busy SIM to settle; other states are for `unlock` to judge.
fn wait_not_busy(e: &mut Engine) -> Result<()> {
    for _ in 0..10 {
        match pin::sim_state(e) {
            Err(err) if err.exit_code() == code::SIM_BUSY => e.drain(500).map_err(at_error)?,
            _ => return Ok(()),
        }
    }
    Ok(())
}
