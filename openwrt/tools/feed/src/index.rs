//! `packages.adb`: the index of a folder of apk v3 packages, as `apk mkndx` writes it
//! (each package's info, its file size, and as `hashes` the SHA-256 of its ADB block),
//! optionally signed.

use crate::adb::{self, Adb, Writer, NULL, T_OBJECT};
use crate::keys::EcKey;
use crate::schema::{self, Node};
use crate::{sha256, Error};

/// A package file read for indexing or installing.
pub struct Package {
    pub container: adb::Container,
    pub info: Node,
    pub tree: Node,
}

impl Package {
    pub fn read(file: &[u8]) -> Result<Self, Error> {
        let raw = adb::decompress(file)?;
        let container = adb::parse(&raw)?;
        if container.schema != adb::SCHEMA_PACKAGE {
            return Err(Error::new("not an apk package (schema is not pckg)"));
        }
        let db = container.adb()?;
        let tree = schema::decode_root(&db, container.schema)
            .ok_or_else(|| Error::new("unreadable package metadata"))?;
        let info = tree
            .get("info")
            .cloned()
            .ok_or_else(|| Error::new("the package has no info"))?;
        Ok(Package {
            container,
            info,
            tree,
        })
    }

    /// The identity the index records: SHA-256 of the ADB block.
    pub fn identity(&self) -> [u8; 32] {
        sha256(&self.container.adb)
    }

    /// Every regular file's bytes by (path index, file index), each checked against
    /// the size and SHA-256 the metadata gives it.
    pub fn checked_files(&self) -> Result<std::collections::BTreeMap<(u32, u32), &[u8]>, Error> {
        let mut data = std::collections::BTreeMap::new();
        for b in self.container.data() {
            if b.payload.len() < 8 {
                return Err(Error::new("a data block is too short"));
            }
            let w = |i: usize| u32::from_le_bytes(b.payload[i..i + 4].try_into().unwrap_or([0; 4]));
            data.insert((w(0), w(4)), &b.payload[8..]);
        }
        let mut out = std::collections::BTreeMap::new();
        for (i, dir) in self.tree.list("paths").iter().enumerate() {
            for (j, f) in dir.list("files").iter().enumerate() {
                if f.get("target").is_some() {
                    continue;
                }
                let key = (i as u32 + 1, j as u32 + 1);
                let size = f.int("size").unwrap_or(0) as usize;
                let body: &[u8] = if size == 0 {
                    &[]
                } else {
                    data.get(&key).copied().unwrap_or(&[])
                };
                if body.len() != size || Some(schema::hex(&sha256(body)).as_str()) != f.str("hash")
                {
                    return Err(Error::new(format!(
                        "/{}/{}: the bytes do not match the hash: the package was changed or damaged",
                        dir.str("name").unwrap_or(""),
                        f.str("name").unwrap_or("")
                    )));
                }
                out.insert(key, body);
            }
        }
        Ok(out)
    }

    /// `NAME-VERSION.apk`, where apk looks for it next to the index.
    pub fn file_name(&self) -> String {
        format!(
            "{}-{}.apk",
            self.info.str("name").unwrap_or(""),
            self.info.str("version").unwrap_or("")
        )
    }
}

/// Writes an index of `files` (file name, bytes), in that order, sorted as apk sorts.
pub fn write_index(files: &[(String, Vec<u8>)], key: Option<&EcKey>) -> Result<Vec<u8>, Error> {
    let mut w = Writer::new();
    // (name, version, identity, value): sorted as apk sorts the index's packages.
    type Entry = (Vec<u8>, Vec<u8>, Vec<u8>, u32);
    let mut pkgs: Vec<Entry> = Vec::new();
    for (fname, bytes) in files {
        let p = Package::read(bytes).map_err(|e| e.at(fname))?;
        let base = fname.rsplit('/').next().unwrap_or(fname);
        if base != p.file_name() {
            return Err(Error::new(format!(
                "{fname}: apk looks for this package as {} (NAME-VERSION.apk); rename it",
                p.file_name()
            )));
        }
        let src = p.container.adb()?;
        let info_v = src.field(src.root(), schema::PKG_INFO);
        let src_slots = src
            .slots(info_v)
            .ok_or_else(|| Error::new(format!("{fname}: the package has no info")))?;
        let mut slots = vec![NULL; schema::PI_MAX - 1];
        for (i, &s) in src_slots.iter().enumerate().take(slots.len()) {
            slots[i] = w.copy(&src, s).map_err(|e| e.at(fname))?;
        }
        slots[schema::PI_FILE_SIZE - 1] = w.int(bytes.len() as u64)?;
        let id = p.identity();
        slots[schema::PI_HASHES - 1] = w.blob(&id)?;
        let v = w.obj(&slots, T_OBJECT)?;
        let name = p.info.str("name").unwrap_or("").as_bytes().to_vec();
        let ver = p.info.str("version").unwrap_or("").as_bytes().to_vec();
        pkgs.push((name, ver, id.to_vec(), v));
    }
    pkgs.sort();
    for pair in pkgs.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(Error::new(format!(
                "two packages named {} in one index: keep one version per feed",
                String::from_utf8_lossy(&pair[0].0)
            )));
        }
    }
    let list: Vec<u32> = pkgs.iter().map(|p| p.3).collect();
    let packages = w.obj(&list, T_OBJECT)?;
    let root = w.obj(&[NULL, packages], T_OBJECT)?;
    w.set_root(root);

    let mut out = b"ADB.".to_vec();
    out.extend_from_slice(&adb::SCHEMA_INDEX.to_le_bytes());
    adb::push_block(&mut out, adb::BLOCK_ADB, &w.buf);
    if let Some(k) = key {
        let sig = k.sign_adb(adb::SCHEMA_INDEX, &w.buf)?;
        adb::push_block(&mut out, adb::BLOCK_SIG, &sig);
    }
    adb::compress(&out)
}

/// Reads an index: its container and its packages' info.
pub fn read_index(file: &[u8]) -> Result<(adb::Container, Vec<Node>), Error> {
    let raw = adb::decompress(file)?;
    let c = adb::parse(&raw)?;
    if c.schema != adb::SCHEMA_INDEX {
        return Err(Error::new("not an apk index (schema is not indx)"));
    }
    let db = Adb::new(&c.adb)?;
    let tree = schema::decode_root(&db, c.schema).ok_or_else(|| Error::new("unreadable index"))?;
    let pkgs = tree.list("packages").to_vec();
    Ok((c, pkgs))
}
