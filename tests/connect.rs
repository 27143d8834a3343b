//! The dial sequence of `umodem connect` on a scripted fake modem with fake
//! time: every byte written is checked, every outcome and exit code.

use umodem::cmd::connect::dial;
use umodem::core::at::Final;
use umodem::core::connect::{valid_apn, valid_number, Outcome, Plan, Stage};
use umodem::hw::clock::FakeClock;
use umodem::hw::fake::{bytes, turn, Chunk, FakeModem, Turn};

fn plan(apn: Option<&str>) -> Plan {
    Plan {
        apn: apn.map(str::to_string),
        number: "*99***1#".into(),
        dial_ms: 30_000,
        reg_ms: 5_000,
    }
}

fn ok(cmd: &str) -> Turn {
    turn(&format!("{cmd}\r"), &[bytes("\r\nOK\r\n")])
}

fn registered() -> Turn {
    turn("AT+CREG?\r", &[bytes("\r\n+CREG: 0,1\r\n\r\nOK\r\n")])
}

/// A scripted modem that plays `turns`, on fake time of its own.
fn modem(turns: Vec<Turn>) -> FakeModem {
    FakeModem::new(FakeClock::new(), turns)
}

/// Dial `p` on `m` (at its clock); the outcome, and the modem for its checks.
fn run(mut m: FakeModem, p: Plan) -> (Outcome, FakeModem) {
    let clock = m.clock.clone();
    let o = dial(&mut m, &clock, p);
    (o, m)
}

fn done(m: &FakeModem) {
    assert!(
        m.unexpected.is_empty(),
        "unexpected writes: {:?}",
        m.unexpected
    );
    assert_eq!(m.left(), 0, "turns not played");
}

#[test]
fn connects_with_apn() {
    let m = modem(vec![
        // echo still on at first: the engine skips it
        turn("AT\r", &[bytes("AT\r\r\nOK\r\n")]),
        ok("ATE0"),
        registered(),
        ok("AT+CGDCONT=1,\"IP\",\"bredband.tre.se\""),
        turn(
            "ATD*99***1#\r",
            &[Chunk::Silence(800), bytes("\r\nCONNECT 7200000\r\n")],
        ),
    ]);
    let (o, m) = run(m, plan(Some("bredband.tre.se")));
    assert_eq!(o, Outcome::Connected(Some("7200000".into())));
    assert_eq!(o.exit_code(), 0);
    done(&m);
}

#[test]
fn without_apn_no_context_is_set() {
    let m = modem(vec![
        ok("AT"),
        ok("ATE0"),
        registered(),
        turn("ATD*99#\r", &[bytes("\r\nCONNECT\r\n")]),
    ]);
    let mut p = plan(None);
    p.number = "*99#".into();
    let (o, m) = run(m, p);
    assert_eq!(o, Outcome::Connected(None));
    done(&m);
}

#[test]
fn waits_for_registration_then_dials() {
    let m = modem(vec![
        ok("AT"),
        ok("ATE0"),
        turn("AT+CREG?\r", &[bytes("\r\n+CREG: 0,2\r\n\r\nOK\r\n")]),
        turn("AT+CREG?\r", &[bytes("\r\n+CREG: 0,2\r\n\r\nOK\r\n")]),
        turn(
            "AT+CREG?\r",
            &[bytes("\r\n+CREG: 0,5,\"00C3\",\"0000E1F2\"\r\n\r\nOK\r\n")],
        ),
        ok("AT+CGDCONT=1,\"IP\",\"internet\""),
        turn("ATD*99***1#\r", &[bytes("\r\nCONNECT\r\n")]),
    ]);
    let (o, m) = run(m, plan(Some("internet")));
    assert_eq!(o, Outcome::Connected(None));
    done(&m);
}

#[test]
fn registration_wait_is_bounded() {
    let mut turns = vec![ok("AT"), ok("ATE0")];
    for _ in 0..6 {
        turns.push(turn("AT+CREG?\r", &[bytes("\r\n+CREG: 0,2\r\n\r\nOK\r\n")]));
    }
    turns.push(turn("ATD*99***1#\r", &[bytes("\r\nNO CARRIER\r\n")]));
    let m = modem(turns);
    let (o, m) = run(m, plan(None));
    assert_eq!(o, Outcome::NoCarrier);
    assert_eq!(o.exit_code(), 20);
    assert_eq!(o.status(), "NO_CARRIER");
    // reg_ms 5000 at one poll a second: the first poll and five more, then dial.
    done(&m);
}

fn to_dial(last: Chunk) -> Vec<Turn> {
    vec![
        ok("AT"),
        ok("ATE0"),
        registered(),
        turn("ATD*99***1#\r", &[last]),
    ]
}

#[test]
fn dial_failures_map_to_exit_codes() {
    let cases: &[(&str, Outcome, u8, &str)] = &[
        ("\r\nNO CARRIER\r\n", Outcome::NoCarrier, 20, "NO_CARRIER"),
        (
            "\r\nERROR\r\n",
            Outcome::Refused(Stage::Dial, Final::Error),
            21,
            "DIAL_ERROR",
        ),
        (
            "\r\n+CME ERROR: 30\r\n",
            Outcome::Refused(Stage::Dial, Final::CmeError(30)),
            21,
            "DIAL_ERROR",
        ),
        ("\r\nBUSY\r\n", Outcome::Busy(Final::Busy), 24, "DIAL_BUSY"),
        (
            "\r\nNO ANSWER\r\n",
            Outcome::Busy(Final::NoAnswer),
            24,
            "DIAL_BUSY",
        ),
        (
            "\r\nNO DIALTONE\r\n",
            Outcome::Busy(Final::NoDialtone),
            24,
            "DIAL_BUSY",
        ),
    ];
    for (reply, want, code, status) in cases {
        let (o, m) = run(modem(to_dial(bytes(reply))), plan(None));
        assert_eq!(&o, want, "{reply:?}");
        assert_eq!(o.exit_code(), *code);
        assert_eq!(o.status(), *status);
        done(&m);
    }
}

