//! `umodem sms list|read ID|send|delete ID...|delete all` and `umodem ussd`:
//! text messages and USSD on the modem's control port (opened with its lock,
//! as every AT user does). The conversations are `core::smsjob`; this opens
//! the port, says hello (`core::reader`), and prints.
//!
//! Message texts and numbers are private: never in argv (`send` reads them
//! from stdin), never in a log line, never in an error message.

use crate::cli::Args;
use crate::cmd::at::read_stdin;
use crate::core::engine::Engine;
use crate::core::pdu::{self, Kind};
use crate::core::reader;
use crate::core::sms::{stat_name, Mem, Message};
use crate::core::smsjob::{self, Job, Op, Outcome};
use crate::core::ussd;
use crate::error::{code, Error, Result};
use crate::hw::clock::SystemClock;
use crate::hw::port;
use crate::hw::usbsys::UsbSysfs;
use crate::out::Out;

fn usage(e: Error) -> Error {
    Error::with_code(code::USAGE, e.msg())
}

fn bad_usage(msg: &str) -> Error {
    Error::with_code(code::USAGE, msg)
}

/// One message as `list`, `read` and `ubus call umodem sms_list` show it.
fn message_out(m: &Message) -> Out {
    let mut o = Out::map();
    o.set("id", m.slots.first().map_or(0, |&(s, i)| smsjob::id(s, i)));
    o.set("ids", ids(&m.slots));
    o.set("storage", m.slots.first().map(|s| s.0.name()));
    o.set("state", stat_name(m.stat));
    o.set(
        "direction",
        if m.kind == Kind::Deliver {
            "received"
        } else {
            "sent"
        },
    );
    o.set("number", m.addr.text.as_str());
    o.set("number_type", m.addr.kind());
    o.set("time", m.time.map(|t| t.iso()));
    o.set("alphabet", m.alphabet.name());
    o.set("parts", m.parts);
    if !m.missing.is_empty() {
        o.set("missing_parts", wide(&m.missing));
    }
    o.set("text", m.text.as_str());
    o
}

/// Numbers as an output list, built in place (no Vec<u8>/Vec<u32> turned
/// into a tree by a generic conversion per element type).
fn wide(v: &[u8]) -> Out {
    let mut l = Vec::new();
    for &x in v {
        l.push(Out::Int(x.into()));
    }
    Out::List(l)
}

/// The ids of these slots, as a list.
fn ids(s: &[(Mem, u16)]) -> Out {
    let mut l = Vec::new();
    for &(m, i) in s {
        l.push(Out::Int(smsjob::id(m, i).into()));
    }
    Out::List(l)
}

/// What came of a job, as the command prints it and the daemon answers it.
fn outcome_out(o: &Outcome) -> Out {
    let mut out = Out::map();
    match o {
        Outcome::Listed(l) => {
            let mut stores = Vec::new();
            for &(m, used, total) in &l.stores {
                let mut o = Out::map();
                o.set("name", m.name());
                o.set("used", used);
                o.set("total", total);
                stores.push(o);
            }
            out.set("storages", Out::List(stores));
            out.set(
                "incoming",
                l.incoming
                    .as_deref()
                    .map(|c| Mem::parse(c).map_or(c, |m| m.name())),
            );
            let mut msgs = Vec::new();
            for m in &l.messages {
                msgs.push(message_out(m));
            }
            out.set("messages", Out::List(msgs));
            let mut bad = Vec::new();
            for (m, i, e) in &l.bad {
                let mut o = Out::map();
                o.set("id", smsjob::id(*m, *i));
                o.set("storage", m.name());
                o.set("error", e.as_str());
                bad.push(o);
            }
            out.set("unreadable", Out::List(bad));
        }
        Outcome::Deleted(s) => out.set("deleted", ids(s)),
        Outcome::Sent(refs) => {
            out.set("parts", refs.len() as u32);
            out.set("references", wide(refs));
        }
        Outcome::Ussd(a) => {
            out.set("status", ussd::status_name(a.status));
            out.set("open", a.open());
            out.set("text", a.text.clone());
        }
        Outcome::Cancelled => out.set("status", "cancelled"),
    }
    out
}

