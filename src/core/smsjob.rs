//! SMS and USSD conversations with a modem, without I/O: list, read, delete
//! and send messages (PDU mode, 3GPP TS 27.005), send a USSD string and wait
//! for its answer, end a USSD session.
//!
//! A [`Job`] is a machine like `core::reader::Reader`: [`Job::next`] says what
//! to do ([`Do`]: a command, the text after a `> ` prompt, or a wait for an
//! unsolicited `+CUSD`), [`Job::take`] is fed what came of it. [`run`] drives
//! it with the blocking engine (the commands); the daemon can drive it from
//! its own loop.
//!
//! What it does to the modem, so that nothing happens that the user did not ask:
//! - Listing (`list`, `read`, and `delete` to find a message's parts) is
//!   `AT+CMGL=4` on each storage: the modem marks every unread message read,
//!   as 27.005 says (a phone does the same when it shows them). The output
//!   shows each message's state from before.
//! - Storages: the SIM ("SM") and the modem ("ME"), each chosen in turn with
//!   `AT+CPMS="XX"` (reading and deleting storage only); the one the modem had
//!   is put back at the end. Where new messages go (`<mem3>`) is not touched.
//! - Message ids: a SIM message's index, or 1000 + its index in the modem's
//!   memory (SIM cards hold at most 255 messages, so the two never meet).
//! - Nothing is sent but by `send` and `ussd`; a text that is not accepted at
//!   the prompt is abandoned with ESC, so the modem never keeps a half-typed one.
//! - Commands that carry a text or a USSD string are never logged, nor are
//!   the answers (the engine logs answers only as a count of lines).

use crate::core::at::{strip_prefix_ci, Final, Response};
use crate::core::engine::{AtError, Engine};
use crate::core::pdu;
use crate::core::sms::{self, Item, Mem, Message, Store};
use crate::core::ussd::{self, Answer};
use crate::error::{code, Error, Result};

/// How long an ordinary SMS command may take; listing a full storage; the
/// network's answer to a message sent; the network's answer to USSD.
const CMD_MS: u64 = 5000;
const LIST_MS: u64 = 20_000;
const SEND_MS: u64 = 60_000;
pub const USSD_MS: u64 = 30_000;
/// Ids of messages in the modem's memory start here.
pub const MODEM_BASE: u32 = 1000;

/// The id a message shows (see the module notes).
pub fn id(mem: Mem, index: u16) -> u32 {
    match mem {
        Mem::Modem => MODEM_BASE + u32::from(index),
        _ => u32::from(index),
    }
}

/// Storage and index of an id.
pub fn slot(id: u32) -> Option<(Mem, u16)> {
    match id.checked_sub(MODEM_BASE) {
        Some(i) => Some((Mem::Modem, u16::try_from(i).ok()?)),
        None => Some((Mem::Sim, u16::try_from(id).ok()?)),
    }
}

/// What the driver does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Do {
    /// Send this command and wait up to `ms` for its answer. A `secret` one
    /// never reaches a log.
    Send { cmd: String, ms: u64, secret: bool },
    /// The `> ` prompt came: send this text (Ctrl-Z ends it), wait `ms`.
    Text { body: Vec<u8>, ms: u64 },
    /// Abandon text entry (ESC): the prompt's text was not sent.
    Escape,
    /// Wait up to `ms` for an unsolicited line starting with `prefix`; hand
    /// it to [`Job::urc`], or report the wait over with `take(Err(Timeout))`.
    Await { prefix: &'static str, ms: u64 },
}

/// What a job asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    List,
    /// The message that holds this id (all its parts).
    Read(u32),
    /// The messages that hold these ids (all their parts); `all`: every one.
    Delete {
        ids: Vec<u32>,
        all: bool,
    },
    /// SMS-SUBMIT parts (hex, TPDU length) from `pdu::submit`.
    Send(Vec<pdu::Part>),
    /// The `AT+CUSD` command from `ussd::request`, and whether answers come packed.
    Ussd {
        cmd: String,
        packed: bool,
    },
    UssdCancel,
}

/// A list of storages, the messages in them, and what could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Listing {
    /// Fill level of each storage listed.
    pub stores: Vec<(Mem, Store)>,
    /// Where the modem puts new messages (`<mem3>`), as it said.
    pub incoming: Option<String>,
    pub messages: Vec<Message>,
    /// Entries that could not be decoded: storage, index, why (they can still
    /// be deleted by id).
    pub bad: Vec<(Mem, u16, String)>,
}

