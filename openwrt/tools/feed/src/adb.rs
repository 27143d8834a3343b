//! The apk v3 container ("adb"): values, the writer, the block reader.
//!
//! Format facts (apk-tools' doc/apk-v3.5.scd and its reader): a value is a 32-bit
//! little-endian tag, 4 type bits and 28 bits of immediate value or offset into the ADB
//! block. Blobs carry an 8, 16 or 32-bit length before their bytes; objects and arrays
//! are a vector of slots whose first slot is the slot count. A file is `ADB.` plus the
//! schema tag, then blocks (2 type bits + 30 size bits, padded to 8): one ADB block,
//! SIG blocks, DATA blocks. On disk the whole stream is usually `ADBd` + raw deflate.
//!
//! The writer lays values out in the order they are written and shares identical
//! bytes (a value already written at a suitably aligned offset is reused), which is
//! what apk-tools' writer does: writing the same values in the same order gives the
//! same ADB block.

use std::collections::HashMap;
use std::io::{Read, Write};

use crate::Error;

pub const SCHEMA_PACKAGE: u32 = 0x676b_6370; // "pckg"
pub const SCHEMA_INDEX: u32 = 0x7864_6e69; // "indx"

pub const T_SPECIAL: u32 = 0x0000_0000;
pub const T_INT: u32 = 0x1000_0000;
pub const T_INT32: u32 = 0x2000_0000;
pub const T_INT64: u32 = 0x3000_0000;
pub const T_BLOB8: u32 = 0x8000_0000;
pub const T_BLOB16: u32 = 0x9000_0000;
pub const T_BLOB32: u32 = 0xa000_0000;
pub const T_ARRAY: u32 = 0xd000_0000;
pub const T_OBJECT: u32 = 0xe000_0000;
pub const TYPE_MASK: u32 = 0xf000_0000;
pub const VALUE_MASK: u32 = 0x0fff_ffff;
pub const NULL: u32 = 0;

pub const BLOCK_ADB: u32 = 0;
pub const BLOCK_SIG: u32 = 1;
pub const BLOCK_DATA: u32 = 2;
const BLOCK_EXT: u32 = 3;

/// Builds one ADB block.
pub struct Writer {
    pub buf: Vec<u8>,
    cache: HashMap<Vec<u8>, usize>,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    /// An ADB block with its 8-byte header (compat 0, version 0, root unset).
    pub fn new() -> Self {
        Writer {
            buf: vec![0; 8],
            cache: HashMap::new(),
        }
    }

    fn raw(&mut self, bytes: &[u8], align: usize) -> usize {
        while !self.buf.len().is_multiple_of(align) {
            self.buf.push(0);
        }
        let offs = self.buf.len();
        self.buf.extend_from_slice(bytes);
        offs
    }

    fn data(&mut self, bytes: &[u8], align: usize) -> usize {
        if let Some(&offs) = self.cache.get(bytes) {
            if offs % align == 0 {
                return offs;
            }
        }
        let offs = self.raw(bytes, align);
        self.cache.insert(bytes.to_vec(), offs);
        offs
    }

    fn check(offs: usize) -> Result<usize, Error> {
        if offs > VALUE_MASK as usize {
            return Err(Error::new(
                "the package metadata is larger than the apk format holds (256 MiB)",
            ));
        }
        Ok(offs)
    }

    fn blob_bytes(b: &[u8]) -> (u32, Vec<u8>, usize) {
        let mut v = Vec::with_capacity(b.len() + 4);
        let (ty, align) = if b.len() > 0xffff {
            v.extend_from_slice(&(b.len() as u32).to_le_bytes());
            (T_BLOB32, 4)
        } else if b.len() > 0xff {
            v.extend_from_slice(&(b.len() as u16).to_le_bytes());
            (T_BLOB16, 2)
        } else {
            v.push(b.len() as u8);
            (T_BLOB8, 1)
        };
        v.extend_from_slice(b);
        (ty, v, align)
    }

    /// A blob; the empty blob is NULL (not written).
    pub fn blob(&mut self, b: &[u8]) -> Result<u32, Error> {
        if b.is_empty() {
            return Ok(NULL);
        }
        let (ty, v, align) = Self::blob_bytes(b);
        Ok(ty | Self::check(self.data(&v, align))? as u32)
    }

    /// A blob that is never shared (it is patched after writing: the package's unique id).
    pub fn blob_unshared(&mut self, b: &[u8]) -> Result<(u32, usize), Error> {
        let (ty, v, align) = Self::blob_bytes(b);
        let hdr = v.len() - b.len();
        let offs = Self::check(self.raw(&v, align))?;
        Ok((ty | offs as u32, offs + hdr))
    }

    pub fn int(&mut self, v: u64) -> Result<u32, Error> {
        if v >= 0x1_0000_0000 {
            Ok(T_INT64 | Self::check(self.data(&v.to_le_bytes(), 4))? as u32)
        } else if v >= 0x1000_0000 {
            Ok(T_INT32 | Self::check(self.data(&(v as u32).to_le_bytes(), 4))? as u32)
        } else {
            Ok(T_INT | v as u32)
        }
    }

