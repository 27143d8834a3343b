//! AT protocol, pure: split modem bytes into lines, tell final results, URCs,
//! echo and information lines apart, and parse the answers we need.
//!
//! Nothing here does I/O. The engine (`core::engine`) feeds bytes in and asks
//! what each line means, given the command that is waiting for its answer.
//! Every function takes arbitrary bytes: garbage gives `None` or `Info`, never a panic.
//! Words and names are tables (one string each, split on `|`): cheaper in flash
//! than a match or a slice of `&str` per entry.

/// Longest line we keep. Longer runs without a line end are cut here and
/// handed on as a line of their own, so garbage can never fill memory or stall.
pub const MAX_LINE: usize = 512;

/// Result of looking for one line at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan<'a> {
    /// No line end yet: wait for more bytes.
    Incomplete,
    /// Drop this many bytes (line ends, NULs, an SMS prompt): no line in them.
    Skip(usize),
    /// A line (without its end), and how many bytes it used.
    Line(&'a [u8], usize),
}

fn is_end(b: u8) -> bool {
    b == b'\r' || b == b'\n'
}

/// Look for one line at the start of `buf`. Any of CR, LF, CRLF, LFCR, CRCRLF
/// ends a line; empty lines are skipped. A line longer than `MAX_LINE` is cut.
pub fn scan_line(buf: &[u8]) -> Scan<'_> {
    let lead = buf.iter().take_while(|&&b| is_end(b) || b == 0).count();
    if lead > 0 {
        return Scan::Skip(lead);
    }
    // The "> " prompt (text entry) has no line end.
    if buf.starts_with(b"> ") {
        return Scan::Skip(2);
    }
    let end = buf.iter().position(|&b| is_end(b));
    match end {
        Some(i) if i <= MAX_LINE => Scan::Line(&buf[..i], i + 1),
        _ if buf.len() >= MAX_LINE => Scan::Line(&buf[..MAX_LINE], MAX_LINE),
        _ => Scan::Incomplete,
    }
}

fn printable(b: u8) -> bool {
    (0x20..0x7f).contains(&b) || b == b'\t'
}

/// Bytes to text: printable ASCII kept, other bytes dropped, ends trimmed.
pub fn clean(line: &[u8]) -> String {
    let mut s = String::new();
    for &b in line.trim_ascii() {
        if printable(b) {
            s.push(char::from(b));
        }
    }
    s.trim_ascii().to_string()
}

/// True if a line holds bytes no AT answer has (controls other than tab,
/// bytes >= 0x80). NULs are dropped before this (some firmware pads with them).
pub fn noise(line: &[u8]) -> bool {
    line.iter().any(|&b| b != 0 && !printable(b))
}

/// Bounded line splitter: push bytes in, take clean lines out.
#[derive(Debug, Default)]
pub struct Lines {
    buf: Vec<u8>,
    /// Drop the line now in the buffer when it ends (see `forget_partial`).
    skip: bool,
    /// A `> ` text prompt went by (see `take_prompt`).
    prompt: bool,
}

impl Lines {
    pub fn new() -> Lines {
        Lines::default()
    }

    /// Add bytes. Call `next` until it gives `None` after each push.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Next complete line, if any (empty lines and noise skipped).
    pub fn next_line(&mut self) -> Option<String> {
        loop {
            let n = match scan_line(&self.buf) {
                Scan::Incomplete => return None,
                Scan::Skip(n) => {
                    self.prompt |= self.buf.starts_with(b"> ");
                    n
                }
                Scan::Line(l, n) => {
                    // A modem's lines are printable ASCII; one with control or
                    // high bytes is line noise and must not pass as an answer.
                    let s = if noise(l) || self.skip {
                        String::new()
                    } else {
                        clean(l)
                    };
                    self.skip = false;
                    if !s.is_empty() {
                        self.consume(n);
                        return Some(s);
                    }
                    n
                }
            };
            self.consume(n);
        }
    }

