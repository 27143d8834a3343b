//! Every switching method through the `UsbBackend` trait: the exact bytes,
//! endpoints, control requests and driver detaches, from a database entry in
//! usb-mode.json form to the device coming back (or settling) on its port.

mod usbfake;

use umodem::core::db::{Db, DeviceStrings};
use umodem::core::modeswitch::{self, Config, Decision, UsbDevice};
use umodem::hw::usb::{switch_device, Outcome, SwitchOpts, Trace};
use umodem::Result;
use usbfake::*;

/// Build a one-device database from a match object (and messages).
fn db(messages: &[&str], entry: &str) -> Db {
    let msgs: Vec<String> = messages.iter().map(|m| format!("\"{m}\"")).collect();
    let json = format!(
        r#"{{"messages":[{}],"devices":{{"1234:5678":{{"*":{entry}}}}}}}"#,
        msgs.join(",")
    );
    Db::parse(&json, "test").expect("test database parses")
}

fn run(db: &Db, stick: Stick) -> (Result<Outcome>, FakeUsb) {
    let dev = stick.dev.clone();
    let (_, e) = db
        .lookup(dev.vid, dev.pid, &DeviceStrings::default())
        .expect("entry");
    let e = e.clone();
    let mut bus = FakeUsb::new(vec![stick]);
    let r = switch_device(
        &mut bus,
        &dev,
        &e,
        db,
        SwitchOpts::default(),
        &mut Trace::default(),
    );
    (r, bus)
}

fn stick(trigger: Trigger) -> Stick {
    Stick::new(
        storage_stick(0x1234, 0x5678, "2-1"),
        Some(serial_modem(0x1234, 0x9999, "2-1")),
        trigger,
    )
}

fn open() -> Call {
    Call::Open { bus: 2, address: 2 }
}

fn switched(r: &Result<Outcome>) -> bool {
    matches!(r, Ok(Outcome::Switched { .. }))
}

fn ctl_out(rt: u8, req: u8, value: u16, index: u16, data: &[u8]) -> Call {
    Call::CtlOut {
        rt,
        req,
        value,
        index,
        data: data.to_vec(),
    }
}

fn ctl_in(rt: u8, req: u8, value: u16, index: u16, len: u16) -> Call {
    Call::CtlIn {
        rt,
        req,
        value,
        index,
        len,
    }
}

fn detach(iface: u8) -> Call {
    Call::Detach {
        iface,
        was_bound: true,
    }
}

/// The stick switches when `data` comes on bulk OUT `ep`.
fn on_bulk(ep: u8, data: Vec<u8>) -> Trigger {
    Trigger::Bulk { ep, data }
}

/// The stick switches on this control request.
fn on_control(rt: u8, req: u8, value: u16) -> Trigger {
    Trigger::Control { rt, req, value }
}

/// Switch a stick that switches on `trigger`, with the one-device database of
/// `messages` and `entry`: it must report Switched. Returns the calls up to the
/// close.
fn switch(messages: &[&str], entry: &str, trigger: Trigger) -> Vec<Call> {
    let d = db(messages, entry);
    let (r, bus) = run(&d, stick(trigger));
    assert!(switched(&r), "{entry}: {r:?}");
    bus.until_close()
}

/// The generic message sequence around `msgs` on (out, in) of interface `i`.
fn message_calls(i: u8, out: u8, inp: u8, msgs: &[Vec<u8>], csw: bool) -> Vec<Call> {
    let mut v = vec![open(), detach(i), Call::Claim(i), Call::ClearHalt(out)];
    for m in msgs {
        v.push(Call::BulkOut {
            ep: out,
            data: m.clone(),
        });
        if csw {
            v.push(Call::BulkIn { ep: inp, len: 13 });
        }
    }
    v.extend([
        Call::ClearHalt(inp),
        Call::ClearHalt(out),
        Call::Sleep(50),
        Call::Release(i),
        Call::Close,
    ]);
    v
}

