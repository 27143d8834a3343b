//! Fake sysfs trees with the layout Linux gives USB serial devices: the E367 after the
//! switch (12d1:1506, seven interfaces, `option` bound to if0, if3, if4), optionally
//! behind a hub with other devices. Paths are relative to a root that stands for "/".

use std::fs;
use std::io;
use std::path::Path;

#[derive(Clone, Debug)]
pub struct Iface {
    pub num: u8,
    pub class: u8,
    pub sub: u8,
    pub proto: u8,
    pub eps: u8,
    /// USB interface driver (e.g. "option", "usb-storage"), None if unbound.
    pub driver: Option<&'static str>,
    /// usb-serial driver name (e.g. "option1") and tty, if a tty is attached.
    pub tty: Option<(&'static str, String)>,
}

#[derive(Clone, Debug)]
pub struct Device {
    /// Port path, e.g. "1-1" or "1-1.2".
    pub path: String,
    pub devnum: u8,
    pub vid: u16,
    pub pid: u16,
    pub class: (u8, u8, u8),
    pub manufacturer: &'static str,
    pub product: &'static str,
    pub serial: Option<&'static str>,
    pub maxchild: u8,
    pub ifaces: Vec<Iface>,
}

const BASE: &str = "sys/devices/platform/ehci-platform/usb1";

fn iface(num: u8, c: (u8, u8, u8), eps: u8, driver: Option<&'static str>) -> Iface {
    Iface {
        num,
        class: c.0,
        sub: c.1,
        proto: c.2,
        eps,
        driver,
        tty: None,
    }
}

fn with_tty(mut i: Iface, drv: &'static str, tty: &str) -> Iface {
    i.tty = Some((drv, tty.to_string()));
    i
}

/// The E367 after the switch; `ttys` name the ttys of if0, if3 and if4 in that order.
pub fn e367(path: &str, devnum: u8, ttys: [&str; 3]) -> Device {
    Device {
        path: path.into(),
        devnum,
        vid: 0x12d1,
        pid: 0x1506,
        class: (0xef, 0x02, 0x01),
        manufacturer: "Huawei Technologies",
        product: "HUAWEI Mobile",
        serial: None,
        maxchild: 0,
        ifaces: vec![
            with_tty(
                iface(0, (0xff, 0x01, 0x01), 3, Some("option")),
                "option1",
                ttys[0],
            ),
            iface(1, (0xff, 0x01, 0x09), 1, None),
            iface(2, (0xff, 0x01, 0x08), 2, None),
            with_tty(
                iface(3, (0xff, 0x01, 0x03), 2, Some("option")),
                "option1",
                ttys[1],
            ),
            with_tty(
                iface(4, (0xff, 0x01, 0x02), 2, Some("option")),
                "option1",
                ttys[2],
            ),
            iface(5, (0x08, 0x06, 0x50), 2, Some("usb-storage")),
            iface(6, (0x08, 0x06, 0x50), 2, Some("usb-storage")),
        ],
    }
}

/// A ZTE MF626 (19d2:0031) after its switch: vendor-specific interfaces without a
/// Huawei-style protocol, all bound by `option` (layout approximate; see README).
pub fn mf626(path: &str, devnum: u8, ttys: [&str; 3]) -> Device {
    let ff = (0xff, 0xff, 0xff);
    Device {
        path: path.into(),
        devnum,
        vid: 0x19d2,
        pid: 0x0031,
        class: (0x00, 0x00, 0x00),
        manufacturer: "ZTE,Incorporated",
        product: "ZTE WCDMA Technologies MSM",
        serial: Some("MF6260010000000"),
        maxchild: 0,
        ifaces: vec![
            with_tty(iface(0, ff, 2, Some("option")), "option1", ttys[0]),
            with_tty(iface(1, ff, 2, Some("option")), "option1", ttys[1]),
            with_tty(iface(2, ff, 3, Some("option")), "option1", ttys[2]),
            iface(3, (0x08, 0x06, 0x50), 2, Some("usb-storage")),
        ],
    }
}

/// An FTDI FT232R serial adapter (0403:6001).
pub fn ftdi(path: &str, devnum: u8, tty: &str) -> Device {
    Device {
        path: path.into(),
        devnum,
        vid: 0x0403,
        pid: 0x6001,
        class: (0x00, 0x00, 0x00),
        manufacturer: "FTDI",
        product: "FT232R USB UART",
        serial: Some("A50285BI"),
        maxchild: 0,
        ifaces: vec![with_tty(
            iface(0, (0xff, 0xff, 0xff), 2, Some("ftdi_sio")),
            "ftdi_sio",
            tty,
        )],
    }
}

/// A four-port USB 2.0 hub.
pub fn hub(path: &str, devnum: u8) -> Device {
    Device {
        path: path.into(),
        devnum,
        vid: 0x05e3,
        pid: 0x0608,
        class: (0x09, 0x00, 0x02),
        manufacturer: "GenesysLogic",
        product: "USB2.0 Hub",
        serial: None,
        maxchild: 4,
        ifaces: vec![iface(0, (0x09, 0x00, 0x00), 1, Some("hub"))],
    }
}

fn write(root: &Path, rel: &str, content: &str) -> io::Result<()> {
    let p = root.join(rel);
    if let Some(d) = p.parent() {
        fs::create_dir_all(d)?;
    }
    fs::write(p, content)
}

/// Relative symlink at `link` (relative to root) pointing to `target` (relative to root).
fn link(root: &Path, link: &str, target: &str) -> io::Result<()> {
    let p = root.join(link);
    if let Some(d) = p.parent() {
        fs::create_dir_all(d)?;
    }
    // shortest relative path, as the kernel writes them
    let from: Vec<&str> = link.split('/').collect();
    let from = from.get(..from.len().saturating_sub(1)).unwrap_or(&[]);
    let to: Vec<&str> = target.split('/').collect();
    let common = from
        .iter()
        .zip(to.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let mut rel = "../".repeat(from.len() - common);
    rel.push_str(&to.get(common..).unwrap_or(&[]).join("/"));
    let _ = fs::remove_file(&p);
    std::os::unix::fs::symlink(rel, p)
}

/// Directory of a device: hubs nest their children ("1-1/1-1.2").
fn dev_dir(path: &str) -> String {
    let mut dir = String::from(BASE);
    // "1-1.2.3" -> 1-1, 1-1.2, 1-1.2.3
    let (bus, ports) = path.split_once('-').unwrap_or((path, ""));
    let mut cur = format!("{bus}-");
    for (i, p) in ports.split('.').enumerate() {
        if i > 0 {
            cur.push('.');
        }
        cur.push_str(p);
        dir.push('/');
        dir.push_str(&cur);
    }
    dir
}

/// Write the root hub and `devs` under `root`. `tty_dev` gives "major:minor" for a tty.
pub fn write_tree(
    root: &Path,
    devs: &[Device],
    tty_dev: &dyn Fn(&str) -> String,
) -> io::Result<()> {
    // root hub
    let rh = BASE;
    for (f, v) in [
        ("idVendor", "1d6b"),
        ("idProduct", "0002"),
        ("bDeviceClass", "09"),
        ("busnum", "1"),
        ("devnum", "1"),
        ("devpath", "0"),
        ("manufacturer", "Linux ehci_hcd"),
        ("product", "EHCI Host Controller"),
        ("speed", "480"),
        ("maxchild", "1"),
    ] {
        write(root, &format!("{rh}/{f}"), &format!("{v}\n"))?;
    }
    link(root, "sys/bus/usb/devices/usb1", rh)?;
    link(root, "sys/bus/usb/drivers/usb/usb1", rh)?;
    link(root, &format!("{rh}/driver"), "sys/bus/usb/drivers/usb")?;
    for d in devs {
        write_device(root, d, tty_dev)?;
    }
    Ok(())
}

fn write_device(root: &Path, d: &Device, tty_dev: &dyn Fn(&str) -> String) -> io::Result<()> {
    let dir = dev_dir(&d.path);
    let devpath = d.path.split_once('-').map(|x| x.1).unwrap_or("");
    let vals: Vec<(&str, String)> = vec![
        ("idVendor", format!("{:04x}", d.vid)),
        ("idProduct", format!("{:04x}", d.pid)),
        ("bcdDevice", "0000".into()),
        ("bDeviceClass", format!("{:02x}", d.class.0)),
        ("bDeviceSubClass", format!("{:02x}", d.class.1)),
        ("bDeviceProtocol", format!("{:02x}", d.class.2)),
        ("bNumInterfaces", format!("{:2}", d.ifaces.len())),
        ("bNumConfigurations", "1".into()),
        ("bConfigurationValue", "1".into()),
        ("busnum", "1".into()),
        ("devnum", d.devnum.to_string()),
        ("devpath", devpath.to_string()),
        ("manufacturer", d.manufacturer.to_string()),
        ("product", d.product.to_string()),
        ("speed", "480".into()),
        ("version", " 2.00".into()),
        ("maxchild", d.maxchild.to_string()),
        (
            "uevent",
            format!(
                "MAJOR=189\nMINOR={}\nDEVNAME=bus/usb/001/{:03}\nDEVTYPE=usb_device\nDRIVER=usb\nPRODUCT={:x}/{:x}/0\nTYPE={}/{}/{}\nBUSNUM=001\nDEVNUM={:03}",
                d.devnum as u32 - 1,
                d.devnum,
                d.vid,
                d.pid,
                d.class.0,
                d.class.1,
                d.class.2,
                d.devnum
            ),
        ),
    ];
    for (f, v) in vals {
        write(root, &format!("{dir}/{f}"), &format!("{v}\n"))?;
    }
    if let Some(s) = d.serial {
        write(root, &format!("{dir}/serial"), &format!("{s}\n"))?;
    }
    link(root, &format!("{dir}/driver"), "sys/bus/usb/drivers/usb")?;
    link(root, &format!("sys/bus/usb/drivers/usb/{}", d.path), &dir)?;
    link(root, &format!("sys/bus/usb/devices/{}", d.path), &dir)?;
    for i in &d.ifaces {
        let name = format!("{}:1.{}", d.path, i.num);
        let idir = format!("{dir}/{name}");
        let modalias = format!(
            "usb:v{:04X}p{:04X}d0000dc{:02X}dsc{:02X}dp{:02X}ic{:02X}isc{:02X}ip{:02X}in{:02X}",
            d.vid, d.pid, d.class.0, d.class.1, d.class.2, i.class, i.sub, i.proto, i.num
        );
        let mut uevent = format!(
            "DEVTYPE=usb_interface\nPRODUCT={:x}/{:x}/0\nTYPE={}/{}/{}\nINTERFACE={}/{}/{}\nMODALIAS={}",
            d.vid, d.pid, d.class.0, d.class.1, d.class.2, i.class, i.sub, i.proto, modalias
        );
        if let Some(drv) = i.driver {
            uevent = format!("{uevent}\nDRIVER={drv}");
        }
        for (f, v) in [
            ("bInterfaceNumber", format!("{:02x}", i.num)),
            ("bAlternateSetting", " 0".to_string()),
            ("bInterfaceClass", format!("{:02x}", i.class)),
            ("bInterfaceSubClass", format!("{:02x}", i.sub)),
            ("bInterfaceProtocol", format!("{:02x}", i.proto)),
            ("bNumEndpoints", format!("{:02x}", i.eps)),
            ("modalias", modalias.clone()),
            ("uevent", uevent),
        ] {
            write(root, &format!("{idir}/{f}"), &format!("{v}\n"))?;
        }
        link(root, &format!("sys/bus/usb/devices/{name}"), &idir)?;
        if let Some(drv) = i.driver {
            link(
                root,
                &format!("{idir}/driver"),
                &format!("sys/bus/usb/drivers/{drv}"),
            )?;
            link(root, &format!("sys/bus/usb/drivers/{drv}/{name}"), &idir)?;
        }
        if let Some((sdrv, tty)) = &i.tty {
            let tdir = format!("{idir}/{tty}");
            let port = tty.trim_start_matches(|c: char| !c.is_ascii_digit());
            write(root, &format!("{tdir}/port_number"), "0\n")?;
            write(root, &format!("{tdir}/uevent"), &format!("DRIVER={sdrv}\n"))?;
            link(
                root,
                &format!("{tdir}/driver"),
                &format!("sys/bus/usb-serial/drivers/{sdrv}"),
            )?;
            let dev = tty_dev(tty);
            let (maj, min) = dev.split_once(':').unwrap_or(("188", port));
            write(root, &format!("{tdir}/tty/{tty}/dev"), &format!("{dev}\n"))?;
            write(
                root,
                &format!("{tdir}/tty/{tty}/uevent"),
                &format!("MAJOR={maj}\nMINOR={min}\nDEVNAME={tty}\n"),
            )?;
            link(root, &format!("sys/bus/usb-serial/devices/{tty}"), &tdir)?;
            link(
                root,
                &format!("sys/bus/usb-serial/drivers/{sdrv}/{tty}"),
                &tdir,
            )?;
            link(
                root,
                &format!("sys/class/tty/{tty}"),
                &format!("{tdir}/tty/{tty}"),
            )?;
        }
    }
    Ok(())
}

/// Remove a device's entries (unplug): its directory and every link into it.
pub fn remove_device(root: &Path, d: &Device) -> io::Result<()> {
    let dir = dev_dir(&d.path);
    let _ = fs::remove_file(root.join(format!("sys/bus/usb/devices/{}", d.path)));
    let _ = fs::remove_file(root.join(format!("sys/bus/usb/drivers/usb/{}", d.path)));
    for i in &d.ifaces {
        let name = format!("{}:1.{}", d.path, i.num);
        let _ = fs::remove_file(root.join(format!("sys/bus/usb/devices/{name}")));
        if let Some(drv) = i.driver {
            let _ = fs::remove_file(root.join(format!("sys/bus/usb/drivers/{drv}/{name}")));
        }
        if let Some((sdrv, tty)) = &i.tty {
            let _ = fs::remove_file(root.join(format!("sys/bus/usb-serial/devices/{tty}")));
            let _ = fs::remove_file(root.join(format!("sys/bus/usb-serial/drivers/{sdrv}/{tty}")));
            let _ = fs::remove_file(root.join(format!("sys/class/tty/{tty}")));
        }
    }
    fs::remove_dir_all(root.join(dir))
}

/// The committed fixture trees: "e367", "two-modems", "with-ftdi".
pub fn fixture(name: &str) -> Option<Vec<Device>> {
    Some(match name {
        "e367" => vec![e367("1-1", 3, ["ttyUSB0", "ttyUSB1", "ttyUSB2"])],
        // a hub; the ZTE came first and took ttyUSB0..2, the E367 got ttyUSB3..5
        "two-modems" => vec![
            hub("1-1", 2),
            mf626("1-1.1", 3, ["ttyUSB0", "ttyUSB1", "ttyUSB2"]),
            e367("1-1.2", 5, ["ttyUSB3", "ttyUSB4", "ttyUSB5"]),
        ],
        // a hub; an FTDI adapter holds ttyUSB0, the E367 has ttyUSB1..3
        "with-ftdi" => vec![
            hub("1-1", 2),
            ftdi("1-1.1", 3, "ttyUSB0"),
            e367("1-1.2", 4, ["ttyUSB1", "ttyUSB2", "ttyUSB3"]),
        ],
        _ => return None,
    })
}

/// "188:n" for ttyUSBn (the usb-serial major), as on a real system.
pub fn usb_serial_dev(tty: &str) -> String {
    let n = tty.trim_start_matches(|c: char| !c.is_ascii_digit());
    format!("188:{n}")
}
