//! Talking AT on a control port without ever blocking: a tty (opened with its
//! lock, as `hw::port` opens every control port), the engine's I/O-free
//! `Session`, and nothing else. The caller polls [`Talk::fd`] beside its other
//! descriptors (the daemon: the ubus socket), calls [`Talk::readable`] when it
//! has input and [`Talk::due`] when [`Talk::deadline`] has passed; either may
//! hand back what came of the command in flight. A command's wait never holds
//! the caller: that is how the daemon answers ubus while a modem is silent.
//!
//! The blocking counterpart is `core::engine::Engine` (the commands use it).

use std::path::Path;

use crate::core::at::Response;
use crate::core::engine::{AtError, AtTransport, Session};
use crate::hw::port;
use crate::hw::serial::Tty;

pub struct Talk {
    tty: Tty,
    s: Session,
}

/// What came of a command: its answer, or why there is none.
pub type Came = Result<Response, AtError>;

fn log_urc(l: &str) {
    log::debug!("urc {l}");
}

impl Talk {
    /// Open `path` and take its lock without waiting. `Ok(None)`: another
    /// umodem process (or pppd's `/var/lock` lock) holds it.
    pub fn open(path: &Path) -> std::io::Result<Option<Talk>> {
        if port::uucp_locked(&path.to_string_lossy()) {
            return Ok(None);
        }
        let tty = Tty::open(path)?;
        if !tty.try_lock()? {
            return Ok(None);
        }
        Ok(Some(Talk {
            tty,
            s: Session::new(),
        }))
    }

    pub fn fd(&self) -> libc::c_int {
        self.tty.fd()
    }

    /// When the command in flight is given up, if one is.
    pub fn deadline(&self) -> Option<u64> {
        self.s.deadline()
    }

    /// Send `cmd` at `now`, to be answered within `ms`; a `secret` one is
    /// never logged. A port that cannot be written is gone: what came.
    pub fn send(&mut self, cmd: &str, ms: u64, now: u64, secret: bool) -> Option<Came> {
        let wire = self.s.start(cmd, ms, now, secret);
        self.write(&wire)
    }

    /// The text a `> ` prompt asked for, and Ctrl-Z (`Session::start_text`).
    pub fn send_text(&mut self, body: &[u8], ms: u64, now: u64) -> Option<Came> {
        let wire = self.s.start_text(body, ms, now);
        self.write(&wire)
    }

    /// ESC: abandon the text a prompt asked for.
    pub fn escape(&mut self) -> Option<Came> {
        self.write(&[0x1B])
    }

    fn write(&mut self, wire: &[u8]) -> Option<Came> {
        match self.tty.write_all(wire) {
            Ok(()) => None,
            Err(e) => Some(Err(AtError::Gone(e.to_string()))),
        }
    }

    /// The tty has input (or failed): read what is there.
    pub fn readable(&mut self) -> Option<Came> {
        self.readable_with(&mut log_urc)
    }

    /// Like `readable`, with the unsolicited lines handed to `urc`.
    pub fn readable_with(&mut self, urc: &mut dyn FnMut(&str)) -> Option<Came> {
        let mut buf = [0u8; 256];
        // Bounded: a port that never stops talking is read a few times, then
        // the caller's loop comes round again.
        for _ in 0..8 {
            match self.tty.read(&mut buf, 0) {
                Ok(0) => return None,
                Ok(n) => {
                    let got = buf.get(..n).unwrap_or(&[]);
                    if let Some(r) = self.s.feed(got, urc) {
                        return Some(Ok(r));
                    }
                }
                Err(e) => return Some(Err(AtError::Gone(e.to_string()))),
            }
        }
        None
    }

    /// The time is `now`: the command in flight, if its deadline has passed.
    pub fn due(&mut self, now: u64) -> Option<Came> {
        self.s.expire(now).then_some(Err(AtError::Timeout))
    }
}
