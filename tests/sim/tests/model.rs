//! The modem model driven with raw AT bytes and a hand-moved clock; every answer is
//! compared byte for byte with the Huawei dialect (E367.md, the seed write-up, Huawei's
//! AT command interface specifications, V.250/27.007 framing).

use umodem_sim::control::apply;
use umodem_sim::model::{Config, Event, Modem, PortId};

const PCUI: PortId = PortId::Pcui;
const MODEM: PortId = PortId::Modem;

fn quiet_cfg() -> Config {
    Config {
        boot_interval_ms: 0,
        ..Config::default()
    }
}

fn new(cfg: Config) -> Modem {
    Modem::new(cfg, 0)
}

/// Drain pending output, send `cmd`, return exactly what the port answered.
fn at(m: &mut Modem, port: PortId, cmd: &str, now: u64) -> String {
    m.tick(now);
    let _ = m.output(port);
    m.input(port, cmd.as_bytes(), now);
    String::from_utf8_lossy(&m.output(port)).into_owned()
}

fn unlocked(now: u64) -> Modem {
    let mut m = new(quiet_cfg());
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"8328\"\r", now),
        "AT+CPIN=\"8328\"\r\r\nOK\r\n"
    );
    m
}

#[test]
fn identity_as_the_seed_shows_it() {
    let mut m = new(quiet_cfg());
    assert_eq!(
        at(&mut m, PCUI, "ATI\r", 0),
        "ATI\r\r\nManufacturer: huawei\r\nModel: E367\r\nRevision: 11.807.05.00.00\r\n\
         IMEI: 353613040739180\r\n+GCAP: +CGSM,+DS,+ES\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CGMI\r", 0),
        "AT+CGMI\r\r\nhuawei\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+GMM\r", 0),
        "AT+GMM\r\r\nE367\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CGMR\r", 0),
        "AT+CGMR\r\r\n11.807.05.00.00\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CGSN\r", 0),
        "AT+CGSN\r\r\n353613040739180\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+GCAP\r", 0),
        "AT+GCAP\r\r\n+GCAP: +CGSM,+DS,+ES\r\n\r\nOK\r\n"
    );
}

#[test]
fn echo_off_and_back_and_factory_reset() {
    let mut m = new(quiet_cfg());
    assert_eq!(at(&mut m, PCUI, "ATE0\r", 0), "ATE0\r\r\nOK\r\n");
    assert_eq!(at(&mut m, PCUI, "AT\r", 0), "\r\nOK\r\n");
    assert_eq!(at(&mut m, PCUI, "ATZ\r", 0), "\r\nOK\r\n");
    assert_eq!(at(&mut m, PCUI, "AT\r", 0), "AT\r\r\nOK\r\n");
    assert_eq!(at(&mut m, PCUI, "ATE0\r", 0), "ATE0\r\r\nOK\r\n");
    assert_eq!(at(&mut m, PCUI, "AT&F\r", 0), "\r\nOK\r\n");
    assert_eq!(at(&mut m, PCUI, "at\r", 0), "at\r\r\nOK\r\n");
}

#[test]
fn gcom_info_queries_get_what_the_real_stick_gave() {
    // seed: Hardware "NOT", Customisation "NOT SUPPORT", Band "(NOT)", Network Locked "ERROR:"
    let mut m = new(quiet_cfg());
    assert_eq!(
        at(&mut m, PCUI, "AT_OHWV\r", 0),
        "AT_OHWV\r\r\nCOMMAND NOT SUPPORT\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT_OSBM?\r", 0),
        "AT_OSBM?\r\r\nCOMMAND NOT SUPPORT\r\n"
    );
    // the write-up ran gcom before entering the PIN: both queries fail on the SIM
    assert_eq!(
        at(&mut m, PCUI, "AT+clck=\"PN\",2\r", 0),
        "AT+clck=\"PN\",2\r\r\n+CME ERROR: 11\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CGDCONT?\r", 0),
        "AT+CGDCONT?\r\r\n+CME ERROR: 11\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"8328\"\r", 0),
        "AT+CPIN=\"8328\"\r\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+clck=\"PN\",2\r", 0),
        "AT+clck=\"PN\",2\r\r\n+CLCK: 0\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CGDCONT?\r", 0),
        "AT+CGDCONT?\r\r\nOK\r\n"
    );
}