/// `send`'s input: the number on the first line, the text after it (one
/// final line end dropped). Never from argv.
fn parse_send_input(input: &str) -> Result<(&str, &str)> {
    let (number, text) = input.split_once('\n').unwrap_or((input, ""));
    let number = number.trim_ascii();
    let text = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(text);
    if number.is_empty() {
        return Err(bad_usage(
            "sms send reads the number on its first line of stdin and the text after it",
        ));
    }
    Ok((number, text))
}

/// A concatenation reference for a new message: differs from run to run.
fn reference() -> u8 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut t) };
    (t.tv_nsec as u32 ^ std::process::id()) as u8
}

fn parse_id(w: &str) -> Result<u32> {
    crate::num::dec(w)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| bad_usage("a message id is a number (umodem sms list shows them)"))
}

pub fn run(args: Args) -> Result<()> {
    go(args, false)
}

/// `umodem ussd CODE|-|--cancel`: a USSD string (a code like `*100#`, or the
/// reply to a menu) and the network's answer; `-` reads it from stdin (for
/// codes that are secrets, such as top-up vouchers).
pub fn run_ussd(args: Args) -> Result<()> {
    go(args, true)
}

/// Both commands: the job the words ask for; then open the control port,
/// say hello (`core::reader`), run the job, print what came. A USSD code
/// stays text (under a placeholder job) until the modem says how it takes
/// codes.
fn go(mut args: Args, ussd: bool) -> Result<()> {
    let json = args.flag("--json");
    let cancel = args.flag("--cancel");
    let port = args.value("--port").map_err(usage)?;
    let sysfs = args.value("--sysfs").map_err(usage)?;
    let mut w = Vec::new();
    while let Some(x) = args.positional() {
        w.push(x);
    }
    args.finish().map_err(usage)?;
    let mut code = None;
    let mut read = None;
    let mut what = "sms";
    let op = match (ussd, cancel, w.first().map(String::as_str), w.len()) {
        (true, true, None, _) => Op::UssdCancel,
        (true, false, Some(c), 1) => {
            code = Some(if c == "-" {
                read_stdin("the USSD code")?.trim_ascii().to_string()
            } else {
                c.to_string()
            });
            Op::UssdCancel
        }
        (true, ..) => {
            return Err(bad_usage(
                "ussd CODE, ussd - (the code from stdin) or ussd --cancel",
            ))
        }
        (false, false, Some("list"), 1) => Op::List,
        (false, false, Some("read"), 2) => {
            read = Some(parse_id(&w[1])?);
            Op::List
        }
        (false, false, Some("delete"), n) if n > 1 => {
            let mut ids = Vec::new();
            let mut all = false;
            for x in &w[1..] {
                if x == "all" {
                    all = true;
                } else {
                    ids.push(parse_id(x)?);
                }
            }
            Op::Delete { ids, all }
        }
        (false, false, Some("send"), 1) => {
            let input = read_stdin("the message")?;
            let (number, text) = parse_send_input(&input)?;
            let parts = pdu::submit(number, text, reference()).map_err(usage)?;
            log::info!("sms: sending a message in {} part(s)", parts.len());
            what = "sms send";
            Op::Send(parts)
        }
        _ => {
            return Err(bad_usage(
                "sms list|read ID|send|delete ID...|delete all (umodem sms --help)",
            ))
        }
    };
    finish(
        op,
        code,
        read,
        port,
        sysfs,
        json,
        if ussd { "ussd" } else { what },
    )
}

fn finish(
    mut op: Op,
    code: Option<String>,
    read: Option<u32>,
    port: Option<String>,
    sysfs: Option<String>,
    json: bool,
    what: &str,
) -> Result<()> {
    let root = UsbSysfs::from_args(sysfs);
    let (_, profile, mut tty) = port::open_control(port, &root, what)?;
    let huawei = profile.is_some_and(|p| p.hw_cpin);
    if let Some(c) = code {
        op = Op::Ussd {
            cmd: ussd::request(&c, huawei).map_err(usage)?,
            packed: huawei,
        };
    }
    let clock = SystemClock::new();
    let mut e = Engine::new(&mut tty, &clock);
    // By reference: a move out of the reading would drop its other
    // fields one by one here (flash).
    if let Some(f) = &reader::read(&mut e, reader::HELLO, huawei).stopped {
        return Err(f.error());
    }
    let out = smsjob::run(&mut e, Job::new(op))?;
    // `read`: the message that holds this id, from the list.
    if let (Some(want), Outcome::Listed(l)) = (read, &out) {
        let s = smsjob::slot(want);
        return match l
            .messages
            .iter()
            .find(|m| s.is_some_and(|s| m.slots.contains(&s)))
        {
            Some(m) => crate::cmd::print(&message_out(m), json),
            None => Err(smsjob::no_message(want)),
        };
    }
    crate::cmd::print(&outcome_out(&out), json)
}

