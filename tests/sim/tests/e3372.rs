//! The E3372 (stick firmware) dialect of the model: LTE registration and readings,
//! and the NDIS data call that drives its NCM interface. Answers compared byte for
//! byte; formats from Huawei's LTE AT command interface specifications (^NDISDUP,
//! ^NDISSTAT, ^HCSQ, ^SYSINFOEX, ^SETPORT) and 3GPP 27.007 (+CEREG, +COPS).

use umodem_sim::control::apply;
use umodem_sim::model::{Config, Event, Modem, PortId};

const PCUI: PortId = PortId::Pcui;
const MODEM: PortId = PortId::Modem;

fn cfg() -> Config {
    Config {
        boot_interval_ms: 0,
        pin_enabled: false,
        reg_delay_ms: 1000,
        dial_delay_ms: 300,
        ..Config::e3372()
    }
}

fn at(m: &mut Modem, port: PortId, cmd: &str, now: u64) -> String {
    m.tick(now);
    let _ = m.output(port);
    m.input(port, cmd.as_bytes(), now);
    String::from_utf8_lossy(&m.output(port)).into_owned()
}

/// Registered (reg delay passed) at t=2000, output drained.
fn registered() -> Modem {
    let mut m = Modem::new(cfg(), 0);
    m.tick(2000);
    let _ = m.output(PCUI);
    let _ = m.events();
    m
}

#[test]
fn identity_and_ports() {
    let mut m = registered();
    assert_eq!(
        at(&mut m, PCUI, "AT+CGMM\r", 2000),
        "AT+CGMM\r\r\nE3372\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^SETPORT?\r", 2000),
        "AT^SETPORT?\r\r\n^SETPORT:A1,A2;12,1,16,A1,A2\r\n\r\nOK\r\n"
    );
    // the E367 has none of the LTE commands
    let mut e367 = Modem::new(
        Config {
            pin_enabled: false,
            boot_interval_ms: 0,
            ..Config::default()
        },
        0,
    );
    for c in [
        "AT^HCSQ?\r",
        "AT^SYSINFOEX\r",
        "AT+CEREG?\r",
        "AT^NDISDUP=1,1,\"x\"\r",
    ] {
        assert!(
            at(&mut e367, PCUI, c, 0).ends_with("\r\nCOMMAND NOT SUPPORT\r\n"),
            "{c}"
        );
    }
}

#[test]
fn lte_registration_and_readings() {
    let mut m = Modem::new(cfg(), 0);
    assert_eq!(
        at(&mut m, PCUI, "AT^HCSQ?\r", 0),
        "AT^HCSQ?\r\r\n^HCSQ:\"NOSERVICE\"\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^SYSINFOEX\r", 0),
        "AT^SYSINFOEX\r\r\n^SYSINFOEX:0,0,0,1,0,0,\"NO SERVICE\",0,\"NO SERVICE\"\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CEREG=2\r", 0),
        "AT+CEREG=2\r\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CEREG?\r", 0),
        "AT+CEREG?\r\r\n+CEREG: 2,2\r\n\r\nOK\r\n"
    );
    // registration comes as a +CEREG report with TAC, cell and AcT 7 (E-UTRAN)
    m.tick(1500);
    let urc = String::from_utf8_lossy(&m.output(PCUI)).into_owned();
    assert!(
        urc.contains("\r\n+CEREG: 1,\"2F1C\",\"01A2B3C4\",7\r\n"),
        "{urc:?}"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+COPS?\r", 1500),
        "AT+COPS?\r\r\n+COPS: 0,0,\"3 SE\",7\r\n\r\nOK\r\n"
    );
    // signal 18 at t < 5 s: rssi -77 dBm, rsrp -99 dBm, sinr 10 dB, rsrq -10 dB
    assert_eq!(
        at(&mut m, PCUI, "AT^HCSQ?\r", 1500),
        "AT^HCSQ?\r\r\n^HCSQ:\"LTE\",43,41,150,19\r\n\r\nOK\r\n"
    );
    assert_eq!(m.lte_readings(1500), Some((-77, -99, 10, -20)));
    assert_eq!(
        at(&mut m, PCUI, "AT^SYSINFOEX\r", 1500),
        "AT^SYSINFOEX\r\r\n^SYSINFOEX:2,3,0,1,0,6,\"LTE\",101,\"LTE\"\r\n\r\nOK\r\n"
    );
    // the readings follow the signal, and a change is reported with ^HCSQ
    apply(&mut m, "signal 25", 1500).unwrap();
    m.tick(2600);
    let urc = String::from_utf8_lossy(&m.output(PCUI)).into_owned();
    assert!(urc.contains("\r\n^RSSI:25\r\n"), "{urc:?}");
    assert!(
        urc.contains("\r\n^HCSQ:\"LTE\",57,55,185,26\r\n"),
        "{urc:?}"
    );
}