    /// Drop the first `n` bytes of the buffer.
    fn consume(&mut self, n: usize) {
        let len = self.buf.len();
        let n = n.min(len);
        self.buf.copy_within(n.., 0);
        self.buf.truncate(len - n);
    }

    /// Bytes waiting for a line end (never more than `MAX_LINE` after `next_line`).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    pub fn clear(&mut self) {
        *self = Lines::default();
    }

    /// Whether a `> ` prompt went by since the last call (and forget it).
    pub fn take_prompt(&mut self) -> bool {
        std::mem::take(&mut self.prompt)
    }

    /// The line begun in the buffer (if any) belongs to no one: drop it when it
    /// ends, whatever comes after it on the same line.
    pub fn forget_partial(&mut self) {
        self.skip = !self.buf.is_empty();
    }
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Final {
    Ok,
    Error,
    NoCarrier,
    Busy,
    NoAnswer,
    NoDialtone,
    /// Huawei's `COMMAND NOT SUPPORT`.
    NotSupported,
    /// `+CME ERROR: n` (text forms mapped to their number, unknown text is 100).
    CmeError(u16),
    CmsError(u16),
    /// `CONNECT` with the rest of the line (rate), if any.
    Connect(Option<String>),
    /// The `> ` prompt of a command that takes a text after it (`AT+CMGS=n`):
    /// the text goes next (`Session::start_text`), then the real result comes.
    Prompt,
}

/// Words of the final results, in `Final`'s order (then their other spellings).
const FINALS: &str = "OK|ERROR|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|COMMAND NOT SUPPORT|\
+CME ERROR: |+CMS ERROR: |CONNECT|> (text prompt)|NO DIAL TONE|COMMAND NOT SUPPORTED";

fn words(table: &str) -> impl Iterator<Item = &[u8]> {
    table.as_bytes().split(|&c| c == b'|')
}

/// Entry `i` of a `|`-separated table ("" past its end).
pub fn word(table: &'static str, i: usize) -> &'static str {
    words(table)
        .nth(i)
        .and_then(|w| std::str::from_utf8(w).ok())
        .unwrap_or("")
}

/// Where `s` is in a `|`-separated table (ASCII case ignored).
pub fn find_word(table: &str, s: &str) -> Option<usize> {
    words(table).position(|w| w.eq_ignore_ascii_case(s.as_bytes()))
}

/// `s` starts with `p`, ASCII case ignored.
fn starts_ci(s: &[u8], p: &[u8]) -> bool {
    s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p))
}

/// The pieces, joined: a message without `format!`'s machinery per call site.
pub fn cat(parts: &[&str]) -> String {
    parts.concat()
}

/// Append `n` in decimal (the one number writer, `num::push`).
pub fn push_num(s: &mut String, n: u32) {
    crate::num::push(s, u64::from(n));
}

/// A decimal number (blanks around it, an optional `+`): what `str::parse`
/// takes for an unsigned integer, for the widest value our answers carry
/// (the digits through the one number reader, `num::dec`).
pub fn int(s: &str) -> Option<u32> {
    let s = s.trim_ascii();
    u32::try_from(crate::num::dec(s.strip_prefix('+').unwrap_or(s))?).ok()
}

/// `int` that fits a byte.
pub fn int8(s: &str) -> Option<u8> {
    u8::try_from(int(s)?).ok()
}

impl Final {
    pub fn is_ok(&self) -> bool {
        matches!(self, Final::Ok)
    }

    fn index(&self) -> usize {
        match self {
            Final::Ok => 0,
            Final::Error => 1,
            Final::NoCarrier => 2,
            Final::Busy => 3,
            Final::NoAnswer => 4,
            Final::NoDialtone => 5,
            Final::NotSupported => 6,
            Final::CmeError(_) => 7,
            Final::CmsError(_) => 8,
            Final::Connect(_) => 9,
            Final::Prompt => 10,
        }
    }

