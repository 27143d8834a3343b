//! PIN safety on a scripted modem: a wrong PIN costs exactly one attempt and
//! is never sent again; with fewer than 2 attempts (or unknown) nothing is sent.

use umodem::core::engine::Engine;
use umodem::core::pin::{key, unlock, MemStore, Memo, PinStore, Unlocked};
use umodem::core::reader;
use umodem::error::code;
use umodem::hw::clock::FakeClock;
use umodem::hw::fake::{bytes, turn, Chunk, FakeModem, Turn};
use umodem::hw::state::FileStore;

const ICCID: &str = "89460200001234567890";

fn cpin(state: &str) -> Turn {
    turn(
        "AT+CPIN?\r",
        &[bytes(&format!("\r\n+CPIN: {state}\r\n\r\nOK\r\n"))],
    )
}
fn hw_cpin(state: &str, pin: u8) -> Turn {
    turn(
        "AT^CPIN?\r",
        &[bytes(&format!(
            "\r\n^CPIN: {state},{pin},10,{pin},10,3\r\n\r\nOK\r\n"
        ))],
    )
}

/// A SIM that wants its PIN, `left` attempts to go.
fn locked(left: u8) -> Vec<Turn> {
    vec![cpin("SIM PIN"), hw_cpin("SIM PIN", left)]
}

/// A SIM that wants its PIN, `left` attempts to go, and takes `pin`.
fn unlocks(pin: &str, left: u8) -> Vec<Turn> {
    let mut v = locked(left);
    v.push(turn(
        &format!("AT+CPIN=\"{pin}\"\r"),
        &[bytes("\r\nOK\r\n")],
    ));
    v
}

fn pin_sent(m: &FakeModem) -> usize {
    m.written
        .iter()
        .filter(|w| w.starts_with(b"AT+CPIN="))
        .count()
}

/// What prepare does: read the SIM (state, attempts), then `unlock`.
fn sim_then_unlock(
    e: &mut Engine,
    pin: Option<&str>,
    store: &mut dyn PinStore,
) -> umodem::Result<Unlocked> {
    let mut sim = reader::read(e, reader::SIM, true);
    sim.iccid = Some(ICCID.into());
    match &sim.stopped {
        Some(f) => Err(f.error()),
        None => unlock(e, &sim, pin, store, true),
    }
}

/// Run `unlock` on a script; return the exit code (0 ok) and the modem.
fn go(turns: Vec<Turn>, pin: Option<&str>, store: &mut dyn PinStore) -> (u8, FakeModem) {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(clock.clone(), turns);
    let r = {
        let mut e = Engine::new(&mut m, &clock);
        sim_then_unlock(&mut e, pin, store)
    };
    assert!(
        m.unexpected.is_empty(),
        "unexpected writes: {:?}",
        m.unexpected
    );
    (r.map_or_else(|e| e.exit_code(), |_| 0), m)
}

#[test]
fn ready_sim_needs_nothing() {
    let mut s = MemStore::default();
    let (c, m) = go(
        vec![cpin("READY"), hw_cpin("READY", 3)],
        Some("1234"),
        &mut s,
    );
    assert_eq!(c, 0);
    assert_eq!(pin_sent(&m), 0);
}

#[test]
fn right_pin_is_sent_once_and_accepted() {
    let mut s = MemStore::default();
    let clock = FakeClock::new();
    let mut m = FakeModem::new(clock.clone(), unlocks("8328", 3));
    let mut e = Engine::new(&mut m, &clock);
    assert_eq!(
        sim_then_unlock(&mut e, Some("8328"), &mut s),
        Ok(Unlocked::PinAccepted)
    );
    drop(e);
    assert_eq!(m.left(), 0);
    assert!(s.entries.is_empty(), "nothing remembered after success");
}

#[test]
fn wrong_pin_costs_one_attempt_and_is_never_sent_again() {
    let mut s = MemStore::default();
    let (c, m) = go(
        vec![
            cpin("SIM PIN"),
            hw_cpin("SIM PIN", 3),
            turn("AT+CPIN=\"1111\"\r", &[bytes("\r\n+CME ERROR: 16\r\n")]),
            cpin("SIM PIN"),
            hw_cpin("SIM PIN", 2),
        ],
        Some("1111"),
        &mut s,
    );
    assert_eq!(c, code::PIN_FAILED);
    assert_eq!(pin_sent(&m), 1);
    assert_eq!(s.get(&key(Some(ICCID), "1111")), Some(Memo::Rejected));
    // Next run (2 attempts left, still >= 2): the same PIN is refused unsent.
    let (c, m) = go(locked(2), Some("1111"), &mut s);
    assert_eq!(c, code::PIN_FAILED);
    assert_eq!(pin_sent(&m), 0);
    // A new PIN in the config is a new key: it may be tried.
    let (c, m) = go(unlocks("8328", 2), Some("8328"), &mut s);
    assert_eq!((c, pin_sent(&m)), (0, 1));
}

