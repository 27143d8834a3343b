//! The committed sysfs fixture trees: they match the generator, and they show the
//! facts of E367.md (12d1:1506, if0/if3/if4 bound by `option`, the tty numbering).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn committed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/sysfs")
        .join(name)
}

/// Every entry below `root` without following links: path → "file:CONTENT" / "link:TARGET".
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).expect("read_dir") {
            let p = e.expect("entry").path();
            let rel = p
                .strip_prefix(root)
                .expect("prefix")
                .to_string_lossy()
                .into_owned();
            let md = fs::symlink_metadata(&p).expect("metadata");
            if md.file_type().is_symlink() {
                let t = fs::read_link(&p).expect("read_link");
                out.insert(rel, format!("link:{}", t.display()));
            } else if md.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    rel,
                    format!("file:{}", fs::read_to_string(&p).expect("read")),
                );
            }
        }
    }
    out
}

#[test]
fn committed_trees_match_the_generator() {
    for name in ["e367", "two-modems", "with-ftdi"] {
        let tmp =
            std::env::temp_dir().join(format!("umodem-sim-fixture-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        let devs = umodem_sim::sysfs::fixture(name).expect("fixture");
        umodem_sim::sysfs::write_tree(&tmp, &devs, &umodem_sim::sysfs::usb_serial_dev)
            .expect("write");
        let fresh = snapshot(&tmp);
        let stored = snapshot(&committed(name));
        let _ = fs::remove_dir_all(&tmp);
        assert!(!stored.is_empty(), "{name}: no committed tree");
        assert_eq!(
            stored, fresh,
            "{name}: regenerate with umodem-sim sysfs-fixture (see tests/sim/README.md)"
        );
    }
}

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .trim_end()
        .to_string()
}

fn driver(root: &Path, rel: &str) -> String {
    let t = fs::read_link(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    t.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// (tty, interface number, protocol, usb vendor:product) as a port-finder sees them.
fn ttys(root: &Path) -> Vec<(String, String, String, String)> {
    let mut v = Vec::new();
    let dir = root.join("sys/bus/usb-serial/devices");
    for e in fs::read_dir(&dir).expect("usb-serial devices") {
        let tty = e.expect("entry").file_name().to_string_lossy().into_owned();
        let base = format!("sys/bus/usb-serial/devices/{tty}");
        v.push((
            tty,
            read(root, &format!("{base}/../bInterfaceNumber")),
            read(root, &format!("{base}/../bInterfaceProtocol")),
            format!(
                "{}:{}",
                read(root, &format!("{base}/../../idVendor")),
                read(root, &format!("{base}/../../idProduct"))
            ),
        ));
    }
    v.sort();
    v
}

fn row(t: &str, i: &str, p: &str, id: &str) -> (String, String, String, String) {
    (t.into(), i.into(), p.into(), id.into())
}

#[test]
fn e367_tree_has_the_real_layout() {
    let r = committed("e367");
    assert_eq!(
        ttys(&r),
        vec![
            row("ttyUSB0", "00", "01", "12d1:1506"),
            row("ttyUSB1", "03", "03", "12d1:1506"),
            row("ttyUSB2", "04", "02", "12d1:1506"),
        ]
    );
    let d = "sys/bus/usb/devices/1-1";
    assert_eq!(read(&r, &format!("{d}/bNumInterfaces")), " 7");
    assert_eq!(
        read(&r, &format!("{d}/manufacturer")),
        "Huawei Technologies"
    );
    assert_eq!(read(&r, &format!("{d}/product")), "HUAWEI Mobile");
    assert_eq!(read(&r, &format!("{d}/busnum")), "1");
    assert_eq!(read(&r, &format!("{d}/devpath")), "1");
    assert_eq!(
        driver(&r, "sys/bus/usb-serial/devices/ttyUSB2/../driver"),
        "option"
    );
    assert_eq!(
        driver(&r, "sys/bus/usb-serial/devices/ttyUSB2/driver"),
        "option1"
    );
    assert_eq!(read(&r, "sys/class/tty/ttyUSB2/dev"), "188:2");
    // the interfaces without a tty are there too, unbound or with usb-storage
    assert_eq!(
        read(&r, "sys/bus/usb/devices/1-1:1.1/bInterfaceProtocol"),
        "09"
    );
    assert!(!r.join("sys/bus/usb/devices/1-1:1.1/driver").exists());
    assert_eq!(
        driver(&r, "sys/bus/usb/devices/1-1:1.5/driver"),
        "usb-storage"
    );
}

#[test]
fn other_trees_shift_the_numbers() {
    let r = committed("two-modems");
    assert_eq!(
        ttys(&r),
        vec![
            row("ttyUSB0", "00", "ff", "19d2:0031"),
            row("ttyUSB1", "01", "ff", "19d2:0031"),
            row("ttyUSB2", "02", "ff", "19d2:0031"),
            row("ttyUSB3", "00", "01", "12d1:1506"),
            row("ttyUSB4", "03", "03", "12d1:1506"),
            row("ttyUSB5", "04", "02", "12d1:1506"),
        ]
    );
    assert_eq!(read(&r, "sys/bus/usb/devices/1-1.2/devpath"), "1.2");
    let r = committed("with-ftdi");
    assert_eq!(
        ttys(&r),
        vec![
            row("ttyUSB0", "00", "ff", "0403:6001"),
            row("ttyUSB1", "00", "01", "12d1:1506"),
            row("ttyUSB2", "03", "03", "12d1:1506"),
            row("ttyUSB3", "04", "02", "12d1:1506"),
        ]
    );
    assert_eq!(
        driver(&r, "sys/bus/usb-serial/devices/ttyUSB0/../driver"),
        "ftdi_sio"
    );
}
