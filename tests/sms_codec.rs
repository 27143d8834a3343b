//! The SMS and USSD codec (src/core/{gsm7,pdu,sms,ussd}.rs) against worked
//! examples, PDUs built independently for each alphabet (the hex below was
//! packed by a separate script, not by this code), concatenation, the escape
//! table, every GSM 7-bit character, and hostile PDUs.

use umodem::core::gsm7;
use umodem::core::pdu::{self, Alphabet, Kind, Sms};
use umodem::core::sms::{self, Item, Mem};
use umodem::core::ussd;

fn dec(h: &str) -> Sms {
    pdu::decode(&pdu::unhex(h, 400).unwrap()).unwrap()
}

fn err(h: &str) -> String {
    match pdu::unhex(h, 400).and_then(|b| pdu::decode(&b)) {
        Ok(s) => panic!("{h} decoded: {s:?}"),
        Err(e) => e.to_string(),
    }
}

/// Independent packer for the tests (bit by bit, not the codec's).
fn pack_ref(septets: &[u8], fill: usize) -> Vec<u8> {
    let mut bits: Vec<bool> = vec![false; fill];
    for s in septets {
        bits.extend((0..7).map(|i| s >> i & 1 == 1));
    }
    bits.chunks(8)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |a, (i, &b)| a | (u8::from(b) << i))
        })
        .collect()
}

// The classic SMS-DELIVER example: SMSC +27381000015, sender 27838890001
// (subscriber number, national plan), 1999-03-29 15:16:59 at +2h, "hellohello".
const DELIVER: &str = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37";

#[test]
fn deliver_worked_example() {
    let s = dec(DELIVER);
    assert_eq!(s.kind, Kind::Deliver);
    let smsc = s.smsc.as_ref().unwrap();
    assert_eq!(
        (smsc.text.as_str(), smsc.kind()),
        ("+27381000015", "international")
    );
    assert_eq!(
        (s.addr.text.as_str(), s.addr.kind()),
        ("27838890001", "subscriber")
    );
    assert_eq!(s.time.unwrap().iso(), "1999-03-29T15:16:59+02:00");
    assert_eq!((s.alphabet, s.concat), (Alphabet::Gsm7, None));
    assert_eq!(s.text(), "hellohello");
    assert_eq!(pdu::tpdu_len(&pdu::unhex(DELIVER, 400).unwrap()), 28);
}

// The matching SMS-SUBMIT example: no SMSC, to +46708251358, relative
// validity 0xAA (4 days), "hellohello".
#[test]
fn submit_worked_example() {
    let s = dec("0011000B916407281553F80000AA0AE8329BFD4697D9EC37");
    assert_eq!((s.kind, s.smsc.clone()), (Kind::Submit, None));
    assert_eq!(s.addr.text, "+46708251358");
    assert_eq!(s.text(), "hellohello");
    // Ours: same, without a validity period (the network's default applies).
    let p = pdu::submit("+46708251358", "hellohello", 0).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].hex, "0001000B916407281553F800000AE8329BFD4697D9EC37");
    assert_eq!(p[0].tpdu_len, 22);
    let again = dec(&p[0].hex);
    assert_eq!((&again.addr, again.text()), (&s.addr, s.text()));
}

