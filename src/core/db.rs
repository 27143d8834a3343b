//! The mode-switch device database, in the format of OpenWrt's `/etc/usb-mode.json`.
//!
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
//! Pure: text in, `Db` out. Layers are merged in order (shipped, system, user);
//! a later layer replaces a device's match object of the same key. A bad entry
//! is skipped with a warning, never a panic; a file that is not a database at
//! all is an error and the layers before it stay in force.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Largest database text we accept (the shipped one is ~50 KiB; RAM is 32 MB).
pub const MAX_DB_BYTES: usize = 4 << 20;
/// Longest switch message (usb_modeswitch's own limit is 512 bytes).
pub const MAX_MSG_BYTES: usize = 512;
/// Most messages one device may send (usb_modeswitch: MessageContent 1..3).
pub const MAX_MSGS: usize = 3;
/// Upper bounds for delays given in the database.
pub const MAX_WAIT_S: u32 = 120;
pub const MAX_RELEASE_DELAY_MS: u32 = 60_000;

/// How a device is switched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// Bulk messages from `msg` (or only a configuration/alt setting change).
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
    /// A name we do not implement: switching it is a clear error.
    Unknown(String),
}

const METHOD_NAMES: &[(&str, Method)] = &[
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
        METHOD_NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| Method::Unknown(s.to_string()))
    }

    pub fn name(&self) -> &str {
        match self {
            Method::Unknown(s) => s,
            m => METHOD_NAMES
                .iter()
                .find(|(_, x)| x == m)
                .map_or("?", |(n, _)| n),
        }
    }
}

/// One match object: what to do with a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub t_vendor: Option<u16>,
    pub t_product: Vec<u16>,
    pub t_class: Option<u8>,
    pub method: Method,
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

impl Default for Entry {
    fn default() -> Entry {
        Entry {
            t_vendor: None,
            t_product: Vec::new(),
            t_class: None,
            method: Method::Generic,
            modeval: None,
            msgs: Vec::new(),
            msg_endpoint: None,
            response: false,
            response_endpoint: None,
            interface: None,
            config: None,
            alt: None,
            wait: 0,
            release_delay: 0,
            reset: false,
            no_driver: false,
            check: false,
            detach_storage: false,
        }
    }
}

impl Entry {
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
    let Some((attr, want)) = key.split_once('=') else {
        return false;
    };
    let have = match attr {
        "uMa" => &s.manufacturer,
        "uPr" => &s.product,
        "uSe" => &s.serial,
        "sVe" => &s.scsi_vendor,
        "sMo" => &s.scsi_model,
        "sRe" => &s.scsi_rev,
        _ => return false,
    };
    let Some(have) = have else { return false };
    if want.is_empty() {
        return false;
    }
    have.contains(want) || have.contains(&want.replace('_', " "))
}

/// The merged database.
#[derive(Debug, Clone, Default)]
pub struct Db {
    /// (vid << 16 | pid) -> match key -> entry.
    devices: BTreeMap<u32, BTreeMap<String, Entry>>,
    /// Skipped entries and ignored overrides, for `umodem db lookup` and the log.
    pub warnings: Vec<String>,
}

fn id_key(vid: u16, pid: u16) -> u32 {
    (u32::from(vid) << 16) | u32::from(pid)
}

/// Parse "vvvv:pppp" (hex, exactly 4+4 digits).
pub fn parse_id(s: &str) -> Option<(u16, u16)> {
    let (v, p) = s.split_once(':')?;
    if v.len() != 4 || p.len() != 4 {
        return None;
    }
    let hex = |x: &str| {
        if x.bytes().all(|b| b.is_ascii_hexdigit()) {
            u16::from_str_radix(x, 16).ok()
        } else {
            None
        }
    };
    Some((hex(v)?, hex(p)?))
}

#[allow(clippy::manual_is_multiple_of)] // is_multiple_of needs Rust 1.87
fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    let nib = |c: u8| (c as char).to_digit(16);
    b.chunks(2)
        .map(|p| match p {
            [h, l] => Some((nib(*h)? * 16 + nib(*l)?) as u8),
            _ => None,
        })
        .collect()
}