    pub fn describe(&self) -> String {
        let mut s = String::from(word(FINALS, self.index()));
        match self {
            Final::CmeError(n) | Final::CmsError(n) => push_num(&mut s, u32::from(*n)),
            Final::Connect(Some(r)) => {
                s.push(' ');
                s.push_str(r);
            }
            _ => {}
        }
        s
    }
}

/// 3GPP TS 27.007 +CME ERROR numbers for the verbose texts we care about.
const CME_TEXT: &str = "phone failure|operation not allowed|operation not supported|\
sim not inserted|sim pin required|sim puk required|sim failure|sim busy|sim wrong|\
incorrect password|sim pin2 required|sim puk2 required|memory full|not found|\
no network service|network timeout";
const CME_CODE: [u8; 16] = [0, 3, 4, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 22, 30, 31];

fn error_code(rest: &str) -> u16 {
    let rest = rest.trim_ascii();
    if let Some(n) = int(rest).and_then(|n| u16::try_from(n).ok()) {
        return n;
    }
    find_word(CME_TEXT, rest)
        .and_then(|i| CME_CODE.get(i))
        .map_or(100, |&n| u16::from(n))
}

pub fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if starts_ci(s.as_bytes(), prefix.as_bytes()) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// A final result code, if `line` is one.
pub fn parse_final(line: &str) -> Option<Final> {
    let l = line.trim_ascii();
    Some(match find_word(FINALS, l) {
        Some(0) => Final::Ok,
        Some(1) => Final::Error,
        Some(2) => Final::NoCarrier,
        Some(3) => Final::Busy,
        Some(4) => Final::NoAnswer,
        Some(5 | 11) => Final::NoDialtone,
        Some(6 | 12) => Final::NotSupported,
        Some(9) => Final::Connect(None),
        _ => {
            if let Some(r) = strip_prefix_ci(l, "+CME ERROR:") {
                Final::CmeError(error_code(r))
            } else if let Some(r) = strip_prefix_ci(l, "+CMS ERROR:") {
                Final::CmsError(error_code(r))
            } else {
                let r = strip_prefix_ci(l, "CONNECT ")?.trim_ascii();
                Final::Connect((!r.is_empty()).then(|| r.to_string()))
            }
        }
    })
}

/// Prefixes of unsolicited result codes (Huawei and 3GPP). `+CREG:`-style
/// entries are also answers to queries: see `solicited_prefix`.
const URC_PREFIXES: &str = "^RSSI:|^MODE:|^BOOT:|^DSFLOWRPT:|^SRVST:|^SIMST:|^CSNR:|\
^HCSQ:|^RSSILVL:|^HRSSILVL:|^STIN:|^SMMEMFULL|^NDISSTAT:|^DCONN|^DEND|^CONN:|^CEND:|\
^ORIG:|^CONF:|^ECCLIST:|^NWTIME:|^ACTIVEBAND:|^SYSSTART|^POSITION:|^CRSSI:|^EARST:|\
^RFSWITCH:|+CREG:|+CGREG:|+CEREG:|+CMTI:|+CMT:|+CDSI:|+CDS:|+CBM:|+CUSD:|+CRING:|\
+CLIP:|+CCWA:|+CGEV:|+CIEV:|+PACSP|+CSSU:|+CSSI:";

/// The name of the command `cmd` starts with, if extended (`AT+CREG?` ->
/// `+CREG`, `AT^CPIN?` -> `^CPIN`; only the first of a `;` chain counts).
pub fn asked_name(cmd: &str) -> Option<&str> {
    let body = strip_prefix_ci(cmd.trim_ascii(), "AT")?;
    let end = body
        .bytes()
        .position(|b| matches!(b, b';' | b'=' | b'?'))
        .unwrap_or(body.len());
    let name = body.get(..end)?;
    (name.len() >= 2 && (name.starts_with('+') || name.starts_with('^'))).then_some(name)
}

/// The prefix an answer to `cmd` carries: `AT+CREG?` -> `+CREG:`,
/// `AT^CPIN?` -> `^CPIN:`, `AT+CSQ` -> `+CSQ:`. None for basic commands (`ATI`).
pub fn solicited_prefix(cmd: &str) -> Option<String> {
    let mut p = asked_name(cmd)?.to_ascii_uppercase();
    p.push(':');
    Some(p)
}

