//! Clocks for the `core::engine::Clock` seam: the real monotonic one, and a
//! `FakeClock` that tests move by hand.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use crate::core::engine::Clock;

/// The real monotonic clock.
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock {
            start: Instant::now(),
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
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
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