fn int_in<T: TryFrom<u64>>(v: &Value, field: &str, max: u64) -> std::result::Result<T, String> {
    let n = v
        .as_u64()
        .filter(|n| *n <= max)
        .ok_or_else(|| format!("{field} must be an integer 0..={max}"))?;
    T::try_from(n).map_err(|_| format!("{field} out of range"))
}

fn flag(v: &Value, field: &str) -> std::result::Result<bool, String> {
    // usbmode's converter writes JSON booleans; accept 0/1 too.
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_u64() == Some(0) => Ok(false),
        Value::Number(n) if n.as_u64() == Some(1) => Ok(true),
        _ => Err(format!("{field} must be true or false")),
    }
}

fn parse_entry(obj: &Map<String, Value>, msgs: &[Vec<u8>]) -> std::result::Result<Entry, String> {
    let mut e = Entry::default();
    for (k, v) in obj {
        match k.as_str() {
            "t_vendor" => e.t_vendor = Some(int_in(v, k, 0xffff)?),
            "t_product" => {
                let list = v.as_array().ok_or("t_product must be a list")?;
                if list.len() > 256 {
                    return Err("t_product: too many entries".into());
                }
                for p in list {
                    e.t_product.push(int_in(p, k, 0xffff)?);
                }
            }
            "t_class" => e.t_class = Some(int_in(v, k, 0xff)?),
            "mode" => {
                let s = v.as_str().ok_or("mode must be a string")?;
                if s.len() > 64 {
                    return Err("mode: name too long".into());
                }
                e.method = Method::from_name(s);
            }
            "modeval" => e.modeval = Some(int_in(v, k, 0xffff)?),
            "msg" => {
                let list = v.as_array().ok_or("msg must be a list")?;
                if list.len() > MAX_MSGS {
                    return Err(format!("msg: more than {MAX_MSGS} messages"));
                }
                for i in list {
                    let i: usize = int_in(i, "msg index", u32::MAX.into())?;
                    let m = msgs
                        .get(i)
                        .ok_or_else(|| format!("msg index {i} is not in messages"))?;
                    e.msgs.push(m.clone());
                }
            }
            "msg_endpoint" => e.msg_endpoint = Some(int_in(v, k, 0xff)?),
            "response" => e.response = flag(v, k)?,
            "response_endpoint" => e.response_endpoint = Some(int_in(v, k, 0xff)?),
            "interface" => e.interface = Some(int_in(v, k, 0xff)?),
            "config" => e.config = Some(int_in(v, k, 0xff)?),
            "alt" => e.alt = Some(int_in(v, k, 0xff)?),
            "wait" => e.wait = int_in(v, k, MAX_WAIT_S.into())?,
            "release_delay" => e.release_delay = int_in(v, k, MAX_RELEASE_DELAY_MS.into())?,
            "reset" => e.reset = flag(v, k)?,
            "no_driver" => e.no_driver = flag(v, k)?,
            "check" => e.check = flag(v, k)?,
            "detach_storage" => e.detach_storage = flag(v, k)?,
            // usbmode's "inquire" and anything newer: not ours to act on.
            _ => {}
        }
    }
    Ok(e)
}

