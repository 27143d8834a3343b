//! core::status, pure: events from sysfs/poll/netifd changes, the port rules,
//! and what is copied out of netifd's dump.

use umodem::core::at::{Csq, Reg, SimState};
use umodem::core::reader::{Fault, Reading};
use umodem::core::status::{links_from_dump, Found, Link, NetIf, Status, SETUP_QUIET_MS};
use umodem::ubus::blob::{self, BlobMsg, Buf, Table, Val};

fn e367(path: &str) -> Found {
    Found {
        usb: "12d1:1506".into(),
        path: path.into(),
        control: Some("/dev/ttyUSB2".into()),
        data: Some("/dev/ttyUSB0".into()),
        ports: vec![
            ("/dev/ttyUSB0".into(), Some("modem")),
            ("/dev/ttyUSB1".into(), None),
            ("/dev/ttyUSB2".into(), Some("control")),
        ],
        huawei: true,
        net: None,
    }
}

fn reg(stat: u8) -> Option<Reg> {
    Some(Reg {
        stat,
        lac: None,
        cell: None,
        act: None,
    })
}

fn reading(stat: u8) -> Reading {
    Reading {
        sim: Some(SimState::Ready),
        pin_attempts: Some(3),
        puk_attempts: Some(10),
        csq: Some(Csq { rssi: 18, ber: 99 }),
        creg: reg(stat),
        cgreg: reg(stat),
        operator: (stat == 1).then(|| "3 SE".to_string()),
        answered: 12,
        ..Reading::default()
    }
}

/// One event the status wrote (`Status::events`): its name and data.
struct Ev {
    name: String,
    data: Buf,
}

/// The events of one call on the status (those before it are dropped).
macro_rules! ev {
    ($s:ident . $($call:tt)*) => {{
        $s.take_events();
        $s.$($call)*;
        let b = $s.take_events();
        let ev: Vec<Ev> = blob::members(&b.0)
            .map(|v| Ev {
                name: String::from_utf8(v.name.to_vec()).unwrap(),
                data: Buf(v.data.to_vec()),
            })
            .collect();
        // Nothing else is in the buffer: every event is a table.
        assert_eq!(blob::decode_table(&b.0).unwrap().len(), ev.len());
        ev
    }};
}

fn names(ev: &[Ev]) -> Vec<&str> {
    ev.iter().map(|e| e.name.as_str()).collect()
}

fn str_of<'a>(t: &'a Table, k: &str) -> Option<&'a str> {
    blob::get(t, k).and_then(BlobMsg::as_str)
}

/// A member of an event's data or an answer, read in place.
fn ev_str<'a>(b: &'a Buf, k: &str) -> Option<&'a str> {
    blob::find(&b.0, k).and_then(Val::str)
}

/// An answer as a value tree (it must decode).
fn tree(b: &Buf) -> Table {
    blob::decode_table(&b.0).expect("answers are valid blobmsg")
}

#[test]
fn plug_once_unplug_once_and_a_new_stick_at_the_same_port() {
    let mut s = Status::new();
    assert_eq!(names(&ev!(s.set_modems(vec![e367("1-1")]))), ["plug"]);
    assert!(ev!(s.set_modems(vec![e367("1-1")])).is_empty());
    let mut other = e367("1-1");
    other.usb = "19d2:0031".into();
    let ev = ev!(s.set_modems(vec![other]));
    assert_eq!(names(&ev), ["unplug", "plug"]);
    assert_eq!(ev_str(&ev[0].data, "usb"), Some("12d1:1506"));
    assert_eq!(ev_str(&ev[1].data, "usb"), Some("19d2:0031"));
    assert_eq!(names(&ev!(s.set_modems(vec![]))), ["unplug"]);
    assert!(s.modems.is_empty());
}