/// `line` is the answer `+NAME:...` to a command named `name`.
fn answers(line: &str, name: Option<&str>) -> bool {
    name.and_then(|n| strip_prefix_ci(line, n))
        .is_some_and(|r| r.starts_with(':'))
}

fn urc(line: &str, name: Option<&str>) -> bool {
    let l = line.trim_ascii();
    !answers(l, name)
        && (l.eq_ignore_ascii_case("RING")
            || words(URC_PREFIXES).any(|p| starts_ci(l.as_bytes(), p)))
}

/// True if `line` is an unsolicited result code when `asked` (the solicited
/// prefix of the command in flight, if any) is not its prefix.
pub fn is_urc(line: &str, asked: Option<&str>) -> bool {
    urc(line, asked.map(|p| p.strip_suffix(':').unwrap_or(p)))
}

/// What one line means while `cmd` waits for its answer (None: nothing sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Echo,
    Final(Final),
    Urc,
    Info,
}

pub fn classify(line: &str, cmd: Option<&str>) -> Kind {
    let Some(cmd) = cmd else {
        // Nothing asked: whatever comes is unsolicited (NO CARRIER after a drop, ...).
        return Kind::Urc;
    };
    if urc(line, asked_name(cmd)) {
        return Kind::Urc;
    }
    if line.trim_ascii().eq_ignore_ascii_case(cmd.trim_ascii()) {
        return Kind::Echo;
    }
    // Verbose result codes only (ATV1, the default): a bare "0" is an answer.
    match parse_final(line) {
        Some(f) => Kind::Final(f),
        None => Kind::Info,
    }
}

/// One command's collected answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub lines: Vec<String>,
    pub result: Final,
}

impl Response {
    /// First information line that starts with `prefix` (e.g. "+CSQ:"), with the
    /// prefix and blanks removed.
    pub fn field(&self, prefix: &str) -> Option<&str> {
        self.lines
            .iter()
            .find_map(|l| Some(strip_prefix_ci(l, prefix)?.trim_ascii()))
    }

    /// Every information line that starts with `prefix`, prefix removed: a
    /// URC of the same name may sit among them, so parsers take the first that fits.
    pub fn fields<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.lines
            .iter()
            .filter_map(move |l| Some(strip_prefix_ci(l, prefix)?.trim_ascii()))
    }

    /// The answer of a command that prints a bare value (`AT+CGMI`, `AT+CIMI`):
    /// its first information line, an optional `+NAME:` prefix removed.
    pub fn value(&self, prefix: &str) -> Option<&str> {
        let l = self.lines.first()?;
        let v = strip_prefix_ci(l, prefix).unwrap_or(l).trim_ascii();
        (!v.is_empty()).then_some(v)
    }
}

/// Where an exchange is after one more line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Keep reading.
    More,
    /// An unsolicited code for the listener.
    Urc(String),
    /// The command has finished.
    Done(Response),
}

/// One command waiting for its answer: feed it lines, it says when it is done.
/// Information lines are bounded too: beyond `MAX_INFO` they are dropped
/// (`MAX_LIST` for `+CMGL`, whose answer has two lines per stored message).
#[derive(Debug)]
pub struct Exchange {
    cmd: String,
    lines: Vec<String>,
}

pub const MAX_INFO: usize = 64;
/// A message storage holds at most 255 messages: two lines each, and room.
pub const MAX_LIST: usize = 2 * 255 + 8;

impl Exchange {
    pub fn new(cmd: &str) -> Exchange {
        Exchange {
            cmd: cmd.trim_ascii().to_string(),
            lines: Vec::new(),
        }
    }

    /// A command answered by a `> ` prompt first (`AT+CMGS=<length>`).
    pub fn wants_prompt(&self) -> bool {
        strip_prefix_ci(&self.cmd, "AT+CMGS=").is_some()
    }

