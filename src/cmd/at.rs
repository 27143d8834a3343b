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
    let input = crate::cmd::sms::read_stdin("AT commands")?;
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
