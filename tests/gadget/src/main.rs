//! umodem-gadget: a virtual USB stick for the VM tests (not shipped on the router).
//!
//!   umodem-gadget e367 [--udc UDC] [--control FIFO] [--ppp-cmd CMD] [SIM options]
//!                                             Huawei E367: 12d1:1446 CD-ROM, switches
//!                                             to 12d1:1506 on the Huawei switch message;
//!                                             the ports speak umodem-sim's E367 model
//!   SIM options: --pin P (or env UMODEM_SIM_PIN) --puk P --no-pin --no-sim
//!     --pin-left N --puk-left N --apn APN --reg-delay-ms N --dial-delay-ms N
//!     --boot-interval-ms N --rssi N --fault NAME --ctl LINE (both repeatable)
//!   --control FIFO: lines `unplug`, `plug`, or the sim's control language
//!   umodem-gadget disk [--udc UDC] [--id VID:PID] [--kib N]
//!                                             a plain USB disk (logs every CDB)
//! Common: --configfs DIR (/sys/kernel/config/usb_gadget), --ffs DIR (/dev/ffs).
//! Runs until killed; logs to stderr. Needs configfs, FunctionFS and a UDC (dummy_hcd).

mod ffs;
mod gadget;
mod modem;
mod scsi;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use ffs::{Interface, BULK_IN, BULK_OUT, INT_IN};
use gadget::{log, Cmd, Device, Gadget, Hub};
use modem::{Port, SimE367};
use scsi::{Lun, Medium};
use umodem_sim::Config;

struct Opts {
    udc: String,
    configfs: PathBuf,
    ffs: PathBuf,
    id: (u16, u16),
    kib: usize,
    sim: Config,
    start_ctl: Vec<String>,
    ppp_cmd: Option<String>,
    control: Option<PathBuf>,
}

fn parse_id(s: &str) -> Option<(u16, u16)> {
    let (v, p) = s.split_once(':')?;
    Some((
        u16::from_str_radix(v, 16).ok()?,
        u16::from_str_radix(p, 16).ok()?,
    ))
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        udc: "dummy_udc.0".into(),
        configfs: "/sys/kernel/config/usb_gadget".into(),
        ffs: "/dev/ffs".into(),
        id: (0x0781, 0x5567),
        kib: 256,
        sim: Config::default(),
        start_ctl: Vec::new(),
        ppp_cmd: None,
        control: None,
    };
    if let Ok(p) = std::env::var("UMODEM_SIM_PIN") {
        o.sim.pin = p;
    }
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        let num = |s: String| {
            s.parse::<u64>()
                .map_err(|_| format!("{a}: not a number: {s}"))
        };
        match a.as_str() {
            "--udc" => o.udc = val()?,
            "--configfs" => o.configfs = val()?.into(),
            "--ffs" => o.ffs = val()?.into(),
            "--id" => o.id = parse_id(&val()?).ok_or("--id wants VID:PID in hex")?,
            "--kib" => o.kib = num(val()?)? as usize,
            "--pin" => o.sim.pin = val()?,
            "--puk" => o.sim.puk = val()?,
            "--no-pin" => o.sim.pin_enabled = false,
            "--no-sim" => o.sim.sim_present = false,
            "--pin-left" => o.sim.pin_left = num(val()?)?.min(3) as u8,
            "--puk-left" => o.sim.puk_left = num(val()?)?.min(10) as u8,
            "--apn" => o.sim.apn_required = Some(val()?),
            "--reg-delay-ms" => o.sim.reg_delay_ms = num(val()?)?,
            "--dial-delay-ms" => o.sim.dial_delay_ms = num(val()?)?,
            "--boot-interval-ms" => o.sim.boot_interval_ms = num(val()?)?,
            "--rssi" => o.sim.rssi_base = num(val()?)?.min(31) as u8,
            "--fault" => o.start_ctl.push(format!("fault {}", val()?)),
            "--ctl" => o.start_ctl.push(val()?),
            "--ppp-cmd" => o.ppp_cmd = Some(val()?),
            "--control" => o.control = Some(val()?.into()),
            _ => return Err(format!("unknown argument '{a}'")),
        }
    }
    Ok(o)
}

