//! USB mass storage, bulk-only transport: parse a CBW, answer the SCSI command, build
//! the CSW. Pure: the caller moves the bytes over the endpoints.
//!
//! Answers what Linux's usb-storage, sd and sr send to a stick: INQUIRY, TEST UNIT
//! READY, REQUEST SENSE, READ CAPACITY(10), MODE SENSE(6/10), PREVENT ALLOW MEDIUM
//! REMOVAL, START STOP UNIT, READ(10), WRITE(10) (disk only), SYNCHRONIZE CACHE,
//! READ TOC (CD-ROM only). Anything else fails with ILLEGAL REQUEST / INVALID
//! COMMAND OPERATION CODE, as a simple real device does.

pub const CBW_LEN: usize = 31;
pub const CSW_LEN: usize = 13;

/// A Command Block Wrapper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cbw {
    pub tag: [u8; 4],
    pub data_len: u32,
    pub dir_in: bool,
    pub lun: u8,
    pub cdb: [u8; 16],
}

/// Parse 31 bytes starting with "USBC". The CB length byte is not checked: the Huawei
/// switch message carries 0 there and the stick still acts on it.
pub fn parse_cbw(b: &[u8]) -> Option<Cbw> {
    if b.len() != CBW_LEN || b.get(0..4)? != b"USBC" {
        return None;
    }
    let mut tag = [0; 4];
    tag.copy_from_slice(b.get(4..8)?);
    let data_len = u32::from_le_bytes(b.get(8..12)?.try_into().ok()?);
    let mut cdb = [0; 16];
    cdb.copy_from_slice(b.get(15..31)?);
    Some(Cbw {
        tag,
        data_len,
        dir_in: b[12] & 0x80 != 0,
        lun: b[13] & 0x0f,
        cdb,
    })
}

/// The Huawei mode-switch command: vendor opcode 0x11, 0x06 (both the 2011 message and
/// the "HuaweiNew" one start their CDB this way).
pub fn is_huawei_switch(c: &Cbw) -> bool {
    c.cdb[0] == 0x11 && c.cdb[1] == 0x06
}

pub const STATUS_GOOD: u8 = 0;
pub const STATUS_FAILED: u8 = 1;

/// A Command Status Wrapper.
pub fn csw(tag: [u8; 4], residue: u32, status: u8) -> [u8; CSW_LEN] {
    let mut out = [0; CSW_LEN];
    out[0..4].copy_from_slice(b"USBS");
    out[4..8].copy_from_slice(&tag);
    out[8..12].copy_from_slice(&residue.to_le_bytes());
    out[12] = status;
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Medium {
    /// Read-only CD-ROM, 2048-byte blocks (the stick's fake CD with the Windows driver).
    CdRom,
    /// Writable disk, 512-byte blocks.
    Disk,
}

/// What to do after a CBW: send `data` to the host (for a data-IN command), or take
/// `out_len` bytes from the host and give them to [`Lun::data_out`]; then the CSW.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub data: Vec<u8>,
    pub status: u8,
}

/// One logical unit with its medium and sense state.
pub struct Lun {
    pub medium: Medium,
    inquiry_id: [u8; 28],
    image: Vec<u8>,
    sense: (u8, u8, u8),
    pending_write: Option<(u64, usize)>,
}

const KEY_NOT_READY: u8 = 2;
const KEY_ILLEGAL: u8 = 5;
const KEY_DATA_PROTECT: u8 = 7;

fn pad(s: &str, n: usize) -> Vec<u8> {
    let mut v: Vec<u8> = s.bytes().take(n).collect();
    v.resize(n, b' ');
    v
}

