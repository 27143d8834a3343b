//! `umodem info`: identity, SIM, signal, registration, operator of a modem.

use crate::cli::Args;
use crate::cmd::ports::open_control;
use crate::core::engine::{AtError, Engine};
use crate::core::info;
use crate::error::{code, Error, Result};
use crate::hw::clock::SystemClock;
use crate::hw::sysfs::SysfsRoot;

pub fn at_error(e: AtError) -> Error {
    match e {
        AtError::Timeout => Error::with_code(
            code::MODEM_ERROR,
            "the modem does not answer AT on this port: try another with --port, or replug it",
        ),
        AtError::Gone(m) => Error::with_code(
            code::NO_DEVICE,
            format!("modem port failed ({m}): is the modem still plugged in?"),
        ),
    }
}

/// One plain command first, result codes on and verbose (the engine reads
/// words, not digits): if that fails, say so instead of twenty nulls.
/// Asked twice: one lost or cut answer is not yet a dead modem.
pub fn hello(e: &mut Engine) -> Result<()> {
    let mut last = Err(AtError::Timeout);
    for _ in 0..2 {
        last = e.command_timeout("ATQ0V1", 2000);
        match &last {
            Ok(r) if r.result.is_ok() => return Ok(()),
            Err(AtError::Gone(_)) => break,
            _ => {}
        }
    }
    match last {
        Ok(r) => Err(Error::with_code(
            code::MODEM_ERROR,
            format!("the modem answered {} to AT", r.result.describe()),
        )),
        Err(err) => Err(at_error(err)),
    }
}

pub fn run(mut args: Args) -> Result<()> {
    let json = args.flag("--json");
    let port = args.value("--port")?;
    let root = SysfsRoot::from_args(args.value("--sysfs")?);
    args.finish()
        .map_err(|e| Error::with_code(code::USAGE, e.msg()))?;
    let (path, profile, mut tty) = open_control(port, &root, "info")?;
    let clock = SystemClock::new();
    let mut e = Engine::new(&mut tty, &clock);
    hello(&mut e)?;
    let mut out = info::gather(&mut e, profile).map_err(at_error)?;
    if let crate::out::Out::Map(m) = &mut out {
        m.insert(0, ("port".into(), path.display().to_string().into()));
    }
    crate::cmd::print(&out, json)
}
