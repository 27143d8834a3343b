//! SMS over AT in PDU mode (3GPP TS 27.005), pure: the commands' answers
//! (`+CMGL`, `+CMGR`, `+CMTI`, `+CPMS`, `+CMGS`) parsed, and the parts of
//! concatenated messages joined into one message each.
//!
//! Parsers take the text after the prefix (see `at::Response::field`); list
//! parsers take an answer's information lines. Garbage gives None or an entry
//! with an error, never a panic.

use crate::core::at::strip_prefix_ci;
use crate::core::pdu::{self, Address, Alphabet, Kind, Sms, Timestamp};
use crate::{Error, Result};

/// A message storage (`+CPMS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mem {
    /// "SM": the SIM.
    Sim,
    /// "ME": the modem's own memory.
    Modem,
    /// "MT": both, one index space (SIM first).
    Both,
}

impl Mem {
    pub fn code(self) -> &'static str {
        match self {
            Mem::Sim => "SM",
            Mem::Modem => "ME",
            Mem::Both => "MT",
        }
    }

    #[inline(never)]
    pub fn name(self) -> &'static str {
        match self {
            Mem::Sim => "sim",
            Mem::Modem => "modem",
            Mem::Both => "sim+modem",
        }
    }

    /// The command that chooses it as the reading storage.
    #[inline(never)]
    pub fn cpms(self) -> &'static str {
        match self {
            Mem::Sim => "AT+CPMS=\"SM\"",
            Mem::Modem => "AT+CPMS=\"ME\"",
            Mem::Both => "AT+CPMS=\"MT\"",
        }
    }

    /// From the modem's code (`"SM"`) or our name (`sim`).
    pub fn parse(s: &str) -> Option<Mem> {
        const ALL: [(&str, &str, Mem); 3] = [
            ("SM", "sim", Mem::Sim),
            ("ME", "modem", Mem::Modem),
            ("MT", "sim+modem", Mem::Both),
        ];
        ALL.iter()
            .find(|t| s.eq_ignore_ascii_case(t.0) || s.eq_ignore_ascii_case(t.1))
            .map(|t| t.2)
    }
}

/// `<stat>` of PDU mode.
pub fn stat_name(stat: u8) -> &'static str {
    match stat {
        0 => "unread",
        1 => "read",
        2 => "unsent",
        3 => "sent",
        _ => "unknown",
    }
}

/// The comma-separated parameters of an answer (`at::params`: slices of the line).
pub use crate::core::at::{params, Params};

fn num(s: Option<&str>) -> Option<u16> {
    crate::num::dec(s?)?.try_into().ok()
}

fn num8(s: Option<&str>) -> Option<u8> {
    num(s)?.try_into().ok()
}

/// A PDU line as listed, checked against the `<length>` the modem gave.
pub fn listed_pdu(hex: &str, length: usize) -> Result<Sms> {
    let b = pdu::unhex(hex, pdu::MAX_PDU)?;
    let sms = pdu::decode(&b)?;
    let n = pdu::tpdu_len(&b);
    if n != length {
        return Err(crate::err!("SMS PDU: {n} octets, the modem said {length}"));
    }
    Ok(sms)
}

/// One entry of `+CMGL`: its index, `<stat>`, and the message or why it
/// could not be read (the entry stays, so that it can still be deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub index: u16,
    pub stat: u8,
    pub sms: Result<Sms>,
}

/// The information lines of `AT+CMGL=4`: `+CMGL: <index>,<stat>,[<alpha>],<length>`,
/// each followed by its PDU line. A header without a PDU gives an error entry;
/// a header without a number is skipped.
pub fn parse_cmgl(lines: &[String]) -> Vec<Listed> {
    let mut out = Vec::new();
    each_cmgl(lines, |index, stat, sms| {
        out.push(Listed { index, stat, sms })
    });
    out
}

