//! The control language: one text command per line, shared by the control socket, the
//! `--fault` start flags and the tests. See sim/README.md for the list.

use crate::model::{Modem, Reg};
use crate::sim_card::Lock;

pub const HELP: &str = "\
fault NAME         switch a fault on: silence garbage partial truncate storm refuse
                   dial-error dial-busy urc-mid fragment hang
clear NAME|all     switch a fault off (all: every fault)
error PREFIX|*|off commands starting with PREFIX (*: every command) answer ERROR
silent-after N     answer N more command lines on the AT ports, then fall silent
silent-at PREFIX   fall silent at the first command that starts with PREFIX
hangup             the network drops the call (NO CARRIER on the modem port)
unplug [MS]        the stick vanishes (ports and sysfs entries go away); with MS
                   it is plugged in again MS ms later (fresh power-on, same SIM)
signal N|auto      RSSI 0..31 or 99; auto: wander around the base value
reg home|roaming|searching|denied|none|auto
sim ready|pin|puk|blocked|absent|busy MS
urc TEXT           send TEXT as an unsolicited line on the PCUI
sms                every stored message: MEM:INDEX:STAT:PDU ...
sms-put sim|modem PDU [read]  store a message (hex, SMSC field first), unread
                   unless `read`; replies with its index
sms-arrive PDU     a message from the network: stored where +CPMS <mem3> says,
                   +CMTI (with AT+CNMI=2,1) or ^SMMEMFULL on the PCUI
sms-sent           the TPDUs sent with AT+CMGS (hex), one per line
sms-fail N|off     the next AT+CMGS gives +CMS ERROR: N
ussd-delay MS      the network's USSD answers come MS ms after OK (default 300)
status             one line of key=value state
help               this text";

fn set_fault(m: &mut Modem, name: &str, on: bool) -> Result<(), String> {
    let f = &mut m.faults;
    match name {
        "silence" => f.silence = on,
        "garbage" => f.garbage = on,
        "partial" => f.partial = on,
        "truncate" => f.truncate = on,
        "storm" => f.storm = on,
        "refuse" => f.refuse = on,
        "dial-error" => f.dial_error = on,
        "dial-busy" => f.dial_busy = on,
        "urc-mid" => f.urc_mid = on,
        "fragment" => f.fragment = on,
        "hang" => f.hang = on,
        "all" if !on => *f = Default::default(),
        _ => return Err(format!("unknown fault '{name}'")),
    }
    Ok(())
}

/// Apply one control line. Ok(reply) or Err(message).
pub fn apply(m: &mut Modem, line: &str, now: u64) -> Result<String, String> {
    let line = line.trim();
    let (cmd, arg) = match line.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (line, ""),
    };
    match cmd {
        "fault" => set_fault(m, arg, true).map(|_| "ok".into()),
        "clear" => set_fault(m, arg, false).map(|_| "ok".into()),
        "error" => {
            m.faults.error_prefix = match arg {
                "" => return Err("error wants PREFIX, * or off".into()),
                "off" => None,
                p => Some(p.to_string()),
            };
            Ok("ok".into())
        }
        "silent-after" => match arg.parse::<u32>() {
            Ok(n) => {
                m.faults.silent_after = Some(n);
                Ok("ok".into())
            }
            Err(_) => Err("silent-after wants a number of command lines".into()),
        },
        "silent-at" if !arg.is_empty() => {
            m.faults.silent_at = Some(arg.to_string());
            Ok("ok".into())
        }
        "hangup" => {
            if m.hangup(now) {
                Ok("ok".into())
            } else {
                Err("no call".into())
            }
        }
        "unplug" => {
            let after = match arg {
                "" => None,
                n => match n.parse::<u64>() {
                    Ok(ms) => Some(ms),
                    Err(_) => return Err("unplug wants nothing or MS (replug after MS ms)".into()),
                },
            };
            if m.unplugged() {
                return Err("already unplugged".into());
            }
            m.unplug(after);
            Ok("ok".into())
        }
        "signal" => match arg {
            "auto" => {
                m.set_rssi(None);
                Ok("ok".into())
            }
            _ => match arg.parse::<u8>() {
                Ok(n) if n <= 31 || n == 99 => {
                    m.set_rssi(Some(n));
                    Ok("ok".into())
                }
                _ => Err("signal wants 0..31, 99 or auto".into()),
            },
        },
        "reg" => {
            let r = match arg {
                "home" => Some(Reg::Home),
                "roaming" => Some(Reg::Roaming),
                "searching" => Some(Reg::Searching),
                "denied" => Some(Reg::Denied),
                "none" => Some(Reg::NotSearching),
                "auto" => None,
                _ => return Err("reg wants home|roaming|searching|denied|none|auto".into()),
            };
            m.set_reg(r);
            Ok("ok".into())
        }
        "sim" => {
            let (what, ms) = match arg.split_once(char::is_whitespace) {
                Some((w, n)) => (w, n.trim().parse::<u64>().ok()),
                None => (arg, None),
            };
            match what {
                "ready" => m.sim_force(Lock::Ready, now),
                "pin" => m.sim_force(Lock::Pin, now),
                "puk" => m.sim_force(Lock::Puk, now),
                "blocked" => m.sim_force(Lock::Blocked, now),
                "absent" => m.sim_remove(now),
                "busy" => m.sim_busy(ms.unwrap_or(5000), now),
                _ => return Err("sim wants ready|pin|puk|blocked|absent|busy MS".into()),
            }
            Ok("ok".into())
        }
        "urc" if !arg.is_empty() => {
            m.inject_urc(arg);
            Ok("ok".into())
        }
        "sms" => Ok(m.sms.dump()),
        "sms-put" => {
            let w: Vec<&str> = arg.split_whitespace().collect();
            let mem = w.first().and_then(|x| crate::sms::Mem::parse(x));
            match (mem, w.get(1)) {
                (Some(mem), Some(pdu)) => {
                    let stat = if w.get(2) == Some(&"read") { 1 } else { 0 };
                    m.sms.put(mem, pdu, stat).map(|i| i.to_string())
                }
                _ => Err("sms-put wants sim|modem PDU [read]".into()),
            }
        }
        "sms-arrive" if !arg.is_empty() => m.sms_arrive(arg).map(|i| i.to_string()),
        "sms-sent" => Ok(m.sms.sent.join("\n")),
        "sms-fail" => {
            m.sms.fail_next = match arg {
                "off" => None,
                n => Some(
                    n.parse()
                        .map_err(|_| "sms-fail wants N or off".to_string())?,
                ),
            };
            Ok("ok".into())
        }
        "ussd-delay" => match arg.parse::<u64>() {
            Ok(ms) => {
                m.sms.ussd_delay_ms = ms;
                Ok("ok".into())
            }
            Err(_) => Err("ussd-delay wants MS".into()),
        },
        "status" => Ok(m.status(now)),
        "help" => Ok(HELP.into()),
        "" => Err("empty command".into()),
        _ => Err(format!("unknown command '{cmd}' (try help)")),
    }
}
