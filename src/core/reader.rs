//! How we read a modem: the one reading of identity, SIM, signal,
//! registration, operator and technology that `umodem info`, `umodem prepare`,
//! the daemon and `ubus call umodem info` all use.
//!
//! [`Reader`] is a machine without I/O, like `core::connect::Dial`: it says
//! which command to send next ([`Ask`]: the command and how long its answer
//! may take) and is fed what came of it (the answer, a timeout, a gone port).
//! [`read`] drives it with the blocking engine in a few lines; the daemon
//! drives it from its own poll loop, so a silent modem never holds anything.
//!
//! The rules:
//! - **Hello first.** `ATQ0V1` (result codes on, verbose: the engine reads
//!   words); a modem that refuses it gets a plain `AT`, and only a refused or
//!   unanswered `AT` ends the reading.
//! - **Every answer is checked for its shape.** Each command's value is the
//!   first line that has the shape that command's answer has (digits for an
//!   IMEI, `+CSQ: n,n` for the signal, printable text that is neither the
//!   echo nor a `^`/`+` report for the identity strings). Line noise, stray
//!   unsolicited lines and cut-off fragments of them (`^RSS`) are dropped and
//!   logged at debug; they never become values.
//! - **Silence ends the reading at once.** The first command that gets no
//!   answer in time (or a port that fails) stops it: what was read so far is
//!   kept, and [`Reading::stopped`] says which command and why. No command
//!   waits more than 3 s, so a silent modem costs one timeout, not twenty.
//! - An `ERROR` to one query leaves that field empty; the rest goes on.
//!
//! Errors are typed ([`Fault`], the SIM's [`SimState`]) and turned into exit
//! codes and messages in one place: [`Fault::error`] and [`sim_error`].
//!
//! The reading is a table (`STEPS`): each step a command, its timeout, the
//! `What` it belongs to and when it is asked (Huawei only, not without a SIM,
//! as a fallback when the step before got nothing, as a follow-up when it got
//! something, on an LTE cell only). To read something more, add a step, its
//! answer in `Reader::take` and a field in [`Reading`].

use crate::core::at::{
    self, cat, strip_prefix_ci, Attempts, Csq, Final, Lte, Reg, Response, SimState,
};
use crate::core::engine::{AtError, Engine};
use crate::error::{code, Error};

/// What a reading asks for (bits; combine with `|`).
pub type What = u8;
/// `ATQ0V1` (or `AT`) and `AT+CMEE=1` first.
pub const HELLO: What = 1;
/// Manufacturer, model, revision, IMEI, IMSI, ICCID, capabilities.
pub const IDENTITY: What = 2;
/// The ICCID alone (it keys the PIN record; readable before the PIN).
pub const ICCID: What = 4;
/// SIM state and the PIN/PUK attempts left.
pub const SIM: What = 8;
/// Signal, registration, operator, access technology.
pub const NETWORK: What = 16;
/// Location area and cell id even when the modem's `+CREG` mode hides them
/// (`AT+CREG=2`, ask, then the mode put back).
pub const CELLS: What = 32;
/// `umodem info`: everything.
pub const INFO: What = HELLO | IDENTITY | ICCID | SIM | NETWORK | CELLS;
/// The daemon's periodic reading.
pub const POLL: What = HELLO | SIM | NETWORK;

/// Longest an answer may take: hello, queries, and the slower SIM file reads.
const HELLO_MS: u64 = 2000;
const RETRY_MS: u64 = 1000;
const QUERY_MS: u64 = 2000;
const SIM_MS: u64 = 3000;

/// Why a reading (or a command sequence) stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// No answer to this command in time.
    Silent(String),
    /// The port failed during this command (what the system said).
    Gone(String, String),
    /// The modem refused a command it cannot do without.
    Refused(String, Final),
}

impl Fault {
    /// From what became of `cmd`.
    pub fn of(cmd: &str, e: AtError) -> Fault {
        match e {
            AtError::Timeout => Fault::Silent(cmd.to_string()),
            AtError::Gone(why) => Fault::Gone(cmd.to_string(), why),
        }
    }

    /// The command that got no (usable) answer.
    pub fn command(&self) -> &str {
        match self {
            Fault::Silent(c) | Fault::Gone(c, _) | Fault::Refused(c, _) => c,
        }
    }

    /// One line for logs and `last_error`.
    pub fn describe(&self) -> String {
        match self {
            Fault::Silent(c) => cat(&["no answer to ", c]),
            Fault::Gone(c, why) => cat(&["port failed during ", c, " (", why, ")"]),
            Fault::Refused(c, f) => cat(&[&f.describe(), " to ", c]),
        }
    }