/// More PDUs published with SMS tools (bytes only; the expected values were
/// worked out by hand from TS 23.040): UCS2 with the euro sign, a plain
/// DELIVER at +1h, a SUBMIT, and a flash (class 0) SUBMIT.
#[test]
fn published_vectors() {
    let s = dec("0791227167830001040C912271271640910008906012024514001C002E004020AC00A300680065006C006C006F002000E900EC006B00F0");
    assert_eq!(s.smsc.as_ref().unwrap().text, "+221776380010");
    assert_eq!(s.addr.text, "+221772610419");
    assert_eq!(
        (s.alphabet, s.text().as_str()),
        (Alphabet::Ucs2, ".@€£hello éìkð")
    );
    assert_eq!(s.time.unwrap().iso(), "2009-06-21T20:54:41+00:00");

    let s = dec("0791448720900253040C914497035290960000500151614414400DD4F29C9E769F41E17338ED06");
    assert_eq!(
        (s.addr.text.as_str(), s.text().as_str()),
        ("+447930250969", "Testing again")
    );
    assert_eq!(s.time.unwrap().iso(), "2005-10-15T16:44:41+01:00");

    let s = dec("0001000B915121551532F400000CC8F79D9C07E54F61363B04");
    assert_eq!(
        (s.kind, s.addr.text.as_str(), s.text().as_str()),
        (Kind::Submit, "+15125551234", "Howdy y'all!")
    );

    let s = dec("0001010B915121551532F40010104190991D9EA341EDF27C1E3E9743");
    assert_eq!(
        (pdu::sms_class(s.dcs), s.text().as_str()),
        (Some(0), "A flash message!")
    );
    // Ours for the same text and number equals it but for the reference and the class.
    let ours = pdu::submit("+15125551234", "Howdy y'all!", 0).unwrap();
    assert_eq!(
        ours[0].hex,
        "0001000B915121551532F400000CC8F79D9C07E54F61363B04"
    );
}

#[test]
fn submit_national_and_short_numbers() {
    let p = pdu::submit("8080", "Hi", 0).unwrap();
    let s = dec(&p[0].hex);
    assert_eq!((s.addr.toa, s.addr.text.as_str()), (0x81, "8080"));
    let p = pdu::submit("01701234567", "x", 0).unwrap();
    assert_eq!(dec(&p[0].hex).addr.text, "01701234567");
    for bad in ["", "+", "+49 170", "12a", "123456789012345678901", "*100#"] {
        let e = pdu::submit(bad, "x", 0).unwrap_err();
        assert!(e.msg().contains("phone number"), "{bad}: {e}");
        // The number is not echoed in the error (it is private).
        assert!(bad.len() < 3 || !e.msg().contains(bad), "{bad}: {e}");
    }
}

#[test]
fn septet_packing_matches_the_reference_at_every_fill() {
    let text: Vec<u8> = (0..40u32).map(|i| ((i * 37 + 11) & 0x7F) as u8).collect();
    for fill in 0..7 {
        for n in 0..text.len() {
            let mut v = Vec::new();
            gsm7::pack(&text[..n], fill as u32, &mut v);
            assert_eq!(v, pack_ref(&text[..n], fill), "fill {fill} n {n}");
            assert_eq!(gsm7::unpack(&v, fill, n).unwrap(), &text[..n]);
        }
    }
    assert_eq!(pdu::hex(&pack_ref(b"hellohello", 0)), "E8329BFD4697D9EC37");
}

/// Every character of the default alphabet and the extension table, alone and
/// at every bit alignment, in one message and across a part boundary.
#[test]
fn every_gsm7_character_round_trips() {
    let mut all = String::new();
    for code in 0..128u8 {
        if code == gsm7::ESC {
            continue;
        }
        let c = gsm7::decode(&[code]);
        assert_eq!(c.chars().count(), 1, "code {code:#x}");
        assert_eq!(gsm7::encode(&c), Some(vec![code]), "{c:?}");
        all.push_str(&c);
    }
    let ext = "\u{c}^{}\\[~]|€";
    for c in ext.chars() {
        let s = gsm7::encode(&c.to_string()).unwrap();
        assert_eq!((s.len(), s[0]), (2, gsm7::ESC), "{c:?}");
        assert_eq!(gsm7::decode(&s), c.to_string());
        all.push(c);
    }
    assert_eq!(all.chars().count(), 127 + 10);
    for lead in 0..8 {
        let t = format!("{}{all}", "x".repeat(lead));
        let p = pdu::submit("+1555", &t, 9).unwrap();
        assert_eq!(p.len(), 1, "137 characters, 147 septets: one part");
        let s = dec(&p[0].hex);
        assert_eq!((s.alphabet, s.dcs), (Alphabet::Gsm7, 0));
        assert_eq!(s.text(), t);
    }
    // Across parts: every character lands at some alignment after the header's fill bit.
    let t = all.repeat(3);
    let parts = pdu::submit("+1555", &t, 200).unwrap();
    let items: Vec<Item> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| Item {
            mem: Mem::Modem,
            index: i as u16,
            stat: 3,
            sms: dec(&p.hex),
        })
        .collect();
    let m = sms::join(items);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].text, t);
    assert!(m[0].missing.is_empty());
}

