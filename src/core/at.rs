//! AT protocol, pure: split modem bytes into lines, tell final results, URCs,
//! echo and information lines apart, and parse the answers we need.
//!
//! Nothing here does I/O. The engine (`core::engine`) feeds bytes in and asks
//! what each line means, given the command that is waiting for its answer.
//! Every function takes arbitrary bytes: garbage gives `None` or `Info`, never a panic.

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
    match buf.iter().position(|&b| is_end(b)) {
        Some(i) if i <= MAX_LINE => Scan::Line(&buf[..i], i + 1),
        Some(_) => Scan::Line(&buf[..MAX_LINE], MAX_LINE),
        None if buf.len() >= MAX_LINE => Scan::Line(&buf[..MAX_LINE], MAX_LINE),
        None => Scan::Incomplete,
    }
}

/// Bytes to text: printable ASCII kept, other bytes dropped, ends trimmed.
pub fn clean(line: &[u8]) -> String {
    let s: String = line
        .iter()
        .filter(|&&b| (0x20..0x7f).contains(&b) || b == b'\t')
        .map(|&b| b as char)
        .collect();
    s.trim().to_string()
}

/// True if a line holds bytes no AT answer has (controls other than tab,
/// bytes >= 0x80). NULs are dropped before this (some firmware pads with them).
pub fn noise(line: &[u8]) -> bool {
    line.iter()
        .any(|&b| b != 0 && b != b'\t' && !(0x20..0x7f).contains(&b))
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
            match scan_line(&self.buf) {
                Scan::Incomplete => return None,
                Scan::Skip(n) => {
                    self.prompt |= self.buf.starts_with(b"> ");
                    self.buf.drain(..n.min(self.buf.len()));
                }
                Scan::Line(l, n) => {
                    // A modem's lines are printable ASCII; one with control or
                    // high bytes is line noise and must not pass as an answer.
                    let s = if noise(l) || self.skip {
                        String::new()
                    } else {
                        clean(l)
                    };
                    self.buf.drain(..n.min(self.buf.len()));
                    self.skip = false;
                    if !s.is_empty() {
                        return Some(s);
                    }
                }
            }
        }
    }

    /// Bytes waiting for a line end (never more than `MAX_LINE` after `next_line`).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    pub fn clear(&mut self) {
        self.buf.clear();
        self.skip = false;
        self.prompt = false;
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
    /// `+CME ERROR: n` (text forms mapped to their number, unknown text is 100).
    CmeError(u16),
    CmsError(u16),
    NoCarrier,
    Busy,
    NoAnswer,
    NoDialtone,
    /// `CONNECT` with the rest of the line (rate), if any.
    Connect(Option<String>),
    /// Huawei's `COMMAND NOT SUPPORT`.
    NotSupported,
    /// The `> ` prompt of a command that takes a text after it (`AT+CMGS=n`):
    /// the text goes next (`Session::start_text`), then the real result comes.
    Prompt,
}

impl Final {
    pub fn is_ok(&self) -> bool {
        matches!(self, Final::Ok)
    }

    pub fn describe(&self) -> String {
        match self {
            Final::Ok => "OK".into(),
            Final::Error => "ERROR".into(),
            Final::CmeError(n) => format!("+CME ERROR: {n}"),
            Final::CmsError(n) => format!("+CMS ERROR: {n}"),
            Final::NoCarrier => "NO CARRIER".into(),
            Final::Busy => "BUSY".into(),
            Final::NoAnswer => "NO ANSWER".into(),
            Final::NoDialtone => "NO DIALTONE".into(),
            Final::Connect(None) => "CONNECT".into(),
            Final::Connect(Some(r)) => format!("CONNECT {r}"),
            Final::NotSupported => "COMMAND NOT SUPPORT".into(),
            Final::Prompt => "> (text prompt)".into(),
        }
    }
}

/// 3GPP TS 27.007 +CME ERROR numbers for the verbose texts we care about.
const CME_TEXT: &[(&str, u16)] = &[
    ("phone failure", 0),
    ("operation not allowed", 3),
    ("operation not supported", 4),
    ("sim not inserted", 10),
    ("sim pin required", 11),
    ("sim puk required", 12),
    ("sim failure", 13),
    ("sim busy", 14),
    ("sim wrong", 15),
    ("incorrect password", 16),
    ("sim pin2 required", 17),
    ("sim puk2 required", 18),
    ("memory full", 20),
    ("not found", 22),
    ("no network service", 30),
    ("network timeout", 31),
    ("unknown", 100),
];

