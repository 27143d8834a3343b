//! The AT line parser on byte transcripts: line ends, echo, finals, URCs, answers.

use umodem::core::at::*;

/// Feed `bytes` through an exchange for `cmd`; return (response, urcs) or None if incomplete.
fn run(cmd: &str, bytes: &[u8]) -> (Option<Response>, Vec<String>) {
    let mut lines = Lines::new();
    lines.push(bytes);
    let mut ex = Exchange::new(cmd);
    let mut urcs = Vec::new();
    while let Some(l) = lines.next_line() {
        match ex.on_line(&l) {
            Step::More => {}
            Step::Urc(u) => urcs.push(u),
            Step::Done(r) => return (Some(r), urcs),
        }
    }
    (None, urcs)
}

#[test]
fn scan_tells_incomplete_from_complete() {
    assert_eq!(scan_line(b""), Scan::Incomplete);
    assert_eq!(scan_line(b"OK"), Scan::Incomplete);
    assert_eq!(scan_line(b"\r\nOK"), Scan::Skip(2));
    assert_eq!(scan_line(b"OK\r\n"), Scan::Line(b"OK", 3));
    assert_eq!(scan_line(b"OK\n"), Scan::Line(b"OK", 3));
    assert_eq!(scan_line(b"> "), Scan::Skip(2));
    let long = vec![b'x'; MAX_LINE + 10];
    assert_eq!(scan_line(&long), Scan::Line(&long[..MAX_LINE], MAX_LINE));
}

#[test]
fn every_line_end_variant_splits() {
    for sep in [&b"\r\n"[..], b"\n", b"\r", b"\n\r", b"\r\r\n"] {
        let mut l = Lines::new();
        let mut data = Vec::new();
        for w in ["+CSQ: 20,99", "OK"] {
            data.extend_from_slice(w.as_bytes());
            data.extend_from_slice(sep);
        }
        l.push(&data);
        assert_eq!(l.next_line().as_deref(), Some("+CSQ: 20,99"), "{sep:?}");
        assert_eq!(l.next_line().as_deref(), Some("OK"), "{sep:?}");
        assert_eq!(l.next_line(), None);
    }
}

#[test]
fn bytes_in_any_split_give_the_same_lines() {
    let data = b"\r\n^RSSI:17\r\n\r\n+CSQ: 17,99\r\n\r\nOK\r\n";
    for cut in 0..data.len() {
        let mut l = Lines::new();
        let mut got = Vec::new();
        l.push(&data[..cut]);
        while let Some(x) = l.next_line() {
            got.push(x);
        }
        l.push(&data[cut..]);
        while let Some(x) = l.next_line() {
            got.push(x);
        }
        assert_eq!(got, ["^RSSI:17", "+CSQ: 17,99", "OK"], "cut at {cut}");
    }
}

#[test]
fn echo_on_and_off_give_the_same_answer() {
    let off = run("AT+CSQ", b"\r\n+CSQ: 21,99\r\n\r\nOK\r\n").0.unwrap();
    let on = run("AT+CSQ", b"AT+CSQ\r\r\n+CSQ: 21,99\r\n\r\nOK\r\n")
        .0
        .unwrap();
    assert_eq!(off, on);
    assert_eq!(off.lines, ["+CSQ: 21,99"]);
    assert_eq!(off.result, Final::Ok);
}

#[test]
fn final_results() {
    let cases: &[(&str, Final)] = &[
        ("OK", Final::Ok),
        ("ERROR", Final::Error),
        ("+CME ERROR: 10", Final::CmeError(10)),
        ("+CME ERROR: SIM not inserted", Final::CmeError(10)),
        ("+CME ERROR: incorrect password", Final::CmeError(16)),
        ("+CME ERROR: something odd", Final::CmeError(100)),
        ("+CMS ERROR: 500", Final::CmsError(500)),
        ("NO CARRIER", Final::NoCarrier),
        ("BUSY", Final::Busy),
        ("NO ANSWER", Final::NoAnswer),
        ("NO DIALTONE", Final::NoDialtone),
        ("CONNECT", Final::Connect(None)),
        ("CONNECT 7200000", Final::Connect(Some("7200000".into()))),
        ("COMMAND NOT SUPPORT", Final::NotSupported),
    ];
    for (line, f) in cases {
        let wire = format!("\r\n{line}\r\n");
        let (r, _) = run("ATD*99#", wire.as_bytes());
        assert_eq!(r.unwrap().result, *f, "{line}");
    }
    assert_eq!(parse_final("+CSQ: 1,2"), None);
    assert_eq!(parse_final("OKAY"), None);
}