#[test]
fn escape_table_decoding_rules() {
    // ESC + a code without an extension: the default alphabet's character.
    assert_eq!(gsm7::decode(&[0x1B, 0x41]), "A");
    // ESC ESC and a trailing ESC: a space.
    assert_eq!(gsm7::decode(&[0x1B, 0x1B, 0x41]), " A");
    assert_eq!(gsm7::decode(&[0x41, 0x1B]), "A ");
    assert_eq!(gsm7::decode(&[0x1B, 0x65, 0x31, 0x30]), "€10");
    // Characters outside both tables: UCS2.
    assert_eq!(gsm7::encode("`"), None);
    assert_eq!(gsm7::encode("ç"), None);
    assert_eq!(gsm7::encode("Ç"), Some(vec![0x09]));
}

#[test]
fn alphabet_choice_and_ucs2() {
    let t = "Привет 👋";
    let p = pdu::submit("+79001234567", t, 0).unwrap();
    let s = dec(&p[0].hex);
    assert_eq!((s.alphabet, s.dcs), (Alphabet::Ucs2, 8));
    assert_eq!(
        s.body,
        pdu::unhex("041F044004380432043504420020D83DDC4B", 99).unwrap()
    );
    assert_eq!(s.text(), t);
    // One character outside GSM makes all of it UCS2.
    let s = dec(&pdu::submit("+1", "price 10€ `ok`", 0).unwrap()[0].hex);
    assert_eq!(
        (s.alphabet, s.text().as_str()),
        (Alphabet::Ucs2, "price 10€ `ok`")
    );
    // Lone surrogates and an odd last octet show U+FFFD.
    assert_eq!(
        pdu::text(Alphabet::Ucs2, &[0xD8, 0x3D, 0x00, 0x41]),
        "\u{FFFD}A"
    );
    assert_eq!(pdu::text(Alphabet::Ucs2, &[0x00, 0x41, 0x00]), "A\u{FFFD}");
}

#[test]
fn split_limits_and_boundaries() {
    let cases: &[(String, usize)] = &[
        ("a".repeat(160), 1),
        ("a".repeat(161), 2),
        ("a".repeat(306), 2),
        ("a".repeat(307), 3),
        ("€".repeat(80), 1),
        ("€".repeat(81), 2),
        ("ж".repeat(70), 1),
        ("ж".repeat(71), 2),
        ("ж".repeat(134), 2),
        ("ж".repeat(135), 3),
        ("👋".repeat(35), 1),
        ("👋".repeat(36), 2),
        (String::new(), 1),
    ];
    for (t, n) in cases {
        let p = pdu::submit("+1", t, 1).unwrap();
        assert_eq!(
            p.len(),
            *n,
            "{} chars of {:?}",
            t.chars().count(),
            t.chars().next()
        );
        for (i, part) in p.iter().enumerate() {
            let b = pdu::unhex(&part.hex, 400).unwrap();
            assert_eq!(part.tpdu_len, b.len() - 1);
            assert!(part.tpdu_len <= 164);
            let s = pdu::decode(&b).unwrap();
            if *n > 1 {
                let c = s.concat.unwrap();
                assert_eq!((c.reference, c.total, c.seq), (1, *n as u8, i as u8 + 1));
            }
        }
    }
    // An escape pair is never cut: 152 septets and a euro sign make a part of
    // 152 and a part that starts with the euro sign.
    let t = format!("{}€x", "a".repeat(152)) + &"b".repeat(100);
    let p = pdu::submit("+1", &t, 5).unwrap();
    let s1 = dec(&p[0].hex);
    let s2 = dec(&p[1].hex);
    assert_eq!(s1.body.len(), 152);
    assert!(s2.text().starts_with("€x"));
    // A surrogate pair is never cut: 66 units and an emoji.
    let t = format!("{}👋", "ж".repeat(66)) + &"ж".repeat(5);
    let p = pdu::submit("+1", &t, 5).unwrap();
    assert_eq!(dec(&p[0].hex).text(), "ж".repeat(66));
    assert_eq!(dec(&p[1].hex).text(), "👋жжжжж");
    // Too long for 255 parts.
    let e = pdu::submit("+1", &"a".repeat(153 * 255 + 1), 0).unwrap_err();
    assert!(e.msg().contains("256 parts"), "{e}");
    assert_eq!(
        pdu::submit("+1", &"a".repeat(153 * 255), 0).unwrap().len(),
        255
    );
}

