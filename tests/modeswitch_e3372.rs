//! The Huawei E3372 (issue 15) through the switch with the shipped database: both
//! firmwares show the same CD-ROM, 12d1:1f01; the database's HuaweiNew message takes
//! the HiLink firmware to 12d1:14dc (a CDC ECM network function) and the stick
//! firmware to 12d1:1506 (AT ports and an NCM function), both on the same port.
//! The same bytes as the E367's: what the VM gadget checks (tests/gadget).

mod usbfake;

use umodem::cmd::switch::{switch_all, Select};
use umodem::core::db::DeviceStrings;
use umodem::core::modeswitch::{Config, UsbDevice};
use umodem::hw::usb::{switch_device, Outcome, SwitchOpts, Trace};
use umodem::out::Out;
use usbfake::*;

/// The E3372's storage mode, both firmwares: CD-ROM (if0) and SD slot (if1).
fn e3372_cd(port: &str) -> UsbDevice {
    let mut d = device(
        0x12d1,
        0x1f01,
        port,
        vec![Config {
            value: 1,
            interfaces: vec![
                iface(0, STORAGE, vec![bulk(0x81), bulk(0x01)]),
                iface(1, STORAGE, vec![bulk(0x82), bulk(0x02)]),
            ],
        }],
    );
    d.strings.manufacturer = Some("HUAWEI_MOBILE".into());
    d.strings.product = Some("HUAWEI_MOBILE".into());
    d
}

/// HiLink firmware after the switch: ECM control (02/06/00) + data (0a/00/00), SD slot.
fn e3372h_net(port: &str) -> UsbDevice {
    device(
        0x12d1,
        0x14dc,
        port,
        vec![Config {
            value: 1,
            interfaces: vec![
                iface(0, (2, 6, 0), vec![int(0x81)]),
                iface(1, (0x0a, 0, 0), vec![bulk(0x82), bulk(0x01)]),
                iface(2, STORAGE, vec![bulk(0x83), bulk(0x02)]),
            ],
        }],
    )
}

/// Stick firmware after the switch: PCUI ff/02/12, modem ff/02/01, NCM 02/0d/00 +
/// 0a/00/01, CD-ROM and SD slot.
fn e3372s_modem(port: &str) -> UsbDevice {
    let mut d = device(
        0x12d1,
        0x1506,
        port,
        vec![Config {
            value: 1,
            interfaces: vec![
                iface(0, (0xff, 2, 0x12), vec![bulk(0x81), bulk(0x01)]),
                iface(1, (0xff, 2, 0x01), vec![int(0x82), bulk(0x83), bulk(0x02)]),
                iface(2, (2, 0x0d, 0), vec![int(0x84)]),
                iface(3, (0x0a, 0, 1), vec![bulk(0x85), bulk(0x03)]),
                iface(4, STORAGE, vec![bulk(0x86), bulk(0x04)]),
                iface(5, STORAGE, vec![]),
            ],
        }],
    );
    d.class = 0xef;
    d
}

fn e3372(port: &str, next: UsbDevice) -> Stick {
    Stick::new(
        e3372_cd(port),
        Some(next),
        Trigger::Bulk {
            ep: 0x01,
            data: hexb(HUAWEI_NEW),
        },
    )
}

/// Switch the CD-ROM on 1-1 with the shipped entry; the calls and the device now there.
fn switch(next: UsbDevice) -> (Vec<Call>, UsbDevice, Vec<String>) {
    let db = shipped_db();
    let (key, entry) = db
        .lookup(0x12d1, 0x1f01, &DeviceStrings::default())
        .expect("12d1:1f01 in the shipped database");
    assert_eq!(key, "*");
    assert_eq!(entry.t_vendor, Some(0x12d1));
    let mut bus = FakeUsb::new(vec![e3372("1-1", next)]);
    let mut t = Trace::default();
    let out = switch_device(
        &mut bus,
        &e3372_cd("1-1"),
        entry,
        &db,
        SwitchOpts::default(),
        &mut t,
    )
    .expect("switched");
    assert!(bus.now_ms <= 20_000, "within the default bound");
    match out {
        Outcome::Switched { method, now } => {
            assert_eq!(method, "HuaweiNew");
            (
                bus.until_close(),
                now.expect("re-enumerated"),
                t.lines
                    .iter()
                    .filter_map(|l| l.as_str())
                    .map(String::from)
                    .collect(),
            )
        }
        o => panic!("not switched: {o:?}"),
    }
}

