//! SIM state and PIN entry, with the SIM's safety first.
//!
//! Rules: never send a PIN without knowing the attempts left; never when
//! fewer than 2 are left; never a PIN the SIM has rejected before. Rejections
//! are remembered in a `PinStore` (a file that survives reboots), keyed to a
//! hash of (ICCID, PIN) so a new SIM or a new configured PIN starts afresh.
//! Before a PIN goes out, a "pending" record with the attempts left is
//! written; if we die before the answer, the next run compares attempts and
//! learns whether the PIN was taken, rejected, or never reached the SIM.

use crate::core::at::{cat, Final, SimState};
use crate::core::engine::Engine;
use crate::core::reader::{self, Fault, Reading};
use crate::error::{code, Error, Result};

/// What we remember about one (SIM, PIN) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memo {
    /// Sent with this many attempts left; answer not seen yet.
    Pending(u8),
    /// The SIM said no.
    Rejected,
}

/// Where PIN outcomes are kept. `put(key, None)` forgets the key.
pub trait PinStore {
    fn get(&self, key: &str) -> Option<Memo>;
    fn put(&mut self, key: &str, memo: Option<Memo>) -> Result<()>;
}

/// In-memory store for tests.
#[derive(Debug, Default)]
pub struct MemStore {
    pub entries: Vec<(String, Memo)>,
    /// Make every `put` fail (to test that we refuse to send then).
    pub read_only: bool,
}

impl PinStore for MemStore {
    fn get(&self, key: &str) -> Option<Memo> {
        self.entries.iter().find(|(k, _)| k == key).map(|&(_, m)| m)
    }
    fn put(&mut self, key: &str, memo: Option<Memo>) -> Result<()> {
        if self.read_only {
            return Err(Error::new("store is read-only"));
        }
        self.entries.retain(|(k, _)| k != key);
        if let Some(m) = memo {
            self.entries.push((key.to_string(), m));
        }
        Ok(())
    }
}