impl Lun {
    /// `image` is rounded up to whole blocks; an empty image means no medium (an
    /// empty card reader: NOT READY, MEDIUM NOT PRESENT).
    pub fn new(
        medium: Medium,
        vendor: &str,
        product: &str,
        revision: &str,
        mut image: Vec<u8>,
    ) -> Lun {
        let mut inquiry_id = [0; 28];
        let id: Vec<u8> = [pad(vendor, 8), pad(product, 16), pad(revision, 4)].concat();
        inquiry_id.copy_from_slice(&id);
        let bs = Self::block_size_of(medium);
        let blocks = image.len().div_ceil(bs);
        image.resize(blocks * bs, 0);
        Lun {
            medium,
            inquiry_id,
            image,
            sense: (0, 0, 0),
            pending_write: None,
        }
    }

    fn block_size_of(m: Medium) -> usize {
        match m {
            Medium::CdRom => 2048,
            Medium::Disk => 512,
        }
    }

    pub fn block_size(&self) -> usize {
        Self::block_size_of(self.medium)
    }

    fn blocks(&self) -> usize {
        self.image.len() / self.block_size()
    }

    fn fail(&mut self, key: u8, asc: u8, ascq: u8) -> Reply {
        self.sense = (key, asc, ascq);
        Reply {
            data: Vec::new(),
            status: STATUS_FAILED,
        }
    }

    fn good(&mut self, data: Vec<u8>) -> Reply {
        self.sense = (0, 0, 0);
        Reply {
            data,
            status: STATUS_GOOD,
        }
    }

    /// Block range of a READ(10)/WRITE(10), if inside the medium.
    fn range10(&self, cdb: &[u8; 16]) -> Option<(usize, usize)> {
        let lba = u32::from_be_bytes([cdb[2], cdb[3], cdb[4], cdb[5]]) as usize;
        let count = u16::from_be_bytes([cdb[7], cdb[8]]) as usize;
        let bs = self.block_size();
        let end = lba.checked_add(count)?;
        (end <= self.blocks()).then_some((lba * bs, count * bs))
    }

    /// Answer one command. A data-OUT command (WRITE) returns how many bytes to take
    /// from the host in `Reply::data.len()` == 0 and [`Lun::out_len`].
    pub fn command(&mut self, cbw: &Cbw) -> Reply {
        let c = &cbw.cdb;
        self.pending_write = None;
        if self.blocks() == 0 && !matches!(c[0], 0x03 | 0x12 | 0x1e | 0x1b) {
            return self.fail(KEY_NOT_READY, 0x3a, 0);
        }
        match c[0] {
            0x00 | 0x1e | 0x1b | 0x35 => self.good(Vec::new()), // TUR, PREVENT, START STOP, SYNC
            0x03 => {
                let (k, a, q) = self.sense;
                let mut d = vec![0x70, 0, k, 0, 0, 0, 0, 10, 0, 0, 0, 0, a, q, 0, 0, 0, 0];
                d.truncate(c[4] as usize);
                self.good(d)
            }
            0x12 if c[1] & 1 != 0 => self.fail(KEY_ILLEGAL, 0x24, 0), // no VPD pages
            0x12 => {
                let (pdt, rmb) = match self.medium {
                    Medium::CdRom => (5, 0x80),
                    Medium::Disk => (0, 0x80),
                };
                let mut d = vec![pdt, rmb, 2, 2, 31, 0, 0, 0];
                d.extend_from_slice(&self.inquiry_id);
                d.truncate(u16::from_be_bytes([c[3], c[4]]) as usize);
                self.good(d)
            }
            0x25 => {
                let last = self.blocks().saturating_sub(1) as u32;
                let mut d = last.to_be_bytes().to_vec();
                d.extend_from_slice(&(self.block_size() as u32).to_be_bytes());
                self.good(d)
            }
            0x1a => {
                let wp = if self.medium == Medium::CdRom {
                    0x80
                } else {
                    0
                };
                let mut d = vec![3, 0, wp, 0];
                d.truncate(c[4] as usize);
                self.good(d)
            }
            0x5a => {
                let wp = if self.medium == Medium::CdRom {
                    0x80
                } else {
                    0
                };
                let mut d = vec![0, 6, 0, wp, 0, 0, 0, 0];
                d.truncate(u16::from_be_bytes([c[7], c[8]]) as usize);
                self.good(d)
            }
            0x28 => match self.range10(c) {
                Some((off, len)) => {
                    let d = self
                        .image
                        .get(off..off + len)
                        .map(<[u8]>::to_vec)
                        .unwrap_or_default();
                    self.good(d)
                }
                None => self.fail(KEY_ILLEGAL, 0x21, 0),
            },
            0x2a if self.medium == Medium::CdRom => self.fail(KEY_DATA_PROTECT, 0x27, 0),
            0x2a => match self.range10(c) {
                Some((off, len)) => {
                    self.pending_write = Some((off as u64, len));
                    self.good(Vec::new())
                }
                None => self.fail(KEY_ILLEGAL, 0x21, 0),
            },
            0x43 if self.medium == Medium::CdRom => {
                // READ TOC format 0: one data track at LBA 0, then the lead-out.
                let n = (self.blocks() as u32).to_be_bytes();
                let mut d = vec![0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0, 0, 0x14, 0xaa, 0];
                d.extend_from_slice(&n);
                d.truncate(u16::from_be_bytes([c[7], c[8]]) as usize);
                self.good(d)
            }
            _ => self.fail(KEY_ILLEGAL, 0x20, 0),
        }
    }

