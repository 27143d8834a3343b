//! `umodem sms` and `umodem ussd` against the virtual E367 (umodem-sim), whose
//! message storage and USSD network are written apart from umodem's codec
//! (tests/sim/src/sms.rs): messages in SIM and modem storage, a three-part
//! message stored out of order, sending through the `> ` prompt, deleting,
//! a full storage, USSD with a menu, a reply, a cancel and a refused code.
//! Every run logs at debug to stderr: no text, number or USSD string may
//! appear there.

mod simrig;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use simrig::Sim;

// PDUs built apart from the codec (see tests/sms_codec.rs for their origin):
// "hellohello" from 27838890001, 1999.
const HELLO: &str = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37";
// UCS2 ".@€£hello éìkð" from +221772610419.
const UCS2: &str = "0791227167830001040C912271271640910008906012024514001C002E004020AC00A300680065006C006C006F002000E900EC006B00F0";
// Three parts of "Part one, part two, part three." (16-bit reference 0x1234).
const C16: [&str; 3] = [
    "07917283010010F5440B917126354798F60000425021410000231206080412340301D0B09C0E7ABBCB2C10",
    "07917283010010F5440B917126354798F60000425021410000231206080412340302F0B09C0EA2DFDF2C10",
    "07917283010010F5440B917126354798F60000425021410000231306080412340303F0B09C0EA2A3E5E5B20B",
];

/// umodem against the sim, with `stdin` fed in, logging at debug to stderr.
fn run(s: &Sim, args: &[&str], stdin: &str) -> Output {
    run_bytes(s, args, stdin.as_bytes())
}

fn run_bytes(s: &Sim, args: &[&str], stdin: &[u8]) -> Output {
    let bin = std::env::var("UMODEM_TEST_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_umodem").to_string());
    let mut c = Command::new(bin)
        .args(args)
        .args(["--stderr", "--log-level", "debug"])
        .env("UMODEM_SYSFS", &s.root)
        .env("UMODEM_DEV", &s.dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(stdin).unwrap();
    c.wait_with_output().unwrap()
}

fn json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// None of `secrets` in what umodem logged.
fn no_secrets(o: &Output, secrets: &[&str]) {
    let e = stderr(o);
    assert!(e.contains("at > AT"), "no debug log at all: {e}");
    for s in secrets {
        assert!(!e.contains(s), "'{s}' logged: {e}");
    }
}

fn texts(v: &Value) -> Vec<String> {
    v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect()
}

/// A control command's reply without its "ok" ("error ..." stays as it is).
fn ctl(s: &Sim, cmd: &str) -> String {
    let r = s.ctl(cmd);
    let r = r.trim_end();
    r.strip_prefix("ok ")
        .or(r.strip_prefix("ok"))
        .unwrap_or(r)
        .to_string()
}

fn put(s: &Sim, mem: &str, pdu: &str) -> String {
    let i = ctl(s, &format!("sms-put {mem} {pdu}"));
    assert!(i.parse::<u16>().is_ok(), "{i}");
    i
}