#[test]
fn wrong_pin_costs_one_attempt_each_and_three_ask_for_the_puk() {
    let mut m = new(quiet_cfg());
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 0),
        "AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^CPIN?\r", 0),
        "AT^CPIN?\r\r\n^CPIN: SIM PIN,3,10,3,10,3\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"1111\"\r", 0),
        "AT+CPIN=\"1111\"\r\r\n+CME ERROR: 16\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^CPIN?\r", 0),
        "AT^CPIN?\r\r\n^CPIN: SIM PIN,2,10,2,10,3\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"2222\"\r", 0),
        "AT+CPIN=\"2222\"\r\r\n+CME ERROR: 16\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^CPIN?\r", 0),
        "AT^CPIN?\r\r\n^CPIN: SIM PIN,1,10,1,10,3\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"3333\"\r", 0),
        "AT+CPIN=\"3333\"\r\r\n+CME ERROR: 16\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 0),
        "AT+CPIN?\r\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^CPIN?\r", 0),
        "AT^CPIN?\r\r\n^CPIN: SIM PUK,10,10,0,10,3\r\n\r\nOK\r\n"
    );
    // the right PIN alone no longer helps
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"8328\"\r", 0),
        "AT+CPIN=\"8328\"\r\r\n+CME ERROR: 12\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CIMI\r", 0),
        "AT+CIMI\r\r\n+CME ERROR: 12\r\n"
    );
}

#[test]
fn puk_sets_a_new_pin_and_ten_wrong_puks_block_the_sim() {
    let mut m = new(Config {
        pin_left: 0,
        ..quiet_cfg()
    });
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 0),
        "AT+CPIN?\r\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"00000000\",\"4321\"\r", 0),
        "AT+CPIN=\"00000000\",\"4321\"\r\r\n+CME ERROR: 16\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^CPIN?\r", 0),
        "AT^CPIN?\r\r\n^CPIN: SIM PUK,9,9,0,10,3\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"12345678\",\"4321\"\r", 0),
        "AT+CPIN=\"12345678\",\"4321\"\r\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^CPIN?\r", 0),
        "AT^CPIN?\r\r\n^CPIN: READY,,10,3,10,3\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CIMI\r", 0),
        "AT+CIMI\r\r\n240021234567890\r\n\r\nOK\r\n"
    );
    // PIN entry when nothing is asked for: operation not allowed
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"4321\"\r", 0),
        "AT+CPIN=\"4321\"\r\r\n+CME ERROR: 3\r\n"
    );

    let mut m = new(Config {
        pin_left: 0,
        puk_left: 1,
        ..quiet_cfg()
    });
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"1\",\"1234\"\r", 0),
        "AT+CPIN=\"1\",\"1234\"\r\r\nERROR\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"11111111\",\"1234\"\r", 0),
        "AT+CPIN=\"11111111\",\"1234\"\r\r\n+CME ERROR: 16\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 0),
        "AT+CPIN?\r\r\n+CME ERROR: 13\r\n"
    );
}

#[test]
fn no_sim_busy_sim_and_verbose_errors() {
    let mut m = new(Config {
        sim_present: false,
        ..quiet_cfg()
    });
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 0),
        "AT+CPIN?\r\r\n+CME ERROR: 10\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^CPIN?\r", 0),
        "AT^CPIN?\r\r\n+CME ERROR: 10\r\n"
    );
    assert_eq!(at(&mut m, PCUI, "AT+CMEE=2\r", 0), "AT+CMEE=2\r\r\nOK\r\n");
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 0),
        "AT+CPIN?\r\r\n+CME ERROR: SIM not inserted\r\n"
    );
    assert_eq!(at(&mut m, PCUI, "AT+CMEE=0\r", 0), "AT+CMEE=0\r\r\nOK\r\n");
    assert_eq!(at(&mut m, PCUI, "AT+CPIN?\r", 0), "AT+CPIN?\r\r\nERROR\r\n");

    let mut m = new(Config {
        sim_busy_ms: 4000,
        ..quiet_cfg()
    });
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 100),
        "AT+CPIN?\r\r\n+CME ERROR: 14\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"8328\"\r", 200),
        "AT+CPIN=\"8328\"\r\r\n+CME ERROR: 14\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 4000),
        "AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"
    );
    // the busy phase cost no attempt
    assert_eq!(
        at(&mut m, PCUI, "AT^CPIN?\r", 4000),
        "AT^CPIN?\r\r\n^CPIN: SIM PIN,3,10,3,10,3\r\n\r\nOK\r\n"
    );
}

#[test]
fn cpinr_is_not_in_this_dialect() {
    let mut m = new(quiet_cfg());
    assert_eq!(
        at(&mut m, PCUI, "AT+CPINR?\r", 0),
        "AT+CPINR?\r\r\nERROR\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPINR=\"SIM PIN\"\r", 0),
        "AT+CPINR=\"SIM PIN\"\r\r\nERROR\r\n"
    );
}

