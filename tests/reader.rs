//! The reader (`core::reader`) on scripted modems with fake time: the steps it
//! takes, what it keeps, where it stops.

use umodem::core::at::{Final, SimState};
use umodem::core::engine::{AtError, Clock, Engine};
use umodem::core::reader::{self, Ask, Fault, Reader};
use umodem::hw::clock::FakeClock;
use umodem::hw::fake::{bytes, turn, Chunk, FakeModem, Turn};

fn ok(cmd: &str, lines: &[&str]) -> Turn {
    let mut a = String::from("\r\n");
    for l in lines {
        a.push_str(l);
        a.push_str("\r\n\r\n");
    }
    if lines.is_empty() {
        a.clear();
        a.push_str("\r\n");
    }
    a.push_str("OK\r\n");
    turn(&format!("{cmd}\r"), &[bytes(&a)])
}

fn answer(cmd: &str, text: &str) -> Turn {
    turn(&format!("{cmd}\r"), &[bytes(&format!("\r\n{text}\r\n"))])
}

fn run(turns: Vec<Turn>, what: reader::What, huawei: bool) -> (reader::Reading, FakeModem, u64) {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(clock.clone(), turns);
    let r = {
        let mut e = Engine::new(&mut m, &clock);
        *reader::read(&mut e, what, huawei)
    };
    assert!(m.unexpected.is_empty(), "unexpected: {:?}", m.unexpected);
    (r, m, clock.now_ms())
}

#[test]
fn the_machine_says_what_to_send_and_takes_what_came() {
    // No I/O: the caller sends, the machine decides.
    let (mut rd, a) = Reader::new(reader::HELLO | reader::SIM, true);
    assert_eq!(
        a,
        Some(Ask {
            cmd: "ATQ0V1".into(),
            ms: 2000
        })
    );
    let r = |lines: &[&str], result| {
        Ok(umodem::core::at::Response {
            lines: lines.iter().map(|l| l.to_string()).collect(),
            result,
        })
    };
    assert_eq!(rd.step(r(&[], Final::Ok)).unwrap().cmd, "AT+CMEE=1");
    assert_eq!(rd.step(r(&[], Final::Ok)).unwrap().cmd, "AT+CPIN?");
    assert_eq!(
        rd.step(r(&["+CPIN: SIM PIN"], Final::Ok)).unwrap().cmd,
        "AT^CPIN?"
    );
    assert_eq!(rd.step(r(&["^CPIN: SIM PIN,3,10,3,10,3"], Final::Ok)), None);
    assert!(rd.done());
    let got = rd.into_reading();
    assert_eq!(got.sim, Some(SimState::Pin));
    assert_eq!((got.pin_attempts, got.puk_attempts), (Some(3), Some(10)));
    assert_eq!(got.stopped, None);
}

#[test]
fn a_refused_hello_gets_plain_at_and_a_refused_at_ends_it() {
    let (r, _, _) = run(
        vec![
            answer("ATQ0V1", "ERROR"),
            ok("AT", &[]),
            ok("AT+CMEE=1", &[]),
            ok("AT+CPIN?", &["+CPIN: READY"]),
            ok("AT^CPIN?", &["^CPIN: READY,,10,3,10,3"]),
        ],
        reader::HELLO | reader::SIM,
        true,
    );
    assert_eq!((r.stopped, r.sim), (None, Some(SimState::Ready)));
    let (r, m, _) = run(
        vec![answer("ATQ0V1", "ERROR"), answer("AT", "ERROR")],
        reader::INFO,
        true,
    );
    assert_eq!(r.stopped, Some(Fault::Refused("AT".into(), Final::Error)));
    assert_eq!(m.written.len(), 2, "nothing after the refused AT");
    let e = r.stopped.unwrap().error();
    assert_eq!(e.exit_code(), 17);
    assert!(e.msg().contains("ERROR to AT:"), "{}", e.msg());
}

#[test]
fn silence_ends_the_reading_at_the_first_unanswered_command() {
    let (r, m, t) = run(
        vec![
            ok("ATQ0V1", &[]),
            ok("AT+CMEE=1", &[]),
            ok("AT+CPIN?", &["+CPIN: READY"]),
            ok("AT^CPIN?", &["^CPIN: READY,,10,3,10,3"]),
            ok("AT+CGMI", &["huawei"]),
            turn("AT+CGMM\r", &[Chunk::Silence(60_000)]),
        ],
        reader::INFO,
        true,
    );
    assert_eq!(r.stopped, Some(Fault::Silent("AT+CGMM".into())));
    assert_eq!(r.manufacturer.as_deref(), Some("huawei"));
    assert_eq!(r.model, None);
    assert_eq!(m.written.len(), 6);
    // One timeout of at most 3 s (virtual time), not one per field.
    assert!(t <= 3000, "{t} ms");
}

