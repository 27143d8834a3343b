//! The mode-switch device database, in two text forms that load into one [`Db`].
//!
//! JSON, the format of OpenWrt's `/etc/usb-mode.json` (usbmode), for the layers a
//! user or usbmode writes ([`Db::parse`]):
//! ```text
//! { "messages": [ "55534243...", ... ],
//!   "devices": { "12d1:1446": { "*": { "t_vendor": 4817, "t_product": [ 5382 ],
//!                                      "mode": "HuaweiNew" } }, ... } }
//! ```
//! A device id maps to match objects keyed `*` (any) or `uMa=`/`uPr=`/`uSe=`
//! (USB manufacturer/product/serial string) or `sVe=`/`sMo=`/`sRe=` (SCSI
//! vendor/model/revision). `msg` holds indexes into `messages`. Besides the
//! methods OpenWrt knows, `mode` may name Option, Quanta, Blackberry, Pantech
//! (with `modeval`), HuaweiAlt and MBIM.
//!
//! Lines, the same content at half the bytes, for the shipped database
//! ([`Db::parse_lines`], written by `openwrt/tools/dbgen`):
//! ```text
//! # umodem usb-mode 1
//! m 55534243...                         (message 0, 1, ... in order)
//! d 12d1:1446 * HuaweiNew p=1506,1c0b wait=1 response
//! d 05c6:1000 uMa=SAMSUNG - v=04e8 p=6601 msg=7
//! ```
//! `d ID KEY METHOD FIELD...`: METHOD `-` is the generic one; `v` and `p` are
//! `t_vendor` and `t_product` in hex; every other field is the JSON key with its
//! decimal value (`msg=0,1`), and a flag set is its bare name. In both forms a
//! target product without a target vendor means the device's own vendor (most
//! switch targets keep it, so dbgen writes `v` only for the others).
//!
//! Pure: text in, `Db` out. Layers are merged in order (shipped, system, user);
//! a later layer replaces a device's match object of the same key. A bad entry
//! is skipped with a warning, never a panic; a file that is not a database at
//! all is an error and the layers before it stay in force.

use crate::error::{Error, Result};
use crate::json;
use crate::out::Out;

/// Largest database text we accept (the shipped one is 23 KB, usbmode's JSON about
/// 40 KB; a parsed JSON text takes several times its size in RAM).
pub const MAX_DB_BYTES: usize = 1 << 20;
/// Most match objects one text may hold (the shipped database has 560).
pub const MAX_ENTRIES: usize = 8192;
/// First line of the line form (its version).
pub const LINES_MAGIC: &str = "# umodem usb-mode 1";
/// Longest switch message (usb_modeswitch's own limit is 512 bytes).
pub const MAX_MSG_BYTES: usize = 512;
/// Most messages one device may send (usb_modeswitch: MessageContent 1..3).
pub const MAX_MSGS: usize = 3;
/// Upper bounds for delays given in the database.
pub const MAX_WAIT_S: u32 = 120;
pub const MAX_RELEASE_DELAY_MS: u32 = 60_000;

/// How a device is switched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Method {
    /// Bulk messages from `msg` (or only a configuration/alt setting change).
    #[default]
    Generic,
    StandardEject,
    Huawei,
    HuaweiNew,
    HuaweiAlt,
    Sierra,
    Sony,
    Qisda,
    Quanta,
    Gct,
    Kobil,
    Sequans,
    MobileAction,
    Cisco,
    Blackberry,
    Pantech,
    Option,
    Mbim,
    /// A name we do not implement (kept in `Entry::mode_name`): switching it is a
    /// clear error.
    Unknown,
}

/// The names of the methods, in the order of `Method`.
const METHODS: [(&str, Method); 18] = [
    ("Generic", Method::Generic),
    ("StandardEject", Method::StandardEject),
    ("Huawei", Method::Huawei),
    ("HuaweiNew", Method::HuaweiNew),
    ("HuaweiAlt", Method::HuaweiAlt),
    ("Sierra", Method::Sierra),
    ("Sony", Method::Sony),
    ("Qisda", Method::Qisda),
    ("Quanta", Method::Quanta),
    ("GCT", Method::Gct),
    ("Kobil", Method::Kobil),
    ("Sequans", Method::Sequans),
    ("MobileAction", Method::MobileAction),
    ("Cisco", Method::Cisco),
    ("Blackberry", Method::Blackberry),
    ("Pantech", Method::Pantech),
    ("Option", Method::Option),
    ("MBIM", Method::Mbim),
];

