//! A fake USB bus for the mode-switch tests: sticks with real descriptor layouts
//! that switch when they receive their trigger (a bulk message, a control
//! request, a configuration), leave the bus after a delay and come back on the
//! same port as another device. Every call is recorded for exact assertions.
//! Time is virtual: `sleep_ms` advances it.

#![allow(dead_code)]

use umodem::core::db::DeviceStrings;
use umodem::core::modeswitch::{Config, Endpoint, Interface, Kind, Op, UsbDevice};
use umodem::hw::usb::{UsbBackend, UsbError, UsbResult};
use umodem::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Open {
        bus: u8,
        address: u8,
    },
    Close,
    Detach {
        iface: u8,
        was_bound: bool,
    },
    Claim(u8),
    Release(u8),
    ClearHalt(u8),
    BulkOut {
        ep: u8,
        data: Vec<u8>,
    },
    BulkIn {
        ep: u8,
        len: usize,
    },
    IntOut {
        ep: u8,
        data: Vec<u8>,
    },
    IntIn {
        ep: u8,
        len: usize,
    },
    CtlOut {
        rt: u8,
        req: u8,
        value: u16,
        index: u16,
        data: Vec<u8>,
    },
    CtlIn {
        rt: u8,
        req: u8,
        value: u16,
        index: u16,
        len: u16,
    },
    SetConfig(u8),
    SetAlt(u8, u8),
    Reset,
    Sleep(u32),
}

/// What makes a stick switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    Bulk {
        ep: u8,
        data: Vec<u8>,
    },
    Control {
        rt: u8,
        req: u8,
        value: u16,
    },
    Config(u8),
    /// Any control request; switch after the n-th (Sony needs two).
    NthControl(usize),
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Present,
    Switching { at: u64 },
    Gone { at: u64 },
}

#[derive(Debug, Clone)]
pub struct Stick {
    pub dev: UsbDevice,
    /// What appears on the port after the switch (None: nothing comes back).
    pub next: Option<UsbDevice>,
    pub trigger: Trigger,
    /// ms from trigger to leaving the bus, and from leaving to coming back.
    pub vanish_ms: u64,
    pub reappear_ms: u64,
    /// Interfaces a kernel driver (usb-storage) holds.
    pub bound: Vec<u8>,
    /// CSW answer for bulk reads.
    pub csw_ok: bool,
    /// The kernel driver refuses to let go (detach fails).
    pub stuck_driver: bool,
    state: State,
    controls: usize,
}

impl Stick {
    pub fn new(dev: UsbDevice, next: Option<UsbDevice>, trigger: Trigger) -> Stick {
        let bound = dev
            .config()
            .map(|c| {
                c.interfaces
                    .iter()
                    .filter(|i| i.class == 8)
                    .map(|i| i.number)
                    .collect()
            })
            .unwrap_or_default();
        Stick {
            dev,
            next,
            trigger,
            vanish_ms: 100,
            reappear_ms: 700,
            bound,
            csw_ok: true,
            stuck_driver: false,
            state: State::Present,
            controls: 0,
        }
    }
}

#[derive(Default)]
pub struct FakeUsb {
    pub sticks: Vec<Stick>,
    pub calls: Vec<Call>,
    pub now_ms: u64,
    open: Option<usize>,
    /// Fail `open` with this error.
    pub open_error: Option<UsbError>,
}

impl FakeUsb {
    pub fn new(sticks: Vec<Stick>) -> FakeUsb {
        FakeUsb {
            sticks,
            ..FakeUsb::default()
        }
    }

    fn tick(&mut self) {
        let now = self.now_ms;
        for s in &mut self.sticks {
            if let State::Switching { at } = s.state {
                if now >= at + s.vanish_ms {
                    s.state = State::Gone { at: now };
                }
            }
            if let State::Gone { at } = s.state {
                if now >= at + s.reappear_ms {
                    if let Some(mut n) = s.next.take() {
                        n.address = s.dev.address.wrapping_add(1);
                        n.bus = s.dev.bus;
                        n.port_path = s.dev.port_path.clone();
                        s.dev = n;
                        s.state = State::Present;
                        s.bound.clear();
                        s.controls = 0;
                    }
                }
            }
        }
    }

    /// Calls without the polling sleeps (for exact step assertions).
    pub fn ops(&self) -> Vec<Call> {
        let mut v: Vec<Call> = Vec::new();
        for c in &self.calls {
            v.push(c.clone());
        }
        v
    }

