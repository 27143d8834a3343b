//! Mode switching, pure part: a database entry and a device's descriptors in, a
//! plan of USB operations out. No I/O: `hw::usb` runs the plan on a backend.
//!
//! The byte strings, request codes and the order of operations are facts taken
//! from usb_modeswitch 2.6 (the tool usb-modeswitch-data is written for); where
//! OpenWrt's usbmode differs (it skips the CSW reads, the LUN 1 eject and several
//! methods), usb_modeswitch wins.

use crate::core::db::{Entry, Method};
use crate::error::{Error, Result};

pub use crate::core::usb::{Config, Endpoint, Interface, UsbDevice};

/// Data stage of a control transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ctl {
    /// Host to device, with these bytes (possibly none).
    Out(Vec<u8>),
    /// Device to host, reading up to this many bytes.
    In(u16),
}

/// One USB operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Detach the kernel driver (usb-storage) from an interface, if one is bound.
    Detach {
        iface: u8,
    },
    Claim {
        iface: u8,
    },
    Release {
        iface: u8,
    },
    ClearHalt {
        ep: u8,
    },
    BulkOut {
        ep: u8,
        data: Vec<u8>,
        timeout_ms: u32,
    },
    /// Read up to `len` bytes; retry while short, up to `tries` reads.
    BulkIn {
        ep: u8,
        len: u16,
        tries: u8,
        timeout_ms: u32,
    },
    IntOut {
        ep: u8,
        data: Vec<u8>,
        timeout_ms: u32,
    },
    IntIn {
        ep: u8,
        len: u16,
        timeout_ms: u32,
    },
    Control {
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: Ctl,
        timeout_ms: u32,
    },
    SetConfig {
        value: u8,
    },
    SetAlt {
        iface: u8,
        alt: u8,
    },
    Reset,
    Sleep {
        ms: u32,
    },
    /// The device re-enumerates by itself (Sony): wait for it on the same port
    /// with the same vendor id and open it again.
    Reopen {
        timeout_ms: u32,
    },
}

/// What a failed step means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// Harmless: go on.
    Continue,
    /// The device probably went away mid-switch: skip the rest, judge by the result.
    Stop,
    /// Nothing happened: report the error.
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub step: Step,
    pub on_error: OnError,
}

/// How success shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The device leaves the bus and a device appears on the same port.
    Reenumerate,
    /// The device stays; this configuration becomes active.
    Config(u8),
    /// The device stays as it is (alt setting, driver detach, Sony after reopen).
    InPlace,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub method: String,
    /// Delay before the first step (WaitBefore).
    pub wait_before_ms: u32,
    pub actions: Vec<Action>,
    pub expect: Expect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Already in the target mode: leave it alone.
    AlreadySwitched(String),
    /// Known device that needs no action from us.
    Nothing(String),
    Switch(Plan),
}

pub const CBW_SIGNATURE: &[u8] = b"USBC";
const CSW_LEN: u16 = 13;
const BULK_TIMEOUT: u32 = 3000;
const CTL_TIMEOUT: u32 = 1000;