    pub fn on_line(&mut self, line: &str) -> Step {
        match classify(line, Some(&self.cmd)) {
            Kind::Echo => Step::More,
            Kind::Urc => Step::Urc(line.to_string()),
            Kind::Info => {
                let list = strip_prefix_ci(&self.cmd, "AT+CMGL").is_some();
                if self.lines.len() < if list { MAX_LIST } else { MAX_INFO } {
                    self.lines.push(line.to_string());
                }
                Step::More
            }
            Kind::Final(result) => Step::Done(Response {
                lines: std::mem::take(&mut self.lines),
                result,
            }),
        }
    }
}

// ---------------------------------------------------------------------------
// Answer parsers. Each takes the text after the prefix (see `Response::field`).

/// The comma-separated parameters of an answer (a comma in quotes is text),
/// each trimmed and without its quotes: slices of the line, nothing allocated.
pub struct Params<'a>(Option<&'a str>);

pub fn params(s: &str) -> Params<'_> {
    Params(Some(s))
}

impl<'a> Iterator for Params<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.0?;
        let b = s.as_bytes();
        let mut quoted = false;
        let mut end = 0;
        while let Some(&c) = b.get(end) {
            if c == b',' && !quoted {
                break;
            }
            quoted ^= c == b'"';
            end += 1;
        }
        self.0 = s.get(end + 1..);
        Some(unquote(s.get(..end)?))
    }
}

/// `s` without blanks and quotes around it.
pub fn unquote(s: &str) -> &str {
    let edge = |c: &u8| *c == b'"' || c.is_ascii_whitespace();
    let f = s.as_bytes();
    let a = f.iter().position(|c| !edge(c)).unwrap_or(f.len());
    let z = f.iter().rposition(|c| !edge(c)).map_or(a, |z| z + 1);
    s.get(a..z).unwrap_or("")
}

/// A parameter as a number that fits a byte.
fn n8(p: Option<&str>) -> Option<u8> {
    int8(p?)
}

/// `+CSQ: <rssi>,<ber>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Csq {
    pub rssi: u8,
    pub ber: u8,
}

impl Csq {
    /// dBm per 27.007: 0 -> -113 or less, 31 -> -51 or more; 99 unknown.
    pub fn dbm(&self) -> Option<i32> {
        (self.rssi <= 31).then(|| -113 + 2 * i32::from(self.rssi))
    }
    pub fn percent(&self) -> Option<u8> {
        (self.rssi <= 31).then(|| (u32::from(self.rssi) * 100 / 31) as u8)
    }
}

pub fn parse_csq(s: &str) -> Option<Csq> {
    let mut p = params(s);
    Some(Csq {
        rssi: n8(p.next())?,
        ber: n8(p.next()).unwrap_or(99),
    })
}

/// LTE readings of Huawei's `^HCSQ: "LTE",<rssi>,<rsrp>,<sinr>,<rsrq>`: RSSI
/// and RSRP in dBm, SINR and RSRQ in whole dB (the modem's steps are 0.2 and
/// 0.5 dB; whole dB keep floats out of the binary). Huawei's encoding: RSSI
/// dBm + 120 (0..96), RSRP dBm + 140 (0..97), (SINR dB + 20) * 5 (0..251),
/// (RSRQ dB + 19.5) * 2 (0..34).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lte {
    pub rssi: i16,
    pub rsrp: i16,
    pub sinr: i16,
    pub rsrq: i16,
}

/// `^HCSQ:` of an LTE cell; None for another mode (`"NOSERVICE"`, `"WCDMA"`:
/// not LTE's values) or a value out of its range.
pub fn parse_hcsq(s: &str) -> Option<Lte> {
    let mut p = params(s);
    if !p.next()?.eq_ignore_ascii_case("LTE") {
        return None;
    }
    let mut v = |max: u8| n8(p.next()).filter(|x| *x <= max).map(i16::from);
    Some(Lte {
        rssi: v(96)? - 120,
        rsrp: v(97)? - 140,
        sinr: v(251)? / 5 - 20,
        rsrq: (v(34)? - 39) / 2,
    })
}