/// What came of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Listed(Listing),
    Read(Message),
    /// Storage and index of every part deleted.
    Deleted(Vec<(Mem, u16)>),
    /// The message reference of each part sent.
    Sent(Vec<u8>),
    Ussd(Answer),
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Cmgf,
    CpmsQuery,
    CpmsTest,
    /// Choose storage `mems[i]`, then list it.
    Choose(usize),
    List(usize),
    /// Delete `targets[i]` (choosing its storage first if needed).
    DelChoose(usize),
    Del(usize),
    /// Put the reading storage back.
    Restore,
    /// Part `i`: the command, then its text.
    Cmgs(usize),
    CmgsText(usize),
    Escape,
    Cusd,
    CusdWait,
    Cancel,
    Done,
}

/// One conversation.
#[derive(Debug)]
pub struct Job {
    op: Op,
    step: Step,
    mems: Vec<Mem>,
    /// The reading storage the modem had (to put back), and the one set now.
    orig: Option<Mem>,
    cur: Option<Mem>,
    listing: Listing,
    items: Vec<Item>,
    targets: Vec<(Mem, u16)>,
    sent: Vec<u8>,
    done: Option<Result<Outcome>>,
}

fn modem_error(what: &str, f: &Final) -> Error {
    Error::with_code(
        code::MODEM_ERROR,
        format!("{what}: the modem answered {}", f.describe()),
    )
}

/// The words for the +CMS errors a user can act on (27.005 3.2.5).
fn cms_hint(f: &Final) -> &'static str {
    match f {
        Final::CmsError(322) => " (storage full: delete messages)",
        Final::CmsError(310..=313) => " (SIM not ready)",
        Final::CmsError(321) => " (no message there)",
        Final::CmsError(330) => " (no message centre number on the SIM)",
        Final::CmsError(331) => " (no network)",
        Final::CmsError(332) => " (network timeout)",
        Final::CmsError(38 | 500) => " (the network refused it)",
        _ => "",
    }
}

fn first<'a>(r: &'a Response, prefix: &str) -> Option<&'a str> {
    r.lines.iter().find_map(|l| strip_prefix_ci(l, prefix))
}

impl Job {
    pub fn new(op: Op) -> Job {
        let step = match op {
            Op::Ussd { .. } => Step::Cusd,
            Op::UssdCancel => Step::Cancel,
            _ => Step::Cmgf,
        };
        Job {
            op,
            step,
            mems: Vec::new(),
            orig: None,
            cur: None,
            listing: Listing::default(),
            items: Vec::new(),
            targets: Vec::new(),
            sent: Vec::new(),
            done: None,
        }
    }

    /// What to do next; None when the job is over (see [`Job::outcome`]).
    pub fn next(&self) -> Option<Do> {
        let send = |cmd: String, ms| {
            Some(Do::Send {
                cmd,
                ms,
                secret: false,
            })
        };
        match self.step {
            Step::Cmgf => send("AT+CMGF=0".into(), CMD_MS),
            Step::CpmsQuery => send("AT+CPMS?".into(), CMD_MS),
            Step::CpmsTest => send("AT+CPMS=?".into(), CMD_MS),
            Step::Choose(i) => send(cpms(self.mems[i]), CMD_MS),
            Step::List(_) => send("AT+CMGL=4".into(), LIST_MS),
            Step::DelChoose(i) => send(cpms(self.targets[i].0), CMD_MS),
            Step::Del(i) => send(format!("AT+CMGD={}", self.targets[i].1), CMD_MS),
            Step::Restore => send(cpms(self.orig?), CMD_MS),
            Step::Cmgs(i) => send(format!("AT+CMGS={}", self.parts()[i].tpdu_len), CMD_MS),
            Step::CmgsText(i) => Some(Do::Text {
                body: self.parts()[i].hex.clone().into_bytes(),
                ms: SEND_MS,
            }),
            Step::Escape => Some(Do::Escape),
            Step::Cusd => match &self.op {
                Op::Ussd { cmd, .. } => Some(Do::Send {
                    cmd: cmd.clone(),
                    ms: CMD_MS,
                    secret: true,
                }),
                _ => None,
            },
            Step::CusdWait => Some(Do::Await {
                prefix: "+CUSD:",
                ms: USSD_MS,
            }),
            Step::Cancel => send(ussd::CANCEL.into(), CMD_MS),
            Step::Done => None,
        }
    }

