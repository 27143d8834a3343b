//! Installing from a feed into a root folder, by the rules apk applies: the index must
//! carry a valid signature by a trusted key; every dependency must be met by a package
//! of the index (by name or by what it provides) or by one already on the router; each
//! package file must be the one the index names (its ADB block's SHA-256), and each
//! file's bytes must match the hash in the package.
//!
//! Variants (umodem / umodem-full): a package owns its name and every name it
//! provides with a version (`umodem=1.0-r1`, as OpenWrt writes PROVIDES). A
//! dependency (or a world name) is met first by a package the world names that
//! provides it, then by a package of that name, then by any provider: so
//! `umodem-full luci-app-umodem`, and even `umodem umodem-full`, install
//! umodem-full alone. Two packages that own the same name are refused together.
//! All three as apk-tools 3.0.5 does (seen with the real apk on this feed).

use std::collections::BTreeMap;
use std::path::{Component, Path};

use crate::index::{read_index, Package};
use crate::keys::EcPublic;
use crate::pkg::parse_dep;
use crate::schema::{hex, Node};
use crate::{read, Error};

/// Compares two apk-style versions (`1.2.3-r4`): numeric parts, then the release.
pub fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn split(v: &str) -> (Vec<u64>, String, u64) {
        let (main, rel) = match v.rsplit_once("-r") {
            Some((m, r)) if r.bytes().all(|c| c.is_ascii_digit()) && !r.is_empty() => {
                (m, r.parse().unwrap_or(0))
            }
            _ => (v, 0),
        };
        let (nums, rest) = match main.find(|c: char| !c.is_ascii_digit() && c != '.') {
            Some(i) => main.split_at(i),
            None => (main, ""),
        };
        (
            nums.split('.').map(|p| p.parse().unwrap_or(0)).collect(),
            rest.to_string(),
            rel,
        )
    }
    let (an, ar, arel) = split(a);
    let (bn, br, brel) = split(b);
    an.cmp(&bn).then(ar.cmp(&br)).then(arel.cmp(&brel))
}

/// Does version `have` meet `op ver` (op as apk's match bits: 1 =, 2 <, 4 >)?
fn meets(have: &str, op: u64, ver: &str) -> bool {
    use std::cmp::Ordering::*;
    let o = version_cmp(have, ver);
    let bits = match o {
        Less => 2,
        Equal => 1,
        Greater => 4,
    };
    op & 7 & bits != 0
}

pub struct Installed {
    pub name: String,
    pub version: String,
    pub files: Vec<String>,
}

