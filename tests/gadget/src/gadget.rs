//! The kernel side: configfs gadgets, FunctionFS instances, and the threads that
//! serve `ep0` and the data endpoints.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::ffs::{self, Event, Interface, Setup};
use crate::modem::{Modem, Port, PORTS};
use crate::scsi::{self, Lun};

/// Log one line to stderr: the guest's uptime (to line up with dmesg), the gadget
/// part, the message.
pub fn log(who: &str, msg: &str) {
    let up = fs::read_to_string("/proc/uptime").unwrap_or_default();
    let up = up.split(' ').next().unwrap_or("?");
    let _ = writeln!(io::stderr(), "[{up:>8}] gadget {who}: {msg}");
}

/// Device-level identity of a gadget.
pub struct Device<'a> {
    pub vid: u16,
    pub pid: u16,
    pub class: (u8, u8, u8),
    pub manufacturer: &'a str,
    pub product: &'a str,
}

/// One gadget directory in configfs, with one function per interface (or pair of
/// interfaces, for the kernel's network functions).
pub struct Gadget {
    dir: PathBuf,
}

/// A function of a gadget's configuration.
#[derive(Clone, Copy, Debug)]
pub enum Function<'a> {
    /// A FunctionFS instance (one interface, served by this program).
    Ffs(&'a str),
    /// A function the kernel implements: `kind` is the configfs name (`ecm`, `ncm`,
    /// `rndis`: usb_f_ecm, usb_f_ncm, usb_f_rndis), `instance` its instance name,
    /// `attrs` written before it is linked (e.g. `host_addr`).
    Kernel {
        kind: &'a str,
        instance: &'a str,
        attrs: &'a [(&'a str, &'a str)],
    },
}

impl Function<'_> {
    fn dir_name(&self) -> String {
        match self {
            Function::Ffs(f) => format!("ffs.{f}"),
            Function::Kernel { kind, instance, .. } => format!("{kind}.{instance}"),
        }
    }
}

fn put(path: &Path, value: &str) -> io::Result<()> {
    fs::write(path, value).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

fn mkdir(path: &Path) -> io::Result<()> {
    match fs::create_dir(path) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(io::Error::new(
            e.kind(),
            format!("mkdir {}: {e}", path.display()),
        )),
        _ => Ok(()),
    }
}

impl Gadget {
    /// Create the gadget `name` under `root` with FunctionFS instances `functions`,
    /// linked into the configuration in that order (= interface numbers).
    pub fn create(root: &Path, name: &str, d: &Device, functions: &[&str]) -> io::Result<Gadget> {
        let f: Vec<Function> = functions.iter().map(|f| Function::Ffs(f)).collect();
        Gadget::create_with(root, name, d, &f)
    }

    /// Create the gadget `name` under `root` with `functions`, linked into the
    /// configuration in that order (= interface numbers).
    pub fn create_with(
        root: &Path,
        name: &str,
        d: &Device,
        functions: &[Function],
    ) -> io::Result<Gadget> {
        let dir = root.join(name);
        mkdir(&dir)?;
        put(&dir.join("idVendor"), &format!("0x{:04x}", d.vid))?;
        put(&dir.join("idProduct"), &format!("0x{:04x}", d.pid))?;
        put(&dir.join("bcdDevice"), "0x0000")?;
        put(&dir.join("bcdUSB"), "0x0200")?;
        put(&dir.join("bDeviceClass"), &d.class.0.to_string())?;
        put(&dir.join("bDeviceSubClass"), &d.class.1.to_string())?;
        put(&dir.join("bDeviceProtocol"), &d.class.2.to_string())?;
        let s = dir.join("strings/0x409");
        mkdir(&s)?;
        put(&s.join("manufacturer"), d.manufacturer)?;
        put(&s.join("product"), d.product)?;
        let c = dir.join("configs/c.1");
        mkdir(&c)?;
        put(&c.join("MaxPower"), "500")?;
        for f in functions {
            let fdir = dir.join("functions").join(f.dir_name());
            mkdir(&fdir)?;
            if let Function::Kernel { attrs, .. } = f {
                for (k, v) in attrs.iter() {
                    put(&fdir.join(k), v)?;
                }
            }
            let link = c.join(f.dir_name());
            if !link.exists() {
                std::os::unix::fs::symlink(&fdir, &link)?;
            }
        }
        Ok(Gadget { dir })
    }

