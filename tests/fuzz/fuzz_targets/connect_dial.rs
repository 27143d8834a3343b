//! Fuzz `umodem connect`'s dial sequence: any bytes from the modem, cut into
//! chunks with silences and an unplug. It must end (every step spends fake
//! time or finishes), never panic, and give one of the contract's exit codes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use umodem::cmd::connect::dial;
use umodem::core::connect::Plan;
use umodem::hw::clock::FakeClock;
use umodem::hw::fake::{Chunk, FakeModem};

fuzz_target!(|data: &[u8]| {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(clock.clone(), Vec::new());
    // 0xF0..=0xFF: control bytes (silence of N*500 ms, or the port gone).
    let mut cur = Vec::new();
    for &b in data {
        if b >= 0xF0 {
            if !cur.is_empty() {
                m.preload(Chunk::Bytes(std::mem::take(&mut cur)));
            }
            m.preload(if b == 0xFF {
                Chunk::Gone
            } else {
                Chunk::Silence(u64::from(b - 0xEF) * 500)
            });
        } else {
            cur.push(b);
        }
    }
    if !cur.is_empty() {
        m.preload(Chunk::Bytes(cur));
    }
    let plan = Plan {
        apn: Some("internet".into()),
        number: "*99***1#".into(),
        dial_ms: 30_000,
        reg_ms: 20_000,
    };
    let o = dial(&mut m, &clock, plan);
    assert!(matches!(o.exit_code(), 0 | 20..=24), "{o:?}");
});
