//! Mode switching, pure part: a database entry and a device's descriptors in, a
//! plan of USB operations out. No I/O: `hw::usb` runs the plan on a backend.
//!
//! The byte strings, request codes and the order of operations are facts taken
//! from usb_modeswitch 2.6 (the tool usb-modeswitch-data is written for); where
//! OpenWrt's usbmode differs (it skips the CSW reads, the LUN 1 eject and several
//! methods), usb_modeswitch wins.
//!
//! A plan is a list of [`Op`]s: one small copyable record per USB operation, its
//! message bytes borrowed from the database entry or the tables below. The methods
//! with a fixed sequence are tables too (data, not code: flash).

use crate::core::db::{Entry, Method};
use crate::error::{Error, Result};

pub use crate::core::usb::{Config, Endpoint, Interface, UsbDevice};

/// What one operation does. `Op`'s fields: see there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Detach the kernel driver (usb-storage) from interface `a`, if one is bound.
    Detach,
    Claim,
    Release,
    ClearHalt,
    BulkOut,
    /// Read up to `len` bytes from `a`; retry while short, up to `b` reads.
    BulkIn,
    IntOut,
    IntIn,
    /// Request type `a` (bit 7: device to host, reading `len` bytes; else `data`
    /// goes out), request `b`, `value`, `index`.
    Control,
    SetConfig,
    /// Interface `a`, alternate setting `b`.
    SetAlt,
    Reset,
    /// Wait `ms`.
    Sleep,
    /// The device re-enumerates by itself (Sony): wait up to `ms` for it on the
    /// same port with the same vendor id and open it again.
    Reopen,
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

/// One USB operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op<'a> {
    pub kind: Kind,
    pub on_error: OnError,
    /// Interface, endpoint, request type or configuration value.
    pub a: u8,
    /// Request, alternate setting or number of reads.
    pub b: u8,
    pub value: u16,
    pub index: u16,
    /// Bytes to read.
    pub len: u16,
    /// Timeout, or the time to wait.
    pub ms: u32,
    /// Bytes to send.
    pub data: &'a [u8],
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
pub struct Plan<'a> {
    pub method: &'static str,
    /// Delay before the first step (WaitBefore).
    pub wait_before_ms: u32,
    pub actions: Vec<Op<'a>>,
    pub expect: Expect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'a> {
    /// Already in the target mode: leave it alone.
    AlreadySwitched(String),
    /// Known device that needs no action from us.
    Nothing(String),
    Switch(Plan<'a>),
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

use Kind::*;
use OnError::{Continue as C, Fail as F, Stop as S};

/// Placeholders in the method tables: the entry's interface and `modeval`.
const IFACE: u16 = 0xffff;
const MODEVAL: u16 = 0xfffe;
const NONE: &[u8] = &[];

const fn op(kind: Kind, on_error: OnError, a: u8, ms: u32) -> Op<'static> {
    Op {
        kind,
        on_error,
        a,
        b: 0,
        value: 0,
        index: 0,
        len: 0,
        ms,
        data: NONE,
    }
}

/// A control request; `rt` bit 7 set reads `len` bytes, else sends `data`.
#[allow(clippy::too_many_arguments)]
const fn ctl(
    rt: u8,
    req: u8,
    value: u16,
    index: u16,
    len: u16,
    data: &'static [u8],
    ms: u32,
    on_error: OnError,
) -> Op<'static> {
    Op {
        kind: Control,
        on_error,
        a: rt,
        b: req,
        value,
        index,
        len,
        ms,
        data,
    }
}