/// Stable 64-bit FNV-1a, hex. Stable across builds (std's hasher is not),
/// so a rejection stays remembered after an upgrade. Not a secret-keeping
/// hash: a 4-digit PIN can be found from it by trying all 10000, so the
/// store file must stay root-only. It keeps the PIN out of plain sight.
pub fn key(iccid: Option<&str>, pin: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let sim = iccid.unwrap_or("unknown-sim");
    for part in [b"umodem-pin\0", sim.as_bytes(), b"\0", pin.as_bytes()] {
        for b in part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    crate::core::modeswitch::hex(&h.to_be_bytes())
}

/// A PIN must be 4 to 8 digits; anything else would only waste an attempt.
pub fn valid_pin(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// How long the SIM may take to check a PIN.
const PIN_MS: u64 = 5000;

/// Outcome of `unlock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlocked {
    /// Nothing to do.
    AlreadyReady,
    /// We sent the PIN and the SIM took it.
    PinAccepted,
}

/// Make the SIM ready, sending `pin` only when it is safe. `sim` is a reading
/// of the SIM taken just before (`reader::SIM | reader::ICCID`: state,
/// attempts left, and the ICCID that keys the memory; EF_ICCID needs no PIN).
pub fn unlock(
    e: &mut Engine,
    sim: &Reading,
    pin: Option<&str>,
    store: &mut dyn PinStore,
    hw_cpin: bool,
) -> Result<Unlocked> {
    let Some(state) = sim.sim else {
        return Err(Error::with_code(
            code::MODEM_ERROR,
            "the modem gave no readable SIM state (AT+CPIN?): replug it",
        ));
    };
    log::info!("sim state {}", state.name());
    if let Some(err) = reader::sim_error(state) {
        return Err(err);
    }
    if state != SimState::Pin {
        return Ok(Unlocked::AlreadyReady);
    }
    let pin = configured(pin)?;
    let k = key(sim.iccid.as_deref(), pin);
    let left = may_send(store, &k, sim.pin_attempts)?;
    // Record the attempt first: if we die after sending, the next run knows.
    store.put(&k, Some(Memo::Pending(left))).map_err(|err| {
        Error::with_code(
            code::MODEM_ERROR,
            cat(&[
                "cannot record the PIN attempt (",
                err.msg(),
                "): PIN not sent",
            ]),
        )
    })?;
    log::info!("sim sending PIN ({left} attempts left)");
    let r = match e.command_secret(&cat(&["AT+CPIN=\"", pin, "\""]), PIN_MS) {
        Ok(r) => r,
        // Outcome unknown: the pending record stays and the next run settles it.
        Err(err) => return Err(Fault::of("AT+CPIN=<hidden>", err).error()),
    };
    judge(e, r.result, store, &k, left, hw_cpin)
}

/// The PIN to send: configured, and of a shape a SIM can take.
fn configured(pin: Option<&str>) -> Result<&str> {
    let Some(pin) = pin.filter(|p| !p.is_empty()) else {
        return Err(Error::with_code(
            code::PIN_REQUIRED,
            "the SIM wants a PIN and none is configured: set the PIN option of the interface",
        ));
    };
    if !valid_pin(pin) {
        return Err(Error::with_code(
            code::PIN_FAILED,
            "the configured PIN is not 4 to 8 digits: not sent; fix the PIN option",
        ));
    }
    Ok(pin)
}

/// May this PIN (record key `k`) go out with `left` attempts left? Settles a
/// PIN an earlier run sent without seeing the answer, refuses a PIN the SIM
/// rejected before, and never spends one of the last two attempts (nor one
/// we cannot count). The attempts left when it may.
fn may_send(store: &mut dyn PinStore, k: &str, left: Option<u8>) -> Result<u8> {
    match left {
        Some(n) => log::info!("sim pin attempts left {n}"),
        None => log::info!("sim pin attempts left unknown"),
    }
    if let (Some(Memo::Pending(before)), Some(now)) = (store.get(k), left) {
        // An earlier run sent this PIN and did not see the answer: the count says.
        let fell = now < before;
        log::warn!(
            "sim an earlier run's PIN {}",
            if fell {
                "was rejected"
            } else {
                "never reached the SIM"
            }
        );
        store.put(k, fell.then_some(Memo::Rejected))?;
    }
    let (c, msg) = match (store.get(k), left) {
        (Some(Memo::Rejected), _) => (
            code::PIN_FAILED,
            "the SIM rejected this PIN before: not sent again; set the right PIN",
        ),
        // Attempts unknown: we cannot tell what happened. Do not guess.
        (Some(Memo::Pending(_)), _) => (
            code::PIN_ATTEMPTS_LOW,
            "a PIN sent earlier has no known outcome and the attempts left are unknown: not sent",
        ),
        (None, None) => (
            code::PIN_ATTEMPTS_LOW,
            "the modem does not say how many PIN attempts are left: PIN not sent; unlock the SIM in a phone",
        ),
        (None, Some(n)) if n < 2 => (
            code::PIN_ATTEMPTS_LOW,
            "only 1 PIN attempt left (or none): PIN not sent; unlock the SIM in a phone",
        ),
        (None, Some(n)) => return Ok(n),
    };
    Err(Error::with_code(c, msg))
}

/// What the SIM's answer to the PIN means; the record updated to match. An
/// answer other than OK or "PUK now" is judged by the attempts count: if it
/// fell (or cannot be read), the PIN was rejected.
fn judge(
    e: &mut Engine,
    result: Final,
    store: &mut dyn PinStore,
    k: &str,
    left: u8,
    hw_cpin: bool,
) -> Result<Unlocked> {
    match result {
        Final::Ok => {
            forget(store, k, None);
            log::info!("sim PIN accepted");
            return Ok(Unlocked::PinAccepted);
        }
        Final::CmeError(12) => {
            forget(store, k, Some(Memo::Rejected));
            return Err(Error::with_code(
                code::PUK_REQUIRED,
                "the SIM rejected the PIN and now wants its PUK: unblock it in a phone",
            ));
        }
        _ => {}
    }
    let now = reader::read(e, reader::SIM, hw_cpin).pin_attempts;
    if now.is_some_and(|n| n >= left) {
        forget(store, k, None);
        return Err(Error::with_code(
            code::MODEM_ERROR,
            cat(&[
                "the modem answered ",
                &result.describe(),
                " to the PIN without using an attempt",
            ]),
        ));
    }
    forget(store, k, Some(Memo::Rejected));
    log::warn!("sim PIN rejected");
    Err(Error::with_code(
        code::PIN_FAILED,
        "the SIM rejected the PIN: it will not be sent again; set the right PIN",
    ))
}

/// Record an outcome, best effort: if it fails, the pending record stays and
/// the next run settles it by the attempts count.
fn forget(store: &mut dyn PinStore, k: &str, m: Option<Memo>) {
    if let Err(e) = store.put(k, m) {
        log::warn!("sim cannot update the PIN record: {}", e.msg());
    }
}
