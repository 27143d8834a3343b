//! The Huawei E367 through the whole switch: database entry from the shipped
//! database, exact USB operations on a fake bus, vanish and reappearance as
//! 12d1:1506 on the same port, and the cases around it.

mod usbfake;

use umodem::cmd::switch::{switch_all, Select};
use umodem::core::db::DeviceStrings;
use umodem::core::modeswitch;
use umodem::hw::usb::{switch_device, Outcome, SwitchOpts, Trace};
use umodem::out::Out;
use umodem::Result;
use usbfake::*;

fn e367_stick(port: &str) -> Stick {
    Stick::new(
        e367_storage(port),
        Some(e367_modem(port)),
        Trigger::Bulk {
            ep: 0x01,
            data: hexb("55534243123456780000000000000011062000000101000100000000000000"),
        },
    )
}

fn opts() -> SwitchOpts {
    SwitchOpts::default()
}

/// Switch the E367 in storage mode on 1-1 with the shipped database's entry.
fn switch_e367(bus: &mut FakeUsb, o: SwitchOpts) -> Result<Outcome> {
    let db = shipped_db();
    let (_, e) = db
        .lookup(0x12d1, 0x1446, &DeviceStrings::default())
        .expect("12d1:1446 in the database");
    switch_device(bus, &e367_storage("1-1"), e, &db, o, &mut Trace::default())
}

#[test]
fn e367_switches_with_the_huawei_new_message_and_comes_back_as_1506() {
    let db = shipped_db();
    let dev = e367_storage("1-1");
    let (key, entry) = db
        .lookup(0x12d1, 0x1446, &DeviceStrings::default())
        .expect("12d1:1446 in the database");
    assert_eq!(key, "*");
    assert!(entry.t_product.contains(&0x1506), "1506 is a listed target");

    let mut bus = FakeUsb::new(vec![e367_stick("1-1")]);
    let mut t = Trace::default();
    let out = switch_device(&mut bus, &dev, entry, &db, opts(), &mut t).unwrap();

    assert_eq!(bus.until_close(), one_message_calls(HUAWEI_NEW));
    match out {
        Outcome::Switched { method, now } => {
            assert_eq!(method, "HuaweiNew");
            let now = now.unwrap();
            assert_eq!((now.vid, now.pid), (0x12d1, 0x1506));
            assert_eq!(now.port_path, "1-1");
            assert_eq!(now.address, 3, "re-enumerated: new address");
        }
        o => panic!("not switched: {o:?}"),
    }
    // Polling stayed inside the default bound of 20 s of (virtual) time.
    assert!(bus.now_ms <= 20_000);
    assert!(t.lines.iter().any(|l| l
        .as_str()
        .is_some_and(|l| l.contains("now 12d1:1506 on 1-1"))));
}

#[test]
fn the_write_ups_older_message_works_as_a_generic_entry() {
    let json = r#"{"messages":["55534243123456780000000000000011062000000100000000000000000000"],
        "devices":{"12d1:1446":{"*":{"t_vendor":4817,"t_product":[5382],"msg":[0]}}}}"#;
    let db = umodem::core::db::Db::parse(json, "t").unwrap();
    let (_, e) = db
        .lookup(0x12d1, 0x1446, &DeviceStrings::default())
        .unwrap();
    let seed = hexb("55534243123456780000000000000011062000000100000000000000000000");
    let mut stick = e367_stick("1-1");
    stick.trigger = Trigger::Bulk {
        ep: 0x01,
        data: seed.clone(),
    };
    let mut bus = FakeUsb::new(vec![stick]);
    let out = switch_device(
        &mut bus,
        &e367_storage("1-1"),
        e,
        &db,
        opts(),
        &mut Trace::default(),
    );
    assert!(matches!(out, Ok(Outcome::Switched { .. })), "{out:?}");
    assert!(bus.calls.contains(&Call::BulkOut {
        ep: 0x01,
        data: seed
    }));
}