#[test]
fn registration_and_sim_events_only_on_change() {
    let mut s = Status::new();
    s.set_modems(vec![e367("1-1")]);
    let ev = ev!(s.set_reading("1-1", reading(2), 1000));
    assert_eq!(names(&ev), ["sim", "registration"]);
    assert_eq!(ev_str(&ev[1].data, "registration"), Some("searching"));
    assert!(ev!(s.set_reading("1-1", reading(2), 2000)).is_empty());
    let ev = ev!(s.set_reading("1-1", reading(1), 3000));
    assert_eq!(names(&ev), ["registration"]);
    assert_eq!(ev_str(&ev[0].data, "operator"), Some("3 SE"));
    assert_eq!(s.state(&s.modems[0]), "registered");
    // a reading cut short after some answers keeps the last whole reading
    // and says why; the modem did answer, so nothing is announced
    let cut = Reading {
        stopped: Some(Fault::Silent("AT+CSQ".into())),
        answered: 4,
        ..reading(3)
    };
    assert!(ev!(s.set_reading("1-1", cut, 4000)).is_empty());
    assert_eq!(s.state(&s.modems[0]), "not_responding");
    // no answer at all: announced once, with when it last answered
    let silent = |r: Reading| Reading {
        stopped: Some(Fault::Silent("ATQ0V1".into())),
        answered: 0,
        ..r
    };
    let ev = ev!(s.set_reading("1-1", silent(reading(3)), 5000));
    assert_eq!(names(&ev), ["not_responding"]);
    assert_eq!(ev_str(&ev[0].data, "command"), Some("ATQ0V1"));
    assert_eq!(
        blob::find(&ev[0].data.0, "last_seen").and_then(Val::int),
        Some(1)
    );
    assert!(ev!(s.set_reading("1-1", silent(reading(3)), 6000)).is_empty());
    let st = tree(&s.status(9000));
    let BlobMsg::Array(ms) = blob::get(&st, "modems").unwrap() else {
        panic!()
    };
    let BlobMsg::Table(m) = &ms[0] else { panic!() };
    assert_eq!(str_of(m, "last_error"), Some("no answer to ATQ0V1"));
    assert_eq!(str_of(m, "state"), Some("not_responding"));
    // the reading shown is from 3000, the last answer came at 4000
    assert_eq!(blob::get(m, "age").and_then(BlobMsg::as_i64), Some(6));
    assert_eq!(blob::get(m, "last_seen").and_then(BlobMsg::as_i64), Some(5));
    assert_eq!(str_of(m, "registration"), Some("home"));
    // it answers again: announced once
    let ev = ev!(s.set_reading("1-1", reading(1), 10_000));
    assert_eq!(names(&ev), ["responding"]);
    assert!(ev!(s.set_reading("1-1", reading(1), 11_000)).is_empty());
    assert_eq!(s.state(&s.modems[0]), "registered");
    // unknown modem: nothing happens
    assert!(ev!(s.set_reading("9-9", reading(1), 5000)).is_empty());
}

#[test]
fn the_ppp_port_and_the_setup_window_are_left_alone() {
    let mut s = Status::new();
    let mut single = e367("1-1");
    single.control = single.data.clone();
    s.set_modems(vec![single.clone()]);
    assert!(s.may_poll(&single, 0).is_ok());
    let up = Link {
        name: "wan".into(),
        up: true,
        available: true,
        ..Link::default()
    };
    s.set_links(vec![up], 0);
    assert!(
        s.may_poll(&single, 0).is_err(),
        "shared port while pppd runs"
    );
    // a separate control port may be polled while the link is up
    assert!(s.may_poll(&e367("1-1"), 0).is_ok());
    // setup starts: prepare owns the control port for a while
    let pending = Link {
        name: "wan".into(),
        pending: true,
        ..Link::default()
    };
    let ev = ev!(s.set_links(vec![pending.clone()], 100_000));
    assert_eq!(names(&ev), ["connection"]);
    assert_eq!(ev_str(&ev[0].data, "state"), Some("connecting"));
    assert!(s.may_poll(&e367("1-1"), 100_000).is_err());
    s.set_links(vec![pending], 100_000 + SETUP_QUIET_MS - 1);
    assert!(s
        .may_poll(&e367("1-1"), 100_000 + SETUP_QUIET_MS - 1)
        .is_err());
    assert!(s.may_poll(&e367("1-1"), 100_000 + SETUP_QUIET_MS).is_ok());
    let mut none = e367("1-2");
    none.control = None;
    assert!(s.may_poll(&none, 0).is_err());
}

