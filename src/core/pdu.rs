//! SMS PDUs (3GPP TS 23.040), pure: decode the SMS-DELIVER and SMS-SUBMIT
//! PDUs a modem lists in PDU mode (`+CMGL`, `+CMGR`: the SMSC address first),
//! and build SMS-SUBMIT PDUs for `+CMGS`, split into concatenated parts when
//! the text is long.
//!
//! Every length in a PDU is checked against the bytes that are there: a PDU
//! that lies about a length, is cut short or has bytes left over is an error,
//! never a panic, and nothing is read past `MAX_PDU` octets.

use crate::core::gsm7;
use crate::{Error, Result};

/// Longest PDU with its SMSC field: 12 octets of SMSC, 164 of SMS-SUBMIT.
pub const MAX_PDU: usize = 176;
/// Septets of one unsplit GSM 7-bit text, and of one part after the
/// concatenation header (6 octets = 7 septets).
pub const GSM7_ONE: usize = 160;
pub const GSM7_PART: usize = 153;
/// UTF-16 units of one unsplit UCS2 text, and of one part.
pub const UCS2_ONE: usize = 70;
pub const UCS2_PART: usize = 67;
/// Most parts one reference can carry.
pub const MAX_PARTS: usize = 255;

/// What is wrong with a PDU. Decoding passes this thin value around and
/// makes one `Error` of it at the end (smaller code on the router).
type Bad = &'static str;
type R<T> = std::result::Result<T, Bad>;

#[cold]
#[inline(never)]
fn bad(what: Bad) -> Error {
    crate::err!("SMS PDU: {what}")
}

// ---------------------------------------------------------------------------
// Hex

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Bytes as upper-case hex, as modems print PDUs.
pub fn hex(bytes: &[u8]) -> String {
    let mut v = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        v.push(HEX[usize::from(b >> 4)]);
        v.push(HEX[usize::from(b & 15)]);
    }
    std::str::from_utf8(&v).unwrap_or_default().to_string()
}

fn nibble(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Hex (either case, blanks around it ignored) to bytes. An odd number of
/// digits, a non-hex character, or more than `max` bytes is an error.
pub fn unhex(s: &str, max: usize) -> Result<Vec<u8>> {
    let s = s.trim_ascii().as_bytes();
    if !s.len().is_multiple_of(2) {
        return Err(bad("odd number of hex digits"));
    }
    if s.len() / 2 > max {
        return Err(bad("longer than any SMS"));
    }
    let mut v = Vec::with_capacity(s.len() / 2);
    for p in s.chunks_exact(2) {
        match (nibble(p[0]), nibble(p[1])) {
            (Some(h), Some(l)) => v.push(h << 4 | l),
            _ => return Err(bad("not hex")),
        }
    }
    Ok(v)
}

// ---------------------------------------------------------------------------
// Reading

struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    /// `n` bytes; if fewer are left, `what` (which says what was cut short).
    fn take(&mut self, n: usize, what: Bad) -> R<&'a [u8]> {
        if n > self.b.len() {
            return Err(what);
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }

    fn byte(&mut self, what: Bad) -> R<u8> {
        Ok(self.take(1, what)?[0])
    }
}

// ---------------------------------------------------------------------------
// Addresses (TS 23.040 9.1.2.5)

/// A phone number or an alphanumeric sender, with its type-of-address octet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub toa: u8,
    /// Digits (with a leading + when international) or the alphanumeric name.
    pub text: String,
}

impl Address {
    /// The type of number, by name.
    pub fn kind(&self) -> &'static str {
        match (self.toa >> 4) & 7 {
            1 => "international",
            2 => "national",
            3 => "network",
            4 => "subscriber",
            5 => "alphanumeric",
            6 => "abbreviated",
            _ => "unknown",
        }
    }
}