    /// The error a command exits with: code and a message saying what to do.
    pub fn error(&self) -> Error {
        // The line of `describe` between what it means and what to do.
        let (c, pre, post) = match self {
            Fault::Silent(_) => (
                code::MODEM_ERROR,
                "the modem stopped answering (",
                "): replug it, or try another port with --port",
            ),
            Fault::Gone(..) => (
                code::NO_DEVICE,
                "the modem ",
                ": is the modem still plugged in?",
            ),
            Fault::Refused(..) => (
                code::MODEM_ERROR,
                "the modem answered ",
                ": is this its AT port? (try another with --port)",
            ),
        };
        Error::with_code(c, cat(&[pre, &self.describe(), post]))
    }
}

/// What a SIM state means for going online, if it stops us: the exit code and
/// what to do. `None` for a SIM that is ready or only wants its PIN.
pub fn sim_error(s: SimState) -> Option<Error> {
    let (c, msg) = match s {
        SimState::Absent => (
            code::NO_SIM,
            "no SIM card: insert one (with the modem unplugged)",
        ),
        SimState::Busy => (
            code::SIM_BUSY,
            "the SIM is busy starting up: try again in a few seconds",
        ),
        SimState::Failed => (
            code::SIM_BUSY,
            "the SIM failed: reseat it or try another SIM",
        ),
        SimState::Puk => (
            code::PUK_REQUIRED,
            "the SIM is blocked and wants its PUK: unblock it in a phone, then set the PIN again",
        ),
        SimState::Locked => (
            code::SIM_BUSY,
            "the modem is locked to a network (PH-SIM/PH-NET): it needs an unlock code",
        ),
        SimState::Ready | SimState::Pin | SimState::Pin2 | SimState::Puk2 => return None,
    };
    Some(Error::with_code(c, msg))
}

/// Everything one reading found. A field is `None` when the modem did not say
/// (refused, unknown, not asked, or the reading stopped before it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reading {
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub revision: Option<String>,
    pub imei: Option<String>,
    pub imsi: Option<String>,
    pub iccid: Option<String>,
    pub gcap: Option<Vec<String>>,
    pub sim: Option<SimState>,
    pub pin_attempts: Option<u8>,
    pub puk_attempts: Option<u8>,
    pub csq: Option<Csq>,
    pub creg: Option<Reg>,
    pub cgreg: Option<Reg>,
    /// EPS (LTE) registration, asked on an LTE cell only.
    pub cereg: Option<Reg>,
    /// Huawei's `^HCSQ` on an LTE cell: RSSI, RSRP, SINR, RSRQ.
    pub lte: Option<Lte>,
    /// Operator's name ("3 SE"), and its MCC/MNC ("240", "02").
    pub operator: Option<String>,
    pub mcc: Option<String>,
    pub mnc: Option<String>,
    /// Access technology ("umts", "hsdpa", "lte", ...).
    pub tech: Option<String>,
    /// How many commands got an answer (any final result).
    pub answered: u32,
    /// Why the reading ended early; `None`: it ran to the end.
    pub stopped: Option<Fault>,
}

impl Reading {
    /// "home", "roaming", "searching", ...: packet registration if known (that
    /// is what data needs: EPS or GPRS, whichever is registered), else circuit.
    pub fn registration(&self) -> Option<&'static str> {
        let ps = match (&self.cereg, &self.cgreg) {
            (Some(e), Some(g)) if !e.registered() && g.registered() => Some(g),
            (Some(e), _) => Some(e),
            (None, g) => g.as_ref(),
        };
        let pick = match (ps, &self.creg) {
            (Some(g), Some(c)) if !g.registered() && c.registered() => c,
            (Some(g), _) => g,
            (None, Some(c)) => c,
            (None, None) => return None,
        };
        Some(pick.stat_name())
    }

    /// Registered on a network (home or roaming), as far as the reading says.
    pub fn registered(&self) -> bool {
        matches!(self.registration(), Some("home") | Some("roaming"))
    }

    /// The identity fields, in output order, for `info` and `ubus call umodem info`.
    pub fn identity(&self) -> [(&'static str, Option<&str>); 6] {
        [
            ("manufacturer", self.manufacturer.as_deref()),
            ("model", self.model.as_deref()),
            ("revision", self.revision.as_deref()),
            ("imei", self.imei.as_deref()),
            ("imsi", self.imsi.as_deref()),
            ("iccid", self.iccid.as_deref()),
        ]
    }
}

