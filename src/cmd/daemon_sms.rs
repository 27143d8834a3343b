//! The daemon's text messages and USSD: the ubus methods `sms_list`,
//! `sms_send`, `sms_delete` and `ussd`, and the `umodem.sms` event when a
//! message arrives.
//!
//! A call becomes a job on the modem's control port (`core::smsjob`, fed from
//! the daemon's one loop like a reading, so nothing waits on the modem) and is
//! answered when the job ends (a deferred ubus reply). A call for a modem
//! whose port is busy with a reading waits for it. The answers hold texts and
//! numbers: the rpcd ACL gives these methods to write access only, and no log
//! line holds them.
//!
//! Arrivals: the daemon does not hold a control port between its readings
//! (other AT users need it), so a `+CMTI` the modem sends while no one reads
//! the port is lost. After each reading with the SIM ready the daemon asks
//! `AT+CPMS?` (and sets `AT+CNMI=2,1,0,0,0` once per modem, so that `+CMTI`
//! is sent at all); when the storage for new messages holds more than the
//! last time, one `umodem.sms` event says so. A `+CMTI` seen on the port
//! during any job asks for that check at once. Either way there is one event
//! per rise of the count, however many times the modem said `+CMTI`.

use std::path::Path;

use super::{Daemon, Work};
use crate::cmd::sms::{ubus_answer, ubus_op};
use crate::core::at::strip_prefix_ci;
use crate::core::reader::Ask;
use crate::core::sms::{self, Mem};
use crate::core::smsjob::{self, Do};
use crate::core::status::Found;
use crate::hw::talk::{Came, Talk};
use crate::ubus::blob::{self, Buf, Val};
use crate::ubus::{status as st, Call};

/// How long the daemon waits for the network's USSD answer: less than the
/// 30 s a `ubus call` waits for its reply.
pub(super) const USSD_WAIT_MS: u64 = 20_000;
/// Calls waiting for a modem's port, at most.
const MAX_WAITING: usize = 8;

/// An SMS/USSD job for a ubus call.
pub(super) struct SmsWork {
    pub(super) job: smsjob::Job,
    call: Call,
}

impl Daemon {
    /// A call of one of the SMS/USSD methods: start its job, or queue it
    /// behind the modem's reading, or refuse it.
    pub(super) fn sms_call(&mut self, c: Call) {
        let asked = blob::find(&c.args, "modem").and_then(Val::str);
        let f = self
            .st
            .modems
            .iter()
            .map(|m| &m.found)
            .find(|f| f.control.is_some() && asked.is_none_or(|a| f.path == a));
        let Some(f) = f else {
            return self.sms_reply(&c, st::NOT_FOUND, None);
        };
        if let Err(code) = ubus_op(c.method, &c.args, f.huawei) {
            return self.sms_reply(&c, code, None);
        }
        let path = f.path.clone();
        let who = c.user.as_deref().unwrap_or("?");
        log::info!(
            "sms: {} for modem {path} asked over ubus by {who}",
            c.method
        );
        if self.jobs.iter().any(|j| j.path == path) {
            if self.waiting.len() >= MAX_WAITING {
                return self.sms_error(&c, "the modem is busy with other requests: try again");
            }
            self.waiting.push((path, c));
            return;
        }
        self.sms_start(path, c);
    }

    fn sms_start(&mut self, path: String, c: Call) {
        let opened = match self.st.modem(&path).map(|m| &m.found) {
            Some(Found {
                control: Some(ctl),
                huawei,
                ..
            }) => ubus_op(c.method, &c.args, *huawei).map(|op| (op, Talk::open(Path::new(ctl)))),
            _ => Err(st::NOT_FOUND),
        };
        match opened {
            Err(code) => self.sms_reply(&c, code, None),
            Ok((op, Ok(Some(talk)))) => {
                let job = smsjob::Job::new(op);
                let first = job.next();
                let work = SmsWork { job, call: c };
                self.start(path, talk, Work::Sms(Box::new(work)), first);
            }
            Ok((_, Ok(None))) => self.sms_error(
                &c,
                "the modem's port is in use by another program (umodem, pppd): try again",
            ),
            Ok((_, Err(e))) => self.sms_error(&c, &format!("cannot open the modem's port: {e}")),
        }
    }

    fn sms_reply(&mut self, c: &Call, code: u32, data: Option<&Buf>) {
        self.reply(c, code, data);
    }