/// Semi-octet digits, low nibble first; 0xF is the filler and ends them. A
/// number of international type (TON 1) gets its leading +.
fn number(toa: u8, b: &[u8], max: usize) -> Address {
    let mut v = String::with_capacity(max + 1);
    if (toa >> 4) & 7 == 1 {
        v.push('+');
    }
    for i in 0..max.min(b.len() * 2) {
        let n = usize::from(
            b.get(i / 2)
                .map_or(15, |&x| if i % 2 == 0 { x & 15 } else { x >> 4 }),
        );
        match "0123456789*#abc".get(n..n + 1) {
            Some(c) => v.push_str(c),
            None => break,
        }
    }
    // A lone +: no digits.
    if v == "+" {
        v.clear();
    }
    Address { toa, text: v }
}

/// An originating/destination address as read: its type and octets, and
/// its length in semi-octets. Made an [`Address`] once the whole PDU has
/// checked out (nothing to free on the error paths).
fn address(toa: u8, b: &[u8], n: usize) -> Address {
    if (toa >> 4) & 7 == 5 {
        // Alphanumeric: 7-bit packed text.
        let sept = gsm7::unpack(b, 0, n * 4 / 7).unwrap_or_default();
        return Address {
            toa,
            text: gsm7::decode(&sept),
        };
    }
    number(toa, b, n)
}

// ---------------------------------------------------------------------------
// Time stamps (TS 23.040 9.2.3.11)

/// A service centre time stamp: local time and its zone in quarter hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Offset from UTC in quarter hours (-79..=79).
    pub zone: i8,
}

fn swapped_bcd(b: u8) -> Option<u8> {
    let (t, u) = (b & 15, b >> 4);
    (t < 10 && u < 10).then_some(t * 10 + u)
}

impl Timestamp {
    /// Seven semi-octet swapped BCD octets; None when any field is not a
    /// valid date or time (the message is kept, without its time).
    pub fn parse(b: &[u8]) -> Option<Timestamp> {
        let mut f = [0u8; 6];
        for (d, &s) in f.iter_mut().zip(b.get(..6)?) {
            *d = swapped_bcd(s)?;
        }
        let z = *b.get(6)?;
        let q = swapped_bcd(z & 0xF7)?;
        let [y, mo, d, h, mi, s] = f;
        if mo == 0 || mo > 12 || d == 0 || d > 31 || h > 23 || mi > 59 || s > 59 {
            return None;
        }
        Some(Timestamp {
            // Two digits only: read 80..99 as the last century.
            year: u16::from(y) + if y >= 80 { 1900 } else { 2000 },
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            zone: if z & 8 != 0 { -(q as i8) } else { q as i8 },
        })
    }

    /// ISO 8601 with the offset: `2024-03-05T14:20:00+01:00`.
    pub fn iso(&self) -> String {
        let m = u16::from(self.zone.unsigned_abs()) * 15;
        let sign = if self.zone < 0 { '-' } else { '+' };
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            self.year % 10000,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            m / 60,
            m % 60
        )
    }
}

// ---------------------------------------------------------------------------
// Data coding scheme (TS 23.038 4)

/// How the user data is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    Gsm7,
    /// 8-bit data (and compressed text, which we do not inflate): shown as hex.
    Data,
    Ucs2,
}

impl Alphabet {
    pub fn name(self) -> &'static str {
        match self {
            Alphabet::Gsm7 => "gsm7",
            Alphabet::Data => "8bit",
            Alphabet::Ucs2 => "ucs2",
        }
    }

    /// The alphabet bits (3..2) of the general and message-class groups.
    pub fn from_bits(dcs: u8) -> Alphabet {
        match (dcs >> 2) & 3 {
            1 => Alphabet::Data,
            2 => Alphabet::Ucs2,
            // 3 is reserved: read as the default alphabet, as the spec asks.
            _ => Alphabet::Gsm7,
        }
    }
}

/// The alphabet of an SMS data coding scheme. Reserved codings read as GSM 7-bit.
pub fn sms_alphabet(dcs: u8) -> Alphabet {
    match dcs >> 4 {
        // General data coding and automatic deletion groups; bit 5: compressed.
        0..=7 if dcs & 0x20 != 0 => Alphabet::Data,
        0..=7 => Alphabet::from_bits(dcs),
        // Message waiting indication, store, UCS2.
        0xE => Alphabet::Ucs2,
        // Data coding / message class: bit 2 picks 8-bit data.
        0xF if dcs & 4 != 0 => Alphabet::Data,
        _ => Alphabet::Gsm7,
    }
}

