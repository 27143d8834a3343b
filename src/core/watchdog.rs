//! The watchdog, pure: after each reading of a modem it decides whether the
//! modem needs a reset, and which one. The daemon carries the reset out.
//!
//! - A modem that stops answering while plugged (AT dead: `SILENT_READINGS`
//!   readings in a row got no answer at all) gets a **USB reset** (usbfs), the
//!   only thing that reaches a hung firmware.
//! - A modem that answers and is registered, while its interface fails to come
//!   up again and again (the netifd handler's count of failed setups in a row
//!   reaches `Policy::failures`), gets **`AT+CFUN=1,1`**: a restart of its
//!   firmware, which clears a stuck data session the network still holds.
//!
//! Bounded: at most one reset per modem every `Policy::gap_ms` (10 minutes by
//! default), whatever happens, also when the reset did not help. Never while a
//! PIN may be on its way to the SIM or a setup is running (`busy`): the reset
//! waits for the next reading after that.

/// Readings in a row without a single answer before the modem counts as dead.
pub const SILENT_READINGS: u32 = 3;
/// Default least time between two resets of one modem.
pub const DEFAULT_GAP_MS: u64 = 600_000;
/// Default failed setups in a row (with the modem registered) before `AT+CFUN=1,1`.
pub const DEFAULT_FAILURES: u32 = 3;

/// The configuration (`/etc/config/umodem`, section `daemon`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Least time between two resets of one modem; 0: the watchdog is off.
    pub gap_ms: u64,
    /// Failed setups in a row that call for `AT+CFUN=1,1`.
    pub failures: u32,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            gap_ms: DEFAULT_GAP_MS,
            failures: DEFAULT_FAILURES,
        }
    }
}

/// What to do to a modem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reset {
    /// `AT+CFUN=1,1` on its control port.
    Cfun,
    /// A USB port reset through usbfs (`USBDEVFS_RESET`).
    Usb,
}

impl Reset {
    pub fn name(self) -> &'static str {
        match self {
            Reset::Cfun => "cfun",
            Reset::Usb => "usb",
        }
    }
}

/// What the daemon saw of one modem at the end of a reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seen {
    /// The modem answered at least one command.
    pub answered: bool,
    /// The reading says it is registered (home or roaming).
    pub registered: bool,
    /// Failed setups in a row of its interface (the netifd handler's count).
    pub failures: u32,
    /// A PIN may be on its way or a setup is running: no reset now.
    pub busy: bool,
}

/// One modem's watchdog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watch {
    /// Readings in a row without an answer.
    silent: u32,
    /// When it was last reset (ms on the daemon's clock).
    pub last_reset: Option<u64>,
}

impl Watch {
    /// A watch that knows the modem was reset at `at` (kept across restarts of
    /// the daemon, so the bound holds even if the daemon is restarted).
    pub fn reset_at(at: Option<u64>) -> Watch {
        Watch {
            silent: 0,
            last_reset: at,
        }
    }

    /// The modem was (re)plugged: its silence so far counts no more.
    pub fn plugged(&mut self) {
        self.silent = 0;
    }

    /// Readings in a row that got no answer.
    pub fn silent_readings(&self) -> u32 {
        self.silent
    }

    /// Judge the end of a reading at `now`: the reset to do now, if any, and
    /// why. A reset returned is counted as done (the bound starts now).
    pub fn judge(&mut self, p: &Policy, s: &Seen, now: u64) -> Option<(Reset, &'static str)> {
        self.silent = if s.answered {
            0
        } else {
            self.silent.saturating_add(1)
        };
        if p.gap_ms == 0 {
            return None;
        }
        let want = if !s.answered && self.silent >= SILENT_READINGS {
            (Reset::Usb, "it stopped answering")
        } else if s.answered && s.registered && p.failures > 0 && s.failures >= p.failures {
            (
                Reset::Cfun,
                "its interface keeps failing while it is registered",
            )
        } else {
            return None;
        };
        if s.busy {
            log::info!(
                "watchdog: a reset is due ({}), but a PIN or a setup is in progress: later",
                want.1
            );
            return None;
        }
        if self
            .last_reset
            .is_some_and(|t| now.saturating_sub(t) < p.gap_ms)
        {
            log::debug!(
                "watchdog: a reset is due ({}), but the last one was less than {} s ago",
                want.1,
                p.gap_ms / 1000
            );
            return None;
        }
        self.last_reset = Some(now);
        self.silent = 0;
        Some(want)
    }
}
