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

pub fn run(mut args: Args) -> Result<()> {
    let port = args.usage_value("--port")?;
    let service = args.usage_value("--service")?;
    let state_dir = args.usage_value("--state-dir")?;
    let root = UsbSysfs::from_args(args.usage_value("--sysfs")?);
    args.usage_finish()?;
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