const DETACH: Op = op(Detach, C, 0, 0);
/// A USB reset of the device (the daemon's watchdog; `reset` in an entry).
pub const RESET: Op = op(Reset, C, 0, 0);
// bmRequestType: 0x40 vendor, 0xc0 vendor device-to-host, 0xa1 class interface
// device-to-host, 0x21 class interface; requests 0x03 SET_FEATURE, 0x0b SET_INTERFACE.
const T_HUAWEI: &[Op] = &[ctl(0x00, 0x03, 1, 0, 0, NONE, CTL_TIMEOUT, F)];
// A stall here often means the device is already switching.
const T_SIERRA: &[Op] = &[ctl(0x40, 0x0b, 1, 0, 0, NONE, CTL_TIMEOUT, S)];
const T_SEQUANS: &[Op] = &[ctl(0x40, 0x0b, 2, 0, 0, NONE, CTL_TIMEOUT, F)];
const T_QISDA: &[Op] = &[ctl(0x40, 0x04, 0, 0, 0, &QISDA, CTL_TIMEOUT, F)];
const T_QUANTA: &[Op] = &[ctl(0xc0, 0xff, 0, 0, 0, NONE, CTL_TIMEOUT, F)];
const T_KOBIL: &[Op] = &[DETACH, ctl(0xc0, 0x88, 0, 0, 8, NONE, CTL_TIMEOUT, F)];
const T_BLACKBERRY: &[Op] = &[
    DETACH,
    ctl(0xc0, 0xb1, 0, 0, 8, NONE, CTL_TIMEOUT, C),
    ctl(0xc0, 0xa9, 0x000e, 0, 2, NONE, CTL_TIMEOUT, F),
];
const T_PANTECH: &[Op] = &[DETACH, ctl(0x40, 0x70, MODEVAL, 0, 0, NONE, CTL_TIMEOUT, F)];
const T_GCT: &[Op] = &[
    DETACH,
    op(Claim, F, 0, 0),
    ctl(0xa1, 0xa0, 0, IFACE, 1, NONE, CTL_TIMEOUT, C),
    ctl(0xa1, 0xfe, 0, IFACE, 1, NONE, CTL_TIMEOUT, C),
    op(Release, C, 0, 0),
];
const SONY_CTL: Op = ctl(0xc0, 0x11, 2, 0, 3, NONE, 100, F);
const T_SONY: &[Op] = &[
    DETACH,
    SONY_CTL,
    op(Reopen, F, 0, 30_000),
    op(Sleep, C, 0, 1000),
    SONY_CTL,
];

/// The messages a method sends: its fixed ones, then (generic and standard eject)
/// the entry's own, as two slices (no list built). For `plan` and `umodem db lookup`.
pub fn fixed_messages(e: &Entry) -> (&'static [[u8; 31]], &[Vec<u8>]) {
    let fixed: &[[u8; 31]] = match e.method {
        Method::StandardEject => &STANDARD_EJECT,
        Method::HuaweiNew => std::slice::from_ref(&HUAWEI_NEW),
        Method::HuaweiAlt => std::slice::from_ref(&HUAWEI_ALT),
        Method::Option => std::slice::from_ref(&OPTION),
        Method::Cisco => &CISCO,
        _ => &[],
    };
    let own: &[Vec<u8>] = match e.method {
        Method::Generic | Method::StandardEject => &e.msgs,
        _ => &[],
    };
    (fixed, own)
}

/// Bytes as lowercase hex text (for the report and `db lookup`).
pub fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        for d in [x >> 4, x & 15] {
            s.push(char::from(DIGITS[usize::from(d)]));
        }
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

fn first_bulk(i: &Interface, input: bool) -> Option<u8> {
    i.endpoints
        .iter()
        .find(|e| e.is_bulk() && e.is_in() == input)
        .map(|e| e.address)
}

/// A plan being built for one device and entry.
struct B<'a> {
    dev: &'a UsbDevice,
    e: &'a Entry,
    iface: u8,
    ops: Vec<Op<'a>>,
}

impl<'a> B<'a> {
    fn add(&mut self, kind: Kind, on: OnError, a: u8, ms: u32) {
        self.ops.push(op(kind, on, a, ms));
    }

    #[allow(clippy::too_many_arguments)]
    fn bulk(
        &mut self,
        kind: Kind,
        on: OnError,
        ep: u8,
        data: &'a [u8],
        len: u16,
        tries: u8,
        ms: u32,
    ) {
        self.ops.push(Op {
            b: tries,
            len,
            data,
            ..op(kind, on, ep, ms)
        });
    }

