//! Where the device database comes from, in order (later layers override):
//! 1. `/usr/share/umodem/usb-mode.txt` (shipped, generated from usb-modeswitch-data;
//!    the line form of `core::db`: half the bytes of the same JSON)
//! 2. `/etc/usb-mode.json` (OpenWrt's usbmode format), if present
//! 3. `/etc/umodem/usb-mode.d/*.json` (the user's own entries), in name order

use std::path::{Path, PathBuf};

use crate::core::db::{Db, MAX_DB_BYTES};
use crate::error::{Error, Result};
use crate::hw::file;

pub const SHIPPED: &str = "/usr/share/umodem/usb-mode.txt";
pub const SYSTEM: &str = "/etc/usb-mode.json";
pub const USER_DIR: &str = "/etc/umodem/usb-mode.d";

/// The layer files that exist, in order. `shipped` must exist.
pub fn layers(shipped: &Path, system: &Path, user_dir: &Path) -> Vec<PathBuf> {
    let mut v = vec![shipped.to_path_buf()];
    if file::exists(system) {
        v.push(system.to_path_buf());
    }
    for n in file::names(user_dir) {
        if n.ends_with(".json") {
            v.push(user_dir.join(n));
        }
    }
    v
}

/// Parse one layer: `*.json` is usbmode's JSON form, anything else the line form.
fn parse(path: &Path) -> Result<Db> {
    let name = path.display().to_string();
    let b = file::read_max(path, MAX_DB_BYTES + 1).map_err(|e| Error::io(&name, &e))?;
    let text = std::str::from_utf8(&b)
        .ok()
        .filter(|t| t.len() <= MAX_DB_BYTES)
        .ok_or_else(|| {
            crate::err!("{name}: not a device database (not UTF-8, or over {MAX_DB_BYTES} bytes)")
        })?;
    if name.ends_with(".json") {
        Db::parse(text, &name)
    } else {
        Db::parse_lines(text, &name)
    }
}

/// Load and merge `paths`. The first is the base and must load; a later file
/// that fails to load is reported in `warnings` and skipped.
pub fn load(paths: &[PathBuf]) -> Result<Db> {
    let Some((first, rest)) = paths.split_first() else {
        return Err(Error::new("no device database given"));
    };
    let mut db = parse(first).map_err(|e| {
        crate::err!(
            "device database: {}; reinstall umodem to restore it",
            e.msg()
        )
    })?;
    for p in rest {
        match parse(p) {
            Ok(layer) => db.merge(layer),
            Err(e) => db.warnings.push(format!("{} (ignored)", e.msg())),
        }
    }
    for w in &db.warnings {
        log::warn!("{w}");
    }
    Ok(db)
}

/// The database the commands use: `--db FILE` alone, else the standard layers.
/// It lives until the command ends (leaked: no code to free it on the way out).
pub fn load_default(db_override: Option<&str>) -> Result<&'static Db> {
    let paths = match db_override {
        Some(f) => vec![PathBuf::from(f)],
        None => layers(Path::new(SHIPPED), Path::new(SYSTEM), Path::new(USER_DIR)),
    };
    load(&paths).map(|db| &*Box::leak(Box::new(db)))
}