#[test]
fn one_attempt_left_sends_nothing() {
    let mut s = MemStore::default();
    let (c, m) = go(locked(1), Some("8328"), &mut s);
    assert_eq!(c, code::PIN_ATTEMPTS_LOW);
    assert_eq!(pin_sent(&m), 0);
}

#[test]
fn unknown_attempts_send_nothing() {
    let mut s = MemStore::default();
    let (c, m) = go(
        vec![
            cpin("SIM PIN"),
            turn("AT^CPIN?\r", &[bytes("\r\nCOMMAND NOT SUPPORT\r\n")]),
            turn("AT+CPINR=\"SIM PIN\"\r", &[bytes("\r\nERROR\r\n")]),
            turn("AT+CPINR\r", &[bytes("\r\nERROR\r\n")]),
        ],
        Some("8328"),
        &mut s,
    );
    assert_eq!(c, code::PIN_ATTEMPTS_LOW);
    assert_eq!(pin_sent(&m), 0);
}

#[test]
fn cpinr_is_used_when_huawei_cpin_is_missing() {
    let mut s = MemStore::default();
    let (c, m) = go(
        vec![
            cpin("SIM PIN"),
            turn("AT^CPIN?\r", &[bytes("\r\nERROR\r\n")]),
            turn(
                "AT+CPINR=\"SIM PIN\"\r",
                &[bytes("\r\n+CPINR: SIM PIN,3,3\r\n\r\nOK\r\n")],
            ),
            turn("AT+CPIN=\"8328\"\r", &[bytes("\r\nOK\r\n")]),
        ],
        Some("8328"),
        &mut s,
    );
    assert_eq!((c, pin_sent(&m)), (0, 1));
}

#[test]
fn distinct_errors_for_puk_no_sim_busy_and_no_pin() {
    let mut s = MemStore::default();
    let (c, _) = go(
        vec![cpin("SIM PUK"), hw_cpin("SIM PUK", 0)],
        Some("8328"),
        &mut s,
    );
    assert_eq!(c, code::PUK_REQUIRED);
    let (c, _) = go(
        vec![turn("AT+CPIN?\r", &[bytes("\r\n+CME ERROR: 10\r\n")])],
        Some("8328"),
        &mut s,
    );
    assert_eq!(c, code::NO_SIM);
    let (c, _) = go(
        vec![
            turn("AT+CPIN?\r", &[bytes("\r\n+CME ERROR: 14\r\n")]),
            turn("AT^CPIN?\r", &[bytes("\r\n+CME ERROR: 14\r\n")]),
            turn("AT+CPINR=\"SIM PIN\"\r", &[bytes("\r\n+CME ERROR: 14\r\n")]),
            turn("AT+CPINR\r", &[bytes("\r\n+CME ERROR: 14\r\n")]),
        ],
        Some("8328"),
        &mut s,
    );
    assert_eq!(c, code::SIM_BUSY);
    let (c, m) = go(locked(3), None, &mut s);
    assert_eq!((c, pin_sent(&m)), (code::PIN_REQUIRED, 0));
    let (c, _) = go(
        vec![turn("AT+CPIN?\r", &[Chunk::Silence(10_000)])],
        Some("8328"),
        &mut s,
    );
    assert_eq!(c, code::MODEM_ERROR);
    let (c, _) = go(
        vec![turn("AT+CPIN?\r", &[Chunk::Gone])],
        Some("8328"),
        &mut s,
    );
    assert_eq!(c, code::NO_DEVICE);
}

#[test]
fn malformed_pin_is_not_sent() {
    let mut s = MemStore::default();
    for bad in ["12", "12a4", "123456789", "1234\"\r"] {
        let (c, m) = go(locked(3), Some(bad), &mut s);
        assert_eq!((c, pin_sent(&m)), (code::PIN_FAILED, 0), "{bad:?}");
    }
}

#[test]
fn no_record_no_pin() {
    // If the attempt cannot be recorded first, the PIN is not sent.
    let mut s = MemStore {
        read_only: true,
        ..Default::default()
    };
    let (c, m) = go(locked(3), Some("8328"), &mut s);
    assert_eq!(c, code::MODEM_ERROR);
    assert_eq!(pin_sent(&m), 0);
}

