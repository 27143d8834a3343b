//! Text messages and USSD of the virtual E367, written apart from umodem's
//! codec: message storage on the SIM ("SM") and in the stick ("ME"), PDU mode
//! (3GPP TS 27.005: +CMGF, +CPMS, +CMGL, +CMGR, +CMGD, +CMGS with its `> `
//! prompt, +CNMI/+CMTI), and USSD the Huawei way (+CUSD with the string 7-bit
//! packed as hex, the answer likewise) with a small menu and a code the
//! network refuses.
//!
//! The stick stores PDUs as the tests give them (hex, SMSC field first); it
//! decodes nothing but the lengths it must check. Pure state, time passed in;
//! `model.rs` routes commands and bytes here and sends out what comes back.

use crate::model::split_args;

/// A storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mem {
    Sm,
    Me,
}

impl Mem {
    pub fn code(self) -> &'static str {
        match self {
            Mem::Sm => "SM",
            Mem::Me => "ME",
        }
    }
    pub fn parse(s: &str) -> Option<Mem> {
        match s.trim().trim_matches('"').to_ascii_uppercase().as_str() {
            "SM" | "SIM" => Some(Mem::Sm),
            "ME" | "MODEM" => Some(Mem::Me),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Stored {
    /// 0 received unread, 1 received read, 2 stored unsent, 3 stored sent.
    pub stat: u8,
    /// SMSC field and TPDU, upper-case hex.
    pub pdu: String,
}

/// Where a command came in, and what the rest of the stick says now.
#[derive(Clone, Copy, Debug)]
pub struct At {
    pub port: usize,
    /// The +CME error the SIM gives now (not inserted, PIN, busy), if any.
    pub sim_err: Option<u16>,
    /// On a network.
    pub registered: bool,
    pub now: u64,
}

/// How a command ended (the model turns it into text).
#[derive(Debug, PartialEq, Eq)]
pub enum Res {
    Ok,
    Error,
    Cme(u16),
    Cms(u16),
    /// `\r\n> `: text entry follows.
    Prompt,
}

/// An open USSD menu: which one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Menu {
    Top,
    Offers,
}

#[derive(Clone, Debug)]
pub struct Sms {
    pub sm: Vec<Option<Stored>>,
    pub me: Vec<Option<Stored>>,
    /// <mem1> (read, list, delete), <mem2> (write, send from storage), <mem3> (received).
    pub mem: [Mem; 3],
    pub cmgf: u8,
    /// +CNMI <mt>: 1 = store and say +CMTI.
    pub cnmi_mt: u8,
    /// Text entry after `AT+CMGS=<length>` on this port: (port, length, bytes so far).
    entry: Option<(usize, usize, Vec<u8>)>,
    next_mr: u8,
    /// TPDUs sent (hex), for the tests.
    pub sent: Vec<String>,
    /// The next send fails with this +CMS ERROR.
    pub fail_next: Option<u16>,
    menu: Option<Menu>,
    /// Unsolicited lines due later: (when, port, line).
    due: Vec<(u64, usize, String)>,
    /// The network's USSD answers come this long after the command's OK.
    pub ussd_delay_ms: u64,
}

fn is_hex(s: &str) -> bool {
    s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Septets (the ASCII letters, digits, space, CR, LF and punctuation, which
/// the GSM default alphabet has at the same codes) packed LSB first, bit by bit.
pub fn pack7(text: &str) -> String {
    let mut bits: Vec<bool> = Vec::new();
    let mut sept: Vec<u8> = text.bytes().map(|b| b & 0x7f).collect();
    // 7 spare bits at the end would read as '@': USSD pads them with CR.
    if sept.len() % 8 == 7 {
        sept.push(b'\r');
    }
    for s in sept {
        for i in 0..7 {
            bits.push(s >> i & 1 == 1);
        }
    }
    bits.chunks(8)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |a, (i, &b)| a | (u8::from(b) << i))
        })
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// The inverse for a USSD string from the host: every whole septet, a final
/// CR on an octet boundary dropped.
pub fn unpack7(hex: &str) -> Option<String> {
    if !is_hex(hex) {
        return None;
    }
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    let bits: Vec<bool> = bytes
        .iter()
        .flat_map(|b| (0..8).map(move |i| b >> i & 1 == 1))
        .collect();
    let mut s: Vec<u8> = bits
        .chunks_exact(7)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |a, (i, &b)| a | (u8::from(b) << i))
        })
        .collect();
    if s.len().is_multiple_of(8) && s.last() == Some(&b'\r') {
        s.pop();
    }
    Some(String::from_utf8_lossy(&s).into_owned())
}

