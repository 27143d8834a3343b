//! The device database: the loader (format, overrides, malformed and hostile
//! input) and the generated database against usb-modeswitch-data itself.

mod usbfake;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use umodem::core::db::{parse_id, Db, DeviceStrings, Method};
use umodem::core::modeswitch::{self, Decision};
use umodem::hw::dbfiles;

const PACK: &str = "/usr/share/usb_modeswitch/configPack.tar.gz";
const SHIPPED_TXT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/files/usr/share/umodem/usb-mode.txt"
);

fn none() -> DeviceStrings {
    DeviceStrings::default()
}

#[test]
fn parses_openwrt_usbmode_json() {
    // Shaped as OpenWrt's convert-modeswitch.pl writes it.
    let text = r#"{
	"messages" : [
		"55534243123456780000000000000011062000000100000000000000000000",
		"5553424312345678000000000000061b000000020000000000000000000000"
	],

	"devices" : {
		"12d1:1446": {
			"*": {
				"t_vendor": 4817,
				"t_product": [ 5382, 4097 ],
				"mode": "HuaweiNew",
				"msg": [  ]
			}
		},
		"19d2:2000": {
			"*": {
				"t_vendor": 6610,
				"t_product": [ 1 ],
				"msg": [ 1 ],
				"response": true,
				"inquire": 1,
				"check": true
			}
		}
	}
}"#;
    let db = Db::parse(text, "usb-mode.json").unwrap();
    assert!(db.warnings.is_empty(), "{:?}", db.warnings);
    let (_, e) = db.lookup(0x12d1, 0x1446, &none()).unwrap();
    assert_eq!(e.method, Method::HuaweiNew);
    assert_eq!(e.t_vendor, Some(0x12d1));
    assert_eq!(e.t_product, vec![0x1506, 0x1001]);
    let (_, z) = db.lookup(0x19d2, 0x2000, &none()).unwrap();
    assert_eq!(
        z.msgs,
        vec![modeswitch::unhex(
            "5553424312345678000000000000061b000000020000000000000000000000"
        )]
    );
    assert!(z.response && z.check);
    assert_eq!(db.counts(), (2, 2));
}

#[test]
fn match_keys_select_by_manufacturer_product_serial_and_scsi_vendor() {
    let text = r#"{"messages":[],"devices":{"05c6:1000":{
        "*":{"mode":"StandardEject"},
        "uMa=AnyDATA":{"mode":"Option"},
        "uPr=Product_X":{"mode":"Sierra"},
        "uSe=ABC":{"mode":"Huawei"},
        "sVe=GT":{"mode":"Quanta"},
        "xXx=whatever":{"mode":"Kobil"}}}}"#;
    let db = Db::parse(text, "t").unwrap();
    let m = |s: DeviceStrings| db.lookup(0x05c6, 0x1000, &s).map(|(_, e)| e.method);
    assert_eq!(
        m(none()),
        Some(Method::StandardEject),
        "'*' is the fallback"
    );
    let s = DeviceStrings {
        manufacturer: Some("AnyDATA Corporation".into()),
        ..none()
    };
    assert_eq!(m(s), Some(Method::Option), "substring match");
    let s = DeviceStrings {
        product: Some("USB Product X".into()),
        ..none()
    };
    assert_eq!(m(s), Some(Method::Sierra), "'_' stands for a blank");
    let s = DeviceStrings {
        serial: Some("xxABCxx".into()),
        ..none()
    };
    assert_eq!(m(s), Some(Method::Huawei));
    let s = DeviceStrings {
        scsi_vendor: Some("GT".into()),
        ..none()
    };
    assert_eq!(m(s), Some(Method::Quanta));
    // An attribute we cannot read never matches: falls back to '*'.
    let s = DeviceStrings {
        manufacturer: Some("Qualcomm".into()),
        ..none()
    };
    assert_eq!(m(s), Some(Method::StandardEject));
}

