//! Packing a payload tree into an apk v3 package, as `apk mkpkg` does, and the parts
//! OpenWrt's packer adds (include/package-pack.mk): `/lib/apk/packages/NAME.list`,
//! `.conffiles`, `.conffiles_static`, and the post-install / post-upgrade /
//! pre-deinstall scripts that call `default_postinst` / `default_prerm`.

use std::collections::BTreeMap;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use crate::adb::{self, Writer, NULL, T_OBJECT};
use crate::schema::{self, SCRIPTS};
use crate::{sha256, Error};

/// A regular file or a symlink in a payload tree.
#[derive(Clone, Debug)]
pub enum Entry {
    File { mode: u32, data: Vec<u8> },
    Symlink { target: Vec<u8> },
}

/// A payload tree: directory path (relative, "" for the root) -> its entries by name.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub dirs: BTreeMap<String, BTreeMap<String, Entry>>,
}

/// Longest file name the formats hold (NAME_MAX on the router).
const NAME_MAX: usize = 255;

fn check_name(name: &std::ffi::OsStr, parent: &Path) -> Result<String, Error> {
    let shown = parent.join(name).display().to_string();
    let s = name.to_str().ok_or_else(|| {
        Error::new(format!(
            "{shown}: the file name is not UTF-8; package file lists are text, rename it"
        ))
    })?;
    if s.chars().any(|c| c.is_control()) {
        return Err(Error::new(format!(
            "{}: the file name has a control character (newline, tab, ...): the package's file list cannot hold it; rename it",
            shown.escape_debug()
        )));
    }
    if s.len() > NAME_MAX {
        return Err(Error::new(format!(
            "{shown}: the file name is longer than {NAME_MAX} bytes"
        )));
    }
    Ok(s.to_string())
}

impl Tree {
    /// Reads a directory tree. Modes are normalised as OpenWrt's ipkg packing does here
    /// (directories and executables 0755, other files 0644); owners are root. Sockets,
    /// FIFOs and device nodes are refused.
    pub fn scan(root: &Path) -> Result<Tree, Error> {
        let meta = std::fs::symlink_metadata(root).map_err(|e| {
            Error::new(format!(
                "cannot read the package tree {}: {e}",
                root.display()
            ))
        })?;
        if !meta.is_dir() {
            return Err(Error::new(format!(
                "the package tree {} is not a directory",
                root.display()
            )));
        }
        let mut tree = Tree::default();
        tree.scan_dir(root, "")?;
        Ok(tree)
    }

    fn scan_dir(&mut self, root: &Path, rel: &str) -> Result<(), Error> {
        let dir = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(rel)
        };
        let mut entries = BTreeMap::new();
        let rd = std::fs::read_dir(&dir)
            .map_err(|e| Error::new(format!("cannot read directory {}: {e}", dir.display())))?;
        let mut subdirs = Vec::new();
        for de in rd {
            let de = de
                .map_err(|e| Error::new(format!("cannot read directory {}: {e}", dir.display())))?;
            let name = check_name(&de.file_name(), &dir)?;
            let path = de.path();
            let md = std::fs::symlink_metadata(&path)
                .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
            let ft = md.file_type();
            if ft.is_dir() {
                subdirs.push(if rel.is_empty() {
                    name
                } else {
                    format!("{rel}/{name}")
                });
            } else if ft.is_file() {
                let data = std::fs::read(&path)
                    .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
                let mode = if md.mode() & 0o111 != 0 { 0o755 } else { 0o644 };
                entries.insert(name, Entry::File { mode, data });
            } else if ft.is_symlink() {
                let t = std::fs::read_link(&path)
                    .map_err(|e| Error::new(format!("cannot read link {}: {e}", path.display())))?;
                use std::os::unix::ffi::OsStrExt;
                entries.insert(
                    name,
                    Entry::Symlink {
                        target: t.as_os_str().as_bytes().to_vec(),
                    },
                );
            } else {
                let kind = if ft.is_fifo() {
                    "a FIFO"
                } else if ft.is_socket() {
                    "a socket"
                } else {
                    "a device node"
                };
                return Err(Error::new(format!(
                    "{} is {kind}: a package holds only files, links and directories",
                    path.display()
                )));
            }
        }
        self.dirs.insert(rel.to_string(), entries);
        for d in subdirs {
            self.scan_dir(root, &d)?;
        }
        Ok(())
    }

    /// Adds a file, creating its parent directories.
    pub fn add_file(&mut self, path: &str, mode: u32, data: Vec<u8>) {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let mut d = String::new();
        for part in dir.split('/').filter(|p| !p.is_empty()) {
            if !d.is_empty() {
                d.push('/');
            }
            d.push_str(part);
            self.dirs.entry(d.clone()).or_default();
        }
        self.dirs.entry(String::new()).or_default();
        self.dirs
            .entry(dir.to_string())
            .or_default()
            .insert(name.to_string(), Entry::File { mode, data });
    }

    /// Every file and link as `/path`, sorted bytewise (OpenWrt's NAME.list).
    pub fn list(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .dirs
            .iter()
            .flat_map(|(d, es)| {
                es.keys().map(move |n| {
                    if d.is_empty() {
                        format!("/{n}")
                    } else {
                        format!("/{d}/{n}")
                    }
                })
            })
            .collect();
        v.sort();
        v
    }

    pub fn file(&self, path: &str) -> Option<&[u8]> {
        let p = path.trim_start_matches('/');
        let (dir, name) = p.rsplit_once('/').unwrap_or(("", p));
        match self.dirs.get(dir)?.get(name)? {
            Entry::File { data, .. } => Some(data),
            Entry::Symlink { .. } => None,
        }
    }
}

