//! Scripted fakes for tests: a modem that checks each byte string written and
//! replays canned answers, with silence that moves a `FakeClock`.

use std::collections::VecDeque;
use std::io;

use crate::core::engine::AtTransport;
use crate::hw::clock::FakeClock;

#[derive(Debug, Clone)]
pub enum Chunk {
    Bytes(Vec<u8>),
    /// Nothing for this many milliseconds.
    Silence(u64),
    /// The port disappears.
    Gone,
}

/// One expected write and what the modem does after it.
#[derive(Debug, Clone)]
pub struct Turn {
    pub expect: Vec<u8>,
    pub reply: Vec<Chunk>,
}

pub fn turn(expect: &str, reply: &[Chunk]) -> Turn {
    Turn {
        expect: expect.as_bytes().to_vec(),
        reply: reply.to_vec(),
    }
}

pub fn bytes(s: &str) -> Chunk {
    Chunk::Bytes(s.as_bytes().to_vec())
}

/// A scripted modem. `written` keeps every byte string written, in order.
pub struct FakeModem {
    pub clock: FakeClock,
    turns: VecDeque<Turn>,
    out: VecDeque<Chunk>,
    pub written: Vec<Vec<u8>>,
    /// Writes that did not match the script (the test should check it is empty).
    pub unexpected: Vec<Vec<u8>>,
}

impl FakeModem {
    pub fn new(clock: FakeClock, turns: Vec<Turn>) -> FakeModem {
        FakeModem {
            clock,
            turns: turns.into(),
            out: VecDeque::new(),
            written: Vec::new(),
            unexpected: Vec::new(),
        }
    }

    /// Bytes the modem sends before anything is written (URCs at start).
    pub fn preload(&mut self, c: Chunk) {
        self.out.push_back(c);
    }

    /// Turns not yet played.
    pub fn left(&self) -> usize {
        self.turns.len()
    }
}

impl AtTransport for FakeModem {
    fn read(&mut self, buf: &mut [u8], timeout_ms: u64) -> io::Result<usize> {
        // Time this read may still wait, like poll()'s timeout.
        let mut budget = timeout_ms;
        loop {
            match self.out.pop_front() {
                None => {
                    self.clock.advance(budget);
                    return Ok(0);
                }
                Some(Chunk::Gone) => {
                    self.out.push_front(Chunk::Gone);
                    return Err(io::Error::from_raw_os_error(libc::ENODEV));
                }
                Some(Chunk::Silence(ms)) => {
                    if ms > budget {
                        self.out.push_front(Chunk::Silence(ms - budget));
                        self.clock.advance(budget);
                        return Ok(0);
                    }
                    self.clock.advance(ms);
                    budget -= ms;
                }
                Some(Chunk::Bytes(b)) => {
                    let n = b.len().min(buf.len());
                    if let (Some(dst), Some(src)) = (buf.get_mut(..n), b.get(..n)) {
                        dst.copy_from_slice(src);
                    }
                    if n < b.len() {
                        self.out
                            .push_front(Chunk::Bytes(b.get(n..).unwrap_or(&[]).to_vec()));
                    }
                    if n > 0 {
                        return Ok(n);
                    }
                }
            }
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        if matches!(self.out.front(), Some(Chunk::Gone)) {
            return Err(io::Error::from_raw_os_error(libc::ENODEV));
        }
        self.written.push(data.to_vec());
        match self.turns.front() {
            Some(t) if t.expect == data => {
                if let Some(t) = self.turns.pop_front() {
                    self.out.extend(t.reply);
                }
            }
            _ => self.unexpected.push(data.to_vec()),
        }
        Ok(())
    }
}