/// Standard eject: ALLOW MEDIUM REMOVAL + START STOP UNIT (eject), LUN 0 then LUN 1.
pub const STANDARD_EJECT: [[u8; 31]; 4] = [
    [
        0x55, 0x53, 0x42, 0x43, 0x87, 0x65, 0x43, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06,
        0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0x97, 0x65, 0x43, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06,
        0x1b, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0x87, 0x65, 0x43, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x06,
        0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0x97, 0x65, 0x43, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x06,
        0x1b, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
];
pub const HUAWEI_NEW: [u8; 31] = [
    0x55, 0x53, 0x42, 0x43, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11,
    0x06, 0x20, 0x00, 0x00, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];
pub const HUAWEI_ALT: [u8; 31] = [
    0x55, 0x53, 0x42, 0x43, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11,
    0x06, 0x30, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];
pub const OPTION: [u8; 31] = [
    0x55, 0x53, 0x42, 0x43, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];
pub const CISCO: [[u8; 31]; 11] = [
    [
        0x55, 0x53, 0x42, 0x43, 0xf8, 0x3b, 0xcd, 0x81, 0x00, 0x02, 0x00, 0x00, 0x80, 0x00, 0x0a,
        0xfd, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0x98, 0x43, 0x00, 0x82, 0x00, 0x02, 0x00, 0x00, 0x80, 0x00, 0x0a,
        0xfd, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0x98, 0x43, 0x00, 0x82, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
        0xfd, 0x00, 0x01, 0x00, 0x07, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0x98, 0x43, 0x00, 0x82, 0x00, 0x02, 0x00, 0x00, 0x80, 0x00, 0x0a,
        0xfd, 0x00, 0x02, 0x00, 0x23, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0x98, 0x43, 0x00, 0x82, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
        0xfd, 0x00, 0x03, 0x00, 0x23, 0x82, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0x98, 0x43, 0x00, 0x82, 0x00, 0x02, 0x00, 0x00, 0x80, 0x00, 0x0a,
        0xfd, 0x00, 0x02, 0x00, 0x26, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0x98, 0x43, 0x00, 0x82, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
        0xfd, 0x00, 0x03, 0x00, 0x26, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0xd8, 0x4c, 0x04, 0x82, 0x00, 0x02, 0x00, 0x00, 0x80, 0x00, 0x0a,
        0xfd, 0x00, 0x00, 0x10, 0x73, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0xd8, 0x4c, 0x04, 0x82, 0x00, 0x02, 0x00, 0x00, 0x80, 0x00, 0x0a,
        0xfd, 0x00, 0x02, 0x00, 0x24, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0xd8, 0x4c, 0x04, 0x82, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
        0xfd, 0x00, 0x03, 0x00, 0x24, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
    [
        0x55, 0x53, 0x42, 0x43, 0xd8, 0x4c, 0x04, 0x82, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
        0xfd, 0x00, 0x01, 0x10, 0x73, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ],
];
pub const QISDA: [u8; 16] = [
    0x05, 0x8c, 0x04, 0x08, 0xa0, 0xee, 0x20, 0x00, 0x5c, 0x01, 0x04, 0x08, 0x98, 0xcd, 0xea, 0xbf,
];
pub const MOBILE_ACTION: [[u8; 8]; 6] = [
    [0xb0, 0x04, 0x00, 0x00, 0x02, 0x90, 0x26, 0x86],
    [0x37, 0x01, 0xfe, 0xdb, 0xc1, 0x33, 0x1f, 0x83],
    [0x37, 0x0e, 0xb5, 0x9d, 0x3b, 0x8a, 0x91, 0x51],
    [0x34, 0x87, 0xba, 0x0d, 0xfc, 0x8a, 0x91, 0x51],
    [0x33, 0x04, 0xfe, 0x00, 0xf4, 0x6c, 0x1f, 0xf0],
    [0x32, 0x07, 0xfe, 0xf0, 0x29, 0xb9, 0x3a, 0xf0],
];

// bmRequestType bits.
const DIR_IN: u8 = 0x80;
const TYPE_CLASS: u8 = 0x20;
const TYPE_VENDOR: u8 = 0x40;
const RECIP_INTERFACE: u8 = 0x01;
const REQ_SET_FEATURE: u8 = 0x03;
const REQ_SET_INTERFACE: u8 = 0x0b;

/// The messages a method sends: its fixed ones, then (generic and standard eject)
/// the entry's own. For `plan` and for `umodem db lookup`.
pub fn fixed_messages(e: &Entry) -> Vec<Vec<u8>> {
    let fixed: &[[u8; 31]] = match e.method {
        Method::StandardEject => &STANDARD_EJECT,
        Method::HuaweiNew => std::slice::from_ref(&HUAWEI_NEW),
        Method::HuaweiAlt => std::slice::from_ref(&HUAWEI_ALT),
        Method::Option => std::slice::from_ref(&OPTION),
        Method::Cisco => &CISCO,
        _ => &[],
    };
    let mut v: Vec<Vec<u8>> = fixed.iter().map(|m| m.to_vec()).collect();
    if matches!(e.method, Method::Generic | Method::StandardEject) {
        v.extend(e.msgs.iter().cloned());
    }
    v
}

/// Bytes as lowercase hex text (for the report and `db lookup`).
pub fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(char::from(DIGITS[usize::from(x >> 4)]));
        s.push(char::from(DIGITS[usize::from(x & 15)]));
    }
    s
}

/// Hex text to bytes (for tests).
pub fn unhex(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks(2)
        .filter_map(|p| std::str::from_utf8(p).ok())
        .filter_map(|p| u8::from_str_radix(p, 16).ok())
        .collect()
}

fn act(step: Step, on_error: OnError) -> Action {
    Action { step, on_error }
}

fn control(request_type: u8, request: u8, value: u16, index: u16, data: Ctl) -> Step {
    Step::Control {
        request_type,
        request,
        value,
        index,
        data,
        timeout_ms: CTL_TIMEOUT,
    }
}

fn first_bulk(i: &Interface, input: bool) -> Option<u8> {
    i.endpoints
        .iter()
        .find(|e| e.is_bulk() && e.is_in() == input)
        .map(|e| e.address)
}

