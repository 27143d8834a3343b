//! The AT engine: send one command, read until its final result or its
//! deadline, hand unsolicited codes to a listener on the way.
//!
//! Two layers. [`Session`] is the engine without I/O: it turns a command into
//! the bytes to write, is fed the bytes that came back and the time, and says
//! when the answer is complete or the deadline has passed. The daemon drives
//! it from its own `poll` loop (the tty beside the ubus socket). [`Engine`]
//! is the blocking driver every command uses: a `Session` on an
//! [`AtTransport`] with a [`Clock`].
//!
//! The seams the engine needs live here with it: `AtTransport` (a tty, a
//! scripted fake) and `Clock` (the real monotonic clock, a fake one).
//! Buffers are bounded; a URC storm or a stream of garbage cannot extend a
//! command past its deadline.

use std::io;

use crate::core::at::{cat, Exchange, Final, Lines, Response, Step};

/// What the AT engine needs from a port. One required read, one required write.
pub trait AtTransport {
    /// Read what is there, waiting at most `timeout_ms` for the first byte.
    /// `Ok(0)` means nothing came in time. An error means the port is gone.
    fn read(&mut self, buf: &mut [u8], timeout_ms: u64) -> io::Result<usize>;
    /// Write all of `data` (may block briefly).
    fn write_all(&mut self, data: &[u8]) -> io::Result<()>;
}

/// Time as a seam: the real monotonic clock (`hw::clock::SystemClock`) or a fake.
pub trait Clock {
    /// Milliseconds since an arbitrary fixed start (monotonic).
    fn now_ms(&self) -> u64;
}

/// Why a command got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtError {
    /// No final result before the deadline.
    Timeout,
    /// The port failed (unplugged, closed): what the system said.
    Gone(String),
}

impl AtError {
    /// The port failed: what the system said.
    pub fn gone(e: io::Error) -> AtError {
        AtError::Gone(e.to_string())
    }

    pub fn describe(&self) -> String {
        match self {
            AtError::Timeout => "no answer from the modem".into(),
            AtError::Gone(e) => cat(&["modem port failed: ", e]),
        }
    }
}

/// What the driver of a conversation does next (a reading's commands, and in
/// umodem-full an SMS/USSD job's steps: `core::smsjob`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Do {
    /// Send this command and wait up to `ms` for its answer. A `secret` one
    /// never reaches a log.
    Send { cmd: String, ms: u64, secret: bool },
    /// The `> ` prompt came: send this text (Ctrl-Z ends it), wait `ms`.
    #[cfg(feature = "sms")]
    Text { body: Vec<u8>, ms: u64 },
    /// Abandon text entry (ESC): the prompt's text was not sent.
    #[cfg(feature = "sms")]
    Escape,
    /// Wait up to `ms` for an unsolicited `+CUSD` line; hand it to
    /// `smsjob::Job::urc`, or report the wait over with `take(Err(Timeout))`.
    #[cfg(feature = "sms")]
    Await { ms: u64 },
}

/// `AT+CPIN="1234"` as the log shows it: `AT+CPIN=<hidden>`.
pub fn shown(cmd: &str, secret: bool) -> String {
    let (a, b) = shown_parts(cmd, secret);
    cat(&[a, b])
}

fn shown_parts(cmd: &str, secret: bool) -> (&str, &str) {
    if !secret {
        return (cmd, "");
    }
    let end = cmd.bytes().position(|b| b == b'=').unwrap_or(cmd.len());
    (cmd.get(..end).unwrap_or("AT"), "=<hidden>")
}

/// The default listener of unsolicited codes: a debug log line each.
pub fn log_urc(l: &str) {
    log::debug!("urc {l}");
}

/// One port's conversation, without I/O: at most one command in flight.
#[derive(Debug, Default)]
pub struct Session {
    lines: Lines,
    ex: Option<Exchange>,
    deadline: u64,
    secret: bool,
}

impl Session {
    pub fn new() -> Session {
        Session::default()
    }

    /// Start `cmd` (without CR) at `now`, answer due within `ms`: the bytes to
    /// write. A line begun before it belongs to no one: it is dropped when it
    /// ends. With `secret`, the command never reaches a log.
    pub fn start(&mut self, cmd: &str, ms: u64, now: u64, secret: bool) -> Vec<u8> {
        let (a, b) = shown_parts(cmd, secret);
        log::debug!("at > {a}{b}");
        self.begin(cmd, cmd.as_bytes(), b'\r', ms, now, secret)
    }

    /// The text a `> ` prompt asked for (`AT+CMGS`): `body` and Ctrl-Z go
    /// out, and the command's real answer (`+CMGS: <mr>`, OK) is awaited.
    /// The text is never logged.
    pub fn start_text(&mut self, body: &[u8], ms: u64, now: u64) -> Vec<u8> {
        log::debug!("at > <text, {} bytes>", body.len());
        self.begin("AT+CMGS", body, 0x1A, ms, now, true)
    }

    fn begin(
        &mut self,
        cmd: &str,
        out: &[u8],
        end: u8,
        ms: u64,
        now: u64,
        secret: bool,
    ) -> Vec<u8> {
        // A line begun before the command went out is not part of its answer
        // (the rest of a report the command cut into).
        self.lines.forget_partial();
        self.ex = Some(Exchange::new(cmd));
        self.deadline = now.saturating_add(ms);
        self.secret = secret;
        let mut wire = out.to_vec();
        wire.push(end);
        wire
    }