fn error_code(rest: &str) -> u16 {
    let rest = rest.trim();
    if let Ok(n) = rest.parse::<u16>() {
        return n;
    }
    let low = rest.to_ascii_lowercase();
    CME_TEXT
        .iter()
        .find(|(t, _)| *t == low)
        .map_or(100, |&(_, n)| n)
}

pub fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// A final result code, if `line` is one.
pub fn parse_final(line: &str) -> Option<Final> {
    let l = line.trim();
    let up = l.to_ascii_uppercase();
    let f = match up.as_str() {
        "OK" => Final::Ok,
        "ERROR" => Final::Error,
        "NO CARRIER" => Final::NoCarrier,
        "BUSY" => Final::Busy,
        "NO ANSWER" => Final::NoAnswer,
        "NO DIALTONE" | "NO DIAL TONE" => Final::NoDialtone,
        "COMMAND NOT SUPPORT" | "COMMAND NOT SUPPORTED" => Final::NotSupported,
        "CONNECT" => Final::Connect(None),
        _ => {
            if let Some(r) = strip_prefix_ci(l, "+CME ERROR:") {
                Final::CmeError(error_code(r))
            } else if let Some(r) = strip_prefix_ci(l, "+CMS ERROR:") {
                Final::CmsError(error_code(r))
            } else if let Some(r) = strip_prefix_ci(l, "CONNECT ") {
                let r = r.trim();
                Final::Connect((!r.is_empty()).then(|| r.to_string()))
            } else {
                return None;
            }
        }
    };
    Some(f)
}

/// Prefixes of unsolicited result codes (Huawei and 3GPP). `+CREG:`-style
/// entries are also answers to queries: see `solicited_prefix`.
const URC_PREFIXES: &[&str] = &[
    "^RSSI:",
    "^MODE:",
    "^BOOT:",
    "^DSFLOWRPT:",
    "^SRVST:",
    "^SIMST:",
    "^CSNR:",
    "^HCSQ:",
    "^RSSILVL:",
    "^HRSSILVL:",
    "^STIN:",
    "^SMMEMFULL",
    "^NDISSTAT:",
    "^DCONN",
    "^DEND",
    "^CONN:",
    "^CEND:",
    "^ORIG:",
    "^CONF:",
    "^ECCLIST:",
    "^NWTIME:",
    "^ACTIVEBAND:",
    "^SYSSTART",
    "^POSITION:",
    "^CRSSI:",
    "^EARST:",
    "^RFSWITCH:",
    "+CREG:",
    "+CGREG:",
    "+CEREG:",
    "+CMTI:",
    "+CMT:",
    "+CDSI:",
    "+CDS:",
    "+CBM:",
    "+CUSD:",
    "+CRING:",
    "+CLIP:",
    "+CCWA:",
    "+CGEV:",
    "+CIEV:",
    "+PACSP",
    "+CSSU:",
    "+CSSI:",
];

/// Whole-line unsolicited codes.
const URC_WORDS: &[&str] = &["RING"];

/// The prefix an answer to `cmd` carries: `AT+CREG?` -> `+CREG:`,
/// `AT^CPIN?` -> `^CPIN:`, `AT+CSQ` -> `+CSQ:`. None for basic commands (`ATI`).
pub fn solicited_prefix(cmd: &str) -> Option<String> {
    let body = strip_prefix_ci(cmd.trim(), "AT")?;
    // Only the first command of a `;` chain counts.
    let body = body.split(';').next().unwrap_or("");
    if !(body.starts_with('+') || body.starts_with('^')) {
        return None;
    }
    let end = body.find(['=', '?']).unwrap_or(body.len());
    let name = body.get(..end)?;
    if name.len() < 2 {
        return None;
    }
    Some(format!("{}:", name.to_ascii_uppercase()))
}

/// True if `line` is an unsolicited result code when `asked` (the solicited
/// prefix of the command in flight, if any) is not its prefix.
pub fn is_urc(line: &str, asked: Option<&str>) -> bool {
    let up = line.trim().to_ascii_uppercase();
    if let Some(p) = asked {
        if up.starts_with(p) {
            return false;
        }
    }
    URC_WORDS.iter().any(|w| up == *w) || URC_PREFIXES.iter().any(|p| up.starts_with(p))
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
    let asked = cmd.and_then(solicited_prefix);
    if is_urc(line, asked.as_deref()) {
        return Kind::Urc;
    }
    let Some(cmd) = cmd else {
        // Nothing asked: whatever comes is unsolicited (NO CARRIER after a drop, ...).
        return Kind::Urc;
    };
    if line.trim().eq_ignore_ascii_case(cmd.trim()) {
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
            .find_map(|l| strip_prefix_ci(l, prefix))
            .map(str::trim)
    }

    /// Every information line that starts with `prefix`, prefix removed: a
    /// URC of the same name may sit among them, so parsers take the first that fits.
    pub fn fields<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.lines
            .iter()
            .filter_map(move |l| strip_prefix_ci(l, prefix))
            .map(str::trim)
    }

    /// The answer of a command that prints a bare value (`AT+CGMI`, `AT+CIMI`):
    /// its first information line, an optional `+NAME:` prefix removed.
    pub fn value(&self, prefix: &str) -> Option<&str> {
        let l = self.lines.first()?;
        let v = strip_prefix_ci(l, prefix).unwrap_or(l).trim();
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
    max: usize,
}