/// Decide what to do with `dev` according to `e`.
pub fn plan(dev: &UsbDevice, e: &Entry) -> Result<Decision> {
    let iface_no = e.interface.unwrap_or(0);
    let iface = dev.interface(iface_no);

    if let (Some(tc), Some(i)) = (e.t_class, dev.interface(0)) {
        if i.class == tc {
            return Ok(Decision::AlreadySwitched(format!(
                "interface 0 already has the target class {tc:02x}"
            )));
        }
    }
    if e.is_dummy() {
        return Ok(Decision::Nothing(
            "known device; the database asks for no switching".into(),
        ));
    }

    let mut p = Plan {
        method: e.method.name().to_string(),
        wait_before_ms: e.wait.saturating_mul(1000),
        actions: Vec::new(),
        expect: Expect::Reenumerate,
    };
    let a = &mut p.actions;
    let detach =
        |a: &mut Vec<Action>| a.push(act(Step::Detach { iface: iface_no }, OnError::Continue));

    match &e.method {
        Method::Generic if e.msgs.is_empty() => {
            if e.detach_storage {
                detach(a);
                p.expect = Expect::InPlace;
            }
        }
        Method::Generic => messages(a, dev, e, &e.msgs, iface_no)?,
        Method::StandardEject => {
            messages(a, dev, e, &fixed_messages(e), iface_no)?;
        }
        Method::HuaweiNew | Method::HuaweiAlt | Method::Option => {
            messages(a, dev, e, &fixed_messages(e), iface_no)?
        }
        Method::Huawei => a.push(act(
            control(0x00, REQ_SET_FEATURE, 1, 0, Ctl::Out(Vec::new())),
            OnError::Fail,
        )),
        Method::Sierra => a.push(act(
            control(TYPE_VENDOR, REQ_SET_INTERFACE, 1, 0, Ctl::Out(Vec::new())),
            // A stall here often means the device is already switching.
            OnError::Stop,
        )),
        Method::Sequans => a.push(act(
            control(TYPE_VENDOR, REQ_SET_INTERFACE, 2, 0, Ctl::Out(Vec::new())),
            OnError::Fail,
        )),
        Method::Qisda => a.push(act(
            control(TYPE_VENDOR, 0x04, 0, 0, Ctl::Out(QISDA.to_vec())),
            OnError::Fail,
        )),
        Method::Quanta => a.push(act(
            control(DIR_IN | TYPE_VENDOR, 0xff, 0, 0, Ctl::In(0)),
            OnError::Fail,
        )),
        Method::Kobil => {
            detach(a);
            a.push(act(
                control(DIR_IN | TYPE_VENDOR, 0x88, 0, 0, Ctl::In(8)),
                OnError::Fail,
            ));
        }
        Method::Blackberry => {
            detach(a);
            a.push(act(
                control(DIR_IN | TYPE_VENDOR, 0xb1, 0, 0, Ctl::In(8)),
                OnError::Continue,
            ));
            a.push(act(
                control(DIR_IN | TYPE_VENDOR, 0xa9, 0x000e, 0, Ctl::In(2)),
                OnError::Fail,
            ));
        }
        Method::Pantech => {
            let v = e.modeval.unwrap_or(0);
            if v <= 1 {
                return Ok(Decision::Nothing(
                    "this Pantech modem switches by itself; waiting is all there is to do".into(),
                ));
            }
            detach(a);
            a.push(act(
                control(TYPE_VENDOR, 0x70, v, 0, Ctl::Out(Vec::new())),
                OnError::Fail,
            ));
        }
        Method::Gct => {
            detach(a);
            a.push(act(Step::Claim { iface: iface_no }, OnError::Fail));
            let rt = DIR_IN | TYPE_CLASS | RECIP_INTERFACE;
            let idx = u16::from(iface_no);
            a.push(act(
                control(rt, 0xa0, 0, idx, Ctl::In(1)),
                OnError::Continue,
            ));
            a.push(act(
                control(rt, 0xfe, 0, idx, Ctl::In(1)),
                OnError::Continue,
            ));
            a.push(act(Step::Release { iface: iface_no }, OnError::Continue));
        }
        Method::Sony => {
            detach(a);
            let ctl = || Step::Control {
                request_type: DIR_IN | TYPE_VENDOR,
                request: 0x11,
                value: 2,
                index: 0,
                data: Ctl::In(3),
                timeout_ms: 100,
            };
            a.push(act(ctl(), OnError::Fail));
            a.push(act(Step::Reopen { timeout_ms: 30_000 }, OnError::Fail));
            a.push(act(Step::Sleep { ms: 1000 }, OnError::Continue));
            a.push(act(ctl(), OnError::Fail));
            p.expect = Expect::InPlace;
        }
        Method::MobileAction => mobile_action(a),
        Method::Cisco => {
            let i = iface.ok_or_else(|| no_iface(dev, iface_no))?;
            let out = e
                .msg_endpoint
                .or_else(|| first_bulk(i, false))
                .ok_or_else(|| no_ep(dev, iface_no, "OUT"))?;
            let inp = e
                .response_endpoint
                .or_else(|| first_bulk(i, true))
                .ok_or_else(|| no_ep(dev, iface_no, "IN"))?;
            detach(a);
            a.push(act(Step::Claim { iface: iface_no }, OnError::Fail));
            for m in CISCO {
                a.push(act(bulk_out(out, m.to_vec()), OnError::Stop));
                a.push(act(bulk_in(inp, CSW_LEN, 3), OnError::Stop));
            }
            a.push(act(Step::ClearHalt { ep: out }, OnError::Continue));
            a.push(act(Step::ClearHalt { ep: inp }, OnError::Continue));
            a.push(act(Step::Sleep { ms: 2000 }, OnError::Continue));
            a.push(act(Step::Release { iface: iface_no }, OnError::Continue));
        }
        Method::Mbim => {
            let target = dev
                .configs
                .iter()
                .find(|c| {
                    c.interfaces
                        .iter()
                        .any(|i| i.alt == 0 && i.class == 2 && i.subclass == 0x0e)
                })
                .map(|c| c.value)
                .ok_or_else(|| {
                    crate::err!("{}: no configuration with an MBIM interface", dev.id())
                })?;
            if dev.active_config == Some(target) {
                return Ok(Decision::AlreadySwitched(format!(
                    "MBIM configuration {target} is active"
                )));
            }
            detach_all(a, dev);
            a.push(act(Step::SetConfig { value: target }, OnError::Fail));
            p.expect = Expect::Config(target);
        }
        Method::Unknown(name) => {
            return Err(crate::err!(
                "{}: switching method '{name}' is not supported by umodem; \
                 switch it by hand (usb_modeswitch) or report the device",
                dev.id()
            ))
        }
    }

    if let Some(c) = e.config.filter(|c| *c > 0) {
        if dev.active_config != Some(c) {
            if p.actions.is_empty() {
                detach_all(&mut p.actions, dev);
                p.expect = Expect::Config(c);
            }
            p.actions
                .push(act(Step::SetConfig { value: c }, OnError::Stop));
        } else if p.actions.is_empty() {
            return Ok(Decision::AlreadySwitched(format!(
                "configuration {c} is already active"
            )));
        }
    }
    if let Some(alt) = e.alt {
        p.actions
            .push(act(Step::Claim { iface: iface_no }, OnError::Stop));
        p.actions.push(act(
            Step::SetAlt {
                iface: iface_no,
                alt,
            },
            OnError::Stop,
        ));
        p.actions
            .push(act(Step::Release { iface: iface_no }, OnError::Continue));
        if p.expect == Expect::Reenumerate && e.msgs.is_empty() && e.method == Method::Generic {
            p.expect = Expect::InPlace;
        }
    }
    if e.reset {
        p.actions.push(act(Step::Reset, OnError::Continue));
    }
    if p.actions.is_empty() {
        return Err(crate::err!(
            "{}: the database entry names no switching action",
            dev.id()
        ));
    }
    Ok(Decision::Switch(p))
}