/// Installs `names` and what they need from `repo` into `root`. `provided` are
/// packages the router already has (name, version or empty).
pub fn install(
    root: &Path,
    repo: &Path,
    trusted: &[EcPublic],
    provided: &[(String, String)],
    names: &[String],
) -> Result<Vec<Installed>, Error> {
    let ipath = repo.join("packages.adb");
    let (c, pkgs) = read_index(&read(&ipath)?).map_err(|e| e.at(ipath.display()))?;
    let mut trusted_ok = false;
    let mut why = String::from("it has no signature");
    for s in c.sigs() {
        for k in trusted {
            match k.verify_adb(c.schema, &c.adb, &s.payload) {
                Ok(()) => trusted_ok = true,
                Err(e) => why = e.0,
            }
        }
    }
    if !trusted_ok {
        return Err(Error::new(format!(
            "{}: UNTRUSTED signature ({why}); the index is refused",
            ipath.display()
        )));
    }

    let by_name: BTreeMap<&str, &Node> = pkgs
        .iter()
        .filter_map(|p| Some((p.str("name")?, p)))
        .collect();
    let mut provides: BTreeMap<String, &Node> = BTreeMap::new();
    for p in &pkgs {
        for d in p.list("provides") {
            if let Node::Str(s) = d {
                if let Ok((n, _, _)) = parse_dep(s) {
                    provides.entry(n).or_insert(p);
                }
            }
        }
    }
    let have: BTreeMap<&str, &str> = provided
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();

    // The packages the world names meet a dependency first: what they provide,
    // then their own names.
    let mut world: Vec<&Node> = Vec::new();
    for n in names {
        if let Some(p) = by_name.get(parse_dep(n)?.0.as_str()) {
            world.push(p);
        }
    }
    let mut chosen: BTreeMap<String, &Node> = BTreeMap::new();
    for p in &world {
        for o in owned(p).into_iter().skip(1) {
            chosen.entry(o).or_insert(p);
        }
    }
    for p in &world {
        for o in owned(p).into_iter().take(1) {
            chosen.entry(o).or_insert(p);
        }
    }

    // Depth-first: dependencies before the packages that need them.
    let mut order: Vec<&Node> = Vec::new();
    let mut visiting: Vec<String> = Vec::new();
    #[allow(clippy::too_many_arguments)]
    fn visit<'a>(
        want: &str,
        chosen: &BTreeMap<String, &'a Node>,
        by_name: &BTreeMap<&str, &'a Node>,
        provides: &BTreeMap<String, &'a Node>,
        have: &BTreeMap<&str, &str>,
        order: &mut Vec<&'a Node>,
        visiting: &mut Vec<String>,
        from: &str,
    ) -> Result<(), Error> {
        let (name, ver, op) = parse_dep(want)?;
        if let Some(hv) = have.get(name.as_str()) {
            if let Some(v) = &ver {
                if !hv.is_empty() && !meets(hv, op, v) {
                    return Err(Error::new(format!(
                        "{from}: needs {want}, the router has {name} {hv}"
                    )));
                }
            }
            return Ok(());
        }
        let p = chosen
            .get(&name)
            .or_else(|| by_name.get(name.as_str()))
            .or_else(|| provides.get(&name))
            .copied()
            .ok_or_else(|| {
                Error::new(format!(
                    "{from}: needs {want}, which neither this feed nor the router provides"
                ))
            })?;
        let pname = p.str("name").unwrap_or("").to_string();
        if let (Some(v), Some(pv)) = (&ver, p.str("version")) {
            if by_name.contains_key(name.as_str()) && !meets(pv, op, v) {
                return Err(Error::new(format!(
                    "{from}: needs {want}, the feed has {pname} {pv}"
                )));
            }
        }
        if order.iter().any(|q| q.str("name") == Some(&pname)) || visiting.contains(&pname) {
            return Ok(());
        }
        visiting.push(pname.clone());
        for d in p.list("depends") {
            if let Node::Str(s) = d {
                visit(s, chosen, by_name, provides, have, order, visiting, &pname)?;
            }
        }
        visiting.pop();
        order.push(p);
        Ok(())
    }
    for n in names {
        visit(
            n,
            &chosen,
            &by_name,
            &provides,
            &have,
            &mut order,
            &mut visiting,
            "world",
        )?;
    }

    // One owner per name.
    let mut owner: BTreeMap<String, &str> = BTreeMap::new();
    for p in &order {
        let pname = p.str("name").unwrap_or("");
        for o in owned(p) {
            if let Some(other) = owner.insert(o.clone(), pname) {
                return Err(Error::new(format!(
                    "{other} and {pname} both provide {o}: they conflict, install one of them"
                )));
            }
        }
    }

    let mut done = Vec::new();
    for info in order {
        done.push(install_one(root, repo, info)?);
    }
    let mut db = String::new();
    for i in &done {
        db.push_str(&format!("P:{}\nV:{}\n", i.name, i.version));
        for f in &i.files {
            db.push_str(&format!("F:{f}\n"));
        }
        db.push('\n');
    }
    let dbdir = root.join("lib/apk/db");
    std::fs::create_dir_all(&dbdir)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", dbdir.display())))?;
    crate::write_atomic(&dbdir.join("installed"), db.as_bytes(), 0o644)?;
    Ok(done)
}

/// The names a package owns: its own, and what it provides with a version.
fn owned(p: &Node) -> Vec<String> {
    let mut v: Vec<String> = p.str("name").map(str::to_string).into_iter().collect();
    for d in p.list("provides") {
        if let Node::Str(s) = d {
            if let Ok((n, Some(_), _)) = parse_dep(s) {
                v.push(n);
            }
        }
    }
    v
}