// Three parts under a 16-bit reference (IEI 08), GSM 7-bit with a 7-octet
// header (no fill bits), stored out of order.
const C16: [&str; 3] = [
    "07917283010010F5440B917126354798F60000425021410000231206080412340301D0B09C0E7ABBCB2C10",
    "07917283010010F5440B917126354798F60000425021410000231206080412340302F0B09C0EA2DFDF2C10",
    "07917283010010F5440B917126354798F60000425021410000231306080412340303F0B09C0EA2A3E5E5B20B",
];
// Three parts under an 8-bit reference (IEI 00), one fill bit after the header.
const C8: [&str; 3] = [
    "07917283010010F5440B917126354798F60000425021410000230D050003A70301826C383A0C02",
    "07917283010010F5440B917126354798F60000425021410000230C050003A7030284657A1804",
    "07917283010010F5440B917126354798F60000425021410000230C050003A703038EE1763B0C",
];
// UCS2 in two parts, the emoji's surrogate pair cut between them.
const U2: [&str; 2] = [
    "07917283010010F5440B917126354798F60008425021410000230E050003420201004800690020D83D",
    "07917283010010F5440B917126354798F600084250214100002308050003420202DC4B",
];

fn item(index: u16, h: &str) -> Item {
    Item {
        mem: if index < 100 { Mem::Sim } else { Mem::Modem },
        index,
        stat: 1,
        sms: dec(h),
    }
}

#[test]
fn concatenated_parts_join_in_part_order() {
    let c = dec(C16[1]).concat.unwrap();
    assert_eq!((c.reference, c.total, c.seq), (0x1234, 3, 2));
    let c = dec(C8[2]).concat.unwrap();
    assert_eq!((c.reference, c.total, c.seq), (0xA7, 3, 3));
    assert_eq!(dec(C8[0]).time.unwrap().iso(), "2024-05-12T14:00:00+08:00");

    // Arrival order 3, 1, 2 across SIM and modem storage, mixed with the other messages.
    let items = vec![
        item(0, C16[2]),
        item(1, C8[1]),
        item(2, DELIVER),
        item(100, C16[0]),
        item(3, U2[1]),
        item(101, C8[2]),
        item(4, C16[1]),
        item(5, C8[0]),
        item(6, U2[0]),
    ];
    let m = sms::join(items);
    let texts: Vec<&str> = m.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Part one, part two, part three.",
            "Alpha Beta Gamma",
            "hellohello",
            "Hi 👋"
        ]
    );
    assert_eq!(
        m[0].slots,
        [(Mem::Modem, 100), (Mem::Sim, 4), (Mem::Sim, 0)]
    );
    assert_eq!((m[0].parts, m[2].parts), (3, 1));
    assert_eq!(m[0].addr.text, "+17625374896");
    assert!(m.iter().all(|m| m.missing.is_empty()));
}

#[test]
fn missing_parts_and_reused_references() {
    // Part 2 not (yet) there: the rest is shown and the gap named.
    let m = sms::join(vec![item(0, C8[2]), item(1, C8[0])]);
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0].text.as_str(), m[0].missing.as_slice()),
        ("Alpha Gamma", &[2u8][..])
    );
    // The same reference again (it wraps at 256): two messages, not one with doubled parts.
    let m = sms::join(vec![
        item(0, C8[0]),
        item(1, C8[1]),
        item(2, C8[0]),
        item(3, C8[2]),
        item(4, C8[1]),
    ]);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].text, "Alpha Beta Gamma");
    assert_eq!(
        (m[1].text.as_str(), m[1].missing.as_slice()),
        ("Alpha Beta ", &[3u8][..])
    );
    // A lone half of the surrogate pair reads as U+FFFD, not as garbage.
    let m = sms::join(vec![item(0, U2[0])]);
    assert_eq!(m[0].text, "Hi \u{FFFD}");
    // Unread if any part is unread.
    let mut a = item(0, C8[0]);
    a.stat = 0;
    let m = sms::join(vec![item(1, C8[1]), a, item(2, C8[2])]);
    assert_eq!(m[0].stat, 0);
}

