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
//!
//! Flash: one error builder (`answered`) and one command builder (`next`)
//! rather than a `format!` per step; storages as a two-bit mask.

use crate::core::at::{strip_prefix_ci, Final, Response};
/// What the driver does next (with the engine: the daemon drives readings with it too).
pub use crate::core::engine::Do;
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

/// The storages a job lists, in this order (bit i of `Job::mems`).
const MEMS: [Mem; 2] = [Mem::Sim, Mem::Modem];

/// The id a message shows (see the module notes).
pub fn id(mem: Mem, index: u16) -> u32 {
    match mem {
        Mem::Modem => MODEM_BASE + u32::from(index),
        _ => u32::from(index),
    }
}

/// Storage and index of an id.
pub fn slot(id: u32) -> Option<(Mem, u16)> {
    let (m, i) = match id.checked_sub(MODEM_BASE) {
        Some(i) => (Mem::Modem, i),
        None => (Mem::Sim, id),
    };
    Some((m, u16::try_from(i).ok()?))
}

/// What a job asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Every message (`sms read` picks one from the list).
    List,
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
    /// Fill level of each storage listed: used, total.
    pub stores: Vec<(Mem, u16, u16)>,
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
    /// Choose storage `MEMS[i]`, then list it.
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
    /// The storages to list: bit i for `MEMS[i]`.
    mems: u8,
    /// The reading storage the modem had (to put back), and the one set now.
    orig: Option<Mem>,
    cur: Option<Mem>,
    listing: Listing,
    items: Vec<Item>,
    targets: Vec<(Mem, u16)>,
    sent: Vec<u8>,
    done: Option<Result<Outcome>>,
}

/// An error of the modem's (exit code 17).
#[inline(never)]
fn fail(msg: &str) -> Error {
    Error::with_code(code::MODEM_ERROR, msg)
}

/// `<what>: the modem answered <final><tail>`.
#[inline(never)]
fn answered(what: std::fmt::Arguments, f: &Final, tail: &str) -> Error {
    crate::err!(code::MODEM_ERROR; "{what}: the modem answered {}{tail}", f.describe())
}

/// The words for the +CMS errors a user can act on (27.005 3.2.5).
fn cms_hint(f: &Final) -> &'static str {
    const REFUSED: &str = " (the network refused it)";
    // Error codes (from, to) and the words.
    const HINTS: [(u16, u16, &str); 8] = [
        (322, 322, " (storage full: delete messages)"),
        (310, 313, " (SIM not ready)"),
        (321, 321, " (no message there)"),
        (330, 330, " (no message centre number on the SIM)"),
        (331, 331, " (no network)"),
        (332, 332, " (network timeout)"),
        (38, 38, REFUSED),
        (500, 500, REFUSED),
    ];
    let Final::CmsError(n) = *f else { return "" };
    HINTS
        .iter()
        .find(|h| (h.0..=h.1).contains(&n))
        .map_or("", |h| h.2)
}

fn first<'a>(r: &'a Response, prefix: &str) -> Option<&'a str> {
    r.lines.iter().find_map(|l| strip_prefix_ci(l, prefix))
}

fn cpms_of(r: &Response) -> Vec<Store<'_>> {
    first(r, "+CPMS:").map(sms::parse_cpms).unwrap_or_default()
}

