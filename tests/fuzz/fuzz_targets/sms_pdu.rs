//! Fuzz the SMS PDU decoder and what sits on it: any bytes as a PDU, the same
//! bytes as a `+CMGL` listing, the parts joined, and as a `+CUSD` answer.
//! Must never panic; what decodes stays within the sizes an SMS can have.
#![no_main]

use libfuzzer_sys::fuzz_target;
use umodem::core::pdu::{self, Alphabet};
use umodem::core::sms::{self, Item, Mem};
use umodem::core::ussd;

fn bounded(s: &pdu::Sms) {
    let limit = if s.alphabet == Alphabet::Gsm7 { 160 } else { 140 };
    assert!(s.body.len() <= limit);
    assert!(s.addr.text.chars().count() <= 21);
    assert!(s.text().chars().count() <= 2 * s.body.len());
}

fuzz_target!(|data: &[u8]| {
    let mut items = Vec::new();
    if let Ok(s) = pdu::decode(data) {
        assert!(data.len() <= pdu::MAX_PDU);
        bounded(&s);
        items.push(Item { mem: Mem::Sim, index: 0, stat: 0, sms: s });
    }
    let text = String::from_utf8_lossy(data);
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (i, l) in sms::parse_cmgl(&lines).into_iter().enumerate() {
        if let Ok(s) = l.sms {
            bounded(&s);
            items.push(Item { mem: Mem::Modem, index: i as u16, stat: l.stat, sms: s });
        }
    }
    let _ = sms::parse_cmgr(&lines);
    let n = items.len();
    let msgs = sms::join(items);
    assert_eq!(msgs.iter().map(|m| m.slots.len()).sum::<usize>(), n);
    for l in &lines {
        let _ = (sms::parse_cpms(l), sms::parse_cpms_test(l), sms::parse_cmti(l));
        let _ = (ussd::parse_cusd(l, true), ussd::parse_cusd(l, false));
    }
});