/// A package's metadata (the `--info` fields of `apk mkpkg`).
#[derive(Clone, Debug, Default)]
pub struct Meta {
    pub name: String,
    pub version: String,
    pub description: String,
    pub arch: String,
    pub license: String,
    pub origin: String,
    pub maintainer: String,
    pub url: String,
    pub depends: Vec<String>,
    pub provides: Vec<String>,
}

/// Scripts by slot name (`post-install`, ...).
pub type Scripts = BTreeMap<String, Vec<u8>>;

/// apk's package name rule: a letter or digit first, then letters, digits, `+-._`.
pub fn check_pkgname(n: &str) -> Result<(), Error> {
    let ok = n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-._".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::new(format!(
            "'{n}' is not a valid package name (letters, digits, + - . _; a letter or digit first)"
        )))
    }
}

/// apk's version rule: digits separated by dots, an optional letter, `_suffixN`s and `-rN`.
pub fn check_version(v: &str) -> Result<(), Error> {
    let bad = || Error::new(format!("'{v}' is not an apk version (like 1.2.3-r1)"));
    let (main, rel) = match v.rsplit_once("-r") {
        Some((m, r)) if !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()) => (m, Some(r)),
        _ => (v, None),
    };
    let _ = rel;
    let mut parts = main.split('_');
    let num = parts.next().ok_or_else(bad)?;
    let num = num
        .strip_suffix(|c: char| c.is_ascii_lowercase())
        .unwrap_or(num);
    if num.is_empty()
        || num
            .split('.')
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    for s in parts {
        let word = s.trim_end_matches(|c: char| c.is_ascii_digit());
        if !["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"].contains(&word) {
            return Err(bad());
        }
    }
    Ok(())
}

/// Parses one dependency `[!]name[op version]` into (name, version, match).
pub fn parse_dep(d: &str) -> Result<(String, Option<String>, u64), Error> {
    let bad = || {
        Error::new(format!(
            "'{d}' is not a dependency (name, or name>=version, ...)"
        ))
    };
    let (conflict, rest) = match d.strip_prefix('!') {
        Some(r) => (16u64, r),
        None => (0, d),
    };
    let cut = rest.find(['<', '>', '=', '~']);
    let Some(cut) = cut else {
        if rest.is_empty()
            || !rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-._:/[],".contains(c))
        {
            return Err(bad());
        }
        return Ok((rest.to_string(), None, conflict | 7));
    };
    let (name, tail) = rest.split_at(cut);
    let opend = tail
        .find(|c: char| !"<>=~".contains(c))
        .unwrap_or(tail.len());
    let (op, ver) = tail.split_at(opend);
    let mut m = 0;
    for c in op.chars() {
        m |= match c {
            '<' => 2,
            '>' => 4,
            '=' => 1,
            _ => 9,
        };
    }
    if name.is_empty() || ver.is_empty() {
        return Err(bad());
    }
    check_version(ver).map_err(|_| bad())?;
    Ok((name.to_string(), Some(ver.to_string()), conflict | m))
}