impl Job {
    #[inline(never)]
    pub fn new(op: Op) -> Job {
        let step = match op {
            Op::Ussd { .. } => Step::Cusd,
            Op::UssdCancel => Step::Cancel,
            _ => Step::Cmgf,
        };
        Job {
            op,
            step,
            mems: 0,
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
        let mut ms = CMD_MS;
        let mut n = None;
        let c = match self.step {
            Step::Cmgf => "AT+CMGF=0",
            Step::CpmsQuery => "AT+CPMS?",
            Step::CpmsTest => "AT+CPMS=?",
            Step::Choose(i) => MEMS.get(i)?.cpms(),
            Step::List(_) => {
                ms = LIST_MS;
                "AT+CMGL=4"
            }
            Step::DelChoose(i) => self.targets.get(i)?.0.cpms(),
            Step::Del(i) => {
                n = Some(usize::from(self.targets.get(i)?.1));
                "AT+CMGD="
            }
            Step::Restore => self.orig?.cpms(),
            Step::Cmgs(i) => {
                n = Some(self.parts().get(i)?.tpdu_len);
                "AT+CMGS="
            }
            Step::CmgsText(i) => {
                return Some(Do::Text {
                    body: self.parts().get(i)?.hex.clone().into_bytes(),
                    ms: SEND_MS,
                })
            }
            Step::Escape => return Some(Do::Escape),
            Step::Cusd => match &self.op {
                Op::Ussd { cmd, .. } => cmd,
                _ => return None,
            },
            Step::CusdWait => return Some(Do::Await { ms: USSD_MS }),
            Step::Cancel => ussd::CANCEL,
            Step::Done => return None,
        };
        let mut cmd = c.to_string();
        if let Some(n) = n {
            crate::num::push(&mut cmd, n as u64);
        }
        Some(Do::Send {
            cmd,
            ms,
            secret: self.step == Step::Cusd,
        })
    }

    fn parts(&self) -> &[pdu::Part] {
        match &self.op {
            Op::Send(p) => p,
            _ => &[],
        }
    }

    /// Ends the job, putting the reading storage back first if we moved it.
    fn end(&mut self, r: Result<Outcome>) {
        self.done.get_or_insert(r);
        self.step = match (self.orig, self.cur) {
            (Some(o), Some(c)) if o != c && self.step != Step::Restore => Step::Restore,
            _ => Step::Done,
        };
    }

    /// What came of the last `Do` (an unanswered `Await` is `Err(Timeout)`).
    pub fn take(&mut self, came: std::result::Result<Response, AtError>) {
        let r = match came {
            Ok(r) => r,
            Err(e) => return self.failed(e),
        };
        let f = &r.result;
        let ok = f.is_ok();
        let e = match self.step {
            Step::Cmgf if ok => {
                self.step = match self.op {
                    Op::Send(_) => Step::Cmgs(0),
                    _ => Step::CpmsQuery,
                };
                return;
            }
            Step::Cmgf => answered(format_args!("SMS in PDU mode (AT+CMGF=0)"), f, ""),
            Step::CpmsQuery => {
                let q = cpms_of(&r);
                self.orig = q.first().and_then(|s| Mem::parse(s.mem));
                self.cur = self.orig;
                self.listing.incoming = q.get(2).map(|s| s.mem.to_string());
                self.step = Step::CpmsTest;
                return;
            }
            Step::CpmsTest => {
                let sup = first(&r, "+CPMS:")
                    .map(sms::parse_cpms_test)
                    .unwrap_or_default();
                for (i, m) in MEMS.iter().enumerate() {
                    if sup.contains(m) || (sup.is_empty() && self.orig == Some(*m)) {
                        self.mems |= 1 << i;
                    }
                }
                if self.mems == 0 {
                    fail("the modem offers no SIM or modem message storage (AT+CPMS)")
                } else {
                    self.step = self.after_list(None);
                    return;
                }
            }
            Step::Choose(i) => {
                let m = MEMS.get(i).copied().unwrap_or(Mem::Sim);
                let mut used = None;
                if ok {
                    self.cur = Some(m);
                    if let Some(s) = cpms_of(&r).first() {
                        used = Some(s.used);
                        self.listing.stores.push((m, s.used, s.total));
                    }
                } else {
                    // A storage the modem cannot choose now (no SIM): skip it.
                    log::debug!("sms: storage {} refused: {}", m.name(), f.describe());
                }
                // An empty storage needs no listing.
                self.step = if ok && used != Some(0) {
                    Step::List(i)
                } else {
                    self.after_list(Some(i))
                };
                return;
            }
            Step::List(i) => {
                let m = MEMS.get(i).copied().unwrap_or(Mem::Sim);
                if !ok {
                    answered(format_args!("listing the {} messages", m.name()), f, "")
                } else {
                    let (items, bad) = (&mut self.items, &mut self.listing.bad);
                    sms::each_cmgl(&r.lines, |index, stat, sms| match sms {
                        Ok(sms) => items.push(Item {
                            mem: m,
                            index,
                            stat,
                            sms,
                        }),
                        Err(e) => bad.push((m, index, e.msg().to_string())),
                    });
                    self.step = self.after_list(Some(i));
                    return;
                }
            }
            Step::DelChoose(i) if ok => {
                self.cur = self.targets.get(i).map(|t| t.0);
                self.step = Step::Del(i);
                return;
            }
            Step::DelChoose(_) => {
                answered(format_args!("choosing the storage to delete from"), f, "")
            }
            Step::Del(i) if ok => {
                self.step = self.next_delete(i + 1);
                return;
            }
            Step::Del(i) => {
                let n = self.targets.get(i).map_or(0, |&(m, x)| id(m, x));
                answered(format_args!("deleting message {n}"), f, "")
            }
            Step::Cmgs(i) if *f == Final::Prompt => {
                self.step = Step::CmgsText(i);
                return;
            }
            Step::CmgsText(i) if ok => {
                self.sent
                    .push(first(&r, "+CMGS:").and_then(sms::parse_cmgs).unwrap_or(0));
                if i + 1 < self.parts().len() {
                    self.step = Step::Cmgs(i + 1);
                    return;
                }
                let refs = std::mem::take(&mut self.sent);
                return self.end(Ok(Outcome::Sent(refs)));
            }
            Step::Cmgs(i) | Step::CmgsText(i) => self.send_error(i, f),
            Step::Cusd if ok => {
                match first(&r, "+CUSD:") {
                    // Some modems answer before their OK.
                    Some(a) => self.ussd_answer(a),
                    None => self.step = Step::CusdWait,
                }
                return;
            }
            Step::Cusd => answered(
                format_args!("USSD"),
                f,
                " (no network, or a code it does not take)",
            ),
            Step::Cancel if ok => return self.end(Ok(Outcome::Cancelled)),
            Step::Cancel => answered(format_args!("ending the USSD session"), f, ""),
            Step::Restore | Step::Escape => {
                self.step = Step::Done;
                return;
            }
            Step::CusdWait | Step::Done => return,
        };
        self.end(Err(e));
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
        let why = match ussd::parse_cusd(a, packed) {
            Some(ans) if ans.status == 4 => "USSD: the network does not support this code",
            Some(ans) if ans.status == 5 && ans.text.is_none() => {
                "USSD: the network did not answer in time"
            }
            Some(ans) => return self.end(Ok(Outcome::Ussd(ans))),
            None => "USSD: the modem's answer could not be read",
        };
        self.end(Err(fail(why)));
    }

    fn send_error(&self, i: usize, f: &Final) -> Error {
        let n = self.parts().len();
        let sent = if i > 0 {
            format!("{}; {i} part(s) before it were sent", cms_hint(f))
        } else {
            cms_hint(f).to_string()
        };
        if n > 1 {
            answered(format_args!("sending part {} of {n}", i + 1), f, &sent)
        } else {
            answered(format_args!("sending the message"), f, &sent)
        }
    }

    fn failed(&mut self, e: AtError) {
        let e = match (self.step, e) {
            // The wait for the network's USSD answer ran out.
            (Step::CusdWait, _) => fail("USSD: no answer from the network within 30 s"),
            // No prompt: if it comes late, the modem waits for text. ESC ends that.
            (Step::Cmgs(_), AtError::Timeout) => {
                self.done.get_or_insert(Err(fail(
                    "sending: the modem gave no > prompt for the message",
                )));
                self.step = Step::Escape;
                return;
            }
            (Step::Escape | Step::Restore, _) => {
                self.step = Step::Done;
                return;
            }
            (_, AtError::Timeout) => fail("the modem stopped answering"),
            (_, AtError::Gone(w)) => crate::err!(code::NO_DEVICE; "the modem port failed ({w})"),
        };
        self.done.get_or_insert(Err(e));
        // A port that failed cannot be set back; a silent one may still be.
        self.step = Step::Done;
    }

    /// After storage `i` (None: before the first): the next storage to choose,
    /// or what the op does with the list.
    fn after_list(&mut self, i: Option<usize>) -> Step {
        let from = i.map_or(0, |i| i + 1);
        if let Some(j) = (from..MEMS.len()).find(|&j| self.mems & (1 << j) != 0) {
            return Step::Choose(j);
        }
        self.listing.messages = sms::join(std::mem::take(&mut self.items));
        let r = match &self.op {
            Op::Delete { ids, all } => {
                let hit = |s: (Mem, u16)| *all || ids.contains(&id(s.0, s.1));
                let mut t: Vec<(Mem, u16)> = Vec::new();
                for m in &self.listing.messages {
                    if m.slots.iter().any(|&s| hit(s)) {
                        t.extend(&m.slots);
                    }
                }
                // Entries that could not be decoded are deleted by their own id.
                for &(m, idx, _) in &self.listing.bad {
                    if hit((m, idx)) {
                        t.push((m, idx));
                    }
                }
                match ids
                    .iter()
                    .find(|&&w| !slot(w).is_some_and(|s| t.contains(&s)))
                {
                    Some(&w) => Err(no_message(w)),
                    None => {
                        self.targets = t;
                        return self.next_delete(0);
                    }
                }
            }
            // Only the listing ops come here.
            _ => Ok(Outcome::Listed(std::mem::take(&mut self.listing))),
        };
        self.end(r);
        self.step
    }

    fn next_delete(&mut self, i: usize) -> Step {
        match self.targets.get(i) {
            None => {
                let t = std::mem::take(&mut self.targets);
                self.end(Ok(Outcome::Deleted(t)));
                self.step
            }
            Some(&(m, _)) if self.cur != Some(m) => Step::DelChoose(i),
            Some(_) => Step::Del(i),
        }
    }

    /// The job's result, once `next` gives None.
    pub fn outcome(self) -> Result<Outcome> {
        self.done
            .unwrap_or_else(|| Err(fail("the SMS job ended without a result")))
    }
}

pub fn no_message(id: u32) -> Error {
    crate::err!(code::USAGE; "no message {id} (umodem sms list shows the ids)")
}

/// Drive a job with the blocking engine. The engine's unsolicited lines go
/// to the job while it waits for a `+CUSD`, otherwise to a debug log line
/// (never a `+CUSD`: its text is private).
pub fn run(e: &mut Engine, mut job: Job) -> Result<Outcome> {
    use std::cell::RefCell;
    use std::rc::Rc;
    // The first +CUSD heard (the job takes the first as its answer).
    let heard: Rc<RefCell<Option<String>>> = Rc::default();
    let h = Rc::clone(&heard);
    e.on_urc(move |l| {
        if strip_prefix_ci(l, "+CUSD:").is_some() {
            if let Ok(mut v) = h.try_borrow_mut() {
                v.get_or_insert_with(|| l.to_string());
            }
        } else {
            log::debug!("urc {l}");
        }
    });
    // Bounded: every step either moves the job on or ends it.
    for _ in 0..2048 {
        let came = match job.next() {
            None => return job.outcome(),
            Some(Do::Send { cmd, ms, secret }) => {
                if secret {
                    e.command_secret(&cmd, ms)
                } else {
                    e.command_timeout(&cmd, ms)
                }
            }
            Some(Do::Text { body, ms }) => e.text(&body, ms),
            Some(Do::Escape) => e.escape().map(|()| Response {
                lines: Vec::new(),
                result: Final::Ok,
            }),
            Some(Do::Await { ms }) => {
                let end = e.now_ms().saturating_add(ms);
                loop {
                    let line = heard.try_borrow_mut().ok().and_then(|mut h| h.take());
                    if line.is_some_and(|l| job.urc(&l)) {
                        break;
                    }
                    let left = end.saturating_sub(e.now_ms());
                    if left == 0 {
                        job.take(Err(AtError::Timeout));
                        break;
                    }
                    // In slices: a drain lasts as long as lines keep coming.
                    if let Err(g) = e.drain(left.min(250)) {
                        job.take(Err(g));
                        break;
                    }
                }
                continue;
            }
        };
        job.take(came);
    }
    Err(fail("the SMS job did not end"))
}
