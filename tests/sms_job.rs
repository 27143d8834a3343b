//! The SMS/USSD conversations (`core::smsjob`) on a scripted modem with fake
//! time: the `> ` prompt and what happens when it does not come, answers
//! before and after OK, a port that goes away, refusals, and the storage put
//! back after a listing.

use umodem::core::engine::{Clock, Engine};
use umodem::core::pdu;
use umodem::core::sms::Mem;
use umodem::core::smsjob::{self, Job, Op, Outcome};
use umodem::hw::clock::FakeClock;
use umodem::hw::fake::{bytes, turn, Chunk, FakeModem, Turn};

const HELLO: &str = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37";

fn ok(lines: &str) -> Vec<Chunk> {
    vec![bytes(&format!("{lines}\r\nOK\r\n"))]
}

fn run(turns: Vec<Turn>, op: Op) -> (Result<Outcome, umodem::Error>, FakeModem, u64) {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(clock.clone(), turns);
    let r = {
        let mut e = Engine::new(&mut m, &clock);
        smsjob::run(&mut e, Job::new(op))
    };
    assert!(
        m.unexpected.is_empty(),
        "unexpected writes: {:?}",
        m.unexpected
    );
    (r, m, clock.now_ms())
}

fn send_op(text: &str) -> Op {
    Op::Send(pdu::submit("+46708251358", text, 7).unwrap())
}

#[test]
fn send_waits_for_the_prompt_then_the_reference() {
    let (r, m, _) = run(
        vec![
            turn("AT+CMGF=0\r", &ok("")),
            turn("AT+CMGS=22\r", &[Chunk::Silence(300), bytes("\r\n> ")]),
            turn(
                "0001000B916407281553F800000AE8329BFD4697D9EC37\x1a",
                &[Chunk::Silence(2000), bytes("\r\n+CMGS: 42\r\n\r\nOK\r\n")],
            ),
        ],
        send_op("hellohello"),
    );
    assert_eq!(r.unwrap(), Outcome::Sent(vec![42]));
    assert_eq!(m.left(), 0);
}

#[test]
fn no_prompt_abandons_with_escape() {
    // The prompt comes too late: ESC so that the modem never takes the next
    // command as the message's text.
    let (r, m, _) = run(
        vec![
            turn("AT+CMGF=0\r", &ok("")),
            turn("AT+CMGS=22\r", &[Chunk::Silence(6000), bytes("\r\n> ")]),
            turn("\x1b", &ok("")),
        ],
        send_op("hellohello"),
    );
    let e = r.unwrap_err();
    assert!(e.msg().contains("no > prompt"), "{e}");
    assert_eq!(m.left(), 0);
    assert_eq!(m.written.last().unwrap(), b"\x1b");
}

#[test]
fn a_refused_part_says_which_and_how_many_went() {
    let parts = pdu::submit("+46708251358", &"x".repeat(200), 7).unwrap();
    assert_eq!(parts.len(), 2);
    let (r, _, _) = run(
        vec![
            turn("AT+CMGF=0\r", &ok("")),
            turn(
                &format!("AT+CMGS={}\r", parts[0].tpdu_len),
                &[bytes("\r\n> ")],
            ),
            turn(&format!("{}\x1a", parts[0].hex), &ok("\r\n+CMGS: 5\r\n")),
            turn(
                &format!("AT+CMGS={}\r", parts[1].tpdu_len),
                &[bytes("\r\n> ")],
            ),
            turn(
                &format!("{}\x1a", parts[1].hex),
                &[bytes("\r\n+CMS ERROR: 331\r\n")],
            ),
        ],
        Op::Send(parts),
    );
    let e = r.unwrap_err();
    assert!(e.msg().contains("part 2 of 2"), "{e}");
    assert!(e.msg().contains("no network"), "{e}");
    assert!(e.msg().contains("1 part(s) before it were sent"), "{e}");
}

#[test]
fn port_gone_while_sending() {
    let (r, _, _) = run(
        vec![
            turn("AT+CMGF=0\r", &ok("")),
            turn("AT+CMGS=22\r", &[bytes("\r\n> ")]),
            turn(
                "0001000B916407281553F800000AE8329BFD4697D9EC37\x1a",
                &[Chunk::Gone],
            ),
        ],
        send_op("hellohello"),
    );
    let e = r.unwrap_err();
    assert_eq!(e.exit_code(), umodem::error::code::NO_DEVICE, "{e}");
}

