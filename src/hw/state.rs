//! The PIN record on disk: `<dir>/pin-state`, one `KEY rejected` or
//! `KEY pending N` per line (KEY is a hash, never the PIN). Written whole to a
//! temporary file and renamed, mode 0600, so a power cut leaves the old or
//! the new file, never half of one. Default dir /etc/umodem: it must survive
//! reboots (/tmp does not).
//!
//! Two `prepare` runs at once (a replug during an ifup) must not both send a
//! PIN on the same attempts count: the store holds an exclusive `flock` on
//! `<dir>/.lock` from before it reads until the process ends. Without the
//! lock every `put` fails, so no PIN is sent.

use std::fs;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use crate::core::at::cat;
use crate::hw::serial::flock_wait;

use crate::core::pin::{Memo, PinStore};
use crate::core::watchdog::Watch;
use crate::error::{Error, Result};
use crate::hw::file;

pub const DEFAULT_DIR: &str = "/etc/umodem";
const FILE: &str = "pin-state";
const MAX_ENTRIES: usize = 32;

pub struct FileStore {
    dir: PathBuf,
    entries: Vec<(String, Memo)>,
    /// Held while we live (released by close on drop or exit).
    lock: Option<fs::File>,
}

/// How long to wait for another run to finish with the record.
const LOCK_WAIT_MS: u64 = 30_000;

/// Create `dir` (0700) and take `dir/.lock`, waiting up to `LOCK_WAIT_MS`.
fn take_lock(dir: &Path, wait_ms: u64) -> std::io::Result<fs::File> {
    file::mkdirs(dir, 0o700)?;
    let f = file::open(&dir.join(".lock"), file::O_WRONLY | file::O_CREAT, 0o600)?;
    let fd = f.as_raw_fd();
    if flock_wait(fd, 0)? {
        return Ok(f);
    }
    log::info!("sim waiting for another umodem run to finish with the PIN record");
    if flock_wait(fd, wait_ms)? {
        return Ok(f);
    }
    Err(std::io::Error::from_raw_os_error(libc::EWOULDBLOCK))
}

fn parse(text: &str) -> Vec<(String, Memo)> {
    let mut v = Vec::new();
    for l in text.lines() {
        let mut w = l.split_ascii_whitespace();
        let (Some(k), Some(what), n) = (w.next(), w.next(), w.next()) else {
            continue;
        };
        let m = match (what, n.and_then(crate::core::at::int8)) {
            ("rejected", None) if n.is_none() => Memo::Rejected,
            ("pending", Some(n)) => Memo::Pending(n),
            _ => continue,
        };
        if k.len() == 16 && k.bytes().all(|b| b.is_ascii_hexdigit()) {
            record(&mut v, k, Some(m));
        }
    }
    v
}

/// Set (or with `None` forget) the record of `key` in `v`: one entry per key
/// (a later line of the file for the same key wins), at most `MAX_ENTRIES`
/// (the oldest goes first: a rejected PIN of a SIM long gone).
fn record(v: &mut Vec<(String, Memo)>, key: &str, memo: Option<Memo>) {
    let old = v.iter().position(|(k, _)| k == key);
    let full = v.len() >= MAX_ENTRIES && memo.is_some();
    if let Some(i) = old.or(full.then_some(0)) {
        v.remove(i);
    }
    if let Some(m) = memo {
        v.push((key.to_string(), m));
    }
}

/// "what PATH" for an error message.
fn doing(what: &str, p: &Path) -> String {
    cat(&[what, " ", &p.to_string_lossy()])
}

impl FileStore {
    /// Load the record (a missing file is an empty record).
    pub fn open(dir: impl Into<PathBuf>) -> Result<FileStore> {
        FileStore::open_wait(dir, LOCK_WAIT_MS)
    }

    /// Like `open`, waiting at most `wait_ms` for the lock.
    pub fn open_wait(dir: impl Into<PathBuf>, wait_ms: u64) -> Result<FileStore> {
        let dir = dir.into();
        let lock = match take_lock(&dir, wait_ms) {
            Ok(f) => Some(f),
            Err(e) => {
                log::warn!(
                    "sim no lock on {} ({e}): no PIN will be sent",
                    dir.display()
                );
                None
            }
        };
        let entries = match file::read(&dir.join(FILE)) {
            Ok(b) => parse(&String::from_utf8_lossy(&b)),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Vec::new(),
            Err(e) => return Err(Error::io(&doing("reading", &dir.join(FILE)), &e)),
        };
        Ok(FileStore { dir, entries, lock })
    }

