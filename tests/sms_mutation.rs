//! Deterministic mutation test of the SMS/USSD codec: real PDUs, listings and
//! USSD answers, damaged thousands of ways (flipped bits, lying length bytes,
//! cuts, repeats, splices, junk), go through the decoders. Nothing may panic,
//! what decodes stays within the sizes an SMS can have, a damaged entry of a
//! listing never takes its neighbours down, and joining never loses a part.

mod rng;

use rng::Rng;
use umodem::core::gsm7;
use umodem::core::pdu::{self, Kind};
use umodem::core::sms::{self, Item, Mem};
use umodem::core::ussd;

const PDUS: &[&str] = &[
    "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37",
    "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
    "0791227167830001040C912271271640910008906012024514001C002E004020AC00A300680065006C006C006F002000E900EC006B00F0",
    "07917283010010F5440B917126354798F60000425021410000231206080412340301D0B09C0E7ABBCB2C10",
    "07917283010010F5440B917126354798F60000425021410000230D050003A70301826C383A0C02",
    "07917283010010F5440B917126354798F60008425021410000230E050003420201004800690020D83D",
    "07917283010010F5040ED0D637396C7EBBCB0000425021410000230AE8329BFD4697D9EC37",
    "0001010B915121551532F40010104190991D9EA341EDF27C1E3E9743",
    // 8-bit data with a port element and a 16-bit concatenation element.
    "07917283010010F5440B917126354798F6000442502141000023120C05040B8423F00804ABCD02010102030405",
];

fn vectors() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = PDUS.iter().map(|h| pdu::unhex(h, 400).unwrap()).collect();
    // Our own SUBMITs: GSM with escapes, UCS2 with emoji, in parts.
    for t in ["{€} ".repeat(50), "Привет 👋 ".repeat(20)] {
        for p in pdu::submit("+4917012345678", &t, 77).unwrap() {
            v.push(pdu::unhex(&p.hex, 400).unwrap());
        }
    }
    for b in &v {
        pdu::decode(b).unwrap_or_else(|e| panic!("{}: {e}", pdu::hex(b)));
    }
    v
}

fn mutate(r: &mut Rng, src: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut v = src.to_vec();
    for _ in 0..1 + r.below(4) {
        let i = r.below(v.len() + 1);
        match r.below(8) {
            0 if !v.is_empty() => {
                let j = r.below(v.len());
                v[j] ^= 1 << r.below(8);
            }
            // A length byte that lies: any byte set to a boundary value.
            1 if !v.is_empty() => {
                let j = r.below(v.len());
                v[j] = [0, 1, 0x7F, 0x80, 0xA0, 0xA1, 0x8C, 0xFF][r.below(8)];
            }
            2 => v.truncate(i),
            3 if i < v.len() => {
                v.remove(i);
            }
            4 => {
                let seg = v[i..].to_vec();
                v.extend_from_slice(&seg);
            }
            5 => {
                let o = &others[r.below(others.len())];
                let k = r.below(o.len());
                v.splice(i..i, o[k..].iter().copied());
            }
            6 => v.insert(i, r.next() as u8),
            _ => {
                let n = r.below(300);
                let junk: Vec<u8> = (0..n).map(|_| r.next() as u8).collect();
                v.splice(i..i, junk);
            }
        }
    }
    v
}

fn check_bounds(s: &pdu::Sms) {
    let limit = if s.alphabet == pdu::Alphabet::Gsm7 {
        160
    } else {
        140
    };
    assert!(s.body.len() <= limit);
    assert!(s.addr.text.chars().count() <= 21);
    assert!(s.smsc.as_ref().is_none_or(|a| a.text.len() <= 21));
    // Text is at most one char per septet or octet, hex two per octet.
    assert!(s.text().chars().count() <= 2 * s.body.len());
}

#[test]
fn damaged_pdus_never_panic() {
    let v = vectors();
    let mut r = Rng(0x5_5eed_0016);
    let (mut ok, mut bad) = (0, 0);
    for round in 0..30_000 {
        let src = &v[round % v.len()];
        let m = mutate(&mut r, src, &v);
        match pdu::decode(&m) {
            Ok(s) => {
                ok += 1;
                check_bounds(&s);
                assert!(m.len() <= pdu::MAX_PDU);
            }
            Err(e) => {
                bad += 1;
                assert!(e.msg().starts_with("SMS PDU: "), "{e}");
            }
        }
        // The same bytes as hex text, damaged once more as text.
        let mut h = pdu::hex(&m).into_bytes();
        if !h.is_empty() && r.below(2) == 0 {
            let j = r.below(h.len());
            h[j] = b"0FgG \r\n\""[r.below(8)];
        }
        let h = String::from_utf8_lossy(&h);
        if let Ok(b) = pdu::unhex(&h, pdu::MAX_PDU) {
            if let Ok(s) = pdu::decode(&b) {
                check_bounds(&s);
            }
        }
    }
    // Both ways are exercised: the damage is not so heavy that nothing decodes,
    // and the checks do refuse.
    assert!(ok > 1500 && bad > 15_000, "ok {ok} bad {bad}");
}