pub const MAX_INFO: usize = 64;
/// A message storage holds at most 255 messages: two lines each, and room.
pub const MAX_LIST: usize = 2 * 255 + 8;

impl Exchange {
    pub fn new(cmd: &str) -> Exchange {
        let cmd = cmd.trim().to_string();
        let list = strip_prefix_ci(&cmd, "AT+CMGL").is_some();
        Exchange {
            cmd,
            lines: Vec::new(),
            max: if list { MAX_LIST } else { MAX_INFO },
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
                if self.lines.len() < self.max {
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

/// Split a parameter list at commas outside quotes; quotes removed, blanks trimmed.
pub fn params(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(cur.trim().to_string());
                cur.clear();
            }
            c => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

fn num<T: std::str::FromStr>(s: Option<&String>) -> Option<T> {
    s?.trim().parse().ok()
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
    let p = params(s);
    Some(Csq {
        rssi: num(p.first())?,
        ber: num(p.get(1)).unwrap_or(99),
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
    let p = params(s);
    if !p.first()?.eq_ignore_ascii_case("LTE") {
        return None;
    }
    let v = |i: usize, max: u8| num::<u8>(p.get(i)).filter(|x| *x <= max).map(i16::from);
    Some(Lte {
        rssi: v(1, 96)? - 120,
        rsrp: v(2, 97)? - 140,
        sinr: v(3, 251)? / 5 - 20,
        rsrq: (v(4, 34)? - 39) / 2,
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
    match stat {
        0 => "not_registered",
        1 => "home",
        2 => "searching",
        3 => "denied",
        5 => "roaming",
        _ => "unknown",
    }
}

fn hex_field(s: Option<&String>) -> Option<String> {
    let s = s?.trim();
    (!s.is_empty() && s.len() <= 8 && s.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| s.to_ascii_uppercase())
}

fn reg_from(p: &[String]) -> Option<Reg> {
    Some(Reg {
        stat: num(p.first())?,
        lac: hex_field(p.get(1)),
        cell: hex_field(p.get(2)),
        act: num(p.get(3)),
    })
}

/// Answer to `AT+CREG?`: `<n>,<stat>[,<lac>,<ci>[,<AcT>]]`.
pub fn parse_reg_answer(s: &str) -> Option<Reg> {
    let p = params(s);
    let _n: u8 = num(p.first())?;
    reg_from(p.get(1..)?)
}

/// Unsolicited `+CREG: <stat>[,<lac>,<ci>[,<AcT>]]`.
pub fn parse_reg_urc(s: &str) -> Option<Reg> {
    reg_from(&params(s))
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
    let p = params(s);
    Some(Cops {
        mode: num(p.first())?,
        format: num(p.get(1)),
        oper: p.get(2).filter(|o| !o.is_empty()).cloned(),
        act: num(p.get(3)),
    })
}

/// MCC and MNC from a numeric operator ("24002" -> ("240", "02")).
pub fn split_plmn(oper: &str) -> Option<(String, String)> {
    let o = oper.trim();
    if !(5..=6).contains(&o.len()) || !o.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((o.get(..3)?.to_string(), o.get(3..)?.to_string()))
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

impl SimState {
    pub fn name(&self) -> &'static str {
        match self {
            SimState::Ready => "ready",
            SimState::Pin => "pin",
            SimState::Puk => "puk",
            SimState::Pin2 => "pin2",
            SimState::Puk2 => "puk2",
            SimState::Locked => "locked",
            SimState::Absent => "absent",
            SimState::Busy => "busy",
            SimState::Failed => "failed",
        }
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
    let code = params(s).into_iter().next()?.to_ascii_uppercase();
    Some(match code.as_str() {
        "READY" => SimState::Ready,
        "SIM PIN" => SimState::Pin,
        "SIM PUK" => SimState::Puk,
        // PIN2/PUK2 guard other SIM functions; data service is available.
        "SIM PIN2" => SimState::Pin2,
        "SIM PUK2" => SimState::Puk2,
        c if c.starts_with("PH-") || c.starts_with("PH ") => SimState::Locked,
        _ => return None,
    })
}

/// Huawei `^CPIN: <code>,[<times>],<puk_times>,<pin_times>,<puk2_times>,<pin2_times>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    pub state: Option<SimState>,
    pub pin: Option<u8>,
    pub puk: Option<u8>,
}

pub fn parse_hw_cpin(s: &str) -> Option<Attempts> {
    let p = params(s);
    let a = Attempts {
        state: parse_cpin(p.first()?),
        puk: num(p.get(2)),
        pin: num(p.get(3)),
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
        let Some(rest) = strip_prefix_ci(l.trim(), "+CPINR:") else {
            continue;
        };
        let p = params(rest);
        let n = num(p.get(1));
        match p.first().map(|c| c.to_ascii_uppercase()).as_deref() {
            Some("SIM PIN") => a.pin = n,
            Some("SIM PUK") => a.puk = n,
            _ => {}
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
    let v = s.trim().trim_matches('"').trim();
    let ok = (min..=max).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| v.to_string())
}

/// ICCID from `^ICCID: ...` (plain or nibble-swapped) or a raw EF_ICCID hex
/// string (nibble-swapped BCD, `F` padding). ICCIDs start with "89".
pub fn parse_iccid(s: &str) -> Option<String> {
    let v = s.trim().trim_matches('"').trim().to_ascii_uppercase();
    if v.len() < 18 || v.len() > 22 || !v.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let plain = if v.starts_with("98") {
        // Swap each nibble pair.
        let b = v.as_bytes();
        let mut o = String::with_capacity(b.len());
        for pair in b.chunks(2) {
            match pair {
                [x, y] => {
                    o.push(*y as char);
                    o.push(*x as char);
                }
                [x] => o.push(*x as char),
                _ => {}
            }
        }
        o
    } else {
        v
    };
    let t = plain.trim_end_matches('F');
    (t.starts_with("89") && t.len() >= 18 && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.to_string())
}

/// `+CRSM: <sw1>,<sw2>[,<response>]`: the response when sw1 says success.
pub fn parse_crsm(s: &str) -> Option<String> {
    let p = params(s);
    let sw1: u8 = num(p.first())?;
    if sw1 != 0x90 && sw1 != 0x91 && sw1 != 0x9f {
        return None;
    }
    p.get(2).filter(|r| !r.is_empty()).cloned()
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
    let p = params(s);
    Some(SysInfo {
        srv_status: num(p.first())?,
        sys_mode: num(p.get(3))?,
        sim_state: num(p.get(4)),
        submode: num(p.get(6)),
    })
}

/// Access technology name from ^SYSINFO's mode and submode.
pub fn sysinfo_tech(si: &SysInfo) -> Option<&'static str> {
    let sub = match si.submode {
        Some(1) => Some("gsm"),
        Some(2) => Some("gprs"),
        Some(3) => Some("edge"),
        Some(4) => Some("umts"),
        Some(5) => Some("hsdpa"),
        Some(6) => Some("hsupa"),
        Some(7) => Some("hspa"),
        Some(9) => Some("hspa+"),
        Some(17) => Some("hspa+"),
        Some(18) => Some("hspa+"),
        _ => None,
    };
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
    let p = params(s);
    let _status: u8 = num(p.first())?;
    let name = p.get(8).or(p.get(6))?;
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// Access technology from a 27.007 `<AcT>` value (in +COPS / +CREG).
pub fn act_name(act: u8) -> &'static str {
    match act {
        0 => "gsm",
        1 => "gsm_compact",
        2 => "umts",
        3 => "edge",
        4 => "hsdpa",
        5 => "hsupa",
        6 => "hspa",
        7 => "lte",
        _ => "unknown",
    }
}

/// `+GCAP: +CGSM,+DS,+ES` -> the list.
pub fn parse_gcap(s: &str) -> Vec<String> {
    params(s).into_iter().filter(|c| !c.is_empty()).collect()
}

/// Huawei `^SYSCFG` arguments for a service mode: (mode, acquisition order).
pub fn syscfg_for(service: &str) -> Option<(u8, u8)> {
    Some(match service {
        "auto" => (2, 0),
        "umts_only" => (14, 2),
        "gprs_only" => (13, 1),
        "umts_first" => (2, 2),
        "gprs_first" => (2, 1),
        _ => return None,
    })
}

/// The full `AT^SYSCFG=` command: any band, roaming allowed, CS+PS domain.
pub fn syscfg_cmd(service: &str) -> Option<String> {
    let (mode, order) = syscfg_for(service)?;
    Some(format!("AT^SYSCFG={mode},{order},3FFFFFFF,2,4"))
}