#[test]
fn concatenation_element_rules() {
    // Part 0 or a part above the total: the element is ignored, the text kept.
    for (total, seq) in [(3, 0), (3, 4), (0, 0)] {
        let h = format!("07917283010010F5440B917126354798F6000042502141000023 0D050003A7{total:02X}{seq:02X}826C383A0C02").replace(' ', "");
        let s = dec(&h);
        assert_eq!((s.concat, s.text().as_str()), (None, "Alpha "));
    }
    // Other elements (here a port address, IEI 05) are skipped.
    let ud = "0B05040B8423F0000303020241";
    let s = dec(&format!(
        "07917283010010F5440B917126354798F6000442502141000023{:02X}{ud}",
        ud.len() / 2
    ));
    assert_eq!(s.alphabet, Alphabet::Data);
    assert_eq!(s.concat.map(|c| (c.reference, c.seq)), Some((3, 2)));
    assert_eq!(s.text(), "41");
}

#[test]
fn addresses_and_time_zones() {
    // Alphanumeric sender (type D0): 8 characters in 14 semi-octets.
    let s = dec("07917283010010F5040ED0D637396C7EBBCB0000425021410000230AE8329BFD4697D9EC37");
    assert_eq!(
        (s.addr.text.as_str(), s.addr.kind()),
        ("Vodafone", "alphanumeric")
    );
    // National number (type A1).
    let s = dec("0004 0AA1 1007214365 0000 42502141000023 01 31"
        .replace(' ', "")
        .as_str());
    assert_eq!(
        (s.addr.text.as_str(), s.addr.kind(), s.smsc.clone()),
        ("0170123456", "national", None)
    );
    assert_eq!(s.text(), "1");
    // Zones: the sign bit, and quarter hours.
    let zone = |z: &str| {
        let h = format!("000403810021000042502141000{z}0131");
        dec(&h).time.map(|t| t.iso())
    };
    assert_eq!(zone("00A").as_deref(), Some("2024-05-12T14:00:00-05:00")); // -20 quarters
    assert_eq!(zone("032").as_deref(), Some("2024-05-12T14:00:00+05:45")); // +23
    assert_eq!(zone("009").as_deref(), Some("2024-05-12T14:00:00-02:30")); // -10
                                                                           // A time stamp that is not a date: the message is kept, without a time.
    let s = dec("0004038100210000FF502141000023 0131"
        .replace(' ', "")
        .as_str());
    assert_eq!((s.time, s.text().as_str()), (None, "1"));
    let s = dec("0004038100210000429921410000230131");
    assert_eq!(s.time, None); // month 99
}

#[test]
fn data_coding_schemes() {
    use pdu::{sms_alphabet as a, sms_class};
    assert_eq!(
        [a(0x00), a(0x04), a(0x08), a(0x0C)],
        [
            Alphabet::Gsm7,
            Alphabet::Data,
            Alphabet::Ucs2,
            Alphabet::Gsm7
        ]
    );
    assert_eq!(
        [a(0x10), a(0x18), a(0x24), a(0x48)],
        [
            Alphabet::Gsm7,
            Alphabet::Ucs2,
            Alphabet::Data,
            Alphabet::Ucs2
        ]
    );
    assert_eq!(
        [a(0xC0), a(0xD8), a(0xE0), a(0xF0), a(0xF4), a(0x90)],
        [
            Alphabet::Gsm7,
            Alphabet::Gsm7,
            Alphabet::Ucs2,
            Alphabet::Gsm7,
            Alphabet::Data,
            Alphabet::Gsm7
        ]
    );
    assert_eq!(
        [
            sms_class(0x10),
            sms_class(0x00),
            sms_class(0xF1),
            sms_class(0x1A)
        ],
        [Some(0), None, Some(1), Some(2)]
    );
    // 8-bit data is shown as hex.
    let s = dec("000403810021000442502141000023 03 00FF7F"
        .replace(' ', "")
        .as_str());
    assert_eq!((s.alphabet, s.text().as_str()), (Alphabet::Data, "00FF7F"));
}