    /// The calls up to and including the first Close.
    pub fn until_close(&self) -> Vec<Call> {
        let mut v = Vec::new();
        for c in &self.calls {
            v.push(c.clone());
            if *c == Call::Close {
                break;
            }
        }
        v
    }

    fn stick(&mut self) -> UsbResult<&mut Stick> {
        let i = self.open.ok_or(UsbError::Other("not open".into()))?;
        let now = self.now_ms;
        let s = self.sticks.get_mut(i).ok_or(UsbError::Gone)?;
        match s.state {
            State::Present => Ok(s),
            State::Switching { at } if now < at + s.vanish_ms => Ok(s),
            _ => Err(UsbError::Gone),
        }
    }

    fn fire(&mut self, t: Trigger) {
        let now = self.now_ms;
        if let Ok(s) = self.stick() {
            if s.trigger == t && s.state == State::Present {
                s.state = State::Switching { at: now };
            }
        }
    }
}

impl UsbBackend for FakeUsb {
    fn devices(&mut self) -> Result<Vec<UsbDevice>> {
        self.list()
    }

    fn open(&mut self, dev: &UsbDevice) -> UsbResult<()> {
        self.open_dev(dev)
    }

    fn close(&mut self) {
        self.close_dev()
    }

    /// The backend's one entry, recorded as the call it stands for.
    fn op(&mut self, o: &Op) -> UsbResult<usize> {
        let (a, len) = (o.a, usize::from(o.len));
        match o.kind {
            Kind::Detach => self.detach_kernel_driver(a).map(usize::from),
            Kind::Claim => self.claim(a).map(|()| 0),
            Kind::Release => self.release(a).map(|()| 0),
            Kind::ClearHalt => self.clear_halt(a).map(|()| 0),
            Kind::BulkOut => self.bulk_write(a, o.data, o.ms),
            Kind::BulkIn => self.bulk_read(a, len, o.ms).map(|v| v.len()),
            Kind::IntOut => self.interrupt_write(a, o.data, o.ms),
            Kind::IntIn => self.interrupt_read(a, len, o.ms).map(|v| v.len()),
            Kind::Control if a & 0x80 != 0 => self
                .control_in(a, o.b, o.value, o.index, o.len, o.ms)
                .map(|v| v.len()),
            Kind::Control => self.control_out(a, o.b, o.value, o.index, o.data, o.ms),
            Kind::SetConfig => self.set_configuration(a).map(|()| 0),
            Kind::SetAlt => self.set_alt_setting(a, o.b).map(|()| 0),
            Kind::Reset => self.reset_dev().map(|()| 0),
            Kind::Sleep | Kind::Reopen => Ok(0),
        }
    }

    fn sleep_ms(&mut self, ms: u32) {
        self.calls.push(Call::Sleep(ms));
        self.now_ms += u64::from(ms);
    }
}

impl FakeUsb {
    pub fn list(&mut self) -> Result<Vec<UsbDevice>> {
        self.tick();
        Ok(self
            .sticks
            .iter()
            .filter(|s| !matches!(s.state, State::Gone { .. }))
            .map(|s| s.dev.clone())
            .collect())
    }

    pub fn open_dev(&mut self, dev: &UsbDevice) -> UsbResult<()> {
        self.calls.push(Call::Open {
            bus: dev.bus,
            address: dev.address,
        });
        if let Some(e) = self.open_error.clone() {
            return Err(e);
        }
        self.tick();
        let i = self
            .sticks
            .iter()
            .position(|s| {
                s.dev.bus == dev.bus && s.dev.address == dev.address && s.state == State::Present
            })
            .ok_or(UsbError::Gone)?;
        self.open = Some(i);
        Ok(())
    }

    pub fn close_dev(&mut self) {
        self.calls.push(Call::Close);
        self.open = None;
    }

    pub fn detach_kernel_driver(&mut self, iface: u8) -> UsbResult<bool> {
        let s = self.stick()?;
        let was = s.bound.contains(&iface);
        if s.stuck_driver {
            self.calls.push(Call::Detach {
                iface,
                was_bound: was,
            });
            return Err(UsbError::Other("driver refuses to detach".into()));
        }
        s.bound.retain(|i| *i != iface);
        self.calls.push(Call::Detach {
            iface,
            was_bound: was,
        });
        Ok(was)
    }

