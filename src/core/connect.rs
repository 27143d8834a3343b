//! The dial sequence of `umodem connect`, on the blocking engine: each step
//! one command, every wait bounded by its deadline (a silent modem ends it).
//!
//! Steps: wake the port (`AT`, three tries), echo off (`ATE0`), wait for the
//! network (`AT+CREG?` once a second, bounded; dialled anyway when it runs
//! out), set the PDP context with the APN (`AT+CGDCONT=1,"IP","APN"`, only when
//! an APN is given), dial (`ATD<number>`), until `CONNECT`.

use crate::core::at::{cat, parse_reg_answer, Final, Response};
use crate::core::engine::{AtError, Engine};

/// Default number: context 1 (3GPP TS 27.007 `*99***<cid>#`).
pub const DEFAULT_NUMBER: &str = "*99***1#";
const HELLO_TRIES: u8 = 3;
const HELLO_MS: u64 = 2000;
const STEP_MS: u64 = 5000;
const REG_POLL_MS: u64 = 1000;

/// Dial settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub apn: Option<String>,
    pub number: String,
    /// How long `ATD` may take to answer.
    pub dial_ms: u64,
    /// How long to wait for registration before dialling anyway.
    pub reg_ms: u64,
}

/// Where the sequence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Hello,
    Echo,
    Register,
    Apn,
    Dial,
}

impl Stage {
    pub fn name(self) -> &'static str {
        crate::core::at::word("wake|echo off|registration|PDP context|dial", self as usize)
    }
}

/// How it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `CONNECT` (with the rate, if the modem gave one): PPP may start.
    Connected(Option<String>),
    NoCarrier,
    /// `ERROR` / `+CME ERROR` (or another refusal) at this stage.
    Refused(Stage, Final),
    /// No answer in time at this stage.
    Timeout(Stage),
    /// The port failed (unplugged).
    Gone(String),
    /// `BUSY`, `NO ANSWER`, `NO DIALTONE`.
    Busy(Final),
}

impl Outcome {
    /// Exit code of `umodem connect` (CLI contract).
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Connected(_) => 0,
            Outcome::NoCarrier => 20,
            Outcome::Refused(..) => 21,
            Outcome::Timeout(_) => 22,
            Outcome::Gone(_) => 23,
            Outcome::Busy(_) => 24,
        }
    }

    /// Short code for netifd (`proto_notify_error`), written to `UMODEM_STATUS`.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Connected(_) => "CONNECTED",
            Outcome::NoCarrier => "NO_CARRIER",
            Outcome::Refused(Stage::Apn, _) => "APN_REFUSED",
            Outcome::Refused(..) => "DIAL_ERROR",
            Outcome::Timeout(_) => "MODEM_TIMEOUT",
            Outcome::Gone(_) => "MODEM_GONE",
            Outcome::Busy(_) => "DIAL_BUSY",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Outcome::Connected(r) => Final::Connect(r.clone()).describe(),
            Outcome::NoCarrier => {
                "NO CARRIER: the network refused the call (signal, APN, plan?)".into()
            }
            Outcome::Refused(s, f) => cat(&[s.name(), " refused: ", &f.describe()]),
            Outcome::Timeout(s) => cat(&["no answer from the modem at ", s.name()]),
            Outcome::Gone(e) => cat(&["modem port gone: ", e]),
            Outcome::Busy(f) => f.describe(),
        }
    }
}

/// Characters an APN may hold (labels of letters, digits, '-', '.', '_'):
/// nothing that could end the quoted AT parameter.
pub fn valid_apn(apn: &str) -> bool {
    !apn.is_empty()
        && apn.len() <= 99
        && apn
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
}

/// Characters a dial string may hold.
pub fn valid_number(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 40
        && n.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'*' | b'#' | b'+' | b','))
}