/// Registration (`+CREG`, `+CGREG`, `+CEREG`), answer or URC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reg {
    pub stat: u8,
    /// Location area code / cell id as the modem gives them (hex).
    pub lac: Option<String>,
    pub cell: Option<String>,
    pub act: Option<u8>,
}

impl Reg {
    pub fn stat_name(&self) -> &'static str {
        reg_name(self.stat)
    }
    pub fn registered(&self) -> bool {
        self.stat == 1 || self.stat == 5
    }
}

pub fn reg_name(stat: u8) -> &'static str {
    match word(
        "not_registered|home|searching|denied|unknown|roaming",
        usize::from(stat),
    ) {
        "" => "unknown",
        w => w,
    }
}

fn hex_field(s: Option<&str>) -> Option<String> {
    let s = s?;
    (!s.is_empty() && s.len() <= 8 && s.bytes().all(|c| c.is_ascii_hexdigit()))
        .then(|| s.to_ascii_uppercase())
}

fn reg_from(mut p: Params) -> Option<Reg> {
    Some(Reg {
        stat: n8(p.next())?,
        lac: hex_field(p.next()),
        cell: hex_field(p.next()),
        act: n8(p.next()),
    })
}

/// Answer to `AT+CREG?`: `<n>,<stat>[,<lac>,<ci>[,<AcT>]]`.
pub fn parse_reg_answer(s: &str) -> Option<Reg> {
    let mut p = params(s);
    n8(p.next())?;
    reg_from(p)
}

/// Unsolicited `+CREG: <stat>[,<lac>,<ci>[,<AcT>]]`.
pub fn parse_reg_urc(s: &str) -> Option<Reg> {
    reg_from(params(s))
}

/// `+COPS: <mode>[,<format>,<oper>[,<AcT>]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cops {
    pub mode: u8,
    pub format: Option<u8>,
    pub oper: Option<String>,
    pub act: Option<u8>,
}

pub fn parse_cops(s: &str) -> Option<Cops> {
    let mut p = params(s);
    Some(Cops {
        mode: n8(p.next())?,
        format: n8(p.next()),
        oper: p.next().filter(|o| !o.is_empty()).map(str::to_string),
        act: n8(p.next()),
    })
}

/// MCC and MNC from a numeric operator ("24002" -> ("240", "02")).
pub fn split_plmn(oper: &str) -> Option<(&str, &str)> {
    let o = oper.trim_ascii();
    if !(5..=6).contains(&o.len()) || !o.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((o.get(..3)?, o.get(3..)?))
}

/// What the SIM wants (`+CPIN:` / `^CPIN:` code), or why it cannot say
/// (the `+CME ERROR` an `AT+CPIN?` got).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimState {
    Ready,
    Pin,
    Puk,
    Pin2,
    Puk2,
    /// A network/phone lock code (PH-SIM PIN, PH-NET PIN, ...): not ours to enter.
    Locked,
    /// +CME ERROR: 10, SIM not inserted.
    Absent,
    /// +CME ERROR: 14, SIM busy (starting up).
    Busy,
    /// +CME ERROR: 13 or 15, SIM failure / wrong SIM.
    Failed,
}

/// `SimState` in order: its name, and the `+CPIN:` code of the first five.
const SIM_NAMES: &str = "ready|pin|puk|pin2|puk2|locked|absent|busy|failed";
const SIM_STATES: [SimState; 9] = [
    SimState::Ready,
    SimState::Pin,
    SimState::Puk,
    SimState::Pin2,
    SimState::Puk2,
    SimState::Locked,
    SimState::Absent,
    SimState::Busy,
    SimState::Failed,
];