#[test]
fn urcs_between_answer_lines_go_to_the_listener() {
    let wire = b"\r\n^RSSI:12\r\n\r\nhuawei\r\n^MODE:5,4\r\n\r\n^BOOT:20123,0,0,0,72\r\n\r\nOK\r\n";
    let (r, urcs) = run("AT+CGMI", wire);
    let r = r.unwrap();
    assert_eq!(r.lines, ["huawei"]);
    assert_eq!(urcs, ["^RSSI:12", "^MODE:5,4", "^BOOT:20123,0,0,0,72"]);
}

#[test]
fn creg_is_an_answer_only_when_asked() {
    let wire =
        b"\r\n+CREG: 1,\"00C3\",\"0000D8B1\"\r\n+CREG: 2,1,\"00C3\",\"0000D8B1\"\r\n\r\nOK\r\n";
    // Asked for CREG: both lines are kept; the parser takes the one that fits.
    let (r, urcs) = run("AT+CREG?", wire);
    let r = r.unwrap();
    assert!(urcs.is_empty());
    let reg = r.fields("+CREG:").find_map(parse_reg_answer).unwrap();
    assert_eq!(reg.stat, 1);
    assert_eq!(reg.lac.as_deref(), Some("00C3"));
    assert_eq!(reg.cell.as_deref(), Some("0000D8B1"));
    // Asked for something else: both are URCs.
    let (r, urcs) = run("AT+CSQ", wire);
    assert_eq!(r.unwrap().lines, Vec::<String>::new());
    assert_eq!(urcs.len(), 2);
    let u = parse_reg_urc(urcs[0].strip_prefix("+CREG:").unwrap()).unwrap();
    assert_eq!((u.stat, u.lac.as_deref()), (1, Some("00C3")));
    // CGREG while asking CREG is still a URC.
    let (_, urcs) = run("AT+CREG?", b"+CGREG: 1\r\n+CREG: 0,1\r\nOK\r\n");
    assert_eq!(urcs, ["+CGREG: 1"]);
}

#[test]
fn ring_and_no_carrier_when_idle_are_unsolicited() {
    assert_eq!(classify("RING", Some("AT+CSQ")), Kind::Urc);
    assert_eq!(classify("NO CARRIER", None), Kind::Urc);
    assert_eq!(classify("OK", None), Kind::Urc);
    assert_eq!(classify("+CSQ: 1,1", Some("AT+CSQ")), Kind::Info);
    assert_eq!(classify("AT+CSQ", Some("at+csq")), Kind::Echo);
}

#[test]
fn incomplete_response_is_not_taken_as_done() {
    let (r, _) = run("AT+CSQ", b"\r\n+CSQ: 21,99\r\n\r\nO");
    assert!(r.is_none());
    let (r, _) = run("AT+CSQ", b"\r\n+CSQ: 21,99\r\n\r\nOK");
    assert!(r.is_none(), "OK without its line end may still grow");
}

#[test]
fn garbage_and_long_lines_do_not_stall() {
    let mut wire = vec![0xffu8, 0x00, 0x80, b'\r'];
    wire.extend(std::iter::repeat_n(b'Z', 3000));
    wire.extend_from_slice(b"\r\n\x1b[0m\r\n+CSQ: 5,99\r\nOK\r\n");
    let (r, _) = run("AT+CSQ", &wire);
    let r = r.unwrap();
    assert_eq!(r.result, Final::Ok);
    assert_eq!(r.field("+CSQ:"), Some("5,99"));
    // The garbage became bounded info lines (at most MAX_LINE each).
    assert!(r.lines.iter().all(|l| l.len() <= MAX_LINE));
    let mut l = Lines::new();
    l.push(&vec![b'x'; 10_000]);
    while l.next_line().is_some() {}
    assert!(l.pending() < MAX_LINE);
}

#[test]
fn solicited_prefixes() {
    assert_eq!(solicited_prefix("AT+CREG?").as_deref(), Some("+CREG:"));
    assert_eq!(solicited_prefix("at^cpin?").as_deref(), Some("^CPIN:"));
    assert_eq!(solicited_prefix("AT+CSQ").as_deref(), Some("+CSQ:"));
    assert_eq!(
        solicited_prefix("AT+COPS=3,2;+COPS?").as_deref(),
        Some("+COPS:")
    );
    assert_eq!(solicited_prefix("ATI"), None);
    assert_eq!(solicited_prefix("AT"), None);
    assert_eq!(solicited_prefix(""), None);
}