/// How one step's answer is taken (see `Reader::take`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    Hello,
    HelloAt,
    Cmee,
    Cpin,
    HwCpin,
    Cpinr,
    Cgmi,
    Cgmm,
    Cgmr,
    Imei,
    Cimi,
    HwIccid,
    Crsm,
    Csq,
    /// `AT+CREG?` of net n (see `NETS`), then `AT+CREG=2`, ask again, put back.
    Reg(u8),
    Reg2Set,
    Reg2(u8),
    RegBack,
    CopsNum,
    CopsName,
    SysinfoEx,
    Sysinfo,
    /// Huawei's LTE readings.
    Hcsq,
    Gcap,
}

/// When a step is asked, besides its `What` (flags).
const HW: u8 = 1;
/// Not when the SIM is absent.
const PRESENT: u8 = 2;
/// Only when the SIM state is unknown or ready.
const READY: u8 = 4;
/// Only when the step before got nothing (a fallback).
const ALT: u8 = 8;
/// Only when the step before got what this one follows up.
const THEN: u8 = 16;
/// Only on an LTE cell (as `^SYSINFOEX`/`^SYSINFO` or `+COPS` said).
const LTE: u8 = 32;

/// One command of a reading: what to send, how long its answer may take, for
/// which `What`, when (flags), how its answer is taken.
struct Step {
    cmd: &'static str,
    ms: u16,
    what: What,
    when: u8,
    kind: K,
}

const fn st(cmd: &'static str, ms: u16, what: What, when: u8, kind: K) -> Step {
    Step {
        cmd,
        ms,
        what,
        when,
        kind,
    }
}

const Q: u16 = QUERY_MS as u16;
const S: u16 = SIM_MS as u16;
const N: What = NETWORK;

/// The reading, in order. To read something more, add a step here, its answer in `Reader::take` and a field in [`Reading`].
const STEPS: &[Step] = &[
    st("ATQ0V1", HELLO_MS as u16, HELLO, 0, K::Hello),
    // Plain `AT`, after `ATQ0V1` was refused or got no answer.
    st("AT", RETRY_MS as u16, HELLO, ALT, K::HelloAt),
    st("AT+CMEE=1", Q, HELLO, 0, K::Cmee),
    st("AT+CPIN?", S, SIM, 0, K::Cpin),
    st("AT^CPIN?", S, SIM, HW | PRESENT, K::HwCpin),
    st("AT+CPINR=\"SIM PIN\"", S, SIM, PRESENT | ALT, K::Cpinr),
    st("AT+CPINR", S, SIM, PRESENT | ALT, K::Cpinr),
    st("AT+CGMI", Q, IDENTITY, 0, K::Cgmi),
    st("AT+CGMM", Q, IDENTITY, 0, K::Cgmm),
    st("AT+CGMR", Q, IDENTITY, 0, K::Cgmr),
    st("AT+CGSN", Q, IDENTITY, 0, K::Imei),
    st("AT+GSN", Q, IDENTITY, ALT, K::Imei),
    // The IMSI needs an unlocked SIM; asking a locked one is a wasted round trip.
    st("AT+CIMI", Q, IDENTITY, READY, K::Cimi),
    st("AT^ICCID?", S, IDENTITY | ICCID, HW | PRESENT, K::HwIccid),
    st(
        "AT+CRSM=176,12258,0,0,10",
        S,
        IDENTITY | ICCID,
        PRESENT | ALT,
        K::Crsm,
    ),
    st("AT+CSQ", Q, N, 0, K::Csq),
    st("AT+CREG?", Q, N, 0, K::Reg(0)),
    st("AT+CREG=2", Q, N, THEN, K::Reg2Set),
    st("AT+CREG?", Q, N, THEN, K::Reg2(0)),
    st("AT+CREG=", Q, N, THEN, K::RegBack),
    st("AT+CGREG?", Q, N, 0, K::Reg(1)),
    st("AT+CGREG=2", Q, N, THEN, K::Reg2Set),
    st("AT+CGREG?", Q, N, THEN, K::Reg2(1)),
    st("AT+CGREG=", Q, N, THEN, K::RegBack),
    st("AT+COPS=3,2;+COPS?", S, N, 0, K::CopsNum),
    st("AT+COPS=3,0;+COPS?", S, N, 0, K::CopsName),
    st("AT^SYSINFOEX", Q, N, HW, K::SysinfoEx),
    st("AT^SYSINFO", Q, N, HW | ALT, K::Sysinfo),
    // On an LTE cell only: EPS registration and Huawei's LTE readings.
    st("AT+CEREG?", Q, N, LTE, K::Reg(2)),
    st("AT+CEREG=2", Q, N, THEN, K::Reg2Set),
    st("AT+CEREG?", Q, N, THEN, K::Reg2(2)),
    st("AT+CEREG=", Q, N, THEN, K::RegBack),
    st("AT^HCSQ?", Q, N, HW | LTE, K::Hcsq),
    st("AT+GCAP", Q, IDENTITY, 0, K::Gcap),
];

