//! umodem's feed tool: apk v3 packages and `packages.adb` (written and read), their
//! ECDSA P-256 signatures, and usign/signify Ed25519 signatures for opkg's `Packages`.
//!
//! Everything is deterministic: the same tree, metadata, `SOURCE_DATE_EPOCH` and keys
//! give the same bytes (Ed25519 is deterministic; ECDSA uses RFC 6979 nonces).

pub mod adb;
pub mod index;
pub mod install;
pub mod keys;
pub mod pkg;
pub mod schema;

use std::fmt;

/// An error with a message that says what went wrong and, where it can, what to do.
#[derive(Debug)]
pub struct Error(pub String);

impl Error {
    pub fn new(msg: impl Into<String>) -> Self {
        Error(msg.into())
    }
    /// Prefixes the message with where it happened (a file, a package).
    pub fn at(self, what: impl fmt::Display) -> Self {
        Error(format!("{what}: {}", self.0))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

pub fn sha256(b: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(b).into()
}

pub fn sha512(b: &[u8]) -> [u8; 64] {
    use sha2::Digest;
    sha2::Sha512::digest(b).into()
}

/// Reads a file, with its path in the error.
pub fn read(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))
}

/// Writes a file through a temporary name and a rename, so a reader (or a failed run)
/// never sees half of it.
pub fn write_atomic(path: &std::path::Path, data: &[u8], mode: u32) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    let res = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::new(format!("cannot write {}: {e}", path.display()))
    })
}