impl SimState {
    pub fn name(&self) -> &'static str {
        word(SIM_NAMES, *self as usize)
    }

    /// Data service is possible (PIN2/PUK2 guard other SIM functions only).
    pub fn ready(&self) -> bool {
        matches!(self, SimState::Ready | SimState::Pin2 | SimState::Puk2)
    }

    /// The SIM state an `AT+CPIN?` refusal says (27.007 +CME ERROR numbers).
    pub fn from_final(f: &Final) -> Option<SimState> {
        Some(match f {
            Final::CmeError(10) => SimState::Absent,
            Final::CmeError(11) => SimState::Pin,
            Final::CmeError(12) => SimState::Puk,
            Final::CmeError(13) | Final::CmeError(15) => SimState::Failed,
            Final::CmeError(14) => SimState::Busy,
            _ => return None,
        })
    }
}

pub fn parse_cpin(s: &str) -> Option<SimState> {
    let code = params(s).next()?;
    // PIN2/PUK2 guard other SIM functions; data service is available.
    if let Some(i) = find_word("READY|SIM PIN|SIM PUK|SIM PIN2|SIM PUK2", code) {
        return SIM_STATES.get(i).copied();
    }
    let ph =
        strip_prefix_ci(code, "PH").is_some_and(|r| matches!(r.bytes().next(), Some(b'-' | b' ')));
    ph.then_some(SimState::Locked)
}

/// Huawei `^CPIN: <code>,[<times>],<puk_times>,<pin_times>,<puk2_times>,<pin2_times>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    pub state: Option<SimState>,
    pub pin: Option<u8>,
    pub puk: Option<u8>,
}

pub fn parse_hw_cpin(s: &str) -> Option<Attempts> {
    let mut p = params(s);
    let a = Attempts {
        state: parse_cpin(p.next()?),
        puk: n8(p.nth(1)),
        pin: n8(p.next()),
    };
    (a.pin.is_some() || a.puk.is_some()).then_some(a)
}

/// `+CPINR: <code>,<retries>[,<default>]` lines (all of them).
pub fn parse_cpinr<'a>(lines: impl IntoIterator<Item = &'a str>) -> Attempts {
    let mut a = Attempts {
        state: None,
        pin: None,
        puk: None,
    };
    for l in lines {
        let Some(rest) = strip_prefix_ci(l.trim_ascii(), "+CPINR:") else {
            continue;
        };
        let mut p = params(rest);
        let code = p.next();
        let n = n8(p.next());
        match code.and_then(|c| find_word("SIM PIN|SIM PUK", c)) {
            Some(0) => a.pin = n,
            Some(_) => a.puk = n,
            None => {}
        }
    }
    a
}

/// 14 to 17 digits (IMEI 15, IMEISV 16), from `+CGSN`, `+GSN`, `+CGSN: "..."`.
pub fn parse_imei(s: &str) -> Option<String> {
    digits(s, 14, 17)
}

/// IMSI: up to 15 digits (at least 6).
pub fn parse_imsi(s: &str) -> Option<String> {
    digits(s, 6, 15)
}

fn digits(s: &str, min: usize, max: usize) -> Option<String> {
    let v = unquote(s);
    let ok = (min..=max).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| v.to_string())
}

/// ICCID from `^ICCID: ...` (plain or nibble-swapped) or a raw EF_ICCID hex
/// string (nibble-swapped BCD, `F` padding). ICCIDs start with "89".
pub fn parse_iccid(s: &str) -> Option<String> {
    let v = unquote(s).as_bytes();
    let n = v.len();
    if !(18..=22).contains(&n) {
        return None;
    }
    // Nibble-swapped: each pair the other way round (an odd last one stays).
    let swap = v.starts_with(b"98");
    let mut o = String::new();
    for i in 0..n {
        let j = if swap && (i ^ 1) < n { i ^ 1 } else { i };
        let b = v.get(j)?.to_ascii_uppercase();
        if !b.is_ascii_hexdigit() {
            return None;
        }
        o.push(char::from(b));
    }
    let mut end = o.len();
    while end > 0 && o.as_bytes().get(end - 1) == Some(&b'F') {
        end -= 1;
    }
    o.truncate(end);
    let ok = o.starts_with("89") && end >= 18 && o.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(o)
}

