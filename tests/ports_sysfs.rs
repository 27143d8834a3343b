//! Port discovery on fake sysfs trees laid out like Linux's
//! (tests/fixtures/sysfs/at-*, made by mk-at-tree.sh).

use std::path::PathBuf;

use umodem::core::ports::{modems, Modem, Role};
use umodem::hw::usbsys::UsbSysfs;

fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sysfs")
        .join(name)
}

fn scan(name: &str) -> Vec<Modem> {
    modems(UsbSysfs::new(dir(name)).devices().unwrap())
}

#[test]
fn e367_alone() {
    let ms = scan("at-e367");
    // ttyS0 (no USB) is not listed at all.
    let ttys: Vec<&str> = ms[0].ports.iter().map(|p| p.tty.as_str()).collect();
    assert_eq!(ttys, ["ttyUSB0", "ttyUSB1", "ttyUSB2"]);
    let pcui = ms[0].interface(&ms[0].ports[2]).unwrap();
    assert_eq!(
        (pcui.number, pcui.class, pcui.subclass, pcui.protocol),
        (4, 0xff, 0x01, 0x02)
    );
    assert_eq!(pcui.driver.as_deref(), Some("option"));
    assert_eq!(
        (ms[0].dev.vid, ms[0].dev.pid, ms[0].path()),
        (0x12d1, 0x1506, "1-1")
    );
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0].control(), Some("ttyUSB2"));
    assert_eq!(ms[0].data(), Some("ttyUSB0"));
    // The data port is never probed (pppd may hold it).
    let probed: Vec<&str> = ms[0]
        .ports
        .iter()
        .filter(|p| p.probed())
        .map(|p| p.tty.as_str())
        .collect();
    assert_eq!(probed, ["ttyUSB1", "ttyUSB2"]);
}

#[test]
fn two_modems_among_other_serial_devices() {
    let ms = scan("at-mixed");
    // FTDI cable and the u-blox ACM device are not modems.
    assert_eq!(ms.len(), 2);
    assert_eq!(
        (ms[0].path(), ms[0].control(), ms[0].data()),
        ("1-1.2", Some("ttyUSB3"), Some("ttyUSB1"))
    );
    assert_eq!(
        (ms[1].path(), ms[1].control(), ms[1].data()),
        ("1-1.3", Some("ttyUSB7"), Some("ttyUSB4"))
    );
    assert_eq!(
        ms[1].interface(&ms[1].ports[0]).unwrap().driver.as_deref(),
        Some("usbserial_generic")
    );
}

#[test]
fn renumbering_keeps_roles_with_interfaces() {
    let a = scan("at-mixed");
    let b = scan("at-renumbered");
    assert_eq!(b.len(), 2);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.path(), y.path());
        let roles = |m: &Modem| {
            m.ports
                .iter()
                .map(|p| (p.interface, p.role))
                .collect::<Vec<_>>()
        };
        assert_eq!(roles(x), roles(y));
    }
    assert_eq!(
        (b[0].control(), b[0].data()),
        (Some("ttyUSB6"), Some("ttyUSB4"))
    );
    assert_eq!(
        (b[1].control(), b[1].data()),
        (Some("ttyUSB3"), Some("ttyUSB0"))
    );
}

/// What the probe saw on ttyUSB1 and ttyUSB2 (the data port ttyUSB0 is
/// never probed), then the control port settled.
fn probed(m: &mut Modem, usb1: Option<bool>, usb2: Option<bool>) {
    for p in &mut m.ports {
        match p.tty.as_str() {
            "ttyUSB1" => p.at = usb1,
            "ttyUSB2" => p.at = usb2,
            _ => {}
        }
    }
    m.settle();
}

#[test]
fn probe_confirms_or_moves_the_control_port() {
    let mut ms = scan("at-e367");
    let mut m = ms.remove(0);
    let mut keep = m.clone();
    // Profile's PCUI answers: it stays.
    probed(&mut keep, Some(false), Some(true));
    assert_eq!(keep.control(), Some("ttyUSB2"));
    assert_eq!(keep.ports[2].at, Some(true));
    // PCUI silent, the other port answers: it becomes control.
    probed(&mut m, Some(true), Some(false));
    assert_eq!(m.control(), Some("ttyUSB1"));
    assert_eq!(m.ports[2].role, None);
    assert_eq!(m.data(), Some("ttyUSB0"));
    // Nothing answers: the profile's choice stands, unconfirmed.
    let mut n = scan("at-e367").remove(0);
    probed(&mut n, Some(false), Some(false));
    assert_eq!(n.control(), Some("ttyUSB2"));
    assert_eq!(
        n.ports
            .iter()
            .filter(|p| p.role == Some(Role::Control))
            .count(),
        1
    );
}