#[test]
fn standard_eject_sends_removal_and_eject_for_lun_0_and_1_with_csw_reads() {
    let msgs: Vec<Vec<u8>> = [
        "5553424387654321000000000000061e000000000000000000000000000000",
        "5553424397654321000000000000061b000000020000000000000000000000",
        "5553424387654321000000000001061e000000000000000000000000000000",
        "5553424397654321000000000001061b000000020000000000000000000000",
    ]
    .iter()
    .map(|m| hexb(m))
    .collect();
    let calls = switch(
        &[],
        r#"{"t_vendor":4660,"t_product":[39321],"mode":"StandardEject"}"#,
        on_bulk(0x01, msgs[3].clone()),
    );
    assert_eq!(calls, message_calls(0, 0x01, 0x81, &msgs, true));
}

#[test]
fn standard_eject_with_an_extra_message_sends_it_last() {
    let extra = "5553424308306384c000000080000671030000000000000000000000000000";
    let d = db(&[extra], r#"{"mode":"StandardEject","msg":[0]}"#);
    let (r, bus) = run(&d, stick(on_bulk(0x01, hexb(extra))));
    assert!(switched(&r), "{r:?}");
    let outs: Vec<&Call> = bus
        .calls
        .iter()
        .filter(|c| matches!(c, Call::BulkOut { .. }))
        .collect();
    assert_eq!(outs.len(), 5);
    assert_eq!(
        outs[4],
        &Call::BulkOut {
            ep: 0x01,
            data: hexb(extra)
        }
    );
}

#[test]
fn generic_sends_up_to_three_messages_to_given_endpoints() {
    let m = [
        "5553424312345678000000000000061b004600000000000000000000000000",
        "55534243123456780000000000000601000000000000000000000000000000",
        "5553424312345679000000000000061b000000020000000000000000000000",
    ];
    let msgs: Vec<Vec<u8>> = m.iter().map(|x| hexb(x)).collect();
    let calls = switch(
        &m,
        r#"{"msg":[0,1,2],"msg_endpoint":1,"response_endpoint":129}"#,
        on_bulk(0x01, msgs[2].clone()),
    );
    assert_eq!(calls, message_calls(0, 0x01, 0x81, &msgs, true));
}

#[test]
fn generic_finds_endpoints_of_the_configured_interface_from_descriptors() {
    // Interface 1 of the E367 layout: bulk OUT 0x02, bulk IN 0x82.
    let m = "55534243123456780000000000000011062000000100000000000000000000";
    let d = db(&[m], r#"{"msg":[0],"interface":1}"#);
    let mut s = stick(on_bulk(0x02, hexb(m)));
    let mut dev = e367_storage("2-1");
    dev.vid = 0x1234;
    dev.pid = 0x5678;
    s.dev = dev;
    s.bound = vec![0, 1];
    let (r, bus) = run(&d, s);
    assert!(switched(&r), "{r:?}");
    assert_eq!(
        bus.until_close(),
        message_calls(1, 0x02, 0x82, &[hexb(m)], true)
    );
}

#[test]
fn generic_non_storage_message_reads_a_response_only_when_asked() {
    let m = "0102030405";
    let d = db(&[m], r#"{"msg":[0],"response":true}"#);
    let (r, bus) = run(&d, stick(on_bulk(0x01, hexb(m))));
    assert!(switched(&r), "{r:?}");
    assert!(bus.calls.contains(&Call::BulkIn { ep: 0x81, len: 5 }));

    let d = db(&[m], r#"{"msg":[0]}"#);
    let (_, bus) = run(&d, stick(on_bulk(0x01, hexb(m))));
    assert!(!bus.calls.iter().any(|c| matches!(c, Call::BulkIn { .. })));
}

#[test]
fn release_delay_and_wait_before_are_honoured() {
    let m = "55534243123456780000000000000601000000000000000000000000000000";
    let d = db(&[m], r#"{"msg":[0],"release_delay":4000,"wait":3}"#);
    let (r, bus) = run(&d, stick(on_bulk(0x01, hexb(m))));
    assert!(switched(&r), "{r:?}");
    assert_eq!(bus.calls[0], Call::Sleep(3000), "WaitBefore before opening");
    let i = bus
        .calls
        .iter()
        .position(|c| *c == Call::Release(0))
        .unwrap();
    assert_eq!(bus.calls[i - 1], Call::Sleep(4000));
}

#[test]
fn huawei_new_alt_and_option_send_their_fixed_messages() {
    for (mode, msg) in [
        (
            "HuaweiNew",
            "55534243123456780000000000000011062000000101000100000000000000",
        ),
        (
            "HuaweiAlt",
            "55534243123456780000000000000011063000000000010000000000000000",
        ),
        (
            "Option",
            "55534243123456780000000000000601000000000000000000000000000000",
        ),
    ] {
        let entry = format!(r#"{{"mode":"{mode}"}}"#);
        assert_eq!(
            switch(&[], &entry, on_bulk(0x01, hexb(msg))),
            message_calls(0, 0x01, 0x81, &[hexb(msg)], true),
            "{mode}"
        );
    }
}

#[test]
fn huawei_old_mode_is_set_feature_1_on_the_device() {
    assert_eq!(
        switch(&[], r#"{"mode":"Huawei"}"#, on_control(0x00, 0x03, 1)),
        vec![open(), ctl_out(0x00, 0x03, 1, 0, &[]), Call::Close]
    );
}

#[test]
fn sierra_and_sequans_are_vendor_requests_0x0b() {
    assert_eq!(
        switch(&[], r#"{"mode":"Sierra"}"#, on_control(0x40, 0x0b, 1)),
        vec![open(), ctl_out(0x40, 0x0b, 1, 0, &[]), Call::Close]
    );

    assert_eq!(
        switch(&[], r#"{"mode":"Sequans"}"#, on_control(0x40, 0x0b, 2)),
        vec![open(), ctl_out(0x40, 0x0b, 2, 0, &[]), Call::Close]
    );
}

#[test]
fn qisda_sends_its_16_byte_vendor_request() {
    let data = hexb("058c0408a0ee20005c01040898cdeabf");
    assert_eq!(
        switch(&[], r#"{"mode":"Qisda"}"#, on_control(0x40, 0x04, 0)),
        vec![open(), ctl_out(0x40, 0x04, 0, 0, &data), Call::Close]
    );
}

#[test]
fn quanta_and_kobil_are_vendor_in_requests() {
    assert_eq!(
        switch(&[], r#"{"mode":"Quanta"}"#, on_control(0xc0, 0xff, 0)),
        vec![open(), ctl_in(0xc0, 0xff, 0, 0, 0), Call::Close]
    );

    assert_eq!(
        switch(&[], r#"{"mode":"Kobil"}"#, on_control(0xc0, 0x88, 0)),
        vec![open(), detach(0), ctl_in(0xc0, 0x88, 0, 0, 8), Call::Close]
    );
}

#[test]
fn blackberry_sends_two_vendor_in_requests() {
    assert_eq!(
        switch(
            &[],
            r#"{"mode":"Blackberry"}"#,
            on_control(0xc0, 0xa9, 0x0e)
        ),
        vec![
            open(),
            detach(0),
            ctl_in(0xc0, 0xb1, 0, 0, 8),
            ctl_in(0xc0, 0xa9, 0x0e, 0, 2),
            Call::Close
        ]
    );
}

#[test]
fn pantech_sends_its_mode_value_or_waits_for_the_auto_switch() {
    assert_eq!(
        switch(
            &[],
            r#"{"mode":"Pantech","modeval":4}"#,
            on_control(0x40, 0x70, 4)
        ),
        vec![
            open(),
            detach(0),
            ctl_out(0x40, 0x70, 4, 0, &[]),
            Call::Close
        ]
    );

    let d = db(&[], r#"{"mode":"Pantech","modeval":1}"#);
    let (r, bus) = run(&d, stick(Trigger::Never));
    assert!(
        matches!(r, Ok(Outcome::LeftAlone(ref w)) if w.contains("switches by itself")),
        "{r:?}"
    );
    assert!(bus.calls.is_empty());
}

#[test]
fn gct_claims_and_sends_two_class_requests_to_the_interface() {
    assert_eq!(
        switch(&[], r#"{"mode":"GCT"}"#, on_control(0xa1, 0xfe, 0)),
        vec![
            open(),
            detach(0),
            Call::Claim(0),
            ctl_in(0xa1, 0xa0, 0, 0, 1),
            ctl_in(0xa1, 0xfe, 0, 0, 1),
            Call::Release(0),
            Call::Close
        ]
    );
}

#[test]
fn sony_sends_twice_around_its_own_re_enumeration() {
    let d = db(&[], r#"{"mode":"Sony"}"#);
    // The first request makes it re-enumerate with the same id; the second settles it.
    let mut s = stick(Trigger::NthControl(1));
    s.next = Some(storage_stick(0x1234, 0x5678, "2-1"));
    let (r, bus) = run(&d, s);
    match &r {
        Ok(Outcome::Switched {
            method,
            now: Some(n),
        }) => {
            assert_eq!(*method, "Sony");
            assert_eq!(n.address, 3, "reopened the re-enumerated device");
        }
        other => panic!("{other:?}"),
    }
    let ops: Vec<Call> = bus
        .calls
        .iter()
        .filter(|c| !matches!(c, Call::Sleep(_)))
        .cloned()
        .collect();
    assert_eq!(
        ops,
        vec![
            open(),
            detach(0),
            ctl_in(0xc0, 0x11, 2, 0, 3),
            Call::Close,
            Call::Open { bus: 2, address: 3 },
            ctl_in(0xc0, 0x11, 2, 0, 3),
            Call::Close
        ]
    );
    assert!(bus.calls.contains(&Call::Sleep(1000)));
}

#[test]
fn mobile_action_runs_the_sniffed_interrupt_conversation() {
    let last = vec![0x32, 0x07, 0xfe, 0xf0, 0x29, 0xb9, 0x3a, 0xf0];
    // This fake cable switches on the last interrupt message.
    let c = switch(
        &[],
        r#"{"mode":"MobileAction"}"#,
        on_bulk(0x02, last.clone()),
    );
    let set_report = ctl_out(0x21, 0x09, 0x0300, 0, &hexb("b004000002902686"));
    assert_eq!(c[1], set_report);
    assert_eq!(c[2], set_report);
    let outs: Vec<Vec<u8>> = c
        .iter()
        .filter_map(|x| match x {
            Call::IntOut { ep: 0x02, data } => Some(data.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(outs.len(), 8);
    assert_eq!(outs[0], hexb("3701fedbc1331f83"));
    assert_eq!(outs[2], hexb("3487ba0dfc8a9151"));
    assert_eq!(outs[7], last);
    let ins = c
        .iter()
        .filter(|x| matches!(x, Call::IntIn { ep: 0x81, len: 8 }))
        .count();
    assert_eq!(ins, 2 + 1 + 1 + 63 + 1 + 1 + 73 + 1 + 1);
}

#[test]
fn cisco_sends_eleven_storage_commands_each_with_a_csw() {
    let last = hexb("55534243d84c04820000000000000afd000110732400000000000000000000");
    let c = switch(&[], r#"{"mode":"Cisco"}"#, on_bulk(0x01, last));
    let outs: Vec<&Call> = c
        .iter()
        .filter(|x| matches!(x, Call::BulkOut { ep: 0x01, .. }))
        .collect();
    assert_eq!(outs.len(), 11);
    assert_eq!(
        outs[0],
        &Call::BulkOut {
            ep: 0x01,
            data: hexb("55534243f83bcd810002000080000afd000000030000000100000000000000")
        }
    );
    let csw = c
        .iter()
        .filter(|x| matches!(x, Call::BulkIn { ep: 0x81, len: 13 }))
        .count();
    assert_eq!(csw, 11);
    assert!(
        c.contains(&Call::Sleep(2000)),
        "Cisco holds the interface 2 s"
    );
    assert_eq!(c[1], detach(0));
}

fn two_config_device() -> UsbDevice {
    let mut d = serial_modem(0x1234, 0x5678, "2-1");
    d.configs.push(Config {
        value: 2,
        interfaces: vec![
            iface(0, (2, 0x0e, 0), vec![int(0x83)]),
            iface(1, (0x0a, 0, 2), vec![bulk(0x84), bulk(0x04)]),
        ],
    });
    d
}

#[test]
fn mbim_picks_the_configuration_with_an_mbim_interface() {
    let d = db(&[], r#"{"mode":"MBIM"}"#);
    let mut s = stick(Trigger::Never);
    s.dev = two_config_device();
    s.bound = vec![0, 1];
    let (r, bus) = run(&d, s);
    assert!(
        matches!(r, Ok(Outcome::Switched { now: Some(ref n), .. }) if n.active_config == Some(2)),
        "{r:?}"
    );
    assert_eq!(
        bus.until_close(),
        vec![
            open(),
            detach(0),
            detach(1),
            Call::SetConfig(2),
            Call::Close
        ]
    );
    // Already there: left alone.
    let mut dev = two_config_device();
    dev.active_config = Some(2);
    let (_, e) = d.lookup(0x1234, 0x5678, &DeviceStrings::default()).unwrap();
    assert!(matches!(
        modeswitch::plan(&dev, e),
        Ok(Decision::AlreadySwitched(_))
    ));
}

#[test]
fn configuration_only_entries_set_the_configuration_and_wait_for_it() {
    let d = db(&[], r#"{"config":2}"#);
    let mut s = stick(Trigger::Never);
    s.dev = two_config_device();
    let (r, bus) = run(&d, s);
    assert!(switched(&r), "{r:?}");
    assert!(bus.until_close().contains(&Call::SetConfig(2)));
}

#[test]
fn configuration_zero_is_a_known_device_needing_nothing() {
    let d = db(&[], r#"{"config":0}"#);
    let (r, bus) = run(&d, stick(Trigger::Never));
    assert!(matches!(r, Ok(Outcome::LeftAlone(_))), "{r:?}");
    assert!(bus.calls.is_empty());
}

#[test]
fn target_class_already_present_means_already_switched() {
    // 03f0:002a style: same id in both modes, the class tells them apart.
    let d = db(
        &["555342431234567800000000000006d0000000000000000000000000000000"],
        r#"{"t_class":255,"msg":[0]}"#,
    );
    let (r, bus) = run(
        &d,
        Stick::new(serial_modem(0x1234, 0x5678, "2-1"), None, Trigger::Never),
    );
    assert!(
        matches!(r, Ok(Outcome::LeftAlone(ref w)) if w.contains("target class ff")),
        "{r:?}"
    );
    assert!(bus.calls.is_empty());
}

#[test]
fn storage_commands_are_refused_on_a_non_storage_interface() {
    let d = db(
        &["55534243123456780000000000000601000000000000000000000000000000"],
        r#"{"msg":[0]}"#,
    );
    let (r, bus) = run(
        &d,
        Stick::new(serial_modem(0x1234, 0x5678, "2-1"), None, Trigger::Never),
    );
    let e = r.unwrap_err();
    assert!(e.msg().contains("not mass storage"), "{}", e.msg());
    assert!(bus.calls.is_empty());
}

#[test]
fn an_unknown_method_is_a_clear_error_and_touches_nothing() {
    let d = db(&[], r#"{"mode":"Frobnicate"}"#);
    let (r, bus) = run(&d, stick(Trigger::Never));
    let e = r.unwrap_err();
    assert!(
        e.msg()
            .contains("switching method 'Frobnicate' is not supported"),
        "{}",
        e.msg()
    );
    assert!(bus.calls.is_empty());
}

#[test]
fn detach_storage_only_detaches() {
    assert_eq!(
        switch(&[], r#"{"detach_storage":true}"#, Trigger::Never),
        vec![open(), detach(0), Call::Close]
    );
}

#[test]
fn a_claim_failure_is_reported_not_ignored() {
    // usb-storage will not let go: the claim is busy and nothing is sent.
    let d = db(&[], r#"{"mode":"HuaweiNew"}"#);
    let mut s = stick(Trigger::Never);
    s.stuck_driver = true;
    let (r, bus) = run(&d, s);
    let e = r.unwrap_err();
    assert!(
        e.msg().contains("claiming the interface failed: busy"),
        "{}",
        e.msg()
    );
    assert!(!bus.calls.iter().any(|c| matches!(c, Call::BulkOut { .. })));
    assert_eq!(bus.calls.last(), Some(&Call::Close));
}

#[test]
fn alt_setting_and_reset_are_appended() {
    let m = "55534243123456780000000000000601000000000000000000000000000000";
    let d = db(&[m], r#"{"msg":[0],"alt":1,"reset":true}"#);
    let (r, bus) = run(&d, stick(Trigger::Never));
    // The fake does not switch on these; the steps are what matters.
    assert!(r.is_err());
    let c = bus.until_close();
    let n = c.len();
    assert_eq!(
        &c[n - 5..],
        &[
            Call::Claim(0),
            Call::SetAlt(0, 1),
            Call::Release(0),
            Call::Reset,
            Call::Close
        ]
    );
}
