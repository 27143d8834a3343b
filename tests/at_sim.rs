//! umodem against the virtual E367 (umodem-sim) on pseudo-terminals: ports,
//! info, prepare (PIN safety, SIM states, service mode) and the sim's faults.
//! The sim's fake sysfs stands in for /sys and UMODEM_DEV maps /dev/ttyUSBn
//! to the sim's pty links. Nothing here asserts how fast anything is.

mod simrig;

use std::path::PathBuf;
use std::process::Output;

use simrig::Sim;

/// `prepare` against the sim, keeping its state in the sim's temp dir.
trait AtSim {
    fn prepare(&self, pin: Option<&str>, extra: &[&str]) -> (i32, String);
}

impl AtSim for Sim {
    fn prepare(&self, pin: Option<&str>, extra: &[&str]) -> (i32, String) {
        let st = self.base.join("state").to_string_lossy().into_owned();
        let mut args = vec!["prepare", "--state-dir", st.as_str()];
        args.extend_from_slice(extra);
        let o = self.umodem(&args, pin);
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }
}

/// Mode and order from the modem's own `AT^SYSCFG?`.
fn syscfg(s: &Sim) -> String {
    use umodem::core::engine::Engine;
    use umodem::hw::clock::SystemClock;
    use umodem::hw::serial::Tty;
    let mut tty = Tty::open(&s.dir.join("ttyUSB2")).unwrap();
    let clock = SystemClock::new();
    let mut e = Engine::new(&mut tty, &clock);
    let r = e.command_timeout("AT^SYSCFG?", 5000).unwrap();
    let p: Vec<&str> = umodem::core::at::params(r.field("^SYSCFG:").unwrap()).collect();
    format!("{},{}", p[0], p[1])
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn ports_picks_pcui_and_modem_and_probes() {
    let s = Sim::start("ports", &["--no-pin"]);
    let o = s.umodem(&["ports"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = text(&o);
    let dev = s.dir.display();
    assert!(
        t.contains(&format!("modem.0.control={dev}/ttyUSB2\n")),
        "{t}"
    );
    assert!(t.contains(&format!("modem.0.data={dev}/ttyUSB0\n")), "{t}");
    // PCUI answered AT; the diagnostics port (which never answers AT) was not
    // waited for once the profile's control port had answered; the data port
    // was left alone.
    assert!(t.contains("modem.0.port.2.at=true\n"), "{t}");
    assert!(!t.contains("modem.0.port.1.at="), "{t}");
    assert!(!t.contains("modem.0.port.0.at="), "{t}");
}

#[test]
fn info_reports_every_field() {
    let s = Sim::start("info", &["--no-pin"]);
    let o = s.umodem(&["info", "--json"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j = text(&o);
    for want in [
        "\"manufacturer\":\"huawei\"",
        "\"model\":\"E367\"",
        "\"revision\":\"11.807.05.00.00\"",
        "\"imei\":\"353613040739180\"",
        "\"gcap\":[\"+CGSM\",\"+DS\",\"+ES\"]",
        "\"state\":\"ready\"",
        "\"pin_attempts\":3",
        "\"puk_attempts\":10",
        "\"mcc\":\"240\"",
        "\"mnc\":\"02\"",
    ] {
        assert!(j.contains(want), "{want} missing in {j}");
    }
    // Fields the sim has must not be null.
    for key in [
        "imsi",
        "iccid",
        "signal",
        "creg",
        "cgreg",
        "name",
        "technology",
        "lac",
        "cell",
        "dbm",
        "percent",
    ] {
        assert!(j.contains(&format!("\"{key}\":")), "{key} missing in {j}");
        assert!(!j.contains(&format!("\"{key}\":null")), "{key} null in {j}");
    }
    assert!(j.contains("\"iccid\":\"89"), "{j}");
    // Text output, with --port given directly.
    let pcui = s.dir.join("ttyUSB2");
    let o = s.umodem(&["info", "--port", pcui.to_str().unwrap()], None);
    assert!(o.status.success());
    let t = text(&o);
    assert!(
        t.contains("model=E367\n") && t.contains("sim.state=ready\n"),
        "{t}"
    );
}

#[test]
fn info_with_locked_sim_gives_nulls_not_errors() {
    let s = Sim::start("info-locked", &["--pin", "8328"]);
    let o = s.umodem(&["info", "--json"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j = text(&o);
    assert!(j.contains("\"state\":\"pin\""), "{j}");
    assert!(j.contains("\"imsi\":null"), "{j}");
    assert!(j.contains("\"model\":\"E367\""), "{j}");
}

#[test]
fn prepare_with_the_right_pin() {
    let s = Sim::start("pin-ok", &["--pin", "8328"]);
    let (c, err) = s.prepare(Some("8328"), &["--service", "umts_only"]);
    assert_eq!(c, 0, "{err}");
    assert_eq!(s.status("sim"), "ready");
    assert_eq!(s.status("pin_left"), "3");
    assert_eq!(
        s.status("curc"),
        "0",
        "AT^CURC=0 sent per the Huawei profile"
    );
    assert!(!err.contains("8328"));
    // Service mode took: ask the modem itself.
    assert_eq!(syscfg(&s), "14,2");
    let (c, _) = s.prepare(Some("8328"), &["--service", "gprs_first"]);
    assert_eq!(c, 0);
    assert_eq!(syscfg(&s), "2,1");
    // Ready SIM: a second run sends nothing and succeeds.
    let (c, _) = s.prepare(Some("8328"), &[]);
    assert_eq!(c, 0);
}

#[test]
fn wrong_pin_costs_exactly_one_attempt_and_is_never_resent() {
    let s = Sim::start("pin-bad", &["--pin", "8328"]);
    let (c, err) = s.prepare(Some("1111"), &[]);
    assert_eq!(c, 13, "{err}");
    assert!(!err.contains("1111"), "PIN in the error: {err}");
    assert_eq!(s.status("pin_left"), "2");
    // Again (as after a restart): refused unsent, the count stays.
    let (c, _) = s.prepare(Some("1111"), &[]);
    assert_eq!(c, 13);
    assert_eq!(s.status("pin_left"), "2");
    // The right PIN from a changed config goes through.
    let (c, err) = s.prepare(Some("8328"), &[]);
    assert_eq!(c, 0, "{err}");
    assert_eq!(s.status("sim"), "ready");
}

#[test]
fn one_attempt_left_sends_nothing() {
    let s = Sim::start("pin-one", &["--pin", "8328", "--pin-left", "1"]);
    let (c, err) = s.prepare(Some("8328"), &[]);
    assert_eq!(c, 14, "{err}");
    assert_eq!(s.status("pin_left"), "1");
    assert_eq!(s.status("sim"), "pin");
}

#[test]
fn sim_states_have_distinct_exit_codes() {
    let s = Sim::start("nosim", &["--no-sim"]);
    assert_eq!(s.prepare(Some("8328"), &[]).0, 11);
    drop(s);
    let s = Sim::start("nopin", &["--pin", "8328"]);
    let (c, err) = s.prepare(None, &[]);
    assert_eq!(c, 12, "{err}");
    assert_eq!(s.status("pin_left"), "3");
    s.ctl("sim puk");
    assert_eq!(s.prepare(Some("8328"), &[]).0, 15);
    s.ctl("sim busy 60000");
    assert_eq!(s.prepare(Some("8328"), &[]).0, 16);
    // A SIM busy for a moment after plugging is waited for.
    s.ctl("sim ready");
    s.ctl("sim busy 1500");
    let (c, err) = s.prepare(Some("8328"), &[]);
    assert_eq!(c, 0, "{err}");
}

#[test]
fn faults() {
    let s = Sim::start("faults", &["--no-pin"]);
    // URC storm, URCs in the middle of answers, partial lines: info still complete.
    for f in ["storm", "urc-mid", "partial"] {
        s.ctl(&format!("fault {f}"));
        let o = s.umodem(&["info", "--json"], None);
        assert!(
            o.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let j = text(&o);
        assert!(
            j.contains("\"model\":\"E367\"") && j.contains("\"imei\":\"353613040739180\""),
            "{f}: {j}"
        );
        s.ctl(&format!("clear {f}"));
    }
    // Garbage between the answers is never taken for one.
    s.ctl("fault garbage");
    for _ in 0..3 {
        let o = s.umodem(&["info", "--json"], None);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let j = text(&o);
        assert!(
            j.contains("\"manufacturer\":\"huawei\",\"model\":\"E367\""),
            "garbage: {j}"
        );
    }
    s.ctl("clear garbage");
    // One answer cut in the middle of a line, the rest never sent: that
    // command times out, the others still answer.
    s.ctl("fault truncate");
    let o = s.umodem(&["info", "--json"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        text(&o).contains("\"imei\":\"353613040739180\""),
        "{}",
        text(&o)
    );
    // Silence: the modem does not answer.
    s.ctl("fault silence");
    let (c, err) = s.prepare(
        Some("8328"),
        &["--port", s.dir.join("ttyUSB2").to_str().unwrap()],
    );
    assert_eq!(c, 17, "{err}");
    s.ctl("clear silence");
    // Unplugged: the stick and its sysfs entries are gone.
    s.ctl("unplug");
    let (c, err) = s.prepare(Some("8328"), &[]);
    assert_eq!(c, 10, "{err}");
}

#[test]
fn two_modems_renumbered_info_finds_the_live_e367() {
    // The two-modems tree puts the E367 on ttyUSB3..5 (a ZTE took 0..2).
    // Point those names at the sim's ptys: same stick, other numbers.
    let s = Sim::start("two", &["--no-pin"]);
    let dev = s.base.join("dev2");
    std::fs::create_dir_all(&dev).unwrap();
    for (n, to) in [(3, 0), (4, 1), (5, 2)] {
        std::os::unix::fs::symlink(
            s.dir.join(format!("ttyUSB{to}")),
            dev.join(format!("ttyUSB{n}")),
        )
        .unwrap();
    }
    let tree = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sysfs/two-modems");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_umodem"))
            .args(args)
            .env("UMODEM_SYSFS", &tree)
            .env("UMODEM_DEV", &dev)
            .output()
            .unwrap()
    };
    let o = run(&["ports"]);
    let t = text(&o);
    assert!(
        t.contains(&format!("modem.1.control={}/ttyUSB5\n", dev.display())),
        "{t}"
    );
    assert!(t.contains("modem.1.port.2.at=true\n"), "{t}");
    assert!(
        t.contains("modem.0.port.0.at=false\n"),
        "ZTE ports absent: {t}"
    );
    let o = run(&["info", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j = text(&o);
    assert!(
        j.contains(&format!("\"port\":\"{}/ttyUSB5\"", dev.display())),
        "{j}"
    );
    assert!(j.contains("\"model\":\"E367\""), "{j}");
}

#[test]
fn sim_busy_after_the_pin_is_waited_for_before_the_service_mode() {
    let s = Sim::start(
        "busy-after",
        &["--pin", "8328", "--busy-after-pin-ms", "1500"],
    );
    let (c, err) = s.prepare(Some("8328"), &["--service", "gprs_only"]);
    assert_eq!(c, 0, "{err}");
    assert_eq!(s.status("sim"), "ready");
    assert_eq!(s.status("pin_left"), "3");
    assert_eq!(syscfg(&s), "13,1");
}