#[test]
fn iccid_via_crsm_and_optional_huawei_command() {
    let mut m = new(quiet_cfg());
    // EF_ICCID is readable before the PIN
    assert_eq!(
        at(&mut m, PCUI, "AT+CRSM=176,12258,0,0,10\r", 0),
        "AT+CRSM=176,12258,0,0,10\r\r\n+CRSM: 144,0,\"986420602143658709F1\"\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^ICCID?\r", 0),
        "AT^ICCID?\r\r\nCOMMAND NOT SUPPORT\r\n"
    );
    let mut m = new(Config {
        huawei_iccid: true,
        ..quiet_cfg()
    });
    assert_eq!(
        at(&mut m, PCUI, "AT^ICCID?\r", 0),
        "AT^ICCID?\r\r\n^ICCID: 986420602143658709F1\r\n\r\nOK\r\n"
    );
}

#[test]
fn registration_and_signal_follow_the_clock() {
    let mut m = unlocked(0);
    assert_eq!(at(&mut m, PCUI, "ATE0\r", 0), "ATE0\r\r\nOK\r\n");
    assert_eq!(
        at(&mut m, PCUI, "AT+CREG?\r", 10),
        "\r\n+CREG: 0,2\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+COPS?\r", 10),
        "\r\n+COPS: 0\r\n\r\nOK\r\n"
    );
    assert_eq!(at(&mut m, PCUI, "AT+CREG=2\r", 10), "\r\nOK\r\n");
    // registered after the delay: a +CREG report with LAC and CI comes by itself
    m.tick(2500);
    let urc = String::from_utf8_lossy(&m.output(PCUI)).into_owned();
    assert!(
        urc.contains("\r\n+CREG: 1,\"1A2B\",\"00C3D4E5\"\r\n"),
        "{urc:?}"
    );
    assert!(urc.contains("\r\n^SRVST:2\r\n"), "{urc:?}");
    assert!(urc.contains("\r\n^MODE:5,4\r\n"), "{urc:?}");
    assert_eq!(
        at(&mut m, PCUI, "AT+CREG?\r", 2500),
        "\r\n+CREG: 2,1,\"1A2B\",\"00C3D4E5\"\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CGREG?\r", 2500),
        "\r\n+CGREG: 0,1\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+COPS?\r", 2500),
        "\r\n+COPS: 0,0,\"3 SE\",2\r\n\r\nOK\r\n"
    );
    assert_eq!(at(&mut m, PCUI, "AT+COPS=3,2\r", 2500), "\r\nOK\r\n");
    assert_eq!(
        at(&mut m, PCUI, "AT+COPS?\r", 2500),
        "\r\n+COPS: 0,2,\"24002\",2\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^SYSINFO\r", 2500),
        "\r\n^SYSINFO:2,3,0,5,1,0,4\r\n\r\nOK\r\n"
    );
    // signal: 18 at first, then it wanders (5 s steps)
    assert_eq!(
        at(&mut m, PCUI, "AT+CSQ\r", 2500),
        "\r\n+CSQ: 18,99\r\n\r\nOK\r\n"
    );
    m.tick(10000);
    let urc = String::from_utf8_lossy(&m.output(PCUI)).into_owned();
    assert_eq!(urc, "\r\n^RSSI:20\r\n");
    assert_eq!(
        at(&mut m, PCUI, "AT+CSQ\r", 10000),
        "\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CSQ\r", 15000),
        "\r\n+CSQ: 21,99\r\n\r\nOK\r\n"
    );
    apply(&mut m, "signal 5", 16000).unwrap();
    assert_eq!(
        at(&mut m, PCUI, "AT+CSQ\r", 16000),
        "\r\n+CSQ: 5,99\r\n\r\nOK\r\n"
    );
    apply(&mut m, "reg denied", 16000).unwrap();
    assert_eq!(
        at(&mut m, PCUI, "AT+CREG?\r", 16000),
        "\r\n+CREG: 2,3\r\n\r\nOK\r\n"
    );
}

#[test]
fn syscfg_query_and_set_as_the_openwrt_handler_sends_it() {
    let mut m = new(quiet_cfg());
    assert_eq!(
        at(&mut m, PCUI, "AT^SYSCFG?\r", 0),
        "AT^SYSCFG?\r\r\n^SYSCFG:2,0,3FFFFFFF,1,2\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^SYSCFG=14,2,3FFFFFFF,2,4\r", 0),
        "AT^SYSCFG=14,2,3FFFFFFF,2,4\r\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^SYSCFG?\r", 0),
        "AT^SYSCFG?\r\r\n^SYSCFG:14,2,3FFFFFFF,1,2\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^SYSCFG=99,2,3FFFFFFF,2,4\r", 0),
        "AT^SYSCFG=99,2,3FFFFFFF,2,4\r\r\nERROR\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^SYSCFG=13,1\r", 0),
        "AT^SYSCFG=13,1\r\r\nERROR\r\n"
    );
}