    pub fn claim(&mut self, iface: u8) -> UsbResult<()> {
        self.calls.push(Call::Claim(iface));
        let s = self.stick()?;
        if s.bound.contains(&iface) {
            return Err(UsbError::Busy);
        }
        if s.dev.interface(iface).is_none() {
            return Err(UsbError::Other("no such interface".into()));
        }
        Ok(())
    }

    pub fn release(&mut self, iface: u8) -> UsbResult<()> {
        self.calls.push(Call::Release(iface));
        self.stick().map(|_| ())
    }

    pub fn clear_halt(&mut self, ep: u8) -> UsbResult<()> {
        self.calls.push(Call::ClearHalt(ep));
        self.stick().map(|_| ())
    }

    pub fn bulk_write(&mut self, ep: u8, data: &[u8], _t: u32) -> UsbResult<usize> {
        self.calls.push(Call::BulkOut {
            ep,
            data: data.to_vec(),
        });
        self.stick()?;
        self.fire(Trigger::Bulk {
            ep,
            data: data.to_vec(),
        });
        Ok(data.len())
    }

    pub fn bulk_read(&mut self, ep: u8, len: usize, _t: u32) -> UsbResult<Vec<u8>> {
        self.calls.push(Call::BulkIn { ep, len });
        let s = self.stick()?;
        if !s.csw_ok {
            return Err(UsbError::Stall);
        }
        // A good CSW: "USBS", tag, residue 0, status 0.
        let mut csw = b"USBS".to_vec();
        csw.resize(len.min(13), 0);
        Ok(csw)
    }

    pub fn interrupt_write(&mut self, ep: u8, data: &[u8], _t: u32) -> UsbResult<usize> {
        self.calls.push(Call::IntOut {
            ep,
            data: data.to_vec(),
        });
        self.stick()?;
        // Interrupt traffic can be a trigger too (MobileAction).
        self.fire(Trigger::Bulk {
            ep,
            data: data.to_vec(),
        });
        Ok(data.len())
    }

    pub fn interrupt_read(&mut self, ep: u8, len: usize, _t: u32) -> UsbResult<Vec<u8>> {
        self.calls.push(Call::IntIn { ep, len });
        self.stick().map(|_| vec![0; len])
    }

    pub fn control_out(
        &mut self,
        rt: u8,
        req: u8,
        value: u16,
        index: u16,
        data: &[u8],
        _t: u32,
    ) -> UsbResult<usize> {
        self.calls.push(Call::CtlOut {
            rt,
            req,
            value,
            index,
            data: data.to_vec(),
        });
        self.control(rt, req, value)?;
        Ok(data.len())
    }

    pub fn control_in(
        &mut self,
        rt: u8,
        req: u8,
        value: u16,
        index: u16,
        len: u16,
        _t: u32,
    ) -> UsbResult<Vec<u8>> {
        self.calls.push(Call::CtlIn {
            rt,
            req,
            value,
            index,
            len,
        });
        self.control(rt, req, value)?;
        Ok(vec![0; len.into()])
    }

    pub fn set_configuration(&mut self, value: u8) -> UsbResult<()> {
        self.calls.push(Call::SetConfig(value));
        let s = self.stick()?;
        if !s.dev.configs.iter().any(|c| c.value == value) {
            return Err(UsbError::Other("no such configuration".into()));
        }
        s.dev.active_config = Some(value);
        Ok(())
    }

    pub fn set_alt_setting(&mut self, iface: u8, alt: u8) -> UsbResult<()> {
        self.calls.push(Call::SetAlt(iface, alt));
        self.stick().map(|_| ())
    }

    pub fn reset_dev(&mut self) -> UsbResult<()> {
        self.calls.push(Call::Reset);
        self.stick().map(|_| ())
    }
}

impl FakeUsb {
    fn control(&mut self, rt: u8, req: u8, value: u16) -> UsbResult<()> {
        let s = self.stick()?;
        s.controls += 1;
        let n = s.controls;
        if let Trigger::NthControl(k) = s.trigger {
            if n == k && s.state == State::Present {
                let now = self.now_ms;
                if let Ok(s) = self.stick() {
                    s.state = State::Switching { at: now };
                }
            }
            return Ok(());
        }
        self.fire(Trigger::Control { rt, req, value });
        Ok(())
    }
}

// ---- device layouts ----