fn no_iface(dev: &UsbDevice, n: u8) -> Error {
    crate::err!("{}: has no interface {n} to switch with", dev.id())
}

fn no_ep(dev: &UsbDevice, n: u8, dir: &str) -> Error {
    crate::err!(
        "{}: interface {n} has no bulk {dir} endpoint for the switch message",
        dev.id()
    )
}

fn bulk_out(ep: u8, data: Vec<u8>) -> Step {
    Step::BulkOut {
        ep,
        data,
        timeout_ms: BULK_TIMEOUT,
    }
}

fn bulk_in(ep: u8, len: u16, tries: u8) -> Step {
    Step::BulkIn {
        ep,
        len,
        tries,
        timeout_ms: BULK_TIMEOUT,
    }
}

fn detach_all(a: &mut Vec<Action>, dev: &UsbDevice) {
    let mut seen = Vec::new();
    for i in dev.config().map(|c| c.interfaces.as_slice()).unwrap_or(&[]) {
        if !seen.contains(&i.number) {
            seen.push(i.number);
            a.push(act(Step::Detach { iface: i.number }, OnError::Continue));
        }
    }
}

/// The generic bulk message method: claim, send each message, read the answer
/// (a 13-byte CSW after a storage command), release.
fn messages(
    a: &mut Vec<Action>,
    dev: &UsbDevice,
    e: &Entry,
    msgs: &[Vec<u8>],
    iface_no: u8,
) -> Result<()> {
    let i = dev
        .interface(iface_no)
        .ok_or_else(|| no_iface(dev, iface_no))?;
    let storage_cmd = msgs.iter().any(|m| m.starts_with(CBW_SIGNATURE));
    if storage_cmd && i.class != 8 {
        return Err(crate::err!(
            "{}: interface {iface_no} has class {:02x}, not mass storage: \
             refusing to send a storage command (already switched?)",
            dev.id(),
            i.class
        ));
    }
    let out = e
        .msg_endpoint
        .or_else(|| first_bulk(i, false))
        .ok_or_else(|| no_ep(dev, iface_no, "OUT"))?;
    let inp = e.response_endpoint.or_else(|| first_bulk(i, true));
    a.push(act(Step::Detach { iface: iface_no }, OnError::Continue));
    a.push(act(Step::Claim { iface: iface_no }, OnError::Fail));
    a.push(act(Step::ClearHalt { ep: out }, OnError::Continue));
    for m in msgs {
        a.push(act(bulk_out(out, m.clone()), OnError::Stop));
        let want = if m.starts_with(CBW_SIGNATURE) {
            Some(CSW_LEN)
        } else if e.response {
            Some(u16::try_from(m.len()).unwrap_or(u16::MAX))
        } else {
            None
        };
        if let (Some(len), Some(ep)) = (want, inp) {
            a.push(act(bulk_in(ep, len, 1), OnError::Stop));
        }
    }
    if let Some(ep) = inp {
        a.push(act(Step::ClearHalt { ep }, OnError::Continue));
    }
    a.push(act(Step::ClearHalt { ep: out }, OnError::Continue));
    a.push(act(Step::Sleep { ms: 50 }, OnError::Continue));
    if e.release_delay > 0 {
        a.push(act(
            Step::Sleep {
                ms: e.release_delay,
            },
            OnError::Continue,
        ));
    }
    a.push(act(Step::Release { iface: iface_no }, OnError::Continue));
    Ok(())
}

