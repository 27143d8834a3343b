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
//!   umodem-gadget e3372h [--udc UDC] [--control FIFO] [--net-cmd CMD] [--rndis]
//!                                             Huawei E3372 with HiLink firmware:
//!                                             12d1:1f01 CD-ROM, switches to 12d1:14dc
//!                                             with an ECM (or RNDIS) network function
//!   umodem-gadget e3372s [--udc UDC] [--control FIFO] [--net-cmd CMD] [SIM options]
//!                                             Huawei E3372 with stick firmware:
//!                                             12d1:1f01 CD-ROM, switches to 12d1:1506
//!                                             with PCUI and modem ports (umodem-sim's
//!                                             E3372 model) and an NCM function
//!   --net-cmd CMD: the network behind the network function (net.rs)
//!   umodem-gadget disk [--udc UDC] [--id VID:PID] [--kib N]
//!                                             a plain USB disk (logs every CDB)
//!   umodem-gadget dns --listen IP [--name NAME=IP]...
//!                                             a DNS server for the far end
//! Common: --configfs DIR (/sys/kernel/config/usb_gadget), --ffs DIR (/dev/ffs).
//! Runs until killed; logs to stderr. Needs configfs, FunctionFS and a UDC (dummy_hcd).

mod ffs;
mod gadget;
mod modem;
mod net;
mod scsi;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use ffs::{Interface, BULK_IN, BULK_OUT, INT_IN};
use gadget::{log, Cmd, Device, Function, Gadget, Hub};
use modem::{Port, SimModem};
use net::NetSide;
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
    net_cmd: Option<String>,
    rndis: bool,
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
        net_cmd: None,
        rndis: false,
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
            "--net-cmd" => o.net_cmd = Some(val()?),
            "--rndis" => o.rndis = true,
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
fn control_fifo(
    path: PathBuf,
    hub: Option<Arc<Hub>>,
    tx: mpsc::Sender<Cmd>,
) -> std::io::Result<()> {
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
                l => match &hub {
                    Some(h) => h.control(l),
                    None => Err("this stick has no modem to steer".into()),
                },
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

/// One interface (or, for the kernel's network functions, an interface pair) of a
/// stick in its network mode.
enum Slot {
    /// Served by this program: a serial port of the model, or an interface without
    /// a port (storage without endpoints, an unused vendor interface).
    Ffs(Interface, Option<Port>),
    /// The kernel's network function: configfs kind (`ecm`, `rndis`, `ncm`) and
    /// attributes (the MAC address the host sees: `host_addr`).
    Net(&'static str, &'static [(&'static str, &'static str)]),
}

/// The storage interface a stick keeps in its network mode, without endpoints
/// (dummy_hcd has too few; VM-FACTS.md).
fn storage_stub() -> Slot {
    Slot::Ffs(
        Interface {
            class: 8,
            subclass: 6,
            protocol: 0x50,
            endpoints: vec![],
        },
        None,
    )
}

/// A USB stick that starts as a CD-ROM and switches to its network mode.
struct Stick {
    /// For gadget and function names.
    tag: &'static str,
    cd: Device<'static>,
    net: Device<'static>,
    layout: Vec<Slot>,
    /// The AT ports' model (none on a HiLink stick).
    modem: Option<SimModem>,
    /// The network behind the network function.
    net_side: Option<Arc<NetSide>>,
    /// The network side is up as soon as it is attached (HiLink: the stick is a
    /// router); otherwise the model's NDIS call switches it.
    always_up: bool,
}

fn id(d: &Device) -> String {
    format!("{:04x}:{:04x}", d.vid, d.pid)
}

fn run_stick(o: &Opts, st: Stick) -> std::io::Result<()> {
    // Before the switch: two storage interfaces, the CD-ROM and the empty SD slot.
    let cd_names = [format!("{}cd0", st.tag), format!("{}cd1", st.tag)];
    let cd_refs = [cd_names[0].as_str(), cd_names[1].as_str()];
    let cd = Gadget::create(&o.configfs, &format!("{}_cd", st.tag), &st.cd, &cd_refs)?;
    let (tx, rx) = mpsc::channel();
    let mut image = format!("UMODEM VIRTUAL {} CD-ROM\n", st.tag.to_uppercase()).into_bytes();
    image.resize(64 * 1024, 0);
    start_storage(
        o,
        cd_refs[0],
        First::In,
        Lun::new(Medium::CdRom, "HUAWEI", "Mass Storage", "2.31", image),
        Some(tx.clone()),
    )?;
    start_storage(
        o,
        cd_refs[1],
        First::Out,
        Lun::new(Medium::Disk, "HUAWEI", "Mass Storage", "2.31", Vec::new()),
        Some(tx.clone()),
    )?;

    // After the switch: prepared now, bound when the switch message comes.
    let names: Vec<String> = (0..st.layout.len())
        .map(|i| format!("{}m{i}", st.tag))
        .collect();
    let funcs: Vec<Function> = st
        .layout
        .iter()
        .zip(&names)
        .map(|(slot, name)| match slot {
            Slot::Ffs(..) => Function::Ffs(name),
            Slot::Net(kind, attrs) => Function::Kernel {
                kind,
                instance: name,
                attrs,
            },
        })
        .collect();
    let net_gadget = Gadget::create_with(&o.configfs, &format!("{}_net", st.tag), &st.net, &funcs)?;
    let hub = match st.modem {
        Some(m) => {
            let (hub, rxs) = Hub::new(Box::new(m));
            hub.start_clock();
            Some((hub, rxs))
        }
        None => None,
    };
    // The receivers of the ports' outgoing queues, by port.
    let (hub, mut rxs): (_, Vec<Option<_>>) = match hub {
        Some((h, r)) => (Some(h), r.into_iter().map(Some).collect()),
        None => (None, Vec::new()),
    };
    for (slot, name) in st.layout.iter().zip(&names) {
        let Slot::Ffs(iface, port) = slot else {
            continue;
        };
        let (dir, ep0) = gadget::start_function(&o.ffs, name, iface)?;
        let rx = port.and_then(|p| rxs.get_mut(p.idx()).and_then(Option::take));
        match (port, &hub, rx) {
            (Some(p), Some(hub), Some(rx)) => {
                let h = hub.clone();
                gadget::serve_ep0_with(
                    name.clone(),
                    ep0,
                    gadget::serial_setup(hub.clone(), *p),
                    move |ev| h.bus_event(ev),
                );
                // The bulk pair follows the interrupt endpoint, where there is one.
                let first = if iface.endpoints.first() == Some(&INT_IN) {
                    2
                } else {
                    1
                };
                let ep_in = gadget::open_ep(&dir, first)?;
                let ep_out = gadget::open_ep(&dir, first + 1)?;
                gadget::serve_serial(name.clone(), hub.clone(), *p, ep_in, ep_out, rx);
            }
            _ => gadget::serve_ep0(name.clone(), ep0, |_| gadget::Ctrl::Stall),
        }
    }
    let net_func = funcs
        .iter()
        .find(|f| matches!(f, Function::Kernel { .. }))
        .copied();
    if let Some(path) = &o.control {
        control_fifo(path.clone(), hub.clone(), tx)?;
    }

    cd.bind(&o.udc)?;
    println!("gadget: {} plugged into {}", id(&st.cd), o.udc);
    let mut state = State::CdRom;
    for cmd in rx {
        state = match (cmd, state) {
            (Cmd::Switch, State::CdRom) => {
                // Let the CSW reach the host before the stick drops off the bus.
                thread::sleep(Duration::from_millis(50));
                cd.unbind()?;
                net_gadget.bind(&o.udc)?;
                println!(
                    "gadget: switch message received: {} out, {} in",
                    id(&st.cd),
                    id(&st.net)
                );
                if let (Some(ns), Some(f)) = (&st.net_side, &net_func) {
                    attach_net(ns, &net_gadget, f, st.always_up);
                }
                State::Modem
            }
            (Cmd::Unplug, State::CdRom) => {
                cd.unbind()?;
                println!("gadget: unplugged ({})", id(&st.cd));
                State::Unplugged
            }
            (Cmd::Unplug, State::Modem) => {
                net_gadget.unbind()?;
                if let Some(h) = &hub {
                    let _ = h.control("unplug");
                } else if let Some(ns) = &st.net_side {
                    ns.down();
                }
                println!("gadget: unplugged ({})", id(&st.net));
                State::Unplugged
            }
            (Cmd::Plug, State::Unplugged) => {
                if let Some(h) = &hub {
                    h.power_on();
                }
                cd.bind(&o.udc)?;
                println!("gadget: plugged in again: {}", id(&st.cd));
                State::CdRom
            }
            (c, s) => {
                log(st.tag, &format!("{c:?} ignored while {s:?}"));
                s
            }
        };
    }
    Ok(())
}

/// After a bind of the network mode: the first time, wait for the kernel's
/// interface and hand it to the network side; a HiLink stick's network is up then.
fn attach_net(ns: &Arc<NetSide>, g: &Gadget, f: &Function, always_up: bool) {
    if !ns.attached() {
        let mut n = 0;
        let name = loop {
            if let Some(name) = g.ifname(f) {
                break Some(name);
            }
            n += 1;
            if n > 100 {
                break None;
            }
            thread::sleep(Duration::from_millis(50));
        };
        match name {
            Some(name) => {
                log("net", &format!("network function's interface: {name}"));
                ns.attach(&name);
            }
            None => {
                log("net", "the network function has no interface after 5 s");
                return;
            }
        }
    }
    if always_up {
        ns.up();
    }
}

const HUAWEI: u16 = 0x12d1;
const MANUFACTURER: &str = "Huawei Technologies";
const PRODUCT: &str = "HUAWEI Mobile";
/// What newer Huawei sticks (E3372) give as both strings.
const HUAWEI_MOBILE: &str = "HUAWEI_MOBILE";

fn e367(o: &Opts) -> std::io::Result<()> {
    let model = SimModem::new(o.sim.clone(), o.start_ctl.clone(), o.ppp_cmd.clone())
        .map_err(std::io::Error::other)?;
    let layout = e367_modem_layout()
        .into_iter()
        .map(|(i, p)| Slot::Ffs(i, p))
        .collect();
    run_stick(
        o,
        Stick {
            tag: "e367",
            cd: Device {
                vid: HUAWEI,
                pid: 0x1446,
                class: (0, 0, 0),
                manufacturer: MANUFACTURER,
                product: PRODUCT,
            },
            net: Device {
                vid: HUAWEI,
                pid: 0x1506,
                class: (0xef, 2, 1),
                manufacturer: MANUFACTURER,
                product: PRODUCT,
            },
            layout,
            modem: Some(model),
            net_side: None,
            always_up: false,
        },
    )
}

/// The E3372's storage mode (both firmwares): 12d1:1f01, CD-ROM and SD slot.
fn e3372_cd() -> Device<'static> {
    Device {
        vid: HUAWEI,
        pid: 0x1f01,
        class: (0, 0, 0),
        manufacturer: HUAWEI_MOBILE,
        product: HUAWEI_MOBILE,
    }
}