    /// An object or array from its slots (slot 1 first). Trailing NULL slots are
    /// dropped; nothing set gives NULL.
    pub fn obj(&mut self, slots: &[u32], ty: u32) -> Result<u32, Error> {
        let mut n = slots.len();
        while n > 0 && slots[n - 1] == NULL {
            n -= 1;
        }
        if n == 0 {
            return Ok(NULL);
        }
        let mut v = Vec::with_capacity(4 * (n + 1));
        v.extend_from_slice(&((n + 1) as u32).to_le_bytes());
        for s in &slots[..n] {
            v.extend_from_slice(&s.to_le_bytes());
        }
        Ok(ty | Self::check(self.data(&v, 4))? as u32)
    }

    /// Copies a value of another ADB block into this one, children first.
    pub fn copy(&mut self, src: &Adb, v: u32) -> Result<u32, Error> {
        let ty = v & TYPE_MASK;
        let bad = || Error::new("the package's metadata has a value that points outside it");
        match ty {
            T_SPECIAL | T_INT => Ok(v),
            T_INT32 | T_INT64 => {
                let sz = if ty == T_INT32 { 4 } else { 8 };
                let b = src.slice(v, 0, sz).ok_or_else(bad)?.to_vec();
                Ok(ty | Self::check(self.data(&b, sz))? as u32)
            }
            T_BLOB8 | T_BLOB16 | T_BLOB32 => {
                let hdr = match ty {
                    T_BLOB8 => 1,
                    T_BLOB16 => 2,
                    _ => 4,
                };
                let body = src.blob(v).ok_or_else(bad)?;
                let b = src.slice(v, 0, hdr + body.len()).ok_or_else(bad)?.to_vec();
                Ok(ty | Self::check(self.data(&b, hdr))? as u32)
            }
            T_OBJECT | T_ARRAY => {
                let slots = src.slots(v).ok_or_else(bad)?;
                let mut out = Vec::with_capacity(slots.len());
                for s in slots {
                    out.push(self.copy(src, s)?);
                }
                let mut b = Vec::with_capacity(4 * (out.len() + 1));
                b.extend_from_slice(&((out.len() + 1) as u32).to_le_bytes());
                for s in &out {
                    b.extend_from_slice(&s.to_le_bytes());
                }
                Ok(ty | Self::check(self.data(&b, 4))? as u32)
            }
            _ => Err(bad()),
        }
    }

    pub fn set_root(&mut self, v: u32) {
        self.buf[4..8].copy_from_slice(&v.to_le_bytes());
    }
}

/// A read-only view of one ADB block.
#[derive(Clone, Copy)]
pub struct Adb<'a> {
    pub buf: &'a [u8],
}

impl<'a> Adb<'a> {
    pub fn new(buf: &'a [u8]) -> Result<Self, Error> {
        if buf.len() < 8 {
            return Err(Error::new("ADB block shorter than its header"));
        }
        if buf[0] != 0 {
            return Err(Error::new(format!(
                "ADB compat version {} (this reader knows 0)",
                buf[0]
            )));
        }
        Ok(Adb { buf })
    }

    pub fn root(&self) -> u32 {
        u32::from_le_bytes(self.buf[4..8].try_into().unwrap_or([0; 4]))
    }

    fn slice(&self, v: u32, offs: usize, len: usize) -> Option<&'a [u8]> {
        let start = (v & VALUE_MASK) as usize + offs;
        self.buf.get(start..start.checked_add(len)?)
    }

    fn u32_at(&self, v: u32, offs: usize) -> Option<u32> {
        Some(u32::from_le_bytes(self.slice(v, offs, 4)?.try_into().ok()?))
    }

    pub fn int(&self, v: u32) -> Option<u64> {
        match v & TYPE_MASK {
            T_INT => Some((v & VALUE_MASK) as u64),
            T_INT32 => Some(self.u32_at(v, 0)? as u64),
            T_INT64 => Some(u64::from_le_bytes(self.slice(v, 0, 8)?.try_into().ok()?)),
            _ => None,
        }
    }

    pub fn blob(&self, v: u32) -> Option<&'a [u8]> {
        match v & TYPE_MASK {
            T_BLOB8 => {
                let n = *self.slice(v, 0, 1)?.first()? as usize;
                self.slice(v, 1, n)
            }
            T_BLOB16 => {
                let n = u16::from_le_bytes(self.slice(v, 0, 2)?.try_into().ok()?) as usize;
                self.slice(v, 2, n)
            }
            T_BLOB32 => {
                let n = self.u32_at(v, 0)? as usize;
                self.slice(v, 4, n)
            }
            _ => None,
        }
    }

    /// The slots of an object or array, slot 1 first.
    pub fn slots(&self, v: u32) -> Option<Vec<u32>> {
        let ty = v & TYPE_MASK;
        if ty != T_OBJECT && ty != T_ARRAY {
            return None;
        }
        let n = self.u32_at(v, 0)? as usize;
        if n == 0 || n > self.buf.len() / 4 {
            return None;
        }
        let mut out = Vec::with_capacity(n - 1);
        for i in 1..n {
            out.push(self.u32_at(v, 4 * i)?);
        }
        Some(out)
    }

    /// Slot `i` (1-based) of an object, NULL when absent.
    pub fn field(&self, v: u32, i: usize) -> u32 {
        self.slots(v)
            .and_then(|s| s.get(i - 1).copied())
            .unwrap_or(NULL)
    }
}

