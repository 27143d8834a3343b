//! The AT engine on a scripted fake modem with fake time.

use std::cell::RefCell;

use umodem::core::at::Final;
use umodem::core::engine::Clock;
use umodem::core::engine::{AtError, Engine};
use umodem::hw::clock::FakeClock;
use umodem::hw::fake::{bytes, turn, Chunk, FakeModem};

#[test]
fn answer_with_urcs_in_between() {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(
        clock.clone(),
        vec![turn(
            "AT+CSQ\r",
            &[
                bytes("AT+CSQ\r\r\n^RSSI:9\r\n+CS"),
                Chunk::Silence(200),
                bytes("Q: 9,99\r\n^MODE:3,2\r\n\r\nOK\r\n"),
            ],
        )],
    );
    let urcs = RefCell::new(Vec::new());
    {
        let mut e = Engine::new(&mut m, &clock);
        e.on_urc(|u| urcs.borrow_mut().push(u.to_string()));
        let r = e.command("AT+CSQ").unwrap();
        assert_eq!(r.result, Final::Ok);
        assert_eq!(r.lines, ["+CSQ: 9,99"]);
    }
    assert_eq!(urcs.into_inner(), ["^RSSI:9", "^MODE:3,2"]);
    assert!(m.unexpected.is_empty());
    assert_eq!(m.left(), 0);
}

#[test]
fn urcs_waiting_before_a_command_are_not_its_answer() {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(
        clock.clone(),
        vec![turn("AT+CGMI\r", &[bytes("\r\nhuawei\r\n\r\nOK\r\n")])],
    );
    // Stale OK and a URC already in the pipe before we ask.
    m.preload(bytes("\r\n^BOOT:1,0,0,0,72\r\n\r\nOK\r\n"));
    let urcs = RefCell::new(Vec::new());
    let mut e = Engine::new(&mut m, &clock);
    e.on_urc(|u| urcs.borrow_mut().push(u.to_string()));
    let r = e.command("AT+CGMI").unwrap();
    assert_eq!(r.lines, ["huawei"]);
    drop(e);
    assert_eq!(urcs.into_inner(), ["^BOOT:1,0,0,0,72", "OK"]);
}

#[test]
fn silence_times_out_at_the_deadline() {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(clock.clone(), vec![turn("AT\r", &[Chunk::Silence(60_000)])]);
    let mut e = Engine::new(&mut m, &clock);
    let t0 = clock.now_ms();
    assert_eq!(e.command_timeout("AT", 1500), Err(AtError::Timeout));
    assert_eq!(clock.now_ms() - t0, 1500);
}

#[test]
fn partial_line_then_silence_times_out() {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(clock.clone(), vec![turn("AT\r", &[bytes("\r\nO")])]);
    let mut e = Engine::new(&mut m, &clock);
    assert_eq!(e.command_timeout("AT", 1000), Err(AtError::Timeout));
}

#[test]
fn garbage_then_answer() {
    let clock = FakeClock::new();
    let mut junk = vec![0xfeu8; 5000];
    junk.extend_from_slice(b"\r\n\x00\x00OK\r\n");
    let mut m = FakeModem::new(clock.clone(), vec![turn("AT\r", &[Chunk::Bytes(junk)])]);
    let mut e = Engine::new(&mut m, &clock);
    assert_eq!(e.command("AT").unwrap().result, Final::Ok);
}

#[test]
fn unplug_mid_command_is_an_error_not_a_hang() {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(
        clock.clone(),
        vec![turn("AT+CGMM\r", &[bytes("\r\nE36"), Chunk::Gone])],
    );
    let mut e = Engine::new(&mut m, &clock);
    assert!(matches!(e.command("AT+CGMM"), Err(AtError::Gone(_))));
    assert!(matches!(e.command("AT"), Err(AtError::Gone(_))));
}

#[test]
fn error_results_are_answers() {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(
        clock.clone(),
        vec![
            turn("AT+CPIN?\r", &[bytes("\r\n+CME ERROR: 10\r\n")]),
            turn("AT^FOO\r", &[bytes("\r\nCOMMAND NOT SUPPORT\r\n")]),
        ],
    );
    let mut e = Engine::new(&mut m, &clock);
    assert_eq!(e.command("AT+CPIN?").unwrap().result, Final::CmeError(10));
    assert_eq!(e.command("AT^FOO").unwrap().result, Final::NotSupported);
}

#[test]
fn urc_storm_cannot_outlast_the_timeout() {
    let clock = FakeClock::new();
    let mut storm = Vec::new();
    for _ in 0..200 {
        storm.push(bytes("\r\n^RSSI:12\r\n"));
        storm.push(Chunk::Silence(10));
    }
    storm.push(bytes("\r\nOK\r\n"));
    let mut m = FakeModem::new(clock.clone(), vec![turn("AT\r", &storm)]);
    let n = RefCell::new(0);
    let mut e = Engine::new(&mut m, &clock);
    e.on_urc(|_| *n.borrow_mut() += 1);
    // 200 URCs 10 ms apart take 2 s: a 1 s command gives up after ~100.
    assert_eq!(e.command_timeout("AT", 1000), Err(AtError::Timeout));
    drop(e);
    let n = n.into_inner();
    assert!((90..=110).contains(&n), "{n}");
}

#[test]
fn late_answer_of_a_timed_out_command_is_not_the_next_answer() {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(
        clock.clone(),
        vec![
            // The answer to +CGSN comes after its deadline...
            turn(
                "AT+CGSN\r",
                &[
                    Chunk::Silence(1200),
                    bytes("\r\n353613040739180\r\n\r\nOK\r\n"),
                ],
            ),
            turn("AT+CGMM\r", &[bytes("\r\nE367\r\n\r\nOK\r\n")]),
        ],
    );
    let mut e = Engine::new(&mut m, &clock);
    assert_eq!(e.command_timeout("AT+CGSN", 1000), Err(AtError::Timeout));
    // ...and must not be taken for the answer to +CGMM.
    let r = e.command("AT+CGMM").unwrap();
    assert_eq!(r.lines, ["E367"]);
}