#[test]
fn listing_puts_the_storage_back_and_skips_a_refused_one() {
    let (r, m, _) = run(
        vec![
            turn("AT+CMGF=0\r", &ok("")),
            turn(
                "AT+CPMS?\r",
                &ok("\r\n+CPMS: \"ME\",0,20,\"ME\",0,20,\"SM\",1,10\r\n"),
            ),
            turn(
                "AT+CPMS=?\r",
                &ok("\r\n+CPMS: (\"SM\",\"ME\"),(\"SM\",\"ME\"),(\"SM\",\"ME\")\r\n"),
            ),
            turn("AT+CPMS=\"SM\"\r", &ok("\r\n+CPMS: 1,10,0,20,1,10\r\n")),
            turn(
                "AT+CMGL=4\r",
                &ok(&format!(
                    "\r\n+CMGL: 3,0,,28\r\n{HELLO}\r\n+CMGL: 4,1,,9\r\n0011\r\n"
                )),
            ),
            // The modem's memory is empty: not listed.
            turn("AT+CPMS=\"ME\"\r", &ok("\r\n+CPMS: 0,20,0,20,1,10\r\n")),
        ],
        Op::List,
    );
    let Outcome::Listed(l) = r.unwrap() else {
        panic!()
    };
    assert_eq!(l.messages.len(), 1);
    assert_eq!(l.messages[0].slots, [(Mem::Sim, 3)]);
    assert_eq!(l.bad.len(), 1);
    assert_eq!((l.bad[0].0, l.bad[0].1), (Mem::Sim, 4));
    assert_eq!(l.incoming.as_deref(), Some("SM"));
    assert_eq!(l.stores.len(), 2);
    // It ended on "ME", which the modem had: nothing to put back.
    assert_eq!(m.left(), 0);

    // The SIM storage refused (no SIM): the modem's is listed, "SM" put back.
    let (r, m, _) = run(
        vec![
            turn("AT+CMGF=0\r", &ok("")),
            turn(
                "AT+CPMS?\r",
                &ok("\r\n+CPMS: \"SM\",0,10,\"SM\",0,10,\"SM\",0,10\r\n"),
            ),
            turn("AT+CPMS=?\r", &ok("\r\n+CPMS: (\"SM\",\"ME\",\"MT\")\r\n")),
            turn("AT+CPMS=\"SM\"\r", &[bytes("\r\n+CMS ERROR: 310\r\n")]),
            turn("AT+CPMS=\"ME\"\r", &ok("\r\n+CPMS: 1,20,0,10,0,10\r\n")),
            turn(
                "AT+CMGL=4\r",
                &ok(&format!("\r\n+CMGL: 0,1,,28\r\n{HELLO}\r\n")),
            ),
            turn("AT+CPMS=\"SM\"\r", &[bytes("\r\n+CMS ERROR: 310\r\n")]),
        ],
        Op::List,
    );
    let Outcome::Listed(l) = r.unwrap() else {
        panic!()
    };
    assert_eq!(l.messages[0].slots, [(Mem::Modem, 0)]);
    assert_eq!(smsjob::id(Mem::Modem, 0), 1000);
    assert_eq!(m.left(), 0);
}

#[test]
fn no_pdu_mode_is_a_clear_error() {
    let (r, _, _) = run(
        vec![turn("AT+CMGF=0\r", &[bytes("\r\nERROR\r\n")])],
        Op::List,
    );
    assert!(r.unwrap_err().msg().contains("SMS in PDU mode"));
}

#[test]
fn ussd_answer_before_or_after_ok_or_never() {
    let cmd = umodem::core::ussd::request("*100#", true).unwrap();
    let op = || Op::Ussd {
        cmd: cmd.clone(),
        packed: true,
    };
    // After OK, with reports in between.
    let (r, _, t) = run(
        vec![turn(
            &format!("{cmd}\r"),
            &[
                bytes("\r\nOK\r\n"),
                Chunk::Silence(1500),
                bytes("\r\n^RSSI:12\r\n"),
                Chunk::Silence(1500),
                bytes("\r\n+CUSD: 0,\"C2303BEC1E9775A01A\",15\r\n"),
            ],
        )],
        op(),
    );
    let Outcome::Ussd(a) = r.unwrap() else {
        panic!()
    };
    assert_eq!(a.text.as_deref(), Some("Balance: 5"));
    assert!(t < 5000, "answered after {t} ms");
    // Before OK (an answer to the command itself).
    let (r, _, _) = run(
        vec![turn(&format!("{cmd}\r"), &ok("\r\n+CUSD: 1,\"31\",15\r\n"))],
        op(),
    );
    let Outcome::Ussd(a) = r.unwrap() else {
        panic!()
    };
    assert!(a.open());
    // Never: the wait ends at 30 s with an error.
    let (r, _, t) = run(vec![turn(&format!("{cmd}\r"), &ok(""))], op());
    assert!(r.unwrap_err().msg().contains("no answer from the network"));
    assert!(
        (smsjob::USSD_MS..smsjob::USSD_MS + 1000).contains(&t),
        "{t}"
    );
    // Ended by the network at once with no text: said as it is.
    let (r, _, _) = run(
        vec![turn(
            &format!("{cmd}\r"),
            &[bytes("\r\nOK\r\n\r\n+CUSD: 2\r\n")],
        )],
        op(),
    );
    let Outcome::Ussd(a) = r.unwrap() else {
        panic!()
    };
    assert_eq!((a.status, a.text), (2, None));
}

#[test]
fn ids() {
    assert_eq!(smsjob::slot(3), Some((Mem::Sim, 3)));
    assert_eq!(smsjob::slot(1003), Some((Mem::Modem, 3)));
    assert_eq!(smsjob::slot(70000), None);
    for (m, i) in [
        (Mem::Sim, 0),
        (Mem::Sim, 254),
        (Mem::Modem, 0),
        (Mem::Modem, 500),
    ] {
        assert_eq!(smsjob::slot(smsjob::id(m, i)), Some((m, i)));
    }
}

#[test]
fn a_stray_prompt_ends_no_other_command() {
    let clock = FakeClock::new();
    let mut m = FakeModem::new(
        clock.clone(),
        vec![turn(
            "AT+CSQ\r",
            &[bytes("\r\n> \r\n+CSQ: 9,99\r\n\r\nOK\r\n")],
        )],
    );
    let mut e = Engine::new(&mut m, &clock);
    let r = e.command("AT+CSQ").unwrap();
    assert_eq!(r.result, umodem::core::at::Final::Ok);
    assert_eq!(r.lines, ["+CSQ: 9,99"]);
}
