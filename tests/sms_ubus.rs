//! The SMS/USSD ubus methods' arguments and answers (`cmd::sms`): what a call
//! turns into, what is refused, and how an answer looks to `ubus call`.

use umodem::cmd::sms::{ubus_answer, UBUS_METHODS};
use umodem::core::smsjob::{Op, Outcome};
use umodem::core::ussd::Answer;
use umodem::ubus::{blob, status as st, BlobMsg, Buf, Table};

/// `cmd::sms::ubus_op` on arguments as they come over the wire.
fn ubus_op(method: &str, args: &Table, packed: bool) -> Result<Op, u32> {
    umodem::cmd::sms::ubus_op(method, &blob::encode_table(args).unwrap(), packed)
}

fn t(v: &[(&str, BlobMsg)]) -> Table {
    v.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn s(v: &str) -> BlobMsg {
    BlobMsg::String(v.into())
}

#[test]
fn calls_become_jobs_or_are_refused() {
    assert_eq!(ubus_op("sms_list", &Table::new(), true), Ok(Op::List));
    let send = t(&[("number", s("+46708251358")), ("text", s("hellohello"))]);
    match ubus_op("sms_send", &send, true) {
        Ok(Op::Send(p)) => assert_eq!(p[0].hex, "0001000B916407281553F800000AE8329BFD4697D9EC37"),
        other => panic!("{other:?}"),
    }
    for bad in [
        t(&[("number", s("+4670"))]),
        t(&[("text", s("x"))]),
        t(&[("number", s("12ab")), ("text", s("x"))]),
        t(&[("number", BlobMsg::Int32(5)), ("text", s("x"))]),
    ] {
        assert_eq!(
            ubus_op("sms_send", &bad, true),
            Err(st::INVALID_ARGUMENT),
            "{bad:?}"
        );
    }
    assert_eq!(
        ubus_op("sms_delete", &t(&[("id", BlobMsg::Int32(1003))]), true),
        Ok(Op::Delete {
            ids: vec![1003],
            all: false
        })
    );
    assert_eq!(
        ubus_op(
            "sms_delete",
            &t(&[(
                "ids",
                BlobMsg::Array(vec![BlobMsg::Int32(1), BlobMsg::Int32(2)])
            )]),
            true
        ),
        Ok(Op::Delete {
            ids: vec![1, 2],
            all: false
        })
    );
    assert_eq!(
        ubus_op("sms_delete", &t(&[("all", BlobMsg::from(true))]), true),
        Ok(Op::Delete {
            ids: vec![],
            all: true
        })
    );
    for bad in [
        Table::new(),
        t(&[("id", BlobMsg::Int32(-1))]),
        t(&[("ids", BlobMsg::Array(vec![s("1")]))]),
        t(&[("all", BlobMsg::from(false))]),
    ] {
        assert_eq!(
            ubus_op("sms_delete", &bad, true),
            Err(st::INVALID_ARGUMENT),
            "{bad:?}"
        );
    }
    assert_eq!(
        ubus_op("ussd", &t(&[("code", s("*100#"))]), true),
        Ok(Op::Ussd {
            cmd: "AT+CUSD=1,\"AA180C3602\",15".into(),
            packed: true
        })
    );
    assert_eq!(
        ubus_op("ussd", &t(&[("code", s("*100#"))]), false),
        Ok(Op::Ussd {
            cmd: "AT+CUSD=1,\"*100#\",15".into(),
            packed: false
        })
    );
    assert_eq!(
        ubus_op("ussd", &t(&[("cancel", BlobMsg::from(true))]), true),
        Ok(Op::UssdCancel)
    );
    for bad in [
        Table::new(),
        t(&[("code", s("`"))]),
        t(&[("code", s("1")), ("cancel", BlobMsg::from(true))]),
    ] {
        assert_eq!(
            ubus_op("ussd", &bad, true),
            Err(st::INVALID_ARGUMENT),
            "{bad:?}"
        );
    }
    assert_eq!(
        ubus_op("sms_read", &Table::new(), true),
        Err(st::METHOD_NOT_FOUND)
    );
    // Every method named here is one the daemon offers with a policy.
    let names: Vec<&str> = UBUS_METHODS.iter().map(|m| m.name).collect();
    assert_eq!(names, ["sms_list", "sms_send", "sms_delete", "ussd"]);
}

/// As `ubus call` prints it, read back by serde_json (our JSON tree, through its text).
fn sj(b: Buf) -> serde_json::Value {
    let t = blob::decode_table(&b.0).expect("answers are valid blobmsg");
    serde_json::from_str(&BlobMsg::Table(t).to_json().to_json()).expect("our JSON output is JSON")
}

#[test]
fn answers_as_ubus_shows_them() {
    let (c, a) = ubus_answer(&Ok(Outcome::Ussd(Answer {
        status: 1,
        text: Some("1. Balance".into()),
    })));
    assert_eq!(c, st::OK);
    let json = sj(a);
    assert_eq!(
        json,
        serde_json::json!({"status": "reply needed", "open": true, "text": "1. Balance"})
    );
    // No text: no key (ubus has no null to show).
    let (_, a) = ubus_answer(&Ok(Outcome::Ussd(Answer {
        status: 2,
        text: None,
    })));
    assert_eq!(
        sj(a),
        serde_json::json!({"status": "ended by the network", "open": false})
    );
    let (c, a) = ubus_answer(&Ok(Outcome::Sent(vec![7, 8])));
    assert_eq!(c, st::OK);
    assert_eq!(sj(a), serde_json::json!({"parts": 2, "references": [7, 8]}));
    let e = umodem::Error::with_code(
        17,
        "sending the message: the modem answered +CMS ERROR: 500",
    );
    let (c, a) = ubus_answer(&Err(e));
    assert_eq!(c, st::UNKNOWN_ERROR);
    assert_eq!(
        sj(a)["error"],
        "sending the message: the modem answered +CMS ERROR: 500"
    );
    let (c, _) = ubus_answer(&Err(umodem::Error::with_code(2, "no message 7")));
    assert_eq!(c, st::NOT_FOUND);
}