#[test]
fn lost_answer_is_settled_by_the_attempt_count() {
    // Run 1: PIN sent, then the modem vanishes before answering.
    let mut s = MemStore::default();
    let (c, m) = go(
        vec![
            cpin("SIM PIN"),
            hw_cpin("SIM PIN", 3),
            turn("AT+CPIN=\"1111\"\r", &[Chunk::Gone]),
        ],
        Some("1111"),
        &mut s,
    );
    assert_eq!((c, pin_sent(&m)), (code::NO_DEVICE, 1));
    assert_eq!(s.get(&key(Some(ICCID), "1111")), Some(Memo::Pending(3)));
    // Run 2: attempts fell to 2, so it was rejected: not sent again.
    let (c, m) = go(locked(2), Some("1111"), &mut s);
    assert_eq!((c, pin_sent(&m)), (code::PIN_FAILED, 0));
    assert_eq!(s.get(&key(Some(ICCID), "1111")), Some(Memo::Rejected));

    // Same start, but the count did not fall: it never reached the SIM.
    let mut s = MemStore::default();
    s.put(&key(Some(ICCID), "8328"), Some(Memo::Pending(3)))
        .unwrap();
    let (c, m) = go(unlocks("8328", 3), Some("8328"), &mut s);
    assert_eq!((c, pin_sent(&m)), (0, 1));
}

#[test]
fn rejection_survives_a_restart_on_disk_without_the_pin() {
    let dir = std::env::temp_dir().join(format!("umodem-pin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let mut s = FileStore::open(&dir).unwrap();
        let (c, _) = go(
            vec![
                cpin("SIM PIN"),
                hw_cpin("SIM PIN", 3),
                turn(
                    "AT+CPIN=\"4711\"\r",
                    &[bytes("\r\n+CME ERROR: incorrect password\r\n")],
                ),
                cpin("SIM PIN"),
                hw_cpin("SIM PIN", 2),
            ],
            Some("4711"),
            &mut s,
        );
        assert_eq!(c, code::PIN_FAILED);
    }
    let text = std::fs::read_to_string(dir.join("pin-state")).unwrap();
    assert!(!text.contains("4711"), "{text}");
    assert!(text.contains(" rejected"), "{text}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("pin-state"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "pin-state must be private");
    // A new process (new store from disk) refuses to send it.
    let mut s = FileStore::open(&dir).unwrap();
    let (c, m) = go(locked(2), Some("4711"), &mut s);
    assert_eq!((c, pin_sent(&m)), (code::PIN_FAILED, 0));
    // Another SIM with the same PIN is a different key.
    assert_ne!(
        key(Some(ICCID), "4711"),
        key(Some("89460200009999999999"), "4711")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_second_run_at_the_same_time_sends_no_pin() {
    let dir = std::env::temp_dir().join(format!("umodem-pin-lock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = FileStore::open(&dir).unwrap();
    // While the first run holds the record, a second one may not send.
    let mut second = FileStore::open_wait(&dir, 0).unwrap();
    let (c, m) = go(locked(3), Some("8328"), &mut second);
    assert_eq!((c, pin_sent(&m)), (code::MODEM_ERROR, 0));
    drop(second);
    drop(first);
    // Once it is done, the next run may.
    let mut third = FileStore::open_wait(&dir, 0).unwrap();
    let (c, m) = go(unlocks("8328", 3), Some("8328"), &mut third);
    assert_eq!((c, pin_sent(&m)), (0, 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_record_file_keeps_one_entry_per_key_and_the_newest_32() {
    let dir = std::env::temp_dir().join(format!("umodem-pin-bound-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // 40 keys, and the first one twice (a later line wins).
    let k = |i: u32| format!("{i:016x}");
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("{} rejected\n", k(i)));
    }
    text.push_str(&format!("{} pending 3\n", k(39)));
    std::fs::write(dir.join("pin-state"), &text).unwrap();
    let mut s = FileStore::open(&dir).unwrap();
    assert_eq!(s.get(&k(39)), Some(Memo::Pending(3)));
    assert_eq!(s.get(&k(0)), None, "the oldest went first");
    assert_eq!(s.get(&k(8)), Some(Memo::Rejected));
    s.put(&k(100), Some(Memo::Rejected)).unwrap();
    s.put(&k(39), None).unwrap();
    let text = std::fs::read_to_string(dir.join("pin-state")).unwrap();
    assert_eq!(text.lines().count(), 31, "{text}");
    assert!(!text.contains(&k(8)), "{text}");
    assert!(text.contains(&format!("{} rejected", k(100))), "{text}");
    assert!(!text.contains(&k(39)), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