/// MobileAction: two HID SET_REPORTs, then a fixed interrupt conversation on
/// endpoints 0x02 (out) and 0x81 (in), as sniffed by usb_modeswitch's authors.
fn mobile_action(a: &mut Vec<Action>) {
    const EP_OUT: u8 = 0x02;
    const EP_IN: u8 = 0x81;
    let m = MOBILE_ACTION;
    for _ in 0..2 {
        a.push(act(
            control(
                TYPE_CLASS | RECIP_INTERFACE,
                0x09,
                0x0300,
                0,
                Ctl::Out(m[0].to_vec()),
            ),
            OnError::Continue,
        ));
    }
    let rd = |a: &mut Vec<Action>, n: usize| {
        for _ in 0..n {
            a.push(act(
                Step::IntIn {
                    ep: EP_IN,
                    len: 8,
                    timeout_ms: CTL_TIMEOUT,
                },
                OnError::Continue,
            ));
        }
    };
    let wr = |a: &mut Vec<Action>, d: &[u8; 8]| {
        a.push(act(
            Step::IntOut {
                ep: EP_OUT,
                data: d.to_vec(),
                timeout_ms: CTL_TIMEOUT,
            },
            OnError::Continue,
        ))
    };
    rd(a, 2);
    for (msg, reads) in [
        (1, 1),
        (2, 1),
        (3, 63),
        (1, 1),
        (2, 1),
        (3, 73),
        (4, 1),
        (5, 1),
    ] {
        wr(a, &m[msg]);
        rd(a, reads);
    }
}

/// Where a switch stands, judged from a fresh device list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // one per poll; boxing buys nothing
pub enum Progress {
    /// The original device is still there.
    Present,
    /// Gone, nothing on its port yet.
    Vanished,
    /// A (new) device is on the original port.
    Reappeared(UsbDevice),
}

/// Compare `now` with the original device: same bus and address means it is
/// still there; another device on the same port path means it came back.
pub fn progress(orig: &UsbDevice, now: &[UsbDevice]) -> Progress {
    if now.iter().any(|d| {
        d.bus == orig.bus && d.address == orig.address && d.vid == orig.vid && d.pid == orig.pid
    }) {
        return Progress::Present;
    }
    match now.iter().find(|d| d.port_path == orig.port_path) {
        Some(d) => Progress::Reappeared(d.clone()),
        None => Progress::Vanished,
    }
}
