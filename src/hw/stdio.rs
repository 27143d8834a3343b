//! The port pppd lends its connect program: stdin to read, stdout to write,
//! both the modem's tty, already set up by pppd (so its mode is left alone).

use std::io;

use crate::hw::serial::AtTransport;

/// stdin/stdout as an `AtTransport` (`poll` for timeouts).
pub struct Stdio {
    rfd: libc::c_int,
    wfd: libc::c_int,
}

fn last() -> io::Error {
    io::Error::last_os_error()
}

fn gone(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, what.to_string())
}

impl Stdio {
    pub fn new() -> Stdio {
        Stdio { rfd: 0, wfd: 1 }
    }

    fn wait(fd: libc::c_int, events: libc::c_short, timeout_ms: u64) -> io::Result<bool> {
        let mut p = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        let t = libc::c_int::try_from(timeout_ms).unwrap_or(libc::c_int::MAX);
        loop {
            // SAFETY: one valid pollfd.
            let r = unsafe { libc::poll(&mut p, 1, t) };
            if r < 0 {
                let e = last();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if r == 0 {
                return Ok(false);
            }
            if p.revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
                return Err(gone("port gone"));
            }
            if p.revents & events == 0 && p.revents & libc::POLLHUP != 0 {
                return Err(gone("port hung up"));
            }
            return Ok(true);
        }
    }
}

impl Default for Stdio {
    fn default() -> Self {
        Stdio::new()
    }
}

impl AtTransport for Stdio {
    fn read(&mut self, buf: &mut [u8], timeout_ms: u64) -> io::Result<usize> {
        if buf.is_empty() || !Stdio::wait(self.rfd, libc::POLLIN, timeout_ms)? {
            return Ok(0);
        }
        // SAFETY: buf is valid for buf.len() bytes.
        let n = unsafe { libc::read(self.rfd, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = last();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                _ => Err(e),
            };
        }
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "port closed"));
        }
        Ok(n as usize)
    }

    fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            // SAFETY: data is valid for data.len() bytes.
            let n = unsafe { libc::write(self.wfd, data.as_ptr().cast(), data.len()) };
            if n < 0 {
                let e = last();
                match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    io::ErrorKind::WouldBlock => {
                        if !Stdio::wait(self.wfd, libc::POLLOUT, 2000)? {
                            return Err(io::Error::new(io::ErrorKind::TimedOut, "write stuck"));
                        }
                        continue;
                    }
                    _ => return Err(e),
                }
            }
            data = data.get(n as usize..).unwrap_or(&[]);
        }
        Ok(())
    }
}