pub fn bulk(address: u8) -> Endpoint {
    Endpoint {
        address,
        attributes: 2,
    }
}

pub fn int(address: u8) -> Endpoint {
    Endpoint {
        address,
        attributes: 3,
    }
}

pub fn iface(number: u8, class: (u8, u8, u8), endpoints: Vec<Endpoint>) -> Interface {
    Interface {
        number,
        alt: 0,
        class: class.0,
        subclass: class.1,
        protocol: class.2,
        endpoints,
        ..Interface::default()
    }
}

pub fn device(vid: u16, pid: u16, port: &str, configs: Vec<Config>) -> UsbDevice {
    UsbDevice {
        bus: port
            .split('-')
            .next()
            .and_then(|b| b.parse().ok())
            .unwrap_or(1),
        address: 2,
        port_path: port.to_string(),
        vid,
        pid,
        class: 0,
        active_config: configs.first().map(|c| c.value),
        configs,
        strings: DeviceStrings::default(),
    }
}

pub const STORAGE: (u8, u8, u8) = (8, 6, 0x50);

/// The E367 as a fake CD-ROM: 12d1:1446, two mass-storage interfaces.
pub fn e367_storage(port: &str) -> UsbDevice {
    let mut d = device(
        0x12d1,
        0x1446,
        port,
        vec![Config {
            value: 1,
            interfaces: vec![
                iface(0, STORAGE, vec![bulk(0x81), bulk(0x01)]),
                iface(1, STORAGE, vec![bulk(0x02), bulk(0x82)]),
            ],
        }],
    );
    d.strings.manufacturer = Some("Huawei Technologies".into());
    d.strings.product = Some("HUAWEI Mobile".into());
    d
}

/// The E367 in modem mode: 12d1:1506, seven interfaces.
pub fn e367_modem(port: &str) -> UsbDevice {
    let mut d = device(
        0x12d1,
        0x1506,
        port,
        vec![Config {
            value: 1,
            interfaces: vec![
                iface(0, (0xff, 1, 1), vec![int(0x81), bulk(0x82), bulk(0x01)]),
                iface(1, (0xff, 1, 9), vec![int(0x83)]),
                iface(2, (0xff, 1, 8), vec![bulk(0x84), bulk(0x02)]),
                iface(3, (0xff, 1, 3), vec![bulk(0x85), bulk(0x03)]),
                iface(4, (0xff, 1, 2), vec![bulk(0x86), bulk(0x04)]),
                iface(5, STORAGE, vec![bulk(0x87), bulk(0x05)]),
                iface(6, STORAGE, vec![bulk(0x06), bulk(0x88)]),
            ],
        }],
    );
    d.class = 0xef;
    d
}

/// A USB disk (not in the database).
pub fn usb_disk(port: &str) -> UsbDevice {
    device(
        0x0781,
        0x5567,
        port,
        vec![Config {
            value: 1,
            interfaces: vec![iface(0, STORAGE, vec![bulk(0x81), bulk(0x02)])],
        }],
    )
}

/// A generic storage-mode stick with one storage interface (ep 0x01 out, 0x81 in).
pub fn storage_stick(vid: u16, pid: u16, port: &str) -> UsbDevice {
    device(
        vid,
        pid,
        port,
        vec![Config {
            value: 1,
            interfaces: vec![iface(0, STORAGE, vec![bulk(0x81), bulk(0x01)])],
        }],
    )
}

/// A modem-mode device with vendor-class serial interfaces.
pub fn serial_modem(vid: u16, pid: u16, port: &str) -> UsbDevice {
    device(
        vid,
        pid,
        port,
        vec![Config {
            value: 1,
            interfaces: vec![
                iface(0, (0xff, 0xff, 0xff), vec![bulk(0x81), bulk(0x01)]),
                iface(1, (0xff, 0xff, 0xff), vec![bulk(0x82), bulk(0x02)]),
            ],
        }],
    )
}

/// The HuaweiNew message (usb_modeswitch's HuaweiNewMode): a 31-byte CBW, the
/// E367's and the E3372's.
pub const HUAWEI_NEW: &str = "55534243123456780000000000000011062000000101000100000000000000";

