//! Serial transport: a tty on termios, for the engine's `AtTransport` seam.
//!
//! Raw mode, 115200 8N1, no flow control, non-blocking fd with `poll` for
//! timeouts (VMIN = VTIME = 0). Written on `libc` directly: the `serialport`
//! crate did the same job for more flash (see the commit that chose this).

use std::io;
use std::os::unix::io::IntoRawFd;
use std::path::Path;

use crate::core::engine::AtTransport;

/// A tty in raw mode.
pub struct Tty {
    fd: libc::c_int,
}

fn last() -> io::Error {
    io::Error::last_os_error()
}

impl Tty {
    /// Open `path` raw at 115200 baud. Fails if it is not a tty.
    pub fn open(path: &Path) -> io::Result<Tty> {
        let f = crate::hw::file::open(path, libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK, 0)?;
        let tty = Tty {
            fd: f.into_raw_fd(),
        };
        tty.configure()?;
        Ok(tty)
    }

    /// The tty pppd lends its connect program on stdin (and stdout: the same
    /// open file): used as it is, since pppd has set its mode already.
    pub fn stdin() -> Tty {
        Tty { fd: 0 }
    }

    /// Take the advisory lock on the port (`flock`, exclusive) without waiting:
    /// `Ok(false)` if another umodem process holds it. Released on drop.
    /// Every umodem process that talks AT on a control port takes it
    /// (`hw::port::open_locked`), so none talks across another.
    pub fn try_lock(&self) -> io::Result<bool> {
        flock_wait(self.fd, 0)
    }

    /// Like `try_lock`, asking again every 50 ms for up to `wait_ms`.
    pub fn lock(&self, wait_ms: u64) -> io::Result<bool> {
        flock_wait(self.fd, wait_ms)
    }

    /// The file descriptor, for a caller that polls it with others.
    pub fn fd(&self) -> libc::c_int {
        self.fd
    }

    fn configure(&self) -> io::Result<()> {
        // SAFETY: termios is plain data; tcgetattr fills it or fails.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd is open; &mut t is valid for writes.
        if unsafe { libc::tcgetattr(self.fd, &mut t) } != 0 {
            return Err(last());
        }
        // SAFETY: t is a valid termios.
        unsafe {
            libc::cfmakeraw(&mut t);
            libc::cfsetispeed(&mut t, libc::B115200);
            libc::cfsetospeed(&mut t, libc::B115200);
        }
        t.c_cflag |= libc::CLOCAL | libc::CREAD;
        t.c_cflag &= !(libc::CRTSCTS | libc::CSTOPB | libc::PARENB);
        t.c_cc[libc::VMIN] = 0;
        t.c_cc[libc::VTIME] = 0;
        // SAFETY: fd is open; &t is a valid termios.
        if unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, &t) } != 0 {
            return Err(last());
        }
        // SAFETY: fd is open. Old input is stale: drop it.
        unsafe { libc::tcflush(self.fd, libc::TCIOFLUSH) };
        Ok(())
    }

    fn wait(&self, events: libc::c_short, timeout_ms: u64) -> io::Result<bool> {
        let mut p = [libc::pollfd {
            fd: self.fd,
            events,
            revents: 0,
        }];
        if poll(&mut p, timeout_ms)? == 0 {
            return Ok(false);
        }
        let r = p[0].revents;
        if r & (libc::POLLERR | libc::POLLNVAL) != 0
            // POLLHUP with nothing to read: the device went away. (OS error
            // codes, not io::Error::new(kind, "text"): a boxed String costs
            // ~3 KB on mips.)
            || (r & events == 0 && r & libc::POLLHUP != 0)
        {
            return Err(io::Error::from_raw_os_error(libc::ENODEV));
        }
        Ok(true)
    }
}

/// Take an exclusive `flock` on `fd`, asking again every 50 ms for up to
/// `wait_ms`: `Ok(false)` if another holds it still.
pub fn flock_wait(fd: libc::c_int, wait_ms: u64) -> io::Result<bool> {
    let mut waited = 0;
    loop {
        // SAFETY: flock takes no pointers; a bad fd is an error.
        if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(true);
        }
        let e = last();
        if e.raw_os_error() != Some(libc::EWOULDBLOCK) {
            return Err(e);
        }
        if waited >= wait_ms {
            return Ok(false);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 50;
    }
}

/// `poll`, again when a signal cuts it short: how many are ready.
pub fn poll(p: &mut [libc::pollfd], timeout_ms: u64) -> io::Result<libc::c_int> {
    let t = libc::c_int::try_from(timeout_ms).unwrap_or(libc::c_int::MAX);
    loop {
        // SAFETY: p is a valid array of p.len() pollfds.
        let r = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, t) };
        if r >= 0 {
            return Ok(r);
        }
        let e = last();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
}

impl AtTransport for Tty {
    fn read(&mut self, buf: &mut [u8], timeout_ms: u64) -> io::Result<usize> {
        if buf.is_empty() || !self.wait(libc::POLLIN, timeout_ms)? {
            return Ok(0);
        }
        // SAFETY: buf is valid for buf.len() bytes.
        let n = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = last();
            return match e.raw_os_error() {
                Some(libc::EAGAIN | libc::EINTR) => Ok(0),
                _ => Err(e),
            };
        }
        if n == 0 {
            // Readable but nothing read: end of file, the device is gone.
            return Err(io::Error::from_raw_os_error(libc::ENODEV));
        }
        Ok(n as usize)
    }

    fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            // SAFETY: data is valid for data.len() bytes.
            let n = unsafe { libc::write(self.fd, data.as_ptr().cast(), data.len()) };
            if n < 0 {
                let e = last();
                match e.raw_os_error() {
                    Some(libc::EINTR) => continue,
                    Some(libc::EAGAIN) => {
                        if !self.wait(libc::POLLOUT, 2000)? {
                            return Err(io::Error::from_raw_os_error(libc::ETIMEDOUT));
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

impl Drop for Tty {
    fn drop(&mut self) {
        // SAFETY: we own fd and close it once.
        unsafe { libc::close(self.fd) };
    }
}
