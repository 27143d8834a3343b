//! `umodem at`: AT commands on a modem's control port, one a line from stdin
//! (never argv, nor a log: a command may carry a password), each answer printed
//! (its lines, then its final result). The port is found and locked as for
//! `info`; the first command that does not end in OK ends the run. The netifd
//! handler starts and ends NCM data calls with it (`AT^NDISDUP`).

use crate::cli::Args;
use crate::core::engine::{AtError, Engine};
use crate::error::{code, Error, Result};
use crate::hw::port;
use crate::hw::usbsys::UsbSysfs;

pub fn run(mut args: Args) -> Result<()> {
    let usage = |e: Error| Error::with_code(code::USAGE, e.msg());
    let port = args.usage_value("--port")?;
    let secs: Option<u64> = args.number("--timeout").map_err(usage)?;
    let root = UsbSysfs::from_args(args.usage_value("--sysfs")?);
    args.usage_finish()?;
    // Each answer, and the wait for the port lock, take at most this long.
    let ms = secs.unwrap_or(5).clamp(1, 60) * 1000;
    let input = read_stdin("AT commands")?;
    port::talk(port, &root, "at", &mut |e, path, _| {
        run_lines(e, path, &input, ms)
    })
}

/// Each command of `input` on `e`, the answers printed: the first that does
/// not end in OK ends it (an error naming `path`).
fn run_lines(e: &mut Engine, path: &std::path::Path, input: &str, ms: u64) -> Result<()> {
    let mut out = String::new();
    let mut res = Ok(());
    for cmd in input.lines().map(str::trim_ascii).filter(|c| !c.is_empty()) {
        let (code, why) = match e.command_secret(cmd, ms) {
            Ok(r) => {
                for l in &r.lines {
                    out.push_str(l);
                    out.push('\n');
                }
                let f = r.result.describe();
                out.push_str(&f);
                out.push('\n');
                if r.result.is_ok() {
                    continue;
                }
                (code::MODEM_ERROR, f)
            }
            Err(AtError::Timeout) => (code::MODEM_ERROR, "no answer".into()),
            Err(AtError::Gone(why)) => (code::NO_DEVICE, why),
        };
        res = Err(Error::with_code(code, format!("{}: {why}", path.display())));
        break;
    }
    crate::hw::file::write_fd(1, out.as_bytes()).map_err(|e| Error::io("writing output", &e))?;
    res
}

/// Longest stdin read (`at`; `sms send` in umodem-full: 255 parts of 153
/// characters, with room for UTF-8).
const MAX_INPUT: usize = 160 * 1024;

/// Up to `MAX_INPUT` bytes of stdin, as UTF-8 (plain `read(2)`: std's
/// buffered `Stdin` costs flash for nothing here).
pub fn read_stdin(what: &str) -> Result<String> {
    let mut v = vec![0u8; MAX_INPUT];
    let mut n = 0;
    while let Some(rest) = v.get_mut(n..).filter(|r| !r.is_empty()) {
        // SAFETY: `rest` is valid for `rest.len()` bytes.
        let r = unsafe { libc::read(0, rest.as_mut_ptr().cast(), rest.len()) };
        if r > 0 {
            n += r as usize;
            continue;
        }
        if r == 0 {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(crate::err!(code::USAGE; "reading {what} from stdin: {e}"));
        }
    }
    v.truncate(n);
    String::from_utf8(v).map_err(|_| crate::err!(code::USAGE; "{what} on stdin is not UTF-8"))
}