#[test]
fn list_joins_parts_across_storages_in_part_order() {
    let s = Sim::start("sms-list", &["--no-pin"]);
    // Part 3 first, on the SIM; part 1 in the modem; a message between them;
    // part 2 last, on the SIM.
    assert_eq!(put(&s, "sim", C16[2]), "0");
    assert_eq!(put(&s, "sim", HELLO), "1");
    assert_eq!(put(&s, "modem", C16[0]), "0");
    assert_eq!(put(&s, "modem", UCS2), "1");
    assert_eq!(put(&s, "sim", C16[1]), "2");
    let o = run(&s, &["sms", "list", "--json"], "");
    let v = json(&o);
    assert_eq!(
        texts(&v),
        [
            "Part one, part two, part three.",
            "hellohello",
            ".@€£hello éìkð"
        ]
    );
    let m = &v["messages"][0];
    // Ids: SIM index, or 1000 + the modem index; parts in part order.
    assert_eq!(m["ids"], serde_json::json!([1000, 2, 0]));
    assert_eq!(m["parts"], 3);
    assert_eq!(m["number"], "+17625374896");
    assert_eq!(m["number_type"], "international");
    assert_eq!(m["time"], "2024-05-12T14:00:00+08:00");
    assert_eq!(m["state"], "unread");
    assert_eq!(m["direction"], "received");
    assert_eq!(v["messages"][1]["id"], 1);
    assert_eq!(v["messages"][1]["time"], "1999-03-29T15:16:59+02:00");
    assert_eq!(v["messages"][2]["id"], 1001);
    assert_eq!(v["messages"][2]["alphabet"], "ucs2");
    assert_eq!(
        v["storages"],
        serde_json::json!([
            {"name": "sim", "used": 3, "total": 10},
            {"name": "modem", "used": 2, "total": 20}
        ])
    );
    assert_eq!(v["incoming"], "sim");
    no_secrets(&o, &["hellohello", "27838890001", "Part one", "E8329BFD"]);
    // Listing read them all (27.005); the output showed them as they were.
    let dump = ctl(&s, "sms");
    let stats: Vec<&str> = dump
        .split_whitespace()
        .map(|e| e.split(':').nth(2).unwrap())
        .collect();
    assert_eq!(stats, ["1"; 5], "{dump}");
    let v = json(&run(&s, &["sms", "list", "--json"], ""));
    assert_eq!(v["messages"][0]["state"], "read");
    // The reading storage the modem had is put back.
    let pcui = s.dir.join("ttyUSB2");
    let r = at(&pcui, "AT+CPMS?");
    assert!(r.contains("+CPMS: \"SM\""), "{r}");
}

/// One command on a port, its answer lines.
fn at(port: &std::path::Path, cmd: &str) -> String {
    use umodem::core::engine::Engine;
    use umodem::hw::clock::SystemClock;
    use umodem::hw::serial::Tty;
    let mut tty = Tty::open(port).unwrap();
    let clock = SystemClock::new();
    let mut e = Engine::new(&mut tty, &clock);
    let r = e.command_timeout(cmd, 3000).unwrap();
    r.lines.join("\n")
}

#[test]
fn read_shows_the_whole_message_and_text_output() {
    let s = Sim::start("sms-read", &["--no-pin"]);
    put(&s, "sim", C16[1]);
    put(&s, "modem", C16[2]);
    put(&s, "sim", C16[0]);
    // Any id of a part reads the whole message.
    let v = json(&run(&s, &["sms", "read", "1000", "--json"], ""));
    assert_eq!(v["text"], "Part one, part two, part three.");
    assert_eq!(v["ids"], serde_json::json!([1, 0, 1000]));
    let o = run(&s, &["sms", "read", "1"], "");
    assert!(o.status.success());
    let t = String::from_utf8_lossy(&o.stdout);
    assert!(t.contains("text=Part one, part two, part three.\n"), "{t}");
    assert!(t.contains("number=+17625374896\n"), "{t}");
    // No such message.
    let o = run(&s, &["sms", "read", "7"], "");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no message 7"), "{}", stderr(&o));
}

#[test]
fn missing_part_is_named() {
    let s = Sim::start("sms-missing", &["--no-pin"]);
    put(&s, "sim", C16[0]);
    put(&s, "sim", C16[2]);
    let v = json(&run(&s, &["sms", "list", "--json"], ""));
    let m = &v["messages"][0];
    assert_eq!(m["text"], "Part one, part three.");
    assert_eq!(m["missing_parts"], serde_json::json!([2]));
}

