//! The reader against noise: a whole `umodem info` reading of an E367 (the
//! answers as the stick gives them), with unsolicited reports, cut-off pieces
//! of them and binary junk sprayed between answers, between the lines of an
//! answer and inside lines, thousands of ways. Whatever happens to the
//! reading (a field missing, a reading cut short), no value may ever hold
//! anything but the true answer: a fragment never becomes a value.

mod rng;

use rng::Rng;
use umodem::core::at::{Csq, SimState};
use umodem::core::engine::Engine;
use umodem::core::reader::{self, Reading};
use umodem::hw::clock::FakeClock;
use umodem::hw::fake::{turn, Chunk, FakeModem, Turn};

/// (command, answer as the E367 gives it with echo on).
const E367: &[(&str, &str)] = &[
    ("ATQ0V1", "\r\nOK\r\n"),
    ("AT+CMEE=1", "\r\nOK\r\n"),
    ("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n"),
    ("AT^CPIN?", "\r\n^CPIN: READY,,10,3,10,3\r\n\r\nOK\r\n"),
    ("AT+CGMI", "\r\nhuawei\r\n\r\nOK\r\n"),
    ("AT+CGMM", "\r\nE367\r\n\r\nOK\r\n"),
    ("AT+CGMR", "\r\n11.807.05.00.00\r\n\r\nOK\r\n"),
    ("AT+CGSN", "\r\n353613040739180\r\n\r\nOK\r\n"),
    ("AT+CIMI", "\r\n240021234567890\r\n\r\nOK\r\n"),
    ("AT^ICCID?", "\r\nCOMMAND NOT SUPPORT\r\n"),
    (
        "AT+CRSM=176,12258,0,0,10",
        "\r\n+CRSM: 144,0,\"98640200001032547698\"\r\n\r\nOK\r\n",
    ),
    ("AT+CSQ", "\r\n+CSQ: 18,99\r\n\r\nOK\r\n"),
    (
        "AT+CREG?",
        "\r\n+CREG: 2,1,\"1A2B\",\"00C3D4E5\"\r\n\r\nOK\r\n",
    ),
    (
        "AT+CGREG?",
        "\r\n+CGREG: 2,1,\"1A2B\",\"00C3D4E5\"\r\n\r\nOK\r\n",
    ),
    (
        "AT+COPS=3,2;+COPS?",
        "\r\n+COPS: 0,2,\"24002\",2\r\n\r\nOK\r\n",
    ),
    (
        "AT+COPS=3,0;+COPS?",
        "\r\n+COPS: 0,0,\"3 SE\",2\r\n\r\nOK\r\n",
    ),
    ("AT^SYSINFOEX", "\r\nCOMMAND NOT SUPPORT\r\n"),
    ("AT^SYSINFO", "\r\n^SYSINFO:2,3,0,5,1,,4\r\n\r\nOK\r\n"),
    ("AT+GCAP", "\r\n+GCAP: +CGSM,+DS,+ES\r\n\r\nOK\r\n"),
];

/// Unsolicited reports the E367 sends on its PCUI.
const URCS: &[&str] = &[
    "^RSSI:17",
    "^BOOT:20952548,0,0,0,72",
    "^MODE:5,4",
    "^SRVST:2",
    "^SIMST:1",
    "^DSFLOWRPT:0000001E,00000000,00000000,0000000000000000,0000000000000000,0003E800,0003E800",
    "+CREG: 1",
    "+CREG: 1,\"1A2B\",\"00C3D4E5\"",
    "+CGREG: 5",
    "RING",
];

/// Binary junk: at least one byte no AT answer has.
fn junk(r: &mut Rng) -> Vec<u8> {
    let mut v: Vec<u8> = (0..1 + r.below(12)).map(|_| r.next() as u8).collect();
    v.push(0x80 | r.next() as u8);
    v.retain(|b| *b != b'\r' && *b != b'\n');
    v
}

/// Where lines start in `a` (after each line end, and the very start).
fn boundaries(a: &[u8]) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(
        a.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i + 1),
    );
    v
}

/// One damage to an answer (the echo included).
fn damage(r: &mut Rng, a: &mut Vec<u8>) {
    let urc = URCS[r.below(URCS.len())].as_bytes();
    match r.below(5) {
        // a whole report between two lines
        0 => {
            let at = boundaries(a)[r.below(boundaries(a).len())];
            let mut x = b"\r\n".to_vec();
            x.extend_from_slice(urc);
            x.extend_from_slice(b"\r\n");
            a.splice(at..at, x);
        }
        // the start of a report, cut anywhere, ended by a line end (the
        // reports that start with `^` or `+`: a cut "RING" would be a word
        // like any other, and the E367 sends RING only for voice calls)
        1 => {
            let urc = URCS[r.below(URCS.len() - 1)].as_bytes();
            let at = boundaries(a)[r.below(boundaries(a).len())];
            let mut x = b"\r\n".to_vec();
            x.extend_from_slice(&urc[..1 + r.below(urc.len())]);
            x.extend_from_slice(b"\r\n");
            a.splice(at..at, x);
        }
        // a line of binary junk between two lines
        2 => {
            let at = boundaries(a)[r.below(boundaries(a).len())];
            let mut x = b"\r\n".to_vec();
            x.extend(junk(r));
            x.extend_from_slice(b"\r\n");
            a.splice(at..at, x);
        }
        // binary junk anywhere, inside a line too
        3 => {
            let at = r.below(a.len() + 1);
            let j = junk(r);
            a.splice(at..at, j);
        }
        // a cut-off Huawei report inside a line
        _ => {
            let at = r.below(a.len() + 1);
            let hw = URCS[r.below(6)].as_bytes();
            a.splice(at..at, hw[..1 + r.below(hw.len())].iter().copied());
        }
    }
}

