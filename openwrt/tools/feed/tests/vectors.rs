//! Our reader and writer against the packages and indexes made by the real apk-tools
//! 3.0.5 (../shared/vectors/apk: COMMANDS.txt says how they were made; dumps/ holds the
//! tool's own dumps).

use std::path::PathBuf;

use serde_json::Value;
use umodem_feed::adb::{self, SCHEMA_INDEX};
use umodem_feed::index::{self, Package};
use umodem_feed::keys::{self, EcKey, EcPublic};
use umodem_feed::pkg::{self, Meta, Scripts, Tree};
use umodem_feed::schema::{self, hex};

fn vectors() -> PathBuf {
    // The repository's ../shared (beside every checkout, and beside CI's clone).
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let v = repo.join("../shared/vectors/apk");
    assert!(
        v.join("SHA256SUMS").is_file(),
        "no reference vectors at {}: ../shared must sit beside the checkout",
        v.display()
    );
    v
}

fn read(p: &str) -> Vec<u8> {
    std::fs::read(vectors().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
}

const FILES: [(&str, &str); 9] = [
    ("unsigned/hello-1.0.0-r1.apk", "unsigned-hello-1.0.0-r1.apk"),
    (
        "unsigned/hello-modem-1.0.0-r1.apk",
        "unsigned-hello-modem-1.0.0-r1.apk",
    ),
    ("unsigned/packages.adb", "unsigned-packages.adb"),
    ("signed/hello-1.0.0-r1.apk", "signed-hello-1.0.0-r1.apk"),
    (
        "signed/hello-modem-1.0.0-r1.apk",
        "signed-hello-modem-1.0.0-r1.apk",
    ),
    ("signed/packages.adb", "signed-packages.adb"),
    ("mixed/hello-1.0.0-r1.apk", "unsigned-hello-1.0.0-r1.apk"),
    (
        "mixed/hello-modem-1.0.0-r1.apk",
        "unsigned-hello-modem-1.0.0-r1.apk",
    ),
    ("mixed/packages.adb", "mixed-packages.adb"),
];

fn container(p: &str) -> adb::Container {
    adb::parse(&adb::decompress(&read(p)).unwrap()).unwrap()
}

#[test]
fn vectors_are_the_recorded_ones() {
    let sums = String::from_utf8(read("SHA256SUMS")).unwrap();
    let mut n = 0;
    for line in sums.lines() {
        let (sum, file) = line.split_once("  ").unwrap();
        let file = file.trim_start_matches("./");
        assert_eq!(
            hex(&umodem_feed::sha256(&read(file))),
            sum,
            "{file} changed"
        );
        n += 1;
    }
    assert!(n >= 40, "SHA256SUMS lists {n} files");
}

/// Every field, path, acl, hash and script, as apk's own JSON dump shows them.
#[test]
fn reader_agrees_with_apk_json_dumps() {
    for (file, dump) in FILES {
        let c = container(file);
        let ours = schema::decode_root(&c.adb().unwrap(), c.schema)
            .unwrap()
            .to_json();
        let ours: Value = serde_json::from_str(&ours).unwrap();
        let theirs: Value = serde_json::from_slice(&read(&format!("dumps/{dump}.json"))).unwrap();
        assert_eq!(ours, theirs, "{file}");
    }
}

/// The YAML dumps' scalar lines (`key: value`) hold the same values as our tree.
#[test]
fn reader_agrees_with_apk_yaml_dumps() {
    for (file, dump) in FILES {
        let c = container(file);
        let json = schema::decode_root(&c.adb().unwrap(), c.schema)
            .unwrap()
            .to_json();
        let yaml = String::from_utf8(read(&format!("dumps/{dump}.yaml"))).unwrap();
        let mut checked = 0;
        for line in yaml.lines() {
            let t = line.trim_start().trim_start_matches("- ");
            if t.starts_with('#') || t.ends_with(':') || t.contains(": |") || !t.contains(": ") {
                continue;
            }
            let (k, v) = t.split_once(": ").unwrap();
            if v.starts_with('#') {
                continue;
            }
            let v = v.split(" #").next().unwrap();
            let want = if k == "mode" {
                format!("\"{k}\": {}", u64::from_str_radix(v, 8).unwrap())
            } else if v.bytes().all(|b| b.is_ascii_digit()) && !["hashes", "hash"].contains(&k) {
                format!("\"{k}\": {v}")
            } else {
                format!("\"{k}\": \"{v}\"")
            };
            assert!(
                json.contains(&want),
                "{file}: {want} missing from our reading"
            );
            checked += 1;
        }
        assert!(checked > 10, "{file}: only {checked} lines checked");
    }
}

/// Block layout as recorded in dumps/*.blocks.txt: offsets, kinds, sizes, key ids,
/// data block indexes.
#[test]
fn block_layout_agrees() {
    for (file, dump) in FILES {
        // mixed/'s packages are unsigned/'s (same bytes, one dump).
        let dump = format!("dumps/{dump}.blocks.txt");
        let text = String::from_utf8(read(&dump)).unwrap();
        let raw = adb::decompress(&read(file)).unwrap();
        let c = adb::parse(&raw).unwrap();
        let head = text.lines().next().unwrap();
        assert!(
            head.contains(&format!("uncompressed: {} ", raw.len())),
            "{file}: {head}"
        );
        let rows: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(rows.len(), c.blocks.len(), "{file}");
        for (row, b) in rows.iter().zip(&c.blocks) {
            let f: Vec<&str> = row.split_whitespace().collect();
            assert_eq!(f[0], format!("@{}", b.offset), "{file}: {row}");
            let kind = ["ADB", "SIG", "DATA"][b.kind as usize];
            assert_eq!(f[1], kind, "{file}: {row}");
            assert_eq!(
                f[2],
                format!("size={}", b.payload.len() + 4),
                "{file}: {row}"
            );
            if kind == "ADB" {
                let root = u32::from_le_bytes(b.payload[4..8].try_into().unwrap());
                assert_eq!(f[6], format!("root={root:#010x}"), "{file}: {row}");
            }
            if kind == "SIG" {
                assert_eq!(
                    f[5],
                    format!("keyid={}", hex(&b.payload[2..18])),
                    "{file}: {row}"
                );
            }
            if kind == "DATA" {
                let w = |i: usize| u32::from_le_bytes(b.payload[i..i + 4].try_into().unwrap());
                assert_eq!(f[3], format!("path_idx={}", w(0)), "{file}: {row}");
                assert_eq!(f[4], format!("file_idx={}", w(4)), "{file}: {row}");
            }
        }
    }
}

#[test]
fn key_id_and_signatures_of_the_reference_files() {
    let v = vectors();
    let k = EcPublic::load(&v.join("keys/key.pub.pem")).unwrap();
    assert_eq!(hex(&k.id), "53cc2854f7660531c8f5d67f21ae4477");
    let sk = EcKey::load(&v.join("keys/key.pem")).unwrap();
    assert_eq!(sk.id, k.id);
    for f in [
        "signed/hello-1.0.0-r1.apk",
        "signed/hello-modem-1.0.0-r1.apk",
        "signed/packages.adb",
        "mixed/packages.adb",
    ] {
        let c = container(f);
        let sig = c.sigs().next().unwrap_or_else(|| panic!("{f} unsigned"));
        k.verify_adb(c.schema, &c.adb, &sig.payload)
            .unwrap_or_else(|e| panic!("{f}: {e}"));
        // One changed byte in the ADB block: refused.
        let mut bad = c.adb.clone();
        bad[40] ^= 1;
        assert!(
            k.verify_adb(c.schema, &bad, &sig.payload).is_err(),
            "{f}: tampered ADB accepted"
        );
        // The same bytes under another schema tag: refused (the schema is signed).
        let other = if c.schema == SCHEMA_INDEX {
            adb::SCHEMA_PACKAGE
        } else {
            SCHEMA_INDEX
        };
        assert!(
            k.verify_adb(other, &c.adb, &sig.payload).is_err(),
            "{f}: schema not covered"
        );
    }
    for f in [
        "unsigned/packages.adb",
        "unsigned/hello-1.0.0-r1.apk",
        "mixed/hello-1.0.0-r1.apk",
    ] {
        assert_eq!(container(f).sigs().count(), 0, "{f}");
    }
    // A key of our own is not the reference key.
    let other = EcKey::generate().unwrap().public();
    let c = container("signed/packages.adb");
    let err = other
        .verify_adb(c.schema, &c.adb, &c.sigs().next().unwrap().payload)
        .unwrap_err();
    assert!(err.0.contains("not by this key"), "{err}");
}

fn inflated(b: &[u8]) -> Vec<u8> {
    adb::decompress(b).unwrap()
}

fn meta(name: &str, depends: &[&str], provides: &[&str]) -> Meta {
    Meta {
        name: name.into(),
        version: "1.0.0-r1".into(),
        description: format!("Test package {name} for apk v3 format checks"),
        arch: "mips_24kc".into(),
        license: "GPL-2.0-only".into(),
        origin: format!("feeds/test/{name}"),
        maintainer: "Test Maintainer <test@example.invalid>".into(),
        url: "https://openwrt.org/".into(),
        depends: depends.iter().map(|s| s.to_string()).collect(),
        provides: provides.iter().map(|s| s.to_string()).collect(),
    }
}

fn our_package(name: &str, depends: &[&str], provides: &[&str]) -> Vec<u8> {
    let v = vectors();
    let tree = Tree::scan(&v.join(format!("tree/{name}/ipkg"))).unwrap();
    let mut scripts = Scripts::new();
    for s in ["post-install", "post-upgrade", "pre-deinstall"] {
        scripts.insert(s.into(), read(&format!("tree/{name}/apk/{s}")));
    }
    pkg::write_apk(
        &tree,
        &meta(name, depends, provides),
        &scripts,
        1_700_000_000,
    )
    .unwrap()
}

/// Given tree/hello and the metadata of COMMANDS.txt, our writer's inflated bytes are
/// the real tool's, byte for byte (the deflate stream itself differs: another encoder).
#[test]
fn writer_reproduces_apk_mkpkg_bytes() {
    let ours = our_package("hello", &[], &[]);
    assert_eq!(
        inflated(&ours),
        inflated(&read("unsigned/hello-1.0.0-r1.apk")),
        "hello"
    );
    let ours = our_package(
        "hello-modem",
        &["kmod-usb-serial-option ppp hello>=1.0.0"],
        &["hello-modem-any"],
    );
    assert_eq!(
        inflated(&ours),
        inflated(&read("unsigned/hello-modem-1.0.0-r1.apk")),
        "hello-modem"
    );
    // The same input twice: the same file.
    assert_eq!(
        our_package("hello", &[], &[]),
        our_package("hello", &[], &[])
    );
}

/// OpenWrt's additions made by our packer from the bare tree are the ones in the vector
/// tree (list, conffiles, conffiles_static).
#[test]
fn openwrt_files_match_the_reference_tree() {
    let v = vectors();
    let full = Tree::scan(&v.join("tree/hello/ipkg")).unwrap();
    let mut bare = full.clone();
    bare.dirs.remove("lib/apk/packages");
    bare.dirs.remove("lib/apk");
    bare.dirs.remove("lib");
    pkg::add_openwrt_files(&mut bare, "hello", &["/etc/config/hello".into()]).unwrap();
    for f in ["list", "conffiles", "conffiles_static"] {
        let p = format!("/lib/apk/packages/hello.{f}");
        assert_eq!(bare.file(&p), full.file(&p), "{p}");
    }
    assert_eq!(
        bare.dirs.keys().collect::<Vec<_>>(),
        full.dirs.keys().collect::<Vec<_>>()
    );
}

/// The index of the reference packages: the real tool's ADB block, byte for byte; signed
/// with the reference key, our signature verifies and is the same every time.
#[test]
fn index_reproduces_apk_mkndx_bytes() {
    let files: Vec<(String, Vec<u8>)> = ["hello-1.0.0-r1.apk", "hello-modem-1.0.0-r1.apk"]
        .iter()
        .map(|n| (n.to_string(), read(&format!("unsigned/{n}"))))
        .collect();
    let ours = index::write_index(&files, None).unwrap();
    assert_eq!(inflated(&ours), inflated(&read("unsigned/packages.adb")));

    let key = EcKey::load(&vectors().join("keys/key.pem")).unwrap();
    let signed = index::write_index(&files, Some(&key)).unwrap();
    let c = adb::parse(&inflated(&signed)).unwrap();
    let theirs = container("mixed/packages.adb");
    assert_eq!(c.adb, theirs.adb, "the signed index's ADB block");
    let sig = c.sigs().next().unwrap();
    assert_eq!(
        sig.payload[..18],
        theirs.sigs().next().unwrap().payload[..18],
        "signature header"
    );
    key.public()
        .verify_adb(c.schema, &c.adb, &sig.payload)
        .unwrap();
    assert_eq!(
        signed,
        index::write_index(&files, Some(&key)).unwrap(),
        "RFC 6979: same bytes"
    );
    // The message signed is 86 bytes: schema, header, SHA-512 of the ADB block.
    let m = keys::sig_message(c.schema, &sig.payload, &c.adb);
    assert_eq!(m.len(), 86);
    assert_eq!(&m[..4], b"indx");
}

#[test]
fn index_hashes_are_the_packages_adb_blocks() {
    let (_, pkgs) = index::read_index(&read("mixed/packages.adb")).unwrap();
    for p in &pkgs {
        let name = format!(
            "mixed/{}-{}.apk",
            p.str("name").unwrap(),
            p.str("version").unwrap()
        );
        let bytes = read(&name);
        let pk = Package::read(&bytes).unwrap();
        assert_eq!(p.str("hashes").unwrap(), hex(&pk.identity()), "{name}");
        assert_eq!(p.int("file-size").unwrap(), bytes.len() as u64, "{name}");
    }
}

/// Damaged input gives an error, never a crash: every truncation of a package and an
/// index, and every single-byte change of their inflated ADB block.
#[test]
fn damaged_files_give_errors() {
    for f in ["signed/hello-modem-1.0.0-r1.apk", "signed/packages.adb"] {
        let file = read(f);
        let mut refused = 0;
        for n in (0..file.len()).step_by(7) {
            let p = Package::read(&file[..n]);
            let i = index::read_index(&file[..n]);
            if p.is_err() && i.is_err() {
                refused += 1;
            }
        }
        // Most cuts break the stream (a cut at a block boundary may leave a valid file).
        assert!(
            refused * 10 > file.len() / 7 * 9,
            "{f}: only {refused} truncations refused"
        );
        let raw = inflated(&file);
        for i in 8..raw.len().min(1200) {
            let mut bad = raw.clone();
            bad[i] ^= 0xff;
            if let Ok(c) = adb::parse(&bad) {
                if let Ok(db) = c.adb() {
                    let _ = schema::decode_root(&db, c.schema);
                }
            }
        }
    }
    assert!(adb::decompress(b"not an apk").is_err());
    assert!(adb::parse(b"ADB.pckg\x10\x00\x00\x00").is_err());
}