    fn save(&self) -> Result<()> {
        if self.lock.is_none() {
            return Err(Error::new(cat(&[
                "no lock on ",
                &self.dir.to_string_lossy(),
                ": another umodem run may be using it",
            ])));
        }
        let mut text = String::new();
        for (k, m) in &self.entries {
            text.push_str(k);
            match m {
                Memo::Rejected => text.push_str(" rejected\n"),
                Memo::Pending(n) => {
                    text.push_str(" pending ");
                    crate::core::at::push_num(&mut text, u32::from(*n));
                    text.push('\n');
                }
            }
        }
        // The directory is there: the lock file in it is held.
        let tmp = self.dir.join(".pin-state.tmp");
        let dst = self.dir.join(FILE);
        let w = || -> std::io::Result<()> {
            let f = file::open(&tmp, file::O_WRONLY | file::O_CREAT | file::O_TRUNC, 0o600)?;
            file::write_fd(std::os::fd::AsRawFd::as_raw_fd(&f), text.as_bytes())?;
            f.sync_all()?;
            file::rename(&tmp, &dst)
        };
        w().map_err(|e| Error::io(&doing("writing", &dst), &e))
    }
}

impl PinStore for FileStore {
    fn get(&self, key: &str) -> Option<Memo> {
        self.entries.iter().find(|(k, _)| k == key).map(|&(_, m)| m)
    }

    fn put(&mut self, key: &str, memo: Option<Memo>) -> Result<()> {
        record(&mut self.entries, key, memo);
        self.save()
    }
}

/// Whether a `prepare` run holds the PIN record now (it holds `<dir>/.lock`
/// for its whole run, PIN entry included). Only looks: takes the lock for an
/// instant and lets go, creates nothing.
pub fn pin_record_busy(dir: &Path) -> bool {
    let Ok(f) = file::open(&dir.join(".lock"), file::O_RDONLY, 0) else {
        return false;
    };
    // Closing the file lets go of a lock taken here.
    !matches!(flock_wait(f.as_raw_fd(), 0), Ok(true))
}

/// The watchdog's record of its last reset per modem: `<dir>/watchdog`, one
/// `PATH MS` line each (MS: the monotonic clock since boot). In the run dir
/// (tmpfs): a restarted daemon keeps the bound, a reboot starts afresh.
pub const RESETS: &str = "watchdog";

/// The record as the daemon's watches: one per modem that was reset.
pub fn load_resets(dir: &Path) -> Vec<(String, Watch)> {
    let text = file::read_string(&dir.join(RESETS)).unwrap_or_default();
    let mut v = Vec::new();
    for l in text.lines() {
        let Some((p, t)) = l.split_once(' ') else {
            continue;
        };
        let ok = !p.is_empty() && p.len() <= 32 && p.bytes().all(|b| b.is_ascii_graphic());
        if let (true, Some(t), true) = (ok, crate::num::dec(t.trim_ascii()), v.len() < MAX_ENTRIES)
        {
            v.push((p.to_string(), Watch::reset_at(Some(t))));
        }
    }
    v
}

/// Write the record: every modem of `watches` that was reset.
pub fn save_resets(dir: &Path, watches: &[(String, Watch)]) -> std::io::Result<()> {
    let mut text = String::new();
    let mut n = 0;
    for (p, w) in watches {
        if let (Some(t), true) = (w.last_reset, n < MAX_ENTRIES) {
            text.push_str(p);
            text.push(' ');
            crate::num::push(&mut text, t);
            text.push('\n');
            n += 1;
        }
    }
    file::mkdirs(dir, 0o777)?;
    file::write(&dir.join(RESETS), text.as_bytes())
}

/// The netifd handler's count of failed setups in a row of `iface`
/// (`<dir>/IFACE.fails`, a number); 0 if there is none.
pub fn setup_failures(dir: &Path, iface: &str) -> u64 {
    if iface.is_empty() || iface.contains('/') {
        return 0;
    }
    file::read_string(&dir.join(cat(&[iface, ".fails"])))
        .ok()
        .and_then(|t| crate::num::dec(t.trim_ascii()))
        .unwrap_or(0)
}

/// The run dir shared with the netifd handler: `UMODEM_RUNDIR` or /var/run/umodem.
pub fn run_dir() -> PathBuf {
    crate::hw::file::env(c"UMODEM_RUNDIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from("/var/run/umodem"), PathBuf::from)
}
