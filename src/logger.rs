//! Logging to syslog (what `logread` shows), without the `log` and `syslog` crates.
//!
//! Each record becomes one RFC 3164 datagram on `/dev/log`:
//! `<PRI>Mmm dd hh:mm:ss umodem[PID]: message`, facility daemon. The timestamp is
//! UTC: OpenWrt's logd drops it anyway (it stamps entries itself, and strips exactly
//! the 16 characters of a well-formed timestamp, so one must be there or logd would
//! eat the start of the tag), and local time would need the tz database.
//!
//! Falls back to stderr (`umodem: LEVEL: message`) when `/dev/log` cannot be
//! reached, when stderr is a terminal (someone is watching), or when asked.
//! One line per record: newlines in a message become spaces. Never log secrets.
//!
//! Call sites write `log::info!("...")` as with the `log` crate: `lib.rs` names this
//! crate `log` (`extern crate self as log`), and the macros below expand to one call of
//! [`emit`] with the level and the `format_args!`: ~36 B for a plain line and ~90 B
//! with two values on mips, against ~104 B and ~148 B for the `log` crate's macros
//! (which also carry its Record/Metadata/dyn Log machinery). The arguments are
//! evaluated even when the level is off: keep them cheap (they are, everywhere).
//!
//! Why not the `syslog` crate: measured on mips_24kc (static musl, stripped, opt z,
//! LTO, immediate-abort), a hello world is 39.5 KB; the same with `syslog` 7.0.0
//! (it pulls `time`, `hostname`, `libc`) logging one line is 134.9 KB (+95 KB).

use std::fmt::{self, Write as _};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU8, Ordering};

/// A level is its syslog severity: the lower, the more important.
pub type Level = u8;
pub const OFF: Level = 0;
pub const ERROR: Level = 3;
pub const WARN: Level = 4;
pub const INFO: Level = 6;
pub const DEBUG: Level = 7;

/// `log::error!(...)`: as `format!`, logged at level error.
#[macro_export]
macro_rules! error {
    ($($a:tt)+) => { $crate::logger::emit($crate::logger::ERROR, format_args!($($a)+)) };
}
/// `log::warn!(...)`
#[macro_export]
macro_rules! warn {
    ($($a:tt)+) => { $crate::logger::emit($crate::logger::WARN, format_args!($($a)+)) };
}
/// `log::info!(...)`
#[macro_export]
macro_rules! info {
    ($($a:tt)+) => { $crate::logger::emit($crate::logger::INFO, format_args!($($a)+)) };
}
/// `log::debug!(...)`
#[macro_export]
macro_rules! debug {
    ($($a:tt)+) => { $crate::logger::emit($crate::logger::DEBUG, format_args!($($a)+)) };
}

/// The syslog socket.
pub const DEV_LOG: &str = "/dev/log";
/// syslog facility "daemon" (3), shifted into the priority value.
const FACILITY_DAEMON: u8 = 3 << 3;
/// Longest message we send (musl's syslog() stops at 1024 bytes per line too).
const MAX_MSG: usize = 900;
const TAG: &str = "umodem";

/// Where the lines go: a syslog socket at `path` or, without one, stderr.
pub struct Logger {
    path: Option<PathBuf>,
    /// The connected datagram socket, -1 when there is none (yet).
    fd: AtomicI32,
    level: Level,
}

/// The program's logger, set once by [`init`] and never freed (a plain pointer, not
/// a `OnceLock`: its `Once` machinery was ~500 B on mips).
static LOGGER: AtomicPtr<Logger> = AtomicPtr::new(std::ptr::null_mut());
/// Nothing is logged until [`init`] (as with the `log` crate).
static LEVEL: AtomicU8 = AtomicU8::new(OFF);

impl Logger {
    /// Log to syslog at `path`; if it cannot be reached, to stderr.
    pub fn syslog(path: &Path, level: Level) -> Logger {
        let fd = open(path);
        Logger {
            path: (fd >= 0).then(|| path.to_path_buf()),
            fd: AtomicI32::new(fd),
            level,
        }
    }

    /// Log to stderr only.
    pub fn stderr(level: Level) -> Logger {
        Logger {
            path: None,
            fd: AtomicI32::new(-1),
            level,
        }
    }

    /// Whether the lines go to syslog (false: stderr).
    pub fn is_syslog(&self) -> bool {
        self.path.is_some()
    }

