//! The rpcd ACL file we ship: valid JSON in rpcd's layout, read access to the
//! methods that only look (status, info, history), write access to the ones that act
//! (connect, disconnect) and to text messages and USSD (private, and sending
//! costs money), and nothing the daemon does not have.

use serde_json::Value;
use umodem::cmd::daemon;

fn acl() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/files/usr/share/rpcd/acl.d/umodem.json"
    );
    let text = std::fs::read_to_string(path).expect("ACL file present");
    serde_json::from_str(&text).expect("ACL file is valid JSON")
}

fn methods(v: &Value) -> Vec<&str> {
    v.as_array()
        .expect("a list of methods")
        .iter()
        .map(|m| m.as_str().expect("method names are strings"))
        .collect()
}

#[test]
fn rpcd_acl_grants_reading_and_acting_separately() {
    let doc = acl();
    let groups = doc.as_object().expect("top level: groups");
    assert_eq!(groups.len(), 1);
    let g = &doc["umodem"];
    assert!(g["description"].as_str().is_some_and(|d| !d.is_empty()));
    let perms: Vec<&String> = g.as_object().unwrap().keys().collect();
    assert_eq!(perms, ["description", "read", "write"]);
    // each permission grants ubus access to the umodem object only
    for p in ["read", "write"] {
        let scopes = g[p].as_object().unwrap();
        assert_eq!(scopes.keys().collect::<Vec<_>>(), ["ubus"], "{p}");
        assert_eq!(scopes["ubus"].as_object().unwrap().len(), 1, "{p}");
    }
    let read = methods(&g["read"]["ubus"]["umodem"]);
    let write = methods(&g["write"]["ubus"]["umodem"]);
    assert_eq!(read, ["status", "info", "history"]);
    // Messages are private and sending costs money: reading them is writing.
    assert_eq!(
        write,
        [
            "connect",
            "disconnect",
            "sms_list",
            "sms_send",
            "sms_delete",
            "ussd"
        ]
    );

    // together they cover exactly the daemon's methods
    let mut all: Vec<&str> = read.iter().chain(&write).copied().collect();
    all.sort_unstable();
    let ms = daemon::methods();
    let mut ours: Vec<&str> = ms.iter().map(|m| m.name).collect();
    ours.sort_unstable();
    assert_eq!(all, ours);
    assert_eq!(daemon::OBJECT, "umodem");
}