#[test]
fn without_a_star_entry_an_unmatched_device_is_not_in_the_database() {
    let text = r#"{"messages":[],"devices":{"0471:1210":{"uMa=Philips":{"mode":"Option"}}}}"#;
    let db = Db::parse(text, "t").unwrap();
    assert!(db.lookup(0x0471, 0x1210, &none()).is_none());
    assert!(db.knows(0x0471, 0x1210));
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("umodem-db-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn system_and_user_files_override_in_order_and_bad_ones_lose_nothing() {
    let d = tmpdir("layers");
    let shipped = write(
        &d,
        "shipped.json",
        r#"{"messages":[],"devices":{
            "12d1:1446":{"*":{"mode":"HuaweiNew","t_vendor":4817,"t_product":[5382]}},
            "0af0:6711":{"*":{"mode":"Option"}}}}"#,
    );
    // An old usbmode file: it lost the Option method (no mode at all) and has
    // its own idea of the Huawei stick.
    let system = write(
        &d,
        "usb-mode.json",
        r#"{"messages":["55534243123456780000000000000011062000000100000000000000000000"],
            "devices":{"12d1:1446":{"*":{"msg":[0]}},
                       "0af0:6711":{"*":{"t_vendor":2800}}}}"#,
    );
    let user_dir = d.join("usb-mode.d");
    std::fs::create_dir_all(&user_dir).unwrap();
    write(
        &user_dir,
        "10-mine.json",
        r#"{"messages":[],"devices":{"1234:abcd":{"*":{"mode":"Sierra"}}}}"#,
    );
    write(&user_dir, "20-broken.json", r#"{"messages":[],"devices":{"#);
    write(&user_dir, "notes.txt", "not a database");

    let layers = dbfiles::layers(&shipped, &system, &user_dir);
    assert_eq!(layers.len(), 4, "{layers:?}");
    let db = dbfiles::load(&layers).unwrap();

    let (_, h) = db.lookup(0x12d1, 0x1446, &none()).unwrap();
    assert_eq!(
        h.method,
        Method::Generic,
        "system file overrides the shipped entry"
    );
    assert_eq!(h.msgs.len(), 1);
    let (_, o) = db.lookup(0x0af0, 0x6711, &none()).unwrap();
    assert_eq!(
        o.method,
        Method::Option,
        "an override without a method is ignored"
    );
    let (_, u) = db.lookup(0x1234, 0xabcd, &none()).unwrap();
    assert_eq!(u.method, Method::Sierra, "user file adds a device");
    assert!(
        db.warnings
            .iter()
            .any(|w| w.contains("20-broken.json") && w.contains("not valid JSON")),
        "{:?}",
        db.warnings
    );
    assert!(
        db.warnings
            .iter()
            .any(|w| w.contains("0af0:6711") && w.contains("no switching method")),
        "{:?}",
        db.warnings
    );
}

#[test]
fn a_missing_or_broken_shipped_database_is_an_error_that_says_what_to_do() {
    let d = tmpdir("missing");
    let e = dbfiles::load(&[d.join("nope.json")]).unwrap_err();
    assert!(e.msg().contains("reinstall umodem"), "{}", e.msg());
    let p = write(&d, "bad.json", "[1,2,3]");
    let e = dbfiles::load(&[p]).unwrap_err();
    assert!(e.msg().contains("not a JSON object"), "{}", e.msg());
}

#[test]
fn malformed_documents_are_errors_not_panics() {
    for (text, want) in [
        ("", "not valid JSON"),
        ("{", "not valid JSON"),
        ("null", "not a JSON object"),
        ("{\"devices\":{}}", "no \"messages\" list"),
        ("{\"messages\":[]}", "no \"devices\" table"),
        ("{\"messages\":{},\"devices\":{}}", "no \"messages\" list"),
        ("{\"messages\":[],\"devices\":[]}", "no \"devices\" table"),
    ] {
        let e = Db::parse(text, "f").unwrap_err();
        assert!(e.msg().contains(want), "{text:?}: {}", e.msg());
        assert!(e.msg().starts_with("f: "), "names the file: {}", e.msg());
    }
    // Deep nesting: the parser's depth limit, an error.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(Db::parse(&deep, "deep").is_err());
    // Too big.
    let big = " ".repeat(umodem::core::db::MAX_DB_BYTES + 1);
    assert!(Db::parse(&big, "big")
        .unwrap_err()
        .msg()
        .contains("larger than"));
}