/// Which bulk endpoint a storage interface lists first (the E367's if0 lists IN
/// first, its if1 OUT first).
#[derive(Clone, Copy, PartialEq, Eq)]
enum First {
    In,
    Out,
}

fn storage_iface(first: First) -> Interface {
    let endpoints = match first {
        First::In => vec![BULK_IN, BULK_OUT],
        First::Out => vec![BULK_OUT, BULK_IN],
    };
    Interface {
        class: 8,
        subclass: 6,
        protocol: 0x50,
        endpoints,
    }
}

/// Start storage function `instance` serving `lun`.
fn start_storage(
    o: &Opts,
    instance: &str,
    first: First,
    lun: Lun,
    switch: Option<mpsc::Sender<Cmd>>,
) -> std::io::Result<()> {
    let (dir, ep0) = gadget::start_function(&o.ffs, instance, &storage_iface(first))?;
    gadget::serve_ep0(instance.to_string(), ep0, gadget::storage_setup);
    let (n_in, n_out) = if first == First::In { (1, 2) } else { (2, 1) };
    let ep_in = gadget::open_ep(&dir, n_in)?;
    let ep_out = gadget::open_ep(&dir, n_out)?;
    gadget::serve_storage(instance.to_string(), ep_in, ep_out, lun, switch);
    Ok(())
}

const HUAWEI: u16 = 0x12d1;
const MANUFACTURER: &str = "Huawei Technologies";
const PRODUCT: &str = "HUAWEI Mobile";

/// The E367 after the switch: 7 interfaces, triplets as the real stick. dummy_hcd has
/// too few endpoints for all of them, so if2, if5 and if6 have none (VM-FACTS.md).
fn e367_modem_layout() -> Vec<(Interface, Option<Port>)> {
    let v = |subclass, protocol, endpoints| Interface {
        class: 0xff,
        subclass,
        protocol,
        endpoints,
    };
    vec![
        (v(1, 1, vec![INT_IN, BULK_IN, BULK_OUT]), Some(Port::Modem)),
        (v(1, 9, vec![INT_IN]), None),
        (v(1, 8, vec![]), None),
        (v(1, 3, vec![BULK_IN, BULK_OUT]), Some(Port::Diag)),
        (v(1, 2, vec![BULK_IN, BULK_OUT]), Some(Port::Pcui)),
        (
            Interface {
                class: 8,
                subclass: 6,
                protocol: 0x50,
                endpoints: vec![],
            },
            None,
        ),
        (
            Interface {
                class: 8,
                subclass: 6,
                protocol: 0x50,
                endpoints: vec![],
            },
            None,
        ),
    ]
}

/// Read control lines from the FIFO at `path` forever: `unplug` and `plug` act on
/// the USB side, anything else goes to the modem model (the sim's control language).
fn control_fifo(path: PathBuf, hub: Arc<Hub>, tx: mpsc::Sender<Cmd>) -> std::io::Result<()> {
    let _ = std::fs::remove_file(&path);
    let st = std::process::Command::new("mkfifo").arg(&path).status()?;
    if !st.success() {
        return Err(std::io::Error::other(format!(
            "mkfifo {} failed",
            path.display()
        )));
    }
    thread::spawn(move || loop {
        // Blocks until a writer opens the FIFO; EOF when it closes.
        let Ok(f) = std::fs::File::open(&path) else {
            thread::sleep(Duration::from_millis(200));
            continue;
        };
        for line in BufReader::new(f).lines().map_while(Result::ok) {
            let line = line.trim().to_string();
            let r = match line.as_str() {
                "" => continue,
                "plug" => tx
                    .send(Cmd::Plug)
                    .map(|_| "ok".to_string())
                    .map_err(|e| e.to_string()),
                l if l.split_whitespace().next() == Some("unplug") => unplug(l, &tx),
                l => hub.control(l),
            };
            log("control", &format!("{line} -> {r:?}"));
        }
    });
    Ok(())
}

