//! What `umodem prepare` does before pppd dials, over one engine: wake the
//! modem, quiet its periodic reports, wait out a SIM that is starting up, make
//! the SIM ready (the PIN only when safe: `core::pin`), set the service mode.
//! Every step goes through the reader's rules (`core::reader`): a modem that
//! falls silent ends it at the first command that gets no answer.

use crate::core::at::{self, SimState};
use crate::core::engine::Engine;
use crate::core::pin::{self, PinStore, Unlocked};
use crate::core::ports::Profile;
use crate::core::reader::{self, Fault, Reading, What};
use crate::error::{code, Error, Result};

/// Rounds of "is the SIM ready yet?", 500 ms apart.
const SIM_ROUNDS: u32 = 10;
const SIM_PAUSE_MS: u64 = 500;
/// `^SYSCFG=` writes the modem's flash: it may take a moment.
const SYSCFG_MS: u64 = 5000;

/// A reading that must have run to the end.
fn read(e: &mut Engine, what: What, huawei: bool) -> Result<Box<Reading>> {
    let r = reader::read(e, what, huawei);
    match &r.stopped {
        Some(f) => Err(f.error()),
        None => Ok(r),
    }
}

/// Send `cmd`; silence or a failed port ends it (as an error).
fn ask(e: &mut Engine, cmd: &str, ms: u64) -> Result<at::Response> {
    e.command_timeout(cmd, ms)
        .map_err(|x| Fault::of(cmd, x).error())
}

/// Send one setting; a refusal is logged and left at that, silence ends it.
fn setting(e: &mut Engine, cmd: &str, ms: u64, what: &str) -> Result<()> {
    let r = ask(e, cmd, ms)?;
    if r.result.is_ok() {
        log::info!("prepare {what}: set");
    } else {
        log::info!(
            "prepare {what}: modem answered {} to {cmd}, left as is",
            r.result.describe()
        );
    }
    Ok(())
}

/// Read the SIM (`what`) until `done` says so: up to ~5 s, waiting by reading
/// the port so reports are not lost. The last reading, and whether it was done.
fn sim_until(
    e: &mut Engine,
    what: What,
    huawei: bool,
    done: fn(Option<SimState>) -> bool,
) -> Result<(Box<Reading>, bool)> {
    let mut r = Box::default();
    for round in 0..SIM_ROUNDS {
        if round > 0 {
            e.drain(SIM_PAUSE_MS)
                .map_err(|x| Fault::of("AT+CPIN?", x).error())?;
        }
        r = read(e, what, huawei)?;
        if done(r.sim) {
            return Ok((r, true));
        }
    }
    Ok((r, false))
}

/// The whole preparation. `pin` from the environment, never argv; `service`
/// one of `at::syscfg_for`'s names.
pub fn prepare(
    e: &mut Engine,
    profile: Option<&Profile>,
    pin: Option<&str>,
    store: &mut dyn PinStore,
    service: Option<&str>,
) -> Result<Unlocked> {
    let huawei = profile.is_some_and(|p| p.hw_cpin);
    read(e, reader::HELLO, huawei)?;
    if profile.is_some_and(|p| p.curc_off) {
        setting(e, "AT^CURC=0", 2000, "periodic reports off")?;
    }
    // A SIM that says busy is starting up: ask again.
    let (sim, _) = sim_until(e, reader::SIM | reader::ICCID, huawei, |s| {
        s != Some(SimState::Busy)
    })?;
    let done = pin::unlock(e, &sim, pin, store, huawei)?;
    let how = if done == Unlocked::PinAccepted {
        // After a PIN the SIM takes a moment to start: ask until it says READY.
        if !sim_until(e, reader::SIM, huawei, |s| s.is_some_and(|s| s.ready()))?.1 {
            return Err(Error::with_code(
                code::SIM_BUSY,
                "the SIM took the PIN but did not become ready: try again in a few seconds",
            ));
        }
        "PIN accepted"
    } else {
        "it was"
    };
    log::info!("prepare sim ready ({how})");
    if let Some(s) = service {
        set_service(e, profile, s)?;
    }
    Ok(done)
}

/// Set the service mode with Huawei `^SYSCFG` (only if it differs from the
/// current one: it is stored in the modem's flash). Unsupported: log, no-op.
pub fn set_service(e: &mut Engine, profile: Option<&Profile>, service: &str) -> Result<()> {
    let (Some(cmd), Some(want)) = (at::syscfg_cmd(service), at::syscfg_for(service)) else {
        log::warn!("service mode '{service}' unknown: left as is");
        return Ok(());
    };
    if !profile.is_some_and(|p| p.syscfg) {
        log::info!("service mode {service}: not supported on this modem, left as is");
        return Ok(());
    }
    let r = ask(e, "AT^SYSCFG?", 3000)?;
    let cur = r.field("^SYSCFG:").and_then(|f| {
        let mut p = at::params(f);
        Some((at::int8(p.next()?)?, at::int8(p.next()?)?))
    });
    if r.result.is_ok() && cur == Some(want) {
        log::info!("service mode {service}: already set");
        return Ok(());
    }
    setting(e, &cmd, SYSCFG_MS, &at::cat(&["service mode ", service]))
}