    /// The network interface (gadget side) of a kernel network function, once the
    /// kernel has registered it (at the gadget's first bind).
    pub fn ifname(&self, f: &Function) -> Option<String> {
        let n = fs::read_to_string(self.dir.join("functions").join(f.dir_name()).join("ifname"))
            .ok()?;
        let n = n.trim();
        (!n.is_empty() && !n.contains('%') && !n.starts_with('(')).then(|| n.to_string())
    }

    /// Plug into the UDC: the host side enumerates the device.
    pub fn bind(&self, udc: &str) -> io::Result<()> {
        put(&self.dir.join("UDC"), udc)
    }

    /// Unplug from the UDC: the host side sees a disconnect.
    pub fn unbind(&self) -> io::Result<()> {
        put(&self.dir.join("UDC"), "\n")
    }
}

/// Mount FunctionFS instance `instance` on `dir/instance`, write its descriptors and
/// (empty) strings; returns the directory holding `ep0`, `ep1`, ...
pub fn start_function(
    ffs_root: &Path,
    instance: &str,
    iface: &Interface,
) -> io::Result<(PathBuf, File)> {
    let dir = ffs_root.join(instance);
    fs::create_dir_all(&dir)?;
    if !dir.join("ep0").exists() {
        let st = Command::new("mount")
            .arg("-t")
            .arg("functionfs")
            .arg(instance)
            .arg(&dir)
            .status()?;
        if !st.success() {
            return Err(io::Error::other(format!(
                "mount functionfs {instance} failed"
            )));
        }
    }
    let mut ep0 = OpenOptions::new()
        .read(true)
        .write(true)
        .open(dir.join("ep0"))?;
    ep0.write_all(&ffs::descriptors(iface))?;
    ep0.write_all(&ffs::strings())?;
    Ok((dir, ep0))
}

pub fn open_ep(dir: &Path, n: usize) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(dir.join(format!("ep{n}")))
}

/// How to answer a control request.
pub enum Ctrl {
    /// Status stage for an OUT request (its data, if any, is read and dropped).
    Ack,
    /// Data stage for an IN request.
    Data(Vec<u8>),
    /// Refuse.
    Stall,
}

/// Serve `ep0` forever: log events, answer control requests through `on_setup`.
pub fn serve_ep0(who: String, ep0: File, on_setup: impl FnMut(&Setup) -> Ctrl + Send + 'static) {
    serve_ep0_with(who, ep0, on_setup, |_| {});
}

/// Like `serve_ep0`, and hand every other event (enable, disable, ...) to `on_event`.
pub fn serve_ep0_with(
    who: String,
    mut ep0: File,
    mut on_setup: impl FnMut(&Setup) -> Ctrl + Send + 'static,
    mut on_event: impl FnMut(&Event) + Send + 'static,
) {
    thread::spawn(move || {
        let mut buf = [0u8; ffs::EVENT_SIZE * 4];
        loop {
            let n = match ep0.read(&mut buf) {
                Ok(n) => n,
                Err(e) => {
                    log(&who, &format!("ep0 read: {e}"));
                    thread::sleep(Duration::from_millis(200));
                    continue;
                }
            };
            for ev in ffs::parse_events(buf.get(..n).unwrap_or(&[])) {
                let Event::Setup(s) = ev else {
                    log(&who, &format!("{ev:?}"));
                    on_event(&ev);
                    continue;
                };
                log(
                    &who,
                    &format!(
                        "setup type={:02x} req={:02x} value={:04x} index={:04x} len={}",
                        s.request_type, s.request, s.value, s.index, s.length
                    ),
                );
                let r = match (on_setup(&s), s.dir_in()) {
                    (Ctrl::Data(mut d), true) => {
                        d.truncate(s.length as usize);
                        ep0.write(&d).map(|_| ())
                    }
                    (Ctrl::Ack, false) => {
                        let mut data = vec![0u8; s.length as usize];
                        ep0.read(&mut data).map(|_| ())
                    }
                    // FunctionFS stalls when ep0 is used in the wrong direction.
                    (_, true) => ep0.read(&mut []).map(|_| ()),
                    (_, false) => ep0.write(&[]).map(|_| ()),
                };
                if let Err(e) = r {
                    log(&who, &format!("ep0 reply: {e}"));
                }
            }
        }
    });
}