// ---------------------------------------------------------------------------
// ubus: the methods' arguments and answers (the daemon runs the jobs).

use crate::ubus::blob::{self, Buf, Val};
use crate::ubus::{status as st, Method};

/// The daemon's SMS and USSD methods and their argument policies. The
/// answers hold message texts and numbers: the rpcd ACL grants them to
/// write access only.
pub const UBUS_METHODS: [Method; 4] = {
    const MODEM: (&str, u8) = ("modem", blob::TYPE_STRING);
    [
        Method {
            name: "sms_list",
            policy: &[MODEM],
        },
        Method {
            name: "sms_send",
            policy: &[
                MODEM,
                ("number", blob::TYPE_STRING),
                ("text", blob::TYPE_STRING),
            ],
        },
        Method {
            name: "sms_delete",
            policy: &[
                MODEM,
                ("id", blob::TYPE_INT32),
                ("ids", blob::TYPE_ARRAY),
                ("all", blob::TYPE_BOOL),
            ],
        },
        Method {
            name: "ussd",
            policy: &[
                MODEM,
                ("code", blob::TYPE_STRING),
                ("cancel", blob::TYPE_BOOL),
            ],
        },
    ]
};

/// The job a call asks for (`packed`: the modem takes USSD strings packed),
/// or the ubus status to refuse it with.
pub fn ubus_op(method: &str, args: &[u8], packed: bool) -> std::result::Result<Op, u32> {
    let get = |k| blob::find(args, k);
    let s = |k| get(k).and_then(Val::str);
    let id = |v: Val| v.int().and_then(|i| u32::try_from(i).ok());
    match method {
        "sms_list" => Ok(Op::List),
        "sms_send" => {
            let (Some(n), Some(t)) = (s("number"), s("text")) else {
                return Err(st::INVALID_ARGUMENT);
            };
            pdu::submit(n, t, reference())
                .map(Op::Send)
                .map_err(|_| st::INVALID_ARGUMENT)
        }
        "sms_delete" => {
            let all = get("all").and_then(Val::bool) == Some(true);
            let mut ids = Vec::new();
            if let Some(v) = get("id") {
                ids.push(id(v).ok_or(st::INVALID_ARGUMENT)?);
            }
            if let Some(a) = get("ids").filter(|a| a.ty == blob::TYPE_ARRAY) {
                for v in a.items() {
                    ids.push(id(v).ok_or(st::INVALID_ARGUMENT)?);
                }
            }
            if ids.is_empty() && !all {
                return Err(st::INVALID_ARGUMENT);
            }
            Ok(Op::Delete { ids, all })
        }
        "ussd" => match (s("code"), get("cancel").and_then(Val::bool)) {
            (None, Some(true)) => Ok(Op::UssdCancel),
            (Some(c), None | Some(false)) => Ok(Op::Ussd {
                cmd: ussd::request(c, packed).map_err(|_| st::INVALID_ARGUMENT)?,
                packed,
            }),
            _ => Err(st::INVALID_ARGUMENT),
        },
        _ => Err(st::METHOD_NOT_FOUND),
    }
}

/// What a job came to, as the answer of its call: the same fields as the
/// command's `--json` (null values stay out, as rpcd's JSON would show nothing
/// for them); an error as `{"error": message}` with UNKNOWN_ERROR (NOT_FOUND for
/// an id that is not there).
pub fn ubus_answer(r: &Result<Outcome>) -> (u32, Buf) {
    let mut b = Buf::new();
    match r {
        Ok(o) => {
            if let Out::Map(m) = outcome_out(o) {
                b.members(&m);
            }
            (st::OK, b)
        }
        Err(e) => {
            b.str("error", e.msg());
            let c = if e.exit_code() == code::USAGE {
                st::NOT_FOUND
            } else {
                st::UNKNOWN_ERROR
            };
            (c, b)
        }
    }
}
