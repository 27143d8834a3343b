//! The byte path between the gadget's serial interfaces and a modem model.
//!
//! The gadget moves bytes; a [`Modem`] decides what the stick says. [`SimModem`] puts
//! the `umodem-sim` crate's model (E367, or E3372 in stick mode) behind this trait, and
//! runs the network side of a data call: a PPP call's bytes go to `--ppp-cmd` (e.g. a
//! `pppd passive` in its own network namespace); an NDIS call (E3372) switches the
//! NCM interface's network on and off (`--net-cmd`, see net.rs).

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use umodem_sim::{control, Config, Event, PortId};

use crate::net::NetSide;

/// The serial interfaces the `option` driver binds on a 12d1:1506 stick.
pub use umodem_sim::model::PORTS;
pub type Port = PortId;

/// A modem seen from its USB ports. Calls come from several threads, one at a time
/// (the gadget holds a lock); none may block for long.
pub trait Modem: Send {
    /// Bytes the host wrote to `port`.
    fn receive(&mut self, port: Port, bytes: &[u8]);
    /// The host set DTR/RTS on `port` (SET_CONTROL_LINE_STATE: `option` raises both
    /// when the tty is opened and drops them when it is closed).
    fn line_state(&mut self, _port: Port, _dtr: bool, _rts: bool) {}
    /// Called about every 20 ms: timers, unsolicited codes, the network side.
    fn poll(&mut self) {}
    /// Bytes waiting to go to the host on `port`; drained by the call.
    fn transmit(&mut self, port: Port) -> Vec<u8>;
    /// A control command (the sim's control language); the reply or an error.
    fn control(&mut self, _line: &str) -> Result<String, String> {
        Err("this modem takes no control commands".into())
    }
    /// The stick was plugged in again: start from power-on.
    fn power_on(&mut self) {}
    /// The host reset the USB port: the firmware restarts.
    fn usb_reset(&mut self) {}
}

/// The network side of a data call: `sh -c CMD` with the call's bytes on its
/// stdin/stdout.
struct Net {
    child: Child,
    to_net: Sender<Vec<u8>>,
    from_net: Receiver<Vec<u8>>,
}

impl Net {
    fn spawn(cmd: &str) -> Result<Net, String> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("--ppp-cmd: {e}"))?;
        let mut stdin = child.stdin.take().ok_or("--ppp-cmd: no stdin")?;
        let mut stdout = child.stdout.take().ok_or("--ppp-cmd: no stdout")?;
        let (to_net, rx) = mpsc::channel::<Vec<u8>>();
        thread::spawn(move || {
            for chunk in rx {
                if stdin.write_all(&chunk).and_then(|_| stdin.flush()).is_err() {
                    break;
                }
            }
        });
        let (tx, from_net) = mpsc::channel();
        thread::spawn(move || {
            let mut buf = vec![0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf.get(..n).unwrap_or(&[]).to_vec()).is_err() {
                    break;
                }
            }
        });
        Ok(Net {
            child,
            to_net,
            from_net,
        })
    }

    fn stop(mut self) {
        let pid = self.child.id().to_string();
        // SIGTERM so that a pppd says goodbye (LCP terminate) as a network would.
        let _ = Command::new("kill").arg("-TERM").arg(&pid).status();
        thread::spawn(move || {
            let _ = self.child.wait();
        });
    }
}

/// The `umodem-sim` model behind the gadget's ports.
pub struct SimModem {
    cfg: Config,
    faults: Vec<String>,
    ppp_cmd: Option<String>,
    model: umodem_sim::Modem,
    t0: Instant,
    net: Option<Net>,
    /// The NCM interface's network (E3372), switched by the NDIS call.
    ndis_net: Option<Arc<NetSide>>,
}

impl SimModem {
    /// `faults` are control lines applied at every power-on (e.g. "fault refuse").
    pub fn new(
        cfg: Config,
        faults: Vec<String>,
        ppp_cmd: Option<String>,
    ) -> Result<SimModem, String> {
        let mut m = SimModem {
            model: umodem_sim::Modem::new(cfg.clone(), 0),
            cfg,
            faults,
            ppp_cmd,
            t0: Instant::now(),
            net: None,
            ndis_net: None,
        };
        m.power_on_checked()?;
        Ok(m)
    }

    /// The network an NDIS call switches on and off.
    pub fn with_ndis_net(mut self, net: Arc<NetSide>) -> SimModem {
        self.ndis_net = Some(net);
        self
    }

    fn now(&self) -> u64 {
        self.t0.elapsed().as_millis() as u64
    }

    fn power_on_checked(&mut self) -> Result<(), String> {
        if let Some(net) = self.net.take() {
            net.stop();
        }
        let now = self.now();
        self.model = umodem_sim::Modem::new(self.cfg.clone(), now);
        // Nothing is open until the host raises DTR on a port.
        for p in PORTS {
            self.model.port_closed(p, now);
        }
        for f in &self.faults {
            control::apply(&mut self.model, f, now)?;
        }
        Ok(())
    }