impl Method {
    pub fn from_name(s: &str) -> Method {
        METHODS
            .iter()
            .find(|(n, _)| *n == s)
            .map_or(Method::Unknown, |m| m.1)
    }

    /// The name of a method we implement ("?" for an unknown one: its name is
    /// `Entry::mode_name`).
    pub fn name(self) -> &'static str {
        METHODS.get(self as usize).map_or("?", |m| m.0)
    }
}

/// One match object: what to do with a device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub t_vendor: Option<u16>,
    pub t_product: Vec<u16>,
    pub t_class: Option<u8>,
    pub method: Method,
    /// The `mode` as written when it is not a method we know.
    pub mode_name: String,
    pub modeval: Option<u16>,
    /// Message bytes, already resolved from `messages`.
    pub msgs: Vec<Vec<u8>>,
    pub msg_endpoint: Option<u8>,
    pub response: bool,
    pub response_endpoint: Option<u8>,
    pub interface: Option<u8>,
    pub config: Option<u8>,
    pub alt: Option<u8>,
    /// Seconds to wait before switching (WaitBefore).
    pub wait: u32,
    /// Milliseconds to hold the interface after the messages (ReleaseDelay).
    pub release_delay: u32,
    pub reset: bool,
    pub no_driver: bool,
    pub check: bool,
    pub detach_storage: bool,
}

impl Entry {
    /// The method's name as the database gave it.
    pub fn method_name(&self) -> &str {
        match self.method {
            Method::Unknown => &self.mode_name,
            m => m.name(),
        }
    }

    /// Does this entry ask for any action at all? (An override without one,
    /// e.g. from an old usbmode file that dropped an unknown method, is ignored.)
    pub fn has_action(&self) -> bool {
        self.method != Method::Generic
            || !self.msgs.is_empty()
            || self.config.is_some()
            || self.alt.is_some()
            || self.detach_storage
            || self.reset
    }

    /// `Configuration=0` in usb-modeswitch-data: a known device that needs no
    /// switching (the dispatcher's "dummy" method).
    pub fn is_dummy(&self) -> bool {
        self.method == Method::Generic
            && self.msgs.is_empty()
            && self.config == Some(0)
            && self.alt.is_none()
            && !self.detach_storage
    }
}

/// Strings a match object may test, as read from the device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceStrings {
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub serial: Option<String>,
    pub scsi_vendor: Option<String>,
    pub scsi_model: Option<String>,
    pub scsi_rev: Option<String>,
}

/// Does match key `key` ("*", "uMa=...", ...) select a device with `s`?
/// As usb_modeswitch: the value is found anywhere in the device string, with
/// `_` standing for a blank. An attribute we cannot read never matches.
pub fn key_matches(key: &str, s: &DeviceStrings) -> bool {
    if key == "*" {
        return true;
    }
    let have = match key.get(..4) {
        Some("uMa=") => &s.manufacturer,
        Some("uPr=") => &s.product,
        Some("uSe=") => &s.serial,
        Some("sVe=") => &s.scsi_vendor,
        Some("sMo=") => &s.scsi_model,
        Some("sRe=") => &s.scsi_rev,
        _ => return false,
    };
    let (Some(have), Some(want)) = (have, key.get(4..)) else {
        return false;
    };
    let (h, w) = (have.as_bytes(), want.as_bytes());
    // The value as written, or with every '_' a blank.
    !w.is_empty()
        && [false, true].iter().any(|&blank| {
            h.windows(w.len()).any(|x| {
                x.iter()
                    .zip(w)
                    .all(|(a, b)| *a == if blank && *b == b'_' { b' ' } else { *b })
            })
        })
}

/// The merged database.
#[derive(Debug, Clone, Default)]
pub struct Db {
    /// (vid << 16 | pid, match key, entry), sorted by id, then key; one per (id, key).
    devices: Vec<(u32, String, Entry)>,
    /// Skipped entries and ignored overrides, for `umodem db lookup` and the log.
    pub warnings: Vec<String>,
}

/// Parse "vvvv:pppp" (hex, exactly 4+4 digits).
pub fn parse_id(s: &str) -> Option<(u16, u16)> {
    let (v, p) = s.split_once(':')?;
    Some((hex16(v)?, hex16(p)?))
}

/// Exactly four hex digits.
fn hex16(x: &str) -> Option<u16> {
    Some(crate::num::hex(x).filter(|_| x.len() == 4)? as u16)
}

/// Why a match object or field was refused.
type Why = std::result::Result<(), String>;

