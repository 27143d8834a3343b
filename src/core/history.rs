//! The signal history LuCI's status page draws: one sample per poll of a
//! modem, for the last hour, in a bounded ring. Pure: the caller passes the
//! time (ms, monotonic).
//!
//! A sample is the signal in dBm, or none when the poll read no signal (the
//! modem did not answer, or said "unknown"): the graph shows a gap there.
//! Polls closer together than a slot (`span / capacity`) share one sample,
//! the latest, so a short poll interval cannot grow the ring: at most
//! `capacity` samples, whatever the interval.

/// What the daemon keeps per modem: an hour, one sample per 10 s at most.
pub const SPAN_MS: u64 = 3_600_000;
pub const CAPACITY: usize = 360;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// (time in ms, dBm), oldest first.
    samples: Vec<(u64, Option<i16>)>,
    span_ms: u64,
    capacity: usize,
    /// span / capacity: one sample per slot at most.
    slot_ms: u64,
}

impl Default for History {
    fn default() -> History {
        History::new(SPAN_MS, CAPACITY)
    }
}

impl History {
    /// A ring covering `span_ms` with at most `capacity` samples (at least 1).
    pub fn new(span_ms: u64, capacity: usize) -> History {
        History {
            samples: Vec::new(),
            span_ms,
            capacity: capacity.max(1),
            slot_ms: span_ms / capacity.max(1) as u64,
        }
    }

    /// Record the signal read at `now` (None: no reading). A time earlier
    /// than the last sample (a clock that went back) starts the ring afresh.
    pub fn push(&mut self, now: u64, dbm: Option<i32>) {
        let dbm = dbm.and_then(|d| i16::try_from(d).ok());
        let slot = self.slot_ms;
        match self.samples.last_mut() {
            Some(last) if now < last.0 => self.samples.clear(),
            Some(last) if now - last.0 < slot => {
                *last = (now, dbm);
                return;
            }
            _ => {}
        }
        self.samples.push((now, dbm));
        self.expire(now);
    }

    /// Drop the samples older than the span, and the oldest beyond capacity.
    pub fn expire(&mut self, now: u64) {
        let n = self.samples.len();
        let mut old = n.saturating_sub(self.capacity);
        while self
            .samples
            .get(old)
            .is_some_and(|s| now.saturating_sub(s.0) > self.span_ms)
        {
            old += 1;
        }
        if old > 0 {
            self.samples.copy_within(old.., 0);
            self.samples.truncate(n - old);
        }
    }

    pub fn samples(&self, now: u64) -> impl Iterator<Item = (u64, Option<i32>)> + '_ {
        self.samples
            .iter()
            .filter(move |s| s.0 <= now && now - s.0 <= self.span_ms)
            .map(move |s| ((now - s.0) / 1000, s.1.map(i32::from)))
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}