    /// Act on the model's events and move the call's bytes to/from the network side.
    fn pump(&mut self) {
        for ev in self.model.events() {
            match ev {
                Event::CallUp => {
                    eprintln!("gadget modem: call up");
                    if let Some(cmd) = &self.ppp_cmd {
                        match Net::spawn(cmd) {
                            Ok(n) => self.net = Some(n),
                            Err(e) => eprintln!("gadget modem: {e}"),
                        }
                    }
                }
                Event::CallDown | Event::Unplug => {
                    eprintln!("gadget modem: {ev:?}");
                    if let Some(net) = self.net.take() {
                        net.stop();
                    }
                    if let (Event::Unplug, Some(n)) = (&ev, &self.ndis_net) {
                        n.down();
                    }
                }
                Event::DataUp => {
                    eprintln!("gadget modem: NDIS call up");
                    if let Some(n) = &self.ndis_net {
                        n.up();
                    }
                }
                Event::DataDown => {
                    eprintln!("gadget modem: NDIS call down");
                    if let Some(n) = &self.ndis_net {
                        n.down();
                    }
                }
            }
        }
        let up = self.model.to_network();
        let mut gone = false;
        if let Some(net) = &self.net {
            if !up.is_empty() {
                let _ = net.to_net.send(up);
            }
            loop {
                match net.from_net.try_recv() {
                    Ok(d) => self.model.from_network(&d),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        gone = true;
                        break;
                    }
                }
            }
        }
        if gone {
            // The network side exited by itself: the call drops (NO CARRIER).
            if let Some(net) = self.net.take() {
                net.stop();
            }
            let now = self.now();
            self.model.network_hangup(now);
            let _ = self.model.events();
        }
    }
}

impl Modem for SimModem {
    fn receive(&mut self, port: Port, bytes: &[u8]) {
        let now = self.now();
        self.model.input(port, bytes, now);
        self.pump();
    }

    fn line_state(&mut self, port: Port, dtr: bool, _rts: bool) {
        let now = self.now();
        if dtr {
            self.model.port_opened(port);
            self.model.set_dtr(port, true, now);
        } else {
            self.model.set_dtr(port, false, now);
            self.model.port_closed(port, now);
        }
        self.pump();
    }

    fn poll(&mut self) {
        let now = self.now();
        self.model.tick(now);
        self.pump();
    }

    fn transmit(&mut self, port: Port) -> Vec<u8> {
        self.model.output(port)
    }

    fn control(&mut self, line: &str) -> Result<String, String> {
        let now = self.now();
        let r = control::apply(&mut self.model, line, now);
        self.pump();
        r
    }

    fn power_on(&mut self) {
        if let Err(e) = self.power_on_checked() {
            eprintln!("gadget modem: {e}");
        }
    }

    fn usb_reset(&mut self) {
        if let Some(net) = self.net.take() {
            net.stop();
        }
        let now = self.now();
        // The same SIM and faults, a fresh firmware (a hang is cured), one more reset.
        self.model = self.model.usb_reset(now);
        for p in PORTS {
            self.model.port_closed(p, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn quick() -> Config {
        Config {
            pin_enabled: false,
            reg_delay_ms: 0,
            dial_delay_ms: 0,
            boot_interval_ms: 0,
            ..Config::default()
        }
    }

    /// Poll until `port` has said something containing `want` (at most 5 s).
    fn wait_for(m: &mut SimModem, port: Port, want: &str) -> String {
        let mut got = String::new();
        for _ in 0..250 {
            m.poll();
            got.push_str(&String::from_utf8_lossy(&m.transmit(port)));
            if got.contains(want) {
                return got;
            }
            thread::sleep(Duration::from_millis(20));
        }
        panic!("no '{want}' on {port:?}; got {got:?}");
    }

    #[test]
    fn at_on_an_open_port_and_nothing_on_a_closed_one() {
        let mut m = SimModem::new(quick(), vec![], None).unwrap();
        m.receive(PortId::Pcui, b"AT\r");
        assert_eq!(m.transmit(PortId::Pcui), b"", "the port is not open yet");
        m.line_state(PortId::Pcui, true, true);
        m.receive(PortId::Pcui, b"ATI\r");
        let out = wait_for(&mut m, PortId::Pcui, "OK");
        assert!(out.contains("E367"), "{out:?}");
    }

    #[test]
    fn control_and_power_on() {
        let mut m = SimModem::new(quick(), vec!["fault refuse".into()], None).unwrap();
        assert!(m.control("bogus").is_err());
        assert!(m.control("status").unwrap().contains('='));
        m.power_on();
        // a bad start fault is an error, not a panic
        assert!(SimModem::new(quick(), vec!["fault nonsense".into()], None).is_err());
    }

    #[test]
    fn a_usb_reset_restarts_a_hung_stick() {
        let mut m = SimModem::new(quick(), vec![], None).unwrap();
        m.line_state(PortId::Pcui, true, true);
        m.control("fault hang").unwrap();
        m.receive(PortId::Pcui, b"AT\r");
        m.poll();
        assert_eq!(m.transmit(PortId::Pcui), b"", "hung");
        m.usb_reset();
        assert!(m.control("status").unwrap().contains("resets=1"));
        // the host opens the port again after the reset
        m.line_state(PortId::Pcui, true, true);
        m.receive(PortId::Pcui, b"AT\r");
        wait_for(&mut m, PortId::Pcui, "OK");
    }

    #[test]
    fn a_call_carries_bytes_through_the_network_command() {
        let mut m = SimModem::new(quick(), vec![], Some("cat".into())).unwrap();
        m.line_state(PortId::Modem, true, true);
        m.receive(PortId::Modem, b"ATD*99#\r");
        wait_for(&mut m, PortId::Modem, "CONNECT");
        m.receive(PortId::Modem, b"~hello through the network~");
        wait_for(&mut m, PortId::Modem, "hello through the network");
        // DTR drop ends the call
        m.line_state(PortId::Modem, false, false);
        assert!(m.net.is_none());
    }
}