/// `+CRSM: <sw1>,<sw2>[,<response>]`: the response when sw1 says success.
pub fn parse_crsm(s: &str) -> Option<String> {
    let mut p = params(s);
    if !matches!(n8(p.next())?, 0x90 | 0x91 | 0x9f) {
        return None;
    }
    p.nth(1).filter(|r| !r.is_empty()).map(str::to_string)
}

/// Huawei `^SYSINFO: <srv_status>,<srv_domain>,<roam>,<sys_mode>,<sim_state>[,<lock>,<sys_submode>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SysInfo {
    pub srv_status: u8,
    pub sys_mode: u8,
    pub sim_state: Option<u8>,
    pub submode: Option<u8>,
}

pub fn parse_sysinfo(s: &str) -> Option<SysInfo> {
    let mut p = params(s);
    Some(SysInfo {
        srv_status: n8(p.next())?,
        sys_mode: n8(p.nth(2))?,
        sim_state: n8(p.next()),
        submode: n8(p.nth(1)),
    })
}

/// Technology names: 27.007 `<AcT>` 0..7, then ^SYSINFO submodes 1..9 at 8..16.
const TECH: &str = "gsm|gsm_compact|umts|edge|hsdpa|hsupa|hspa|lte|\
gsm|gprs|edge|umts|hsdpa|hsupa|hspa||hspa+";

/// Access technology name from ^SYSINFO's mode and submode.
pub fn sysinfo_tech(si: &SysInfo) -> Option<&'static str> {
    let sub = match si.submode {
        Some(n @ 1..=9) => word(TECH, usize::from(n) + 7),
        Some(17 | 18) => "hspa+",
        _ => "",
    };
    let sub = (!sub.is_empty()).then_some(sub);
    match si.sys_mode {
        0 => None,
        3 => Some(sub.unwrap_or("gsm")),
        5 => Some(sub.unwrap_or("umts")),
        7 => Some("lte"),
        _ => sub,
    }
}

/// Huawei `^SYSINFOEX: <srv_status>,<srv_domain>,<roam>,<sim_state>,<lock>,<sysmode>,<sysmode_name>,<submode>,<submode_name>`.
pub fn parse_sysinfoex(s: &str) -> Option<String> {
    let mut p = params(s);
    n8(p.next())?;
    let mode = p.nth(5);
    let name = p.nth(1).or(mode)?;
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// Access technology from a 27.007 `<AcT>` value (in +COPS / +CREG).
pub fn act_name(act: u8) -> &'static str {
    if act <= 7 {
        word(TECH, usize::from(act))
    } else {
        "unknown"
    }
}

/// `+GCAP: +CGSM,+DS,+ES` -> the list.
pub fn parse_gcap(s: &str) -> Vec<String> {
    let mut v = Vec::new();
    for c in params(s) {
        if !c.is_empty() {
            v.push(c.to_string());
        }
    }
    v
}

/// Service modes for Huawei `^SYSCFG`, and their (mode, acquisition order).
const SERVICES: &str = "auto|umts_only|gprs_only|umts_first|gprs_first";
const SYSCFG: [(u8, u8); 5] = [(2, 0), (14, 2), (13, 1), (2, 2), (2, 1)];

/// Huawei `^SYSCFG` arguments for a service mode: (mode, acquisition order).
pub fn syscfg_for(service: &str) -> Option<(u8, u8)> {
    let i = words(SERVICES).position(|w| w == service.as_bytes())?;
    SYSCFG.get(i).copied()
}

/// The full `AT^SYSCFG=` command: any band, roaming allowed, CS+PS domain.
pub fn syscfg_cmd(service: &str) -> Option<String> {
    let (mode, order) = syscfg_for(service)?;
    let mut c = String::from("AT^SYSCFG=");
    push_num(&mut c, u32::from(mode));
    c.push(',');
    push_num(&mut c, u32::from(order));
    c.push_str(",3FFFFFFF,2,4");
    Some(c)
}
