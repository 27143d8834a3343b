//! The byte path between the gadget's serial interfaces and a modem model.
//!
//! The gadget moves bytes; a [`Modem`] decides what the stick says. The E367 model
//! of the `umodem-sim` crate plugs in here through a small adapter implementing this
//! trait; until then [`PlaceholderAt`] stands in.

/// The serial interfaces the `option` driver binds on a 12d1:1506 stick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Port {
    /// if0, ff/01/01: AT commands, then PPP after CONNECT (ttyUSB0 on a 6.1 kernel).
    Modem,
    /// if3, ff/01/03: diagnostics (ttyUSB1).
    Diag,
    /// if4, ff/01/02: PCUI, the AT control port (ttyUSB2).
    Pcui,
}

pub const PORTS: [Port; 3] = [Port::Modem, Port::Diag, Port::Pcui];

/// A modem seen from its USB ports. Calls come from several threads, one at a time
/// (the gadget holds a lock); none may block.
pub trait Modem: Send {
    /// Bytes the host wrote to `port`.
    fn receive(&mut self, port: Port, bytes: &[u8]);
    /// The host set DTR/RTS on `port` (SET_CONTROL_LINE_STATE; DTR drop hangs up).
    fn line_state(&mut self, _port: Port, _dtr: bool, _rts: bool) {}
    /// Called about every 100 ms with milliseconds since start: timers, unsolicited codes.
    fn poll(&mut self, _now_ms: u64) {}
    /// Bytes waiting to go to the host on `port`; drained by the call.
    fn transmit(&mut self, port: Port) -> Vec<u8>;
}

/// PLACEHOLDER, not the virtual E367: answers `AT` with OK and everything else with
/// ERROR, echoing like a modem in ATE1. Lets the harness prove the byte path until
/// the sim crate's E367 model is plugged in.
#[derive(Default)]
pub struct PlaceholderAt {
    line: [Vec<u8>; 3],
    out: [Vec<u8>; 3],
    echo_off: [bool; 3],
}

fn idx(p: Port) -> usize {
    match p {
        Port::Modem => 0,
        Port::Diag => 1,
        Port::Pcui => 2,
    }
}

impl Modem for PlaceholderAt {
    fn receive(&mut self, port: Port, bytes: &[u8]) {
        let i = idx(port);
        if port == Port::Diag {
            return; // the diagnostics port speaks no AT
        }
        for &b in bytes {
            if !self.echo_off[i] {
                self.out[i].push(b);
            }
            if b != b'\r' {
                if b != b'\n' && self.line[i].len() < 512 {
                    self.line[i].push(b);
                }
                continue;
            }
            let cmd = String::from_utf8_lossy(&self.line[i])
                .trim()
                .to_ascii_uppercase();
            self.line[i].clear();
            if cmd.is_empty() {
                continue;
            }
            let ok = match cmd.as_str() {
                "AT" => true,
                "ATE0" => {
                    self.echo_off[i] = true;
                    true
                }
                "ATE1" => {
                    self.echo_off[i] = false;
                    true
                }
                _ => false,
            };
            self.out[i].extend_from_slice(if ok { b"\r\nOK\r\n" } else { b"\r\nERROR\r\n" });
        }
    }

    fn transmit(&mut self, port: Port) -> Vec<u8> {
        std::mem::take(&mut self.out[idx(port)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_answers_at_ok_and_echoes() {
        let mut m = PlaceholderAt::default();
        m.receive(Port::Pcui, b"A");
        m.receive(Port::Pcui, b"T\r");
        assert_eq!(m.transmit(Port::Pcui), b"AT\r\r\nOK\r\n");
        assert_eq!(m.transmit(Port::Pcui), b"");
        m.receive(Port::Pcui, b"ATE0\rAT+CPIN?\r");
        assert_eq!(m.transmit(Port::Pcui), b"ATE0\r\r\nOK\r\n\r\nERROR\r\n");
        // ports are independent; the diagnostics port says nothing
        m.receive(Port::Modem, b"AT\r");
        assert_eq!(m.transmit(Port::Modem), b"AT\r\r\nOK\r\n");
        m.receive(Port::Diag, b"AT\r");
        assert_eq!(m.transmit(Port::Diag), b"");
    }
}