/// What the switch sent: the HuaweiNew CBW to the CD-ROM's bulk OUT, the CSW read.
fn assert_huawei_new(calls: &[Call]) {
    assert_eq!(calls, one_message_calls(HUAWEI_NEW));
}

#[test]
fn hilink_e3372h_switches_to_14dc_its_ecm_network_mode() {
    let (calls, now, lines) = switch(e3372h_net("1-1"));
    assert_huawei_new(&calls);
    assert_eq!(
        (now.vid, now.pid, now.port_path.as_str()),
        (0x12d1, 0x14dc, "1-1")
    );
    assert_eq!(now.address, 3, "a new device on the same port");
    assert!(
        lines.iter().any(|l| l.contains("now 12d1:14dc on 1-1")),
        "{lines:?}"
    );
    let db = shipped_db();
    assert!(
        db.is_target(0x12d1, 0x14dc),
        "14dc is a listed target of 1f01"
    );
    assert!(
        !db.knows(0x12d1, 0x14dc),
        "and no switch source: left alone after"
    );
}

#[test]
fn stick_e3372s_switches_to_1506_with_at_ports_and_ncm() {
    let (calls, now, lines) = switch(e3372s_modem("1-1"));
    assert_huawei_new(&calls);
    assert_eq!(
        (now.vid, now.pid, now.port_path.as_str()),
        (0x12d1, 0x1506, "1-1")
    );
    assert!(
        lines.iter().any(|l| l.contains("now 12d1:1506 on 1-1")),
        "{lines:?}"
    );
    // 1f01's entry lists 14db/14dc (usb-modeswitch-data's); a stick firmware coming
    // back as 1506 is a success all the same (usb_modeswitch checks no target either
    // without CheckSuccess), and 1506 is a known modem-mode id that is never switched.
    let db = shipped_db();
    assert!(db.is_target(0x12d1, 0x1506));
    assert!(!db.knows(0x12d1, 0x1506));
}

#[test]
fn switch_all_takes_both_e3372_firmwares_and_leaves_them_alone_in_network_mode() {
    let db = shipped_db();
    let mut s = e3372("1-1.2", e3372s_modem("1-1.2"));
    s.dev.address = 5;
    let mut bus = FakeUsb::new(vec![e3372("1-1.1", e3372h_net("1-1.1")), s]);
    let rep = switch_all(
        &mut bus,
        &db,
        &Select::default(),
        SwitchOpts::default(),
        None,
    )
    .unwrap();
    assert!(rep.failures.is_empty(), "{:?}", rep.failures);
    let text = Out::List(rep.devices).to_text();
    assert!(text.contains("0.state=switched"), "{text}");
    assert!(text.contains("1.state=switched"), "{text}");
    assert!(text.contains("now=12d1:14dc"), "{text}");
    assert!(text.contains("now=12d1:1506"), "{text}");

    // A second run (the hotplug event of the new ids) touches neither.
    let mut again = FakeUsb::new(vec![
        Stick::new(e3372h_net("1-1.1"), None, Trigger::Never),
        Stick::new(e3372s_modem("1-1.2"), None, Trigger::Never),
    ]);
    let rep = switch_all(
        &mut again,
        &db,
        &Select::default(),
        SwitchOpts::default(),
        None,
    )
    .unwrap();
    assert!(rep.devices.is_empty() && rep.failures.is_empty());
    assert!(again.calls.is_empty(), "{:?}", again.calls);
}