/// `unplug` or `unplug MS` (plugged in again after MS milliseconds, as the sim's
/// control language has it).
fn unplug(line: &str, tx: &mpsc::Sender<Cmd>) -> Result<String, String> {
    let again = match line.split_whitespace().nth(1) {
        None => None,
        Some(ms) => Some(
            ms.parse::<u64>()
                .map_err(|_| format!("unplug: not a number: {ms}"))?,
        ),
    };
    tx.send(Cmd::Unplug).map_err(|e| e.to_string())?;
    if let Some(ms) = again {
        let tx = tx.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(ms));
            let _ = tx.send(Cmd::Plug);
        });
    }
    Ok("ok".into())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    CdRom,
    Modem,
    Unplugged,
}

fn e367(o: &Opts) -> std::io::Result<()> {
    let model = SimE367::new(o.sim.clone(), o.start_ctl.clone(), o.ppp_cmd.clone())
        .map_err(std::io::Error::other)?;

    // Before the switch: two storage interfaces, the CD-ROM and the empty SD slot.
    let cd_names = ["e367cd0", "e367cd1"];
    let cd_dev = Device {
        vid: HUAWEI,
        pid: 0x1446,
        class: (0, 0, 0),
        manufacturer: MANUFACTURER,
        product: PRODUCT,
    };
    let cd = Gadget::create(&o.configfs, "e367_1446", &cd_dev, &cd_names)?;
    let (tx, rx) = mpsc::channel();
    let mut image = b"UMODEM VIRTUAL E367 CD-ROM\n".to_vec();
    image.resize(64 * 1024, 0);
    start_storage(
        o,
        cd_names[0],
        First::In,
        Lun::new(Medium::CdRom, "HUAWEI", "Mass Storage", "2.31", image),
        Some(tx.clone()),
    )?;
    start_storage(
        o,
        cd_names[1],
        First::Out,
        Lun::new(Medium::Disk, "HUAWEI", "Mass Storage", "2.31", Vec::new()),
        Some(tx.clone()),
    )?;

    // After the switch: the modem. Prepared now, bound when the switch message comes.
    let layout = e367_modem_layout();
    let names: Vec<String> = (0..layout.len()).map(|i| format!("e367m{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let m_dev = Device {
        vid: HUAWEI,
        pid: 0x1506,
        class: (0xef, 2, 1),
        manufacturer: MANUFACTURER,
        product: PRODUCT,
    };
    let modem_gadget = Gadget::create(&o.configfs, "e367_1506", &m_dev, &refs)?;
    let (hub, mut rxs) = Hub::new(Box::new(model));
    hub.start_clock();
    for ((iface, port), name) in layout.iter().zip(&names) {
        let (dir, ep0) = gadget::start_function(&o.ffs, name, iface)?;
        match port {
            Some(p) => {
                gadget::serve_ep0(name.clone(), ep0, gadget::serial_setup(hub.clone(), *p));
                // The bulk pair follows the interrupt endpoint on if0.
                let first = if *p == Port::Modem { 2 } else { 1 };
                let ep_in = gadget::open_ep(&dir, first)?;
                let ep_out = gadget::open_ep(&dir, first + 1)?;
                let rx = rxs.remove(0);
                gadget::serve_serial(name.clone(), hub.clone(), *p, ep_in, ep_out, rx);
            }
            None => gadget::serve_ep0(name.clone(), ep0, |_| gadget::Ctrl::Stall),
        }
    }
    if let Some(path) = &o.control {
        control_fifo(path.clone(), hub.clone(), tx)?;
    }

    cd.bind(&o.udc)?;
    println!("gadget: 12d1:1446 plugged into {}", o.udc);
    let mut state = State::CdRom;
    for cmd in rx {
        state = match (cmd, state) {
            (Cmd::Switch, State::CdRom) => {
                // Let the CSW reach the host before the stick drops off the bus.
                thread::sleep(Duration::from_millis(50));
                cd.unbind()?;
                modem_gadget.bind(&o.udc)?;
                println!("gadget: switch message received: 12d1:1446 out, 12d1:1506 in");
                State::Modem
            }
            (Cmd::Unplug, State::CdRom) => {
                cd.unbind()?;
                println!("gadget: unplugged (12d1:1446)");
                State::Unplugged
            }
            (Cmd::Unplug, State::Modem) => {
                modem_gadget.unbind()?;
                let _ = hub.control("unplug");
                println!("gadget: unplugged (12d1:1506)");
                State::Unplugged
            }
            (Cmd::Plug, State::Unplugged) => {
                hub.power_on();
                cd.bind(&o.udc)?;
                println!("gadget: plugged in again: 12d1:1446");
                State::CdRom
            }
            (c, s) => {
                log("e367", &format!("{c:?} ignored while {s:?}"));
                s
            }
        };
    }
    Ok(())
}

fn disk(o: &Opts) -> std::io::Result<()> {
    let dev = Device {
        vid: o.id.0,
        pid: o.id.1,
        class: (0, 0, 0),
        manufacturer: "Umodem",
        product: "Test Disk",
    };
    let g = Gadget::create(&o.configfs, "disk", &dev, &["disk0"])?;
    let mut image = b"UMODEM TEST DISK\n".to_vec();
    image.resize(o.kib * 1024, 0);
    start_storage(
        o,
        "disk0",
        First::In,
        Lun::new(Medium::Disk, "Umodem", "Test Disk", "1.0", image),
        None,
    )?;
    g.bind(&o.udc)?;
    println!(
        "gadget: {:04x}:{:04x} disk plugged into {}",
        o.id.0, o.id.1, o.udc
    );
    loop {
        thread::sleep(Duration::from_secs(3600));
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, rest) = match args.split_first() {
        Some((m, r)) => (m.as_str(), r),
        None => ("", &[][..]),
    };
    let opts = match parse(rest) {
        Ok(o) => o,
        Err(e) => {
            log("args", &e);
            return ExitCode::from(2);
        }
    };
    let r = match mode {
        "e367" => e367(&opts),
        "disk" => disk(&opts),
        _ => {
            log(
                "args",
                "usage: umodem-gadget e367|disk [--udc UDC] [--id VID:PID] [--kib N]",
            );
            return ExitCode::from(2);
        }
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log("error", &e.to_string());
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unplug_lines() {
        let (tx, rx) = mpsc::channel();
        assert_eq!(unplug("unplug", &tx), Ok("ok".into()));
        assert_eq!(rx.recv_timeout(Duration::from_secs(1)), Ok(Cmd::Unplug));
        assert_eq!(unplug("unplug 10", &tx), Ok("ok".into()));
        assert_eq!(rx.recv_timeout(Duration::from_secs(1)), Ok(Cmd::Unplug));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(Cmd::Plug));
        assert!(unplug("unplug soon", &tx).is_err());
        assert!(rx.try_recv().is_err(), "a bad line sends nothing");
    }

    #[test]
    fn arguments() {
        let a = |v: &[&str]| parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let o = a(&[
            "--udc",
            "dummy_udc.1",
            "--id",
            "0781:5567",
            "--no-sim",
            "--fault",
            "refuse",
        ])
        .unwrap();
        assert_eq!((o.udc.as_str(), o.id), ("dummy_udc.1", (0x0781, 0x5567)));
        assert!(!o.sim.sim_present);
        assert_eq!(o.start_ctl, vec!["fault refuse".to_string()]);
        assert!(a(&["--id", "nope"]).is_err());
        assert!(a(&["--kib"]).is_err());
        assert!(a(&["--bogus"]).is_err());
    }
}