/// [`parse_cmgl`] entry by entry (`index`, `stat`, the message): each
/// decoded message goes to `f` where it is built, not through a list.
pub fn each_cmgl(lines: &[String], mut f: impl FnMut(u16, u8, Result<Sms>)) {
    let mut i = 0;
    while let Some(l) = lines.get(i) {
        i += 1;
        let Some(h) = strip_prefix_ci(l, "+CMGL:") else {
            continue;
        };
        let pdu = lines
            .get(i)
            .filter(|n| strip_prefix_ci(n, "+CMGL:").is_none());
        i += usize::from(pdu.is_some());
        let mut p = params(h);
        let (Some(index), Some(stat)) = (num(p.next()), num8(p.next())) else {
            continue;
        };
        // The length is the last parameter, after the optional <alpha>.
        f(
            index,
            stat,
            match (pdu, num(p.last())) {
                (Some(pdu), Some(len)) => listed_pdu(pdu, len.into()),
                (None, _) => Err(Error::new("SMS: listed without its PDU")),
                (_, None) => Err(Error::new("SMS: listed without its length")),
            },
        );
    }
}

/// The information lines of `AT+CMGR=<index>`: `+CMGR: <stat>,[<alpha>],<length>`
/// and the PDU. Some modems answer an empty slot with OK and nothing else.
pub fn parse_cmgr(lines: &[String]) -> Result<(u8, Sms)> {
    let (i, h) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| Some((i, strip_prefix_ci(l, "+CMGR:")?)))
        .ok_or_else(|| Error::new("SMS: no message at that index"))?;
    let mut p = params(h);
    let stat = num8(p.next()).ok_or_else(|| Error::new("SMS: +CMGR without a status"))?;
    let len = num(p.last()).ok_or_else(|| Error::new("SMS: +CMGR without a length"))?;
    let pdu = lines
        .get(i + 1)
        .ok_or_else(|| Error::new("SMS: +CMGR without its PDU"))?;
    Ok((stat, listed_pdu(pdu, len.into())?))
}

/// `+CMTI: <mem>,<index>`: a new message stored.
pub fn parse_cmti(s: &str) -> Option<(Mem, u16)> {
    let mut p = params(s);
    Some((Mem::parse(p.next()?)?, num(p.next())?))
}

/// `+CMGS: <mr>`: the message reference of a message sent.
pub fn parse_cmgs(s: &str) -> Option<u8> {
    num8(params(s).next())
}

/// One storage's fill level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store<'a> {
    /// Its code as the modem gave it ("SM"), empty in the answer to a set.
    pub mem: &'a str,
    pub used: u16,
    pub total: u16,
}

impl Store<'_> {
    pub fn full(&self) -> bool {
        self.total > 0 && self.used >= self.total
    }
}

/// `+CPMS: "SM",3,20,"SM",3,20,"SM",3,20` (the query) or `+CPMS: 3,20,3,20,3,20`
/// (the answer to a set): one entry per storage, in `<mem1>,<mem2>,<mem3>` order.
pub fn parse_cpms(s: &str) -> Vec<Store<'_>> {
    let mut p = params(s);
    let mut out = Vec::new();
    while out.len() < 3 {
        let Some(f) = p.next() else { break };
        let (mem, used) = match num(Some(f)) {
            Some(n) => ("", Some(n)),
            None => (f, num(p.next())),
        };
        let (Some(used), Some(total)) = (used, num(p.next())) else {
            break;
        };
        out.push(Store { mem, used, total });
    }
    out
}

/// `+CPMS: ("ME","MT","SM","SR"),(...),(...)`: the storages `<mem1>` (reading
/// and deleting) supports.
pub fn parse_cpms_test(s: &str) -> Vec<Mem> {
    let at = |c: u8| s.bytes().position(|b| b == c);
    let first = match (at(b'('), at(b')')) {
        (Some(a), Some(b)) if a < b => s.get(a + 1..b).unwrap_or(""),
        _ => s,
    };
    let mut v = Vec::new();
    for m in params(first).filter_map(Mem::parse) {
        if v.last() != Some(&m) {
            v.push(m);
        }
    }
    v
}