    /// One record, if `level` is on.
    pub fn log(&self, level: Level, args: fmt::Arguments<'_>) {
        if level == OFF || level > self.level {
            return;
        }
        let mut line = String::new();
        if self.is_syslog() {
            // SAFETY: time(NULL) only returns the clock.
            let now = unsafe { libc::time(std::ptr::null_mut()) };
            syslog_head(&mut line, level, now.max(0) as u64, std::process::id());
        }
        let start = line.len();
        let _ = line.write_fmt(args);
        let line = one_line(&line, start);
        if !self.to_syslog(&line) {
            let head = match level {
                ERROR => "umodem: error: ",
                WARN => "umodem: warning: ",
                INFO => "umodem: info: ",
                _ => "umodem: debug: ",
            };
            let mut e = String::from(head);
            e.push_str(line.get(start..).unwrap_or(""));
            e.push('\n');
            let _ = crate::hw::file::write_fd(2, e.as_bytes());
        }
    }

    fn to_syslog(&self, line: &str) -> bool {
        let Some(path) = &self.path else {
            return false;
        };
        // logd may have restarted since: one reconnect, then give up on this line.
        for _ in 0..2 {
            let mut fd = self.fd.load(Ordering::Relaxed);
            if fd < 0 {
                fd = open(path);
                self.fd.store(fd, Ordering::Relaxed);
            }
            if fd < 0 {
                return false;
            }
            // SAFETY: `line` is valid for its length; fd is our socket.
            if unsafe { libc::send(fd, line.as_ptr().cast(), line.len(), libc::MSG_NOSIGNAL) } >= 0
            {
                return true;
            }
            // SAFETY: fd is ours and forgotten below.
            unsafe { libc::close(fd) };
            self.fd.store(-1, Ordering::Relaxed);
        }
        false
    }
}

/// A datagram socket connected to `path` (close-on-exec), or -1.
fn open(path: &Path) -> i32 {
    // SAFETY: zeroed sockaddr_un is a valid value; socket/connect get valid
    // pointers and lengths; the fd is closed on failure.
    unsafe {
        let mut a: libc::sockaddr_un = std::mem::zeroed();
        let p = path.as_os_str().as_bytes();
        if p.len() >= a.sun_path.len() || p.contains(&0) {
            return -1;
        }
        a.sun_family = libc::AF_UNIX as libc::sa_family_t;
        for (d, s) in a.sun_path.iter_mut().zip(p) {
            *d = *s as libc::c_char;
        }
        let fd = libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd >= 0
            && libc::connect(
                fd,
                (&a as *const libc::sockaddr_un).cast(),
                std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t,
            ) != 0
        {
            libc::close(fd);
            return -1;
        }
        fd
    }
}

/// What the `log::info!` etc. macros call: one record to the program's logger.
#[inline(never)]
pub fn emit(level: Level, args: fmt::Arguments<'_>) {
    if level > LEVEL.load(Ordering::Relaxed) {
        return;
    }
    let l = LOGGER.load(Ordering::Acquire);
    // SAFETY: non-null only once `init` stored a leaked Box, which lives forever.
    if let Some(l) = unsafe { l.as_ref() } {
        l.log(level, args);
    }
}