/// The fields of a match object: integers with their largest values, then the
/// flags, `mode`, and the lists. One table, so that each rule is written (and its
/// error worded) once.
const FIELDS: [(&str, u32); 18] = [
    ("t_vendor", 0xffff),
    ("t_class", 0xff),
    ("modeval", 0xffff),
    ("msg_endpoint", 0xff),
    ("response_endpoint", 0xff),
    ("interface", 0xff),
    ("config", 0xff),
    ("alt", 0xff),
    ("wait", MAX_WAIT_S),
    ("release_delay", MAX_RELEASE_DELAY_MS),
    ("response", 1),
    ("reset", 1),
    ("no_driver", 1),
    ("check", 1),
    ("detach_storage", 1),
    ("mode", 0),
    ("t_product", 0xffff),
    ("msg", u32::MAX),
];

/// An integer 0..=max.
fn int_in(v: &Out, max: u32) -> Option<u32> {
    match v {
        Out::Int(n) if (0..=i64::from(max)).contains(n) => Some(*n as u32),
        _ => None,
    }
}

/// Set one field of a match object (the JSON key and value). Unknown keys
/// (usbmode's "inquire", anything newer) are not ours to act on.
fn set_field(e: &mut Entry, k: &str, v: &Out, msgs: &[Vec<u8>]) -> Why {
    let Some(n) = FIELDS.iter().position(|f| f.0 == k) else {
        return Ok(());
    };
    let max = FIELDS.get(n).map_or(0, |f| f.1);
    let bad = |what: &str| Err(format!("{k} must be {what}"));
    if n < 10 {
        let Some(x) = int_in(v, max) else {
            return Err(format!("{k} must be an integer 0..={max}"));
        };
        let (w, b) = (Some(x as u16), Some(x as u8));
        match n {
            0 => e.t_vendor = w,
            1 => e.t_class = b,
            2 => e.modeval = w,
            3 => e.msg_endpoint = b,
            4 => e.response_endpoint = b,
            5 => e.interface = b,
            6 => e.config = b,
            7 => e.alt = b,
            8 => e.wait = x,
            _ => e.release_delay = x,
        }
    } else if n < 15 {
        // usbmode's converter writes JSON booleans; accept 0/1 too.
        let on = match v {
            Out::Bool(b) => *b,
            _ => match int_in(v, 1) {
                Some(x) => x == 1,
                None => return bad("true or false"),
            },
        };
        match n {
            10 => e.response = on,
            11 => e.reset = on,
            12 => e.no_driver = on,
            13 => e.check = on,
            _ => e.detach_storage = on,
        }
    } else if n == 15 {
        match v.as_str() {
            Some(s) if s.len() <= 64 => {
                e.method = Method::from_name(s);
                e.mode_name = if e.method == Method::Unknown {
                    s.into()
                } else {
                    String::new()
                };
            }
            _ => return bad("a name (a string of at most 64 bytes)"),
        }
    } else {
        let prod = n == 16;
        let most = if prod { 256 } else { MAX_MSGS };
        let Some(l) = v.as_list().filter(|l| l.len() <= most) else {
            return Err(format!("{k} must be a list of at most {most} integers"));
        };
        if prod {
            e.t_product.clear();
        } else {
            e.msgs.clear();
        }
        for x in l {
            let Some(x) = int_in(x, max) else {
                return Err(format!("{k}: each must be an integer 0..={max}"));
            };
            if prod {
                e.t_product.push(x as u16);
            } else {
                match msgs.get(x as usize).filter(|m| !m.is_empty()) {
                    Some(m) => e.msgs.push(m.clone()),
                    None => return Err(format!("msg index {x} is not a valid message")),
                }
            }
        }
    }
    Ok(())
}

/// One field of the line form as its JSON key and value: `v`/`p` are hex ids,
/// `msg` and `p` lists, a bare name a flag set; anything unreadable stays text
/// (and `set_field` says what it should have been).
fn line_field(w: &str) -> (&str, Out) {
    let Some((k, v)) = w.split_once('=') else {
        return (w, Out::Bool(true));
    };
    let hex = k == "v" || k == "p";
    let num = |x: &str| {
        let n = if hex {
            hex16(x).map(u64::from)
        } else {
            crate::num::dec(x).filter(|n| *n <= u64::from(u32::MAX))
        };
        n.map_or_else(|| Out::Str(x.into()), |n| Out::Int(n as i64))
    };
    match k {
        "v" => ("t_vendor", num(v)),
        "p" | "msg" => {
            let mut l = Vec::new();
            for x in v.split(',') {
                l.push(num(x));
            }
            (if k == "p" { "t_product" } else { k }, Out::List(l))
        }
        _ => (k, num(v)),
    }
}