/// The next command: what to send and how long its answer may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    pub cmd: String,
    pub ms: u64,
}

/// A reading in progress.
#[derive(Debug)]
pub struct Reader {
    what: What,
    huawei: bool,
    /// The step in `STEPS` whose answer is awaited (its length: done).
    i: usize,
    /// The command sent for it.
    cmd: String,
    /// What the last step got (for `ALT` and `THEN` steps).
    got: bool,
    /// Boxed: a reading is ~250 B, moved by its pointer.
    r: Box<Reading>,
    /// The access technology `+COPS` gave (the named answer's, else the
    /// numeric one's).
    act: Option<u8>,
    /// The `+CREG`/`+CGREG` mode the modem had before we set 2, to put back.
    reg_mode: Option<u8>,
}

/// The first line of `r` that `take` takes; every other line is logged at
/// debug as dropped (a fragment, a stray report, noise). A `^` anywhere but at
/// the start of a line is a piece of a Huawei report that cut into the line:
/// no answer has one, so such a line is never taken.
fn first(r: &Response, cmd: &str, take: &mut dyn FnMut(&str) -> bool) -> bool {
    let mut got = false;
    for l in &r.lines {
        if !got && !l.bytes().skip(1).any(|b| b == b'^') && take(l) {
            got = true;
            continue;
        }
        log::debug!("reader {cmd}: dropped '{l}'");
    }
    got
}

/// A free-text value (manufacturer, model, revision, operator name): printable
/// (the line splitter already dropped lines with other bytes), at most 100
/// characters, with a letter or digit, and no trace of an unsolicited report:
/// reports and their cut-off pieces start with `+` or `^`, and Huawei's `^`
/// appears in no name or version.
pub fn clean_text(v: &str) -> Option<&str> {
    let v = at::unquote(v);
    let ok = !v.is_empty()
        && v.len() <= 100
        && !v.starts_with('+')
        && !v.bytes().any(|b| b == b'^')
        && v.bytes().any(|b| b.is_ascii_alphanumeric());
    ok.then_some(v)
}

/// The value of a bare text answer (`AT+CGMI`: `huawei`, or `+CGMI: huawei`):
/// clean text (see [`clean_text`]) that is not (a piece of) the echo.
pub fn text_value<'a>(line: &'a str, cmd: &str) -> Option<&'a str> {
    // "+CGMI" of "AT+CGMI": the prefix an answer may carry.
    let name = cmd.get(2..).unwrap_or("");
    let v = strip_prefix_ci(line, name)
        .and_then(|r| r.strip_prefix(':'))
        .unwrap_or(line)
        .trim_ascii();
    let echo = strip_prefix_ci(v, "AT")
        .is_some_and(|r| matches!(r.bytes().next(), None | Some(b'+' | b'^')))
        || strip_prefix_ci(cmd, v).is_some();
    if echo {
        return None;
    }
    clean_text(v)
}

impl Reader {
    /// Start a reading of `what`; `huawei`: the modem speaks Huawei's `^CPIN`,
    /// `^ICCID`, `^SYSINFO(EX)`. Returns the machine and its first command.
    pub fn new(what: What, huawei: bool) -> (Reader, Option<Ask>) {
        let mut r = Reader {
            what,
            huawei,
            i: 0,
            cmd: String::new(),
            got: false,
            r: Box::default(),
            act: None,
            reg_mode: None,
        };
        let a = r.next();
        (r, a)
    }

    /// All asked (or stopped): see [`Reader::reading`].
    pub fn done(&self) -> bool {
        self.i >= STEPS.len()
    }

    /// What has been read so far.
    pub fn reading(&self) -> &Reading {
        &self.r
    }

    pub fn into_reading(self) -> Reading {
        *self.r
    }