#[test]
fn a_silent_hello_is_asked_once_more_then_given_up() {
    let (r, m, t) = run(
        vec![
            turn("ATQ0V1\r", &[Chunk::Silence(60_000)]),
            turn("AT\r", &[Chunk::Silence(60_000)]),
        ],
        reader::INFO,
        true,
    );
    assert_eq!(r.stopped, Some(Fault::Silent("AT".into())));
    assert_eq!(m.written.len(), 2);
    // 2 s, 0.3 s for a late answer, 1 s: the whole budget of a dead modem.
    assert!(t <= 3500, "{t} ms");
}

#[test]
fn a_gone_port_is_named_once() {
    let (r, _, _) = run(
        vec![
            ok("ATQ0V1", &[]),
            ok("AT+CMEE=1", &[]),
            turn("AT+CPIN?\r", &[bytes("\r\n+CP"), Chunk::Gone]),
        ],
        reader::INFO,
        true,
    );
    let f = r.stopped.unwrap();
    assert!(matches!(&f, Fault::Gone(c, _) if c == "AT+CPIN?"), "{f:?}");
    let e = f.error();
    assert_eq!(e.exit_code(), 10);
    assert_eq!(e.msg().matches("failed").count(), 1, "{}", e.msg());
}

#[test]
fn other_vendors_take_the_27007_way() {
    let (r, _, _) = run(
        vec![
            ok("AT+CPIN?", &["+CPIN: SIM PIN"]),
            answer("AT+CPINR=\"SIM PIN\"", "ERROR"),
            ok(
                "AT+CPINR",
                &["+CPINR: SIM PIN,3,3", "+CPINR: SIM PUK,10,10"],
            ),
            ok(
                "AT+CRSM=176,12258,0,0,10",
                &["+CRSM: 144,0,\"98640200001032547698\""],
            ),
        ],
        reader::SIM | reader::ICCID,
        false,
    );
    assert_eq!(r.stopped, None);
    assert_eq!((r.pin_attempts, r.puk_attempts), (Some(3), Some(10)));
    assert_eq!(r.iccid.as_deref(), Some("89462000000123456789"));
}

#[test]
fn an_absent_sim_skips_what_needs_one() {
    let (r, m, _) = run(
        vec![answer("AT+CPIN?", "+CME ERROR: 10")],
        reader::SIM | reader::ICCID,
        true,
    );
    assert_eq!(r.sim, Some(SimState::Absent));
    assert_eq!(m.written.len(), 1);
}

#[test]
fn identity_falls_back_and_takes_only_answers_of_its_shape() {
    let (r, _, _) = run(
        vec![
            ok("AT+CGMI", &["^RSS", "huawei"]),
            ok("AT+CGMM", &["+CGMM: E367"]),
            ok("AT+CGMR", &["AT+CG", "11.807.05.00.00"]),
            answer("AT+CGSN", "ERROR"),
            ok("AT+GSN", &["^BOOT:1", "353613040739180"]),
            ok("AT+CIMI", &["240021234567890"]),
            ok("AT^ICCID?", &["^ICCID: 89462000000123456789"]),
            ok("AT+GCAP", &["+GCAP: +CGSM,+DS,+ES"]),
        ],
        reader::IDENTITY,
        true,
    );
    assert_eq!(r.stopped, None);
    assert_eq!(r.manufacturer.as_deref(), Some("huawei"));
    assert_eq!(r.model.as_deref(), Some("E367"));
    assert_eq!(r.revision.as_deref(), Some("11.807.05.00.00"));
    assert_eq!(r.imei.as_deref(), Some("353613040739180"));
    assert_eq!(r.iccid.as_deref(), Some("89462000000123456789"));
}

#[test]
fn cells_are_asked_for_and_the_mode_put_back() {
    let (r, m, _) = run(
        vec![
            ok("AT+CSQ", &["+CSQ: 18,99"]),
            ok("AT+CREG?", &["+CREG: 0,1"]),
            ok("AT+CREG=2", &[]),
            ok("AT+CREG?", &["+CREG: 2,1,\"1A2B\",\"00C3D4E5\""]),
            ok("AT+CREG=0", &[]),
            ok("AT+CGREG?", &["+CGREG: 2,5,\"1A2B\",\"00C3D4E5\""]),
            ok("AT+COPS=3,2;+COPS?", &["+COPS: 0,2,\"24002\",2"]),
            ok("AT+COPS=3,0;+COPS?", &["+COPS: 0,0,\"3 SE\",2"]),
        ],
        reader::NETWORK | reader::CELLS,
        false,
    );
    assert_eq!(r.stopped, None, "{:?}", m.written);
    assert_eq!(
        r.creg.as_ref().and_then(|c| c.cell.as_deref()),
        Some("00C3D4E5")
    );
    assert_eq!(r.registration(), Some("roaming"));
    assert_eq!(r.operator.as_deref(), Some("3 SE"));
    assert_eq!(
        (r.mcc.as_deref(), r.mnc.as_deref()),
        (Some("240"), Some("02"))
    );
    // +COPS AcT 2 (UTRAN) when no vendor command says more
    assert_eq!(r.tech.as_deref(), Some("umts"));
}