pub const BALANCE: &str = "Your balance is 12.50 EUR. Valid until 31.12.";
pub const MENU: &str = "1. Balance\n2. Offers\n0. Exit";
pub const OFFERS: &str = "1. 1 GB for 5 EUR\n0. Back";
pub const BOUGHT: &str = "1 GB added. Thank you!";
/// UCS2 answer (DCS 72) of `*102#`: "Баланс: 100 ₽".
pub const RUBLES_UCS2: &str = "04110430043B0430043D0441003A0020003100300030002020BD";

impl Sms {
    pub fn new(sm_slots: usize, me_slots: usize) -> Sms {
        Sms {
            sm: vec![None; sm_slots],
            me: vec![None; me_slots],
            mem: [Mem::Sm, Mem::Sm, Mem::Sm],
            cmgf: 0,
            cnmi_mt: 0,
            entry: None,
            next_mr: 1,
            sent: Vec::new(),
            fail_next: None,
            menu: None,
            due: Vec::new(),
            ussd_delay_ms: 300,
        }
    }

    /// The same stick powered on again: the SIM's and the stick's messages
    /// stay, settings and sessions do not.
    pub fn power_on_again(&self) -> Sms {
        let mut s = Sms::new(self.sm.len(), self.me.len());
        s.sm = self.sm.clone();
        s.me = self.me.clone();
        s.sent = self.sent.clone();
        s.ussd_delay_ms = self.ussd_delay_ms;
        s
    }

    fn store(&mut self, m: Mem) -> &mut Vec<Option<Stored>> {
        match m {
            Mem::Sm => &mut self.sm,
            Mem::Me => &mut self.me,
        }
    }

    fn used(&self, m: Mem) -> usize {
        match m {
            Mem::Sm => self.sm.iter().flatten().count(),
            Mem::Me => self.me.iter().flatten().count(),
        }
    }

    fn total(&self, m: Mem) -> usize {
        match m {
            Mem::Sm => self.sm.len(),
            Mem::Me => self.me.len(),
        }
    }

    /// Text entry in progress on `port`.
    pub fn entering(&self, port: usize) -> bool {
        self.entry.as_ref().is_some_and(|e| e.0 == port)
    }