    /// Whether step `s` is to be asked, given what is known.
    fn wanted(&self, s: &Step) -> bool {
        let f = |b: u8| s.when & b != 0;
        let sim = self.r.sim;
        self.what & s.what != 0
            && (self.huawei || !f(HW))
            && !(f(PRESENT) && sim == Some(SimState::Absent))
            && !(f(READY) && sim.is_some_and(|s| !s.ready()))
            && !(f(ALT) && self.got)
            && (!f(THEN) || self.got)
            && (!f(LTE) || self.on_lte())
    }

    /// On an LTE cell, as far as `^SYSINFOEX` / `^SYSINFO` or `+COPS` said.
    fn on_lte(&self) -> bool {
        self.act == Some(7)
            || self
                .r
                .tech
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("lte"))
    }

    /// The next step from `self.i` that is wanted: its command. At the end
    /// (or once stopped), the derived fields are filled in and it is done.
    fn next(&mut self) -> Option<Ask> {
        while let (None, Some(s)) = (&self.r.stopped, STEPS.get(self.i)) {
            if self.wanted(s) {
                self.cmd = s.cmd.to_string();
                if s.kind == K::RegBack {
                    at::push_num(&mut self.cmd, u32::from(self.reg_mode.unwrap_or(0)));
                }
                return Some(Ask {
                    cmd: self.cmd.clone(),
                    ms: u64::from(s.ms),
                });
            }
            // A fallback not needed leaves its chain as it was; any other
            // step not asked got nothing.
            if s.when & (ALT | THEN) == 0 {
                self.got = false;
            }
            self.i += 1;
        }
        self.i = STEPS.len();
        self.finish();
        None
    }

    /// What came of the last command: the next command, or `None` when done
    /// (see [`Reader::reading`]).
    pub fn step(&mut self, answer: Result<Response, AtError>) -> Option<Ask> {
        let kind = STEPS.get(self.i)?.kind;
        let cmd = std::mem::take(&mut self.cmd);
        match answer {
            Ok(r) => {
                self.r.answered = self.r.answered.saturating_add(1);
                self.got = self.take(kind, &cmd, &r);
                if kind == K::HelloAt && !self.got {
                    self.r.stopped = Some(Fault::Refused(cmd, r.result));
                }
            }
            // One lost or cut answer to the first command is not yet a dead modem.
            Err(AtError::Timeout) if kind == K::Hello => self.got = false,
            Err(e) => self.r.stopped = Some(Fault::of(&cmd, e)),
        }
        if let Some(f) = &self.r.stopped {
            log::info!("reader: {}, stopped", f.describe());
        }
        self.i += 1;
        self.next()
    }

    /// Store what `r` (the answer to `cmd`, of kind `k`) says: whether it got
    /// what the step is for (see `ALT`, `THEN`).
    fn take(&mut self, k: K, cmd: &str, r: &Response) -> bool {
        let ok = r.result.is_ok();
        if !ok {
            log::debug!("reader {cmd}: {}", r.result.describe());
        }
        match k {
            // A refused plain `AT` ends the reading (see `step`).
            K::Hello | K::HelloAt | K::Cmee | K::Reg2Set | K::RegBack => return ok,
            K::Cpin if !ok => {
                self.r.sim = SimState::from_final(&r.result);
                return false;
            }
            K::Cpinr => {
                attempts(
                    &mut self.r,
                    at::parse_cpinr(r.lines.iter().map(String::as_str)),
                );
                return self.r.pin_attempts.is_some();
            }
            _ if !ok => return false,
            K::Reg(_) => self.reg_mode = None,
            _ => {}
        }
        let got = first(r, cmd, &mut |l| self.store(k, cmd, l));
        let st = &self.r;
        match k {
            // Ask again with `+CREG=2` when the cells are wanted, the modem
            // hides them and its mode can be put back.
            K::Reg(n) => {
                let reg = [&st.creg, &st.cgreg, &st.cereg][usize::from(n).min(2)];
                self.what & CELLS != 0
                    && reg.as_ref().is_some_and(|g| g.lac.is_none())
                    && self.reg_mode.is_some_and(|m| m != 2)
            }
            K::Reg2(_) => self.reg_mode.is_some(),
            _ => got,
        }
    }

    /// Store the value line `l` of the answer to `cmd` (step kind `k`) has,
    /// if it has one of the shape that answer has: whether it had.
    fn store(&mut self, k: K, cmd: &str, l: &str) -> bool {
        let st = &mut self.r;
        let text = || text_value(l, cmd);
        match k {
            K::Cgmi => return set(&mut st.manufacturer, text()),
            K::Cgmm => return set(&mut st.model, text()),
            K::Cgmr => return set(&mut st.revision, text()),
            K::Imei => {
                st.imei = text().and_then(at::parse_imei);
                return st.imei.is_some();
            }
            K::Cimi => {
                st.imsi = text().and_then(at::parse_imsi);
                return st.imsi.is_some();
            }
            _ => {}
        }
        // The answer's own prefix: `+CSQ:` of `AT+CSQ`, `+COPS:` of
        // `AT+COPS=3,2;+COPS?`.
        let Some(v) = at::asked_name(cmd)
            .and_then(|n| strip_prefix_ci(l.trim_ascii(), n))
            .and_then(|r| r.strip_prefix(':'))
            .map(str::trim_ascii)
        else {
            return false;
        };
        match k {
            K::Cpin => {
                st.sim = at::parse_cpin(v);
                st.sim.is_some()
            }
            K::HwCpin => at::parse_hw_cpin(v).is_some_and(|a| {
                attempts(st, a);
                true
            }),
            K::HwIccid => {
                st.iccid = at::parse_iccid(v);
                st.iccid.is_some()
            }
            K::Crsm => {
                st.iccid = at::parse_crsm(v).and_then(|h| at::parse_iccid(&h));
                st.iccid.is_some()
            }
            K::Csq => {
                st.csq = at::parse_csq(v);
                st.csq.is_some()
            }
            K::Reg(n) | K::Reg2(n) => {
                let Some(reg) = at::parse_reg_answer(v) else {
                    return false;
                };
                let slot = match n {
                    0 => &mut st.creg,
                    1 => &mut st.cgreg,
                    _ => &mut st.cereg,
                };
                *slot = Some(reg);
                if let K::Reg(_) = k {
                    // The mode the modem has (`+CREG: <n>,<stat>...`), to put back.
                    self.reg_mode = at::params(v).next().and_then(at::int8);
                }
                true
            }
            K::CopsNum | K::CopsName => {
                let Some(c) = at::parse_cops(v) else {
                    return false;
                };
                // The named answer comes second: its technology wins.
                self.act = c.act;
                let oper = c.oper.as_deref();
                if k == K::CopsNum {
                    // MCC and MNC of the numeric operator.
                    if let Some((mcc, mnc)) = oper.and_then(at::split_plmn) {
                        st.mcc = Some(mcc.to_string());
                        st.mnc = Some(mnc.to_string());
                    }
                } else {
                    // The name, unless the modem gave digits for it.
                    st.operator = oper
                        .filter(|n| at::split_plmn(n).is_none())
                        .and_then(clean_text)
                        .map(str::to_string);
                }
                true
            }
            K::SysinfoEx => {
                st.tech = at::parse_sysinfoex(v).filter(|t| clean_text(t).is_some());
                st.tech.is_some()
            }
            K::Sysinfo => {
                st.tech = at::parse_sysinfo(v)
                    .and_then(|i| at::sysinfo_tech(&i))
                    .map(str::to_string);
                st.tech.is_some()
            }
            K::Hcsq => {
                st.lte = at::parse_hcsq(v);
                st.lte.is_some()
            }
            K::Gcap => {
                st.gcap = Some(at::parse_gcap(v));
                true
            }
            _ => false,
        }
    }

    /// Derived fields once the commands are done: the technology from
    /// `+COPS` when the vendor commands gave none.
    fn finish(&mut self) {
        if self.r.tech.is_none() {
            self.r.tech = self.act.map(|a| at::act_name(a).to_string());
        }
    }
}

/// `v` into `slot` if there is one: whether there was.
fn set(slot: &mut Option<String>, v: Option<&str>) -> bool {
    *slot = v.map(str::to_string);
    slot.is_some()
}

fn attempts(st: &mut Reading, a: Attempts) {
    st.pin_attempts = a.pin;
    st.puk_attempts = a.puk;
    if st.sim.is_none() {
        st.sim = a.state;
    }
}

/// Run a reading on a blocking engine: the tiny loop `info` and `prepare` use.
pub fn read(e: &mut Engine, what: What, huawei: bool) -> Box<Reading> {
    let (mut rd, mut ask) = Reader::new(what, huawei);
    while let Some(a) = ask {
        let answer = e.command_timeout(&a.cmd, a.ms);
        ask = rd.step(answer);
    }
    rd.r
}