#[test]
fn curc_0_silences_the_huawei_reports() {
    let mut m = new(Config {
        boot_interval_ms: 3000,
        ..Config::default()
    });
    m.tick(3000);
    assert_eq!(
        String::from_utf8_lossy(&m.output(PCUI)),
        "\r\n^BOOT:20952548,0,0,0,72\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^CURC=0\r", 3000),
        "AT^CURC=0\r\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"8328\"\r", 3000),
        "AT+CPIN=\"8328\"\r\r\nOK\r\n"
    );
    for t in (3000..30000).step_by(100) {
        m.tick(t);
    }
    assert_eq!(m.output(PCUI), b"");
    assert_eq!(
        at(&mut m, PCUI, "AT^CURC?\r", 30000),
        "AT^CURC?\r\r\n^CURC: 0\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT^CURC=1\r", 30000),
        "AT^CURC=1\r\r\nOK\r\n"
    );
    m.tick(33000);
    assert!(String::from_utf8_lossy(&m.output(PCUI)).contains("^BOOT:"));
    // reports never go to the modem port
    assert_eq!(m.output(MODEM), b"");
}

fn connected() -> Modem {
    let mut m = unlocked(0);
    m.tick(3000);
    assert_eq!(
        at(
            &mut m,
            MODEM,
            "AT+CGDCONT=1,\"IP\",\"bredband.tre.se\"\r",
            3000
        ),
        "AT+CGDCONT=1,\"IP\",\"bredband.tre.se\"\r\r\nOK\r\n"
    );
    assert_eq!(at(&mut m, MODEM, "ATD*99***1#\r", 3000), "ATD*99***1#\r");
    m.tick(3300);
    assert_eq!(m.output(MODEM), b"\r\nCONNECT\r\n");
    assert_eq!(m.events(), vec![Event::CallUp]);
    m
}

#[test]
fn connect_turns_the_modem_port_into_a_byte_pipe() {
    let mut m = connected();
    assert_eq!(
        at(&mut m, MODEM, "AT+CGDCONT?\r", 3300),
        "",
        "data mode: no AT, no echo"
    );
    assert_eq!(m.to_network(), b"AT+CGDCONT?\r");
    let frame = [0x7e, 0xff, 0x7d, 0x23, 0xc0, 0x21, 0x7e];
    m.input(MODEM, &frame, 3400);
    assert_eq!(m.to_network(), frame);
    m.from_network(&[0x7e, 0x01, 0x02, 0x7e]);
    assert_eq!(m.output(MODEM), [0x7e, 0x01, 0x02, 0x7e]);
    // ^DSFLOWRPT on the PCUI every 2 s while connected
    let _ = m.output(PCUI);
    m.tick(5400);
    let urc = String::from_utf8_lossy(&m.output(PCUI)).into_owned();
    assert!(urc.contains("\r\n^DSFLOWRPT:00000002,"), "{urc:?}");
    assert_eq!(
        at(&mut m, PCUI, "AT+CGDCONT?\r", 5400),
        "AT+CGDCONT?\r\r\n+CGDCONT: 1,\"IP\",\"bredband.tre.se\",\"0.0.0.0\",0,0\r\n\r\nOK\r\n"
    );
}

#[test]
fn escape_with_guard_times_then_ath() {
    let mut m = connected();
    m.input(MODEM, b"+++", 5000);
    m.tick(5500);
    assert_eq!(
        m.output(MODEM),
        b"",
        "no escape before the trailing guard time"
    );
    m.tick(6000);
    assert_eq!(m.output(MODEM), b"\r\nOK\r\n");
    assert_eq!(at(&mut m, MODEM, "ATO\r", 6000), "ATO\r\r\nCONNECT\r\n");
    m.input(MODEM, b"+++", 7500);
    m.tick(8600);
    assert_eq!(m.output(MODEM), b"\r\nOK\r\n");
    assert_eq!(at(&mut m, MODEM, "ATH\r", 8600), "ATH\r\r\nOK\r\n");
    assert_eq!(m.events(), vec![Event::CallDown]);
    assert!(!m.in_call());
    // '+++' inside a burst of data is data
    let mut m = connected();
    m.input(MODEM, b"a+++", 5000);
    m.tick(7000);
    assert_eq!(m.output(MODEM), b"");
    assert!(m.in_data_mode());
}