#[test]
fn send_through_the_prompt_single_and_in_parts() {
    let s = Sim::start("sms-send", &["--no-pin"]);
    // Number and text on stdin only.
    let o = run(&s, &["sms", "send", "--json"], "+46708251358\nhellohello\n");
    let v = json(&o);
    assert_eq!(v["parts"], 1);
    assert_eq!(v["references"], serde_json::json!([1]));
    // The TPDU the network got: SMS-SUBMIT to +46708251358, GSM 7-bit.
    assert_eq!(
        ctl(&s, "sms-sent").trim(),
        "01000B916407281553F800000AE8329BFD4697D9EC37"
    );
    no_secrets(&o, &["hellohello", "46708251358", "E8329BFD", "6407281553"]);
    assert!(
        stderr(&o).contains("at > <text, 46 bytes>"),
        "{}",
        stderr(&o)
    );

    // A long UCS2 text: three parts, each through its own prompt.
    let long = "Привет! ".repeat(20);
    let o = run(&s, &["sms", "send", "--json"], &format!("8080\n{long}"));
    let v = json(&o);
    assert_eq!(v["parts"], 3);
    let sent: Vec<String> = ctl(&s, "sms-sent").lines().map(str::to_string).collect();
    assert_eq!(sent.len(), 4);
    let mut joined = String::new();
    for (i, t) in sent[1..].iter().enumerate() {
        // SMS-SUBMIT with a header, to 8080 (unknown type), UCS2; the
        // concatenation element says part i+1 of 3.
        assert!(t.starts_with("4100048108080008"), "{t}");
        assert_eq!(&t[18..24], "050003", "{t}");
        assert_eq!(&t[26..30], format!("03{:02X}", i + 1), "{t}");
        let units: Vec<u16> = (30..t.len())
            .step_by(4)
            .map(|k| u16::from_str_radix(&t[k..k + 4], 16).unwrap())
            .collect();
        joined.push_str(&String::from_utf16(&units).unwrap());
    }
    assert_eq!(joined, long);
    no_secrets(&o, &["Привет", "8080"]);
}