    /// A message command, if `name` is one.
    pub fn command(
        &mut self,
        at: At,
        name: &str,
        tail: &str,
        info: &mut Vec<String>,
    ) -> Option<Res> {
        let At {
            port,
            sim_err,
            registered,
            now,
        } = at;
        let set = tail.strip_prefix('=').filter(|a| *a != "?");
        // SIM storage and sending need the SIM (27.005: 310 not inserted,
        // 311 PIN, 312 PUK, 313 failure, 314 busy).
        let sim_cms = sim_err.map(|e| if (10..=14).contains(&e) { 300 + e } else { 313 });
        let r = match (name, tail) {
            ("+CMGF", "?") => {
                info.push(format!("+CMGF: {}", self.cmgf));
                Res::Ok
            }
            ("+CMGF", "=?") => {
                info.push("+CMGF: (0,1)".into());
                Res::Ok
            }
            ("+CMGF", _) => match set.map(str::trim) {
                Some("0") => {
                    self.cmgf = 0;
                    Res::Ok
                }
                Some("1") => {
                    self.cmgf = 1;
                    Res::Ok
                }
                _ => Res::Error,
            },
            ("+CPMS", "=?") => {
                info.push("+CPMS: (\"SM\",\"ME\"),(\"SM\",\"ME\"),(\"SM\",\"ME\")".into());
                Res::Ok
            }
            ("+CPMS", "?") => {
                let parts: Vec<String> = self
                    .mem
                    .iter()
                    .map(|&m| format!("\"{}\",{},{}", m.code(), self.used(m), self.total(m)))
                    .collect();
                info.push(format!("+CPMS: {}", parts.join(",")));
                Res::Ok
            }
            ("+CPMS", _) => {
                let Some(a) = set else {
                    return Some(Res::Error);
                };
                let v: Vec<Option<Mem>> = split_args(a).iter().map(|m| Mem::parse(m)).collect();
                if v.is_empty() || v.len() > 3 || v.iter().any(Option::is_none) {
                    return Some(Res::Cms(302));
                }
                if v.contains(&Some(Mem::Sm)) {
                    if let Some(e) = sim_cms {
                        return Some(Res::Cms(e));
                    }
                }
                for (i, m) in v.into_iter().enumerate() {
                    self.mem[i] = m.unwrap_or(Mem::Sm);
                }
                let parts: Vec<String> = self
                    .mem
                    .iter()
                    .map(|&m| format!("{},{}", self.used(m), self.total(m)))
                    .collect();
                info.push(format!("+CPMS: {}", parts.join(",")));
                Res::Ok
            }
            ("+CNMI", "?") => {
                info.push(format!("+CNMI: 2,{},0,0,0", self.cnmi_mt));
                Res::Ok
            }
            ("+CNMI", "=?") => {
                info.push("+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)".into());
                Res::Ok
            }
            ("+CNMI", _) => {
                let v = split_args(set.unwrap_or(""));
                match v.get(1).map(|s| s.parse::<u8>()) {
                    Some(Ok(mt @ 0..=3)) => {
                        self.cnmi_mt = mt;
                        Res::Ok
                    }
                    None => Res::Ok,
                    _ => Res::Cms(303),
                }
            }
            ("+CMGL" | "+CMGR" | "+CMGD" | "+CMGS", _) if self.cmgf != 0 => {
                // Text mode is not modelled: this stick is used in PDU mode.
                Res::Cms(302)
            }
            ("+CMGL", _) => {
                let want = match set.map(|s| s.trim().parse::<u8>()) {
                    None => 0,
                    Some(Ok(n @ 0..=4)) => n,
                    _ => return Some(Res::Cms(303)),
                };
                let m = self.mem[0];
                if m == Mem::Sm {
                    if let Some(e) = sim_cms {
                        return Some(Res::Cms(e));
                    }
                }
                for (i, slot) in self.store(m).iter_mut().enumerate() {
                    if let Some(s) = slot {
                        if want == 4 || s.stat == want {
                            info.push(format!("+CMGL: {},{},,{}", i, s.stat, tpdu_len(&s.pdu)));
                            info.push(s.pdu.clone());
                            // 27.005: listed unread messages become read.
                            if s.stat == 0 {
                                s.stat = 1;
                            }
                        }
                    }
                }
                Res::Ok
            }
            ("+CMGR", _) => {
                let m = self.mem[0];
                if m == Mem::Sm {
                    if let Some(e) = sim_cms {
                        return Some(Res::Cms(e));
                    }
                }
                let i = match set.map(|s| s.trim().parse::<usize>()) {
                    Some(Ok(i)) => i,
                    _ => return Some(Res::Cms(321)),
                };
                match self.store(m).get_mut(i) {
                    Some(Some(s)) => {
                        info.push(format!("+CMGR: {},,{}", s.stat, tpdu_len(&s.pdu)));
                        info.push(s.pdu.clone());
                        if s.stat == 0 {
                            s.stat = 1;
                        }
                        Res::Ok
                    }
                    _ => Res::Cms(321),
                }
            }
            ("+CMGD", _) => {
                let m = self.mem[0];
                if m == Mem::Sm {
                    if let Some(e) = sim_cms {
                        return Some(Res::Cms(e));
                    }
                }
                let v = split_args(set.unwrap_or(""));
                let i = v.first().and_then(|s| s.parse::<usize>().ok());
                let flag = v.get(1).and_then(|s| s.parse::<u8>().ok()).unwrap_or(0);
                match (i, flag) {
                    (_, 4) => {
                        self.store(m).iter_mut().for_each(|s| *s = None);
                        Res::Ok
                    }
                    (Some(i), 0) if i < self.total(m) => {
                        self.store(m)[i] = None;
                        Res::Ok
                    }
                    _ => Res::Cms(321),
                }
            }
            ("+CMGS", _) => {
                if let Some(e) = sim_cms {
                    return Some(Res::Cms(e));
                }
                match set.map(|s| s.trim().parse::<usize>()) {
                    Some(Ok(n @ 7..=164)) => {
                        self.entry = Some((port, n, Vec::new()));
                        Res::Prompt
                    }
                    _ => Res::Cms(304),
                }
            }
            ("+CSCA", "?") => {
                info.push("+CSCA: \"+46707990001\",145".into());
                Res::Ok
            }
            ("+CUSD", "?") => {
                info.push("+CUSD: 1".into());
                Res::Ok
            }
            ("+CUSD", "=?") => {
                info.push("+CUSD: (0-2)".into());
                Res::Ok
            }
            ("+CUSD", _) => {
                let v = split_args(set.unwrap_or(""));
                match v.first().map(String::as_str) {
                    Some("2") => {
                        self.menu = None;
                        Res::Ok
                    }
                    Some("0" | "1") if v.len() == 1 => Res::Ok,
                    Some("0" | "1") => {
                        if let Some(e) = sim_err {
                            return Some(Res::Cme(e));
                        }
                        if !registered {
                            return Some(Res::Cme(30));
                        }
                        // This stick takes the string 7-bit packed, as hex.
                        let Some(code) = v.get(1).and_then(|s| unpack7(s)) else {
                            return Some(Res::Error);
                        };
                        let answer = self.ussd(&code);
                        self.due.push((now + self.ussd_delay_ms, port, answer));
                        Res::Ok
                    }
                    _ => Res::Error,
                }
            }
            _ => return None,
        };
        Some(r)
    }