#[test]
fn closing_the_port_hangs_up() {
    let mut m = connected();
    m.port_closed(MODEM, 4000);
    assert_eq!(m.events(), vec![Event::CallDown]);
    m.port_opened(MODEM);
    assert_eq!(at(&mut m, MODEM, "AT\r", 4000), "AT\r\r\nOK\r\n");
}

#[test]
fn network_hangup_gives_no_carrier() {
    let mut m = connected();
    apply(&mut m, "hangup", 4000).unwrap();
    assert_eq!(m.output(MODEM), b"\r\nNO CARRIER\r\n");
    assert_eq!(m.events(), vec![Event::CallDown]);
    assert!(apply(&mut m, "hangup", 4000).is_err());
}

#[test]
fn dial_failures() {
    // not registered yet
    let mut m = unlocked(0);
    assert_eq!(at(&mut m, MODEM, "ATD*99#\r", 100), "ATD*99#\r");
    m.tick(400);
    assert_eq!(m.output(MODEM), b"\r\nNO CARRIER\r\n");
    // network refuses
    m.tick(3000);
    apply(&mut m, "fault refuse", 3000).unwrap();
    at(&mut m, MODEM, "ATD*99#\r", 3000);
    m.tick(3300);
    assert_eq!(m.output(MODEM), b"\r\nNO CARRIER\r\n");
    apply(&mut m, "clear refuse", 3300).unwrap();
    apply(&mut m, "fault dial-error", 3300).unwrap();
    assert_eq!(
        at(&mut m, MODEM, "ATD*99***1#\r", 3300),
        "ATD*99***1#\r\r\nERROR\r\n"
    );
    apply(&mut m, "clear all", 3300).unwrap();
    apply(&mut m, "fault dial-busy", 3300).unwrap();
    at(&mut m, MODEM, "ATD*99#\r", 3300);
    m.tick(3600);
    assert_eq!(m.output(MODEM), b"\r\nBUSY\r\n");
    apply(&mut m, "clear all", 3600).unwrap();
    // the PCUI carries no data
    assert_eq!(
        at(&mut m, PCUI, "ATD*99#\r", 3600),
        "ATD*99#\r\r\nERROR\r\n"
    );
    // a key press aborts the dial
    at(&mut m, MODEM, "ATD*99#\r", 3600);
    m.input(MODEM, b"A", 3700);
    assert_eq!(m.output(MODEM), b"\r\nNO CARRIER\r\n");
    assert!(!m.in_call());
    // wrong APN where the network insists
    let mut m = Modem::new(
        Config {
            apn_required: Some("bredband.tre.se".into()),
            pin_enabled: false,
            ..quiet_cfg()
        },
        0,
    );
    at(&mut m, MODEM, "AT+CGDCONT=1,\"IP\",\"internet\"\r", 3000);
    at(&mut m, MODEM, "ATD*99***1#\r", 3000);
    m.tick(3300);
    assert_eq!(m.output(MODEM), b"\r\nNO CARRIER\r\n");
}

#[test]
fn fault_silence() {
    let mut m = new(quiet_cfg());
    apply(&mut m, "fault silence", 0).unwrap();
    assert_eq!(at(&mut m, PCUI, "AT\r", 0), "");
    assert_eq!(at(&mut m, MODEM, "ATI\r", 0), "");
    m.tick(10_000);
    assert_eq!(m.output(PCUI), b"");
    apply(&mut m, "clear silence", 0).unwrap();
    assert_eq!(at(&mut m, PCUI, "AT\r", 10_000), "AT\r\r\nOK\r\n");
}

#[test]
fn fault_garbage() {
    let mut m = new(quiet_cfg());
    apply(&mut m, "fault garbage", 0).unwrap();
    m.tick(0);
    let g = m.output(PCUI);
    assert!(g.len() >= 8, "{g:?}");
    // answers still come, among the noise
    m.input(PCUI, b"AT+CSQ\r", 100);
    let out = String::from_utf8_lossy(&m.output(PCUI)).into_owned();
    assert!(out.contains("\r\n+CSQ: 18,99\r\n\r\nOK\r\n"), "{out:?}");
}

#[test]
fn fault_partial_trickles_lines_in_pieces() {
    let mut m = new(quiet_cfg());
    apply(&mut m, "fault partial", 0).unwrap();
    m.input(PCUI, b"AT+CGMI\r", 0);
    let mut got = Vec::new();
    let mut reads = 0;
    loop {
        let o = m.output(PCUI);
        if o.is_empty() {
            break;
        }
        assert!(o.len() <= 5);
        got.extend(o);
        reads += 1;
    }
    assert_eq!(got, b"AT+CGMI\r\r\nhuawei\r\n\r\nOK\r\n");
    assert!(reads > 3);
}

