//! Deterministic mutation test: real transcripts, damaged thousands of ways
//! (flipped bytes, stray line ends and NULs, cuts, repeats, splices), go
//! through the parser and the engine. Nothing may panic, buffers stay
//! bounded, the engine always returns by its deadline, and an undamaged tail
//! is still understood after any garbage.

mod rng;

use rng::Rng;
use umodem::core::at::{self, Exchange, Final, Lines, Step};
use umodem::core::engine::Clock;
use umodem::core::engine::Engine;
use umodem::hw::clock::FakeClock;
use umodem::hw::fake::{turn, Chunk, FakeModem};

const TRANSCRIPTS: &[(&str, &[u8])] = &[
    ("AT+CSQ", b"AT+CSQ\r\r\n+CSQ: 17,99\r\n\r\nOK\r\n"),
    (
        "AT+CREG?",
        b"\r\n^RSSI:17\r\n\r\n+CREG: 2,1,\"00C3\",\"0000D8B1\"\r\n\r\nOK\r\n",
    ),
    ("AT^CPIN?", b"\r\n^CPIN: SIM PIN,3,10,3,10,3\r\n\r\nOK\r\n"),
    (
        "AT+COPS=3,2;+COPS?",
        b"\r\n+COPS: 0,2,\"24002\",2\r\n\r\nOK\r\n",
    ),
    (
        "ATD*99#",
        b"\r\n^BOOT:20123,0,0,0,72\r\nCONNECT 7200000\r\n",
    ),
    ("AT+CPIN?", b"\r\n+CME ERROR: 10\r\n"),
    (
        "AT^SYSINFO",
        b"\r\n^SYSINFO:2,3,0,5,1,,4\r\n\r\n^MODE:5,4\r\nOK\r\n",
    ),
    ("AT+CGMR", b"\r\n11.807.05.00.00\r\n\r\nOK\r\n"),
];

fn mutate(r: &mut Rng, src: &[u8]) -> Vec<u8> {
    let mut v = src.to_vec();
    for _ in 0..1 + r.below(6) {
        let i = r.below(v.len() + 1);
        match r.below(8) {
            0 if !v.is_empty() => {
                let j = r.below(v.len());
                v[j] ^= 1 << r.below(8);
            }
            1 => v.insert(i, [b'\r', b'\n', 0, b'"', b',', 0xff][r.below(6)]),
            2 => v.truncate(i),
            3 if i < v.len() => {
                v.remove(i);
            }
            4 => {
                let seg = v[i..].to_vec();
                v.extend_from_slice(&seg);
            }
            5 => {
                let other = TRANSCRIPTS[r.below(TRANSCRIPTS.len())].1;
                let k = r.below(other.len());
                v.splice(i..i, other[k..].iter().copied());
            }
            6 => {
                let n = r.below(2000);
                v.splice(i..i, std::iter::repeat_n(b'A' + (n % 26) as u8, n));
            }
            _ => {
                let n = r.below(64);
                let junk: Vec<u8> = (0..n).map(|_| r.next() as u8).collect();
                v.splice(i..i, junk);
            }
        }
    }
    v
}

#[test]
fn damaged_transcripts_never_break_the_parser() {
    let mut r = Rng(0x5eed_1234_abcd_0001);
    let mut finals = 0;
    for round in 0..4000 {
        let (cmd, src) = TRANSCRIPTS[round % TRANSCRIPTS.len()];
        let bytes = mutate(&mut r, src);
        let mut lines = Lines::new();
        let mut ex = Exchange::new(cmd);
        // Random chunking.
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let n = 1 + r.below(rest.len().min(300));
            let (a, b) = rest.split_at(n);
            rest = b;
            lines.push(a);
            while let Some(l) = lines.next_line() {
                assert!(l.len() <= at::MAX_LINE);
                assert!(l.bytes().all(|c| (0x20..0x7f).contains(&c) || c == b'\t'));
                if let Step::Done(resp) = ex.on_line(&l) {
                    finals += 1;
                    assert!(resp.lines.len() <= at::MAX_INFO);
                    for f in &resp.lines {
                        let _ = (at::parse_csq(f), at::parse_cops(f), at::parse_reg_answer(f));
                        let _ = (
                            at::parse_hw_cpin(f),
                            at::parse_iccid(f),
                            at::parse_sysinfo(f),
                        );
                    }
                    ex = Exchange::new(cmd);
                }
            }
            assert!(lines.pending() <= at::MAX_LINE, "round {round}");
        }
        // After any garbage, one clean line end and a clean answer are understood.
        lines.push(b"\r\n+CSQ: 9,99\r\nOK\r\n");
        let mut ex = Exchange::new("AT+CSQ");
        let mut done = None;
        while let Some(l) = lines.next_line() {
            if let Step::Done(resp) = ex.on_line(&l) {
                done = Some(resp);
            }
        }
        let resp = done.unwrap_or_else(|| panic!("round {round}: clean tail lost"));
        assert_eq!(resp.result, Final::Ok);
    }
    // The damage is not so heavy that nothing ever parses.
    assert!(finals > 1000, "{finals}");
}

#[test]
fn damaged_answers_never_outlast_the_deadline() {
    let mut r = Rng(0x0dd_c0ffee);
    for round in 0..500 {
        let (cmd, src) = TRANSCRIPTS[round % TRANSCRIPTS.len()];
        let mut reply = Vec::new();
        for _ in 0..1 + r.below(4) {
            reply.push(Chunk::Bytes(mutate(&mut r, src)));
            reply.push(Chunk::Silence(r.below(700) as u64));
        }
        let clock = FakeClock::new();
        let mut m = FakeModem::new(clock.clone(), vec![turn(&format!("{cmd}\r"), &reply)]);
        let t0 = clock.now_ms();
        let res = {
            let mut e = Engine::new(&mut m, &clock);
            e.command_timeout(cmd, 1000)
        };
        assert!(
            clock.now_ms() - t0 <= 1000,
            "round {round}: ran past the deadline"
        );
        // Either an answer or a timeout, never anything else from a live port.
        assert!(res.is_ok() || res == Err(umodem::core::engine::AtError::Timeout));
    }
}