    /// Bytes a just-accepted WRITE(10) expects from the host (0 otherwise).
    pub fn out_len(&self) -> usize {
        self.pending_write.map(|(_, l)| l).unwrap_or(0)
    }

    /// Store the data of the pending WRITE(10).
    pub fn data_out(&mut self, data: &[u8]) {
        if let Some((off, len)) = self.pending_write.take() {
            let off = off as usize;
            let n = len.min(data.len());
            if let Some(dst) = self.image.get_mut(off..off + n) {
                dst.copy_from_slice(&data[..n]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cbw(data_len: u32, dir_in: bool, cdb: &[u8]) -> Cbw {
        let mut c = [0; 16];
        c[..cdb.len()].copy_from_slice(cdb);
        Cbw {
            tag: [1, 2, 3, 4],
            data_len,
            dir_in,
            lun: 0,
            cdb: c,
        }
    }

    fn cd() -> Lun {
        Lun::new(
            Medium::CdRom,
            "HUAWEI",
            "Mass Storage",
            "2.31",
            vec![7; 5000],
        )
    }

    #[test]
    fn both_switch_messages_are_recognised() {
        for hex in [
            "55534243123456780000000000000011062000000100000000000000000000",
            "55534243123456780000000000000011062000000101000100000000000000",
        ] {
            let b: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            let c = parse_cbw(&b).unwrap();
            assert!(is_huawei_switch(&c));
            assert_eq!(c.tag, [0x12, 0x34, 0x56, 0x78]);
            assert_eq!(c.data_len, 0);
            assert_eq!(
                &csw(c.tag, 0, STATUS_GOOD)[..],
                &[b'U', b'S', b'B', b'S', 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, 0]
            );
        }
        // an ordinary INQUIRY is not a switch; garbage is not a CBW
        let mut inq =
            b"USBC\x01\x00\x00\x00\x24\x00\x00\x00\x80\x00\x06\x12\x00\x00\x00\x24".to_vec();
        inq.resize(31, 0);
        assert!(!is_huawei_switch(&parse_cbw(&inq).unwrap()));
        assert_eq!(parse_cbw(&inq[..30]), None);
        let mut bad = inq.clone();
        bad[0] = b'X';
        assert_eq!(parse_cbw(&bad), None);
    }

    #[test]
    fn inquiry_says_huawei_cdrom() {
        let mut l = cd();
        let r = l.command(&cbw(36, true, &[0x12, 0, 0, 0, 36, 0]));
        assert_eq!(r.status, STATUS_GOOD);
        assert_eq!(r.data.len(), 36);
        assert_eq!(r.data[0], 5);
        assert_eq!(&r.data[8..36], b"HUAWEI  Mass Storage    2.31");
        // allocation length is honoured
        assert_eq!(
            l.command(&cbw(5, true, &[0x12, 0, 0, 0, 5, 0])).data.len(),
            5
        );
    }

    #[test]
    fn capacity_and_read_of_the_image() {
        let mut l = cd();
        let r = l.command(&cbw(8, true, &[0x25]));
        assert_eq!(r.data, vec![0, 0, 0, 2, 0, 0, 8, 0]); // 3 blocks of 2048: last LBA 2
        let r = l.command(&cbw(2048, true, &[0x28, 0, 0, 0, 0, 2, 0, 0, 1, 0]));
        assert_eq!(r.status, STATUS_GOOD);
        assert_eq!(r.data.len(), 2048);
        // 5000 bytes of 7s end at offset 904 of block 2; the rest is padding
        assert_eq!((r.data[903], r.data[904], r.data[2047]), (7, 0, 0));
        let r = l.command(&cbw(2048, true, &[0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]));
        assert_eq!(r.data[0], 7);
    }

    #[test]
    fn out_of_range_read_fails_with_sense() {
        let mut l = cd();
        let r = l.command(&cbw(2048, true, &[0x28, 0, 0, 0, 0, 3, 0, 0, 1, 0]));
        assert_eq!(r.status, STATUS_FAILED);
        let r = l.command(&cbw(18, true, &[0x03, 0, 0, 0, 18, 0]));
        assert_eq!((r.data[2], r.data[12]), (5, 0x21));
        // the sense is consumed
        let r = l.command(&cbw(18, true, &[0x03, 0, 0, 0, 18, 0]));
        assert_eq!((r.data[2], r.data[12]), (0, 0));
        // a huge LBA does not overflow
        let r = l.command(&cbw(
            512,
            true,
            &[0x28, 0, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0],
        ));
        assert_eq!(r.status, STATUS_FAILED);
    }

    #[test]
    fn unknown_opcode_is_illegal_request() {
        let mut l = cd();
        let r = l.command(&cbw(8, true, &[0x46]));
        assert_eq!(r.status, STATUS_FAILED);
        assert!(r.data.is_empty());
        assert_eq!(
            l.command(&cbw(18, true, &[0x03, 0, 0, 0, 18])).data[12],
            0x20
        );
    }

    #[test]
    fn empty_reader_is_not_ready() {
        let mut l = Lun::new(Medium::Disk, "HUAWEI", "Mass Storage", "2.31", Vec::new());
        assert_eq!(
            l.command(&cbw(36, true, &[0x12, 0, 0, 0, 36, 0])).data[0],
            0
        );
        assert_eq!(l.command(&cbw(0, false, &[0x00])).status, STATUS_FAILED);
        assert_eq!(
            l.command(&cbw(18, true, &[0x03, 0, 0, 0, 18])).data[2..3],
            [2]
        );
        assert_eq!(l.command(&cbw(8, true, &[0x25])).status, STATUS_FAILED);
    }

    #[test]
    fn disk_write_then_read() {
        let mut l = Lun::new(Medium::Disk, "Umodem", "Test disk", "1.0", vec![0; 1024]);
        let r = l.command(&cbw(512, false, &[0x2a, 0, 0, 0, 0, 1, 0, 0, 1, 0]));
        assert_eq!(r.status, STATUS_GOOD);
        assert_eq!(l.out_len(), 512);
        l.data_out(&[9; 512]);
        let r = l.command(&cbw(512, true, &[0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0]));
        assert_eq!(r.data, vec![9; 512]);
        // the CD-ROM refuses writes
        let mut c = cd();
        assert_eq!(
            c.command(&cbw(2048, false, &[0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0]))
                .status,
            STATUS_FAILED
        );
        assert_eq!(c.out_len(), 0);
    }
}