#[test]
fn hostile_values_skip_the_entry_and_keep_the_rest() {
    let text = r#"{"messages":["zz", "0102", "123", "5553424312345678"],
      "devices":{
        "good:0001":{"*":{"mode":"Option"}},
        "1111:0001":{"*":{"t_vendor":70000}},
        "1111:0002":{"*":{"t_vendor":-1}},
        "1111:0003":{"*":{"t_vendor":1.5}},
        "1111:0004":{"*":{"t_product":"1506"}},
        "1111:0005":{"*":{"msg":[99]}},
        "1111:0006":{"*":{"msg":[0]}},
        "1111:0007":{"*":{"msg":[2]}},
        "1111:0008":{"*":{"msg":[1,1,1,1]}},
        "1111:0009":{"*":{"wait":100000}},
        "1111:000a":{"*":{"release_delay":4294967296}},
        "1111:000b":{"*":{"response":"yes"}},
        "1111:000c":{"*":{"mode":17}},
        "1111:000d":{"*":{"msg_endpoint":256}},
        "1111:000e":[1,2],
        "1111:000f":{"*":"HuaweiNew"},
        "1111:0010":{"*":{"t_product":[1,2,-3]}},
        "1111:0011":{"*":{"msg":[18446744073709551615]}},
        "11111:0001":{"*":{"mode":"Option"}},
        "2222:0001":{"*":{"msg":[1],"interface":3,"unknown_future_key":[{}]}},
        "2222:0002":{"*":{"msg":[3],"mode":"HuaweiNew\u0000"}}
      }}"#;
    let db = Db::parse(text, "h").unwrap();
    // Only the sane entries survive.
    assert!(db.lookup(0x2222, 0x0001, &none()).is_some());
    let (_, e) = db.lookup(0x2222, 0x0002, &none()).unwrap();
    assert!(
        e.method == Method::Unknown,
        "odd names stay unknown, not a panic"
    );
    for pid in 1..=0x11u16 {
        assert!(
            db.lookup(0x1111, pid, &none()).is_none(),
            "1111:{pid:04x} should be skipped"
        );
    }
    assert_eq!(db.counts(), (2, 2));
    assert!(db.warnings.len() >= 19, "{:#?}", db.warnings);
    assert!(db
        .warnings
        .iter()
        .any(|w| w.contains("message 0 is not a hex string")));
    assert!(db
        .warnings
        .iter()
        .any(|w| w.contains("'good:0001' is not vvvv:pppp")));
}

#[test]
fn parse_id_is_strict() {
    assert_eq!(parse_id("12d1:1446"), Some((0x12d1, 0x1446)));
    for bad in [
        "12d1:144",
        "12d11446",
        "+2d1:1446",
        "12d1:14 6",
        "",
        ":",
        "12d1:1446:uMa=x",
    ] {
        assert_eq!(parse_id(bad), None, "{bad:?}");
    }
}

/// Names of the device files in Debian's usb-modeswitch-data.
fn pack_names() -> Vec<String> {
    assert!(
        std::path::Path::new(PACK).exists(),
        "{PACK} missing: apt-get install usb-modeswitch-data"
    );
    let out = Command::new("tar")
        .arg("-tzf")
        .arg(PACK)
        .output()
        .expect("tar runs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim_start_matches("./").to_string())
        .filter(|l| l.len() >= 9 && l.as_bytes().get(4) == Some(&b':'))
        .collect()
}

#[test]
fn the_generated_database_holds_every_device_of_usb_modeswitch_data() {
    let db = usbfake::shipped_db();
    assert!(db.warnings.is_empty(), "{:?}", db.warnings);
    let names = pack_names();
    assert_eq!(
        names.len(),
        512,
        "usb-modeswitch-data 20191128 has 512 device files"
    );

    let mut supported = 0;
    let mut nothing = 0;
    let mut unsupported = BTreeSet::new();
    for name in &names {
        let (id, key) = match name.get(9..) {
            Some("") | None => (&name[..9], "*"),
            Some(rest) => (&name[..9], rest.trim_start_matches(':')),
        };
        let (vid, pid) = parse_id(id).unwrap();
        let e = db
            .entries(vid, pid)
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, e)| e)
            .unwrap_or_else(|| panic!("{name} missing from the generated database"));
        match e.method {
            Method::Unknown => {
                unsupported.insert(format!("{name}: {}", e.mode_name));
            }
            _ if e.is_dummy() => nothing += 1,
            _ => supported += 1,
        }
    }
    // The committed counts (see the report of issue 4): every method the data
    // uses is implemented; 33 files are Configuration=0 ("no switching").
    assert_eq!(unsupported.len(), 0, "{unsupported:?}");
    assert_eq!(supported, 479);
    assert_eq!(nothing, 33);
    assert_eq!(db.counts(), (497, 512));
}

