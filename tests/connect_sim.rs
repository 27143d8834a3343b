//! `umodem connect` as pppd runs it: stdin and stdout on the virtual E367's
//! modem port (a pty the test puts in raw mode, as pppd does), against
//! umodem-sim. Success, NO CARRIER, ERROR, BUSY, no answer, and the modem
//! unplugged mid-dial. No assertion on how long anything takes.

mod simrig;

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use simrig::Sim;
use umodem::hw::serial::Tty;

const UMODEM: &str = env!("CARGO_BIN_EXE_umodem");

/// The sim as these tests want it: SIM ready, no ^BOOT noise on the ports.
fn start(name: &str, args: &[&str]) -> Sim {
    let mut all = vec!["--no-pin", "--boot-interval-ms", "0"];
    all.extend_from_slice(args);
    Sim::start(name, &all)
}

/// `umodem connect` on the sim's modem port.
trait ConnectSim {
    fn connect(&self, args: &[&str], apn_env: Option<&str>) -> (Child, Tty, PathBuf);
}

impl ConnectSim for Sim {
    /// Start `umodem connect ARGS` with the modem port on stdin/stdout, as pppd
    /// does. Returns the child and the raw-mode handle (keep it open).
    fn connect(&self, args: &[&str], apn_env: Option<&str>) -> (Child, Tty, PathBuf) {
        let port = self.dir.join("ttyUSB0");
        let raw = Tty::open(&port).expect("open modem port raw");
        let f: File = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&port)
            .unwrap();
        let status = self.base.join("status");
        let mut c = Command::new(UMODEM);
        c.arg("connect")
            .args(args)
            .env("UMODEM_STATUS", &status)
            .env_remove("UMODEM_APN")
            .stdin(Stdio::from(f.try_clone().unwrap()))
            .stdout(Stdio::from(f))
            .stderr(Stdio::piped());
        if let Some(a) = apn_env {
            c.env("UMODEM_APN", a);
        }
        (c.spawn().expect("spawn umodem connect"), raw, status)
    }
}

/// Exit code, stderr and status file of a finished connect (bounded wait: a
/// hung child fails the test instead of hanging it).
fn finish(mut c: Child, status: &PathBuf) -> (i32, String, String) {
    let end = Instant::now() + Duration::from_secs(120);
    let code = loop {
        if let Some(s) = c.try_wait().unwrap() {
            break s.code().unwrap_or(-1);
        }
        if Instant::now() > end {
            let _ = c.kill();
            panic!("umodem connect did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    c.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let st = std::fs::read_to_string(status).unwrap_or_default();
    (code, err, st.trim().to_string())
}

#[test]
fn connects_with_the_apn_from_the_environment() {
    let s = start("ok", &["--apn", "bredband.tre.se"]);
    let (c, _raw, st) = s.connect(&[], Some("bredband.tre.se"));
    let (code, err, status) = finish(c, &st);
    assert_eq!(code, 0, "{err}");
    assert_eq!(status, "CONNECTED");
    assert!(err.contains("umodem connect: CONNECT"), "{err}");
    assert!(
        err.contains("AT+CGDCONT=1,\"IP\",\"bredband.tre.se\""),
        "{err}"
    );
    assert_eq!(s.status("data"), "true", "modem port is in data mode");
}

#[test]
fn wrong_apn_gives_no_carrier() {
    let s = start("apn", &["--apn", "bredband.tre.se"]);
    let (c, _raw, st) = s.connect(&["--apn", "wrong.example"], None);
    let (code, err, status) = finish(c, &st);
    assert_eq!(code, 20, "{err}");
    assert_eq!(status, "NO_CARRIER");
    assert_eq!(s.status("data"), "false");
}

#[test]
fn refused_call_is_no_carrier() {
    let s = start("refuse", &["--fault", "refuse"]);
    let (c, _raw, st) = s.connect(&["--dial", "*99#"], None);
    let (code, err, status) = finish(c, &st);
    assert_eq!(code, 20, "{err}");
    assert_eq!(status, "NO_CARRIER");
    assert!(err.contains("ATD*99# -> NO CARRIER"), "{err}");
}

#[test]
fn dial_error_is_error() {
    let s = start("error", &["--fault", "dial-error"]);
    let (c, _raw, st) = s.connect(&[], Some("internet"));
    let (code, err, status) = finish(c, &st);
    assert_eq!(code, 21, "{err}");
    assert_eq!(status, "DIAL_ERROR");
}

#[test]
fn busy_is_busy() {
    let s = start("busy", &["--fault", "dial-busy"]);
    let (c, _raw, st) = s.connect(&[], None);
    let (code, err, status) = finish(c, &st);
    assert_eq!(code, 24, "{err}");
    assert_eq!(status, "DIAL_BUSY");
}

#[test]
fn silent_modem_times_out() {
    let s = start("silence", &["--fault", "silence"]);
    let (c, _raw, st) = s.connect(&[], None);
    let (code, err, status) = finish(c, &st);
    assert_eq!(code, 22, "{err}");
    assert_eq!(status, "MODEM_TIMEOUT");
}

#[test]
fn no_connect_within_timeout() {
    let s = start("slow", &["--dial-delay-ms", "600000"]);
    let (c, _raw, st) = s.connect(&["--timeout", "2"], None);
    let (code, err, status) = finish(c, &st);
    assert_eq!(code, 22, "{err}");
    assert_eq!(status, "MODEM_TIMEOUT");
    assert!(err.contains("ATD*99***1# -> no answer"), "{err}");
}

#[test]
fn modem_unplugged_while_dialling() {
    let s = start("unplug", &["--dial-delay-ms", "600000"]);
    let (mut c, _raw, st) = s.connect(&[], None);
    // Unplug once connect reports it is past registration, i.e. dialling.
    let mut err = BufReader::new(c.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut l = String::new();
        assert!(
            err.read_line(&mut l).unwrap() > 0,
            "connect ended early: {seen}"
        );
        seen.push_str(&l);
        if l.contains("AT+CREG? ->") {
            break;
        }
    }
    s.ctl("unplug");
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    let code = c.wait().unwrap().code().unwrap_or(-1);
    assert_eq!(code, 23, "{seen}{rest}");
    assert_eq!(
        std::fs::read_to_string(&st).unwrap_or_default().trim(),
        "MODEM_GONE"
    );
}

#[test]
fn hostile_apn_never_reaches_the_modem() {
    let s = start("hostile", &[]);
    let (c, _raw, st) = s.connect(&[], Some("x\",\"y\"\rATH"));
    let (code, err, _) = finish(c, &st);
    assert_eq!(code, 2, "{err}");
    assert_eq!(s.status("call"), "false");
}