    /// A method's table, with the entry's interface and `modeval` filled in.
    fn table(&mut self, t: &[Op<'static>]) {
        for o in t {
            let mut o = *o;
            match o.kind {
                Detach | Claim | Release => o.a = self.iface,
                _ => {}
            }
            if o.index == IFACE {
                o.index = self.iface.into();
            }
            if o.value == MODEVAL {
                o.value = self.e.modeval.unwrap_or(0);
            }
            self.ops.push(o);
        }
    }

    fn no_ep(&self, dir: &str) -> Error {
        crate::err!(
            "{}: interface {} has no bulk {dir} endpoint for the switch message",
            self.dev.id(),
            self.iface
        )
    }

    fn err(&self, what: &str) -> Error {
        crate::err!("{}: {what}", self.dev.id())
    }

    /// The interface to switch with and its bulk OUT endpoint (entry's or first).
    fn iface_out(&self) -> Result<(&'a Interface, u8)> {
        let i = self.dev.interface(self.iface).ok_or_else(|| {
            crate::err!(
                "{}: has no interface {} to switch with",
                self.dev.id(),
                self.iface
            )
        })?;
        let out = self
            .e
            .msg_endpoint
            .or_else(|| first_bulk(i, false))
            .ok_or_else(|| self.no_ep("OUT"))?;
        Ok((i, out))
    }

    fn detach_all(&mut self) {
        let mut seen = Vec::new();
        for i in self.dev.interfaces() {
            if !seen.contains(&i.number) {
                seen.push(i.number);
                self.add(Detach, C, i.number, 0);
            }
        }
    }

    /// The generic bulk message method: claim, send each message, read the answer
    /// (a 13-byte CSW after a storage command), release.
    fn messages(&mut self, (fixed, own): (&'static [[u8; 31]], &'a [Vec<u8>])) -> Result<()> {
        let (i, out) = self.iface_out()?;
        let storage_cmd = fixed.iter().any(|m| m.starts_with(CBW_SIGNATURE))
            || own.iter().any(|m| m.starts_with(CBW_SIGNATURE));
        if storage_cmd && i.class != 8 {
            return Err(crate::err!(
                "{}: interface {} has class {:02x}, not mass storage: \
                 refusing to send a storage command (already switched?)",
                self.dev.id(),
                self.iface,
                i.class
            ));
        }
        let inp = self.e.response_endpoint.or_else(|| first_bulk(i, true));
        let n = self.iface;
        self.add(Detach, C, n, 0);
        self.add(Claim, F, n, 0);
        self.add(ClearHalt, C, out, 0);
        for m in fixed {
            self.message(out, inp, m);
        }
        for m in own {
            self.message(out, inp, m);
        }
        if let Some(ep) = inp {
            self.add(ClearHalt, C, ep, 0);
        }
        self.add(ClearHalt, C, out, 0);
        self.add(Sleep, C, 0, 50);
        if self.e.release_delay > 0 {
            self.add(Sleep, C, 0, self.e.release_delay);
        }
        self.add(Release, C, n, 0);
        Ok(())
    }

    /// One message out, and its answer read when one is due.
    fn message(&mut self, out: u8, inp: Option<u8>, m: &'a [u8]) {
        self.bulk(BulkOut, S, out, m, 0, 0, BULK_TIMEOUT);
        let want = if m.starts_with(CBW_SIGNATURE) {
            CSW_LEN
        } else if self.e.response {
            u16::try_from(m.len()).unwrap_or(u16::MAX)
        } else {
            0
        };
        if let (1.., Some(ep)) = (want, inp) {
            self.bulk(BulkIn, S, ep, NONE, want, 1, BULK_TIMEOUT);
        }
    }

    /// MobileAction: two HID SET_REPORTs, then a fixed interrupt conversation on
    /// endpoints 0x02 (out) and 0x81 (in), as sniffed by usb_modeswitch's authors.
    fn mobile_action(&mut self) {
        let m = &MOBILE_ACTION;
        for _ in 0..2 {
            self.ops
                .push(ctl(0x21, 0x09, 0x0300, 0, 0, &m[0], CTL_TIMEOUT, C));
        }
        // (message to send, if any; reads after it)
        for (msg, reads) in [
            (9, 2),
            (1, 1),
            (2, 1),
            (3, 63),
            (1, 1),
            (2, 1),
            (3, 73),
            (4, 1),
            (5, 1),
        ] {
            if let Some(x) = m.get(msg) {
                self.bulk(IntOut, C, 0x02, x, 0, 0, CTL_TIMEOUT);
            }
            for _ in 0..reads {
                self.bulk(IntIn, C, 0x81, NONE, 8, 0, CTL_TIMEOUT);
            }
        }
    }
}

/// Decide what to do with `dev` according to `e`.
pub fn plan<'a>(dev: &'a UsbDevice, e: &'a Entry) -> Result<Decision<'a>> {
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
    let mut b = B {
        dev,
        e,
        iface: e.interface.unwrap_or(0),
        ops: Vec::new(),
    };
    let mut expect = Expect::Reenumerate;
    match &e.method {
        Method::Generic if e.msgs.is_empty() => {
            if e.detach_storage {
                b.add(Detach, C, b.iface, 0);
                expect = Expect::InPlace;
            }
        }
        Method::Generic
        | Method::StandardEject
        | Method::HuaweiNew
        | Method::HuaweiAlt
        | Method::Option => b.messages(fixed_messages(e))?,
        Method::Huawei => b.table(T_HUAWEI),
        Method::Sierra => b.table(T_SIERRA),
        Method::Sequans => b.table(T_SEQUANS),
        Method::Qisda => b.table(T_QISDA),
        Method::Quanta => b.table(T_QUANTA),
        Method::Kobil => b.table(T_KOBIL),
        Method::Blackberry => b.table(T_BLACKBERRY),
        Method::Pantech => {
            if e.modeval.unwrap_or(0) <= 1 {
                return Ok(Decision::Nothing(
                    "this Pantech modem switches by itself; waiting is all there is to do".into(),
                ));
            }
            b.table(T_PANTECH)
        }
        Method::Gct => b.table(T_GCT),
        Method::Sony => {
            b.table(T_SONY);
            expect = Expect::InPlace;
        }
        Method::MobileAction => b.mobile_action(),
        Method::Cisco => {
            let (i, out) = b.iface_out()?;
            let inp = e
                .response_endpoint
                .or_else(|| first_bulk(i, true))
                .ok_or_else(|| b.no_ep("IN"))?;
            let n = b.iface;
            b.add(Detach, C, n, 0);
            b.add(Claim, F, n, 0);
            for m in &CISCO {
                b.bulk(BulkOut, S, out, m, 0, 0, BULK_TIMEOUT);
                b.bulk(BulkIn, S, inp, NONE, CSW_LEN, 3, BULK_TIMEOUT);
            }
            b.add(ClearHalt, C, out, 0);
            b.add(ClearHalt, C, inp, 0);
            b.add(Sleep, C, 0, 2000);
            b.add(Release, C, n, 0);
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
                .ok_or_else(|| b.err("no configuration with an MBIM interface"))?;
            if dev.active_config == Some(target) {
                return Ok(Decision::AlreadySwitched(format!(
                    "MBIM configuration {target} is active"
                )));
            }
            b.detach_all();
            b.add(SetConfig, F, target, 0);
            expect = Expect::Config(target);
        }
        Method::Unknown => {
            return Err(crate::err!(
                "{}: switching method '{}' is not supported by umodem; \
                 switch it by hand (usb_modeswitch) or report the device",
                dev.id(),
                e.mode_name
            ))
        }
    }

    if let Some(c) = e.config.filter(|c| *c > 0) {
        if dev.active_config != Some(c) {
            if b.ops.is_empty() {
                b.detach_all();
                expect = Expect::Config(c);
            }
            b.add(SetConfig, S, c, 0);
        } else if b.ops.is_empty() {
            return Ok(Decision::AlreadySwitched(format!(
                "configuration {c} is already active"
            )));
        }
    }
    if let Some(alt) = e.alt {
        let n = b.iface;
        b.add(Claim, S, n, 0);
        b.ops.push(Op {
            b: alt,
            ..op(SetAlt, S, n, 0)
        });
        b.add(Release, C, n, 0);
        if expect == Expect::Reenumerate && e.msgs.is_empty() && e.method == Method::Generic {
            expect = Expect::InPlace;
        }
    }
    if e.reset {
        b.add(Reset, C, 0, 0);
    }
    if b.ops.is_empty() {
        return Err(b.err("the database entry names no switching action"));
    }
    Ok(Decision::Switch(Plan {
        method: e.method.name(),
        wait_before_ms: e.wait.saturating_mul(1000),
        actions: b.ops,
        expect,
    }))
}

/// Where a switch stands, judged from a fresh device list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // one per poll; boxing buys nothing
pub enum Progress {
    /// The original device is still there.
    Present,
    /// Gone, nothing on its port yet.
    Vanished,
    /// A (new) device is on the original port: its index in the list.
    Reappeared(usize),
}

/// Compare `now` with the original device: same bus and address means it is
/// still there; another device on the same port path means it came back.
pub fn progress(orig: &UsbDevice, now: &[UsbDevice]) -> Progress {
    if now.iter().any(|d| {
        d.bus == orig.bus && d.address == orig.address && d.vid == orig.vid && d.pid == orig.pid
    }) {
        return Progress::Present;
    }
    match now.iter().position(|d| d.port_path == orig.port_path) {
        Some(i) => Progress::Reappeared(i),
        None => Progress::Vanished,
    }
}