#[test]
fn dial_timeout_and_modem_gone() {
    let (o, _) = run(modem(to_dial(Chunk::Silence(40_000))), plan(None));
    assert_eq!(o, Outcome::Timeout(Stage::Dial));
    assert_eq!(o.exit_code(), 22);

    let (o, _) = run(modem(to_dial(Chunk::Gone)), plan(None));
    assert!(matches!(o, Outcome::Gone(_)), "{o:?}");
    assert_eq!(o.exit_code(), 23);
    assert_eq!(o.status(), "MODEM_GONE");
}

#[test]
fn silent_modem_gets_three_tries_then_timeout() {
    let (o, m) = run(modem(vec![]), plan(None));
    assert_eq!(o, Outcome::Timeout(Stage::Hello));
    assert_eq!(m.written, vec![b"AT\r".to_vec(); 3]);
}

#[test]
fn a_call_still_up_is_hung_up_first() {
    let m = modem(vec![
        turn("AT\r", &[bytes("\r\nNO CARRIER\r\n")]),
        ok("ATH"),
        ok("ATE0"),
        registered(),
        turn("ATD*99***1#\r", &[bytes("\r\nCONNECT\r\n")]),
    ]);
    let (o, m) = run(m, plan(None));
    assert_eq!(o, Outcome::Connected(None));
    done(&m);
}

#[test]
fn apn_refused() {
    let m = modem(vec![
        ok("AT"),
        ok("ATE0"),
        registered(),
        turn(
            "AT+CGDCONT=1,\"IP\",\"x\"\r",
            &[bytes("\r\n+CME ERROR: 4\r\n")],
        ),
    ]);
    let (o, m) = run(m, plan(Some("x")));
    assert_eq!(o, Outcome::Refused(Stage::Apn, Final::CmeError(4)));
    assert_eq!(o.exit_code(), 21);
    assert_eq!(o.status(), "APN_REFUSED");
    done(&m);
}

#[test]
fn garbage_and_urcs_do_not_confuse_the_dial() {
    let mut m = modem(vec![
        ok("AT"),
        ok("ATE0"),
        registered(),
        turn(
            "ATD*99***1#\r",
            &[Chunk::Bytes(
                b"\r\n^BOOT:1234,0,0,0,72\r\n\x00\xff\r\n^RSSI:17\r\nCONNECT\r\n".to_vec(),
            )],
        ),
    ]);
    m.preload(Chunk::Bytes(b"\x7e\xff\x7d\x23garbage".to_vec()));
    let (o, m) = run(m, plan(None));
    assert_eq!(o, Outcome::Connected(None));
    done(&m);
}

#[test]
fn input_checks() {
    assert!(valid_apn("bredband.tre.se"));
    assert!(valid_apn("internet.t-d1.de"));
    assert!(!valid_apn(""));
    assert!(!valid_apn("a\",\"b"));
    assert!(!valid_apn("a\rATH"));
    assert!(!valid_apn(&"a".repeat(100)));
    assert!(valid_number("*99***1#"));
    assert!(valid_number("#777"));
    assert!(!valid_number("*99#;ATH"));
    assert!(!valid_number(""));
}

/// The fuzz target's property on a fixed, seeded stream of random modem
/// output (fragments of real answers mixed with noise, silences, unplugs):
/// the sequence always ends, with one of the contract's exit codes.
#[test]
fn random_modem_output_always_ends() {
    const PIECES: &[&[u8]] = &[
        b"\r\nOK\r\n",
        b"\r\nERROR\r\n",
        b"\r\nNO CARRIER\r\n",
        b"\r\nCONNECT 7200000\r\n",
        b"\r\nBUSY\r\n",
        b"\r\n+CREG: 0,1\r\n",
        b"\r\n+CREG: 0,2\r\n",
        b"\r\n+CME ERROR: 30\r\n",
        b"\r\n^RSSI:12\r\n",
        b"AT\r",
        b"\x00\xff\x7e",
        b"\r",
        b"OK",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut seen = [false; 25];
    for _ in 0..3000 {
        let mut m = modem(vec![]);
        for _ in 0..(next() % 24) {
            let r = next();
            m.preload(match r % 10 {
                0 => Chunk::Silence(r % 7000),
                1 if r % 7 == 0 => Chunk::Gone,
                _ => Chunk::Bytes(PIECES[(r >> 8) as usize % PIECES.len()].to_vec()),
            });
        }
        let (o, _) = run(m, plan(Some("internet")));
        let code = o.exit_code();
        assert!(matches!(code, 0 | 20..=24), "{o:?}");
        seen[code as usize] = true;
    }
    // The stream reaches more than one ending (it is not all timeouts).
    assert!(seen.iter().filter(|&&s| s).count() >= 3, "{seen:?}");
}
