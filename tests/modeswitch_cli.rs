//! `umodem switch` argument handling, through the binary (no USB needed: every
//! case here is refused before any device is opened).

use std::process::Command;

fn umodem(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_umodem"))
        .args(args)
        .env("UMODEM_SYSFS", "/nonexistent-umodem-sysfs")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_switch_arguments_are_refused_with_a_reason() {
    for (args, want) in [
        (
            &["switch", "--port-path", "1-1;reboot"][..],
            "is not like 1-1.2",
        ),
        (&["switch", "--port-path", "usb1"][..], "is not like 1-1.2"),
        (&["switch", "--device", "12d1"][..], "is not VID:PID in hex"),
        (
            &["switch", "--timeout", "0"][..],
            "--timeout must be 1..600 seconds",
        ),
        (&["switch", "--timeout", "ten"][..], "is not a number"),
        (&["switch", "--bus", "1"][..], "--bus needs --port-path"),
        (
            &["switch", "--bus", "300", "--port-path", "1"][..],
            "--bus: 300 is not a USB bus number",
        ),
        (&["switch", "--frob"][..], "unexpected argument '--frob'"),
        (&["db"][..], "missing subcommand"),
        (&["db", "lookup"][..], "missing VID:PID"),
        (&["db", "frob"][..], "unknown subcommand 'frob'"),
    ] {
        let (code, err) = umodem(args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn bus_and_port_chain_combine_into_a_port_path() {
    // Accepted (the port path check passes); it then fails on the missing
    // database given, not on the arguments.
    let (code, err) = umodem(&[
        "switch",
        "--bus",
        "1",
        "--port-path",
        "1.2",
        "--db",
        "/nonexistent.json",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("/nonexistent.json") && err.contains("reinstall umodem"),
        "{err}"
    );
}

#[test]
fn list_without_usb_in_sysfs_says_so() {
    let db = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/files/usr/share/umodem/usb-mode.txt"
    );
    let (code, err) = umodem(&["list", "--db", db]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no USB support in this kernel, or wrong UMODEM_SYSFS"),
        "{err}"
    );
}

#[test]
fn db_lookup_takes_the_id_in_either_case() {
    let db = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/files/usr/share/umodem/usb-mode.txt"
    );
    for id in ["12d1:1446", "12D1:1446"] {
        let out = Command::new(env!("CARGO_BIN_EXE_umodem"))
            .args(["db", "lookup", id, "--db", db])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{id}: {text}");
        assert!(text.starts_with("id=12d1:1446\n"), "{id}: {text}");
        assert!(
            text.contains("entries.0.method=HuaweiNew\n"),
            "{id}: {text}"
        );
    }
}