/// The message class (0: flash, shown and not stored), if the DCS gives one.
pub fn sms_class(dcs: u8) -> Option<u8> {
    match dcs >> 4 {
        0..=7 if dcs & 0x10 != 0 => Some(dcs & 3),
        0xF => Some(dcs & 3),
        _ => None,
    }
}

/// User data to text: GSM septets, UTF-16 (big-endian; a lone surrogate or
/// an odd last octet shows U+FFFD) or 8-bit data as hex.
pub fn text(alphabet: Alphabet, body: &[u8]) -> String {
    match alphabet {
        Alphabet::Gsm7 => gsm7::decode(body),
        Alphabet::Data => hex(body),
        Alphabet::Ucs2 => {
            // An odd last octet reads as U+FFFD (and pairs with nothing).
            let unit = |i: usize| match body.get(i..i + 2) {
                Some(&[a, b]) => u32::from(u16::from_be_bytes([a, b])),
                _ => 0xFFFD,
            };
            let mut s = String::with_capacity(body.len());
            let mut i = 0;
            while i < body.len() {
                let u = unit(i);
                i += 2;
                let lo = unit(i);
                // A surrogate pair, or one unit (a lone surrogate is U+FFFD).
                let c = if (0xD800..0xDC00).contains(&u) && (0xDC00..0xE000).contains(&lo) {
                    i += 2;
                    0x10000 + ((u - 0xD800) << 10 | (lo - 0xDC00))
                } else {
                    u
                };
                s.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            s
        }
    }
}

// ---------------------------------------------------------------------------
// User data header (TS 23.040 9.2.3.24)

/// Concatenation: part `seq` of `total` under `reference` (8- or 16-bit IE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concat {
    pub reference: u16,
    pub total: u8,
    pub seq: u8,
}

/// The concatenation element of a header (other elements are skipped). An
/// element running past the header is an error; a concatenation element with
/// part 0 or a part above the total is ignored, as the spec asks.
fn header(h: &[u8]) -> R<Option<Concat>> {
    let mut found = None;
    let mut i = 0;
    while i < h.len() {
        let iei = h[i];
        let len = usize::from(*h.get(i + 1).ok_or("header element cut short")?);
        let d = h
            .get(i + 2..i + 2 + len)
            .ok_or("header element longer than the header")?;
        let c = match (iei, d) {
            (0x00, &[r, t, s]) => Some(Concat {
                reference: u16::from(r),
                total: t,
                seq: s,
            }),
            (0x08, &[r1, r2, t, s]) => Some(Concat {
                reference: u16::from_be_bytes([r1, r2]),
                total: t,
                seq: s,
            }),
            _ => None,
        };
        if let Some(c) = c.filter(|c| c.seq >= 1 && c.seq <= c.total) {
            found.get_or_insert(c);
        }
        i += 2 + len;
    }
    Ok(found)
}

// ---------------------------------------------------------------------------
// Messages

/// What kind of PDU it is (TP-MTI, in the direction it is stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Received (SMS-DELIVER).
    Deliver,
    /// Stored to send or sent (SMS-SUBMIT).
    Submit,
}

/// One decoded PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub smsc: Option<Address>,
    pub kind: Kind,
    /// The sender of a received message, the recipient of one to send.
    pub addr: Address,
    /// The service centre time stamp (received messages with a valid one).
    pub time: Option<Timestamp>,
    pub pid: u8,
    pub dcs: u8,
    pub alphabet: Alphabet,
    pub concat: Option<Concat>,
    /// The user data after any header: septets (GSM 7-bit) or octets.
    pub body: Vec<u8>,
}

impl Sms {
    pub fn text(&self) -> String {
        text(self.alphabet, &self.body)
    }
}