#[test]
fn missing_tree_is_no_modem_and_a_clear_error() {
    let r = UsbSysfs::new("/nonexistent/umodem");
    assert!(r.devices().unwrap_err().msg().contains("UMODEM_SYSFS"));
    assert!(umodem::hw::port::modems(&r).is_empty());
}

#[test]
fn cli_ports_text_and_json() {
    let bin = env!("CARGO_BIN_EXE_umodem");
    let dir = dir("at-mixed");
    let out = std::process::Command::new(bin)
        .args(["ports", "--no-probe", "--sysfs"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("modem.0.control=/dev/ttyUSB3\n"), "{text}");
    assert!(text.contains("modem.0.data=/dev/ttyUSB1\n"), "{text}");
    assert!(text.contains("modem.1.control=/dev/ttyUSB7\n"), "{text}");
    assert!(!text.contains("modem.2."), "{text}");
    let out = std::process::Command::new(bin)
        .args(["ports", "--json", "--no-probe"])
        .env("UMODEM_SYSFS", &dir)
        .output()
        .unwrap();
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(
        json.starts_with("{\"modem\":[{\"usb\":\"12d1:1506\",\"path\":\"1-1.2\""),
        "{json}"
    );
    assert!(
        json.contains("\"class\":\"ff/01/02\",\"driver\":\"option\",\"role\":\"control\""),
        "{json}"
    );
}

/// The virtual E367's trees (written by umodem-sim sysfs-fixture).
#[test]
fn sim_fixture_trees() {
    let ms = scan("e367");
    assert_eq!(ms.len(), 1);
    assert_eq!(
        (ms[0].control(), ms[0].data()),
        (Some("ttyUSB2"), Some("ttyUSB0"))
    );

    let ms = scan("with-ftdi");
    assert_eq!(ms.len(), 1, "the FTDI cable is no modem");
    assert_eq!(
        (ms[0].path(), ms[0].control(), ms[0].data()),
        ("1-1.2", Some("ttyUSB3"), Some("ttyUSB1"))
    );

    let ms = scan("two-modems");
    assert_eq!(ms.len(), 2);
    // ZTE MF626 (19d2:0031): AT on if1 by its product layout; its modem
    // interface (if3) has no tty in this tree.
    assert_eq!((ms[0].dev.vid, ms[0].path()), (0x19d2, "1-1.1"));
    assert_eq!((ms[0].control(), ms[0].data()), (Some("ttyUSB1"), None));
    assert_eq!((ms[1].dev.vid, ms[1].path()), (0x12d1, "1-1.2"));
    assert_eq!(
        (ms[1].control(), ms[1].data()),
        (Some("ttyUSB5"), Some("ttyUSB3"))
    );
}

#[test]
fn lte_sticks_show_their_network_function() {
    // tests/fixtures/sysfs/at-lte: HiLink (ECM, RNDIS), stick firmware (PCUI,
    // modem port, NCM) and a HiLink stick whose ECM has no driver bound.
    let ms = scan("at-lte");
    assert_eq!(ms.len(), 4, "sticks without a tty are modems too");
    let net = |m: &Modem| {
        m.net()
            .map(|i| (i.net.clone(), i.driver.clone(), i.triplet()))
    };
    assert_eq!(
        net(&ms[0]),
        Some((
            Some("eth0".into()),
            Some("cdc_ether".into()),
            "02/06/00".into()
        ))
    );
    assert!(ms[0].ports.is_empty() && ms[0].control().is_none());
    assert_eq!(
        net(&ms[1]),
        Some((
            Some("eth0".into()),
            Some("rndis_host".into()),
            "02/02/ff".into()
        ))
    );
    // The stick: ff/02/12 is the PCUI of Huawei's LTE sticks, ff/02/01 the modem.
    assert_eq!(
        (ms[2].control(), ms[2].data()),
        (Some("ttyUSB0"), Some("ttyUSB1"))
    );
    assert_eq!(
        net(&ms[2]),
        Some((
            Some("wwan0".into()),
            Some("cdc_ncm".into()),
            "02/0d/00".into()
        ))
    );
    // No driver: the class still says what it is (a kernel module is missing).
    assert_eq!(net(&ms[3]), Some((None, None, "02/06/00".into())));
    // The E367's QMI interface (ff/01/09, no network interface here) is none.
    assert_eq!(scan("at-e367")[0].net(), None);
}

#[test]
fn port_paths_are_told_from_hubs_and_interfaces() {
    use umodem::hw::usbsys::is_port_path;
    for p in ["1-1", "1-1.2", "2-1.4.3", "10-12"] {
        assert!(is_port_path(p), "{p}");
    }
    for p in [
        "usb1", "1-1:1.0", "1-", "-1", "1-1.", "1-.1", "1-1..2", "1--1", "1-1-2", "", "1", "a-1",
    ] {
        assert!(!is_port_path(p), "{p}");
    }
}
