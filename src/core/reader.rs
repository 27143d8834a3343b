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
//! To read something more (say LTE's `^HCSQ`), add a [`Stage`] to `ORDER`,
//! its command in `Reader::ask`, its answer in `Reader::take` and a field in
//! [`Reading`].

use crate::core::at::{
    self, strip_prefix_ci, Attempts, Cops, Csq, Final, Lte, Reg, Response, SimState,
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
            Fault::Silent(c) => format!("no answer to {c}"),
            Fault::Gone(c, why) => format!("port failed during {c} ({why})"),
            Fault::Refused(c, f) => format!("{} to {c}", f.describe()),
        }
    }

    /// The error a command exits with: code and a message saying what to do.
    pub fn error(&self) -> Error {
        match self {
            Fault::Silent(c) => Error::with_code(
                code::MODEM_ERROR,
                format!("the modem stopped answering (no answer to {c}): replug it, or try another port with --port"),
            ),
            Fault::Gone(c, why) => Error::with_code(
                code::NO_DEVICE,
                format!("the modem port failed during {c} ({why}): is the modem still plugged in?"),
            ),
            Fault::Refused(c, f) => Error::with_code(
                code::MODEM_ERROR,
                format!(
                    "the modem answered {} to {c}: is this its AT port? (try another with --port)",
                    f.describe()
                ),
            ),
        }
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

/// Registration query of circuit (`+CREG`) or packet (`+CGREG`) service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    Cs,
    Ps,
    /// `+CEREG` (LTE)
    Eps,
}

impl Net {
    fn name(self) -> &'static str {
        match self {
            Net::Cs => "+CREG",
            Net::Ps => "+CGREG",
            Net::Eps => "+CEREG",
        }
    }
}

/// Where a reading is: the command whose answer it waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Hello,
    /// Plain `AT`, after `ATQ0V1` was refused or got no answer.
    HelloAt,
    Cmee,
    Cpin,
    HwCpin,
    Cpinr,
    CpinrAll,
    Cgmi,
    Cgmm,
    Cgmr,
    Cgsn,
    Gsn,
    Cimi,
    HwIccid,
    Crsm,
    Csq,
    /// `AT+CREG?`
    Reg(Net),
    /// `AT+CREG=2` (to see the cell), then `Reg2`, then `RegBack(n)`.
    Reg2Set(Net),
    Reg2(Net),
    RegBack(Net, u8),
    CopsNum,
    CopsName,
    SysinfoEx,
    Sysinfo,
    /// Huawei's LTE readings, `AT^HCSQ?`.
    Hcsq,
    Gcap,
    Done,
}

/// The main sequence; the other stages are entered from the one before them.
const ORDER: &[Stage] = &[
    Stage::Hello,
    Stage::Cmee,
    Stage::Cpin,
    Stage::HwCpin,
    Stage::Cgmi,
    Stage::Cgmm,
    Stage::Cgmr,
    Stage::Cgsn,
    Stage::Cimi,
    Stage::HwIccid,
    Stage::Csq,
    Stage::Reg(Net::Cs),
    Stage::Reg(Net::Ps),
    Stage::CopsNum,
    Stage::CopsName,
    Stage::SysinfoEx,
    // On an LTE cell only: EPS registration and Huawei's LTE readings.
    Stage::Reg(Net::Eps),
    Stage::Hcsq,
    Stage::Gcap,
    Stage::Done,
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
    stage: Stage,
    r: Reading,
    numeric: Option<Cops>,
    named: Option<Cops>,
    /// The `+CREG`/`+CGREG` mode the modem had before we set 2, to put back.
    reg_mode: Option<u8>,
}