#[test]
fn every_generated_entry_plans_on_a_plausible_storage_device() {
    let db = usbfake::shipped_db();
    let dev = usbfake::storage_stick(0, 0, "1-1");
    let (mut planned, mut other) = (0, 0);
    for (vid, pid, key, e) in db.iter() {
        let mut d = dev.clone();
        d.vid = vid;
        d.pid = pid;
        // Entries with an interface number get a device that has it.
        if let Some(i) = e.interface {
            d.configs[0].interfaces[0].number = i;
        }
        if let Some(c) = e.config.filter(|c| *c > 1) {
            d.configs.push(umodem::core::modeswitch::Config {
                value: c,
                interfaces: vec![],
            });
        }
        match modeswitch::plan(&d, e) {
            Ok(Decision::Switch(p)) => {
                assert!(!p.actions.is_empty());
                planned += 1;
            }
            Ok(_) => other += 1,
            Err(err) => panic!("{vid:04x}:{pid:04x} {key}: {}", err.msg()),
        }
    }
    // Not planned: 33 Configuration=0, 1 Pantech auto-switch, and the 10
    // Configuration=1-only entries whose configuration 1 is already active here.
    assert_eq!((planned, other), (468, 44));
}

#[test]
fn the_e367_target_is_present_and_known_as_modem_mode() {
    let db = usbfake::shipped_db();
    assert!(db.is_target(0x12d1, 0x1506));
    assert!(!db.knows(0x12d1, 0x1506), "1506 is not a switch source");
}

/// The line form and usbmode's JSON form of the shipped data load to the same
/// database: one loader behind both.
#[test]
fn the_line_form_and_the_json_form_load_the_same() {
    let db = usbfake::shipped_db();
    let json = usbfake::usbmode_json(&db);
    let again = Db::parse(&json, "json").unwrap();
    assert!(again.warnings.is_empty(), "{:?}", again.warnings);
    assert_eq!(again.counts(), db.counts());
    assert!(db.iter().eq(again.iter()), "entries differ");
    let text = std::fs::read_to_string(SHIPPED_TXT).unwrap();
    assert!(
        text.len() * 10 < json.len() * 6,
        "the line form is much smaller: {} vs {} bytes",
        text.len(),
        json.len()
    );
}

#[test]
fn malformed_lines_skip_the_line_and_keep_the_rest() {
    let text = "# umodem usb-mode 1\n\
        m 5553424312345678\n\
        m zz\n\
        d 12d1:1446 * HuaweiNew v=12d1 p=1506\n\
        d 12d1:1447 * - msg=0 response\n\
        d 12d1:1448 * - msg=1\n\
        d 12d1:1449 * - msg=7\n\
        d 12d1:144a * - v=12345\n\
        d 12d1:144b * - p=1506,zz\n\
        d 12d1:144c * - wait=100000\n\
        d 12d1:144d * - config=x\n\
        d 12d1:144e *\n\
        d 12d1 * HuaweiNew\n\
        x what is this\n\
        \n\
        # a comment\n\
        d 12d1:144f * - msg=0 response=yes\n";
    let db = Db::parse_lines(text, "l").unwrap();
    assert_eq!(db.counts(), (2, 2), "{:?}", db.warnings);
    let (_, e) = db.lookup(0x12d1, 0x1447, &none()).unwrap();
    assert_eq!(
        e.msgs,
        vec![vec![0x55, 0x53, 0x42, 0x43, 0x12, 0x34, 0x56, 0x78]]
    );
    assert!(e.response);
    assert_eq!(db.warnings.len(), 11, "{:#?}", db.warnings);
    for want in [
        "message 1 is not a hex",
        "line 12: not a device record",
        "'12d1' is not vvvv:pppp",
        "line 14: not a device record",
        "t_vendor must be",
        "wait must be",
        "response must be",
    ] {
        assert!(
            db.warnings.iter().any(|w| w.contains(want)),
            "{want}: {:#?}",
            db.warnings
        );
    }
    for (text, want) in [
        ("", "not a device list"),
        ("{\"messages\":[],\"devices\":{}}", "not a device list"),
        ("# umodem usb-mode 2\n", "not a device list"),
    ] {
        let e = Db::parse_lines(text, "f").unwrap_err();
        assert!(
            e.msg().starts_with("f: ") && e.msg().contains(want),
            "{}",
            e.msg()
        );
    }
}