#[test]
fn hostile_pdus_are_errors() {
    let cases = [
        ("0", "odd"),
        ("0G", "not hex"),
        ("", "cut short"),
        ("FF", "SMSC address longer"),
        ("0C91", "SMSC address longer"),
        ("0591", "SMSC address cut short"),
        ("0004", "address length cut short"),
        ("000415", "address longer than 20"),
        ("00040B91", "address cut short"),
        ("0006", "status report"),
        ("0003", "reserved"),
        ("0004038100210000425021410000", "time stamp cut short"),
        (
            "00040381002100004250214100002305E8329BFD",
            "shorter than its length",
        ),
        (
            "00040381002100004250214100002303E832FFFF",
            "after the user data",
        ),
        ("000403810021000842502141000023FF", "above the maximum"),
        ("000403810021000042502141000023A1", "above the maximum"),
        (
            "004403810021000042502141000023 00".replace(' ', "").leak(),
            "no user data",
        ),
        (
            "004403810021000842502141000023 03 020504"
                .replace(' ', "")
                .leak(),
            "longer than the header",
        ),
        (
            "004403810021000842502141000023 02 05FF"
                .replace(' ', "")
                .leak(),
            "longer than the user data",
        ),
        (
            "004403810021000042502141000023 01 00"
                .replace(' ', "")
                .leak(),
            "header longer than the user data",
        ),
        (
            "004403810021000842502141000023 02 0100"
                .replace(' ', "")
                .leak(),
            "header element cut short",
        ),
        ("001100038100210000", "validity period cut short"),
        ("000100", "address length cut short"),
    ];
    for (h, want) in cases {
        let e = err(h);
        assert!(e.contains(want), "{h}: {e} (wanted {want})");
    }
    // Every cut of valid PDUs is an error; none panics.
    for v in [DELIVER, C16[2], U2[0]] {
        let b = pdu::unhex(v, 400).unwrap();
        for n in 0..b.len() {
            assert!(pdu::decode(&b[..n]).is_err(), "{v} cut at {n}");
        }
    }
    assert!(pdu::decode(&[0u8; 177])
        .unwrap_err()
        .msg()
        .contains("longer than any SMS"));
    assert!(pdu::unhex(&"00".repeat(177), pdu::MAX_PDU).is_err());
}

#[test]
fn cmgl_and_cmgr_answers() {
    let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let lines = l(&[
        "+CMGL: 0,1,,28",
        DELIVER,
        "+CMGL: 3,0,,40",
        C8[0],
        "+CMGL: 4,1,,29",
        DELIVER,
        "+CMGL: 5,1,,28",
        "+CMGL: x,1,,28",
        DELIVER,
        "+CMGL: 7,3,\"Bob\",22",
        "0001000B916407281553F800000AE8329BFD4697D9EC37",
        "+CMGL: 9,1,,28",
    ]);
    let v = sms::parse_cmgl(&lines);
    let got: Vec<(u16, u8, bool)> = v.iter().map(|x| (x.index, x.stat, x.sms.is_ok())).collect();
    assert_eq!(
        got,
        [
            (0, 1, true),
            (3, 0, false),
            (4, 1, false),
            (5, 1, false),
            (7, 3, true),
            (9, 1, false)
        ]
    );
    // C8[0]'s TPDU is 31 octets, not 40: the lying length is named.
    assert!(v[1]
        .sms
        .as_ref()
        .unwrap_err()
        .msg()
        .contains("31 octets, the modem said 40"));
    assert_eq!(v[4].sms.as_ref().unwrap().kind, Kind::Submit);
    assert_eq!(sms::stat_name(v[4].stat), "sent");

    let (stat, s) = sms::parse_cmgr(&l(&["+CMGR: 0,,28", DELIVER])).unwrap();
    assert_eq!((stat, s.text().as_str()), (0, "hellohello"));
    assert!(sms::parse_cmgr(&l(&[])).is_err());
    assert!(sms::parse_cmgr(&l(&["+CMGR: 0,,28"])).is_err());
    assert!(sms::parse_cmgr(&l(&["+CMGR: 0,,27", DELIVER])).is_err());
    assert!(sms::parse_cmgr(&l(&["+CMGR: ", DELIVER])).is_err());
}