/// The user data: `udl` counts septets (GSM 7-bit, header included) or octets.
fn user_data(
    rest: &[u8],
    udhi: bool,
    alphabet: Alphabet,
    udl: usize,
) -> R<(Option<Concat>, Vec<u8>)> {
    let gsm = alphabet == Alphabet::Gsm7;
    let octets = if gsm { (udl * 7).div_ceil(8) } else { udl };
    if udl > if gsm { GSM7_ONE } else { 140 } {
        return Err("user data length above the maximum");
    }
    if rest.len() < octets {
        return Err("user data shorter than its length says");
    }
    if rest.len() > octets {
        return Err("bytes after the user data");
    }
    let (concat, hlen) = if udhi {
        let hl = 1 + usize::from(*rest.first().ok_or("header flag set, no user data")?);
        if hl > octets {
            return Err("header longer than the user data");
        }
        (header(&rest[1..hl])?, hl)
    } else {
        (None, 0)
    };
    if gsm {
        let skip = gsm7::header_septets(hlen);
        if skip > udl {
            return Err("header longer than the user data");
        }
        let s = gsm7::unpack(rest, skip * 7, udl - skip).ok_or("user data cut short")?;
        Ok((concat, s))
    } else {
        Ok((concat, rest[hlen..].to_vec()))
    }
}

/// Decode a PDU as `+CMGL`/`+CMGR` print it: SMSC field, then an SMS-DELIVER
/// or SMS-SUBMIT TPDU. Status reports and other types are errors.
pub fn decode(pdu: &[u8]) -> Result<Sms> {
    decode_tpdu(pdu).map_err(bad)
}

fn decode_tpdu(pdu: &[u8]) -> R<Sms> {
    if pdu.len() > MAX_PDU {
        return Err("longer than any SMS");
    }
    let mut r = Reader { b: pdu };
    // The SMSC field: a length in octets (0: none), the type, the digits.
    let n = usize::from(r.byte("SMSC length cut short")?);
    if n > 11 {
        return Err("SMSC address longer than 20 digits");
    }
    let sc = r.take(n, "SMSC address cut short")?;
    let fo = r.byte("first octet cut short")?;
    let kind = match fo & 3 {
        0 => Kind::Deliver,
        1 => Kind::Submit,
        2 => return Err("a status report, not a message"),
        _ => return Err("reserved message type"),
    };
    if kind == Kind::Submit {
        r.byte("message reference cut short")?;
    }
    // The address: a length in semi-octets, the type, the digits.
    let an = usize::from(r.byte("address length cut short")?);
    if an > 20 {
        return Err("address longer than 20 digits");
    }
    let toa = r.byte("address type cut short")?;
    let ab = r.take(an.div_ceil(2), "address cut short")?;
    let pid = r.byte("protocol identifier cut short")?;
    let dcs = r.byte("data coding scheme cut short")?;
    let time = if kind == Kind::Deliver {
        Timestamp::parse(r.take(7, "time stamp cut short")?)
    } else {
        // Validity period: none, relative (1 octet), enhanced or absolute (7).
        let n = [0, 7, 1, 7][usize::from((fo >> 3) & 3)];
        r.take(n, "validity period cut short")?;
        None
    };
    let udl = usize::from(r.byte("user data length cut short")?);
    let alphabet = sms_alphabet(dcs);
    let (concat, body) = user_data(r.b, fo & 0x40 != 0, alphabet, udl)?;
    Ok(Sms {
        smsc: sc.split_first().map(|(&t, d)| number(t, d, 20)),
        kind,
        addr: address(toa, ab, an),
        time,
        pid,
        dcs,
        alphabet,
        concat,
        body,
    })
}

/// Octets of the TPDU (what `+CMGL`, `+CMGR` and `+CMGS` count): the PDU
/// without its SMSC field.
pub fn tpdu_len(pdu: &[u8]) -> usize {
    pdu.len()
        .saturating_sub(1 + usize::from(pdu.first().copied().unwrap_or(0)))
}

// ---------------------------------------------------------------------------
// Sending

