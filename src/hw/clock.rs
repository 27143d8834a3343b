//! Clocks for the `core::engine::Clock` seam: the real monotonic one, and a
//! `FakeClock` that tests move by hand.

use std::cell::Cell;
use std::rc::Rc;

use crate::core::engine::Clock;

/// The real monotonic clock, from 0 when made.
pub struct SystemClock {
    start: u64,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock {
            start: BootClock.now_ms(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        BootClock.now_ms().saturating_sub(self.start)
    }
}

/// The system's monotonic clock in ms since boot: the same time in every
/// process, so what one daemon wrote (the watchdog's last reset) means the same
/// to the next one after a restart.
#[derive(Default)]
pub struct BootClock;

impl Clock for BootClock {
    fn now_ms(&self) -> u64 {
        // SAFETY: timespec is plain data; clock_gettime fills it or fails.
        let mut t: libc::timespec = unsafe { std::mem::zeroed() };
        // SAFETY: &mut t is valid for writes.
        if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) } != 0 {
            return 0;
        }
        let s = u64::try_from(t.tv_sec).unwrap_or(0);
        let ns = u64::try_from(t.tv_nsec).unwrap_or(0);
        s.saturating_mul(1000).saturating_add(ns / 1_000_000)
    }
}

/// A clock that moves only when told (shared: clones see the same time).
#[derive(Clone, Default)]
pub struct FakeClock {
    ms: Rc<Cell<u64>>,
}

impl FakeClock {
    pub fn new() -> FakeClock {
        FakeClock::default()
    }
    pub fn advance(&self, ms: u64) {
        self.ms.set(self.ms.get().saturating_add(ms));
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> u64 {
        self.ms.get()
    }
}