fn script(r: &mut Rng, damages: usize) -> Vec<Turn> {
    let mut answers: Vec<Vec<u8>> = E367
        .iter()
        .map(|(c, a)| {
            let mut v = format!("{c}\r").into_bytes();
            v.extend_from_slice(a.as_bytes());
            v
        })
        .collect();
    for _ in 0..damages {
        let i = r.below(answers.len());
        damage(r, &mut answers[i]);
    }
    E367.iter()
        .zip(answers)
        .map(|((c, _), a)| {
            // sometimes the answer comes in two pieces, a little apart
            let cut = (a.len() > 4).then(|| 1 + (a.len() - 2) / 2);
            let reply = match cut {
                Some(k) if k % 3 == 0 => vec![
                    Chunk::Bytes(a[..k].to_vec()),
                    Chunk::Silence(50),
                    Chunk::Bytes(a[k..].to_vec()),
                ],
                _ => vec![Chunk::Bytes(a)],
            };
            turn(&format!("{c}\r"), &reply)
        })
        .collect()
}

fn read(turns: Vec<Turn>) -> Reading {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(clock.clone(), turns);
    let mut e = Engine::new(&mut m, &clock);
    *reader::read(&mut e, reader::INFO, true)
}

fn truth() -> Reading {
    read(script(&mut Rng(1), 0))
}

/// `v` is unknown or exactly what the undamaged reading says.
fn same_or_none<T: PartialEq + std::fmt::Debug>(
    what: &str,
    v: &Option<T>,
    t: &Option<T>,
    i: usize,
) {
    assert!(
        v.is_none() || v == t,
        "run {i}: {what} is {v:?}, the modem said {t:?}"
    );
}

#[test]
fn the_undamaged_reading_has_every_value() {
    let t = truth();
    assert_eq!(t.stopped, None);
    assert_eq!(t.manufacturer.as_deref(), Some("huawei"));
    assert_eq!(t.model.as_deref(), Some("E367"));
    assert_eq!(t.revision.as_deref(), Some("11.807.05.00.00"));
    assert_eq!(t.imei.as_deref(), Some("353613040739180"));
    assert_eq!(t.imsi.as_deref(), Some("240021234567890"));
    assert_eq!(t.iccid.as_deref(), Some("89462000000123456789"));
    assert_eq!(t.sim, Some(SimState::Ready));
    assert_eq!((t.pin_attempts, t.puk_attempts), (Some(3), Some(10)));
    assert_eq!(t.csq, Some(Csq { rssi: 18, ber: 99 }));
    assert_eq!(t.registration(), Some("home"));
    assert_eq!(t.creg.as_ref().and_then(|c| c.lac.as_deref()), Some("1A2B"));
    assert_eq!(t.operator.as_deref(), Some("3 SE"));
    assert_eq!(
        (t.mcc.as_deref(), t.mnc.as_deref()),
        (Some("240"), Some("02"))
    );
    assert_eq!(t.tech.as_deref(), Some("umts"));
    assert_eq!(t.gcap.as_ref().map(Vec::len), Some(3));
}

#[test]
fn sprayed_noise_and_fragments_never_become_values() {
    let t = truth();
    let mut r = Rng(0x5eed_cafe_f00d_0013);
    let (mut whole, mut models) = (0, 0);
    const RUNS: usize = 4000;
    for i in 0..RUNS {
        let n = 1 + r.below(6);
        let got = read(script(&mut r, n));
        same_or_none("manufacturer", &got.manufacturer, &t.manufacturer, i);
        same_or_none("model", &got.model, &t.model, i);
        same_or_none("revision", &got.revision, &t.revision, i);
        same_or_none("imei", &got.imei, &t.imei, i);
        same_or_none("imsi", &got.imsi, &t.imsi, i);
        same_or_none("iccid", &got.iccid, &t.iccid, i);
        same_or_none("gcap", &got.gcap, &t.gcap, i);
        same_or_none("sim", &got.sim, &t.sim, i);
        same_or_none("pin attempts", &got.pin_attempts, &t.pin_attempts, i);
        same_or_none("puk attempts", &got.puk_attempts, &t.puk_attempts, i);
        same_or_none("signal", &got.csq, &t.csq, i);
        same_or_none("creg", &got.creg, &t.creg, i);
        same_or_none("cgreg", &got.cgreg, &t.cgreg, i);
        same_or_none("operator", &got.operator, &t.operator, i);
        same_or_none("mcc", &got.mcc, &t.mcc, i);
        same_or_none("mnc", &got.mnc, &t.mnc, i);
        same_or_none("technology", &got.tech, &t.tech, i);
        if got == t {
            whole += 1;
        }
        if got.model.is_some() {
            models += 1;
        }
    }
    // The damage must not make the test empty: most readings still find most values.
    eprintln!("{whole} of {RUNS} readings whole, {models} with the model");
    assert!(
        whole > RUNS / 10,
        "only {whole} of {RUNS} readings were whole"
    );
    assert!(
        models > RUNS / 2,
        "only {models} of {RUNS} readings found the model"
    );
}