/// Install the logger for the whole program: syslog unless `stderr` is asked for or
/// stderr is a terminal. Calling it twice keeps the first one.
pub fn init(level: Level, stderr: bool) {
    let logger = if stderr || crate::hw::file::is_tty(2) {
        Logger::stderr(level)
    } else {
        Logger::syslog(Path::new(DEV_LOG), level)
    };
    let p = Box::into_raw(Box::new(logger));
    let none = std::ptr::null_mut();
    if LOGGER
        .compare_exchange(none, p, Ordering::AcqRel, Ordering::Acquire)
        .is_ok()
    {
        LEVEL.store(level, Ordering::Relaxed);
    } else {
        // SAFETY: `p` came from Box::into_raw just above and was not stored.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Set up logging from the options every command takes (`--log-level LEVEL`,
/// `--stderr`; both removed from `args`). Default level: info, or warn when
/// stderr is a terminal (a person reads the command's own output there).
pub fn from_args(args: &mut crate::cli::Args) -> crate::Result<()> {
    let stderr = args.flag("--stderr");
    let level = match args.value("--log-level")? {
        Some(l) => parse_level(&l).ok_or_else(|| {
            crate::err!(crate::error::code::USAGE; "--log-level '{l}': one of error, warn, info, debug, off")
        })?,
        None if crate::hw::file::is_tty(2) => WARN,
        None => INFO,
    };
    init(level, stderr);
    Ok(())
}

/// Parse a level name as used in the config (`error`, `warn`, `info`, `debug`,
/// `trace`, `off`; case does not matter).
pub fn parse_level(s: &str) -> Option<Level> {
    const NAMES: [(&str, Level); 10] = [
        ("off", OFF),
        ("none", OFF),
        ("error", ERROR),
        ("err", ERROR),
        ("warn", WARN),
        ("warning", WARN),
        ("info", INFO),
        ("notice", INFO),
        ("debug", DEBUG),
        ("trace", DEBUG),
    ];
    NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map(|&(_, l)| l)
}

/// `<PRI>Mmm dd hh:mm:ss umodem[PID]: `: the head of an RFC 3164 line (facility daemon).
pub fn syslog_head(s: &mut String, level: Level, unix_secs: u64, pid: u32) {
    s.push('<');
    crate::num::push(s, u64::from(FACILITY_DAEMON | level));
    s.push('>');
    timestamp(s, unix_secs);
    s.push(' ');
    s.push_str(TAG);
    s.push('[');
    crate::num::push(s, pid.into());
    s.push_str("]: ");
}

/// `Mmm dd hh:mm:ss` (day padded with a space), UTC: libc's gmtime_r and strftime
/// (in the C locale: English month names), not a calendar of our own (~600 B).
pub fn timestamp(s: &mut String, unix_secs: u64) {
    // time_t as libc names it (32 bits on 32-bit musl targets, as `time()` above).
    let t = unix_secs.try_into().unwrap_or(0);
    let mut buf = [0u8; 16];
    // SAFETY: `tm` is plain data that gmtime_r fills; strftime writes at most
    // `buf.len()` bytes and returns how many (0 if it did not fit).
    let n = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::gmtime_r(&t, &mut tm).is_null() {
            0
        } else {
            libc::strftime(
                buf.as_mut_ptr().cast(),
                buf.len(),
                c"%b %e %H:%M:%S".as_ptr(),
                &tm,
            )
        }
    };
    // Always 15 characters: logd strips exactly a well-formed timestamp.
    match buf.get(..n).and_then(|b| std::str::from_utf8(b).ok()) {
        Some(t) if n == 15 => s.push_str(t),
        _ => s.push_str("Jan  1 00:00:00"),
    }
}

/// From `start` on: control characters become spaces; a long message is cut.
fn one_line(s: &str, start: usize) -> String {
    let mut end = s.len().min(start + MAX_MSG);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end);
    for (i, c) in s.get(..end).unwrap_or("").char_indices() {
        out.push(if i >= start && c.is_control() { ' ' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(secs: u64) -> String {
        let mut s = String::new();
        timestamp(&mut s, secs);
        s
    }

    #[test]
    fn timestamps() {
        assert_eq!(ts(0), "Jan  1 00:00:00");
        // 2026-11-25 16:57:29 UTC
        assert_eq!(ts(1_795_625_849), "Nov 25 16:57:29");
        // leap day 2024-02-29 23:59:59
        assert_eq!(ts(1_709_251_199), "Feb 29 23:59:59");
        assert_eq!(ts(1_709_251_200), "Mar  1 00:00:00");
        assert_eq!(ts(1_704_067_199), "Dec 31 23:59:59");
    }

    #[test]
    fn one_line_per_record() {
        assert_eq!(one_line("<30>a\nb\r\tc\u{85}d", 4), "<30>a b  c d");
        let long = one_line(&"é".repeat(1000), 0);
        assert!(long.len() <= MAX_MSG && long.chars().all(|c| c == 'é'));
    }

    #[test]
    fn levels() {
        assert_eq!(parse_level("WARN"), Some(WARN));
        assert_eq!(parse_level("trace"), Some(DEBUG));
        assert_eq!(parse_level("off"), Some(OFF));
        assert_eq!(parse_level("loud"), None);
    }

    #[test]
    fn head() {
        let mut s = String::new();
        syslog_head(&mut s, WARN, 0, 42);
        assert_eq!(s, "<28>Jan  1 00:00:00 umodem[42]: ");
    }
}