    fn parts(&self) -> &[pdu::Part] {
        match &self.op {
            Op::Send(p) => p,
            _ => &[],
        }
    }

    fn finish(&mut self, r: Result<Outcome>) {
        self.done.get_or_insert(r);
        self.step = Step::Done;
    }

    /// Ends the job, putting the reading storage back first if we moved it.
    fn end(&mut self, r: Result<Outcome>) {
        self.done.get_or_insert(r);
        match (self.orig, self.cur) {
            (Some(o), Some(c)) if o != c && self.step != Step::Restore => {
                self.step = Step::Restore;
            }
            _ => self.step = Step::Done,
        }
    }

    /// What came of the last `Do` (an unanswered `Await` is `Err(Timeout)`).
    pub fn take(&mut self, came: std::result::Result<Response, AtError>) {
        let r = match came {
            Ok(r) => r,
            Err(e) => return self.failed(e),
        };
        match self.step {
            Step::Cmgf => match r.result {
                Final::Ok if matches!(self.op, Op::Send(_)) => self.step = Step::Cmgs(0),
                Final::Ok => self.step = Step::CpmsQuery,
                f => self.finish(Err(modem_error("SMS in PDU mode (AT+CMGF=0)", &f))),
            },
            Step::CpmsQuery => {
                if let Some(q) = first(&r, "+CPMS:").map(sms::parse_cpms) {
                    self.orig = q.first().and_then(|s| Mem::parse(&s.mem));
                    self.cur = self.orig;
                    self.listing.incoming = q.get(2).map(|s| s.mem.clone());
                }
                self.step = Step::CpmsTest;
            }
            Step::CpmsTest => {
                let sup = first(&r, "+CPMS:")
                    .map(sms::parse_cpms_test)
                    .unwrap_or_default();
                self.mems = [Mem::Sim, Mem::Modem]
                    .into_iter()
                    .filter(|m| sup.contains(m) || (sup.is_empty() && self.orig == Some(*m)))
                    .collect();
                if self.mems.is_empty() {
                    return self.finish(Err(Error::with_code(
                        code::MODEM_ERROR,
                        "the modem offers no SIM or modem message storage (AT+CPMS)",
                    )));
                }
                self.step = Step::Choose(0);
            }
            Step::Choose(i) => match r.result {
                Final::Ok => {
                    let m = self.mems[i];
                    self.cur = Some(m);
                    let st = first(&r, "+CPMS:").map(sms::parse_cpms).unwrap_or_default();
                    let used = st.first().map(|s| s.used);
                    if let Some(s) = st.into_iter().next() {
                        self.listing.stores.push((m, s));
                    }
                    // An empty storage needs no listing.
                    self.step = if used == Some(0) {
                        self.after_list(i)
                    } else {
                        Step::List(i)
                    };
                }
                // A storage the modem cannot choose now (no SIM): skip it.
                f => {
                    log::debug!(
                        "sms: storage {} refused: {}",
                        self.mems[i].name(),
                        f.describe()
                    );
                    self.step = self.after_list(i);
                }
            },
            Step::List(i) => match r.result {
                Final::Ok => {
                    let m = self.mems[i];
                    for l in sms::parse_cmgl(&r.lines) {
                        match l.sms {
                            Ok(s) => self.items.push(Item {
                                mem: m,
                                index: l.index,
                                stat: l.stat,
                                sms: s,
                            }),
                            Err(e) => self.listing.bad.push((m, l.index, e.msg().to_string())),
                        }
                    }
                    self.step = self.after_list(i);
                }
                f => {
                    let e =
                        modem_error(&format!("listing the {} messages", self.mems[i].name()), &f);
                    self.end(Err(e));
                }
            },
            Step::DelChoose(i) => match r.result {
                Final::Ok => {
                    self.cur = Some(self.targets[i].0);
                    self.step = Step::Del(i);
                }
                f => self.end(Err(modem_error("choosing the storage to delete from", &f))),
            },
            Step::Del(i) => match r.result {
                Final::Ok => self.step = self.next_delete(i + 1),
                f => {
                    let (m, idx) = self.targets[i];
                    let e = modem_error(&format!("deleting message {}", id(m, idx)), &f);
                    self.end(Err(e));
                }
            },
            Step::Restore => self.step = Step::Done,
            Step::Cmgs(i) => match r.result {
                Final::Prompt => self.step = Step::CmgsText(i),
                f => self.finish(Err(self.send_error(i, &f))),
            },
            Step::CmgsText(i) => match r.result {
                Final::Ok => {
                    self.sent
                        .push(first(&r, "+CMGS:").and_then(sms::parse_cmgs).unwrap_or(0));
                    if i + 1 < self.parts().len() {
                        self.step = Step::Cmgs(i + 1);
                    } else {
                        let refs = std::mem::take(&mut self.sent);
                        self.finish(Ok(Outcome::Sent(refs)));
                    }
                }
                f => self.finish(Err(self.send_error(i, &f))),
            },
            Step::Escape => self.step = Step::Done,
            Step::Cusd => match r.result {
                Final::Ok => match first(&r, "+CUSD:") {
                    // Some modems answer before their OK.
                    Some(a) => self.ussd_answer(a),
                    None => self.step = Step::CusdWait,
                },
                f => self.finish(Err(Error::with_code(
                    code::MODEM_ERROR,
                    format!(
                        "USSD: the modem answered {} (no network, or a code it does not take)",
                        f.describe()
                    ),
                ))),
            },
            Step::CusdWait => {}
            Step::Cancel => match r.result {
                Final::Ok => self.finish(Ok(Outcome::Cancelled)),
                f => self.finish(Err(modem_error("ending the USSD session", &f))),
            },
            Step::Done => {}
        }
    }

