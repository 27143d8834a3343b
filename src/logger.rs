//! Logging to syslog (what `logread` shows), without the `syslog` crate.
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
//! Why not the `syslog` crate: measured on mips_24kc (static musl, stripped, opt z,
//! LTO, immediate-abort), a hello world is 39.5 KB; the same with `syslog` 7.0.0
//! (it pulls `time`, `hostname`, `libc`) logging one line is 134.9 KB (+95 KB);
//! with this module it is 51.8 KB (+12 KB, most of it the `log` machinery and
//! formatting that umodem carries anyway).

use std::io::{IsTerminal, Write};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use log::{Level, LevelFilter, Log, Metadata, Record};

/// The syslog socket.
pub const DEV_LOG: &str = "/dev/log";
/// syslog facility "daemon" (3), shifted into the priority value.
const FACILITY_DAEMON: u8 = 3 << 3;
/// Longest message we send (musl's syslog() stops at 1024 bytes per line too).
const MAX_MSG: usize = 900;

/// Where the lines go.
enum Sink {
    Syslog {
        path: PathBuf,
        sock: Mutex<Option<UnixDatagram>>,
    },
    Stderr,
}

pub struct Logger {
    sink: Sink,
    level: LevelFilter,
    tag: String,
    pid: u32,
}

impl Logger {
    /// Log to syslog at `path`; if it cannot be reached, to stderr.
    pub fn syslog(path: &Path, level: LevelFilter) -> Logger {
        let sock = open(path);
        let sink = match sock {
            Some(s) => Sink::Syslog {
                path: path.to_path_buf(),
                sock: Mutex::new(Some(s)),
            },
            None => Sink::Stderr,
        };
        Logger::with_sink(sink, level)
    }

    /// Log to stderr only.
    pub fn stderr(level: LevelFilter) -> Logger {
        Logger::with_sink(Sink::Stderr, level)
    }

    fn with_sink(sink: Sink, level: LevelFilter) -> Logger {
        Logger {
            sink,
            level,
            tag: "umodem".to_string(),
            pid: std::process::id(),
        }
    }

    /// Whether the lines go to syslog (false: stderr).
    pub fn is_syslog(&self) -> bool {
        matches!(self.sink, Sink::Syslog { .. })
    }

    fn to_syslog(&self, level: Level, msg: &str) -> bool {
        let Sink::Syslog { path, sock } = &self.sink else {
            return false;
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let line = syslog_line(level, now, &self.tag, self.pid, msg);
        let mut guard = match sock.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        // logd may have restarted since: one reconnect, then give up on this line.
        for _ in 0..2 {
            if guard.is_none() {
                *guard = open(path);
            }
            match guard.as_ref().map(|s| s.send(line.as_bytes())) {
                Some(Ok(_)) => return true,
                Some(Err(_)) => *guard = None,
                None => return false,
            }
        }
        false
    }
}

fn open(path: &Path) -> Option<UnixDatagram> {
    let s = UnixDatagram::unbound().ok()?;
    s.connect(path).ok()?;
    Some(s)
}

impl Log for Logger {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        m.level() <= self.level
    }

    fn log(&self, r: &Record<'_>) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let msg = one_line(&r.args().to_string());
        if !self.to_syslog(r.level(), &msg) {
            let _ = writeln!(
                std::io::stderr(),
                "{}: {}: {}",
                self.tag,
                level_name(r.level()),
                msg
            );
        }
    }

    fn flush(&self) {}
}

/// Install the logger for the whole program: syslog unless `stderr` is asked for or
/// stderr is a terminal. Calling it twice keeps the first one.
pub fn init(level: LevelFilter, stderr: bool) {
    let logger = if stderr || std::io::stderr().is_terminal() {
        Logger::stderr(level)
    } else {
        Logger::syslog(Path::new(DEV_LOG), level)
    };
    if log::set_logger(Box::leak(Box::new(logger))).is_ok() {
        log::set_max_level(level);
    }
}

/// Set up logging from the options every command takes (`--log-level LEVEL`,
/// `--stderr`; both removed from `args`). Default level: info, or warn when
/// stderr is a terminal (a person reads the command's own output there).
pub fn from_args(args: &mut crate::cli::Args) -> crate::Result<()> {
    let stderr = args.flag("--stderr");
    let level = match args.value("--log-level")? {
        Some(l) => parse_level(&l).ok_or_else(|| {
            crate::Error::with_code(
                crate::error::code::USAGE,
                format!("--log-level '{l}': one of error, warn, info, debug, off"),
            )
        })?,
        None if std::io::stderr().is_terminal() => LevelFilter::Warn,
        None => LevelFilter::Info,
    };
    init(level, stderr);
    Ok(())
}

/// Parse a level name as used in the config (`error`, `warn`, `info`, `debug`,
/// `trace`, `off`).
pub fn parse_level(s: &str) -> Option<LevelFilter> {
    Some(match s.to_ascii_lowercase().as_str() {
        "off" | "none" => LevelFilter::Off,
        "error" | "err" => LevelFilter::Error,
        "warn" | "warning" => LevelFilter::Warn,
        "info" | "notice" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => return None,
    })
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warn => "warning",
        Level::Info => "info",
        Level::Debug => "debug",
        Level::Trace => "trace",
    }
}

/// syslog severity of a log level (err 3, warning 4, info 6, debug 7).
pub fn severity(l: Level) -> u8 {
    match l {
        Level::Error => 3,
        Level::Warn => 4,
        Level::Info => 6,
        Level::Debug | Level::Trace => 7,
    }
}

/// One RFC 3164 line: `<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG` (facility daemon).
pub fn syslog_line(level: Level, unix_secs: u64, tag: &str, pid: u32, msg: &str) -> String {
    format!(
        "<{}>{} {}[{}]: {}",
        FACILITY_DAEMON | severity(level),
        timestamp(unix_secs),
        tag,
        pid,
        msg
    )
}

/// `Mmm dd hh:mm:ss` (day padded with a space), UTC.
pub fn timestamp(unix_secs: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_secs / 86_400;
    let secs = unix_secs % 86_400;
    let (_, month, day) = civil_from_days(days);
    let name = MONTHS.get(month as usize - 1).copied().unwrap_or("Jan");
    format!(
        "{} {:>2} {:02}:{:02}:{:02}",
        name,
        day,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31), proleptic Gregorian.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Newlines and other control characters become spaces; long messages are cut.
fn one_line(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if out.len() > MAX_MSG {
        let mut end = MAX_MSG;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "Jan  1 00:00:00");
        // 2026-11-25 16:57:29 UTC
        assert_eq!(timestamp(1_795_625_849), "Nov 25 16:57:29");
        // leap day 2024-02-29 23:59:59
        assert_eq!(timestamp(1_709_251_199), "Feb 29 23:59:59");
        assert_eq!(timestamp(1_709_251_200), "Mar  1 00:00:00");
    }

    #[test]
    fn one_line_per_record() {
        assert_eq!(one_line("a\nb\r\tc"), "a b  c");
        let long = "é".repeat(1000);
        let cut = one_line(&long);
        assert!(cut.len() <= MAX_MSG && cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn levels() {
        assert_eq!(parse_level("WARN"), Some(LevelFilter::Warn));
        assert_eq!(parse_level("loud"), None);
    }
}
