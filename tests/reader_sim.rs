//! Issue 13 on the virtual E367 (umodem-sim): line noise, silence, a refused
//! hello and the port lock, as `umodem info` and `umodem prepare` meet them.
//! Each test failed on the code before the one reader (see the README's
//! "Talking to the modem"): run them against another build with
//! `UMODEM_TEST_BIN=/path/to/umodem cargo test --test reader_sim`.
//! Nothing here asserts how fast anything is (`make bench` does): the bounds
//! are counted in commands the sim received.

mod simrig;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use simrig::Sim;

fn bin() -> String {
    std::env::var("UMODEM_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_umodem").into())
}

fn umodem(s: &Sim, args: &[&str], pin: Option<&str>) -> Output {
    s.umodem(args, pin)
}

fn pcui(s: &Sim) -> String {
    s.dir.join("ttyUSB2").to_string_lossy().into_owned()
}

fn info(s: &Sim) -> Output {
    umodem(s, &["info", "--json", "--port", &pcui(s)], None)
}

fn prepare(s: &Sim, pin: Option<&str>) -> Output {
    let st = s.base.join("state").to_string_lossy().into_owned();
    umodem(s, &["prepare", "--port", &pcui(s), "--state-dir", &st], pin)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The error line umodem ends with (`umodem: ...`), without the log lines.
fn message(o: &Output) -> String {
    err(o)
        .lines()
        .filter(|l| l.starts_with("umodem: ") && !l.starts_with("umodem: info: "))
        .filter(|l| !l.starts_with("umodem: debug: ") && !l.starts_with("umodem: warning: "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Command lines the sim's PCUI has received so far.
fn lines(s: &Sim) -> u64 {
    s.status("pcui_lines").parse().unwrap()
}

/// Point 1: binary junk and a cut-off `^RSS` before every answer on the PCUI.
#[test]
fn noise_and_a_cut_off_report_never_become_values() {
    let s = Sim::start("fragment", &["--no-pin", "--fault", "fragment"]);
    let o = info(&s);
    let j = out(&o);
    assert!(o.status.success(), "{}", err(&o));
    for want in [
        "\"manufacturer\":\"huawei\"",
        "\"model\":\"E367\"",
        "\"revision\":\"11.807.05.00.00\"",
        "\"imei\":\"353613040739180\"",
        "\"imsi\":\"240021234567890\"",
        "\"iccid\":\"89",
        "\"state\":\"ready\"",
        "\"name\":\"3 SE\"",
    ] {
        assert!(j.contains(want), "{want} missing in {j}");
    }
    assert!(!j.contains("RSS"), "a fragment became a value: {j}");
    // The same through the port finder (probe, then the reading).
    let o = umodem(&s, &["info", "--json"], None);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("\"model\":\"E367\"") && !out(&o).contains("RSS"));
}

/// Point 2: a modem that stops answering after a few commands ends `info` at
/// the first command that gets no answer: non-zero exit, what was read so
/// far on stdout, the command named once, and nothing sent after it.
#[test]
fn a_modem_that_falls_silent_ends_info_at_the_first_unanswered_command() {
    let s = Sim::start("silent-info", &["--no-pin"]);
    // ATQ0V1, AT+CMEE=1, AT+CPIN?, AT^CPIN?, AT+CGMI answered; then silence.
    assert_eq!(s.ctl("silent-after 5").trim(), "ok");
    let o = info(&s);
    assert_eq!(o.status.code(), Some(17), "{}", err(&o));
    let j = out(&o);
    assert!(j.contains("\"manufacturer\":\"huawei\""), "{j}");
    assert!(j.contains("\"state\":\"ready\""), "{j}");
    assert!(j.contains("\"model\":null"), "{j}");
    let m = message(&o);
    assert_eq!(m.matches("AT+CGMM").count(), 1, "{m}");
    assert_eq!(lines(&s), 6, "one command after the silence began, no more");
}

#[test]
fn a_modem_that_falls_silent_ends_prepare_at_the_first_unanswered_command() {
    let s = Sim::start("silent-prepare", &["--pin", "8328"]);
    // ATQ0V1, AT+CMEE=1, AT^CURC=0 answered; AT+CPIN? never is.
    assert_eq!(s.ctl("silent-after 3").trim(), "ok");
    let o = prepare(&s, Some("8328"));
    assert_eq!(o.status.code(), Some(17), "{}", err(&o));
    let m = message(&o);
    assert!(m.contains("no answer to AT+CPIN?"), "{m}");
    assert_eq!(lines(&s), 4, "one command after the silence began, no more");
    assert_eq!(s.status("pin_left"), "3");
}

/// Point 3: a modem that refuses `ATQ0V1` still gets read (plain `AT` works).
#[test]
fn a_refused_hello_falls_back_to_plain_at() {
    let s = Sim::start("hello-refused", &["--pin", "8328"]);
    assert_eq!(s.ctl("error ATQ0V1").trim(), "ok");
    let o = info(&s);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains("\"model\":\"E367\""), "{}", out(&o));
    let o = prepare(&s, Some("8328"));
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(s.status("sim"), "ready");
}

/// Point 3: when everything is refused, the message names a command that was
/// really sent, once.
#[test]
fn a_refusal_names_the_command_that_was_sent() {
    let trace = std::env::temp_dir().join(format!("umodem-refused-{}.trace", std::process::id()));
    let _ = std::fs::remove_file(&trace);
    let t = trace.to_string_lossy().into_owned();
    let s = Sim::start("all-refused", &["--no-pin", "--trace", &t]);
    assert_eq!(s.ctl("error *").trim(), "ok");
    let o = info(&s);
    assert_eq!(o.status.code(), Some(17), "{}", err(&o));
    let m = message(&o);
    assert!(m.contains("ERROR to AT:"), "{m}");
    assert_eq!(m.matches("ERROR").count(), 1, "{m}");
    drop(s);
    // The trace shows what the host sent on the PCUI: "AT" among it.
    let tr = std::fs::read_to_string(&trace).unwrap_or_default();
    let _ = std::fs::remove_file(&trace);
    let sent: Vec<&str> = tr
        .lines()
        .filter_map(|l| {
            let mut w = l.splitn(4, ' ');
            let (_, port, dir) = (w.next()?, w.next()?, w.next()?);
            (port == "pcui" && dir == "<").then(|| w.next().unwrap_or("").trim())
        })
        .collect();
    assert!(
        sent.iter().any(|c| c.trim_end_matches("\\r") == "AT"),
        "the message names AT, which must have been sent: {sent:?}"
    );
}

/// Point 3: a port lost in the middle of a command (here the SIM query)
/// says so once.
#[test]
fn a_port_lost_mid_command_is_said_once() {
    let s = Sim::start("gone", &["--no-pin"]);
    assert_eq!(s.ctl("silent-at AT+CPIN?").trim(), "ok");
    let c = Command::new(bin())
        .args(["info", "--port", &pcui(&s)])
        .env("UMODEM_SYSFS", &s.root)
        .env("UMODEM_DEV", &s.dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // AT+CPIN? waits for an answer that will not come: pull the stick.
    let end = Instant::now() + Duration::from_secs(20);
    while s.status("silent") != "true" && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(s.ctl("unplug").trim(), "ok");
    let o = c.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(10), "{}", err(&o));
    let m = message(&o);
    assert_eq!(m.matches("failed").count(), 1, "{m}");
    assert!(m.contains("AT+CPIN?"), "{m}");
}

/// Point 7: `info` and `prepare` take the control port's lock: while another
/// umodem process holds it they send nothing, and say the port is busy.
#[test]
fn info_and_prepare_take_the_port_lock() {
    let s = Sim::start("lock", &["--pin", "8328"]);
    let holder = umodem::hw::serial::Tty::open(&s.dir.join("ttyUSB2")).unwrap();
    assert!(holder.try_lock().unwrap());
    let before = lines(&s);
    let o = info(&s);
    assert_eq!(o.status.code(), Some(17), "{}", err(&o));
    assert!(message(&o).contains("busy"), "{}", err(&o));
    let o = prepare(&s, Some("8328"));
    assert_eq!(o.status.code(), Some(17), "{}", err(&o));
    assert_eq!(lines(&s), before, "nothing sent through the lock");
    assert_eq!(s.status("pin_left"), "3");
    drop(holder);
    let o = prepare(&s, Some("8328"));
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(s.status("sim"), "ready");
}