/// What a switch with one storage message (given as hex) does on a stick whose
/// interface 0 is bound to usb-storage with bulk endpoints 0x01 out and 0x81 in:
/// detach, claim, clear both halts around the CBW and its 13-byte status, release.
pub fn one_message_calls(message: &str) -> Vec<Call> {
    let cbw = hexb(message);
    assert_eq!(cbw.len(), 31, "a CBW is 31 bytes");
    vec![
        Call::Open { bus: 1, address: 2 },
        Call::Detach {
            iface: 0,
            was_bound: true,
        },
        Call::Claim(0),
        Call::ClearHalt(0x01),
        Call::BulkOut {
            ep: 0x01,
            data: cbw,
        },
        Call::BulkIn { ep: 0x81, len: 13 },
        Call::ClearHalt(0x81),
        Call::ClearHalt(0x01),
        Call::Sleep(50),
        Call::Release(0),
        Call::Close,
    ]
}

pub fn hexb(s: &str) -> Vec<u8> {
    umodem::core::modeswitch::unhex(s)
}

pub fn shipped_db() -> umodem::core::db::Db {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/files/usr/share/umodem/usb-mode.txt"
    );
    let text = std::fs::read_to_string(path).expect("shipped database");
    umodem::core::db::Db::parse_lines(&text, path).expect("shipped database parses")
}

/// A database in usbmode's JSON form (`/etc/usb-mode.json`), as a user or usbmode
/// would write it: what the JSON layers of the tests are made of.
pub fn usbmode_json(db: &umodem::core::db::Db) -> String {
    use std::fmt::Write as _;
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let mut msgs: Vec<String> = Vec::new();
    let mut devs: Vec<(String, Vec<String>)> = Vec::new();
    for (vid, pid, key, e) in db.iter() {
        let mut f: Vec<String> = Vec::new();
        if let Some(v) = e.t_vendor {
            f.push(format!("\"t_vendor\": {v}"));
        }
        if !e.t_product.is_empty() {
            let l: Vec<String> = e.t_product.iter().map(u16::to_string).collect();
            f.push(format!("\"t_product\": [ {} ]", l.join(", ")));
        }
        if e.method != umodem::core::db::Method::Generic {
            f.push(format!("\"mode\": \"{}\"", e.method_name()));
        }
        if !e.msgs.is_empty() {
            let idx: Vec<String> = e
                .msgs
                .iter()
                .map(|m| {
                    let m = hex(m);
                    let i = msgs.iter().position(|x| *x == m).unwrap_or_else(|| {
                        msgs.push(m);
                        msgs.len() - 1
                    });
                    i.to_string()
                })
                .collect();
            f.push(format!("\"msg\": [ {} ]", idx.join(", ")));
        }
        let nums = [
            ("t_class", e.t_class.map(u32::from)),
            ("modeval", e.modeval.map(u32::from)),
            ("msg_endpoint", e.msg_endpoint.map(u32::from)),
            ("response_endpoint", e.response_endpoint.map(u32::from)),
            ("interface", e.interface.map(u32::from)),
            ("config", e.config.map(u32::from)),
            ("alt", e.alt.map(u32::from)),
            ("wait", Some(e.wait).filter(|w| *w > 0)),
            ("release_delay", Some(e.release_delay).filter(|w| *w > 0)),
        ];
        for (k, v) in nums {
            if let Some(v) = v {
                f.push(format!("\"{k}\": {v}"));
            }
        }
        for (k, v) in [
            ("response", e.response),
            ("reset", e.reset),
            ("no_driver", e.no_driver),
            ("check", e.check),
            ("detach_storage", e.detach_storage),
        ] {
            if v {
                f.push(format!("\"{k}\": true"));
            }
        }
        let id = format!("{vid:04x}:{pid:04x}");
        let obj = format!("\"{key}\": {{ {} }}", f.join(", "));
        match devs.last_mut() {
            Some((last, objs)) if *last == id => objs.push(obj),
            _ => devs.push((id, vec![obj])),
        }
    }
    let mut s = String::from("{\n\t\"messages\": [\n");
    let m: Vec<String> = msgs.iter().map(|m| format!("\t\t\"{m}\"")).collect();
    s.push_str(&m.join(",\n"));
    s.push_str("\n\t],\n\t\"devices\": {\n");
    let d: Vec<String> = devs
        .iter()
        .map(|(id, objs)| format!("\t\t\"{id}\": {{ {} }}", objs.join(", ")))
        .collect();
    s.push_str(&d.join(",\n"));
    let _ = write!(s, "\n\t}}\n}}\n");
    s
}