#[test]
fn a_stick_that_ignores_the_message_is_reported_within_the_timeout() {
    let mut stick = e367_stick("1-1");
    stick.trigger = Trigger::Never;
    let mut bus = FakeUsb::new(vec![stick]);
    let o = SwitchOpts {
        timeout_ms: 5000,
        poll_ms: 250,
    };
    let err = switch_e367(&mut bus, o).unwrap_err();
    assert!(err.msg().contains("did not react"), "{}", err.msg());
    assert!(err.msg().contains("within 5 s"), "{}", err.msg());
    // Bounded: it polled for the timeout, plus the 50 ms settle in the plan.
    assert_eq!(bus.now_ms, 5000 + 50);
}

#[test]
fn a_stick_that_leaves_and_never_returns_is_reported() {
    let mut stick = e367_stick("1-1");
    stick.next = None;
    let mut bus = FakeUsb::new(vec![stick]);
    let err = switch_e367(&mut bus, opts()).unwrap_err();
    assert!(
        err.msg()
            .contains("left the bus but nothing came back on its port"),
        "{}",
        err.msg()
    );
}

#[test]
fn coming_back_in_storage_mode_is_a_failure() {
    let mut stick = e367_stick("1-1");
    stick.next = Some(e367_storage("1-1"));
    let mut bus = FakeUsb::new(vec![stick]);
    let err = switch_e367(&mut bus, opts()).unwrap_err();
    assert!(err.msg().contains("same (storage) mode"), "{}", err.msg());
}

#[test]
fn a_device_that_vanishes_mid_message_stops_the_plan_quietly_and_still_succeeds() {
    let mut stick = e367_stick("1-1");
    stick.vanish_ms = 0; // gone right after the CBW: the CSW read finds no device
    let mut bus = FakeUsb::new(vec![stick]);
    let out = switch_e367(&mut bus, opts()).unwrap();
    assert!(matches!(out, Outcome::Switched { .. }));
    assert!(
        !bus.calls.contains(&Call::Release(0)),
        "nothing sent after the device left"
    );
}

#[test]
fn switch_all_touches_only_database_devices_and_leaves_the_usb_disk_alone() {
    let db = shipped_db();
    let mut disk = Stick::new(usb_disk("1-1.2"), None, Trigger::Never);
    disk.dev.address = 7;
    let mut bus = FakeUsb::new(vec![disk, e367_stick("1-1.1")]);
    let rep = switch_all(&mut bus, &db, &Select::default(), opts(), None).unwrap();
    assert!(rep.failures.is_empty());
    let out = rep.devices;
    assert_eq!(out.len(), 1, "only the E367");
    let text = Out::List(out).to_text();
    assert!(text.contains("0.state=switched"), "{text}");
    assert!(text.contains("0.now=12d1:1506"), "{text}");
    // The disk (bus 1, address 2 on 1-1.2) was never opened.
    let opened: Vec<&Call> = bus
        .calls
        .iter()
        .filter(|c| matches!(c, Call::Open { .. }))
        .collect();
    assert_eq!(opened.len(), 1);
    assert!(bus
        .calls
        .iter()
        .all(|c| !matches!(c, Call::Detach { was_bound: true, iface } if *iface != 0)));
}

#[test]
fn selecting_a_device_that_is_not_in_the_database_is_refused_without_touching_it() {
    let db = shipped_db();
    let mut bus = FakeUsb::new(vec![Stick::new(usb_disk("1-2"), None, Trigger::Never)]);
    let sel = Select {
        port_path: Some("1-2".into()),
        id: None,
    };
    let rep = switch_all(&mut bus, &db, &sel, opts(), None).unwrap();
    assert!(rep.devices.is_empty());
    assert_eq!(
        rep.failures,
        "0781:5567 on 1-2: not in the device database; not touching it"
    );
    assert!(bus.calls.is_empty(), "{:?}", bus.calls);
}

#[test]
fn a_stick_already_in_modem_mode_is_left_alone_quietly() {
    let db = shipped_db();
    // 12d1:1506 is not a switch source: nothing to do, no error, no USB traffic.
    let mut bus = FakeUsb::new(vec![Stick::new(e367_modem("1-1"), None, Trigger::Never)]);
    let rep = switch_all(&mut bus, &db, &Select::default(), opts(), None).unwrap();
    assert!(rep.devices.is_empty() && rep.failures.is_empty());
    assert!(bus.calls.is_empty());
}

