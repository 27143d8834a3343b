//! The sim's message storage and USSD network, driven through the model.

use umodem_sim::model::{Config, Modem, PortId};
use umodem_sim::sms::{pack7, unpack7, BALANCE};

fn at(m: &mut Modem, cmd: &str, now: u64) -> String {
    m.input(PortId::Pcui, format!("{cmd}\r").as_bytes(), now);
    String::from_utf8_lossy(&m.output(PortId::Pcui)).into_owned()
}

fn modem() -> Modem {
    let cfg = Config {
        pin_enabled: false,
        reg_delay_ms: 0,
        boot_interval_ms: 0,
        ..Config::default()
    };
    let mut m = Modem::new(cfg, 0);
    at(&mut m, "ATE0", 1);
    m
}

#[test]
fn seven_bit_packing() {
    assert_eq!(pack7("*100#"), "AA180C3602");
    assert_eq!(unpack7("AA180C3602").as_deref(), Some("*100#"));
    // 7 characters: a CR fills the spare bits, and is dropped again.
    assert_eq!(pack7("1234567"), "31D98C56B3DD1A");
    assert_eq!(unpack7("31D98C56B3DD1A").as_deref(), Some("1234567"));
    assert_eq!(unpack7(&pack7(BALANCE)).as_deref(), Some(BALANCE));
    assert_eq!(unpack7("*100#"), None);
}

#[test]
fn ussd_answer_comes_after_ok() {
    let mut m = modem();
    let r = at(&mut m, "AT+CUSD=1,\"AA180C3602\",15", 10);
    assert_eq!(r, "\r\nOK\r\n");
    m.tick(400);
    let r = String::from_utf8_lossy(&m.output(PortId::Pcui)).into_owned();
    assert_eq!(r, format!("\r\n+CUSD: 0,\"{}\",15\r\n", pack7(BALANCE)));
}

#[test]
fn text_entry_after_the_prompt() {
    let mut m = modem();
    assert_eq!(at(&mut m, "AT+CMGS=22", 10), "\r\n> ");
    m.input(
        PortId::Pcui,
        b"0001000B916407281553F800000AE8329BFD4697D9EC37\x1a",
        20,
    );
    let r = String::from_utf8_lossy(&m.output(PortId::Pcui)).into_owned();
    assert_eq!(r, "\r\n+CMGS: 1\r\n\r\nOK\r\n");
    assert_eq!(m.sms.sent, ["01000B916407281553F800000AE8329BFD4697D9EC37"]);
    // A length that does not match the PDU: +CMS ERROR 304, nothing sent.
    assert_eq!(at(&mut m, "AT+CMGS=21", 30), "\r\n> ");
    m.input(
        PortId::Pcui,
        b"0001000B916407281553F800000AE8329BFD4697D9EC37\x1a",
        40,
    );
    let r = String::from_utf8_lossy(&m.output(PortId::Pcui)).into_owned();
    assert_eq!(r, "\r\n+CMS ERROR: 304\r\n");
    // ESC abandons the text: nothing sent.
    assert_eq!(at(&mut m, "AT+CMGS=22", 50), "\r\n> ");
    m.input(PortId::Pcui, b"0001\x1b", 60);
    let r = String::from_utf8_lossy(&m.output(PortId::Pcui)).into_owned();
    assert_eq!(r, "\r\nOK\r\n");
    assert_eq!(m.sms.sent.len(), 1);
    assert_eq!(at(&mut m, "AT", 70), "\r\nOK\r\n");
}

#[test]
fn listing_marks_read_and_cmti_when_asked() {
    let mut m = modem();
    let pdu = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37";
    assert_eq!(m.sms_arrive(pdu), Ok(0));
    // No +CNMI yet: stored, not announced.
    assert_eq!(String::from_utf8_lossy(&m.output(PortId::Pcui)), "");
    assert_eq!(at(&mut m, "AT+CNMI=2,1,0,0,0", 10), "\r\nOK\r\n");
    assert_eq!(m.sms_arrive(pdu), Ok(1));
    assert_eq!(
        String::from_utf8_lossy(&m.output(PortId::Pcui)),
        "\r\n+CMTI: \"SM\",1\r\n"
    );
    let r = at(&mut m, "AT+CMGL=4", 20);
    assert_eq!(
        r,
        format!("\r\n+CMGL: 0,0,,28\r\n{pdu}\r\n+CMGL: 1,0,,28\r\n{pdu}\r\n\r\nOK\r\n")
    );
    assert!(at(&mut m, "AT+CMGL=4", 30).contains("+CMGL: 0,1,,28"));
    assert_eq!(at(&mut m, "AT+CMGR=5", 40), "\r\n+CMS ERROR: 321\r\n");
}