/// One SMS-SUBMIT to hand to `AT+CMGS=<tpdu_len>`: hex with an empty SMSC
/// field (the modem uses the SIM's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub hex: String,
    pub tpdu_len: usize,
}

/// A destination number: digits with an optional leading + (international).
fn destination(number: &str) -> Result<(u8, &str)> {
    let (toa, ds) = match number.strip_prefix('+') {
        Some(d) => (0x91, d),
        None => (0x81, number),
    };
    if ds.is_empty() || ds.len() > 20 || !ds.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::new(
            "phone number: 1 to 20 digits, a leading + for international",
        ));
    }
    Ok((toa, ds))
}

/// SMS-SUBMIT PDUs for `text` to `number`: GSM 7-bit when every character is
/// in the default alphabet or its extension table, UCS2 otherwise; one PDU
/// when it fits, else concatenated parts under `reference` (8-bit IE) that
/// never split an escape pair or a surrogate pair.
pub fn submit(number: &str, text: &str, reference: u8) -> Result<Vec<Part>> {
    let (toa, ds) = destination(number)?;
    // The body in units: septets (GSM 7-bit) or UTF-16 units as two octets each.
    let (gsm, body) = match gsm7::encode(text) {
        Some(s) => (true, s),
        None => {
            let mut b = Vec::with_capacity(text.len() * 2);
            for u in text.encode_utf16() {
                b.extend_from_slice(&u.to_be_bytes());
            }
            (false, b)
        }
    };
    let w = if gsm { 1 } else { 2 };
    let n = body.len() / w;
    let (one, each) = if gsm {
        (GSM7_ONE, GSM7_PART)
    } else {
        (UCS2_ONE, UCS2_PART)
    };
    let limit = if n > one { each } else { one };
    // Where the part from `start` ends (in units): as far as the limit, less
    // one unit where that would cut an escape or a surrogate pair.
    let end_of = |start: usize| {
        let end = n.min(start + limit);
        let pair = match body.get((end.max(1) - 1) * w) {
            Some(&b) if gsm => b == gsm7::ESC,
            Some(&b) => b & 0xFC == 0xD8,
            None => false,
        };
        end - usize::from(end < n && end > start + 1 && pair)
    };
    let mut total = 0;
    let mut start = 0;
    loop {
        total += 1;
        start = end_of(start);
        if start >= n {
            break;
        }
    }
    if total > MAX_PARTS {
        return Err(crate::err!(
            "message too long: {total} parts, at most {MAX_PARTS}"
        ));
    }
    let mut da = Vec::with_capacity(10);
    for p in ds.as_bytes().chunks(2) {
        let hi = p.get(1).map_or(15, |d| d - b'0');
        da.push(hi << 4 | (p[0] - b'0'));
    }
    let multi = total > 1;
    let mut out = Vec::with_capacity(total);
    let mut start = 0;
    for i in 0..total {
        let end = end_of(start);
        let part = body.get(start * w..end * w).unwrap_or_default();
        start = end;
        // SMSC from the SIM, SMS-SUBMIT (+ header flag), reference 0 (the modem sets it).
        let mut v = vec![0x00, 0x01 | if multi { 0x40 } else { 0 }, 0x00];
        v.push(ds.len() as u8);
        v.push(toa);
        v.extend_from_slice(&da);
        v.push(0x00);
        v.push(if gsm { 0x00 } else { 0x08 });
        let udh = [0x05, 0x00, 0x03, reference, total as u8, (i + 1) as u8];
        let udh: &[u8] = if multi { &udh } else { &[] };
        if gsm {
            let skip = gsm7::header_septets(udh.len());
            v.push((skip + part.len()) as u8);
            v.extend_from_slice(udh);
            gsm7::pack(part, (skip * 7 - udh.len() * 8) as u32, &mut v);
        } else {
            v.push((udh.len() + part.len()) as u8);
            v.extend_from_slice(udh);
            v.extend_from_slice(part);
        }
        out.push(Part {
            tpdu_len: v.len() - 1,
            hex: hex(&v),
        });
    }
    Ok(out)
}
