//! Files without `std::fs::File::open`: `open(2)` and a read loop.
//!
//! Why: std's `OpenOptions` checks its flags with `io::Error::new(kind, &str)`, which
//! boxes a `String` as `dyn Error`; that brings its `Debug` (string escaping and the
//! Unicode printable/grapheme tables, ~3 KB on mips) into every binary that opens a
//! file. `std::fs::{read, read_to_string, write}`, `File::open`, `File::create` all
//! go through it. Use these instead (and `std::fs` for directories, links, renames).

use std::fs::File;
use std::io;
use std::os::fd::FromRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub use libc::{O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY};

/// `path` as a NUL-terminated byte string (EINVAL if it holds a NUL).
fn c_path(path: &Path) -> io::Result<Vec<u8>> {
    let mut c = path.as_os_str().as_bytes().to_vec();
    if c.contains(&0) {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    c.push(0);
    Ok(c)
}

/// `open(2)` (close-on-exec); `mode` applies when `flags` has `O_CREAT`.
pub fn open(path: &Path, flags: libc::c_int, mode: libc::c_uint) -> io::Result<File> {
    let c = c_path(path)?;
    loop {
        // SAFETY: `c` is a NUL-terminated byte string that outlives the call.
        let fd = unsafe { libc::open(c.as_ptr().cast(), flags | libc::O_CLOEXEC, mode) };
        if fd >= 0 {
            // SAFETY: `fd` was just opened and is owned by nothing else.
            return Ok(unsafe { File::from_raw_fd(fd) });
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
}

/// The whole file, at most `max` bytes (a longer file is cut there).
pub fn read_max(path: &Path, max: usize) -> io::Result<Vec<u8>> {
    use std::os::fd::AsRawFd;
    let f = open(path, O_RDONLY, 0)?;
    let mut v = Vec::new();
    let mut buf = [0u8; 1024];
    while v.len() < max {
        // SAFETY: `buf` is valid for its length; `f` is open for the call.
        let n = unsafe { libc::read(f.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        match usize::try_from(n) {
            Ok(0) => break,
            Ok(n) => v.extend_from_slice(buf.get(..n).unwrap_or(&[])),
            Err(_) => {
                let e = io::Error::last_os_error();
                if e.raw_os_error() != Some(libc::EINTR) {
                    return Err(e);
                }
            }
        }
    }
    v.truncate(max);
    Ok(v)
}

/// The whole file (as `std::fs::read`).
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    read_max(path, usize::MAX)
}

/// The whole file as text (as `std::fs::read_to_string`: not UTF-8 is an error).
pub fn read_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?).map_err(|_| io::Error::from_raw_os_error(libc::EILSEQ))
}

/// Create or truncate `path` (mode 0666 before the umask) and write `data`.
pub fn write(path: &Path, data: &[u8]) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    write_fd(
        open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o666)?.as_raw_fd(),
        data,
    )
}