/// Deterministic mutations of the real database (a fixed-seed LCG): cut,
/// flipped, duplicated and spliced bytes. Each must load or fail cleanly, and
/// whatever loads must plan for every entry without a panic.
#[test]
fn mutated_databases_never_panic() {
    let lines = std::fs::read(SHIPPED_TXT).unwrap();
    let json = usbfake::usbmode_json(&usbfake::shipped_db()).into_bytes();
    for (form, orig) in [("lines", lines), ("json", json)] {
        mutate(form, &orig);
    }
}

fn mutate(form: &str, orig: &[u8]) {
    let mut seed: u64 = 0x5eed_1234_abcd_0001;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let dev = usbfake::storage_stick(0, 0, "1-1");
    let (mut loaded, mut rejected) = (0, 0);
    for round in 0..300 {
        let mut b = orig.to_vec();
        match round % 4 {
            0 => b.truncate(next() % b.len()),
            1 => {
                for _ in 0..1 + next() % 8 {
                    let i = next() % b.len();
                    let alphabet = b"{}[]\":,0123456789-eE.tfn \\\n=#dm";
                    b[i] = alphabet[next() % alphabet.len()];
                }
            }
            2 => {
                let i = next() % b.len();
                let j = (i + next() % 200).min(b.len());
                let chunk = b[i..j].to_vec();
                let k = next() % b.len();
                b.splice(k..k, chunk);
            }
            _ => {
                let i = next() % b.len();
                b.insert(i, (next() % 256) as u8);
            }
        }
        let Ok(text) = String::from_utf8(b) else {
            continue;
        };
        let res = if form == "json" {
            Db::parse(&text, "mutant")
        } else {
            Db::parse_lines(&text, "mutant")
        };
        match res {
            Ok(db) => {
                loaded += 1;
                for (vid, pid, _, e) in db.iter() {
                    let mut d = dev.clone();
                    d.vid = vid;
                    d.pid = pid;
                    let _ = modeswitch::plan(&d, e);
                }
            }
            Err(e) => {
                rejected += 1;
                assert!(e.msg().starts_with("mutant: "), "{}", e.msg());
            }
        }
    }
    // Both paths were exercised (a line file loses only lines; its first one
    // decides whether it is a database at all).
    assert!(
        loaded > 10 && rejected > 0,
        "{form}: loaded {loaded}, rejected {rejected}"
    );
}

#[test]
fn a_target_product_without_a_vendor_is_the_devices_own() {
    let text = "# umodem usb-mode 1\n\
        d 12d1:1446 * HuaweiNew p=1506\n\
        d 05c6:1000 * - v=04e8 p=6601\n\
        d 0408:f000 * Quanta\n";
    let db = Db::parse_lines(text, "l").unwrap();
    let (_, e) = db.lookup(0x12d1, 0x1446, &none()).unwrap();
    assert_eq!((e.t_vendor, e.t_product.clone()), (Some(0x12d1), vec![0x1506]));
    assert!(db.is_target(0x12d1, 0x1506));
    let (_, e) = db.lookup(0x05c6, 0x1000, &none()).unwrap();
    assert_eq!(e.t_vendor, Some(0x04e8), "an explicit v= stays");
    assert!(db.is_target(0x04e8, 0x6601) && !db.is_target(0x05c6, 0x6601));
    let (_, e) = db.lookup(0x0408, 0xf000, &none()).unwrap();
    assert_eq!(e.t_vendor, None, "no p=: no target vendor either");
    // the same rule for a JSON layer (one rule for both forms)
    let json = r#"{ "messages": [], "devices": { "12d1:1446": { "*": { "mode": "HuaweiNew", "t_product": [ 5382 ] } } } }"#;
    let db = Db::parse(json, "j").unwrap();
    let (_, e) = db.lookup(0x12d1, 0x1446, &none()).unwrap();
    assert_eq!((e.t_vendor, e.t_product.clone()), (Some(0x12d1), vec![0x1506]));
}