impl Db {
    /// Parse one database text. `source` names it in messages.
    pub fn parse(text: &str, source: &str) -> Result<Db> {
        if text.len() > MAX_DB_BYTES {
            return Err(Error::new(format!(
                "{source}: larger than {MAX_DB_BYTES} bytes, not a device database"
            )));
        }
        let root: Value = serde_json::from_str(text)
            .map_err(|e| Error::new(format!("{source}: not valid JSON ({e}); fix or remove it")))?;
        let bad = |what: &str| Error::new(format!("{source}: {what}; fix or remove it"));
        let root = root.as_object().ok_or_else(|| bad("not a JSON object"))?;
        let msgs_v = root
            .get("messages")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no \"messages\" list"))?;
        let devs_v = root
            .get("devices")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no \"devices\" table"))?;
        let mut db = Db::default();
        // A bad message poisons only the entries that use it.
        let mut msgs = Vec::with_capacity(msgs_v.len());
        for (i, m) in msgs_v.iter().enumerate() {
            match m.as_str().and_then(hex_bytes) {
                Some(b) if b.len() <= MAX_MSG_BYTES => msgs.push(b),
                _ => {
                    db.warnings.push(format!(
                        "{source}: message {i} is not a hex string of at most {MAX_MSG_BYTES} bytes"
                    ));
                    msgs.push(Vec::new());
                }
            }
        }
        for (id, matches) in devs_v {
            let Some((vid, pid)) = parse_id(id) else {
                db.warnings.push(format!(
                    "{source}: device id '{}' is not vvvv:pppp",
                    clip(id)
                ));
                continue;
            };
            let Some(matches) = matches.as_object() else {
                db.warnings
                    .push(format!("{source}: {id}: not a table of match objects"));
                continue;
            };
            for (key, obj) in matches {
                let parsed = obj
                    .as_object()
                    .ok_or_else(|| "not an object".to_string())
                    .and_then(|o| parse_entry(o, &msgs))
                    .and_then(|e| {
                        if e.msgs.iter().any(Vec::is_empty) {
                            Err("uses an invalid message".into())
                        } else {
                            Ok(e)
                        }
                    });
                match parsed {
                    Ok(e) => {
                        db.devices
                            .entry(id_key(vid, pid))
                            .or_default()
                            .insert(key.clone(), e);
                    }
                    Err(why) => db
                        .warnings
                        .push(format!("{source}: {id} \"{}\": {why}; skipped", clip(key))),
                }
            }
        }
        Ok(db)
    }

    /// Lay `over` on top of `self`: its match objects replace ours of the same
    /// device and key. Objects that ask for no action are ignored (an old usbmode
    /// file drops methods it does not know and would disable a working entry).
    pub fn merge(&mut self, over: Db) {
        self.warnings.extend(over.warnings);
        for (id, matches) in over.devices {
            for (key, e) in matches {
                if !e.has_action() {
                    self.warnings.push(format!(
                        "{:04x}:{:04x} \"{}\": override has no switching method; kept the previous entry",
                        id >> 16,
                        id & 0xffff,
                        clip(&key)
                    ));
                    continue;
                }
                self.devices.entry(id).or_default().insert(key, e);
            }
        }
    }

    /// The entry for a device: specific match keys first (in key order), then `*`.
    pub fn lookup(&self, vid: u16, pid: u16, s: &DeviceStrings) -> Option<(&str, &Entry)> {
        let m = self.devices.get(&id_key(vid, pid))?;
        m.iter()
            .filter(|(k, _)| k.as_str() != "*")
            .find(|(k, _)| key_matches(k, s))
            .or_else(|| m.get_key_value("*"))
            .map(|(k, e)| (k.as_str(), e))
    }

    /// All match objects of a device id (for `db lookup` when strings are unknown).
    pub fn entries(&self, vid: u16, pid: u16) -> Vec<(&str, &Entry)> {
        self.devices
            .get(&id_key(vid, pid))
            .map(|m| m.iter().map(|(k, e)| (k.as_str(), e)).collect())
            .unwrap_or_default()
    }

    /// Is this id known to the database as a device to switch?
    pub fn knows(&self, vid: u16, pid: u16) -> bool {
        self.devices.contains_key(&id_key(vid, pid))
    }

    /// Is `vid:pid` listed as a switch target of some entry (a modem-mode id)?
    pub fn is_target(&self, vid: u16, pid: u16) -> bool {
        self.devices
            .values()
            .flat_map(|m| m.values())
            .any(|e| e.t_vendor == Some(vid) && e.t_product.contains(&pid))
    }

    /// Number of device ids and of match objects.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.devices.len(),
            self.devices.values().map(BTreeMap::len).sum(),
        )
    }

    /// Every (vid, pid, key, entry), in id order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, u16, &str, &Entry)> {
        self.devices.iter().flat_map(|(id, m)| {
            m.iter()
                .map(move |(k, e)| ((id >> 16) as u16, (id & 0xffff) as u16, k.as_str(), e))
        })
    }
}

/// Keep hostile keys from flooding a message.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(40).collect();
    if s.chars().count() > 40 {
        out.push_str("...");
    }
    out
}