#[test]
fn csq() {
    let c = parse_csq(" 21,99").unwrap();
    assert_eq!(
        (c.rssi, c.ber, c.dbm(), c.percent()),
        (21, 99, Some(-71), Some(67))
    );
    let c = parse_csq("99,99").unwrap();
    assert_eq!((c.dbm(), c.percent()), (None, None));
    assert_eq!(parse_csq("0,0").unwrap().dbm(), Some(-113));
    assert_eq!(parse_csq("31,0").unwrap().percent(), Some(100));
    assert!(parse_csq("x").is_none());
}

#[test]
fn cops() {
    let c = parse_cops("0,0,\"3 SE\",2").unwrap();
    assert_eq!(
        (c.mode, c.format, c.oper.as_deref(), c.act),
        (0, Some(0), Some("3 SE"), Some(2))
    );
    let c = parse_cops("0,2,\"24002\",2").unwrap();
    assert_eq!(
        split_plmn(c.oper.as_deref().unwrap()),
        Some(("240".into(), "02".into()))
    );
    assert_eq!(split_plmn("310410"), Some(("310".into(), "410".into())));
    assert_eq!(split_plmn("Tre"), None);
    let c = parse_cops("0").unwrap();
    assert_eq!((c.format, c.oper), (None, None));
    // Operator names may contain commas inside quotes.
    assert_eq!(
        parse_cops("0,0,\"A, B\",0").unwrap().oper.as_deref(),
        Some("A, B")
    );
}

#[test]
fn registration() {
    let r = parse_reg_answer("2,5,\"1a2b\",\"00c3d8b1\",2").unwrap();
    assert_eq!(r.stat_name(), "roaming");
    assert!(r.registered());
    assert_eq!(
        (r.lac.as_deref(), r.cell.as_deref(), r.act),
        (Some("1A2B"), Some("00C3D8B1"), Some(2))
    );
    let r = parse_reg_answer("0,2").unwrap();
    assert_eq!((r.stat_name(), r.lac), ("searching", None));
    assert!(parse_reg_answer("1").is_none());
    assert_eq!(parse_reg_urc("3").unwrap().stat_name(), "denied");
}

#[test]
fn sim_state_and_attempts() {
    assert_eq!(parse_cpin("READY"), Some(SimState::Ready));
    assert_eq!(parse_cpin("SIM PIN"), Some(SimState::Pin));
    assert_eq!(parse_cpin("SIM PUK"), Some(SimState::Puk));
    assert_eq!(parse_cpin("PH-NET PIN"), Some(SimState::Locked));
    assert_eq!(parse_cpin("garbage"), None);
    let a = parse_hw_cpin("SIM PIN,3,10,3,10,3").unwrap();
    assert_eq!(
        (a.state, a.pin, a.puk),
        (Some(SimState::Pin), Some(3), Some(10))
    );
    let a = parse_hw_cpin("READY,,10,3,10,3").unwrap();
    assert_eq!(
        (a.state, a.pin, a.puk),
        (Some(SimState::Ready), Some(3), Some(10))
    );
    assert!(parse_hw_cpin("READY").is_none());
    let a = parse_cpinr([
        "+CPINR: SIM PIN,2,3",
        "+CPINR: SIM PUK,10,10",
        "+CPINR: SIM PIN2,3,3",
    ]);
    assert_eq!((a.pin, a.puk), (Some(2), Some(10)));
}

#[test]
fn identities() {
    assert_eq!(
        parse_imei("353613040739180").as_deref(),
        Some("353613040739180")
    );
    assert_eq!(
        parse_imei("\"353613040739180\"").as_deref(),
        Some("353613040739180")
    );
    assert_eq!(parse_imei("ERROR"), None);
    assert_eq!(
        parse_imsi("240021234567890").as_deref(),
        Some("240021234567890")
    );
    assert_eq!(
        parse_iccid("89460200001234567890").as_deref(),
        Some("89460200001234567890")
    );
    // EF_ICCID as +CRSM gives it: nibble-swapped, F-padded.
    assert_eq!(
        parse_iccid("98642000002143658709").as_deref(),
        Some("89460200001234567890")
    );
    assert_eq!(
        parse_iccid("986420000021436587F9").as_deref(),
        Some("8946020000123456789")
    );
    assert_eq!(
        parse_crsm("144,0,\"98642000002143658709\"").as_deref(),
        Some("98642000002143658709")
    );
    assert_eq!(parse_crsm("106,130"), None);
    assert_eq!(parse_iccid("12345"), None);
}

