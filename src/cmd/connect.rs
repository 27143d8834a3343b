//! `umodem connect`: pppd's connect program. AT on the modem port pppd holds
//! (stdin, also stdout): wake, PDP context with the APN, dial, wait for
//! CONNECT. APN from `--apn` or env `UMODEM_APN`; one stderr line per step
//! (pppd puts them in the log); the outcome's short code goes to the file
//! named by env `UMODEM_STATUS`, for the netifd handler's teardown.

use crate::cli::Args;
use crate::core::connect::{self, valid_apn, valid_number, Outcome, Plan, DEFAULT_NUMBER};
use crate::core::engine::{AtTransport, Clock, Engine};
use crate::error::{code, Error, Result};
use crate::hw::clock::SystemClock;
use crate::hw::serial::Tty;

/// One log line: "umodem connect: " and the pieces.
fn usage(e: Error) -> Error {
    Error::with_code(code::USAGE, e.msg())
}

fn say(parts: &[&str]) {
    let mut line = String::from("umodem connect: ");
    for p in parts {
        line.push_str(p);
    }
    line.push('\n');
    let _ = crate::hw::file::write_fd(2, line.as_bytes());
}

pub fn run(mut args: Args) -> Result<()> {
    let apn = args.usage_value("--apn")?;
    let number = args.usage_value("--dial")?;
    let timeout: Option<u64> = args.number("--timeout").map_err(usage)?;
    args.usage_finish()?;
    let apn = apn
        .or_else(|| crate::hw::file::env(c"UMODEM_APN"))
        .filter(|a| !a.is_empty());
    if apn.as_deref().is_some_and(|a| !valid_apn(a)) {
        return Err(Error::with_code(
            code::USAGE,
            "APN may hold only letters, digits, '.', '-' and '_'",
        ));
    }
    let number = number.unwrap_or_else(|| DEFAULT_NUMBER.into());
    if !valid_number(&number) {
        return Err(Error::with_code(
            code::USAGE,
            "dial number may hold only digits, '*', '#', '+' and ','",
        ));
    }
    say(&[
        "APN ",
        apn.as_deref()
            .unwrap_or("(none: the modem's default context)"),
        ", number ",
        &number,
    ]);
    let plan = Plan {
        apn,
        number,
        dial_ms: timeout.unwrap_or(30).clamp(1, 600) * 1000,
        reg_ms: 20_000,
    };
    let mut port = Tty::stdin();
    let outcome = dial(&mut port, &SystemClock::new(), plan);
    if let Some(path) = crate::hw::file::env(c"UMODEM_STATUS").filter(|p| !p.is_empty()) {
        let mut line = String::from(outcome.status());
        line.push('\n');
        let _ = crate::hw::file::write(path.as_ref(), line.as_bytes());
    }
    match outcome {
        Outcome::Connected(_) => {
            say(&[&outcome.describe()]);
            Ok(())
        }
        o => Err(Error::with_code(o.exit_code(), o.describe())),
    }
}

/// Run the dial sequence on `port` (see `core::connect::dial`), one stderr
/// line per command.
pub fn dial(port: &mut dyn AtTransport, clock: &dyn Clock, plan: Plan) -> Outcome {
    let mut e = Engine::new(port, clock);
    connect::dial(&mut e, &plan, &mut say)
}