#[test]
fn a_damaged_entry_never_takes_the_listing_down() {
    let v = vectors();
    let mut r = Rng(0xc391_0016);
    let clean: Vec<String> = v
        .iter()
        .enumerate()
        .flat_map(|(i, b)| [format!("+CMGL: {i},1,,{}", pdu::tpdu_len(b)), pdu::hex(b)])
        .collect();
    let want = sms::parse_cmgl(&clean);
    assert_eq!(want.len(), v.len());
    assert!(want.iter().all(|l| l.sms.is_ok()));
    for round in 0..3000 {
        let k = r.below(v.len());
        let mut lines = clean.clone();
        let m = mutate(
            &mut r,
            lines[2 * k + 1].as_bytes(),
            &[b"0123456789ABCDEF".to_vec()],
        );
        let line = String::from_utf8_lossy(&m).into_owned();
        // A PDU line that became a "+CMGL:" line splits an entry; otherwise
        // every other entry is exactly as before.
        if line.to_ascii_uppercase().starts_with("+CMGL:") {
            continue;
        }
        lines[2 * k + 1] = line;
        let got = sms::parse_cmgl(&lines);
        assert_eq!(got.len(), want.len(), "round {round}");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!((g.index, g.stat), (w.index, w.stat));
            if i != k {
                assert_eq!(g.sms, w.sms, "round {round}: entry {i} changed");
            } else if let Ok(s) = &g.sms {
                check_bounds(s);
            }
        }
    }
}

#[test]
fn joining_never_loses_a_part() {
    // Three concatenated messages (two share a reference and sender), in
    // random subsets, orders and repeats, with singles between them.
    let mut items = Vec::new();
    for (t, reference) in [
        ("A".repeat(400), 9u8),
        ("B".repeat(320), 9),
        ("Ж".repeat(150), 9),
    ] {
        for p in pdu::submit("+15550001", &t, reference).unwrap() {
            items.push(pdu::decode(&pdu::unhex(&p.hex, 400).unwrap()).unwrap());
        }
    }
    items.push(pdu::decode(&pdu::unhex(PDUS[0], 400).unwrap()).unwrap());
    let mut r = Rng(0x101e_0016);
    for round in 0..2000 {
        let n = r.below(24);
        let pick: Vec<Item> = (0..n)
            .map(|i| Item {
                mem: if r.below(2) == 0 {
                    Mem::Sim
                } else {
                    Mem::Modem
                },
                index: i as u16,
                stat: r.below(4) as u8,
                sms: items[r.below(items.len())].clone(),
            })
            .collect();
        let msgs = sms::join(pick.clone());
        let slots: usize = msgs.iter().map(|m| m.slots.len()).sum();
        assert_eq!(slots, n, "round {round}: parts lost or doubled");
        for m in &msgs {
            assert_eq!(
                m.slots.len() + m.missing.len(),
                usize::from(m.parts),
                "round {round}"
            );
            assert!(m.missing.iter().all(|&p| p >= 1 && p <= m.parts));
            assert_eq!(
                m.kind,
                pick.iter()
                    .find(|i| (i.mem, i.index) == m.slots[0])
                    .unwrap()
                    .sms
                    .kind
            );
        }
        assert!(msgs
            .iter()
            .all(|m| m.kind == Kind::Submit || m.text == "hellohello"));
    }
}

#[test]
fn damaged_ussd_answers_never_panic() {
    let answers: &[&[u8]] = &[
        b" 0,\"D9775D0E1287D961F7B80C4ACF413199AB060315AB5217C81A66A7C9A0BA9B9E66836631574CE602\",15",
        b"1,\"311748186687DDE372432173819E6673593E6F28662E50119FA603\",15",
        b"0,\"041F044004380432043504420020D83DDC4B\",72",
        b"0,\"653700480069\",17",
        b" 2",
        b"4",
    ];
    let others: Vec<Vec<u8>> = answers.iter().map(|a| a.to_vec()).collect();
    let mut r = Rng(0x0055_d016);
    for round in 0..10_000 {
        let m = mutate(&mut r, answers[round % answers.len()], &others);
        let s = String::from_utf8_lossy(&m);
        for packed in [true, false] {
            if let Some(a) = ussd::parse_cusd(&s, packed) {
                // Never longer than what came in (hex of 8-bit data: twice).
                assert!(a.text.is_none_or(|t| t.chars().count() <= 2 * s.len()));
            }
        }
        // USSD unpacking of any bytes.
        let sept = gsm7::unpack_ussd(&m);
        assert!(sept.len() <= m.len() * 8 / 7);
    }
}

#[test]
fn ucs2_decoding_agrees_with_std() {
    // Units drawn mostly from around the surrogate ranges: pairs, lone highs,
    // lone lows, swapped pairs, at the end and in the middle.
    let mut r = Rng(0x00c5_2016);
    let picks = [
        0x0041u16, 0x0416, 0xD83D, 0xDC4B, 0xDBFF, 0xDFFF, 0xD800, 0xDC00, 0xFFFD, 0xE000,
    ];
    for _ in 0..20_000 {
        let n = r.below(12);
        let units: Vec<u16> = (0..n)
            .map(|_| {
                if r.below(4) == 0 {
                    r.next() as u16
                } else {
                    picks[r.below(picks.len())]
                }
            })
            .collect();
        let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(
            pdu::text(pdu::Alphabet::Ucs2, &bytes),
            String::from_utf16_lossy(&units),
            "{units:04x?}"
        );
        // An odd last octet adds one replacement character.
        let mut odd = bytes.clone();
        odd.push(0x41);
        assert_eq!(
            pdu::text(pdu::Alphabet::Ucs2, &odd),
            String::from_utf16_lossy(&units) + "\u{FFFD}"
        );
    }
}
