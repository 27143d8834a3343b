//! Fuzz the device-database loader (both forms: text starting with `L` is read as
//! the line form, anything else as JSON): any bytes must give a `Db` or an error,
//! never a panic; whatever loads must look up, merge and plan without one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use umodem::core::db::{Db, DeviceStrings};
use umodem::core::modeswitch::{plan, Config, Endpoint, Interface, UsbDevice};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first byte picks the form: usbmode's JSON or umodem's line form.
    let parsed = match text.strip_prefix('L') {
        Some(lines) => Db::parse_lines(lines, "fuzz"),
        None => Db::parse(text, "fuzz"),
    };
    let Ok(db) = parsed else {
        return;
    };
    let dev = UsbDevice {
        bus: 1,
        address: 2,
        port_path: "1-1".into(),
        vid: 0,
        pid: 0,
        class: 0,
        active_config: Some(1),
        configs: vec![Config {
            value: 1,
            interfaces: vec![Interface {
                number: 0,
                alt: 0,
                class: 8,
                subclass: 6,
                protocol: 0x50,
                endpoints: vec![
                    Endpoint { address: 0x81, attributes: 2 },
                    Endpoint { address: 0x01, attributes: 2 },
                ],
                ..Interface::default()
            }],
        }],
        strings: DeviceStrings {
            manufacturer: Some("Fuzz Corp".into()),
            ..DeviceStrings::default()
        },
    };
    for (vid, pid, _key, _e) in db.iter() {
        let mut d = dev.clone();
        d.vid = vid;
        d.pid = pid;
        if let Some((_, e)) = db.lookup(vid, pid, &d.strings) {
            let _ = plan(&d, e);
        }
    }
    let mut base = Db::default();
    base.merge(db);
});