#[test]
fn fault_truncate_cuts_a_line_and_never_finishes_it() {
    let mut m = new(quiet_cfg());
    assert_eq!(at(&mut m, PCUI, "ATE0\r", 0), "ATE0\r\r\nOK\r\n");
    assert_eq!(at(&mut m, PCUI, "AT^CURC=0\r", 0), "\r\nOK\r\n");
    apply(&mut m, "fault truncate", 0).unwrap();
    assert_eq!(at(&mut m, PCUI, "AT+CGSN\r", 0), "\r\n35361304");
    m.tick(10_000);
    assert_eq!(m.output(PCUI), b"");
    // the next command is answered normally
    assert_eq!(at(&mut m, PCUI, "AT\r", 10_000), "\r\nOK\r\n");
}

#[test]
fn fault_storm_floods_the_pcui() {
    let mut m = new(quiet_cfg());
    assert_eq!(at(&mut m, PCUI, "AT^CURC=0\r", 0), "AT^CURC=0\r\r\nOK\r\n");
    apply(&mut m, "fault storm", 0).unwrap();
    m.tick(100);
    m.tick(200);
    let s = String::from_utf8_lossy(&m.output(PCUI)).into_owned();
    assert!(s.matches("\r\n^").count() >= 40, "{s:?}");
}

#[test]
fn urc_between_the_lines_of_an_answer() {
    let mut m = new(quiet_cfg());
    apply(&mut m, "fault urc-mid", 0).unwrap();
    assert_eq!(
        at(&mut m, PCUI, "ATI\r", 0),
        "ATI\r\r\nManufacturer: huawei\r\n\r\n^RSSI:18\r\n\r\nModel: E367\r\nRevision: 11.807.05.00.00\r\n\
         IMEI: 353613040739180\r\n+GCAP: +CGSM,+DS,+ES\r\n\r\nOK\r\n"
    );
    apply(&mut m, "urc ^SIMST:1", 0).unwrap();
    assert_eq!(m.output(PCUI), b"\r\n^SIMST:1\r\n");
}

#[test]
fn unplug_is_an_event_and_the_modem_goes_mute() {
    let mut m = connected();
    apply(&mut m, "unplug", 4000).unwrap();
    assert_eq!(m.events(), vec![Event::Unplug]);
    assert!(m.unplugged());
    assert_eq!(at(&mut m, PCUI, "AT\r", 4000), "");
}

#[test]
fn sim_control_commands() {
    let mut m = new(quiet_cfg());
    apply(&mut m, "sim puk", 0).unwrap();
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 0),
        "AT+CPIN?\r\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n"
    );
    apply(&mut m, "sim absent", 0).unwrap();
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 0),
        "AT+CPIN?\r\r\n+CME ERROR: 10\r\n"
    );
    apply(&mut m, "sim busy 1000", 0).unwrap();
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 500),
        "AT+CPIN?\r\r\n+CME ERROR: 14\r\n"
    );
    apply(&mut m, "sim ready", 500).unwrap();
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 500),
        "AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n"
    );
    assert!(apply(&mut m, "sim nonsense", 0).is_err());
    assert!(apply(&mut m, "fault nonsense", 0).is_err());
    assert!(apply(&mut m, "signal 40", 0).is_err());
}

#[test]
fn diagnostics_port_answers_no_at() {
    let mut m = new(quiet_cfg());
    m.input(PortId::Diag, b"AT\r", 0);
    let out = m.output(PortId::Diag);
    assert_eq!(out.first(), Some(&0x13), "DIAG bad-command frame: {out:?}");
    assert_eq!(out.last(), Some(&0x7e));
    assert!(!String::from_utf8_lossy(&out).contains("OK"));
}

#[test]
fn garbage_input_never_wedges_the_parser() {
    let mut m = new(quiet_cfg());
    let mut junk = Vec::new();
    for i in 0..4096u32 {
        junk.push((i.wrapping_mul(2654435761) >> 13) as u8);
    }
    m.input(PCUI, &junk, 0);
    let _ = m.output(PCUI);
    m.input(PCUI, b"\rATE1\r", 0);
    let _ = m.output(PCUI);
    assert_eq!(at(&mut m, PCUI, "AT\r", 0), "AT\r\r\nOK\r\n");
    // split across reads
    m.input(PCUI, b"AT+C", 0);
    m.input(PCUI, b"SQ\r", 0);
    assert_eq!(
        String::from_utf8_lossy(&m.output(PCUI)),
        "AT+CSQ\r\r\n+CSQ: 18,99\r\n\r\nOK\r\n"
    );
}