    /// The network's answer to a USSD string, as the `+CUSD` line.
    fn ussd(&mut self, code: &str) -> String {
        let done = |t: &str| format!("+CUSD: 0,\"{}\",15", pack7(t));
        let more = |t: &str| format!("+CUSD: 1,\"{}\",15", pack7(t));
        match (self.menu, code) {
            (None, "*100#") => done(BALANCE),
            (None, "*102#") => format!("+CUSD: 0,\"{RUBLES_UCS2}\",72"),
            (None, "*111#") => {
                self.menu = Some(Menu::Top);
                more(MENU)
            }
            (Some(Menu::Top), "1") => {
                self.menu = None;
                done(BALANCE)
            }
            (Some(Menu::Top), "2") => {
                self.menu = Some(Menu::Offers);
                more(OFFERS)
            }
            (Some(Menu::Offers), "1") => {
                self.menu = None;
                done(BOUGHT)
            }
            (Some(Menu::Offers), "0") => {
                self.menu = Some(Menu::Top);
                more(MENU)
            }
            (Some(_), "0") => {
                self.menu = None;
                "+CUSD: 2".into()
            }
            // A menu answered with something it does not offer: asked again.
            (Some(Menu::Top), _) => more(MENU),
            (Some(Menu::Offers), _) => more(OFFERS),
            // Any other code: the network does not support it.
            (None, _) => "+CUSD: 4".into(),
        }
    }

