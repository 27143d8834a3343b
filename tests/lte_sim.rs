//! Issue 15 on the virtual E3372 (umodem-sim --model e3372, on ptys) and on
//! sysfs trees of LTE sticks: `info`'s LTE readings, `umodem at` (the NCM data
//! call of the netifd handler), and `info` on a HiLink stick, which has no AT port.

mod simrig;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use simrig::Sim;

fn bin() -> String {
    std::env::var("UMODEM_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_umodem").to_string())
}

/// umodem with `stdin` fed in, logging at debug to stderr.
fn run(sysfs: &Path, dev: &Path, args: &[&str], stdin: &str) -> Output {
    let mut c = Command::new(bin())
        .args(args)
        .args(["--stderr", "--log-level", "debug"])
        .env("UMODEM_SYSFS", sysfs)
        .env("UMODEM_DEV", dev)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    c.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "exit {:?}: {}", o.status.code(), err(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", out(o)))
}

#[test]
fn info_reads_lte() {
    let s = Sim::start("info", &["--model", "e3372", "--no-pin"]);
    let v = json(&run(&s.root, &s.dir, &["info", "--json"], ""));
    assert_eq!(v["model"], "E3372", "{v}");
    assert_eq!(v["technology"], "lte", "{v}");
    assert_eq!(v["registration"]["cereg"]["state"], "home", "{v}");
    // The sim's readings follow its wandering signal: check them against the
    // CSQ of the same reading with the sim's own derivation (tests/sim README).
    let csq = v["signal"]["csq"].as_i64().unwrap();
    let rssi = -113 + 2 * csq;
    let lte = &v["lte"];
    assert_eq!(lte["rssi"].as_i64(), Some(rssi), "{v}");
    assert_eq!(lte["rsrp"].as_i64(), Some(rssi - 22), "{v}");
    assert_eq!(lte["sinr"].as_i64(), Some(csq - 8), "{v}");
    assert!((-20..=-2).contains(&lte["rsrq"].as_i64().unwrap()), "{v}");
}

#[test]
fn at_sends_stdin_and_prints_the_answers() {
    let s = Sim::start("at", &["--model", "e3372", "--no-pin", "--apn", "internet"]);
    let o = run(
        &s.root,
        &s.dir,
        &["at"],
        "AT+CGMM\n\nAT^NDISDUP=1,1,\"internet\"\n",
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "E3372\nOK\nOK\n");
    let mut up = String::new();
    for _ in 0..50 {
        up = out(&run(
            &s.root,
            &s.dir,
            &["at", "--port", "ttyUSB2"],
            "AT^NDISSTATQRY?\n",
        ));
        if up.starts_with("^NDISSTATQRY: 1,") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        up, "^NDISSTATQRY: 1,,,\"IPV4\"\nOK\n",
        "the data call is up"
    );
    // A refusal ends the run: what came is printed, exit 17, the rest not sent.
    let o = run(
        &s.root,
        &s.dir,
        &["at"],
        "AT^NDISDUP=1,0\nAT+NOSUCH\nAT+CGMI\n",
    );
    assert_eq!(o.status.code(), Some(17), "{}", err(&o));
    assert_eq!(out(&o), "OK\nCOMMAND NOT SUPPORT\n");
    assert!(err(&o).contains("COMMAND NOT SUPPORT"), "{}", err(&o));
    // Commands come from stdin only and never reach a log: one may hold a
    // password (AT^NDISDUP=1,1,"apn","user","password",2).
    let o = run(
        &s.root,
        &s.dir,
        &["at"],
        "AT^NDISDUP=1,1,\"internet\",\"me\",\"s3cret-pw\",2\n",
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("at > AT^NDISDUP=<hidden>"), "{}", err(&o));
    assert!(!err(&o).contains("s3cret"), "{}", err(&o));
    // A silent modem: bounded by --timeout, exit 17.
    s.ctl("fault hang");
    let t0 = std::time::Instant::now();
    let o = run(&s.root, &s.dir, &["at", "--timeout", "1"], "AT\n");
    assert_eq!(o.status.code(), Some(17), "{}", err(&o));
    assert!(err(&o).contains("no answer"), "{}", err(&o));
    assert!(t0.elapsed().as_secs() < 10);
    // Nothing usable on stdin: nothing is sent, exit 0.
    let o = run(&s.root, &s.dir, &["at", "--port", "ttyUSB2"], "\n  \n");
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "");
    assert!(!err(&o).contains("at > "), "{}", err(&o));
}

/// A sysfs tree of tests/fixtures/sysfs/mk-at-tree.sh's `scenario`.
fn tree(name: &str, scenario: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("umodem-lte-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let st = Command::new("sh")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sysfs/mk-at-tree.sh"))
        .arg(&dir)
        .arg(scenario)
        .status()
        .unwrap();
    assert!(st.success());
    dir
}

#[test]
fn info_on_a_hilink_stick_says_what_sysfs_and_its_interface_know() {
    let root = tree("hilink", "e3372h");
    let v = json(&run(&root, &root, &["info", "--json"], ""));
    let m = &v["modem"][0];
    assert_eq!(m["usb"], "12d1:14dc", "{v}");
    assert_eq!(m["net"], "eth0", "{v}");
    assert_eq!(m["net_driver"], "cdc_ether", "{v}");
    assert_eq!(m["net_class"], "02/06/00", "{v}");
    assert_eq!(m["carrier"], true, "{v}");
    assert_eq!(m["mac"], "0c:5b:8f:27:9a:64", "{v}");
    assert_eq!(m["control"], Value::Null, "{v}");
    // `info --port` still insists on an AT port.
    let o = run(&root, &root, &["info", "--port", "ttyUSB0"], "");
    assert_eq!(o.status.code(), Some(10), "{}", err(&o));
    let _ = std::fs::remove_dir_all(&root);
}
