//! The PIN record on disk: `<dir>/pin-state`, one `KEY rejected` or
//! `KEY pending N` per line (KEY is a hash, never the PIN). Written whole to a
//! temporary file and renamed, mode 0600, so a power cut leaves the old or
//! the new file, never half of one. Default dir /etc/umodem: it must survive
//! reboots (/tmp does not).

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;

use crate::core::pin::{Memo, PinStore};
use crate::error::{Error, Result};

pub const DEFAULT_DIR: &str = "/etc/umodem";
const FILE: &str = "pin-state";
const MAX_ENTRIES: usize = 32;

pub struct FileStore {
    dir: PathBuf,
    entries: Vec<(String, Memo)>,
}

fn parse(text: &str) -> Vec<(String, Memo)> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let k = w.next()?;
            if k.len() != 16 || !k.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let m = match (w.next()?, w.next()) {
                ("rejected", None) => Memo::Rejected,
                ("pending", Some(n)) => Memo::Pending(n.parse().ok()?),
                _ => return None,
            };
            Some((k.to_string(), m))
        })
        .collect()
}

impl FileStore {
    /// Load the record (a missing file is an empty record).
    pub fn open(dir: impl Into<PathBuf>) -> Result<FileStore> {
        let dir = dir.into();
        let entries = match fs::read(dir.join(FILE)) {
            Ok(b) => parse(&String::from_utf8_lossy(&b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(Error::io(
                    &format!("reading {}", dir.join(FILE).display()),
                    &e,
                ))
            }
        };
        Ok(FileStore { dir, entries })
    }

    fn save(&self) -> Result<()> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(|e| Error::io(&format!("creating {}", self.dir.display()), &e))?;
        let mut text = String::new();
        for (k, m) in &self.entries {
            match m {
                Memo::Rejected => text.push_str(&format!("{k} rejected\n")),
                Memo::Pending(n) => text.push_str(&format!("{k} pending {n}\n")),
            }
        }
        let tmp = self.dir.join(format!(".{FILE}.tmp"));
        let dst = self.dir.join(FILE);
        let w = || -> std::io::Result<()> {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, &dst)
        };
        w().map_err(|e| Error::io(&format!("writing {}", dst.display()), &e))
    }
}

impl PinStore for FileStore {
    fn get(&self, key: &str) -> Option<Memo> {
        self.entries.iter().find(|(k, _)| k == key).map(|&(_, m)| m)
    }

    fn put(&mut self, key: &str, memo: Option<Memo>) -> Result<()> {
        self.entries.retain(|(k, _)| k != key);
        if let Some(m) = memo {
            self.entries.push((key.to_string(), m));
        }
        // Bounded: the oldest records go first (a rejected PIN of a SIM long gone).
        while self.entries.len() > MAX_ENTRIES {
            self.entries.remove(0);
        }
        self.save()
    }
}
