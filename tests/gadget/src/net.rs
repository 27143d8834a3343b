//! The network behind a stick's network function (ECM, RNDIS, NCM), and a small DNS
//! server for it.
//!
//! `--net-cmd CMD`: the gadget runs `sh -c 'CMD "$@"' sh ACTION IFNAME`, one at a time
//! and in order, with ACTION
//! - `attach`: the kernel has registered the gadget side's interface IFNAME (at the
//!   first bind of the network mode): move it where the network lives (its own
//!   network namespace) and set that up;
//! - `up`: the data path works (a HiLink stick: at once after `attach`; a stick:
//!   when the model's NDIS call is up): serve DHCP, pass traffic;
//! - `down`: the data call ended (or the stick was unplugged): no DHCP, no traffic.
//!
//! tests/vm/farend.sh is such a command.

use std::io;
use std::net::{Ipv4Addr, UdpSocket};
use std::process::Command;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread;

use crate::gadget::log;

/// Runs the network command's actions in order on a thread of its own.
pub struct NetSide {
    tx: Mutex<Sender<&'static str>>,
    ifname: Arc<Mutex<Option<String>>>,
}

impl NetSide {
    pub fn new(cmd: String) -> Arc<NetSide> {
        let (tx, rx) = mpsc::channel::<&'static str>();
        let ifname: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
        let name = Arc::clone(&ifname);
        thread::spawn(move || {
            for action in rx {
                let Some(ifname) = name.lock().ok().and_then(|n| n.clone()) else {
                    log("net", &format!("{action}: no interface yet, skipped"));
                    continue;
                };
                let r = Command::new("sh")
                    .arg("-c")
                    .arg(format!("{cmd} \"$@\""))
                    .arg("sh")
                    .arg(action)
                    .arg(&ifname)
                    .status();
                log("net", &format!("{action} {ifname}: {r:?}"));
            }
        });
        Arc::new(NetSide {
            tx: Mutex::new(tx),
            ifname,
        })
    }

    fn send(&self, action: &'static str) {
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(action);
        }
    }

    pub fn attached(&self) -> bool {
        self.ifname.lock().map(|n| n.is_some()).unwrap_or(false)
    }

    pub fn attach(&self, ifname: &str) {
        if let Ok(mut n) = self.ifname.lock() {
            *n = Some(ifname.to_string());
        }
        self.send("attach");
    }

    pub fn up(&self) {
        self.send("up");
    }

    pub fn down(&self) {
        self.send("down");
    }
}

/// `umodem-gadget dns --listen IP [--name NAME=IP]...`: answer A queries for the
/// names given (NXDOMAIN for others, an empty answer for other types), log each
/// query. The DNS server a HiLink stick runs on its gateway address, or the
/// operator's resolvers, in the far end's namespace.
pub fn dns_server(listen: &str, names: &[(String, Ipv4Addr)]) -> io::Result<()> {
    let sock = UdpSocket::bind((listen, 53))?;
    log("dns", &format!("listening on {listen}:53"));
    let mut buf = [0u8; 512];
    loop {
        let (n, from) = sock.recv_from(&mut buf)?;
        let q = buf.get(..n).unwrap_or(&[]);
        match dns_answer(q, names) {
            Some((name, reply)) => {
                log("dns", &format!("query {name} from {from}"));
                let _ = sock.send_to(&reply, from);
            }
            None => log("dns", &format!("not a query ({n} bytes) from {from}")),
        }
    }
}

/// The reply to one DNS query (one question), and the name asked for.
pub fn dns_answer(q: &[u8], names: &[(String, Ipv4Addr)]) -> Option<(String, Vec<u8>)> {
    if q.len() < 12 || q[2] & 0x80 != 0 || u16::from_be_bytes([q[4], q[5]]) != 1 {
        return None;
    }
    let mut i = 12;
    let mut labels = Vec::new();
    loop {
        let l = *q.get(i)? as usize;
        i += 1;
        if l == 0 {
            break;
        }
        if l > 63 {
            return None;
        }
        labels.push(String::from_utf8_lossy(q.get(i..i + l)?).to_ascii_lowercase());
        i += l;
    }
    let qtype = u16::from_be_bytes([*q.get(i)?, *q.get(i + 1)?]);
    let qend = i + 4;
    q.get(..qend)?;
    let name = labels.join(".");
    let hit = names.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name));
    let mut r = q.get(..qend)?.to_vec();
    r[2] = 0x84 | (q[2] & 0x01); // response, authoritative, RD copied
    r[3] = if hit.is_some() { 0x00 } else { 0x03 }; // NXDOMAIN when unknown
    r[6] = 0;
    r[7] = 0;
    r[8..12].fill(0);
    if let (Some((_, ip)), 1) = (hit, qtype) {
        r[7] = 1;
        r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4]);
        r.extend_from_slice(&ip.octets());
    }
    Some((name, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str, qtype: u16) -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for l in name.split('.') {
            q.push(l.len() as u8);
            q.extend_from_slice(l.as_bytes());
        }
        q.push(0);
        q.extend_from_slice(&qtype.to_be_bytes());
        q.extend_from_slice(&[0, 1]);
        q
    }

    #[test]
    fn answers_known_names_and_refuses_the_rest() {
        let names = vec![(
            "far.umodem.test".to_string(),
            Ipv4Addr::new(198, 51, 100, 1),
        )];
        let q = query("Far.Umodem.Test", 1);
        let (name, r) = dns_answer(&q, &names).unwrap();
        assert_eq!(name, "far.umodem.test");
        assert_eq!(&r[..4], &[0x12, 0x34, 0x85, 0x00]);
        assert_eq!(&r[4..12], &[0, 1, 0, 1, 0, 0, 0, 0]);
        assert_eq!(&r[r.len() - 4..], &[198, 51, 100, 1]);
        let (_, r) = dns_answer(&query("nope.test", 1), &names).unwrap();
        assert_eq!((r[3], r[7]), (3, 0));
        let (_, r) = dns_answer(&query("far.umodem.test", 28), &names).unwrap();
        assert_eq!((r[3], r[7]), (0, 0), "AAAA: no such record, no error");
        // garbage and responses are not answered, and never panic
        assert!(dns_answer(&[0; 5], &names).is_none());
        let mut resp = q.clone();
        resp[2] |= 0x80;
        assert!(dns_answer(&resp, &names).is_none());
        for n in 0..q.len() {
            let _ = dns_answer(&q[..n], &names);
        }
        let mut bad = q.clone();
        bad[12] = 200;
        assert!(dns_answer(&bad, &names).is_none());
    }
}
