//! The SIM: PIN and PUK with their counters (3 PIN tries, 10 PUK tries), presence and
//! the short "busy" phase after power-on. Pure state, time passed in.

/// What the SIM currently asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// Unlocked (or PIN disabled).
    Ready,
    /// Wants the PIN.
    Pin,
    /// Three wrong PINs: wants the PUK and a new PIN.
    Puk,
    /// Ten wrong PUKs: the SIM is dead.
    Blocked,
}

/// Outcome of a PIN or PUK entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    Accepted,
    /// Wrong code: one try spent.
    Rejected,
    /// Nothing was asked for (SIM already ready): operation not allowed.
    NotAsked,
    /// A PIN was sent while the PUK is required.
    PukRequired,
    /// No SIM, SIM busy or SIM blocked: given as the +CME error the modem reports.
    Unavailable(u16),
    /// Malformed code (not 4..8 digits): plain ERROR, no try spent.
    Malformed,
}

pub const PIN_TRIES: u8 = 3;
pub const PUK_TRIES: u8 = 10;

#[derive(Clone, Debug)]
pub struct Sim {
    pub present: bool,
    pub lock: Lock,
    pub pin: String,
    pub puk: String,
    pub pin_left: u8,
    pub puk_left: u8,
    /// The SIM answers +CME ERROR: 14 (SIM busy) until this time (ms on the model clock).
    pub busy_until: u64,
    /// PIN protection enabled (AT+CLCK="SC"): if off, the SIM starts Ready.
    pub pin_enabled: bool,
}

fn valid_code(s: &str) -> bool {
    (4..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

impl Sim {
    pub fn new(pin: &str, puk: &str, present: bool, pin_enabled: bool) -> Sim {
        Sim {
            present,
            lock: if pin_enabled { Lock::Pin } else { Lock::Ready },
            pin: pin.to_string(),
            puk: puk.to_string(),
            pin_left: PIN_TRIES,
            puk_left: PUK_TRIES,
            busy_until: 0,
            pin_enabled,
        }
    }

    pub fn busy(&self, now: u64) -> bool {
        self.present && now < self.busy_until
    }

    /// The +CME error code a SIM-dependent command gets now, or None if the SIM is usable
    /// (Ready). 10 not inserted, 14 busy, 11 PIN required, 12 PUK required, 13 failure.
    pub fn cme_for_access(&self, now: u64) -> Option<u16> {
        if !self.present {
            return Some(10);
        }
        if self.busy(now) {
            return Some(14);
        }
        match self.lock {
            Lock::Ready => None,
            Lock::Pin => Some(11),
            Lock::Puk => Some(12),
            Lock::Blocked => Some(13),
        }
    }

    /// Error for commands that need a SIM present and answering, PIN or not.
    pub fn cme_for_presence(&self, now: u64) -> Option<u16> {
        if !self.present {
            Some(10)
        } else if self.busy(now) {
            Some(14)
        } else if self.lock == Lock::Blocked {
            Some(13)
        } else {
            None
        }
    }

    /// AT+CPIN="pin" or AT+CPIN="puk","newpin".
    pub fn enter(&mut self, code: &str, newpin: Option<&str>, now: u64) -> Entry {
        if let Some(e) = self.cme_for_presence(now) {
            return Entry::Unavailable(e);
        }
        if !valid_code(code) || newpin.is_some_and(|n| !valid_code(n)) {
            return Entry::Malformed;
        }
        match self.lock {
            Lock::Ready => Entry::NotAsked,
            Lock::Blocked => Entry::Unavailable(13),
            Lock::Pin => {
                if newpin.is_some() {
                    // Huawei docs: the two-argument form is for the PUK; with a PIN
                    // request it is checked as the PIN (new PIN ignored) on many
                    // firmwares. We treat it as a PIN entry.
                }
                if code == self.pin {
                    self.lock = Lock::Ready;
                    self.pin_left = PIN_TRIES;
                    Entry::Accepted
                } else {
                    self.pin_left = self.pin_left.saturating_sub(1);
                    if self.pin_left == 0 {
                        self.lock = Lock::Puk;
                    }
                    Entry::Rejected
                }
            }
            Lock::Puk => {
                let newpin = match newpin {
                    Some(n) => n,
                    None => return Entry::PukRequired,
                };
                if code == self.puk {
                    self.lock = Lock::Ready;
                    self.pin = newpin.to_string();
                    self.pin_left = PIN_TRIES;
                    self.puk_left = PUK_TRIES;
                    Entry::Accepted
                } else {
                    self.puk_left = self.puk_left.saturating_sub(1);
                    if self.puk_left == 0 {
                        self.lock = Lock::Blocked;
                    }
                    Entry::Rejected
                }
            }
        }
    }

    /// Force a lock state (control channel), keeping the counters consistent.
    pub fn force(&mut self, lock: Lock) {
        self.present = true;
        self.lock = lock;
        match lock {
            Lock::Ready | Lock::Pin => {
                if self.pin_left == 0 {
                    self.pin_left = PIN_TRIES;
                }
            }
            Lock::Puk => {
                self.pin_left = 0;
                if self.puk_left == 0 {
                    self.puk_left = PUK_TRIES;
                }
            }
            Lock::Blocked => {
                self.pin_left = 0;
                self.puk_left = 0;
            }
        }
    }
}