// ---------------------------------------------------------------------------
// Joining concatenated parts

/// A decoded PDU and where it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub mem: Mem,
    pub index: u16,
    pub stat: u8,
    pub sms: Sms,
}

/// One message as a person reads it: a single PDU, or the parts of a
/// concatenated one that are stored, in part order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Storage and index of each part present, in part order.
    pub slots: Vec<(Mem, u16)>,
    /// Unread if any part is unread.
    pub stat: u8,
    pub kind: Kind,
    pub addr: Address,
    /// Time stamp of the first part present.
    pub time: Option<Timestamp>,
    /// Alphabet of the first part present (8-bit data is shown as hex).
    pub alphabet: Alphabet,
    pub text: String,
    /// Parts the message has (1 unless concatenated).
    pub parts: u8,
    /// Part numbers not (yet) stored.
    pub missing: Vec<u8>,
}

/// Join parts by sender (or recipient), reference and part count, ordered by
/// part number whatever order they were stored in. A part number seen twice
/// under one reference starts another message (references wrap around).
/// Messages come in the order of their first stored part.
pub fn join(mut items: Vec<Item>) -> Vec<Message> {
    // Each item's group: the index of the group's first stored item.
    let mut head: Vec<usize> = Vec::with_capacity(items.len());
    for i in 0..items.len() {
        let b = &items[i].sms;
        let h = (0..i)
            .find(|&j| {
                let a = &items[j].sms;
                head[j] == j
                    && matches!((a.concat, b.concat), (Some(x), Some(y))
                        if x.reference == y.reference && x.total == y.total)
                    && a.kind == b.kind
                    && a.addr.text == b.addr.text
                    && !(j..i).any(|k| head[k] == j && seq(&items[k]) == seq(&items[i]))
            })
            .unwrap_or(i);
        head.push(h);
    }
    let mut out = Vec::new();
    for j in 0..items.len() {
        if head[j] != j {
            continue;
        }
        let parts = items[j].sms.concat.map_or(1, |c| c.total);
        let mut m = Message {
            slots: Vec::new(),
            stat: u8::MAX,
            kind: items[j].sms.kind,
            addr: Address::default(),
            time: None,
            alphabet: Alphabet::Gsm7,
            text: String::new(),
            parts,
            missing: Vec::new(),
        };
        // Runs of consecutive parts in one alphabet are decoded as one piece,
        // so that a surrogate pair or an escape split between parts reads right.
        let mut run: Vec<u8> = Vec::new();
        let mut ra = Alphabet::Gsm7;
        for n in 1..=parts {
            let k = (j..items.len()).find(|&k| head[k] == j && seq(&items[k]) == n);
            let it = k.and_then(|k| items.get_mut(k));
            if !run.is_empty() && it.as_ref().is_none_or(|it| it.sms.alphabet != ra) {
                m.text.push_str(&pdu::text(ra, &run));
                run.clear();
            }
            let Some(it) = it else {
                m.missing.push(n);
                continue;
            };
            if m.slots.is_empty() {
                // The first part present gives the sender, time and alphabet.
                m.addr = std::mem::take(&mut it.sms.addr);
                m.time = it.sms.time;
                m.alphabet = it.sms.alphabet;
            }
            ra = it.sms.alphabet;
            m.slots.push((it.mem, it.index));
            m.stat = m.stat.min(it.stat);
            run.extend_from_slice(&it.sms.body);
        }
        if !run.is_empty() {
            m.text.push_str(&pdu::text(ra, &run));
        }
        out.push(m);
    }
    out
}

fn seq(it: &Item) -> u8 {
    it.sms.concat.map_or(1, |c| c.seq)
}