/// Writes a dependency array from its string form (sorted, duplicates dropped).
fn write_deps(w: &mut Writer, deps: &[String]) -> Result<u32, Error> {
    let mut items: Vec<(String, Option<String>, u64, u32)> = Vec::new();
    for d in deps.iter().flat_map(|d| d.split_whitespace()) {
        let (name, ver, op) = parse_dep(d)?;
        let n = w.blob(name.as_bytes())?;
        let mut slots = vec![n, NULL, NULL];
        if op != 7 {
            slots[1] = w.blob(ver.as_deref().unwrap_or("").as_bytes())?;
            if op != 1 {
                slots[2] = w.int(op)?;
            }
        }
        let v = w.obj(&slots, T_OBJECT)?;
        items.push((name, ver, if slots[2] == NULL { 0 } else { op }, v));
    }
    items.sort_by(|a, b| {
        a.0.as_bytes()
            .cmp(b.0.as_bytes())
            .then(a.1.cmp(&b.1))
            .then(a.2.cmp(&b.2))
    });
    items.dedup_by(|a, b| a.3 == b.3);
    let slots: Vec<u32> = items.iter().map(|i| i.3).collect();
    w.obj(&slots, T_OBJECT)
}

/// Packs `tree` with `meta` and `scripts` into an apk v3 package, exactly as
/// `apk mkpkg` lays it out. `mtime` is every file's time (SOURCE_DATE_EPOCH).
/// Returns the compressed file.
pub fn write_apk(
    tree: &Tree,
    meta: &Meta,
    scripts: &Scripts,
    mtime: u64,
) -> Result<Vec<u8>, Error> {
    check_pkgname(&meta.name)?;
    check_version(&meta.version)?;
    let mut w = Writer::new();
    let mut info = vec![NULL; schema::PI_MAX - 1];
    let strings = [
        (schema::PI_NAME, &meta.name),
        (schema::PI_VERSION, &meta.version),
        (schema::PI_DESCRIPTION, &meta.description),
        (schema::PI_ARCH, &meta.arch),
        (schema::PI_LICENSE, &meta.license),
        (schema::PI_ORIGIN, &meta.origin),
        (schema::PI_MAINTAINER, &meta.maintainer),
        (schema::PI_URL, &meta.url),
    ];
    for (i, s) in strings {
        info[i - 1] = w.blob(s.as_bytes())?;
    }
    info[schema::PI_DEPENDS - 1] = write_deps(&mut w, &meta.depends)?;
    info[schema::PI_PROVIDES - 1] = write_deps(&mut w, &meta.provides)?;

    let mut installed: u64 = 0;
    let mut dirs = Vec::new();
    for (dname, entries) in &tree.dirs {
        let mut files = Vec::new();
        for (fname, e) in entries {
            let n = w.blob(fname.as_bytes())?;
            let mut slots = vec![n, NULL, NULL, NULL, NULL, NULL];
            let (mode, size) = match e {
                Entry::File { mode, data } => {
                    slots[schema::FI_HASH - 1] = w.blob(&sha256(data))?;
                    installed += data.len() as u64;
                    (*mode, data.len() as u64)
                }
                Entry::Symlink { target } => {
                    let mut t = 0o120000u16.to_le_bytes().to_vec();
                    t.extend_from_slice(target);
                    slots[schema::FI_TARGET - 1] = w.blob(&t)?;
                    (0o777, target.len() as u64)
                }
            };
            slots[schema::FI_MTIME - 1] = w.int(mtime)?;
            slots[schema::FI_SIZE - 1] = w.int(size)?;
            let acl = acl(&mut w, mode)?;
            slots[schema::FI_ACL - 1] = acl;
            files.push(w.obj(&slots, T_OBJECT)?);
        }
        let n = w.blob(dname.as_bytes())?;
        let acl = acl(&mut w, 0o755)?;
        let f = w.obj(&files, T_OBJECT)?;
        dirs.push(w.obj(&[n, acl, f], T_OBJECT)?);
    }
    let has_scripts = !scripts.is_empty();
    if installed == 0 && (!tree.dirs.is_empty() || has_scripts) {
        installed = 1;
    }
    info[schema::PI_INSTALLED_SIZE - 1] = w.int(installed)?;
    let (hv, uid_at) = w.blob_unshared(&[0u8; 20])?;
    info[schema::PI_HASHES - 1] = hv;
    let info_v = w.obj(&info, T_OBJECT)?;
    let paths_v = w.obj(&dirs, T_OBJECT)?;
    let mut pkg = vec![info_v, paths_v];
    if has_scripts {
        let mut s = Vec::new();
        for name in SCRIPTS {
            s.push(match scripts.get(name) {
                Some(b) => w.blob(b)?,
                None => NULL,
            });
        }
        for k in scripts.keys() {
            if !SCRIPTS.contains(&k.as_str()) {
                return Err(Error::new(format!(
                    "'{k}' is not an apk script slot (one of {})",
                    SCRIPTS.join(", ")
                )));
            }
        }
        pkg.push(w.obj(&s, T_OBJECT)?);
    }
    let root = w.obj(&pkg, T_OBJECT)?;
    w.set_root(root);
    let uid = sha256(&w.buf);
    w.buf[uid_at..uid_at + 20].copy_from_slice(&uid[..20]);

    let mut out = b"ADB.".to_vec();
    out.extend_from_slice(&adb::SCHEMA_PACKAGE.to_le_bytes());
    adb::push_block(&mut out, adb::BLOCK_ADB, &w.buf);
    for (i, (_, entries)) in tree.dirs.iter().enumerate() {
        for (j, e) in entries.values().enumerate() {
            if let Entry::File { data, .. } = e {
                if data.is_empty() {
                    continue;
                }
                if data.len() > 0x3fff_ffe0 {
                    return Err(Error::new(
                        "a file larger than 1 GiB cannot go into one apk data block",
                    ));
                }
                let mut p = Vec::with_capacity(8 + data.len());
                p.extend_from_slice(&(i as u32 + 1).to_le_bytes());
                p.extend_from_slice(&(j as u32 + 1).to_le_bytes());
                p.extend_from_slice(data);
                adb::push_block(&mut out, adb::BLOCK_DATA, &p);
            }
        }
    }
    adb::compress(&out)
}