    /// A command is waiting for its answer.
    pub fn busy(&self) -> bool {
        self.ex.is_some()
    }

    /// When the command in flight is given up (None: nothing in flight).
    pub fn deadline(&self) -> Option<u64> {
        self.ex.as_ref().map(|_| self.deadline)
    }

    /// Give up the command in flight if its deadline has passed: true if so.
    pub fn expire(&mut self, now: u64) -> bool {
        if self.ex.is_some() && now >= self.deadline {
            self.ex = None;
            log::debug!("at < timeout");
            return true;
        }
        false
    }

    /// Bytes from the port. Returns the answer once its final result is in;
    /// unsolicited lines (and every line while nothing is asked) go to `urc`.
    /// Lines after the final result stay buffered until the next call.
    pub fn feed(&mut self, bytes: &[u8], urc: &mut dyn FnMut(&str)) -> Option<Response> {
        self.lines.push(bytes);
        while let Some(l) = self.lines.next_line() {
            let Some(ex) = self.ex.as_mut() else {
                urc(&l);
                continue;
            };
            match ex.on_line(&l) {
                Step::More => {}
                Step::Urc(u) => urc(&u),
                Step::Done(r) => {
                    self.ex = None;
                    self.lines.take_prompt();
                    // The lines of a secret command's answer are not counted either.
                    let n = if self.secret { 0 } else { r.lines.len() };
                    log::debug!("at < {} ({n} lines)", r.result.describe());
                    return Some(r);
                }
            }
        }
        // A `> ` prompt ends the first half of a command that wants one; any
        // other prompt means nothing.
        let prompt = self.lines.take_prompt();
        if prompt && self.ex.as_ref().is_some_and(Exchange::wants_prompt) {
            self.ex = None;
            log::debug!("at < >");
            return Some(Response {
                lines: Vec::new(),
                result: Final::Prompt,
            });
        }
        None
    }
}

pub type Listener<'a> = Box<dyn FnMut(&str) + 'a>;

/// The blocking driver: a [`Session`] on a transport, timed by a clock.
pub struct Engine<'a> {
    port: &'a mut dyn AtTransport,
    clock: &'a dyn Clock,
    s: Session,
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
            s: Session::new(),
            listener: None,
            stale: false,
            timeout_ms: 3000,
        }
    }

    /// Who gets unsolicited result codes (default: a debug log line each).
    pub fn on_urc(&mut self, f: impl FnMut(&str) + 'a) {
        self.listener = Some(Box::new(f));
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// Read one chunk (waiting up to `ms`) into the session: how many bytes
    /// came, and the answer if that completed it.
    fn pump(&mut self, ms: u64) -> Result<(usize, Option<Response>), AtError> {
        let mut buf = [0u8; CHUNK];
        let n = self.port.read(&mut buf, ms).map_err(AtError::gone)?;
        let Engine { s, listener, .. } = self;
        let urc: &mut dyn FnMut(&str) = match listener {
            Some(f) => f,
            None => &mut log_urc,
        };
        Ok((n, s.feed(buf.get(..n).unwrap_or(&[]), urc)))
    }

    /// Read whatever is already waiting (URCs, leftovers of an earlier
    /// command) and hand complete lines to the listener, for up to `ms`.
    pub fn drain(&mut self, ms: u64) -> Result<(), AtError> {
        let end = self.clock.now_ms().saturating_add(ms);
        // Bounded even if the modem never stops talking.
        for _ in 0..MAX_DRAIN_READS {
            let left = end.saturating_sub(self.clock.now_ms());
            let (n, _) = self.pump(left)?;
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

    /// Send the text a `> ` prompt asked for (see `Session::start_text`) and
    /// wait up to `timeout_ms` for the command's result.
    pub fn text(&mut self, body: &[u8], timeout_ms: u64) -> Result<Response, AtError> {
        let wire = self.s.start_text(body, timeout_ms, self.clock.now_ms());
        self.send_wait(&wire)
    }

    /// Abandon text entry after a `> ` prompt (ESC): nothing is sent. Whatever
    /// the modem says to it is read as stale before the next command.
    pub fn escape(&mut self) -> Result<(), AtError> {
        log::debug!("at > <ESC>");
        self.stale = true;
        self.port.write_all(&[0x1B]).map_err(AtError::gone)
    }

    fn run(&mut self, cmd: &str, timeout_ms: u64, secret: bool) -> Result<Response, AtError> {
        // Stale lines (URCs that came while idle, the late answer of a command
        // that timed out) must not pass as this command's answer.
        self.drain(if self.stale { STALE_MS } else { 0 })?;
        self.stale = false;
        let wire = self.s.start(cmd, timeout_ms, self.clock.now_ms(), secret);
        self.send_wait(&wire)
    }

    fn send_wait(&mut self, wire: &[u8]) -> Result<Response, AtError> {
        self.port.write_all(wire).map_err(AtError::gone)?;
        loop {
            let now = self.clock.now_ms();
            if self.s.expire(now) {
                self.stale = true;
                return Err(AtError::Timeout);
            }
            let left = self.s.deadline().unwrap_or(now).saturating_sub(now);
            if let (_, Some(r)) = self.pump(left)? {
                return Ok(r);
            }
        }
    }
}
