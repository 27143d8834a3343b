//! Numbers to and from text without `str::parse`/`from_str_radix` (one copy per
//! integer type on mips, ~350-460 B each) or `write!` (a format call per site).
//!
//! `dec("42")`, `hex("12d1")`: digits only (no sign, no blanks, not empty), at most
//! u64; narrow with `u8::try_from(x).ok()` and the like. `push(&mut s, n)` appends.

/// Decimal digits to a number; None if empty, not all digits, or beyond u64.
pub fn dec(s: &str) -> Option<u64> {
    radix(s, 10)
}

/// Hex digits (either case) to a number; None if empty, not all hex, or beyond u64.
pub fn hex(s: &str) -> Option<u64> {
    radix(s, 16)
}

#[inline(never)]
fn radix(s: &str, r: u64) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        let d = (b as char).to_digit(r as u32)?;
        n = n.checked_mul(r)?.checked_add(d.into())?;
    }
    Some(n)
}

/// Append `n` in decimal.
#[inline(never)]
pub fn push(s: &mut String, mut n: u64) {
    let mut b = [0u8; 20];
    let mut i = b.len();
    loop {
        i -= 1;
        if let Some(d) = b.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    s.push_str(std::str::from_utf8(b.get(i..).unwrap_or(&[])).unwrap_or(""));
}

/// Append `n` in decimal, with its sign.
pub fn push_int(s: &mut String, n: i64) {
    if n < 0 {
        s.push('-');
    }
    push(s, n.unsigned_abs());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse() {
        assert_eq!(dec("0"), Some(0));
        assert_eq!(dec("18446744073709551615"), Some(u64::MAX));
        assert_eq!(dec("18446744073709551616"), None);
        for bad in ["", "+1", "-1", " 1", "1 ", "1a", "٣"] {
            assert_eq!(dec(bad), None, "{bad:?}");
        }
        assert_eq!(hex("12d1"), Some(0x12d1));
        assert_eq!(hex("FFFF"), Some(0xffff));
        assert_eq!(hex("ffffffffffffffff"), Some(u64::MAX));
        assert_eq!(hex("10000000000000000"), None);
        assert_eq!(hex("0x1"), None);
        assert_eq!(hex(""), None);
    }

    #[test]
    fn print() {
        let mut s = String::new();
        push(&mut s, 0);
        s.push(' ');
        push(&mut s, u64::MAX);
        s.push(' ');
        push_int(&mut s, i64::MIN);
        s.push(' ');
        push_int(&mut s, -7);
        assert_eq!(s, "0 18446744073709551615 -9223372036854775808 -7");
    }
}
