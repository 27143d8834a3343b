//! FunctionFS: the bytes written to `ep0` (descriptors, strings) and the events read
//! back from it. Pure encoding and parsing; the file I/O lives in `gadget.rs`.
//!
//! Kernel ABI (include/uapi/linux/usb/functionfs.h): descriptors v2 header
//! `magic=3, length, flags, fs_count, hs_count`, then full-speed and high-speed
//! descriptor lists; strings header `magic=2, length, str_count, lang_count`.
//! Events are 12 bytes: an 8-byte control request, a type byte and 3 pad bytes.

const DESCRIPTORS_MAGIC_V2: u32 = 3;
const STRINGS_MAGIC: u32 = 2;
const HAS_FS_DESC: u32 = 1;
const HAS_HS_DESC: u32 = 2;

/// Endpoint transfer type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Xfer {
    Bulk,
    Interrupt,
}

/// One endpoint of an interface; FunctionFS numbers the files `ep1`, `ep2`, ... in
/// the order the endpoints are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub xfer: Xfer,
    pub dir_in: bool,
}

pub const BULK_IN: Endpoint = Endpoint {
    xfer: Xfer::Bulk,
    dir_in: true,
};
pub const BULK_OUT: Endpoint = Endpoint {
    xfer: Xfer::Bulk,
    dir_in: false,
};
pub const INT_IN: Endpoint = Endpoint {
    xfer: Xfer::Interrupt,
    dir_in: true,
};

/// One interface (one FunctionFS instance): class triplet and endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub class: u8,
    pub subclass: u8,
    pub protocol: u8,
    pub endpoints: Vec<Endpoint>,
}

fn interface_desc(out: &mut Vec<u8>, i: &Interface) {
    // bInterfaceNumber is filled in by the kernel; iInterface 0 (no string).
    out.extend_from_slice(&[
        9,
        4,
        0,
        0,
        i.endpoints.len() as u8,
        i.class,
        i.subclass,
        i.protocol,
        0,
    ]);
}

fn endpoint_desc(out: &mut Vec<u8>, index: usize, e: &Endpoint, high_speed: bool) {
    let addr = (index as u8 + 1) | if e.dir_in { 0x80 } else { 0 };
    let (attr, size, interval): (u8, u16, u8) = match (e.xfer, high_speed) {
        (Xfer::Bulk, false) => (2, 64, 0),
        (Xfer::Bulk, true) => (2, 512, 0),
        (Xfer::Interrupt, false) => (3, 16, 32),
        (Xfer::Interrupt, true) => (3, 16, 9),
    };
    let s = size.to_le_bytes();
    out.extend_from_slice(&[7, 5, addr, attr, s[0], s[1], interval]);
}

/// The blob written first to `ep0`: full- and high-speed descriptors.
pub fn descriptors(i: &Interface) -> Vec<u8> {
    let mut fs = Vec::new();
    let mut hs = Vec::new();
    interface_desc(&mut fs, i);
    interface_desc(&mut hs, i);
    for (n, e) in i.endpoints.iter().enumerate() {
        endpoint_desc(&mut fs, n, e, false);
        endpoint_desc(&mut hs, n, e, true);
    }
    let count = 1 + i.endpoints.len() as u32;
    let mut out = Vec::new();
    for w in [
        DESCRIPTORS_MAGIC_V2,
        0,
        HAS_FS_DESC | HAS_HS_DESC,
        count,
        count,
    ] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.extend_from_slice(&fs);
    out.extend_from_slice(&hs);
    let len = (out.len() as u32).to_le_bytes();
    out[4..8].copy_from_slice(&len);
    out
}

/// The blob written second to `ep0`: no strings, no languages.
pub fn strings() -> Vec<u8> {
    let mut out = Vec::new();
    for w in [STRINGS_MAGIC, 16, 0, 0] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out
}

/// A USB control request (the SETUP packet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setup {
    pub request_type: u8,
    pub request: u8,
    pub value: u16,
    pub index: u16,
    pub length: u16,
}

impl Setup {
    pub fn dir_in(&self) -> bool {
        self.request_type & 0x80 != 0
    }
}

/// What `ep0` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Bind,
    Unbind,
    Enable,
    Disable,
    Setup(Setup),
    Suspend,
    Resume,
    Unknown(u8),
}

pub const EVENT_SIZE: usize = 12;

/// Parse the events in one read of `ep0`; a trailing partial event is ignored.
pub fn parse_events(buf: &[u8]) -> Vec<Event> {
    buf.chunks_exact(EVENT_SIZE)
        .map(|c| {
            let w = |i: usize| u16::from_le_bytes([c[i], c[i + 1]]);
            match c[8] {
                0 => Event::Bind,
                1 => Event::Unbind,
                2 => Event::Enable,
                3 => Event::Disable,
                4 => Event::Setup(Setup {
                    request_type: c[0],
                    request: c[1],
                    value: w(2),
                    index: w(4),
                    length: w(6),
                }),
                5 => Event::Suspend,
                6 => Event::Resume,
                t => Event::Unknown(t),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_of_a_storage_interface() {
        let i = Interface {
            class: 8,
            subclass: 6,
            protocol: 0x50,
            endpoints: vec![BULK_IN, BULK_OUT],
        };
        let d = descriptors(&i);
        assert_eq!(d.len(), 20 + 2 * (9 + 7 + 7));
        assert_eq!(&d[0..4], &3u32.to_le_bytes());
        assert_eq!(
            u32::from_le_bytes([d[4], d[5], d[6], d[7]]) as usize,
            d.len()
        );
        assert_eq!(&d[12..20], &[3, 0, 0, 0, 3, 0, 0, 0]);
        // full speed: interface, then ep1 IN and ep2 OUT with 64-byte packets
        assert_eq!(&d[20..29], &[9, 4, 0, 0, 2, 8, 6, 0x50, 0]);
        assert_eq!(&d[29..36], &[7, 5, 0x81, 2, 64, 0, 0]);
        assert_eq!(&d[36..43], &[7, 5, 0x02, 2, 64, 0, 0]);
        // high speed: 512-byte bulk packets
        assert_eq!(&d[52..59], &[7, 5, 0x81, 2, 0, 2, 0]);
    }

    #[test]
    fn interface_without_endpoints() {
        let i = Interface {
            class: 0xff,
            subclass: 1,
            protocol: 8,
            endpoints: vec![],
        };
        let d = descriptors(&i);
        assert_eq!(d.len(), 20 + 18);
        assert_eq!(&d[12..20], &[1, 0, 0, 0, 1, 0, 0, 0]);
    }

    #[test]
    fn events_parse_setup_and_ignore_partial() {
        let mut buf = vec![0x21, 0x22, 3, 0, 4, 0, 0, 0, 4, 0, 0, 0];
        buf.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]);
        buf.extend_from_slice(&[1, 2, 3]);
        let ev = parse_events(&buf);
        assert_eq!(
            ev,
            vec![
                Event::Setup(Setup {
                    request_type: 0x21,
                    request: 0x22,
                    value: 3,
                    index: 4,
                    length: 0
                }),
                Event::Enable
            ]
        );
        assert!(!Setup {
            request_type: 0x21,
            request: 0,
            value: 0,
            index: 0,
            length: 0
        }
        .dir_in());
        assert_eq!(parse_events(&[9; 11]), vec![]);
        assert_eq!(
            parse_events(&[0, 0, 0, 0, 0, 0, 0, 0, 77, 0, 0, 0]),
            vec![Event::Unknown(77)]
        );
    }
}