impl Db {
    /// A warning about `source`.
    fn warn(&mut self, source: &str, what: std::fmt::Arguments<'_>) {
        self.warnings.push(format!("{source}: {what}"));
    }

    /// Parse one database text in usbmode's JSON form. `source` names it in messages.
    pub fn parse(text: &str, source: &str) -> Result<Db> {
        let bad = |what: &str| crate::err!("{source}: {what}; fix or remove it");
        if text.len() > MAX_DB_BYTES {
            return Err(too_big(source));
        }
        let root = json::parse(text).map_err(|e| bad(&format!("not valid JSON ({e})")))?;
        if root.as_map().is_none() {
            return Err(bad("not a JSON object"));
        }
        let msgs_v = root
            .get("messages")
            .and_then(Out::as_list)
            .ok_or_else(|| bad("no \"messages\" list"))?;
        let devs_v = root
            .get("devices")
            .and_then(Out::as_map)
            .ok_or_else(|| bad("no \"devices\" table"))?;
        let mut db = Db::default();
        // A bad message poisons only the entries that use it.
        let mut msgs = Vec::new();
        for (i, m) in msgs_v.iter().enumerate() {
            msgs.push(db.message(source, i, m.as_str()));
        }
        for (id, matches) in devs_v {
            let Some(matches) = matches.as_map() else {
                db.warn(
                    source,
                    format_args!("{}: not a table of match objects", clip(id)),
                );
                continue;
            };
            for (key, obj) in matches {
                let mut e = Entry::default();
                let parsed = match obj.as_map() {
                    None => Err("not an object".to_string()),
                    Some(o) => o
                        .iter()
                        .try_for_each(|(k, v)| set_field(&mut e, k, v, &msgs)),
                };
                db.add(source, id, key, parsed.map(|()| e))?;
            }
        }
        Ok(db)
    }

    /// Parse the line form (see the module docs). `source` names it in messages.
    pub fn parse_lines(text: &str, source: &str) -> Result<Db> {
        if text.len() > MAX_DB_BYTES {
            return Err(too_big(source));
        }
        let mut lines = text.lines();
        if lines.next() != Some(LINES_MAGIC) {
            return Err(crate::err!(
                "{source}: not a device list (first line is not '{LINES_MAGIC}')"
            ));
        }
        let mut db = Db::default();
        let mut msgs = Vec::new();
        for (n, line) in lines.enumerate() {
            let mut w = line.split_ascii_whitespace();
            match (w.next(), w.next(), w.next(), w.next()) {
                (None, ..) => {}
                (Some(c), ..) if c.starts_with('#') => {}
                (Some("m"), m, ..) => {
                    let m = db.message(source, msgs.len(), m);
                    msgs.push(m);
                }
                (Some("d"), Some(id), Some(key), Some(mode)) => {
                    let mut e = Entry::default();
                    let parsed = if mode == "-" {
                        Ok(())
                    } else {
                        set_field(&mut e, "mode", &Out::Str(mode.into()), &msgs)
                    };
                    let parsed = parsed.and_then(|()| {
                        w.try_for_each(|f| {
                            let (k, v) = line_field(f);
                            set_field(&mut e, k, &v, &msgs)
                        })
                    });
                    db.add(source, id, key, parsed.map(|()| e))?;
                }
                _ => db.warn(
                    source,
                    format_args!("line {}: not a device record; skipped", n + 2),
                ),
            }
        }
        Ok(db)
    }

    /// Message `i` of `source` as bytes; an empty one (with a warning) if bad.
    fn message(&mut self, source: &str, i: usize, m: Option<&str>) -> Vec<u8> {
        let mut b = Vec::new();
        let m = m.filter(|m| m.len() % 2 == 0 && m.len() <= 2 * MAX_MSG_BYTES);
        for j in 0..m.map_or(0, |m| m.len() / 2) {
            match m
                .and_then(|m| m.get(2 * j..2 * j + 2))
                .and_then(crate::num::hex)
            {
                Some(x) => b.push(x as u8),
                None => {
                    b.clear();
                    break;
                }
            }
        }
        if b.is_empty() {
            self.warn(
                source,
                format_args!("message {i} is not a hex string of at most {MAX_MSG_BYTES} bytes"),
            );
        }
        b
    }