#[test]
fn the_port_path_selects_one_of_two_identical_sticks() {
    let db = shipped_db();
    let mut bus = FakeUsb::new(vec![e367_stick("1-1.1"), e367_stick("1-1.3")]);
    bus.sticks[1].dev.address = 5;
    let sel = Select {
        port_path: Some("1-1.3".into()),
        id: Some((0x12d1, 0x1446)),
    };
    let out = switch_all(&mut bus, &db, &sel, opts(), None)
        .unwrap()
        .devices;
    assert_eq!(out.len(), 1);
    assert_eq!(bus.calls[0], Call::Open { bus: 1, address: 5 });
    let text = Out::List(out).to_text();
    assert!(text.contains("0.now_port=1-1.3"), "{text}");
}

#[test]
fn open_failure_names_the_device_and_the_cause() {
    let mut bus = FakeUsb::new(vec![e367_stick("1-1")]);
    bus.open_error = Some(umodem::hw::usb::UsbError::Access);
    let err = switch_e367(&mut bus, opts()).unwrap_err();
    assert!(
        err.msg()
            .contains("12d1:1446 on 1-1: cannot open: access denied (run as root)"),
        "{}",
        err.msg()
    );
}

#[test]
fn progress_tells_present_vanished_and_reappeared_apart() {
    let orig = e367_storage("1-1");
    assert_eq!(
        modeswitch::progress(&orig, std::slice::from_ref(&orig)),
        modeswitch::Progress::Present
    );
    assert_eq!(
        modeswitch::progress(&orig, &[usb_disk("1-2")]),
        modeswitch::Progress::Vanished
    );
    let mut back = e367_modem("1-1");
    back.address = 3;
    assert_eq!(
        modeswitch::progress(&orig, &[usb_disk("1-2"), back]),
        modeswitch::Progress::Reappeared(1)
    );
}

#[test]
fn a_hotplug_request_for_a_port_that_already_switched_is_quiet() {
    let db = shipped_db();
    let mut bus = FakeUsb::new(vec![Stick::new(e367_modem("1-1"), None, Trigger::Never)]);
    let sel = Select {
        port_path: Some("1-1".into()),
        id: Some((0x12d1, 0x1446)),
    };
    let rep = switch_all(&mut bus, &db, &sel, opts(), None).unwrap();
    assert!(rep.failures.is_empty());
    let text = Out::List(rep.devices).to_text();
    assert!(
        text.contains("0.state=left_alone\n0.reason=the device on 1-1 is now 12d1:1506\n"),
        "{text}"
    );
    assert!(bus.calls.is_empty());
}

#[test]
fn a_hotplug_request_for_an_empty_port_is_an_error() {
    let db = shipped_db();
    let mut bus = FakeUsb::new(vec![]);
    let sel = Select {
        port_path: Some("1-4".into()),
        id: Some((0x12d1, 0x1446)),
    };
    let e = switch_all(&mut bus, &db, &sel, opts(), None).err().unwrap();
    assert_eq!(e.msg(), "no USB device on port 1-4");
}

#[test]
fn a_known_id_whose_strings_match_no_entry_is_left_alone_quietly() {
    let db = shipped_db();
    // 05c6:1000 has only maker-specific entries; this one names no known maker.
    let mut d = storage_stick(0x05c6, 0x1000, "1-3");
    d.strings.manufacturer = Some("Nobody Inc".into());
    let mut bus = FakeUsb::new(vec![Stick::new(d, None, Trigger::Never)]);
    let sel = Select {
        port_path: Some("1-3".into()),
        id: Some((0x05c6, 0x1000)),
    };
    let rep = switch_all(&mut bus, &db, &sel, opts(), None).unwrap();
    assert!(rep.failures.is_empty(), "{:?}", rep.failures);
    let text = Out::List(rep.devices).to_text();
    assert!(
        text.contains("0.state=left_alone\n0.reason=no database entry matches its strings\n"),
        "{text}"
    );
    assert!(bus.calls.is_empty());
}