    fn sms_error(&mut self, c: &Call, msg: &str) {
        let mut b = Buf::new();
        b.str("error", msg);
        self.sms_reply(c, st::UNKNOWN_ERROR, Some(&b));
    }

    /// Job `i` (an SMS/USSD job) ended: answer its call.
    pub(super) fn sms_done(&mut self, w: SmsWork) {
        let r = w.job.outcome();
        match &r {
            Ok(_) => log::info!("sms: {} done", w.call.method),
            Err(e) => log::warn!("sms: {}: {}", w.call.method, e.msg()),
        }
        let (code, t) = ubus_answer(&r);
        self.sms_reply(&w.call, code, Some(&t));
    }

    /// Unsolicited lines read on the port `fd` of a job: a `+CUSD` for a job
    /// waiting for one, a `+CMTI` asks for a check; the rest is logged.
    /// `+CUSD` lines are never logged (their text is private).
    pub(super) fn sms_urcs(&mut self, fd: libc::c_int, lines: Vec<String>) {
        for l in lines {
            let Some((i, j)) = self
                .jobs
                .iter_mut()
                .enumerate()
                .find(|(_, j)| j.talk.fd() == fd)
            else {
                return;
            };
            let cusd = strip_prefix_ci(&l, "+CUSD:").is_some();
            if cusd {
                if let Work::Sms(w) = &mut j.work {
                    if j.until.is_some() && w.job.urc(&l) {
                        j.until = None;
                        let next = w.job.next();
                        self.feed(i, next);
                        continue;
                    }
                }
            } else if strip_prefix_ci(&l, "+CMTI:").is_some() {
                let p = j.path.clone();
                if let Some(m) = self.st.modem_mut(&p) {
                    m.sms.check = true;
                }
            }
            log::debug!("urc {}", if cusd { "+CUSD (not logged)" } else { &l });
        }
    }

    /// After a job on `path` ended: a call waiting for the port, or the
    /// arrival check, if either is due.
    pub(super) fn sms_next(&mut self, path: &str, sim_ready: bool) {
        if self.jobs.iter().any(|j| j.path == path) {
            return;
        }
        if let Some(k) = self.waiting.iter().position(|(p, _)| p == path) {
            let (p, c) = self.waiting.remove(k);
            return self.sms_start(p, c);
        }
        let Some(m) = self.st.modem_mut(path) else {
            return;
        };
        if !(sim_ready || m.sms.check) {
            return;
        }
        m.sms.check = false;
        let first = if m.sms.cnmi {
            "AT+CPMS?"
        } else {
            "AT+CNMI=2,1,0,0,0"
        };
        let Some(ctl) = m.found.control.as_deref() else {
            return;
        };
        if let Ok(Some(talk)) = Talk::open(Path::new(ctl)) {
            let ask = Ask {
                cmd: first.into(),
                ms: 3000,
            };
            self.start(path.to_string(), talk, Work::Count, super::send(Some(ask)));
        }
    }

    /// What came of the arrival check's command on job `i`: the next one.
    pub(super) fn sms_count(&mut self, i: usize, came: Came) -> Option<Do> {
        let path = self.jobs.get(i)?.path.clone();
        let r = came.ok()?;
        let seen = &mut self.st.modem_mut(&path)?.sms;
        if !seen.cnmi {
            // That was AT+CNMI. Refused (some modems take other modes): no
            // +CMTI then, the count still works. Either way, once.
            seen.cnmi = true;
            return super::send(Some(Ask {
                cmd: "AT+CPMS?".into(),
                ms: 3000,
            }));
        }
        if !r.result.is_ok() {
            return None;
        }
        let q = r.field("+CPMS:").map(sms::parse_cpms).unwrap_or_default();
        let s = q.get(2)?;
        let before = seen.used.replace((s.mem.to_string(), s.used));
        let rose = match before {
            Some((m, n)) if m == s.mem && s.used > n => s.used - n,
            _ => 0,
        };
        if rose > 0 {
            let storage = Mem::parse(s.mem).map_or(s.mem, |m| m.name());
            log::info!("sms: {rose} new message(s) in the {storage} storage of modem {path}");
            let ev = &mut self.st.events;
            let t = ev.table("sms");
            ev.str("modem", &path);
            ev.str("storage", storage);
            ev.int("new", rose.into());
            ev.int("used", s.used.into());
            ev.int("total", s.total.into());
            ev.end(t);
            self.announce();
        }
        None
    }
}