fn safe_rel(p: &str) -> Result<&str, Error> {
    if Path::new(p)
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        Ok(p)
    } else {
        Err(Error::new(format!(
            "the package holds the path '{p}', which leaves the root: refused"
        )))
    }
}

/// Refuses a directory path that passes through a symlink already in the root (a
/// package's link must not carry another package's files outside the root).
fn no_links(root: &Path, rel: &str) -> Result<(), Error> {
    let mut p = root.to_path_buf();
    for c in Path::new(rel).components() {
        p.push(c);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::new(format!(
                "/{rel} passes through the link {}: refused",
                p.display()
            )));
        }
    }
    Ok(())
}

fn install_one(root: &Path, repo: &Path, info: &Node) -> Result<Installed, Error> {
    let name = info.str("name").unwrap_or("").to_string();
    let version = info.str("version").unwrap_or("").to_string();
    let fname = format!("{name}-{version}.apk");
    let path = repo.join(&fname);
    let bytes = read(&path)?;
    let p = Package::read(&bytes).map_err(|e| e.at(&fname))?;
    if Some(bytes.len() as u64) != info.int("file-size") {
        let want = info
            .int("file-size")
            .map(|n| n.to_string())
            .unwrap_or_else(|| "nothing".into());
        return Err(Error::new(format!(
            "{fname}: {} bytes, the index says {want}: not the indexed file",
            bytes.len()
        )));
    }
    if Some(hex(&p.identity()).as_str()) != info.str("hashes") {
        return Err(Error::new(format!("{fname}: its metadata's SHA-256 is not the one the signed index holds: the package was changed")));
    }
    let data = p.checked_files().map_err(|e| e.at(&fname))?;
    let mut files = Vec::new();
    for (i, dir) in p.tree.list("paths").iter().enumerate() {
        let dname = dir.str("name").unwrap_or("");
        let drel = if dname.is_empty() {
            ""
        } else {
            safe_rel(dname)?
        };
        no_links(root, drel)?;
        let dpath = if drel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(drel)
        };
        let mode = dir.get("acl").and_then(|a| a.int("mode")).unwrap_or(0o755) as u32;
        std::fs::create_dir_all(&dpath)
            .map_err(|e| Error::new(format!("cannot create {}: {e}", dpath.display())))?;
        set_mode(&dpath, mode)?;
        for (j, f) in dir.list("files").iter().enumerate() {
            let fnm = f.str("name").unwrap_or("");
            if fnm.contains('/') || fnm.is_empty() || fnm == "." || fnm == ".." {
                return Err(Error::new(format!("{fname}: bad file name '{fnm}'")));
            }
            let rel = if drel.is_empty() {
                fnm.to_string()
            } else {
                format!("{drel}/{fnm}")
            };
            let out = root.join(&rel);
            if let Some(t) = f.str("target") {
                let t = decode_hex(t)
                    .ok_or_else(|| Error::new(format!("{fname}: /{rel}: bad link target")))?;
                if t.len() < 2 || u16::from_le_bytes([t[0], t[1]]) != 0o120000 {
                    return Err(Error::new(format!("{fname}: /{rel}: hard links and device nodes are not installed by this reader")));
                }
                let target = std::ffi::OsStr::new(std::str::from_utf8(&t[2..]).unwrap_or(""));
                let _ = std::fs::remove_file(&out);
                std::os::unix::fs::symlink(target, &out)
                    .map_err(|e| Error::new(format!("cannot link {}: {e}", out.display())))?;
            } else {
                let body = data
                    .get(&(i as u32 + 1, j as u32 + 1))
                    .copied()
                    .unwrap_or(&[]);
                crate::write_atomic(&out, body, 0o644)?;
                set_mode(
                    &out,
                    f.get("acl").and_then(|a| a.int("mode")).unwrap_or(0o644) as u32,
                )?;
            }
            files.push(format!("/{rel}"));
        }
    }
    Ok(Installed {
        name,
        version,
        files,
    })
}

fn set_mode(p: &Path, mode: u32) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode & 0o7777))
        .map_err(|e| Error::new(format!("cannot set the mode of {}: {e}", p.display())))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