#[test]
fn ndisdup_brings_the_data_path_up_and_down() {
    let mut m = registered();
    assert!(at(&mut m, PCUI, "AT^NDISSTATQRY?\r", 2000).contains("^NDISSTATQRY: 0,,,\"IPV4\""));
    assert_eq!(
        at(&mut m, PCUI, "AT^NDISDUP=1,1,\"internet\"\r", 2000),
        "AT^NDISDUP=1,1,\"internet\"\r\r\nOK\r\n"
    );
    assert_eq!(m.events(), vec![], "not up before the network answers");
    m.tick(2300);
    assert_eq!(
        String::from_utf8_lossy(&m.output(PCUI)),
        "\r\n^NDISSTAT: 1,,,\"IPV4\"\r\n"
    );
    assert_eq!(m.events(), vec![Event::DataUp]);
    assert!(m.ndis_up());
    assert!(apply(&mut m, "status", 2300)
        .unwrap()
        .ends_with(" ndis=true"));
    assert!(at(&mut m, PCUI, "AT^NDISSTATQRY?\r", 2300).contains("^NDISSTATQRY: 1,,,\"IPV4\""));
    // asking again while up: OK and the state again, no second DataUp
    assert_eq!(
        at(&mut m, PCUI, "AT^NDISDUP=1,1,\"internet\"\r", 2400),
        "AT^NDISDUP=1,1,\"internet\"\r\r\nOK\r\n\r\n^NDISSTAT: 1,,,\"IPV4\"\r\n"
    );
    assert_eq!(m.events(), vec![]);
    // closing a tty does not end it (it is not a PPP call)
    m.port_closed(MODEM, 2500);
    assert!(m.ndis_up());
    assert_eq!(
        at(&mut m, PCUI, "AT^NDISDUP=1,0\r", 2600),
        "AT^NDISDUP=1,0\r\r\nOK\r\n\r\n^NDISSTAT: 0,,,\"IPV4\"\r\n"
    );
    assert_eq!(m.events(), vec![Event::DataDown]);
    assert!(!m.ndis_up());
    // down again: OK, nothing happens
    assert_eq!(
        at(&mut m, PCUI, "AT^NDISDUP=1,0\r", 2700),
        "AT^NDISDUP=1,0\r\r\nOK\r\n"
    );
    assert_eq!(m.events(), vec![]);
}

#[test]
fn ndisdup_takes_the_apn_of_the_context_and_reports_on_the_asking_port() {
    let mut m = registered();
    m.port_opened(MODEM);
    at(&mut m, MODEM, "AT+CGDCONT=1,\"IP\",\"internet\"\r", 2000);
    assert_eq!(
        at(&mut m, MODEM, "AT^NDISDUP=1,1\r", 2000),
        "AT^NDISDUP=1,1\r\r\nOK\r\n"
    );
    m.tick(2300);
    assert_eq!(
        String::from_utf8_lossy(&m.output(MODEM)),
        "\r\n^NDISSTAT: 1,,,\"IPV4\"\r\n"
    );
    assert!(m.output(PCUI).is_empty());
    assert_eq!(m.events(), vec![Event::DataUp]);
}

