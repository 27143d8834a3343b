//! SIM state and PIN entry, with the SIM's safety first.
//!
//! Rules: never send a PIN without knowing the attempts left; never when
//! fewer than 2 are left; never a PIN the SIM has rejected before. Rejections
//! are remembered in a `PinStore` (a file that survives reboots), keyed to a
//! hash of (ICCID, PIN) so a new SIM or a new configured PIN starts afresh.
//! Before a PIN goes out, a "pending" record with the attempts left is
//! written; if we die before the answer, the next run compares attempts and
//! learns whether the PIN was taken, rejected, or never reached the SIM.

use crate::core::at::{parse_cpin, parse_cpinr, parse_hw_cpin, Attempts, Final, SimState};
use crate::core::engine::{AtError, Engine};
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
    for b in b"umodem-pin\0"
        .iter()
        .chain(sim.as_bytes())
        .chain(b"\0")
        .chain(pin.as_bytes())
    {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A PIN must be 4 to 8 digits; anything else would only waste an attempt.
pub fn valid_pin(pin: &str) -> bool {
    (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

fn modem_err(e: AtError) -> Error {
    match e {
        AtError::Timeout => Error::with_code(
            code::MODEM_ERROR,
            "the modem did not answer: replug it or check the control port",
        ),
        AtError::Gone(m) => Error::with_code(
            code::NO_DEVICE,
            format!("modem port failed ({m}): is the modem still plugged in?"),
        ),
    }
}

/// The SIM's state as `AT+CPIN?` tells it, errors mapped to exit codes.
pub fn sim_state(e: &mut Engine) -> Result<SimState> {
    let r = e.command_timeout("AT+CPIN?", 5000).map_err(modem_err)?;
    match r.result {
        Final::Ok => r.fields("+CPIN:").find_map(parse_cpin).ok_or_else(|| {
            Error::with_code(code::MODEM_ERROR, "the modem gave an unreadable SIM state")
        }),
        Final::CmeError(10) => Err(Error::with_code(
            code::NO_SIM,
            "no SIM card: insert one (with the modem unplugged)",
        )),
        Final::CmeError(14) => Err(Error::with_code(
            code::SIM_BUSY,
            "the SIM is busy starting up: try again in a few seconds",
        )),
        Final::CmeError(13) | Final::CmeError(15) => Err(Error::with_code(
            code::SIM_BUSY,
            "the SIM failed: reseat it or try another SIM",
        )),
        Final::CmeError(12) => Ok(SimState::Puk),
        Final::CmeError(11) => Ok(SimState::Pin),
        other => Err(Error::with_code(
            code::MODEM_ERROR,
            format!("the modem answered {} to the SIM query", other.describe()),
        )),
    }
}

/// Attempts left, from Huawei `^CPIN?` (if `hw_cpin`) or 27.007 `+CPINR`.
pub fn attempts(e: &mut Engine, hw_cpin: bool) -> Result<Attempts> {
    if hw_cpin {
        let r = e.command_timeout("AT^CPIN?", 5000).map_err(modem_err)?;
        if r.result.is_ok() {
            if let Some(a) = r.fields("^CPIN:").find_map(parse_hw_cpin) {
                return Ok(a);
            }
        }
    }
    let r = e
        .command_timeout("AT+CPINR=\"SIM PIN\"", 5000)
        .map_err(modem_err)?;
    let mut a = parse_cpinr(r.lines.iter().map(String::as_str));
    if a.pin.is_none() {
        let r = e.command_timeout("AT+CPINR", 5000).map_err(modem_err)?;
        a = parse_cpinr(r.lines.iter().map(String::as_str));
    }
    Ok(a)
}

/// Outcome of `unlock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlocked {
    /// Nothing to do.
    AlreadyReady,
    /// We sent the PIN and the SIM took it.
    PinAccepted,
}

/// Make the SIM ready, sending `pin` only when it is safe.
/// `iccid` keys the memory (read it before: EF_ICCID needs no PIN).
pub fn unlock(
    e: &mut Engine,
    pin: Option<&str>,
    iccid: Option<&str>,
    store: &mut dyn PinStore,
    hw_cpin: bool,
) -> Result<Unlocked> {
    let state = sim_state(e)?;
    log::info!("sim state {}", state.name());
    match state {
        SimState::Ready | SimState::Pin2 | SimState::Puk2 => return Ok(Unlocked::AlreadyReady),
        SimState::Puk => return Err(Error::with_code(
            code::PUK_REQUIRED,
            "the SIM is blocked and wants its PUK: unblock it in a phone, then set the PIN again",
        )),
        SimState::Locked => {
            return Err(Error::with_code(
                code::SIM_BUSY,
                "the modem is locked to a network (PH-SIM/PH-NET): it needs an unlock code",
            ))
        }
        SimState::Pin => {}
    }
    let pin =
        match pin.filter(|p| !p.is_empty()) {
            Some(p) => p,
            None => return Err(Error::with_code(
                code::PIN_REQUIRED,
                "the SIM wants a PIN and none is configured: set the PIN option of the interface",
            )),
        };
    if !valid_pin(pin) {
        return Err(Error::with_code(
            code::PIN_FAILED,
            "the configured PIN is not 4 to 8 digits: not sent; fix the PIN option",
        ));
    }
    let k = key(iccid, pin);
    let a = attempts(e, hw_cpin)?;
    let left = a.pin;
    log::info!(
        "sim pin attempts left {}",
        left.map_or("unknown".into(), |n| n.to_string())
    );
    // Settle a PIN sent by an earlier run that never saw the answer.
    if let Some(Memo::Pending(before)) = store.get(&k) {
        match left {
            Some(now) if now < before => {
                log::warn!("sim an earlier run's PIN was rejected (attempts {before} -> {now})");
                store.put(&k, Some(Memo::Rejected))?;
            }
            Some(_) => {
                log::info!("sim an earlier run's PIN never reached the SIM");
                store.put(&k, None)?;
            }
            None => {}
        }
    }
    match store.get(&k) {
        Some(Memo::Rejected) => {
            return Err(Error::with_code(
                code::PIN_FAILED,
                "the SIM rejected this PIN before: not sent again; set the right PIN",
            ))
        }
        Some(Memo::Pending(_)) => {
            // Attempts unknown: we cannot tell what happened. Do not guess.
            return Err(Error::with_code(
                code::PIN_ATTEMPTS_LOW,
                "a PIN sent earlier has no known outcome and the attempts left are unknown: not sent",
            ));
        }
        None => {}
    }
    let left = match left {
        None => {
            return Err(Error::with_code(
                code::PIN_ATTEMPTS_LOW,
                "the modem does not say how many PIN attempts are left: PIN not sent; unlock the SIM in a phone",
            ))
        }
        Some(n) if n < 2 => {
            return Err(Error::with_code(
                code::PIN_ATTEMPTS_LOW,
                format!("only {n} PIN attempt left: PIN not sent; unlock the SIM in a phone"),
            ))
        }
        Some(n) => n,
    };
    // Record the attempt first: if we die after sending, the next run knows.
    store.put(&k, Some(Memo::Pending(left))).map_err(|err| {
        Error::with_code(
            code::MODEM_ERROR,
            format!(
                "cannot record the PIN attempt ({}): PIN not sent",
                err.msg()
            ),
        )
    })?;
    log::info!("sim sending PIN ({left} attempts left)");
    let cmd = format!("AT+CPIN=\"{pin}\"");
    let r = match e.command_secret(&cmd, 15_000) {
        Ok(r) => r,
        // Outcome unknown: the pending record stays and the next run settles it.
        Err(err) => return Err(modem_err(err)),
    };
    match r.result {
        Final::Ok => {
            forget(store, &k, None);
            log::info!("sim PIN accepted");
            Ok(Unlocked::PinAccepted)
        }
        Final::CmeError(12) => {
            forget(store, &k, Some(Memo::Rejected));
            Err(Error::with_code(
                code::PUK_REQUIRED,
                "the SIM rejected the PIN and now wants its PUK: unblock it in a phone",
            ))
        }
        other => {
            // Did it cost an attempt? If the count fell (or cannot be read), it was rejected.
            let now = attempts(e, hw_cpin).ok().and_then(|a| a.pin);
            match now {
                Some(n) if n >= left => {
                    forget(store, &k, None);
                    Err(Error::with_code(
                        code::MODEM_ERROR,
                        format!(
                            "the modem answered {} to the PIN without using an attempt",
                            other.describe()
                        ),
                    ))
                }
                _ => {
                    forget(store, &k, Some(Memo::Rejected));
                    log::warn!("sim PIN rejected");
                    Err(Error::with_code(
                        code::PIN_FAILED,
                        "the SIM rejected the PIN: it will not be sent again; set the right PIN",
                    ))
                }
            }
        }
    }
}

/// Record an outcome, best effort: if it fails, the pending record stays and
/// the next run settles it by the attempts count.
fn forget(store: &mut dyn PinStore, k: &str, m: Option<Memo>) {
    if let Err(e) = store.put(k, m) {
        log::warn!("sim cannot update the PIN record: {}", e.msg());
    }
}
