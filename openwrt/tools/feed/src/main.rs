//! umodem-feed: the apk half of umodem's feed (build-time host tool).
//!
//!   umodem-feed mkapk ROOT OUTDIR --name N --version V --arch A [--depends "a b>=1"]
//!       [--provides P] [--description D] [--license L] [--origin O] [--maintainer M]
//!       [--url U] [--conffile /etc/config/x]... [--raw] [--script SLOT:FILE]...
//!       Packs ROOT into OUTDIR/N-V.apk. Unless --raw, adds OpenWrt's
//!       /lib/apk/packages/N.{list,conffiles,conffiles_static} and maintainer scripts.
//!       File times are SOURCE_DATE_EPOCH.
//!   umodem-feed sign FEEDDIR KEYDIR [--create]
//!       Loads (or with --create, makes) the feed keys, then writes FEEDDIR/packages.adb
//!       (signed) from FEEDDIR/*.apk, FEEDDIR/Packages.sig over FEEDDIR/Packages, and the
//!       public keys FEEDDIR/umodem-feed.pub (usign) and FEEDDIR/umodem-feed.pem (apk).
//!   umodem-feed index OUT [--key PRIVATE.pem] FILE.apk...   an index of these packages
//!   umodem-feed dump FILE          the package or index as JSON (apk adbdump's shape)
//!   umodem-feed blocks FILE        the block layout
//!   umodem-feed verify FILE [--key PUBLIC.pem]...   signature (index) / file hashes (package)
//!   umodem-feed sigmsg INDEX SIG.der   the message apk signs on stdout, the signature to SIG.der
//!   umodem-feed install ROOT FEEDDIR --key PUBLIC.pem [--have NAME[=VER]]... NAME...
//!   umodem-feed usign-verify PUBLIC FILE SIG

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use umodem_feed::keys::{self, EcKey, EcPublic, FeedKeys};
use umodem_feed::pkg::{self, Meta, Tree};
use umodem_feed::schema::{self, hex};
use umodem_feed::{adb, index, install, read, write_atomic, Error};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("umodem-feed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Options and positional arguments; options may repeat.
struct Args {
    pos: Vec<String>,
    opts: Vec<(String, String)>,
    flags: Vec<String>,
}

impl Args {
    fn parse(a: &[String], with_value: &[&str]) -> Result<Args, Error> {
        let mut r = Args {
            pos: vec![],
            opts: vec![],
            flags: vec![],
        };
        let mut i = 0;
        while i < a.len() {
            let s = &a[i];
            if let Some(name) = s.strip_prefix("--") {
                if with_value.contains(&name) {
                    let v = a
                        .get(i + 1)
                        .ok_or_else(|| Error::new(format!("--{name} needs a value")))?;
                    r.opts.push((name.to_string(), v.clone()));
                    i += 1;
                } else {
                    r.flags.push(name.to_string());
                }
            } else {
                r.pos.push(s.clone());
            }
            i += 1;
        }
        Ok(r)
    }
    fn one(&self, name: &str) -> String {
        self.opts
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    fn all(&self, name: &str) -> Vec<String> {
        self.opts
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }
    fn need(&self, n: usize, usage: &str) -> Result<(), Error> {
        if self.pos.len() < n {
            return Err(Error::new(format!("usage: umodem-feed {usage}")));
        }
        if let Some(f) = self.flags.first() {
            return Err(Error::new(format!(
                "unknown option --{f}; usage: umodem-feed {usage}"
            )));
        }
        Ok(())
    }
}

fn run(a: &[String]) -> Result<(), Error> {
    let cmd = a.first().map(String::as_str).unwrap_or("");
    let rest = a.get(1..).unwrap_or(&[]);
    match cmd {
        "mkapk" => mkapk(rest),
        "sign" => sign(rest),
        "index" => {
            let o = Args::parse(rest, &["key"])?;
            o.need(2, "index OUT [--key PRIVATE.pem] FILE.apk...")?;
            let key = match o.one("key") {
                k if k.is_empty() => None,
                k => Some(EcKey::load(Path::new(&k))?),
            };
            let mut files = Vec::new();
            for f in &o.pos[1..] {
                files.push((f.clone(), read(Path::new(f))?));
            }
            let out = index::write_index(&files, key.as_ref())?;
            write_atomic(Path::new(&o.pos[0]), &out, 0o644)
        }
        "dump" => {
            let o = Args::parse(rest, &[])?;
            o.need(1, "dump FILE")?;
            let raw = adb::decompress(&read(Path::new(&o.pos[0]))?).map_err(|e| e.at(&o.pos[0]))?;
            let c = adb::parse(&raw).map_err(|e| e.at(&o.pos[0]))?;
            let node = schema::decode_root(&c.adb()?, c.schema)
                .ok_or_else(|| Error::new(format!("{}: unknown schema {:08x}", o.pos[0], c.schema)))?;
            print!("{}", node.to_json());
            Ok(())
        }
        "blocks" => {
            let o = Args::parse(rest, &[])?;
            o.need(1, "blocks FILE")?;
            let raw = adb::decompress(&read(Path::new(&o.pos[0]))?)?;
            let c = adb::parse(&raw)?;
            println!("uncompressed: {} schema: {}", raw.len(), String::from_utf8_lossy(&c.schema.to_le_bytes()));
            for b in &c.blocks {
                let size = b.payload.len() + 4;
                match b.kind {
                    adb::BLOCK_ADB => println!("@{} ADB size={}", b.offset, size),
                    adb::BLOCK_SIG => println!(
                        "@{} SIG size={} sign_ver={} hash_alg={} keyid={} siglen={}",
                        b.offset,
                        size,
                        b.payload.first().unwrap_or(&0),
                        b.payload.get(1).unwrap_or(&0),
                        hex(b.payload.get(2..18).unwrap_or(&[])),
                        b.payload.len().saturating_sub(18)
                    ),
                    _ => {
                        let w = |i: usize| u32::from_le_bytes(b.payload.get(i..i + 4).and_then(|s| s.try_into().ok()).unwrap_or([0; 4]));
                        println!("@{} DATA size={} path_idx={} file_idx={} datalen={}", b.offset, size, w(0), w(4), b.payload.len().saturating_sub(8))
                    }
                }
            }
            Ok(())
        }
        "verify" => {
            let o = Args::parse(rest, &["key"])?;
            o.need(1, "verify FILE [--key PUBLIC.pem]...")?;
            let keys: Vec<EcPublic> = o.all("key").iter().map(|k| EcPublic::load(Path::new(k))).collect::<Result<_, _>>()?;
            verify(Path::new(&o.pos[0]), &keys)
        }
        "sigmsg" => {
            let o = Args::parse(rest, &[])?;
            o.need(2, "sigmsg INDEX SIG.der")?;
            let raw = adb::decompress(&read(Path::new(&o.pos[0]))?)?;
            let c = adb::parse(&raw)?;
            let sig = c.sigs().next().ok_or_else(|| Error::new(format!("{}: not signed", o.pos[0])))?;
            if sig.payload.len() < 18 {
                return Err(Error::new("signature block too short"));
            }
            write_atomic(Path::new(&o.pos[1]), &sig.payload[18..], 0o644)?;
            use std::io::Write;
            std::io::stdout()
                .write_all(&keys::sig_message(c.schema, &sig.payload, &c.adb))
                .map_err(|e| Error::new(format!("stdout: {e}")))
        }
        "install" => {
            let o = Args::parse(rest, &["key", "have"])?;
            o.need(3, "install ROOT FEEDDIR --key PUBLIC.pem [--have NAME[=VER]]... NAME...")?;
            let keys: Vec<EcPublic> = o.all("key").iter().map(|k| EcPublic::load(Path::new(k))).collect::<Result<_, _>>()?;
            let have: Vec<(String, String)> = o
                .all("have")
                .iter()
                .map(|h| match h.split_once('=') {
                    Some((n, v)) => (n.to_string(), v.to_string()),
                    None => (h.clone(), String::new()),
                })
                .collect();
            let done = install::install(Path::new(&o.pos[0]), Path::new(&o.pos[1]), &keys, &have, &o.pos[2..])?;
            for p in done {
                println!("installed {} {} ({} files)", p.name, p.version, p.files.len());
            }
            Ok(())
        }
        "usign-verify" => {
            let o = Args::parse(rest, &[])?;
            o.need(3, "usign-verify PUBLIC FILE SIG")?;
            let sig = String::from_utf8_lossy(&read(Path::new(&o.pos[2]))?).into_owned();
            keys::usign_verify(Path::new(&o.pos[0]), &read(Path::new(&o.pos[1]))?, &sig)?;
            println!("OK");
            Ok(())
        }
        _ => Err(Error::new("usage: umodem-feed mkapk|sign|index|dump|blocks|verify|sigmsg|install|usign-verify ... (see the source's header)")),
    }
}

fn mkapk(rest: &[String]) -> Result<(), Error> {
    let o = Args::parse(
        rest,
        &[
            "name",
            "version",
            "arch",
            "depends",
            "provides",
            "description",
            "license",
            "origin",
            "maintainer",
            "url",
            "conffile",
            "script",
        ],
    )?;
    let usage = "mkapk ROOT OUTDIR --name N --version V --arch A [--depends D] [--provides P] [--description T] [--license L] [--origin O] [--maintainer M] [--url U] [--conffile PATH]... [--raw] [--script SLOT:FILE]...";
    if o.pos.len() < 2 {
        return Err(Error::new(format!("usage: umodem-feed {usage}")));
    }
    if let Some(f) = o.flags.iter().find(|f| *f != "raw") {
        return Err(Error::new(format!("unknown option --{f}")));
    }
    let meta = Meta {
        name: o.one("name"),
        version: o.one("version"),
        arch: o.one("arch"),
        description: o.one("description"),
        license: o.one("license"),
        origin: o.one("origin"),
        maintainer: o.one("maintainer"),
        url: o.one("url"),
        depends: o.all("depends"),
        provides: o.all("provides"),
    };
    if meta.arch.is_empty() {
        return Err(Error::new(
            "--arch is required (the OpenWrt package arch, or noarch)",
        ));
    }
    if meta.description.len() > 256 {
        return Err(Error::new(
            "the description is longer than 256 bytes (OpenWrt's apk refuses longer ones)",
        ));
    }
    pkg::check_pkgname(&meta.name)?;
    pkg::check_version(&meta.version)?;
    let root = PathBuf::from(&o.pos[0]);
    let mut tree = Tree::scan(&root)?;
    let mut scripts = pkg::Scripts::new();
    if !o.flag("raw") {
        pkg::add_openwrt_files(&mut tree, &meta.name, &o.all("conffile"))?;
        scripts = pkg::openwrt_scripts(&meta.name);
    }
    for s in o.all("script") {
        let (slot, file) = s
            .split_once(':')
            .ok_or_else(|| Error::new(format!("--script {s}: want SLOT:FILE")))?;
        if !schema::SCRIPTS.contains(&slot) {
            return Err(Error::new(format!(
                "--script {s}: '{slot}' is not one of {}",
                schema::SCRIPTS.join(", ")
            )));
        }
        scripts.insert(slot.to_string(), read(Path::new(file))?);
    }
    let out = pkg::write_apk(&tree, &meta, &scripts, pkg::epoch()?)?;
    let dir = PathBuf::from(&o.pos[1]);
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join(format!("{}-{}.apk", meta.name, meta.version));
    write_atomic(&path, &out, 0o644)?;
    println!("packed {}", path.display());
    Ok(())
}

/// Names of the public keys in a feed folder.
pub const FEED_USIGN_PUB: &str = "umodem-feed.pub";
pub const FEED_APK_PUB: &str = "umodem-feed.pem";

fn sign(rest: &[String]) -> Result<(), Error> {
    let o = Args::parse(rest, &[])?;
    if o.pos.len() < 2 || o.flags.iter().any(|f| f != "create") {
        return Err(Error::new(
            "usage: umodem-feed sign FEEDDIR KEYDIR [--create]",
        ));
    }
    let feed = PathBuf::from(&o.pos[0]);
    // Keys first: with no key, nothing is written.
    let keys = FeedKeys::open(Path::new(&o.pos[1]), o.flag("create"))?;
    let packages = read(&feed.join("Packages"))?;
    let mut apks: Vec<String> = std::fs::read_dir(&feed)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", feed.display())))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".apk"))
        .collect();
    apks.sort();
    if apks.is_empty() {
        return Err(Error::new(format!(
            "{}: no .apk files to index",
            feed.display()
        )));
    }
    let mut files = Vec::new();
    for n in &apks {
        files.push((n.clone(), read(&feed.join(n))?));
    }
    let ndx = index::write_index(&files, Some(&keys.ec))?;
    let sig = keys.usign.sign(&packages);
    let usign_pub = keys.usign.public_text();
    let ec_pub = keys.ec.public().pem()?;
    write_atomic(&feed.join("packages.adb"), &ndx, 0o644)?;
    write_atomic(&feed.join("Packages.sig"), sig.as_bytes(), 0o644)?;
    write_atomic(&feed.join(FEED_USIGN_PUB), usign_pub.as_bytes(), 0o644)?;
    write_atomic(&feed.join(FEED_APK_PUB), ec_pub.as_bytes(), 0o644)?;
    println!(
        "signed {} ({} packages) and Packages with usign key {} and apk key {}",
        feed.join("packages.adb").display(),
        apks.len(),
        keys.usign.fingerprint(),
        hex(&keys.ec.id)
    );
    Ok(())
}

fn verify(path: &Path, keys: &[EcPublic]) -> Result<(), Error> {
    let raw = adb::decompress(&read(path)?).map_err(|e| e.at(path.display()))?;
    let c = adb::parse(&raw).map_err(|e| e.at(path.display()))?;
    let mut signed = false;
    for s in c.sigs() {
        let mut last = Error::new("no trusted key given");
        let ok = keys
            .iter()
            .any(|k| match k.verify_adb(c.schema, &c.adb, &s.payload) {
                Ok(()) => true,
                Err(e) => {
                    last = e;
                    false
                }
            });
        if !ok {
            return Err(last.at(path.display()));
        }
        signed = true;
    }
    if c.schema == adb::SCHEMA_INDEX && !signed {
        return Err(Error::new(format!(
            "{}: the index is not signed",
            path.display()
        )));
    }
    if c.schema == adb::SCHEMA_PACKAGE {
        let p = index::Package::read(&read(path)?)?;
        p.checked_files().map_err(|e| e.at(path.display()))?;
    }
    println!(
        "{}: OK{}",
        path.display(),
        if signed { " (signature)" } else { "" }
    );
    Ok(())
}
