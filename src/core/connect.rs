//! The dial sequence of `umodem connect`, pure: the caller sends what `Action`
//! says, feeds back what came (`Event`) and the time; this decides what next.
//!
//! Steps: wake the port (`AT`, three tries), echo off (`ATE0`), wait for the
//! network (`AT+CREG?` once a second, bounded; dialled anyway when it runs
//! out), set the PDP context with the APN (`AT+CGDCONT=1,"IP","APN"`, only when
//! an APN is given), dial (`ATD<number>`), until `CONNECT`.

use crate::core::at::{parse_reg_answer, Final, Response};

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
        match self {
            Stage::Hello => "wake",
            Stage::Echo => "echo off",
            Stage::Register => "registration",
            Stage::Apn => "PDP context",
            Stage::Dial => "dial",
        }
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
            Outcome::Connected(None) => "CONNECT".into(),
            Outcome::Connected(Some(r)) => format!("CONNECT {r}"),
            Outcome::NoCarrier => {
                "NO CARRIER: the network refused the call (signal, APN, plan?)".into()
            }
            Outcome::Refused(s, f) => format!("{} refused: {}", s.name(), f.describe()),
            Outcome::Timeout(s) => format!("no answer from the modem at {}", s.name()),
            Outcome::Gone(e) => format!("modem port gone: {e}"),
            Outcome::Busy(f) => f.describe(),
        }
    }
}

/// What the caller does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this command, wait at most this long for its final result.
    Send(String, u64),
    /// Do nothing for this long, then call `step` with `Event::Waited`.
    Wait(u64),
    Done(Outcome),
}

/// What happened to the last action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Reply(Response),
    Timeout,
    Gone(String),
    Waited,
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

pub struct Dial {
    plan: Plan,
    stage: Stage,
    tries: u8,
    reg_until: u64,
}

impl Dial {
    /// Start at time `now`: the first action is the first `AT`.
    pub fn new(plan: Plan) -> (Dial, Action) {
        let d = Dial {
            plan,
            stage: Stage::Hello,
            tries: 1,
            reg_until: 0,
        };
        (d, Action::Send("AT".into(), HELLO_MS))
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }

    fn go(&mut self, stage: Stage, now: u64) -> Action {
        self.stage = stage;
        match stage {
            Stage::Hello => Action::Send("AT".into(), HELLO_MS),
            Stage::Echo => Action::Send("ATE0".into(), STEP_MS),
            Stage::Register => {
                self.reg_until = now.saturating_add(self.plan.reg_ms);
                Action::Send("AT+CREG?".into(), STEP_MS)
            }
            Stage::Apn => match &self.plan.apn {
                Some(apn) => Action::Send(format!("AT+CGDCONT=1,\"IP\",\"{apn}\""), STEP_MS),
                None => self.go(Stage::Dial, now),
            },
            Stage::Dial => Action::Send(format!("ATD{}", self.plan.number), self.plan.dial_ms),
        }
    }

    /// The next action, given what came of the last one at time `now` (ms).
    pub fn step(&mut self, ev: Event, now: u64) -> Action {
        let stage = self.stage;
        let reply = match ev {
            Event::Gone(e) => return Action::Done(Outcome::Gone(e)),
            Event::Timeout => {
                if stage == Stage::Hello && self.tries < HELLO_TRIES {
                    self.tries += 1;
                    return Action::Send("AT".into(), HELLO_MS);
                }
                return Action::Done(Outcome::Timeout(stage));
            }
            Event::Waited => return Action::Send("AT+CREG?".into(), STEP_MS),
            Event::Reply(r) => r,
        };
        match stage {
            Stage::Hello => match reply.result {
                Final::Ok => self.go(Stage::Echo, now),
                // A modem still in a call: hang it up first.
                Final::Connect(_) | Final::NoCarrier if self.tries < HELLO_TRIES => {
                    self.tries += 1;
                    Action::Send("ATH".into(), STEP_MS)
                }
                f => Action::Done(Outcome::Refused(stage, f)),
            },
            // Some modems refuse ATE0; the engine copes with echo either way.
            Stage::Echo => self.go(Stage::Register, now),
            Stage::Register => {
                let registered = reply.result.is_ok()
                    && reply
                        .fields("+CREG:")
                        .filter_map(parse_reg_answer)
                        .any(|r| r.registered());
                // Refused or unknown: the modem cannot tell; dial and see.
                if registered || !reply.result.is_ok() || now >= self.reg_until {
                    self.go(Stage::Apn, now)
                } else {
                    Action::Wait(REG_POLL_MS)
                }
            }
            Stage::Apn => match reply.result {
                Final::Ok => self.go(Stage::Dial, now),
                f => Action::Done(Outcome::Refused(stage, f)),
            },
            Stage::Dial => Action::Done(match reply.result {
                Final::Connect(rate) => Outcome::Connected(rate),
                Final::NoCarrier => Outcome::NoCarrier,
                f @ (Final::Busy | Final::NoAnswer | Final::NoDialtone) => Outcome::Busy(f),
                f => Outcome::Refused(stage, f),
            }),
        }
    }
}