/// One block of a container, as found.
pub struct Block {
    pub kind: u32,
    pub offset: usize,
    pub payload: Vec<u8>,
}

/// A parsed container: the schema, the ADB block, the SIG and DATA blocks in order.
pub struct Container {
    pub schema: u32,
    pub adb: Vec<u8>,
    pub blocks: Vec<Block>,
}

impl Container {
    pub fn sigs(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(|b| b.kind == BLOCK_SIG)
    }
    pub fn data(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(|b| b.kind == BLOCK_DATA)
    }
    pub fn adb(&self) -> Result<Adb<'_>, Error> {
        Adb::new(&self.adb)
    }
}

/// Undoes the file's compression: `ADBd` + raw deflate, or a plain `ADB.` stream.
pub fn decompress(file: &[u8]) -> Result<Vec<u8>, Error> {
    if file.starts_with(b"ADB.") {
        return Ok(file.to_vec());
    }
    if file.starts_with(b"ADBd") {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&file[4..])
            .read_to_end(&mut out)
            .map_err(|e| Error::new(format!("the deflate stream is damaged: {e}")))?;
        return Ok(out);
    }
    if file.starts_with(b"ADBc") {
        return Err(Error::new(
            "compressed with a method other than deflate (OpenWrt's apk reads deflate only)",
        ));
    }
    Err(Error::new("not an apk v3 file (no ADB magic)"))
}

/// Raw deflate at level 9, as apk-tools writes it.
pub fn compress(stream: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = b"ADBd".to_vec();
    let mut enc = flate2::write::DeflateEncoder::new(&mut out, flate2::Compression::new(9));
    enc.write_all(stream)
        .and_then(|_| enc.finish().map(|_| ()))
        .map_err(|e| Error::new(format!("deflate: {e}")))?;
    Ok(out)
}

/// Splits an uncompressed stream into its blocks, checking their order.
pub fn parse(raw: &[u8]) -> Result<Container, Error> {
    if raw.len() < 8 || &raw[..4] != b"ADB." {
        return Err(Error::new("no ADB. header"));
    }
    let schema = u32::from_le_bytes(raw[4..8].try_into().unwrap_or([0; 4]));
    let mut off = 8;
    let mut blocks = Vec::new();
    let mut adb = None;
    let mut allowed = 1u32 << BLOCK_ADB;
    while off < raw.len() {
        let head = raw
            .get(off..off + 4)
            .ok_or_else(|| Error::new("truncated block header"))?;
        let ts = u32::from_le_bytes(head.try_into().unwrap_or([0; 4]));
        let (kind, hdr, size) = if ts >> 30 == BLOCK_EXT {
            let x = raw
                .get(off + 8..off + 16)
                .ok_or_else(|| Error::new("truncated block header"))?;
            (
                ts & 0x3fff_ffff,
                16usize,
                u64::from_le_bytes(x.try_into().unwrap_or([0; 8])) as usize,
            )
        } else {
            (ts >> 30, 4usize, (ts & 0x3fff_ffff) as usize)
        };
        if size < hdr || kind > BLOCK_DATA {
            return Err(Error::new(format!("bad block at offset {off}")));
        }
        if allowed & (1 << kind) == 0 {
            return Err(Error::new(format!(
                "block of type {kind} out of order at offset {off}"
            )));
        }
        let payload = raw
            .get(off + hdr..off + size)
            .ok_or_else(|| Error::new(format!("block at offset {off} runs past the end")))?;
        match kind {
            BLOCK_ADB => {
                adb = Some(payload.to_vec());
                allowed = (1 << BLOCK_SIG) | (1 << BLOCK_DATA);
            }
            BLOCK_DATA => allowed = 1 << BLOCK_DATA,
            _ => {}
        }
        blocks.push(Block {
            kind,
            offset: off,
            payload: payload.to_vec(),
        });
        off += (size + 7) & !7;
    }
    let adb = adb.ok_or_else(|| Error::new("no ADB block"))?;
    Adb::new(&adb)?;
    Ok(Container {
        schema,
        adb,
        blocks,
    })
}

/// Appends one block (header, payload, zero padding to 8 bytes).
pub fn push_block(out: &mut Vec<u8>, kind: u32, payload: &[u8]) {
    let size = 4 + payload.len();
    out.extend_from_slice(&((kind << 30) + size as u32).to_le_bytes());
    out.extend_from_slice(payload);
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
}