    /// A byte of text entry. Some(result) when it ends: Ctrl-Z sends (the PDU's
    /// length checked against the one given), ESC abandons.
    pub fn entry_byte(&mut self, b: u8) -> Option<(Vec<String>, Res)> {
        let (_, len, buf) = self.entry.as_mut()?;
        match b {
            0x1B => {
                self.entry = None;
                Some((Vec::new(), Res::Ok))
            }
            0x1A => {
                let hex = String::from_utf8_lossy(buf).trim().to_ascii_uppercase();
                let len = *len;
                self.entry = None;
                if !is_hex(&hex) || tpdu_len(&hex) != len {
                    return Some((Vec::new(), Res::Cms(304)));
                }
                if let Some(e) = self.fail_next.take() {
                    return Some((Vec::new(), Res::Cms(e)));
                }
                let smsc = usize::from(u8::from_str_radix(&hex[..2], 16).unwrap_or(0));
                self.sent.push(hex[2 + 2 * smsc..].to_string());
                let mr = self.next_mr;
                self.next_mr = self.next_mr.wrapping_add(1);
                Some((vec![format!("+CMGS: {mr}")], Res::Ok))
            }
            b'\r' | b'\n' => None,
            _ => {
                if buf.len() < 1024 {
                    buf.push(b);
                }
                None
            }
        }
    }

    /// Put a message into a storage (`read`: as already read). Ok(index), or
    /// Err("full").
    pub fn put(&mut self, m: Mem, pdu: &str, stat: u8) -> Result<usize, String> {
        let pdu = pdu.trim().to_ascii_uppercase();
        if !is_hex(&pdu) || pdu.len() < 4 {
            return Err("not a PDU in hex".into());
        }
        let s = self.store(m);
        let i = s
            .iter()
            .position(Option::is_none)
            .ok_or_else(|| "full".to_string())?;
        s[i] = Some(Stored { stat, pdu });
        Ok(i)
    }

    /// A message arrives from the network: stored in <mem3>, announced with
    /// `+CMTI` if asked (+CNMI mt=1). A full storage gives `^SMMEMFULL` instead.
    pub fn arrive(&mut self, pdu: &str) -> (Result<usize, String>, String) {
        let m = self.mem[2];
        match self.put(m, pdu, 0) {
            Ok(i) => {
                let urc = if self.cnmi_mt == 1 {
                    format!("+CMTI: \"{}\",{}", m.code(), i)
                } else {
                    String::new()
                };
                (Ok(i), urc)
            }
            Err(e) if e == "full" => (Err(e), format!("^SMMEMFULL: \"{}\"", m.code())),
            Err(e) => (Err(e), String::new()),
        }
    }

    /// Unsolicited lines now due: (port, line).
    pub fn tick(&mut self, now: u64) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        self.due.retain(|(t, p, l)| {
            if now >= *t {
                out.push((*p, l.clone()));
                false
            } else {
                true
            }
        });
        out
    }

    /// `sms` control command's reply: every stored message, `MEM:INDEX:STAT:PDU`.
    pub fn dump(&self) -> String {
        let mut v = Vec::new();
        for (m, s) in [(Mem::Sm, &self.sm), (Mem::Me, &self.me)] {
            for (i, x) in s.iter().enumerate() {
                if let Some(x) = x {
                    v.push(format!("{}:{}:{}:{}", m.code(), i, x.stat, x.pdu));
                }
            }
        }
        v.join(" ")
    }
}

/// TPDU octets of a PDU with its SMSC field (what <length> counts).
pub fn tpdu_len(hex: &str) -> usize {
    let smsc = hex
        .get(..2)
        .and_then(|h| usize::from_str_radix(h, 16).ok())
        .unwrap_or(0);
    (hex.len() / 2).saturating_sub(1 + smsc)
}