#[test]
fn dump_reading_takes_only_umodem_interfaces_and_named_fields() {
    let iface = |name: &str, proto: &str| {
        BlobMsg::Table(vec![
            ("interface".into(), BlobMsg::from(name)),
            ("up".into(), BlobMsg::from(true)),
            ("uptime".into(), BlobMsg::Int32(77)),
            ("proto".into(), BlobMsg::from(proto)),
            (
                "data".into(),
                BlobMsg::Table(vec![("password".into(), BlobMsg::from("s3cret"))]),
            ),
            (
                "errors".into(),
                BlobMsg::Array(vec![BlobMsg::Table(vec![(
                    "code".into(),
                    BlobMsg::from("PIN\nFAILED"),
                )])]),
            ),
        ])
    };
    let dump: Table = vec![(
        "interface".into(),
        BlobMsg::Array(vec![
            iface("lan", "static"),
            iface("wwan", "umodem"),
            BlobMsg::from("junk"),
            BlobMsg::Table(vec![("proto".into(), BlobMsg::from("umodem"))]),
        ]),
    )];
    let links = links_from_dump(&blob::encode_table(&dump).unwrap());
    assert_eq!(
        links,
        [Link {
            name: "wwan".into(),
            up: true,
            pending: false,
            available: false,
            uptime: Some(77),
            error: Some("PINFAILED".into()),
            // up without the handler's datapath: pppd's link
            datapath: Some("ppp".into()),
        }]
    );
    assert!(links_from_dump(&[]).is_empty());
    let mut s = Status::new();
    s.set_links(links, 0);
    let st = s.status(0);
    assert!(tree(&st).len() == 2);
    assert!(!String::from_utf8_lossy(&st.0).contains("s3cret"));
}

/// The fuzz target's deterministic cousin: a netifd dump, encoded, then mutated
/// byte by byte; the reader takes every mutation (it reads in place, unchecked)
/// without a panic, and the status it makes is always valid blobmsg.
#[test]
fn mutated_dumps_never_panic() {
    use umodem::ubus::msg::{kind, Attr, Message};
    let iface = BlobMsg::Table(vec![
        ("interface".into(), BlobMsg::from("wwan")),
        ("up".into(), BlobMsg::from(true)),
        ("pending".into(), BlobMsg::from(false)),
        ("uptime".into(), BlobMsg::Int64(1 << 40)),
        ("proto".into(), BlobMsg::from("umodem")),
        (
            "errors".into(),
            BlobMsg::Array(vec![BlobMsg::Table(vec![(
                "code".into(),
                BlobMsg::from("NO_DEVICE"),
            )])]),
        ),
    ]);
    let dump: Table = vec![("interface".into(), BlobMsg::Array(vec![iface]))];
    let mut bytes = Vec::new();
    blob::put_table(&mut bytes, &dump).unwrap();
    assert_eq!(links_from_dump(&bytes).len(), 1);
    let mut x: u32 = 0x2545_f491;
    let mut decoded = 0;
    for _ in 0..20_000 {
        let mut b = bytes.clone();
        for _ in 0..1 + (x % 4) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let i = x as usize % b.len();
            b[i] ^= (x >> 8) as u8 | 1;
        }
        if blob::decode_table(&b).is_ok() {
            decoded += 1;
        }
        let mut s = Status::new();
        s.set_links(links_from_dump(&b), 0);
        let data = Attr::Raw {
            id: umodem::ubus::msg::attr::DATA,
            data: s.status(1).0,
        };
        let enc = Message::new(kind::DATA, 1, 1, vec![data]).encode().unwrap();
        assert!(Message::parse(&enc).is_ok());
    }
    assert!(
        decoded > 100,
        "the mutations must reach the reader ({decoded})"
    );
}

