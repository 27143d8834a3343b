//! The AT engine: send one command, read until its final result or its
//! timeout, hand unsolicited codes to a listener on the way.
//!
//! Transport and clock are seams (`AtTransport`, `Clock`), so tests run it on
//! a scripted fake with fake time. Buffers are bounded; a URC storm or a
//! stream of garbage cannot extend a command past its deadline.

use crate::core::at::{Exchange, Lines, Response, Step};
use crate::hw::clock::Clock;
use crate::hw::serial::AtTransport;

/// Why a command got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtError {
    /// No final result before the deadline.
    Timeout,
    /// The port failed (unplugged, closed).
    Gone(String),
}

impl AtError {
    pub fn describe(&self) -> String {
        match self {
            AtError::Timeout => "no answer from the modem".into(),
            AtError::Gone(e) => format!("modem port failed: {e}"),
        }
    }
}

pub type Listener<'a> = Box<dyn FnMut(&str) + 'a>;

pub struct Engine<'a> {
    port: &'a mut dyn AtTransport,
    clock: &'a dyn Clock,
    lines: Lines,
    listener: Option<Listener<'a>>,
    /// The last command timed out: its late answer may still come.
    stale: bool,
    /// Time to wait for a command's answer unless told otherwise.
    pub timeout_ms: u64,
}

const CHUNK: usize = 256;
const MAX_DRAIN_READS: usize = 64;
/// How long to listen for a late answer after a timeout.
const STALE_MS: u64 = 300;

impl<'a> Engine<'a> {
    pub fn new(port: &'a mut dyn AtTransport, clock: &'a dyn Clock) -> Engine<'a> {
        Engine {
            port,
            clock,
            lines: Lines::new(),
            listener: None,
            stale: false,
            timeout_ms: 3000,
        }
    }

    /// Who gets unsolicited result codes (default: a debug log line each).
    pub fn on_urc(&mut self, f: impl FnMut(&str) + 'a) {
        self.listener = Some(Box::new(f));
    }

    fn urc(&mut self, line: &str) {
        match &mut self.listener {
            Some(f) => f(line),
            None => log::debug!("urc {line}"),
        }
    }

    /// Read whatever is already waiting (URCs, leftovers of an earlier
    /// command) and hand complete lines to the listener, for up to `ms`.
    pub fn drain(&mut self, ms: u64) -> Result<(), AtError> {
        let end = self.clock.now_ms().saturating_add(ms);
        let mut buf = [0u8; CHUNK];
        // Bounded even if the modem never stops talking.
        for _ in 0..MAX_DRAIN_READS {
            let left = end.saturating_sub(self.clock.now_ms());
            let n = self
                .port
                .read(&mut buf, left)
                .map_err(|e| AtError::Gone(e.to_string()))?;
            self.lines.push(buf.get(..n).unwrap_or(&[]));
            while let Some(l) = self.lines.next_line() {
                self.urc(&l);
            }
            if n == 0 || (ms > 0 && self.clock.now_ms() >= end) {
                break;
            }
        }
        Ok(())
    }

    /// Send `cmd` (without CR) and wait up to `timeout_ms` for its final result.
    pub fn command_timeout(&mut self, cmd: &str, timeout_ms: u64) -> Result<Response, AtError> {
        self.run(cmd, timeout_ms, false)
    }

    pub fn command(&mut self, cmd: &str) -> Result<Response, AtError> {
        self.run(cmd, self.timeout_ms, false)
    }

    /// Like `command`, but the command carries a secret: it never reaches a log.
    pub fn command_secret(&mut self, cmd: &str, timeout_ms: u64) -> Result<Response, AtError> {
        self.run(cmd, timeout_ms, true)
    }

    fn run(&mut self, cmd: &str, timeout_ms: u64, secret: bool) -> Result<Response, AtError> {
        // Stale lines (URCs that came while idle, the late answer of a command
        // that timed out) must not pass as this command's answer.
        self.drain(if self.stale { STALE_MS } else { 0 })?;
        self.stale = false;
        // Whatever partial line is left belongs to no one now.
        self.lines.clear();
        let shown = if secret {
            let name = cmd.split('=').next().unwrap_or("AT");
            format!("{name}=<hidden>")
        } else {
            cmd.to_string()
        };
        log::debug!("at > {shown}");
        let mut wire = cmd.as_bytes().to_vec();
        wire.push(b'\r');
        self.port
            .write_all(&wire)
            .map_err(|e| AtError::Gone(e.to_string()))?;
        let mut ex = Exchange::new(cmd);
        let deadline = self.clock.now_ms().saturating_add(timeout_ms);
        let mut buf = [0u8; CHUNK];
        loop {
            let now = self.clock.now_ms();
            if now >= deadline {
                log::debug!("at < timeout after {timeout_ms} ms ({shown})");
                self.stale = true;
                return Err(AtError::Timeout);
            }
            let n = self
                .port
                .read(&mut buf, deadline - now)
                .map_err(|e| AtError::Gone(e.to_string()))?;
            self.lines.push(buf.get(..n).unwrap_or(&[]));
            while let Some(l) = self.lines.next_line() {
                match ex.on_line(&l) {
                    Step::More => {}
                    Step::Urc(u) => self.urc(&u),
                    Step::Done(r) => {
                        if secret {
                            log::debug!("at < {}", r.result.describe());
                        } else {
                            log::debug!("at < {} ({} lines)", r.result.describe(), r.lines.len());
                        }
                        return Ok(r);
                    }
                }
            }
        }
    }
}