#[test]
fn replug_is_a_fresh_power_on_with_the_same_sim() {
    let mut m = unlocked(0);
    apply(&mut m, "sim pin", 0).unwrap();
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN=\"1111\"\r", 0),
        "AT+CPIN=\"1111\"\r\r\n+CME ERROR: 16\r\n"
    );
    assert_eq!(at(&mut m, PCUI, "ATE0\r", 0), "ATE0\r\r\nOK\r\n");
    assert!(apply(&mut m, "unplug soon", 0).is_err());
    apply(&mut m, "unplug 500", 0).unwrap();
    assert_eq!(m.replug_after(), Some(500));
    assert!(apply(&mut m, "unplug", 0).is_err());
    let mut m = m.power_on_again(500);
    assert!(!m.unplugged());
    // echo back on, PIN asked again, the spent attempt stays spent
    assert_eq!(
        at(&mut m, PCUI, "AT^CPIN?\r", 500),
        "AT^CPIN?\r\r\n^CPIN: SIM PIN,2,10,2,10,3\r\n\r\nOK\r\n"
    );
}

#[test]
fn numeric_and_quiet_results_and_repeat() {
    let mut m = new(quiet_cfg());
    assert_eq!(at(&mut m, PCUI, "ATE0V0\r", 0), "ATE0V0\r0\r");
    assert_eq!(at(&mut m, PCUI, "AT+CGMI\r", 0), "huawei\r\n0\r");
    assert_eq!(at(&mut m, PCUI, "AT+FOO\r", 0), "4\r");
    // +CME errors keep their text form
    assert_eq!(at(&mut m, PCUI, "AT+CIMI\r", 0), "\r\n+CME ERROR: 11\r\n");
    assert_eq!(at(&mut m, PCUI, "ATV1Q1\r", 0), "");
    assert_eq!(at(&mut m, PCUI, "AT+CGMM\r", 0), "\r\nE367\r\n");
    assert_eq!(at(&mut m, PCUI, "ATQ0\r", 0), "\r\nOK\r\n");
    // A/ repeats the last command line at once, without a CR
    assert_eq!(at(&mut m, PCUI, "A/", 0), "\r\nOK\r\n");
    assert_eq!(
        at(&mut m, PCUI, "AT+CSQ\r", 0),
        "\r\n+CSQ: 18,99\r\n\r\nOK\r\n"
    );
    assert_eq!(at(&mut m, PCUI, "a/", 0), "\r\n+CSQ: 18,99\r\n\r\nOK\r\n");
    // S-registers and a chain stopped by the first error
    assert_eq!(at(&mut m, PCUI, "ATS3?\r", 0), "\r\n013\r\n\r\nOK\r\n");
    assert_eq!(
        at(&mut m, PCUI, "AT+CGMI;+BAD;+CGMM\r", 0),
        "\r\nhuawei\r\n\r\nCOMMAND NOT SUPPORT\r\n"
    );
    // text before "AT" is ignored, a line without AT gets no answer
    assert_eq!(at(&mut m, PCUI, "xxAT\r", 0), "\r\nOK\r\n");
    assert_eq!(at(&mut m, PCUI, "hello\r", 0), "");
}

#[test]
fn radio_off_deregisters_and_connect_rate() {
    let mut m = new(Config {
        pin_enabled: false,
        reg_delay_ms: 0,
        connect_rate: Some(7_200_000),
        ..quiet_cfg()
    });
    assert_eq!(at(&mut m, PCUI, "ATE0\r", 0), "ATE0\r\r\nOK\r\n");
    assert_eq!(
        at(&mut m, PCUI, "AT+CREG?\r", 0),
        "\r\n+CREG: 0,1\r\n\r\nOK\r\n"
    );
    assert_eq!(at(&mut m, PCUI, "AT+CFUN=4\r", 0), "\r\nOK\r\n");
    assert_eq!(
        at(&mut m, PCUI, "AT+CREG?\r", 10),
        "\r\n+CREG: 0,0\r\n\r\nOK\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CSQ\r", 10),
        "\r\n+CSQ: 99,99\r\n\r\nOK\r\n"
    );
    assert_eq!(at(&mut m, PCUI, "AT+CFUN=1\r", 10), "\r\nOK\r\n");
    assert_eq!(
        at(&mut m, PCUI, "AT+CFUN?\r", 20),
        "\r\n+CFUN: 1\r\n\r\nOK\r\n"
    );
    at(&mut m, MODEM, "ATD*99#\r", 20);
    m.tick(400);
    assert_eq!(m.output(MODEM), b"\r\nCONNECT 7200000\r\n");
}