    /// An unsolicited line while waiting (`Do::Await`): true if it was the answer.
    pub fn urc(&mut self, line: &str) -> bool {
        if self.step != Step::CusdWait {
            return false;
        }
        match strip_prefix_ci(line, "+CUSD:") {
            Some(a) => {
                self.ussd_answer(a);
                true
            }
            None => false,
        }
    }

    fn ussd_answer(&mut self, a: &str) {
        let packed = matches!(self.op, Op::Ussd { packed: true, .. });
        let r = match ussd::parse_cusd(a, packed) {
            Some(ans) if ans.status == 4 => Err(Error::with_code(
                code::MODEM_ERROR,
                "USSD: the network does not support this code",
            )),
            Some(ans) if ans.status == 5 && ans.text.is_none() => Err(Error::with_code(
                code::MODEM_ERROR,
                "USSD: the network did not answer in time",
            )),
            Some(ans) => Ok(Outcome::Ussd(ans)),
            None => Err(Error::with_code(
                code::MODEM_ERROR,
                "USSD: the modem's answer could not be read",
            )),
        };
        self.finish(r);
    }

    fn send_error(&self, i: usize, f: &Final) -> Error {
        let n = self.parts().len();
        let which = if n > 1 {
            format!("part {} of {n}", i + 1)
        } else {
            "the message".to_string()
        };
        let sent = if i > 0 {
            format!("; {i} part(s) before it were sent")
        } else {
            String::new()
        };
        Error::with_code(
            code::MODEM_ERROR,
            format!(
                "sending {which}: the modem answered {}{}{sent}",
                f.describe(),
                cms_hint(f)
            ),
        )
    }

    fn failed(&mut self, e: AtError) {
        match self.step {
            // The wait for the network's USSD answer ran out.
            Step::CusdWait => self.finish(Err(Error::with_code(
                code::MODEM_ERROR,
                "USSD: no answer from the network within 30 s",
            ))),
            // No prompt: if it comes late, the modem waits for text. ESC ends that.
            Step::Cmgs(_) if e == AtError::Timeout => {
                self.done.get_or_insert(Err(Error::with_code(
                    code::MODEM_ERROR,
                    "sending: the modem gave no > prompt for the message",
                )));
                self.step = Step::Escape;
            }
            Step::Escape | Step::Restore => self.step = Step::Done,
            _ => {
                let (c, what) = match &e {
                    AtError::Timeout => {
                        (code::MODEM_ERROR, "the modem stopped answering".to_string())
                    }
                    AtError::Gone(w) => (code::NO_DEVICE, format!("the modem port failed ({w})")),
                };
                self.done.get_or_insert(Err(Error::with_code(c, what)));
                // A port that failed cannot be set back; a silent one may still be.
                self.step = Step::Done;
            }
        }
    }