/// HiLink firmware: after the switch 12d1:14dc, an ECM function (if0 control 02/06/00,
/// if1 data 0a/00/00) or with `--rndis` an RNDIS one, and the SD slot (if2). The stick
/// is a router: DHCP, DNS and NAT on its side of the link.
fn e3372h(o: &Opts) -> std::io::Result<()> {
    let kind = if o.rndis { "rndis" } else { "ecm" };
    run_stick(
        o,
        Stick {
            tag: "e3372h",
            cd: e3372_cd(),
            net: Device {
                vid: HUAWEI,
                pid: 0x14dc,
                class: (0, 0, 0),
                manufacturer: HUAWEI_MOBILE,
                product: HUAWEI_MOBILE,
            },
            layout: vec![
                Slot::Net(kind, &[("host_addr", "0c:5b:8f:27:9a:64")]),
                storage_stub(),
            ],
            modem: None,
            net_side: o.net_cmd.clone().map(NetSide::new),
            always_up: true,
        },
    )
}

/// Stick firmware: after the switch 12d1:1506 as ^SETPORT "12,1,16,A1,A2" says: if0
/// PCUI (ff/02/12), if1 modem (ff/02/01), if2/if3 NCM, if4 CD-ROM, if5 SD (storage
/// without endpoints). `option` binds if0 and if1 by itself.
fn e3372s(o: &Opts) -> std::io::Result<()> {
    let mut cfg = o.sim.clone();
    cfg.become_e3372();
    let net_side = o.net_cmd.clone().map(NetSide::new);
    let mut model = SimModem::new(cfg, o.start_ctl.clone(), o.ppp_cmd.clone())
        .map_err(std::io::Error::other)?;
    if let Some(ns) = &net_side {
        model = model.with_ndis_net(ns.clone());
    }
    let v = |protocol, endpoints| Interface {
        class: 0xff,
        subclass: 2,
        protocol,
        endpoints,
    };
    run_stick(
        o,
        Stick {
            tag: "e3372s",
            cd: e3372_cd(),
            net: Device {
                vid: HUAWEI,
                pid: 0x1506,
                class: (0xef, 2, 1),
                manufacturer: HUAWEI_MOBILE,
                product: HUAWEI_MOBILE,
            },
            layout: vec![
                Slot::Ffs(v(0x12, vec![BULK_IN, BULK_OUT]), Some(Port::Pcui)),
                Slot::Ffs(v(0x01, vec![INT_IN, BULK_IN, BULK_OUT]), Some(Port::Modem)),
                Slot::Net("ncm", &[("host_addr", "00:1e:10:1f:00:00")]),
                storage_stub(),
                storage_stub(),
            ],
            modem: Some(model),
            net_side,
            always_up: false,
        },
    )
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

/// `dns --listen IP [--name NAME=IP]...`
fn dns(args: &[String]) -> ExitCode {
    let mut listen = None;
    let mut names = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next();
        match (a.as_str(), v) {
            ("--listen", Some(ip)) => listen = Some(ip.clone()),
            ("--name", Some(nv)) => match nv.split_once('=').map(|(n, ip)| (n, ip.parse())) {
                Some((n, Ok(ip))) => names.push((n.to_string(), ip)),
                _ => {
                    log("args", &format!("--name wants NAME=IPv4, not {nv}"));
                    return ExitCode::from(2);
                }
            },
            _ => {
                log(
                    "args",
                    "usage: umodem-gadget dns --listen IP [--name NAME=IP]...",
                );
                return ExitCode::from(2);
            }
        }
    }
    let Some(listen) = listen else {
        log("args", "dns needs --listen IP");
        return ExitCode::from(2);
    };
    match net::dns_server(&listen, &names) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log("dns", &e.to_string());
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, rest) = match args.split_first() {
        Some((m, r)) => (m.as_str(), r),
        None => ("", &[][..]),
    };
    if mode == "dns" {
        return dns(rest);
    }
    let opts = match parse(rest) {
        Ok(o) => o,
        Err(e) => {
            log("args", &e);
            return ExitCode::from(2);
        }
    };
    let r = match mode {
        "e367" => e367(&opts),
        "e3372h" => e3372h(&opts),
        "e3372s" => e3372s(&opts),
        "disk" => disk(&opts),
        _ => {
            log(
                "args",
                "usage: umodem-gadget e367|e3372h|e3372s|disk [--udc UDC] ... | dns --listen IP [--name NAME=IP]...",
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