#[test]
fn sim_busy_for_a_while_after_the_unlock_when_configured() {
    let mut m = new(Config {
        busy_after_pin_ms: 1500,
        ..quiet_cfg()
    });
    assert_eq!(at(&mut m, PCUI, "ATE0\r", 0), "ATE0\r\r\nOK\r\n");
    assert_eq!(at(&mut m, PCUI, "AT+CPIN=\"8328\"\r", 0), "\r\nOK\r\n");
    assert_eq!(
        at(&mut m, PCUI, "AT+CPIN?\r", 100),
        "\r\n+CME ERROR: 14\r\n"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CIMI\r", 1000),
        "\r\n+CME ERROR: 14\r\n"
    );
    let r = at(&mut m, PCUI, "AT+CPIN?\r", 1500);
    assert!(r.starts_with("\r\n+CPIN: READY\r\n\r\nOK\r\n"), "{r:?}");
    // the unlock was counted once: attempts back to 3
    let r = at(&mut m, PCUI, "AT^CPIN?\r", 1500);
    assert!(
        r.starts_with("\r\n^CPIN: READY,,10,3,10,3\r\n\r\nOK\r\n"),
        "{r:?}"
    );
}

#[test]
fn fragment_error_and_silence_faults() {
    let mut m = new(quiet_cfg());
    apply(&mut m, "fault fragment", 0).unwrap();
    m.input(PCUI, b"AT+CGMM\r", 0);
    assert_eq!(
        m.output(PCUI),
        b"AT+CGMM\r\r\n\x93\xfe\x01\xa7\x00\x8c\x1b\xe2\r\n^RSS\r\nE367\r\n\r\nOK\r\n"
    );
    apply(&mut m, "clear fragment", 0).unwrap();
    apply(&mut m, "error ATQ0", 0).unwrap();
    assert_eq!(at(&mut m, PCUI, "ATQ0V1\r", 0), "ATQ0V1\r\r\nERROR\r\n");
    assert_eq!(at(&mut m, PCUI, "AT\r", 0), "AT\r\r\nOK\r\n");
    apply(&mut m, "error *", 0).unwrap();
    assert_eq!(at(&mut m, PCUI, "AT\r", 0), "AT\r\r\nERROR\r\n");
    apply(&mut m, "error off", 0).unwrap();
    apply(&mut m, "silent-after 1", 0).unwrap();
    assert_eq!(at(&mut m, PCUI, "AT\r", 0), "AT\r\r\nOK\r\n");
    assert!(m.status(0).contains("silent=false"));
    assert_eq!(at(&mut m, PCUI, "AT\r", 0), "AT\r");
    assert!(m.status(0).contains("silent=true"));
    assert_eq!(at(&mut m, PCUI, "AT\r", 0), "");
    assert!(m.status(0).contains("pcui_lines=7"), "{}", m.status(0));
    apply(&mut m, "clear silence", 0).unwrap();
    apply(&mut m, "silent-at AT+CPIN", 0).unwrap();
    assert_eq!(at(&mut m, PCUI, "AT\r", 0), "AT\r\r\nOK\r\n");
    assert_eq!(at(&mut m, PCUI, "AT+CPIN?\r", 0), "AT+CPIN?\r");
    assert!(m.status(0).contains("silent=true"));
}

#[test]
fn cfun_1_1_restarts_the_stick_and_a_usb_reset_cures_a_hang() {
    let mut m = unlocked(0);
    assert_eq!(
        at(&mut m, PCUI, "AT+CFUN=1,1\r", 10),
        "AT+CFUN=1,1\r\r\nOK\r\n"
    );
    assert!(m.events().is_empty(), "the OK goes out before the restart");
    m.tick(300);
    assert_eq!(m.events(), [Event::Unplug]);
    assert_eq!(m.replug_after(), Some(3000));
    let mut m = m.power_on_again(3300);
    assert!(m.status(3300).contains("resets=1"), "{}", m.status(3300));
    assert!(
        m.status(3300).contains("sim=pin"),
        "a restart asks the PIN again"
    );
    assert_eq!(
        at(&mut m, PCUI, "AT+CFUN=1,2\r", 3300),
        "AT+CFUN=1,2\r\r\nERROR\r\n"
    );
    apply(&mut m, "fault hang", 3300).unwrap();
    assert_eq!(at(&mut m, PCUI, "AT\r", 3300), "");
    // A replug keeps the faults, but a restart of the firmware cures a hang.
    let mut m = m.usb_reset(4000);
    assert!(m.status(4000).contains("resets=2"), "{}", m.status(4000));
    assert_eq!(at(&mut m, PCUI, "AT\r", 4000), "AT\r\r\nOK\r\n");
}