#[test]
fn ndisdup_refusals() {
    // wrong APN: cause 27
    let mut m = Modem::new(
        Config {
            apn_required: Some("internet".into()),
            ..cfg()
        },
        0,
    );
    m.tick(2000);
    let _ = m.output(PCUI);
    at(&mut m, PCUI, "AT^NDISDUP=1,1,\"wrong\"\r", 2000);
    m.tick(2300);
    assert_eq!(
        String::from_utf8_lossy(&m.output(PCUI)),
        "\r\n^NDISSTAT: 0,27,,\"IPV4\"\r\n"
    );
    assert!(!m.ndis_up());
    // the state query says the cause until the next try (Huawei's <err>)
    assert!(at(&mut m, PCUI, "AT^NDISSTATQRY?\r", 2400).contains("^NDISSTATQRY: 0,27,,\"IPV4\""));
    at(&mut m, PCUI, "AT^NDISDUP=1,1,\"internet\"\r", 2500);
    assert!(at(&mut m, PCUI, "AT^NDISSTATQRY?\r", 2500).contains("^NDISSTATQRY: 0,,,\"IPV4\""));
    m.tick(2900);
    assert!(at(&mut m, PCUI, "AT^NDISSTATQRY?\r", 2900).contains("^NDISSTATQRY: 1,,,\"IPV4\""));
    // not registered yet: cause 38
    let mut m = Modem::new(cfg(), 0);
    at(&mut m, PCUI, "AT^NDISDUP=1,1,\"internet\"\r", 0);
    m.tick(300);
    assert_eq!(
        String::from_utf8_lossy(&m.output(PCUI)),
        "\r\n^NDISSTAT: 0,38,,\"IPV4\"\r\n"
    );
    // the network refuses: cause 33
    let mut m = registered();
    apply(&mut m, "fault refuse", 2000).unwrap();
    at(&mut m, PCUI, "AT^NDISDUP=1,1,\"internet\"\r", 2000);
    m.tick(2300);
    assert_eq!(
        String::from_utf8_lossy(&m.output(PCUI)),
        "\r\n^NDISSTAT: 0,33,,\"IPV4\"\r\n"
    );
    assert_eq!(m.events(), vec![]);
    // SIM locked: the command is refused at once
    let mut m = Modem::new(
        Config {
            pin_enabled: true,
            ..cfg()
        },
        0,
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^NDISDUP=1,1,\"internet\"\r", 0),
        "AT^NDISDUP=1,1,\"internet\"\r\r\n+CME ERROR: 11\r\n"
    );
    // malformed
    let mut m = registered();
    for c in [
        "AT^NDISDUP=0,1\r",
        "AT^NDISDUP=1,2\r",
        "AT^NDISDUP=1\r",
        "AT^NDISDUP=x\r",
    ] {
        assert!(at(&mut m, PCUI, c, 2000).ends_with("\r\nERROR\r\n"), "{c}");
    }
}

#[test]
fn the_network_or_an_unplug_ends_the_data_call() {
    let mut m = registered();
    at(&mut m, PCUI, "AT^NDISDUP=1,1,\"internet\"\r", 2000);
    m.tick(2300);
    let _ = m.output(PCUI);
    assert_eq!(m.events(), vec![Event::DataUp]);
    assert_eq!(apply(&mut m, "hangup", 2400), Ok("ok".into()));
    assert_eq!(
        String::from_utf8_lossy(&m.output(PCUI)),
        "\r\n^NDISSTAT: 0,36,,\"IPV4\"\r\n"
    );
    assert_eq!(m.events(), vec![Event::DataDown]);

    at(&mut m, PCUI, "AT^NDISDUP=1,1,\"internet\"\r", 2500);
    m.tick(2800);
    assert_eq!(m.events(), vec![Event::DataUp]);
    m.unplug(None);
    assert_eq!(m.events(), vec![Event::Unplug]);
    assert!(!m.ndis_up());
    // a fresh power-on has no call
    let m2 = m.power_on_again(3000);
    assert!(!m2.ndis_up());
}

#[test]
fn ppp_still_works_on_the_modem_port() {
    let mut m = registered();
    m.port_opened(MODEM);
    assert_eq!(at(&mut m, MODEM, "ATD*99#\r", 2000), "ATD*99#\r");
    m.tick(2300);
    assert_eq!(String::from_utf8_lossy(&m.output(MODEM)), "\r\nCONNECT\r\n");
    assert_eq!(m.events(), vec![Event::CallUp]);
}
