//! `umodem prepare`: what the netifd handler runs before pppd: SIM check, PIN
//! (from `UMODEM_PIN`, never argv) only when safe, service mode. The sequence
//! is `core::prepare`; this opens the port (with its lock) and the PIN record.

use crate::cli::Args;
use crate::core::at::{cat, syscfg_for};
use crate::core::prepare;
use crate::error::{code, Error, Result};
use crate::hw::port;
use crate::hw::state::{FileStore, DEFAULT_DIR};
use crate::hw::usbsys::UsbSysfs;

fn usage(e: Error) -> Error {
    Error::with_code(code::USAGE, e.msg())
}

pub fn run(mut args: Args) -> Result<()> {
    let port = args.value("--port").map_err(usage)?;
    let service = args.value("--service").map_err(usage)?;
    let state_dir = args.value("--state-dir").map_err(usage)?;
    let root = UsbSysfs::from_args(args.value("--sysfs").map_err(usage)?);
    args.finish().map_err(usage)?;
    if let Some(s) = service.as_deref().filter(|s| syscfg_for(s).is_none()) {
        return Err(Error::with_code(
            code::USAGE,
            cat(&[
                "--service '",
                s,
                "': use one of auto, umts_only, gprs_only, umts_first, gprs_first",
            ]),
        ));
    }
    let pin_env = crate::hw::file::env(c"UMODEM_PIN");
    let mut store = FileStore::open(state_dir.as_deref().unwrap_or(DEFAULT_DIR))
        .map_err(|e| Error::with_code(code::MODEM_ERROR, e.msg()))?;
    port::talk(port, &root, "prepare", &mut |e, _, profile| {
        prepare::prepare(
            e,
            profile,
            pin_env.as_deref(),
            &mut store,
            service.as_deref(),
        )?;
        Ok(())
    })
}