/// Control requests of a bulk-only mass-storage interface.
pub fn storage_setup(s: &Setup) -> Ctrl {
    match (s.request_type, s.request) {
        (0xa1, 0xfe) => Ctrl::Data(vec![0]), // GET MAX LUN: one LUN
        (0x21, 0xff) => Ctrl::Ack,           // bulk-only mass storage reset
        _ => Ctrl::Stall,
    }
}

const CHUNK: usize = 16 * 1024;
const HS_BULK: usize = 512;

fn read_exact_len(ep: &mut File, len: usize) -> io::Result<Vec<u8>> {
    let mut data = Vec::with_capacity(len);
    let mut buf = vec![0u8; CHUNK];
    while data.len() < len {
        let want = (len - data.len()).min(CHUNK);
        let n = ep.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    Ok(data)
}

/// What the gadget's main loop acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// The Huawei switch message arrived.
    Switch,
    /// Pull the stick out.
    Unplug,
    /// Put it back in (it starts as the CD-ROM again).
    Plug,
}

/// Serve the bulk-only transport of one storage interface forever. A Huawei switch
/// command gets a good CSW and is then reported on `switch` (if given; else it is
/// answered like any unknown command).
pub fn serve_storage(
    who: String,
    mut ep_in: File,
    mut ep_out: File,
    mut lun: Lun,
    switch: Option<Sender<Cmd>>,
) {
    thread::spawn(move || {
        let mut buf = vec![0u8; HS_BULK];
        loop {
            let n = match ep_out.read(&mut buf) {
                Ok(n) => n,
                Err(_) => {
                    // not enabled (yet), or unplugged: wait for the host
                    thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            let got = buf.get(..n).unwrap_or(&[]);
            let Some(cbw) = scsi::parse_cbw(got) else {
                log(&who, &format!("not a CBW ({n} bytes)"));
                continue;
            };
            let hex: Vec<String> = cbw.cdb.iter().map(|b| format!("{b:02x}")).collect();
            log(
                &who,
                &format!(
                    "cdb {} len={} in={}",
                    hex.join(" "),
                    cbw.data_len,
                    cbw.dir_in
                ),
            );
            if scsi::is_huawei_switch(&cbw) {
                if let Some(tx) = &switch {
                    let r = ep_in.write_all(&scsi::csw(cbw.tag, 0, scsi::STATUS_GOOD));
                    log(&who, &format!("switch message: CSW sent ({r:?})"));
                    let _ = tx.send(Cmd::Switch);
                    continue;
                }
            }
            let reply = lun.command(&cbw);
            let len = cbw.data_len as usize;
            let mut residue = len;
            if len > 0 && !cbw.dir_in {
                match read_exact_len(&mut ep_out, len) {
                    Ok(d) => {
                        residue = len - d.len();
                        if lun.out_len() > 0 {
                            lun.data_out(&d);
                        }
                    }
                    Err(e) => log(&who, &format!("data out: {e}")),
                }
            } else if len > 0 {
                let data = reply.data.get(..len.min(reply.data.len())).unwrap_or(&[]);
                let mut ok = true;
                for c in data.chunks(CHUNK) {
                    if let Err(e) = ep_in.write_all(c) {
                        log(&who, &format!("data in: {e}"));
                        ok = false;
                        break;
                    }
                }
                // A transfer shorter than asked ends with a short packet.
                if ok && data.len() < len && data.len() % HS_BULK == 0 {
                    let _ = ep_in.write(&[]);
                }
                residue = len - data.len();
            }
            if let Err(e) = ep_in.write_all(&scsi::csw(cbw.tag, residue as u32, reply.status)) {
                log(&who, &format!("csw: {e}"));
            }
        }
    });
}

/// The modem model shared by the serial interfaces, with one outgoing queue per port.
pub struct Hub {
    modem: Mutex<Box<dyn Modem>>,
    queues: Vec<(Port, Sender<Vec<u8>>)>,
    /// The host disabled the functions; if it enables them again without
    /// unbinding us first, that was a USB reset of the port.
    disabled: AtomicBool,
}

impl Hub {
    /// Returns the hub and, per port (in [`PORTS`] order), the receiver its IN
    /// endpoint writer drains.
    pub fn new(modem: Box<dyn Modem>) -> (Arc<Hub>, Vec<Receiver<Vec<u8>>>) {
        let mut queues = Vec::new();
        let mut rxs = Vec::new();
        for p in PORTS {
            let (tx, rx) = std::sync::mpsc::channel();
            queues.push((p, tx));
            rxs.push(rx);
        }
        (
            Arc::new(Hub {
                modem: Mutex::new(modem),
                queues,
                disabled: AtomicBool::new(false),
            }),
            rxs,
        )
    }

    fn with<R>(&self, f: impl FnOnce(&mut dyn Modem) -> R) -> R {
        let mut m = match self.modem.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        let r = f(m.as_mut());
        for (p, tx) in &self.queues {
            let out = m.transmit(*p);
            if !out.is_empty() {
                let _ = tx.send(out);
            }
        }
        r
    }

    pub fn receive(&self, p: Port, bytes: &[u8]) {
        self.with(|m| m.receive(p, bytes));
    }

    pub fn line_state(&self, p: Port, dtr: bool, rts: bool) {
        self.with(|m| m.line_state(p, dtr, rts));
    }

    pub fn control(&self, line: &str) -> Result<String, String> {
        self.with(|m| m.control(line))
    }

    pub fn power_on(&self) {
        self.with(|m| m.power_on());
    }

    /// A FunctionFS event of a serial interface. A USB port reset by the host
    /// (USBDEVFS_RESET) shows as DISABLE then ENABLE on every function, an
    /// unplug as DISABLE then UNBIND: on the first ENABLE after a DISABLE the
    /// stick restarts (once, for all its interfaces).
    pub fn bus_event(&self, ev: &Event) {
        match ev {
            Event::Disable => self.disabled.store(true, Ordering::SeqCst),
            Event::Unbind => self.disabled.store(false, Ordering::SeqCst),
            Event::Enable if self.disabled.swap(false, Ordering::SeqCst) => {
                log("e367", "USB reset by the host: the stick restarts");
                self.with(|m| m.usb_reset());
            }
            _ => {}
        }
    }

    /// Start the timer thread: `poll` about every 20 ms.
    pub fn start_clock(self: &Arc<Hub>) {
        let hub = Arc::clone(self);
        thread::spawn(move || loop {
            thread::sleep(Duration::from_millis(20));
            hub.with(|m| m.poll());
        });
    }
}

/// Control requests of a serial interface: acknowledge everything the host sets
/// (SET_CONTROL_LINE_STATE carries DTR/RTS to the model), refuse IN requests.
pub fn serial_setup(hub: Arc<Hub>, port: Port) -> impl FnMut(&Setup) -> Ctrl + Send + 'static {
    move |s: &Setup| {
        if s.dir_in() {
            return Ctrl::Stall;
        }
        if s.request_type == 0x21 && s.request == 0x22 {
            hub.line_state(port, s.value & 1 != 0, s.value & 2 != 0);
        }
        Ctrl::Ack
    }
}

/// Move bytes between one serial interface's bulk endpoints and the hub.
pub fn serve_serial(
    who: String,
    hub: Arc<Hub>,
    port: Port,
    mut ep_in: File,
    mut ep_out: File,
    rx: Receiver<Vec<u8>>,
) {
    thread::spawn(move || {
        for chunk in rx {
            if let Err(e) = ep_in.write_all(&chunk) {
                log(
                    &who,
                    &format!("to host: {e} ({} bytes dropped)", chunk.len()),
                );
            }
        }
    });
    thread::spawn(move || {
        let mut buf = vec![0u8; HS_BULK];
        loop {
            match ep_out.read(&mut buf) {
                Ok(n) => hub.receive(port, buf.get(..n).unwrap_or(&[])),
                Err(_) => thread::sleep(Duration::from_millis(100)),
            }
        }
    });
}