    /// Add a parsed match object, or the warning that says why it was skipped.
    fn add(
        &mut self,
        source: &str,
        id: &str,
        key: &str,
        parsed: std::result::Result<Entry, String>,
    ) -> Result<()> {
        let Some((vid, pid)) = parse_id(id) else {
            self.warn(
                source,
                format_args!("device id '{}' is not vvvv:pppp", clip(id)),
            );
            return Ok(());
        };
        match parsed {
            Ok(mut e) => {
                // A target product without a target vendor: the device's own vendor.
                if e.t_vendor.is_none() && !e.t_product.is_empty() {
                    e.t_vendor = Some(vid);
                }
                if self.devices.len() >= MAX_ENTRIES {
                    return Err(crate::err!(
                        "{source}: more than {MAX_ENTRIES} match objects, not a device database"
                    ));
                }
                self.put(id_key(vid, pid), key.into(), e);
            }
            Err(why) => self.warn(
                source,
                format_args!("{id} \"{}\": {why}; skipped", clip(key)),
            ),
        }
        Ok(())
    }

    /// Insert or replace the entry for (id, key), keeping the order.
    fn put(&mut self, id: u32, key: String, e: Entry) {
        match self
            .devices
            .binary_search_by(|(i, k, _)| (*i, k.as_str()).cmp(&(id, key.as_str())))
        {
            Ok(n) => {
                if let Some(slot) = self.devices.get_mut(n) {
                    slot.2 = e;
                }
            }
            Err(n) => self.devices.insert(n, (id, key, e)),
        }
    }

    /// The entries of one device id, in key order.
    fn of(&self, vid: u16, pid: u16) -> &[(u32, String, Entry)] {
        let id = id_key(vid, pid);
        let lo = self.devices.partition_point(|d| d.0 < id);
        let hi = self.devices.partition_point(|d| d.0 <= id);
        self.devices.get(lo..hi).unwrap_or_default()
    }

    /// Lay `over` on top of `self`: its match objects replace ours of the same
    /// device and key. Objects that ask for no action are ignored (an old usbmode
    /// file drops methods it does not know and would disable a working entry).
    pub fn merge(&mut self, over: Db) {
        self.warnings.extend(over.warnings);
        for (id, key, e) in over.devices {
            if e.has_action() {
                self.put(id, key, e);
            } else {
                self.warnings.push(format!(
                    "{:04x}:{:04x} \"{}\": override has no switching method; kept the previous entry",
                    id >> 16,
                    id & 0xffff,
                    clip(&key)
                ));
            }
        }
    }

    /// The entry for a device: specific match keys first (in key order), then `*`.
    pub fn lookup(&self, vid: u16, pid: u16, s: &DeviceStrings) -> Option<(&str, &Entry)> {
        let m = self.of(vid, pid);
        m.iter()
            .find(|(_, k, _)| k != "*" && key_matches(k, s))
            .or_else(|| m.iter().find(|(_, k, _)| k == "*"))
            .map(|(_, k, e)| (k.as_str(), e))
    }

    /// All match objects of a device id (for `db lookup` when strings are unknown).
    pub fn entries(&self, vid: u16, pid: u16) -> impl Iterator<Item = (&str, &Entry)> {
        self.of(vid, pid).iter().map(|(_, k, e)| (k.as_str(), e))
    }

    /// Is this id known to the database as a device to switch?
    pub fn knows(&self, vid: u16, pid: u16) -> bool {
        !self.of(vid, pid).is_empty()
    }

    /// Is `vid:pid` listed as a switch target of some entry (a modem-mode id)?
    pub fn is_target(&self, vid: u16, pid: u16) -> bool {
        self.devices
            .iter()
            .any(|(_, _, e)| e.t_vendor == Some(vid) && e.t_product.contains(&pid))
    }

    /// Number of device ids and of match objects.
    pub fn counts(&self) -> (usize, usize) {
        let ids = self
            .devices
            .iter()
            .enumerate()
            .filter(|(i, d)| *i == 0 || self.devices.get(i - 1).map(|p| p.0) != Some(d.0))
            .count();
        (ids, self.devices.len())
    }

    /// Every (vid, pid, key, entry), in id order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, u16, &str, &Entry)> {
        self.devices
            .iter()
            .map(|(id, k, e)| ((id >> 16) as u16, *id as u16, k.as_str(), e))
    }
}

fn id_key(vid: u16, pid: u16) -> u32 {
    (u32::from(vid) << 16) | u32::from(pid)
}

fn too_big(source: &str) -> Error {
    crate::err!("{source}: larger than {MAX_DB_BYTES} bytes, not a device database")
}

/// Keep hostile keys from flooding a message.
fn clip(s: &str) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == 40 {
            out.push_str("...");
            break;
        }
        if !c.is_control() {
            out.push(c);
        }
    }
    out
}
