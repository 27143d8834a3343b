//! sysfs side of the mode switch: `umodem list` states and ports, strings for
//! match keys, and binding the usb-serial option driver by new_id. Fixture
//! trees are laid out as the kernel does under /sys.

mod usbfake;

use std::path::{Path, PathBuf};
use std::process::Command;

use umodem::hw::usbsys::{Bind, UsbSysfs};

struct Tree(PathBuf);

impl Tree {
    fn new(tag: &str) -> Tree {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let d = std::env::temp_dir().join(format!("umodem-sysfs-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("sys/bus/usb/devices")).unwrap();
        Tree(d)
    }
    fn devs(&self) -> PathBuf {
        self.0.join("sys/bus/usb/devices")
    }
    fn file(&self, p: &Path, name: &str, v: &str) {
        std::fs::create_dir_all(p).unwrap();
        std::fs::write(p.join(name), format!("{v}\n")).unwrap();
    }
    fn device(&self, port: &str, vid: &str, pid: &str, devnum: u8, strings: &[(&str, &str)]) {
        let d = self.devs().join(port);
        let bus = port.split('-').next().unwrap();
        for (k, v) in [
            ("idVendor", vid),
            ("idProduct", pid),
            ("busnum", bus),
            ("devnum", &devnum.to_string()),
            ("bDeviceClass", "00"),
            ("bConfigurationValue", "1"),
        ] {
            self.file(&d, k, v);
        }
        for (k, v) in strings {
            self.file(&d, k, v);
        }
    }
    fn iface(
        &self,
        port: &str,
        n: u8,
        class: &str,
        driver: Option<&str>,
        ttys: &[&str],
        eps: &[(&str, &str)],
    ) {
        let d = self.devs().join(format!("{port}:1.{n}"));
        let (c, s, p) = (&class[0..2], &class[3..5], &class[6..8]);
        self.file(&d, "bInterfaceNumber", &format!("{n:02x}"));
        self.file(&d, "bAlternateSetting", " 0");
        self.file(&d, "bInterfaceClass", c);
        self.file(&d, "bInterfaceSubClass", s);
        self.file(&d, "bInterfaceProtocol", p);
        if let Some(drv) = driver {
            let target = self.0.join("sys/bus/usb/drivers").join(drv);
            std::fs::create_dir_all(&target).unwrap();
            std::os::unix::fs::symlink(&target, d.join("driver")).unwrap();
        }
        for t in ttys {
            std::fs::create_dir_all(d.join(t)).unwrap();
        }
        for (a, attr) in eps {
            let e = d.join(format!("ep_{a}"));
            self.file(&e, "bEndpointAddress", a);
            self.file(&e, "bmAttributes", attr);
        }
    }
    fn option_driver(&self) -> PathBuf {
        let d = self.0.join("sys/bus/usb-serial/drivers/option1");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("new_id"), "").unwrap();
        d.join("new_id")
    }
    fn sysfs(&self) -> UsbSysfs {
        UsbSysfs::new(&self.0)
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A hub with the E367 in storage mode, a USB disk and an E367 in modem mode.
fn hub() -> Tree {
    let t = Tree::new("hub");
    std::fs::create_dir_all(t.devs().join("usb1")).unwrap(); // root hub: ignored
    t.device(
        "1-1.1",
        "12d1",
        "1446",
        3,
        &[
            ("manufacturer", "Huawei Technologies"),
            ("product", "HUAWEI Mobile"),
        ],
    );
    t.iface(
        "1-1.1",
        0,
        "08/06/50",
        Some("usb-storage"),
        &[],
        &[("81", "02"), ("01", "02")],
    );
    t.iface(
        "1-1.1",
        1,
        "08/06/50",
        Some("usb-storage"),
        &[],
        &[("02", "02"), ("82", "02")],
    );
    t.device("1-1.2", "0781", "5567", 4, &[("product", "Cruzer Blade")]);
    t.iface(
        "1-1.2",
        0,
        "08/06/50",
        Some("usb-storage"),
        &[],
        &[("81", "02"), ("02", "02")],
    );
    t.device("1-1.3", "12d1", "1506", 5, &[("product", "HUAWEI Mobile")]);
    t.iface(
        "1-1.3",
        0,
        "ff/01/01",
        Some("option"),
        &["ttyUSB0"],
        &[("81", "03"), ("82", "02"), ("01", "02")],
    );
    t.iface("1-1.3", 1, "ff/01/09", None, &[], &[("83", "03")]);
    t.iface("1-1.3", 3, "ff/01/03", Some("option"), &["ttyUSB1"], &[]);
    t.iface("1-1.3", 4, "ff/01/02", Some("option"), &["ttyUSB2"], &[]);
    t
}

#[test]
fn sysfs_devices_have_ids_ports_interfaces_endpoints_and_ttys() {
    let t = hub();
    let devs = t.sysfs().devices().unwrap();
    let ports: Vec<&str> = devs.iter().map(|d| d.port_path.as_str()).collect();
    assert_eq!(ports, ["1-1.1", "1-1.2", "1-1.3"]);
    let e = &devs[0];
    assert_eq!((e.vid, e.pid, e.bus, e.address), (0x12d1, 0x1446, 1, 3));
    assert_eq!(
        e.strings.manufacturer.as_deref(),
        Some("Huawei Technologies")
    );
    let i0 = e.interface(0).unwrap();
    assert_eq!(i0.class, 8);
    assert_eq!(i0.endpoints.len(), 2);
    assert!(i0
        .endpoints
        .iter()
        .any(|x| x.address == 0x01 && x.is_bulk() && !x.is_in()));
    let m = &devs[2];
    let ttys: Vec<(u8, &str)> = m
        .interfaces()
        .iter()
        .flat_map(|i| i.ttys.iter().map(move |t| (i.number, t.as_str())))
        .collect();
    assert_eq!(ttys, [(0, "ttyUSB0"), (3, "ttyUSB1"), (4, "ttyUSB2")]);
    assert_eq!(m.interfaces()[0].driver.as_deref(), Some("option"));
}

#[test]
fn list_says_storage_modem_and_unknown() {
    let t = hub();
    let db = usbfake::shipped_db();
    let devs = t.sysfs().devices().unwrap();
    let states: Vec<&str> = devs
        .iter()
        .map(|d| umodem::cmd::list::classify(&db, d).0)
        .collect();
    assert_eq!(states, ["storage", "unknown", "modem"]);
    let text = umodem::cmd::list::device_out(&db, &devs[2]).to_text();
    assert!(text.contains("ports.2.tty=/dev/ttyUSB2\nports.2.interface=4\nports.2.class=ff/01/02\nports.2.driver=option\n"), "{text}");
    let text = umodem::cmd::list::device_out(&db, &devs[0]).to_text();
    assert!(
        text.contains("state=storage\n") && text.contains("method=HuaweiNew\n"),
        "{text}"
    );
}

#[test]
fn umodem_list_and_db_lookup_from_the_command_line() {
    let t = hub();
    let db = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/files/usr/share/umodem/usb-mode.txt"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_umodem"))
        .args(["list", "--json", "--db", db])
        .env("UMODEM_SYSFS", &t.0)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.starts_with(
            "{\"devices\":[{\"id\":\"12d1:1446\",\"port\":\"1-1.1\",\"state\":\"storage\""
        ),
        "{s}"
    );
    assert!(
        s.contains("{\"id\":\"0781:5567\",\"port\":\"1-1.2\",\"state\":\"unknown\""),
        "{s}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_umodem"))
        .args(["db", "lookup", "12d1:1446", "--db", db])
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("entries.0.method=HuaweiNew\n"), "{s}");
    assert!(
        s.contains(
            "entries.0.messages.0=55534243123456780000000000000011062000000101000100000000000000\n"
        ),
        "{s}"
    );
    assert!(s.contains("entries.0.target_products.13=1506\n"), "{s}");

    let out = Command::new(env!("CARGO_BIN_EXE_umodem"))
        .args(["db", "lookup", "0781:5567", "--db", db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("not in the database: umodem will not touch it"));

    let out = Command::new(env!("CARGO_BIN_EXE_umodem"))
        .args(["db", "lookup", "12d1-1446", "--db", db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not VID:PID in hex"));
}

#[test]
fn bind_leaves_a_bound_modem_alone() {
    let t = hub();
    let new_id = t.option_driver();
    let mut waits = 0;
    let r = t
        .sysfs()
        .bind_option("1-1.3", 6, &mut |_| waits += 1)
        .unwrap();
    assert_eq!(r, Bind::AlreadyBound("option".into()));
    assert_eq!(waits, 0);
    assert_eq!(std::fs::read_to_string(new_id).unwrap(), "");
}

#[test]
fn bind_writes_new_id_when_no_vendor_interface_gets_a_driver() {
    let t = Tree::new("unbound");
    t.device("1-1", "1c9e", "9605", 2, &[]);
    t.iface("1-1", 0, "ff/ff/ff", None, &[], &[]);
    t.iface("1-1", 1, "ff/ff/ff", None, &[], &[]);
    t.iface("1-1", 2, "08/06/50", Some("usb-storage"), &[], &[]);
    let new_id = t.option_driver();
    let mut waited = Vec::new();
    let r = t
        .sysfs()
        .bind_option("1-1", 4, &mut |ms| waited.push(ms))
        .unwrap();
    assert!(
        matches!(r, Bind::NewId(ref p) if p.ends_with("sys/bus/usb-serial/drivers/option1/new_id")),
        "{r:?}"
    );
    assert_eq!(std::fs::read_to_string(new_id).unwrap(), "1c9e 9605\n");
    assert_eq!(waited, [500, 500, 500], "looked 4 times before writing");
}

#[test]
fn bind_without_the_option_driver_says_which_package() {
    let t = Tree::new("nodrv");
    t.device("1-1", "1c9e", "9605", 2, &[]);
    t.iface("1-1", 0, "ff/ff/ff", None, &[], &[]);
    let e = t.sysfs().bind_option("1-1", 1, &mut |_| {}).unwrap_err();
    assert!(e.msg().contains("kmod-usb-serial-option"), "{}", e.msg());
}

#[test]
fn bind_is_not_needed_without_vendor_interfaces() {
    let t = Tree::new("acm");
    t.device("1-1", "0fce", "d0e1", 2, &[]);
    t.iface("1-1", 0, "02/02/01", Some("cdc_acm"), &["tty"], &[]);
    let r = t.sysfs().bind_option("1-1", 3, &mut |_| {}).unwrap();
    assert_eq!(r, Bind::NoVendorInterfaces);
}

#[test]
fn scsi_strings_come_from_the_storage_lun() {
    let t = Tree::new("scsi");
    t.device("1-1", "05c6", "1000", 2, &[]);
    t.iface(
        "1-1",
        0,
        "08/06/50",
        Some("usb-storage"),
        &[],
        &[("81", "02"), ("01", "02")],
    );
    let lun = t.devs().join("1-1:1.0/host0/target0:0:0/0:0:0:0");
    t.file(&lun, "vendor", "GT      ");
    t.file(&lun, "model", "Mass Storage    ");
    t.file(&lun, "rev", "2.31");
    let s = t.sysfs().device_strings("1-1");
    assert_eq!(s.scsi_vendor.as_deref(), Some("GT"));
    assert_eq!(s.scsi_model.as_deref(), Some("Mass Storage"));
    let db = usbfake::shipped_db();
    let (key, _) = db.lookup(0x05c6, 0x1000, &s).unwrap();
    assert_eq!(key, "sVe=GT");
}

#[test]
fn a_missing_sysfs_is_a_clear_error() {
    let e = UsbSysfs::new("/nonexistent-umodem").devices().unwrap_err();
    assert!(
        e.msg()
            .contains("no USB support in this kernel, or wrong UMODEM_SYSFS"),
        "{}",
        e.msg()
    );
}

/// The usbfs backend enumerates from sysfs and sees every configuration
/// through the raw `descriptors` file.
#[test]
fn usbfs_backend_lists_all_configurations_from_descriptors() {
    use umodem::hw::usb::{UsbBackend, UsbError};
    use umodem::hw::usbfs::UsbfsBackend;
    let t = Tree::new("usbfs");
    t.device("1-1", "1234", "5678", 9, &[]);
    t.iface(
        "1-1",
        0,
        "ff/ff/ff",
        None,
        &[],
        &[("81", "02"), ("01", "02")],
    );
    let mut raw = vec![
        18, 1, 0, 2, 0, 0, 0, 64, 0x34, 0x12, 0x78, 0x56, 0, 0, 1, 2, 0, 2,
    ];
    raw.extend([
        9, 2, 32, 0, 1, 1, 0, 0x80, 250, 9, 4, 0, 0, 2, 0xff, 0xff, 0xff, 0,
    ]);
    raw.extend([7, 5, 0x81, 2, 0, 2, 0, 7, 5, 0x01, 2, 0, 2, 0]);
    raw.extend([
        9, 2, 18, 0, 1, 2, 0, 0x80, 250, 9, 4, 0, 0, 1, 2, 0x0e, 0, 0,
    ]);
    std::fs::write(t.devs().join("1-1/descriptors"), raw).unwrap();
    let mut be = UsbfsBackend::new(t.sysfs(), t.0.join("dev/bus/usb"));
    let devs = be.devices().unwrap();
    assert_eq!(devs.len(), 1);
    let d = &devs[0];
    assert_eq!((d.bus, d.address, d.active_config), (1, 9, Some(1)));
    let values: Vec<u8> = d.configs.iter().map(|c| c.value).collect();
    assert_eq!(values, [1, 2]);
    assert_eq!(
        be.open(d),
        Err(UsbError::Gone),
        "no /dev/bus/usb/001/009 node"
    );
}

/// The sysfs trees the virtual E367 writes (tests/fixtures/sysfs, made by
/// umodem-sim) read the same way: modems with their ttys, the hub unknown.
#[test]
fn list_reads_the_simulators_sysfs_trees() {
    let db = usbfake::shipped_db();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sysfs/");
    let e367 = UsbSysfs::new(format!("{root}e367")).devices().unwrap();
    assert_eq!(e367.len(), 1);
    let (state, _) = umodem::cmd::list::classify(&db, &e367[0]);
    assert_eq!((e367[0].id().as_str(), state), ("12d1:1506", "modem"));
    let ttys: Vec<(u8, &str)> = e367[0]
        .interfaces()
        .iter()
        .flat_map(|i| i.ttys.iter().map(move |t| (i.number, t.as_str())))
        .collect();
    assert_eq!(
        ttys,
        [(0, "ttyUSB0"), (3, "ttyUSB1"), (4, "ttyUSB2")],
        "as on a 6.1 kernel"
    );

    let two = UsbSysfs::new(format!("{root}two-modems"))
        .devices()
        .unwrap();
    let got: Vec<(String, &str)> = two
        .iter()
        .map(|d| (d.id(), umodem::cmd::list::classify(&db, d).0))
        .collect();
    assert_eq!(
        got,
        [
            ("05e3:0608".to_string(), "unknown"),
            ("19d2:0031".to_string(), "modem"),
            ("12d1:1506".to_string(), "modem")
        ]
    );
}
