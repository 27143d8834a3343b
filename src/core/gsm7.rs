//! The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038
//! 6.2.1), and septet packing (TS 23.038 6.1.2.1): the text of SMS and USSD.
//!
//! Pure and total: any septets decode to some text, any text either encodes
//! or says it cannot. The tables are plain data (256 + 20 bytes).

/// Escape to the extension table.
pub const ESC: u8 = 0x1B;

/// Default alphabet, code -> Unicode (all in the BMP). 0x1B is the escape and
/// is never looked up here (its slot holds U+FFFF so that no text maps to it).
#[rustfmt::skip]
const BASIC: [u16; 128] = [
    0x40, 0xA3, 0x24, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, 0x0A, 0xD8, 0xF8, 0x0D, 0xC5, 0xE5,
    0x394, 0x5F, 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, 0xFFFF, 0xC6, 0xE6, 0xDF, 0xC9,
    0x20, 0x21, 0x22, 0x23, 0xA4, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
    0xA1, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0xC4, 0xD6, 0xD1, 0xDC, 0xA7,
    0xBF, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0xE4, 0xF6, 0xF1, 0xFC, 0xE0,
];

/// Extension table: code after ESC -> Unicode. Form feed, ^ { } \ [ ~ ] | and the euro sign.
const EXT: [(u8, u16); 10] = [
    (0x0A, 0x0C),
    (0x14, 0x5E),
    (0x28, 0x7B),
    (0x29, 0x7D),
    (0x2F, 0x5C),
    (0x3C, 0x5B),
    (0x3D, 0x7E),
    (0x3E, 0x5D),
    (0x40, 0x7C),
    (0x65, 0x20AC),
];

fn basic(code: u8) -> char {
    char::from_u32(u32::from(BASIC[usize::from(code & 0x7F)])).unwrap_or(' ')
}

/// Septets (values 0..=127; higher bits ignored) to text. An escape followed by
/// a code the extension table lacks shows that code from the default alphabet;
/// ESC ESC (reserved for a further table) and a trailing ESC show a space,
/// as TS 23.038 asks of a receiver.
pub fn decode(septets: &[u8]) -> String {
    let mut s = String::with_capacity(septets.len());
    let mut it = septets.iter().map(|&b| b & 0x7F);
    while let Some(c) = it.next() {
        if c != ESC {
            s.push(basic(c));
            continue;
        }
        match it.next() {
            None | Some(ESC) => s.push(' '),
            Some(e) => match EXT.iter().find(|&&(k, _)| k == e) {
                Some(&(_, u)) => s.push(char::from_u32(u32::from(u)).unwrap_or(' ')),
                None => s.push(basic(e)),
            },
        }
    }
    s
}

/// The septets of one character: one code, or ESC and a code. None if the
/// alphabet has no such character.
pub fn encode_char(c: char) -> Option<(u8, Option<u8>)> {
    let u = u32::from(c);
    if u > 0xFFFF {
        return None;
    }
    let u = u as u16;
    if let Some(i) = BASIC.iter().position(|&b| b == u) {
        if i != usize::from(ESC) {
            return Some((i as u8, None));
        }
    }
    EXT.iter()
        .find(|&&(_, x)| x == u)
        .map(|&(k, _)| (ESC, Some(k)))
}

/// Text to septets (escape pairs included), or None if any character is not
/// in the default alphabet or its extension table.
pub fn encode(text: &str) -> Option<Vec<u8>> {
    let mut v = Vec::with_capacity(text.len());
    for c in text.chars() {
        let (a, b) = encode_char(c)?;
        v.push(a);
        if let Some(b) = b {
            v.push(b);
        }
    }
    Some(v)
}

/// Pack septets into octets, least significant bit first, after `fill` zero
/// bits (0..=6: the fill that aligns text after a user data header).
pub fn pack(septets: &[u8], fill: u32, out: &mut Vec<u8>) {
    let mut acc: u32 = 0;
    let mut bits = fill % 8;
    for &s in septets {
        acc |= u32::from(s & 0x7F) << bits;
        bits += 7;
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        out.push(acc as u8);
    }
}

/// `count` septets from `octets`, the first starting `skip` bits in. None if
/// the octets are too few to hold them.
pub fn unpack(octets: &[u8], skip: usize, count: usize) -> Option<Vec<u8>> {
    let need = skip.checked_add(count.checked_mul(7)?)?;
    if need > octets.len().checked_mul(8)? {
        return None;
    }
    let mut v = Vec::with_capacity(count);
    for i in 0..count {
        let bit = skip + i * 7;
        let lo = u16::from(octets[bit / 8]);
        let hi = u16::from(octets.get(bit / 8 + 1).copied().unwrap_or(0));
        v.push((((hi << 8 | lo) >> (bit % 8)) & 0x7F) as u8);
    }
    Some(v)
}

/// Septets a user data header of `octets` octets occupies (with its fill bits).
pub fn header_septets(octets: usize) -> usize {
    (octets * 8).div_ceil(7)
}

/// Pack text the way USSD strings travel (TS 23.038 6.1.2.3.1): when the last
/// octet would end in 7 spare bits, they hold a CR rather than zeros (which
/// read as '@'); a text whose own last CR ends on an octet boundary gets one
/// more CR. Unpack with `unpack_ussd`.
pub fn pack_ussd(septets: &[u8]) -> Vec<u8> {
    let mut v = septets.to_vec();
    if v.len() % 8 == 7 || (v.len().is_multiple_of(8) && v.last() == Some(&0x0D)) {
        v.push(0x0D);
    }
    let mut out = Vec::with_capacity(v.len() * 7 / 8 + 1);
    pack(&v, 0, &mut out);
    out
}

/// Septets of a packed USSD string: as many as the octets hold, less a final
/// CR where it ends on an octet boundary (the padding of `pack_ussd`).
pub fn unpack_ussd(octets: &[u8]) -> Vec<u8> {
    let n = octets.len() * 8 / 7;
    let mut v = unpack(octets, 0, n).unwrap_or_default();
    if n.is_multiple_of(8) && v.last() == Some(&0x0D) {
        v.pop();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_128_distinct_characters() {
        for (i, &a) in BASIC.iter().enumerate() {
            for &b in &BASIC[i + 1..] {
                assert_ne!(a, b, "duplicate at {i}");
            }
        }
    }

    #[test]
    fn pack_fills_after_header() {
        // One septet after 6 header octets: 1 fill bit, then the septet.
        let mut v = vec![];
        pack(&[0x7F], 1, &mut v);
        assert_eq!(v, [0xFE]);
        assert_eq!(header_septets(6), 7);
        assert_eq!(header_septets(7), 8);
    }
}
