//! Raw USB descriptors (as in sysfs `descriptors`: the device descriptor, then
//! every configuration with its interfaces and endpoints) to our device model.
//! Pure; malformed input gives what could be read, never a panic.

use crate::core::modeswitch::{Config, Endpoint, Interface};

/// Identity from the device descriptor and all configurations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub vid: u16,
    pub pid: u16,
    pub class: u8,
    pub configs: Vec<Config>,
}

const DT_DEVICE: u8 = 1;
const DT_CONFIG: u8 = 2;
const DT_INTERFACE: u8 = 4;
const DT_ENDPOINT: u8 = 5;

/// Walk the descriptors. None if there is no valid device descriptor.
pub fn parse(raw: &[u8]) -> Option<Parsed> {
    let dev = raw.get(..18)?;
    if dev.first() != Some(&18) || dev.get(1) != Some(&DT_DEVICE) {
        return None;
    }
    let le = |i: usize| u16::from_le_bytes([dev[i], dev[i + 1]]);
    let mut p = Parsed {
        vid: le(8),
        pid: le(10),
        class: dev[4],
        configs: Vec::new(),
    };
    let mut rest = &raw[18..];
    while let [len, kind, ..] = *rest {
        let len = usize::from(len);
        if len < 2 || len > rest.len() {
            break; // truncated or corrupt: keep what we have
        }
        let d = &rest[..len];
        match kind {
            DT_CONFIG if len >= 9 => p.configs.push(Config {
                value: d[5],
                interfaces: Vec::new(),
            }),
            DT_INTERFACE if len >= 9 => {
                if let Some(c) = p.configs.last_mut() {
                    c.interfaces.push(Interface {
                        number: d[2],
                        alt: d[3],
                        class: d[5],
                        subclass: d[6],
                        protocol: d[7],
                        ..Interface::default()
                    });
                }
            }
            DT_ENDPOINT if len >= 7 => {
                if let Some(i) = p.configs.last_mut().and_then(|c| c.interfaces.last_mut()) {
                    i.endpoints.push(Endpoint {
                        address: d[2],
                        attributes: d[3],
                    });
                }
            }
            _ => {}
        }
        rest = &rest[len..];
    }
    Some(p)
}
