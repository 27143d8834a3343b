//! `umodem connect`: pppd's connect program. AT on stdin/stdout (the modem
//! port pppd holds): wake, PDP context with the APN, dial, wait for CONNECT.
//! APN from `--apn` or env `UMODEM_APN`; one stderr line per step (pppd puts
//! them in the log); the outcome's short code goes to the file named by env
//! `UMODEM_STATUS`, for the netifd handler's teardown.

use std::io::Write;

use crate::cli::Args;
use crate::core::connect::{
    valid_apn, valid_number, Action, Dial, Event, Outcome, Plan, DEFAULT_NUMBER,
};
use crate::core::engine::{AtError, Engine};
use crate::error::{code, Error, Result};
use crate::hw::clock::{Clock, SystemClock};
use crate::hw::stdio::Stdio;

fn say(msg: &str) {
    let _ = writeln!(std::io::stderr(), "umodem connect: {msg}");
}

pub fn run(mut args: Args) -> Result<()> {
    let usage = |e: Error| Error::with_code(code::USAGE, e.msg());
    let apn = args.value("--apn").map_err(usage)?;
    let number = args.value("--dial").map_err(usage)?;
    let timeout: Option<u64> = args.number("--timeout").map_err(usage)?;
    args.finish().map_err(usage)?;
    let apn = apn
        .or_else(|| std::env::var("UMODEM_APN").ok())
        .filter(|a| !a.is_empty());
    if let Some(a) = &apn {
        if !valid_apn(a) {
            return Err(Error::with_code(
                code::USAGE,
                "APN may hold only letters, digits, '.', '-' and '_'",
            ));
        }
    }
    let number = number.unwrap_or_else(|| DEFAULT_NUMBER.into());
    if !valid_number(&number) {
        return Err(Error::with_code(
            code::USAGE,
            "dial number may hold only digits, '*', '#', '+' and ','",
        ));
    }
    let plan = Plan {
        apn,
        number,
        dial_ms: timeout.unwrap_or(30).clamp(1, 600) * 1000,
        reg_ms: 20_000,
    };
    match &plan.apn {
        Some(a) => say(&format!("APN {a}, number {}", plan.number)),
        None => say(&format!(
            "no APN (the modem's default context), number {}",
            plan.number
        )),
    }
    let mut port = Stdio::new();
    let clock = SystemClock::new();
    let outcome = dial(&mut port, &clock, plan, |ms| {
        std::thread::sleep(std::time::Duration::from_millis(ms))
    });
    if let Ok(path) = std::env::var("UMODEM_STATUS") {
        if !path.is_empty() {
            let _ = std::fs::write(&path, format!("{}\n", outcome.status()));
        }
    }
    match outcome {
        Outcome::Connected(_) => {
            say(&outcome.describe());
            Ok(())
        }
        o => Err(Error::with_code(
            o.exit_code(),
            format!("connect: {}", o.describe()),
        )),
    }
}

/// Run the dial sequence on `port`; `sleep` waits between registration polls.
pub fn dial(
    port: &mut dyn crate::hw::serial::AtTransport,
    clock: &dyn Clock,
    plan: Plan,
    mut sleep: impl FnMut(u64),
) -> Outcome {
    let mut e = Engine::new(port, clock);
    let (mut d, mut action) = Dial::new(plan);
    // Bounded: every action either ends the sequence or spends time.
    loop {
        let ev = match action {
            Action::Done(o) => return o,
            Action::Wait(ms) => {
                sleep(ms);
                Event::Waited
            }
            Action::Send(cmd, ms) => {
                let shown = d.stage().name();
                match e.command_timeout(&cmd, ms) {
                    Ok(r) => {
                        say(&format!("{shown}: {cmd} -> {}", r.result.describe()));
                        Event::Reply(r)
                    }
                    Err(AtError::Timeout) => {
                        say(&format!("{shown}: {cmd} -> no answer"));
                        Event::Timeout
                    }
                    Err(AtError::Gone(g)) => Event::Gone(g),
                }
            }
        };
        action = d.step(ev, clock.now_ms());
    }
}