/// Write all of `b` to file descriptor `fd` (1 stdout, 2 stderr), unbuffered:
/// without std's `Stdout`/`Stderr` (their locks and line buffering cost ~2 KB).
pub fn write_fd(fd: libc::c_int, mut b: &[u8]) -> io::Result<()> {
    while !b.is_empty() {
        // SAFETY: `b` is valid for `b.len()` bytes.
        let n = unsafe { libc::write(fd, b.as_ptr().cast(), b.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(e);
        }
        b = b.get(n as usize..).unwrap_or(&[]);
    }
    Ok(())
}

/// Whether `fd` is a terminal.
pub fn is_tty(fd: libc::c_int) -> bool {
    // SAFETY: isatty only looks at the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// An environment variable, if set and UTF-8 (as `std::env::var(..).ok()`, without
/// std's environment lock: umodem runs no threads). `name` ends in a NUL: `c"NAME"`.
pub fn env(name: &std::ffi::CStr) -> Option<String> {
    // SAFETY: `name` is NUL-terminated; getenv's result is a NUL-terminated string
    // owned by the environment, copied before anything can change it.
    let p = unsafe { libc::getenv(name.as_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: non-null result of getenv, see above.
    let v = unsafe { std::ffi::CStr::from_ptr(p) };
    v.to_str().ok().map(str::to_string)
}

/// The names in directory `dir` (not "." and ".."; not UTF-8 ones skipped), sorted;
/// none if it cannot be read. opendir/readdir, not `std::fs::read_dir` (~1 KB).
pub fn names(dir: &Path) -> Vec<String> {
    let mut v = Vec::new();
    let Ok(c) = c_path(dir) else {
        return v;
    };
    // SAFETY: `c` is NUL-terminated; each dirent is read before the next readdir
    // and `d` is closed once, after the last one.
    unsafe {
        let d = libc::opendir(c.as_ptr().cast());
        if d.is_null() {
            return v;
        }
        loop {
            let e = libc::readdir(d);
            if e.is_null() {
                break;
            }
            let n = std::ffi::CStr::from_ptr((*e).d_name.as_ptr()).to_bytes();
            if n != b"." && n != b".." {
                if let Ok(n) = std::str::from_utf8(n) {
                    v.push(n.to_string());
                }
            }
        }
        libc::closedir(d);
    }
    // A handful of names: std's sort would cost kilobytes of flash for this.
    crate::core::ports::sort_small(&mut v, |a, b| a < b);
    v
}

/// Whether `path` exists (following links, as `Path::exists`): access(2), not
/// std's stat machinery.
pub fn exists(path: &Path) -> bool {
    // SAFETY: the path is NUL-terminated and outlives the call.
    c_path(path).is_ok_and(|c| unsafe { libc::access(c.as_ptr().cast(), libc::F_OK) } == 0)
}

/// Whether `path` is a directory (or a link to one): "path/." exists.
pub fn is_dir(path: &Path) -> bool {
    exists(&path.join("."))
}

/// The target a symbolic link names (at most 1 KB; none if not a link or not UTF-8).
pub fn read_link(path: &Path) -> Option<String> {
    let c = c_path(path).ok()?;
    let mut buf = [0u8; 1024];
    // SAFETY: `c` is NUL-terminated; readlink writes at most `buf.len()` bytes.
    let n = unsafe { libc::readlink(c.as_ptr().cast(), buf.as_mut_ptr().cast(), buf.len()) };
    let b = buf.get(..usize::try_from(n).ok()?)?;
    std::str::from_utf8(b).ok().map(str::to_string)
}

/// rename(2) (as `fs::rename`).
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    let (f, t) = (c_path(from)?, c_path(to)?);
    // SAFETY: both paths are NUL-terminated and outlive the call.
    if unsafe { libc::rename(f.as_ptr().cast(), t.as_ptr().cast()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Create `dir` and its missing parents with `mode` (as `fs::create_dir_all` or
/// `DirBuilder::recursive`): mkdir(2) per component, an existing one is fine.
pub fn mkdirs(dir: &Path, mode: libc::mode_t) -> io::Result<()> {
    let mut c = c_path(dir)?;
    // Each prefix ending before a '/' (not the root), then the whole path: the
    // '/' is made the string's end for the call, then put back.
    for i in 1..c.len() {
        let Some(slot) = c.get_mut(i) else { break };
        let b = *slot;
        if b != b'/' && b != 0 {
            continue;
        }
        *slot = 0;
        // SAFETY: `c` is NUL-terminated (at `i`) and outlives the call.
        let r = unsafe { libc::mkdir(c.as_ptr().cast(), mode) };
        let e = io::Error::last_os_error();
        if let Some(slot) = c.get_mut(i) {
            *slot = b;
        }
        if r != 0 && e.raw_os_error() != Some(libc::EEXIST) {
            return Err(e);
        }
    }
    if is_dir(dir) {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(libc::ENOTDIR))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_links_and_names() {
        let t = std::env::temp_dir().join(format!("umodem-file-{}", std::process::id()));
        let deep = t.join("a/b//c/");
        assert!(mkdirs(&deep, 0o700).is_ok());
        assert!(mkdirs(&deep, 0o700).is_ok(), "existing is fine");
        assert!(is_dir(&deep) && exists(&deep));
        assert!(write(&t.join("a/f"), b"x").is_ok());
        assert!(exists(&t.join("a/f")) && !is_dir(&t.join("a/f")));
        assert!(
            mkdirs(&t.join("a/f/g"), 0o700).is_err(),
            "a file in the way"
        );
        assert!(
            mkdirs(&t.join("a/f"), 0o700).is_err(),
            "a file is not a dir"
        );
        assert_eq!(names(&t.join("a")), ["b", "f"]);
        assert!(rename(&t.join("a/f"), &t.join("a/e")).is_ok());
        assert!(rename(&t.join("a/f"), &t.join("a/e")).is_err(), "gone");
        assert_eq!(names(&t.join("a")), ["b", "e"]);
        assert!(names(&t.join("none")).is_empty());
        assert!(std::os::unix::fs::symlink("../x/option", t.join("l")).is_ok());
        assert_eq!(read_link(&t.join("l")).as_deref(), Some("../x/option"));
        assert_eq!(read_link(&t.join("a")), None);
        assert!(!exists(&t.join("l")), "a dangling link is followed");
        let _ = std::fs::remove_dir_all(&t);
    }
}
