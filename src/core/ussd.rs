//! USSD over AT (`+CUSD`, 3GPP TS 27.007 7.15), pure: the request command,
//! the answer parsed and its text decoded by the cell broadcast data coding
//! scheme (TS 23.038 5).
//!
//! Two ways a modem passes USSD strings: Huawei sticks want (and answer) the
//! string 7-bit packed as hex ("packed"); most others take and give plain text
//! in the TE character set. UCS2 answers come as hex either way.

use crate::core::gsm7;
use crate::core::pdu::{self, Alphabet};
use crate::core::sms::params;
use crate::{Error, Result};

/// Most septets a USSD string holds (160 octets packed).
pub const MAX_SEPTETS: usize = 182;
/// Data coding scheme of our requests: GSM 7-bit, language unspecified.
pub const DCS_GSM7: u8 = 0x0F;
/// Ends a USSD session (a menu left open).
pub const CANCEL: &str = "AT+CUSD=2";

/// The command that sends `code` (`*100#`, or the reply to a menu): a string
/// of the default alphabet, at most `MAX_SEPTETS` septets. In text mode it
/// must also be printable ASCII without `"` (it travels inside quotes).
pub fn request(code: &str, packed: bool) -> Result<String> {
    let sept = gsm7::encode(code)
        .filter(|s| !s.is_empty() && s.len() <= MAX_SEPTETS)
        .ok_or_else(|| Error::new("USSD code: 1 to 182 characters of the GSM alphabet"))?;
    let arg = if packed {
        pdu::hex(&gsm7::pack_ussd(&sept))
    } else {
        if !code.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"') {
            return Err(Error::new("USSD code: printable ASCII only, no quotes"));
        }
        code.to_string()
    };
    Ok(format!("AT+CUSD=1,\"{arg}\",{DCS_GSM7}"))
}

/// Alphabet of a cell broadcast (and USSD) data coding scheme, and the
/// octets of language indication in front of the text (0x10: two GSM
/// characters and a CR; 0x11: two GSM characters packed in two octets).
/// Reserved codings read as GSM 7-bit, as the spec asks.
pub fn cbs_alphabet(dcs: u8) -> (Alphabet, usize) {
    match dcs >> 4 {
        1 if dcs == 0x11 => (Alphabet::Ucs2, 2),
        1 if dcs == 0x10 => (Alphabet::Gsm7, 3),
        // General data coding (bit 5: compressed) and with a user data header.
        4..=7 if dcs & 0x20 != 0 => (Alphabet::Data, 0),
        4..=7 | 9 => (Alphabet::from_bits(dcs), 0),
        // WAP.
        0xE => (Alphabet::Data, 0),
        0xF if dcs & 4 != 0 => (Alphabet::Data, 0),
        _ => (Alphabet::Gsm7, 0),
    }
}

/// `<m>` of `+CUSD`, by name.
pub fn status_name(m: u8) -> &'static str {
    match m {
        0 => "done",
        1 => "reply needed",
        2 => "ended by the network",
        3 => "answered by another client",
        4 => "not supported",
        5 => "network timeout",
        _ => "unknown",
    }
}

/// A USSD answer: `<m>` and the decoded text, if it carried one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u8,
    pub text: Option<String>,
}

impl Answer {
    /// The network waits for a reply (a menu).
    pub fn open(&self) -> bool {
        self.status == 1
    }
}

/// `+CUSD: <m>[,<str>[,<dcs>]]` (text after the prefix). A missing `<dcs>`
/// reads as GSM 7-bit.
pub fn parse_cusd(s: &str, packed: bool) -> Option<Answer> {
    let mut p = params(s);
    let status = u8::try_from(crate::num::dec(p.next()?)?).ok()?;
    let t = p.next();
    let dcs = p
        .next()
        .and_then(|d| u8::try_from(crate::num::dec(d)?).ok())
        .unwrap_or(DCS_GSM7);
    let text = t.map(|t| decode(t, dcs, packed));
    Some(Answer { status, text })
}

/// The string of a `+CUSD` answer as text. Hex the alphabet calls for
/// (packed GSM 7-bit from a Huawei stick, UCS2, 8-bit data) is decoded; a
/// string that is not hex is taken as the text itself.
pub fn decode(s: &str, dcs: u8, packed: bool) -> String {
    let (alphabet, lang) = cbs_alphabet(dcs);
    let raw = pdu::unhex(s, 512).ok();
    match (alphabet, raw) {
        (Alphabet::Gsm7, Some(b)) if packed => {
            let sept = gsm7::unpack_ussd(&b);
            gsm7::decode(sept.get(lang..).unwrap_or_default())
        }
        (Alphabet::Ucs2, Some(b)) => pdu::text(Alphabet::Ucs2, b.get(lang..).unwrap_or_default()),
        (Alphabet::Data, Some(b)) => pdu::hex(&b),
        (Alphabet::Data, None) => pdu::hex(s.as_bytes()),
        _ => {
            // The text after its language characters (a slice, not a char walk).
            let mut c = s.chars();
            for _ in 0..lang {
                c.next();
            }
            c.as_str().to_string()
        }
    }
}