#[test]
fn the_data_path_and_a_hilink_sticks_network_interface() {
    // The handler reports ncm/ecm in netifd's interface data; a link that is
    // up without it is pppd's; one not up has none yet.
    let iface = |up: bool, data: Option<&str>| {
        let mut t: Table = vec![
            ("interface".into(), BlobMsg::from("wwan")),
            ("proto".into(), BlobMsg::from("umodem")),
            ("up".into(), BlobMsg::from(up)),
        ];
        if let Some(d) = data {
            t.push((
                "data".into(),
                BlobMsg::Table(vec![("datapath".into(), BlobMsg::from(d))]),
            ));
        }
        vec![("interface".into(), BlobMsg::Array(vec![BlobMsg::Table(t)]))]
    };
    let dp = |t: Table| {
        links_from_dump(&blob::encode_table(&t).unwrap())[0]
            .datapath
            .clone()
    };
    assert_eq!(dp(iface(true, Some("ncm"))).as_deref(), Some("ncm"));
    assert_eq!(dp(iface(true, None)).as_deref(), Some("ppp"));
    assert_eq!(dp(iface(false, None)), None);

    // A HiLink stick: no tty, a network interface; never polled.
    let hilink = Found {
        usb: "12d1:14dc".into(),
        path: "1-1".into(),
        control: None,
        data: None,
        ports: Vec::new(),
        huawei: true,
        net: Some(NetIf {
            name: "eth0".into(),
            driver: Some("cdc_ether".into()),
            carrier: Some(true),
        }),
    };
    let mut s = Status::new();
    s.set_modems(vec![hilink.clone()]);
    s.set_links(
        links_from_dump(&blob::encode_table(&iface(true, Some("ecm"))).unwrap()),
        0,
    );
    assert!(s.may_poll(&hilink, 0).is_err());
    let st = tree(&s.status(0));
    let Some(BlobMsg::Array(ms)) = blob::get(&st, "modems") else {
        panic!("{st:?}")
    };
    let BlobMsg::Table(m) = &ms[0] else { panic!() };
    assert_eq!(
        blob::get(m, "state").and_then(BlobMsg::as_str),
        Some("no_control_port")
    );
    let Some(BlobMsg::Table(n)) = blob::get(m, "net") else {
        panic!("{m:?}")
    };
    assert_eq!(blob::get(n, "name").and_then(BlobMsg::as_str), Some("eth0"));
    assert_eq!(
        blob::get(n, "driver").and_then(BlobMsg::as_str),
        Some("cdc_ether")
    );
    assert_eq!(
        blob::get(n, "carrier").and_then(BlobMsg::as_bool),
        Some(true)
    );
    let Some(BlobMsg::Table(c)) = blob::get(m, "connection") else {
        panic!("{m:?}")
    };
    assert_eq!(
        blob::get(c, "datapath").and_then(BlobMsg::as_str),
        Some("ecm")
    );

    // LTE readings and EPS registration of a stick on an LTE cell.
    let mut s = Status::new();
    s.set_modems(vec![e367("1-1")]);
    let r = Reading {
        sim: Some(SimState::Ready),
        cereg: reg(1),
        lte: Some(umodem::core::at::Lte {
            rssi: -77,
            rsrp: -99,
            sinr: 10,
            rsrq: -10,
        }),
        ..Reading::default()
    };
    s.set_reading("1-1", r, 0);
    let st = tree(&s.status(0));
    let Some(BlobMsg::Array(ms)) = blob::get(&st, "modems") else {
        panic!("{st:?}")
    };
    let BlobMsg::Table(m) = &ms[0] else { panic!() };
    assert_eq!(
        blob::get(m, "registration").and_then(BlobMsg::as_str),
        Some("home")
    );
    let Some(BlobMsg::Table(l)) = blob::get(m, "lte") else {
        panic!("{m:?}")
    };
    let v = |k| blob::get(l, k).and_then(BlobMsg::as_i64);
    assert_eq!(
        (v("rssi"), v("rsrp"), v("rsrq"), v("sinr")),
        (Some(-77), Some(-99), Some(-10), Some(10))
    );
    let Some(BlobMsg::Table(c)) = blob::get(m, "cells") else {
        panic!("{m:?}")
    };
    assert!(blob::get(c, "cereg").is_some(), "{c:?}");
}