#[test]
fn an_lte_cell_gets_eps_registration_and_huaweis_lte_readings() {
    // An E3372 on LTE: +COPS AcT 7 and ^SYSINFOEX say so, so +CEREG and ^HCSQ
    // follow (a 3G cell, as in the tests above, asks neither). The stick is
    // registered for EPS only (an LTE data SIM): CS and GPRS say searching.
    let (r, m, _) = run(
        vec![
            ok("AT+CSQ", &["+CSQ: 18,99"]),
            ok("AT+CREG?", &["+CREG: 0,2"]),
            ok("AT+CGREG?", &["+CGREG: 0,2"]),
            ok("AT+COPS=3,2;+COPS?", &["+COPS: 0,2,\"24002\",7"]),
            ok("AT+COPS=3,0;+COPS?", &["+COPS: 0,0,\"3 SE\",7"]),
            ok(
                "AT^SYSINFOEX",
                &["^SYSINFOEX:2,3,0,1,0,6,\"LTE\",101,\"LTE\""],
            ),
            ok("AT+CEREG?", &["^RSS", "+CEREG: 0,1"]),
            ok("AT^HCSQ?", &["^HCSQ:\"LTE\",43,41,150,19"]),
        ],
        reader::POLL & !reader::HELLO & !reader::SIM,
        true,
    );
    assert_eq!(r.stopped, None, "{:?}", m.written);
    assert_eq!(r.cereg.as_ref().map(|g| g.stat), Some(1));
    assert_eq!(r.registration(), Some("home"), "EPS registration counts");
    let l = r.lte.unwrap();
    // Huawei's steps: RSSI -120 + 43, RSRP -140 + 41, SINR 150 / 5 - 20,
    // RSRQ (19 - 39) / 2 (whole dB).
    assert_eq!((l.rssi, l.rsrp, l.sinr, l.rsrq), (-77, -99, 10, -10));
    assert_eq!(r.tech.as_deref(), Some("lte"));

    // Another vendor on LTE: +CEREG (27.007), no ^HCSQ; no service: no readings.
    let (r, _, _) = run(
        vec![
            ok("AT+CSQ", &["+CSQ: 18,99"]),
            ok("AT+CREG?", &["+CREG: 0,0"]),
            answer("AT+CGREG?", "ERROR"),
            ok("AT+COPS=3,2;+COPS?", &["+COPS: 0,2,\"24002\",7"]),
            ok("AT+COPS=3,0;+COPS?", &["+COPS: 0,0,\"3 SE\",7"]),
            ok("AT+CEREG?", &["+CEREG: 0,5"]),
        ],
        reader::POLL & !reader::HELLO & !reader::SIM,
        false,
    );
    assert_eq!(r.registration(), Some("roaming"));
    assert_eq!((r.lte, r.tech.as_deref()), (None, Some("lte")));
}

#[test]
fn an_error_to_a_query_leaves_that_field_empty_and_goes_on() {
    let (r, _, _) = run(
        vec![
            answer("AT+CSQ", "+CME ERROR: 30"),
            ok("AT+CREG?", &["+CREG: 0,2"]),
            ok("AT+CGREG?", &["+CGREG: 0,2"]),
            ok("AT+COPS=3,2;+COPS?", &["+COPS: 0"]),
            ok("AT+COPS=3,0;+COPS?", &["+COPS: 0"]),
            answer("AT^SYSINFOEX", "COMMAND NOT SUPPORT"),
            ok("AT^SYSINFO", &["^SYSINFO:0,0,0,0,1,,0"]),
        ],
        reader::POLL & !reader::HELLO & !reader::SIM,
        true,
    );
    assert_eq!(r.stopped, None);
    assert_eq!(r.csq, None);
    assert_eq!(r.registration(), Some("searching"));
    assert_eq!((r.operator, r.tech), (None, None));
}

#[test]
fn faults_say_what_to_do() {
    let silent = Fault::of("AT+CSQ", AtError::Timeout).error();
    assert_eq!(silent.exit_code(), 17);
    assert!(silent.msg().contains("no answer to AT+CSQ"));
    assert_eq!(reader::sim_error(SimState::Absent).unwrap().exit_code(), 11);
    assert_eq!(reader::sim_error(SimState::Busy).unwrap().exit_code(), 16);
    assert_eq!(reader::sim_error(SimState::Puk).unwrap().exit_code(), 15);
    assert!(reader::sim_error(SimState::Pin).is_none());
    assert!(reader::sim_error(SimState::Ready).is_none());
}