#[test]
fn cmti_cmgs_cpms() {
    assert_eq!(sms::parse_cmti(" \"SM\",3"), Some((Mem::Sim, 3)));
    assert_eq!(sms::parse_cmti("\"ME\",17"), Some((Mem::Modem, 17)));
    assert_eq!(sms::parse_cmti("\"BM\",1"), None);
    assert_eq!(sms::parse_cmti("\"SM\""), None);
    assert_eq!(sms::parse_cmgs(" 42"), Some(42));
    assert_eq!(sms::parse_cmgs("x"), None);

    let q = sms::parse_cpms(" \"SM\",20,20,\"ME\",3,100,\"SM\",20,20");
    assert_eq!(q.len(), 3);
    assert_eq!(
        (q[0].mem, q[0].used, q[0].total, q[0].full()),
        ("SM", 20, 20, true)
    );
    assert_eq!((q[1].mem, q[1].used, q[1].full()), ("ME", 3, false));
    let s = sms::parse_cpms(" 3,20,3,20,3,20");
    assert_eq!((s.len(), s[0].mem, s[2].total), (3, "", 20));
    assert!(sms::parse_cpms("garbage").is_empty());
    assert_eq!(sms::parse_cpms("\"SM\",1").len(), 0);
    assert_eq!(
        sms::parse_cpms_test(" (\"ME\",\"MT\",\"SM\",\"SR\"),(\"ME\",\"MT\",\"SM\",\"SR\"),(\"ME\",\"MT\",\"SM\",\"SR\")"),
        [Mem::Modem, Mem::Both, Mem::Sim]
    );
    assert_eq!(
        sms::parse_cpms_test(" (\"SM\"),(\"SM\"),(\"SM\")"),
        [Mem::Sim]
    );
    assert_eq!(Mem::parse("modem"), Some(Mem::Modem));
}

#[test]
fn ussd_requests() {
    // Huawei: "*100#" 7-bit packed, as hex.
    assert_eq!(
        ussd::request("*100#", true).unwrap(),
        "AT+CUSD=1,\"AA180C3602\",15"
    );
    assert_eq!(
        ussd::request("*100#", false).unwrap(),
        "AT+CUSD=1,\"*100#\",15"
    );
    // 7 characters end in 7 spare bits: a CR pads them (TS 23.038 6.1.2.3.1).
    assert_eq!(
        ussd::request("1234567", true).unwrap(),
        "AT+CUSD=1,\"31D98C56B3DD1A\",15"
    );
    for bad in ["", "a\"b", "`", &"1".repeat(183)] {
        assert!(ussd::request(bad, true).is_err() || bad == "a\"b", "{bad}");
        assert!(ussd::request(bad, false).is_err(), "{bad}");
    }
    assert!(ussd::request(&"1".repeat(182), true).is_ok());
    assert!(ussd::request("€", true).is_ok());
    assert!(ussd::request("€", false).is_err());
}