/// The first line of `r` that `f` takes; every other line is logged at debug
/// as dropped (a fragment, a stray report, noise). A `^` anywhere but at the
/// start of a line is a piece of a Huawei report that cut into the line: no
/// answer has one, so such a line is never taken.
fn first<T>(r: &Response, cmd: &str, f: &dyn Fn(&str) -> Option<T>) -> Option<T> {
    let mut got = None;
    for l in &r.lines {
        if got.is_none() && !l.get(1..).is_some_and(|t| t.contains('^')) {
            got = f(l);
            if got.is_some() {
                continue;
            }
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
pub fn clean_text(v: &str) -> Option<String> {
    let v = v.trim().trim_matches('"').trim();
    let ok = !v.is_empty()
        && v.len() <= 100
        && !v.starts_with('+')
        && !v.contains('^')
        && v.bytes().any(|b| b.is_ascii_alphanumeric());
    ok.then(|| v.to_string())
}

/// The value of a bare text answer (`AT+CGMI`: `huawei`, or `+CGMI: huawei`):
/// clean text (see [`clean_text`]) that is not (a piece of) the echo.
pub fn text_value(line: &str, cmd: &str) -> Option<String> {
    let prefix = at::solicited_prefix(cmd);
    let v = match prefix.as_deref().and_then(|p| strip_prefix_ci(line, p)) {
        Some(rest) => rest,
        None => line,
    };
    let up = v.trim().to_ascii_uppercase();
    let echo = up == "AT"
        || up.starts_with("AT+")
        || up.starts_with("AT^")
        || cmd.to_ascii_uppercase().starts_with(&up);
    if echo {
        return None;
    }
    clean_text(v)
}

/// The text after `prefix` on `line` (case-insensitive), trimmed.
fn after<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    strip_prefix_ci(line.trim(), prefix).map(str::trim)
}

fn reg_mode(line: &str, net: Net) -> Option<u8> {
    let rest = strip_prefix_ci(line.trim(), net.name())?.strip_prefix(':')?;
    at::parse_reg_answer(rest)?;
    at::params(rest).first()?.parse().ok()
}

impl Reader {
    /// Start a reading of `what`; `huawei`: the modem speaks Huawei's `^CPIN`,
    /// `^ICCID`, `^SYSINFO(EX)`. Returns the machine and its first command.
    pub fn new(what: What, huawei: bool) -> (Reader, Option<Ask>) {
        let mut r = Reader {
            what,
            huawei,
            stage: Stage::Hello,
            r: Reading::default(),
            numeric: None,
            named: None,
            reg_mode: None,
        };
        let first = if what & HELLO != 0 {
            Stage::Hello
        } else {
            r.after(Stage::Hello)
        };
        let a = r.go(first);
        (r, a)
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// What has been read so far.
    pub fn reading(&self) -> &Reading {
        &self.r
    }

    pub fn into_reading(self) -> Reading {
        self.r
    }

    /// Whether `s` of the main sequence is to be asked, given what is known.
    fn wanted(&self, s: Stage) -> bool {
        let has = |w: What| self.what & w != 0;
        let sim = self.r.sim;
        let absent = sim == Some(SimState::Absent);
        match s {
            Stage::Hello | Stage::Cmee => has(HELLO),
            Stage::Cpin => has(SIM),
            Stage::HwCpin => has(SIM) && !absent,
            Stage::Cgmi | Stage::Cgmm | Stage::Cgmr | Stage::Cgsn | Stage::Gcap => has(IDENTITY),
            // The IMSI needs an unlocked SIM; asking a locked one is a wasted round trip.
            Stage::Cimi => has(IDENTITY) && sim.is_none_or(|s| s.ready()),
            Stage::HwIccid => (has(IDENTITY) || has(ICCID)) && !absent,
            Stage::Reg(Net::Eps) => has(NETWORK) && self.on_lte(),
            Stage::Hcsq => has(NETWORK) && self.huawei && self.on_lte(),
            Stage::Csq | Stage::Reg(_) | Stage::CopsNum | Stage::CopsName | Stage::SysinfoEx => {
                has(NETWORK)
            }
            _ => true,
        }
    }

    /// On an LTE cell, as far as `^SYSINFOEX` / `^SYSINFO` or `+COPS` said.
    fn on_lte(&self) -> bool {
        self.act() == Some(7)
            || self
                .r
                .tech
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("lte"))
    }

    /// The access technology `+COPS` gave (the named answer's first).
    fn act(&self) -> Option<u8> {
        self.named
            .as_ref()
            .or(self.numeric.as_ref())
            .and_then(|c| c.act)
    }

    /// The stage after `s` (or after the main stage `s` was entered from) in
    /// the main sequence that is wanted.
    fn after(&self, s: Stage) -> Stage {
        let s = match s {
            Stage::HelloAt => Stage::Hello,
            Stage::Cpinr | Stage::CpinrAll => Stage::HwCpin,
            Stage::Gsn => Stage::Cgsn,
            Stage::Crsm => Stage::HwIccid,
            Stage::Reg2Set(n) | Stage::Reg2(n) | Stage::RegBack(n, _) => Stage::Reg(n),
            Stage::Sysinfo => Stage::SysinfoEx,
            s => s,
        };
        let i = ORDER
            .iter()
            .position(|x| *x == s)
            .map_or(ORDER.len(), |i| i + 1);
        ORDER
            .get(i..)
            .unwrap_or(&[])
            .iter()
            .copied()
            .find(|x| self.wanted(*x))
            .unwrap_or(Stage::Done)
    }

    /// Enter stage `s`, resolving the vendor-specific ones: its command.
    fn go(&mut self, s: Stage) -> Option<Ask> {
        let s = match s {
            Stage::HwCpin if !self.huawei => Stage::Cpinr,
            Stage::HwIccid if !self.huawei => Stage::Crsm,
            Stage::SysinfoEx if !self.huawei => self.after(Stage::SysinfoEx),
            s => s,
        };
        self.stage = s;
        let a = self.ask();
        if a.is_none() {
            self.finish();
        }
        a
    }

    /// The command of the current stage.
    fn ask(&self) -> Option<Ask> {
        let (cmd, ms): (&str, u64) = match self.stage {
            Stage::Hello => ("ATQ0V1", HELLO_MS),
            Stage::HelloAt => ("AT", RETRY_MS),
            Stage::Cmee => ("AT+CMEE=1", QUERY_MS),
            Stage::Cpin => ("AT+CPIN?", SIM_MS),
            Stage::HwCpin => ("AT^CPIN?", SIM_MS),
            Stage::Cpinr => ("AT+CPINR=\"SIM PIN\"", SIM_MS),
            Stage::CpinrAll => ("AT+CPINR", SIM_MS),
            Stage::Cgmi => ("AT+CGMI", QUERY_MS),
            Stage::Cgmm => ("AT+CGMM", QUERY_MS),
            Stage::Cgmr => ("AT+CGMR", QUERY_MS),
            Stage::Cgsn => ("AT+CGSN", QUERY_MS),
            Stage::Gsn => ("AT+GSN", QUERY_MS),
            Stage::Cimi => ("AT+CIMI", QUERY_MS),
            Stage::HwIccid => ("AT^ICCID?", SIM_MS),
            Stage::Crsm => ("AT+CRSM=176,12258,0,0,10", SIM_MS),
            Stage::Csq => ("AT+CSQ", QUERY_MS),
            Stage::Reg(n) | Stage::Reg2(n) => {
                return Some(Ask {
                    cmd: format!("AT{}?", n.name()),
                    ms: QUERY_MS,
                })
            }
            Stage::Reg2Set(n) => {
                return Some(Ask {
                    cmd: format!("AT{}=2", n.name()),
                    ms: QUERY_MS,
                })
            }
            Stage::RegBack(n, m) => {
                return Some(Ask {
                    cmd: format!("AT{}={m}", n.name()),
                    ms: QUERY_MS,
                })
            }
            Stage::CopsNum => ("AT+COPS=3,2;+COPS?", SIM_MS),
            Stage::CopsName => ("AT+COPS=3,0;+COPS?", SIM_MS),
            Stage::SysinfoEx => ("AT^SYSINFOEX", QUERY_MS),
            Stage::Sysinfo => ("AT^SYSINFO", QUERY_MS),
            Stage::Hcsq => ("AT^HCSQ?", QUERY_MS),
            Stage::Gcap => ("AT+GCAP", QUERY_MS),
            Stage::Done => return None,
        };
        Some(Ask {
            cmd: cmd.to_string(),
            ms,
        })
    }

    /// What came of the last command: the next command, or `None` when done
    /// (see [`Reader::reading`]).
    pub fn step(&mut self, answer: Result<Response, AtError>) -> Option<Ask> {
        let cmd = self.ask().map(|a| a.cmd).unwrap_or_default();
        let r = match answer {
            Ok(r) => {
                self.r.answered = self.r.answered.saturating_add(1);
                r
            }
            // One lost or cut answer to the first command is not yet a dead modem.
            Err(AtError::Timeout) if self.stage == Stage::Hello => return self.go(Stage::HelloAt),
            Err(e) => return self.stop(Fault::of(&cmd, e)),
        };
        let next = self.take(&cmd, &r);
        if let Some(f) = self.r.stopped.clone() {
            log::info!("reader: {}", f.describe());
            return self.go(Stage::Done);
        }
        self.go(next)
    }

    fn stop(&mut self, f: Fault) -> Option<Ask> {
        log::info!("reader: {}, stopped", f.describe());
        self.r.stopped = Some(f);
        self.go(Stage::Done)
    }

    /// Store what `r` (the answer to `cmd`) says; the next stage.
    fn take(&mut self, cmd: &str, r: &Response) -> Stage {
        let s = self.stage;
        let ok = r.result.is_ok();
        if !ok {
            log::debug!("reader {cmd}: {}", r.result.describe());
        }
        let text = |r: &Response| first(r, cmd, &|l| text_value(l, cmd));
        let st = &mut self.r;
        match s {
            Stage::Hello if !ok => return Stage::HelloAt,
            Stage::HelloAt if !ok => {
                st.stopped = Some(Fault::Refused(cmd.to_string(), r.result.clone()));
            }
            Stage::HelloAt => return self.after(Stage::Hello),
            Stage::Cpin => {
                st.sim = if ok {
                    first(r, cmd, &|l| after(l, "+CPIN:").and_then(at::parse_cpin))
                } else {
                    SimState::from_final(&r.result)
                };
            }
            Stage::HwCpin => {
                let a = if ok {
                    first(r, cmd, &|l| after(l, "^CPIN:").and_then(at::parse_hw_cpin))
                } else {
                    None
                };
                match a {
                    Some(a) => attempts(st, a),
                    None => return Stage::Cpinr,
                }
            }
            Stage::Cpinr | Stage::CpinrAll => {
                let a = at::parse_cpinr(r.lines.iter().map(String::as_str));
                attempts(st, a);
                if st.pin_attempts.is_none() && s == Stage::Cpinr {
                    return Stage::CpinrAll;
                }
                return self.after(Stage::HwCpin);
            }
            Stage::Cgmi if ok => st.manufacturer = text(r),
            Stage::Cgmm if ok => st.model = text(r),
            Stage::Cgmr if ok => st.revision = text(r),
            Stage::Cgsn | Stage::Gsn => {
                if ok {
                    st.imei = first(r, cmd, &|l| at::parse_imei(&text_value(l, cmd)?));
                }
                if st.imei.is_none() && s == Stage::Cgsn {
                    return Stage::Gsn;
                }
                return self.after(Stage::Cgsn);
            }
            Stage::Cimi if ok => {
                st.imsi = first(r, cmd, &|l| at::parse_imsi(&text_value(l, cmd)?));
            }
            Stage::HwIccid | Stage::Crsm => {
                if ok && s == Stage::HwIccid {
                    st.iccid = first(r, cmd, &|l| after(l, "^ICCID:").and_then(at::parse_iccid));
                } else if ok {
                    st.iccid = first(r, cmd, &|l| {
                        at::parse_iccid(&at::parse_crsm(after(l, "+CRSM:")?)?)
                    });
                }
                if st.iccid.is_none() && s == Stage::HwIccid {
                    return Stage::Crsm;
                }
                return self.after(Stage::HwIccid);
            }
            Stage::Csq if ok => {
                st.csq = first(r, cmd, &|l| after(l, "+CSQ:").and_then(at::parse_csq))
            }
            Stage::Reg(n) | Stage::Reg2(n) if ok => {
                let p = n.name();
                let reg = first(r, cmd, &|l| {
                    at::parse_reg_answer(strip_prefix_ci(l.trim(), p)?.strip_prefix(':')?)
                });
                let mode = r.lines.iter().find_map(|l| reg_mode(l, n));
                let hidden = reg.as_ref().is_some_and(|g| g.lac.is_none());
                let slot = match n {
                    Net::Cs => &mut st.creg,
                    Net::Ps => &mut st.cgreg,
                    Net::Eps => &mut st.cereg,
                };
                if reg.is_some() || s == Stage::Reg(n) {
                    *slot = reg;
                }
                if s == Stage::Reg(n) {
                    self.reg_mode = mode;
                    if self.what & CELLS != 0 && hidden && mode.is_some_and(|m| m != 2) {
                        return Stage::Reg2Set(n);
                    }
                }
                if let (Stage::Reg2(_), Some(m)) = (s, self.reg_mode) {
                    return Stage::RegBack(n, m);
                }
                return self.after(Stage::Reg(n));
            }
            Stage::Reg2Set(n) => {
                if ok {
                    return Stage::Reg2(n);
                }
                return self.after(Stage::Reg(n));
            }
            Stage::Reg2(n) | Stage::RegBack(n, _) => return self.after(Stage::Reg(n)),
            Stage::CopsNum if ok => {
                self.numeric = first(r, cmd, &|l| after(l, "+COPS:").and_then(at::parse_cops));
            }
            Stage::CopsName if ok => {
                self.named = first(r, cmd, &|l| after(l, "+COPS:").and_then(at::parse_cops));
            }
            Stage::SysinfoEx => {
                if ok {
                    st.tech = first(r, cmd, &|l| {
                        clean_text(&at::parse_sysinfoex(after(l, "^SYSINFOEX:")?)?)
                    });
                }
                if st.tech.is_none() {
                    return Stage::Sysinfo;
                }
                return self.after(Stage::SysinfoEx);
            }
            Stage::Sysinfo => {
                if ok {
                    st.tech = first(r, cmd, &|l| {
                        let si = at::parse_sysinfo(after(l, "^SYSINFO:")?)?;
                        at::sysinfo_tech(&si).map(str::to_string)
                    });
                }
                return self.after(Stage::SysinfoEx);
            }
            Stage::Hcsq if ok => {
                st.lte = first(r, cmd, &|l| after(l, "^HCSQ:").map(str::to_string))
                    .and_then(|l| at::parse_hcsq(&l));
            }
            Stage::Gcap if ok => {
                st.gcap = first(r, cmd, &|l| after(l, "+GCAP:").map(at::parse_gcap));
            }
            _ => {}
        }
        self.after(s)
    }

    /// Derived fields once the commands are done: operator name and MCC/MNC,
    /// the technology from `+COPS` when the vendor commands gave none.
    fn finish(&mut self) {
        let st = &mut self.r;
        if let Some((mcc, mnc)) = self
            .numeric
            .as_ref()
            .and_then(|c| c.oper.as_deref())
            .and_then(at::split_plmn)
        {
            st.mcc = Some(mcc);
            st.mnc = Some(mnc);
        }
        st.operator = self
            .named
            .as_ref()
            .and_then(|c| c.oper.as_deref())
            .filter(|n| at::split_plmn(n).is_none())
            .and_then(clean_text);
        if st.tech.is_none() {
            let act = self.act();
            self.r.tech = act.map(|a| at::act_name(a).to_string());
        }
    }
}

fn attempts(st: &mut Reading, a: Attempts) {
    st.pin_attempts = a.pin;
    st.puk_attempts = a.puk;
    if st.sim.is_none() {
        st.sim = a.state;
    }
}

/// Run a reading on a blocking engine: the tiny loop `info` and `prepare` use.
pub fn read(e: &mut Engine, what: What, huawei: bool) -> Reading {
    let (mut rd, mut ask) = Reader::new(what, huawei);
    while let Some(a) = ask {
        let answer = e.command_timeout(&a.cmd, a.ms);
        ask = rd.step(answer);
    }
    rd.into_reading()
}