#[test]
fn send_errors_say_what_to_do() {
    let s = Sim::start("sms-send-err", &["--no-pin"]);
    // The network refuses: +CMS ERROR 500 after the text.
    s.ctl("sms-fail 500");
    let o = run(&s, &["sms", "send"], "+4917012345678\nhi\n");
    assert_eq!(o.status.code(), Some(17), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("+CMS ERROR: 500") && e.contains("refused"),
        "{e}"
    );
    assert!(!e.contains("4917012345678") && !e.contains("hi\n"), "{e}");
    // Nothing usable on stdin: usage, nothing sent.
    let o = run(&s, &["sms", "send"], "");
    assert_eq!(o.status.code(), Some(2));
    let o = run(&s, &["sms", "send"], "12ab\nhi");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("phone number"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("12ab"));
    let o = run_bytes(&s, &["sms", "send"], b"+4917012345678\nh\xffi");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the message on stdin is not UTF-8"),
        "{}",
        stderr(&o)
    );
    // The text never goes on the command line: an extra word is refused.
    let o = run(&s, &["sms", "send", "+4917012345678", "hi"], "");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(ctl(&s, "sms-sent").trim(), "");
    // SIM locked: the modem refuses to send (+CMS ERROR 311).
    let s = Sim::start("sms-send-pin", &["--pin", "8328"]);
    let o = run(&s, &["sms", "send"], "+4917012345678\nhi\n");
    assert_eq!(o.status.code(), Some(17));
    assert!(
        stderr(&o).contains("+CMS ERROR: 311") && stderr(&o).contains("SIM"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn delete_one_a_concatenated_one_and_all() {
    let s = Sim::start("sms-delete", &["--no-pin"]);
    put(&s, "sim", HELLO);
    put(&s, "sim", C16[0]);
    put(&s, "modem", C16[1]);
    put(&s, "sim", C16[2]);
    put(&s, "modem", UCS2);
    let v = json(&run(&s, &["sms", "delete", "0", "--json"], ""));
    assert_eq!(v["deleted"], serde_json::json!([0]));
    // Any part's id deletes every part, in both storages.
    let v = json(&run(&s, &["sms", "delete", "2", "--json"], ""));
    assert_eq!(v["deleted"], serde_json::json!([1, 1000, 2]));
    assert_eq!(ctl(&s, "sms").split_whitespace().count(), 1);
    let o = run(&s, &["sms", "delete", "5"], "");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v = json(&run(&s, &["sms", "delete", "all", "--json"], ""));
    assert_eq!(v["deleted"], serde_json::json!([1001]));
    assert_eq!(ctl(&s, "sms").trim(), "");
    let v = json(&run(&s, &["sms", "list", "--json"], ""));
    assert!(v["messages"].as_array().unwrap().is_empty());
}

#[test]
fn full_storage_is_reported() {
    let s = Sim::start("sms-full", &["--no-pin"]);
    for _ in 0..10 {
        put(&s, "sim", HELLO);
    }
    // The next message finds the SIM full: the stick says ^SMMEMFULL.
    assert!(ctl(&s, &format!("sms-arrive {HELLO}")).contains("full"));
    let v = json(&run(&s, &["sms", "list", "--json"], ""));
    assert_eq!(
        v["storages"][0],
        serde_json::json!({"name": "sim", "used": 10, "total": 10})
    );
    assert_eq!(v["messages"].as_array().unwrap().len(), 10);
    // A deleted one makes room again.
    json(&run(&s, &["sms", "delete", "3", "--json"], ""));
    assert_eq!(ctl(&s, &format!("sms-arrive {HELLO}")), "3");
}

#[test]
fn ussd_balance_menu_reply_cancel_and_refusal() {
    let s = Sim::start("ussd", &["--no-pin"]);
    let o = run(&s, &["ussd", "*100#", "--json"], "");
    let v = json(&o);
    assert_eq!(v["status"], "done");
    assert_eq!(v["open"], false);
    assert_eq!(v["text"], "Your balance is 12.50 EUR. Valid until 31.12.");
    // The string went 7-bit packed (Huawei), never into a log.
    no_secrets(&o, &["*100#", "AA180C3602", "balance"]);
    assert!(stderr(&o).contains("AT+CUSD=<hidden>"), "{}", stderr(&o));

    // A menu, a reply to it (the code from stdin), a second level, the last reply.
    let v = json(&run(&s, &["ussd", "*111#", "--json"], ""));
    assert_eq!(v["open"], true);
    assert_eq!(v["text"], "1. Balance\n2. Offers\n0. Exit");
    let v = json(&run(&s, &["ussd", "-", "--json"], "2\n"));
    assert_eq!(
        (v["open"].as_bool(), v["text"].as_str()),
        (Some(true), Some("1. 1 GB for 5 EUR\n0. Back"))
    );
    let v = json(&run(&s, &["ussd", "1", "--json"], ""));
    assert_eq!(
        (v["status"].as_str(), v["text"].as_str()),
        (Some("done"), Some("1 GB added. Thank you!"))
    );

    // A menu left with --cancel: the next code starts afresh.
    assert_eq!(
        json(&run(&s, &["ussd", "*111#", "--json"], ""))["open"],
        true
    );
    assert_eq!(
        json(&run(&s, &["ussd", "--cancel", "--json"], ""))["status"],
        "cancelled"
    );
    let o = run(&s, &["ussd", "1"], "");
    assert_eq!(o.status.code(), Some(17));
    assert!(
        stderr(&o).contains("network does not support"),
        "{}",
        stderr(&o)
    );

    // A UCS2 answer.
    assert_eq!(
        json(&run(&s, &["ussd", "*102#", "--json"], ""))["text"],
        "Баланс: 100 ₽"
    );

    // A code the network refuses: an error that says so.
    let o = run(&s, &["ussd", "*999#"], "");
    assert_eq!(o.status.code(), Some(17), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("network does not support"),
        "{}",
        stderr(&o)
    );
    // Not registered: the modem refuses at once.
    s.ctl("reg none");
    let o = run(&s, &["ussd", "*100#"], "");
    assert_eq!(o.status.code(), Some(17));
    assert!(stderr(&o).contains("+CME ERROR: 30"), "{}", stderr(&o));
    // Bad codes never reach the modem.
    let o = run(&s, &["ussd", "`"], "");
    assert_eq!(o.status.code(), Some(2));
    let o = run(&s, &["ussd"], "");
    assert_eq!(o.status.code(), Some(2));
}