#[test]
fn ussd_answers() {
    // Huawei answer: packed GSM 7-bit hex, DCS 15.
    let a = ussd::parse_cusd(
        " 0,\"D9775D0E1287D961F7B80C4ACF413199AB060315AB5217C81A66A7C9A0BA9B9E66836631574CE602\",15",
        true,
    )
    .unwrap();
    assert_eq!(
        a.text.as_deref(),
        Some("Your balance is 12.50 EUR. Valid until 31.12.")
    );
    assert!(!a.open());
    // A menu waiting for a reply.
    let a = ussd::parse_cusd(
        "1,\"311748186687DDE372432173819E6673593E6F28662E50119FA603\",15",
        true,
    )
    .unwrap();
    assert_eq!(
        a.text.as_deref(),
        Some("1. Balance\r\n2. Offers\r\n3. Exit")
    );
    assert!(a.open());
    assert_eq!(ussd::status_name(a.status), "reply needed");
    // The CR padding is removed again.
    assert_eq!(ussd::decode("31D98C56B3DD1A", 15, true), "1234567");
    // UCS2 answers (DCS 72) come as hex in both modes.
    let a = ussd::parse_cusd("0,\"041F044004380432043504420020D83DDC4B\",72", false).unwrap();
    assert_eq!(a.text.as_deref(), Some("Привет 👋"));
    // Text mode: the string is the text.
    let a = ussd::parse_cusd("0,\"Balance 5.00\",15", false).unwrap();
    assert_eq!(a.text.as_deref(), Some("Balance 5.00"));
    // Packed mode, but the firmware answered in text: taken as it is.
    assert_eq!(ussd::decode("Balance 5.00", 15, true), "Balance 5.00");
    // Language indication in front of the text (DCS 0x10 and 0x11).
    assert_eq!(ussd::decode("en\rHello", 0x10, false), "Hello");
    assert_eq!(ussd::decode("653700480069", 0x11, true), "Hi");
    // 8-bit data: hex.
    assert_eq!(ussd::decode("00ff", 0x44, true), "00FF");
    // No string: the session ended or failed.
    let a = ussd::parse_cusd(" 2", true).unwrap();
    assert_eq!((a.status, a.text), (2, None));
    assert_eq!(ussd::status_name(4), "not supported");
    assert_eq!(ussd::parse_cusd("x,\"AA\"", true), None);
    assert_eq!(ussd::parse_cusd("", true), None);
    // Hostile strings decode to something, never panic.
    for s in ["", "0", "F", "\"", "GG", &"FF".repeat(300), "8", "80"] {
        for dcs in [0, 0x0F, 0x10, 0x11, 0x44, 0x48, 0xFF] {
            let _ = ussd::decode(s, dcs, true);
            let _ = ussd::decode(s, dcs, false);
        }
    }
}

/// The UCS2 decoder (a plain loop, for flash) reads any octets as std's
/// `char::decode_utf16` does: pairs joined, a lone surrogate and an odd last
/// octet as U+FFFD.
#[test]
fn ucs2_text_reads_as_decode_utf16() {
    let reference = |body: &[u8]| -> String {
        let units = body.chunks(2).map(|p| match *p {
            [a, b] => u16::from_be_bytes([a, b]),
            _ => 0xFFFD,
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    };
    // Octets drawn mostly from the surrogate ranges' high bytes.
    let pick = [0x00u8, 0x41, 0xD8, 0xDB, 0xDC, 0xDF, 0xE0, 0xFF, 0x20, 0xD9];
    let mut x: u64 = 0x1234567;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..50_000 {
        let n = (rnd() % 9) as usize;
        let b: Vec<u8> = (0..n)
            .map(|_| {
                let y = rnd();
                if y % 3 == 0 {
                    (y >> 8) as u8
                } else {
                    pick[(y % 10) as usize]
                }
            })
            .collect();
        assert_eq!(pdu::text(Alphabet::Ucs2, &b), reference(&b), "{b:02x?}");
    }
}

/// A zone west of UTC prints with its minus sign and quarter hours as minutes.
#[test]
fn time_stamp_west_of_utc() {
    let t = pdu::Timestamp {
        year: 2024,
        month: 3,
        day: 5,
        hour: 14,
        minute: 20,
        second: 0,
        zone: -14,
    };
    assert_eq!(t.iso(), "2024-03-05T14:20:00-03:30");
    // Semi-octets as a PDU carries them: 42 30 50 41 02 00, zone 14 with the sign bit.
    let p = pdu::Timestamp::parse(&[0x42, 0x30, 0x50, 0x41, 0x02, 0x00, 0x49]).unwrap();
    assert_eq!(p, t);
}