    /// After listing storage `i`: the next storage, or what the op does with the list.
    fn after_list(&mut self, i: usize) -> Step {
        if i + 1 < self.mems.len() {
            return Step::Choose(i + 1);
        }
        let items = std::mem::take(&mut self.items);
        self.listing.messages = sms::join(items);
        let op = std::mem::replace(&mut self.op, Op::List);
        match op {
            Op::List => {
                let l = std::mem::take(&mut self.listing);
                self.end(Ok(Outcome::Listed(l)));
            }
            Op::Read(want) => {
                let m = slot(want).and_then(|s| {
                    self.listing
                        .messages
                        .iter()
                        .find(|m| m.slots.contains(&s))
                        .cloned()
                });
                let r = m.map(Outcome::Read).ok_or_else(|| no_message(want));
                self.end(r);
            }
            Op::Delete { ids, all } => {
                let mut t: Vec<(Mem, u16)> = Vec::new();
                for m in &self.listing.messages {
                    if all
                        || ids
                            .iter()
                            .any(|&w| slot(w).is_some_and(|s| m.slots.contains(&s)))
                    {
                        t.extend(&m.slots);
                    }
                }
                // Entries that could not be decoded are deleted by their own id.
                for &(m, idx, _) in &self.listing.bad {
                    if all || ids.contains(&id(m, idx)) {
                        t.push((m, idx));
                    }
                }
                if let Some(&w) = ids
                    .iter()
                    .find(|&&w| !slot(w).is_some_and(|s| t.contains(&s)))
                {
                    self.end(Err(no_message(w)));
                    return self.step;
                }
                self.targets = t;
                return self.next_delete(0);
            }
            // Only the listing ops come here.
            other => {
                self.op = other;
                self.end(Err(Error::new("SMS: internal: not a listing")));
            }
        }
        self.step
    }

    fn next_delete(&mut self, i: usize) -> Step {
        match self.targets.get(i) {
            None => {
                let t = self.targets.clone();
                self.end(Ok(Outcome::Deleted(t)));
                self.step
            }
            Some(&(m, _)) if self.cur != Some(m) => Step::DelChoose(i),
            Some(_) => Step::Del(i),
        }
    }

    /// The job's result, once `next` gives None.
    pub fn outcome(self) -> Result<Outcome> {
        self.done.unwrap_or_else(|| {
            Err(Error::with_code(
                code::MODEM_ERROR,
                "the SMS job ended without a result",
            ))
        })
    }
}

fn cpms(m: Mem) -> String {
    format!("AT+CPMS=\"{}\"", m.code())
}

fn no_message(id: u32) -> Error {
    Error::with_code(
        code::USAGE,
        format!("no message {id} (umodem sms list shows the ids)"),
    )
}

/// Drive a job with the blocking engine. The engine's unsolicited lines go
/// to the job while it waits for a `+CUSD`, otherwise to a debug log line
/// (never a `+CUSD`: its text is private).
pub fn run(e: &mut Engine, mut job: Job) -> Result<Outcome> {
    use std::cell::RefCell;
    use std::rc::Rc;
    let heard: Rc<RefCell<Vec<String>>> = Rc::default();
    let h = Rc::clone(&heard);
    e.on_urc(move |l| {
        if strip_prefix_ci(l, "+CUSD:").is_some() {
            if let Ok(mut v) = h.try_borrow_mut() {
                v.truncate(8);
                v.push(l.to_string());
            }
        } else {
            log::debug!("urc {l}");
        }
    });
    // Bounded: every step either moves the job on or ends it.
    for _ in 0..2048 {
        let Some(d) = job.next() else {
            return job.outcome();
        };
        match d {
            Do::Send { cmd, ms, secret } => {
                let came = if secret {
                    e.command_secret(&cmd, ms)
                } else {
                    e.command_timeout(&cmd, ms)
                };
                job.take(came);
            }
            Do::Text { body, ms } => {
                let came = e.text(&body, ms);
                job.take(came);
            }
            Do::Escape => {
                let r = e.escape();
                job.take(r.map(|()| Response {
                    lines: Vec::new(),
                    result: Final::Ok,
                }));
            }
            Do::Await { ms, .. } => {
                let end = e.now_ms().saturating_add(ms);
                let mut answered = false;
                while !answered {
                    for l in heard.borrow_mut().drain(..) {
                        answered |= job.urc(&l);
                    }
                    let left = end.saturating_sub(e.now_ms());
                    if answered || left == 0 {
                        break;
                    }
                    // In slices: a drain lasts as long as lines keep coming.
                    if let Err(g) = e.drain(left.min(250)) {
                        job.take(Err(g));
                        answered = true;
                    }
                }
                if !answered {
                    job.take(Err(AtError::Timeout));
                }
            }
        }
    }
    Err(Error::with_code(
        code::MODEM_ERROR,
        "the SMS job did not end",
    ))
}