fn acl(w: &mut Writer, mode: u32) -> Result<u32, Error> {
    let m = w.int(mode as u64)?;
    let u = w.blob(b"root")?;
    let g = w.blob(b"root")?;
    w.obj(&[m, u, g], T_OBJECT)
}

/// OpenWrt's apk maintainer scripts for a package without scripts of its own
/// (include/package-pack.mk): they call default_postinst / default_prerm, which run the
/// package's uci-defaults and enable or stop its init scripts.
pub fn openwrt_scripts(name: &str) -> Scripts {
    let post_install = format!(
        "#!/bin/sh\n\
         [ \"${{IPKG_NO_SCRIPT}}\" = \"1\" ] && exit 0\n\
         [ -s ${{IPKG_INSTROOT}}/lib/functions.sh ] || exit 0\n\
         . ${{IPKG_INSTROOT}}/lib/functions.sh\n\
         export root=\"${{IPKG_INSTROOT}}\"\n\
         export pkgname=\"{name}\"\n\
         add_group_and_user\n\
         default_postinst\n"
    );
    let post_upgrade = format!(
        "#!/bin/sh\nexport PKG_UPGRADE=1\n{}",
        post_install.trim_start_matches("#!/bin/sh\n")
    );
    let pre_deinstall = format!(
        "#!/bin/sh\n\
         [ -s ${{IPKG_INSTROOT}}/lib/functions.sh ] || exit 0\n\
         . ${{IPKG_INSTROOT}}/lib/functions.sh\n\
         export root=\"${{IPKG_INSTROOT}}\"\n\
         export pkgname=\"{name}\"\n\
         default_prerm\n"
    );
    let mut s = Scripts::new();
    s.insert("post-install".into(), post_install.into_bytes());
    s.insert("post-upgrade".into(), post_upgrade.into_bytes());
    s.insert("pre-deinstall".into(), pre_deinstall.into_bytes());
    s
}

/// Adds OpenWrt's `/lib/apk/packages/NAME.{list,conffiles,conffiles_static}` to a tree.
/// The list is made before these files are added, as OpenWrt's packer does.
pub fn add_openwrt_files(tree: &mut Tree, name: &str, conffiles: &[String]) -> Result<(), Error> {
    let list: String = tree.list().iter().map(|p| format!("{p}\n")).collect();
    let base = format!("lib/apk/packages/{name}");
    tree.add_file(&format!("{base}.list"), 0o644, list.into_bytes());
    if !conffiles.is_empty() {
        let mut cf = String::new();
        let mut st = String::new();
        for c in conffiles {
            if !c.starts_with('/') {
                return Err(Error::new(format!(
                    "conffile '{c}' must be an absolute path"
                )));
            }
            cf.push_str(c);
            cf.push('\n');
            if let Some(data) = tree.file(c) {
                st.push_str(&format!("{c} {}\n", schema::hex(&sha256(data))));
            }
        }
        tree.add_file(&format!("{base}.conffiles"), 0o644, cf.into_bytes());
        if !st.is_empty() {
            tree.add_file(&format!("{base}.conffiles_static"), 0o644, st.into_bytes());
        }
    }
    Ok(())
}

/// Reads a tree from `root` and gives it and `SOURCE_DATE_EPOCH` (0 when unset).
pub fn epoch() -> Result<u64, Error> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) if !s.is_empty() => s.parse().map_err(|_| {
            Error::new(format!(
                "SOURCE_DATE_EPOCH='{s}' is not a number of seconds"
            ))
        }),
        _ => Ok(0),
    }
}