/// One command of stage `stage`, its line said (`cmd -> result`): the answer,
/// or the outcome that ends the dial (no answer in time, the port gone).
fn send(
    e: &mut Engine,
    cmd: &str,
    ms: u64,
    stage: Stage,
    say: &mut dyn FnMut(&[&str]),
) -> Result<Response, Outcome> {
    match e.command_timeout(cmd, ms) {
        Ok(r) => {
            say(&[cmd, " -> ", &r.result.describe()]);
            Ok(r)
        }
        Err(AtError::Timeout) => {
            say(&[cmd, " -> no answer"]);
            Err(Outcome::Timeout(stage))
        }
        Err(AtError::Gone(g)) => Err(Outcome::Gone(g)),
    }
}

/// `send` for a step that needs only the final result (the answer's lines
/// dropped here, in one place).
fn result(
    e: &mut Engine,
    cmd: &str,
    ms: u64,
    stage: Stage,
    say: &mut dyn FnMut(&[&str]),
) -> Result<Final, Outcome> {
    send(e, cmd, ms, stage, say).map(|r| r.result)
}

/// Run the dial sequence on `e`; `say` gets one line per command. Waits
/// between registration polls read the port (URCs), so they take the
/// engine's clock time, fake or real. Bounded: every step either ends the
/// sequence or spends time, and each loop has its count or deadline.
pub fn dial(e: &mut Engine, plan: &Plan, say: &mut dyn FnMut(&[&str])) -> Outcome {
    match steps(e, plan, say) {
        Ok(o) | Err(o) => o,
    }
}

fn steps(e: &mut Engine, plan: &Plan, say: &mut dyn FnMut(&[&str])) -> Result<Outcome, Outcome> {
    // Wake the port: three tries; a modem still in a call is hung up first.
    let (mut cmd, mut ms) = ("AT", HELLO_MS);
    for tries in 1..=HELLO_TRIES {
        let last = tries == HELLO_TRIES;
        match result(e, cmd, ms, Stage::Hello, say) {
            Err(Outcome::Timeout(_)) if !last => (cmd, ms) = ("AT", HELLO_MS),
            Err(o) => return Err(o),
            Ok(r) => match r {
                Final::Ok => break,
                Final::Connect(_) | Final::NoCarrier if !last => (cmd, ms) = ("ATH", STEP_MS),
                f => return Err(Outcome::Refused(Stage::Hello, f)),
            },
        }
    }
    // Some modems refuse ATE0; the engine copes with echo either way.
    result(e, "ATE0", STEP_MS, Stage::Echo, say)?;
    // Wait for the network, bounded; refused or unknown: dial and see.
    let until = e.now_ms().saturating_add(plan.reg_ms);
    loop {
        let r = send(e, "AT+CREG?", STEP_MS, Stage::Register, say)?;
        let ok = r.result.is_ok();
        if !ok
            || r.fields("+CREG:")
                .filter_map(parse_reg_answer)
                .any(|g| g.registered())
            || e.now_ms() >= until
        {
            break;
        }
        if let Err(AtError::Gone(g)) = e.drain(REG_POLL_MS) {
            return Err(Outcome::Gone(g));
        }
    }
    if let Some(apn) = &plan.apn {
        let c = cat(&["AT+CGDCONT=1,\"IP\",\"", apn, "\""]);
        let r = result(e, &c, STEP_MS, Stage::Apn, say)?;
        if !r.is_ok() {
            return Err(Outcome::Refused(Stage::Apn, r));
        }
    }
    let r = result(
        e,
        &cat(&["ATD", &plan.number]),
        plan.dial_ms,
        Stage::Dial,
        say,
    )?;
    Ok(match r {
        Final::Connect(rate) => Outcome::Connected(rate),
        Final::NoCarrier => Outcome::NoCarrier,
        f @ (Final::Busy | Final::NoAnswer | Final::NoDialtone) => Outcome::Busy(f),
        f => Outcome::Refused(Stage::Dial, f),
    })
}