#[test]
fn access_technology_and_caps() {
    let s = parse_sysinfo("2,3,0,5,1,,4").unwrap();
    assert_eq!(sysinfo_tech(&s), Some("umts"));
    let s = parse_sysinfo("2,3,0,3,1,,3").unwrap();
    assert_eq!(sysinfo_tech(&s), Some("edge"));
    let s = parse_sysinfo("2,3,0,5,1").unwrap();
    assert_eq!(sysinfo_tech(&s), Some("umts"));
    assert_eq!(sysinfo_tech(&parse_sysinfo("0,0,0,0,1").unwrap()), None);
    assert_eq!(
        parse_sysinfoex("2,3,0,1,,3,\"WCDMA\",41,\"WCDMA\"").as_deref(),
        Some("wcdma")
    );
    assert_eq!(act_name(7), "lte");
    assert_eq!(parse_gcap("+CGSM,+DS,+ES"), ["+CGSM", "+DS", "+ES"]);
}

#[test]
fn service_modes_match_openwrt_3g() {
    assert_eq!(
        syscfg_cmd("umts_only").as_deref(),
        Some("AT^SYSCFG=14,2,3FFFFFFF,2,4")
    );
    assert_eq!(
        syscfg_cmd("gprs_only").as_deref(),
        Some("AT^SYSCFG=13,1,3FFFFFFF,2,4")
    );
    assert_eq!(
        syscfg_cmd("auto").as_deref(),
        Some("AT^SYSCFG=2,0,3FFFFFFF,2,4")
    );
    assert_eq!(
        syscfg_cmd("umts_first").as_deref(),
        Some("AT^SYSCFG=2,2,3FFFFFFF,2,4")
    );
    assert_eq!(
        syscfg_cmd("gprs_first").as_deref(),
        Some("AT^SYSCFG=2,1,3FFFFFFF,2,4")
    );
    assert_eq!(syscfg_cmd("lte"), None);
}

#[test]
fn noise_lines_are_never_answers() {
    // Line noise glued before an answer line ends at the answer's CR LF.
    let (r, _) = run("AT+CGMI", b"\xff\x01ab\x9c\r\n\r\nhuawei\r\n\r\nOK\r\n");
    assert_eq!(r.unwrap().lines, ["huawei"]);
    let (r, _) = run("AT+CGMI", b"\r\nhuawei\r\n\x1b[1;1H\r\nOK\r\n");
    assert_eq!(r.unwrap().lines, ["huawei"]);
    // A noisy "OK" is no final result: the command waits for a clean one.
    let (r, _) = run("AT", b"\r\nO\x80K\r\n");
    assert!(r.is_none());
    assert!(noise(b"a\x07b"));
    assert!(!noise(b"+COPS: 0,0,\"3 SE\",2"));
    assert!(!noise(b"tab\there"), "tabs are fine");
    assert!(
        !noise(b"pad\x00ded"),
        "NULs are padding, dropped by clean()"
    );
}

#[test]
fn hcsq_lte_readings_in_dbm_and_whole_db() {
    use umodem::core::at::{parse_hcsq, Lte};
    let l = |rssi, rsrp, sinr, rsrq| Lte {
        rssi,
        rsrp,
        sinr,
        rsrq,
    };
    assert_eq!(
        parse_hcsq("\"LTE\",43,41,150,19"),
        Some(l(-77, -99, 10, -10))
    );
    // The ends of each range, and the case of the mode.
    assert_eq!(parse_hcsq("\"lte\",0,0,0,0"), Some(l(-120, -140, -20, -19)));
    assert_eq!(
        parse_hcsq("\"LTE\",96,97,251,34"),
        Some(l(-24, -43, 30, -2))
    );
    // Out of range, cut short, other modes: nothing.
    assert_eq!(parse_hcsq("\"LTE\",97,41,150,19"), None);
    assert_eq!(parse_hcsq("\"LTE\",43,41,252,19"), None);
    assert_eq!(parse_hcsq("\"LTE\",43,41,150,35"), None);
    assert_eq!(parse_hcsq("\"LTE\",43,41"), None);
    assert_eq!(parse_hcsq("\"LTE\",255,255,255,255"), None);
    assert_eq!(parse_hcsq("\"NOSERVICE\""), None);
    assert_eq!(parse_hcsq("\"WCDMA\",30,30,30"), None);
    assert_eq!(parse_hcsq(""), None);
}
