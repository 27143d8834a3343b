//! Which tty of which USB modem does what: pure, from a sysfs snapshot.
//!
//! Ports are grouped by USB device (bus/port path, e.g. `1-1.2`), so numbering
//! (ttyUSB0 vs ttyUSB3) never matters. Roles come from a device profile by
//! interface class/subclass/protocol; probing `AT` (done by the caller)
//! confirms or corrects the control port.

/// One USB tty as sysfs describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbTty {
    /// Device name, e.g. "ttyUSB2".
    pub tty: String,
    pub vid: u16,
    pub pid: u16,
    /// USB device directory name: bus-port path such as "1-1" or "2-1.4".
    pub path: String,
    pub busnum: Option<u16>,
    pub devnum: Option<u16>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub interface: u8,
    pub class: u8,
    pub subclass: u8,
    pub protocol: u8,
    /// Kernel driver of the interface (`option`, `usbserial`, `cdc_acm`, ...).
    pub driver: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// PPP data port (also speaks AT until CONNECT).
    Modem,
    /// AT control port (Huawei PCUI).
    Control,
}

impl Role {
    pub fn name(&self) -> &'static str {
        match self {
            Role::Modem => "modem",
            Role::Control => "control",
        }
    }
}

/// How a vendor lays out its interfaces.
#[derive(Debug)]
pub struct Profile {
    pub vid: u16,
    pub name: &'static str,
    /// (class, protocol, role); subclass is free (Huawei: ff/xx/01, ff/xx/02).
    pub roles: &'static [(u8, u8, Role)],
    /// (product, interface number, role) for vendors whose interfaces all say
    /// ff/ff/ff (ZTE): the layout differs per product.
    pub by_iface: &'static [(u16, u8, Role)],
    /// Send `AT^CURC=0` on the control port (quiets periodic URCs).
    pub curc_off: bool,
    /// Understands `AT^SYSCFG` for the service mode.
    pub syscfg: bool,
    /// Understands `AT^CPIN?` (attempts left).
    pub hw_cpin: bool,
}

pub const PROFILES: &[Profile] = &[
    Profile {
        vid: 0x12d1,
        name: "huawei",
        roles: &[(0xff, 0x01, Role::Modem), (0xff, 0x02, Role::Control)],
        by_iface: &[],
        curc_off: true,
        syscfg: true,
        hw_cpin: true,
    },
    // ZTE: no roles in the class triplets. Known products by interface number
    // (MF626/MF636 19d2:0031: modem if3, AT if1); other ZTE products get
    // their control port from the AT probe and no data port.
    Profile {
        vid: 0x19d2,
        name: "zte",
        roles: &[],
        by_iface: &[(0x0031, 3, Role::Modem), (0x0031, 1, Role::Control)],
        curc_off: false,
        syscfg: false,
        hw_cpin: false,
    },
];

pub fn profile(vid: u16) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.vid == vid)
}

/// The role a profile gives an interface, if any.
pub fn role_of(t: &UsbTty) -> Option<Role> {
    let p = profile(t.vid)?;
    let by_num = p
        .by_iface
        .iter()
        .find(|(pid, n, _)| *pid == t.pid && *n == t.interface)
        .map(|&(_, _, r)| r);
    by_num.or_else(|| {
        p.roles
            .iter()
            .find(|(c, pr, _)| *c == t.class && *pr == t.protocol)
            .map(|&(_, _, r)| r)
    })
}

/// Whether a USB device is a modem we know: its vendor has a profile. A
/// CDC ACM device alone proves nothing (GNSS receivers and boards say
/// 02/02/01 too), and an FTDI cable is no modem: those are not listed.
fn is_modem(ttys: &[UsbTty]) -> bool {
    ttys.iter().any(|t| profile(t.vid).is_some())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub tty: UsbTty,
    pub role: Option<Role>,
    /// Answered `AT` when probed (None: not probed).
    pub at: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modem {
    pub vid: u16,
    pub pid: u16,
    pub path: String,
    pub busnum: Option<u16>,
    pub devnum: Option<u16>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub ports: Vec<Port>,
}

impl Modem {
    fn with_role(&self, r: Role) -> Option<&Port> {
        self.ports.iter().find(|p| p.role == Some(r))
    }

    /// PPP data port.
    pub fn data(&self) -> Option<&str> {
        self.with_role(Role::Modem).map(|p| p.tty.tty.as_str())
    }

    /// AT control port.
    pub fn control(&self) -> Option<&str> {
        self.with_role(Role::Control).map(|p| p.tty.tty.as_str())
    }

    /// Ports worth an `AT` probe: the control candidates and ports with no
    /// role. Never the data port: pppd may hold it, and bytes we write would
    /// land in its PPP stream.
    pub fn probe_candidates(&self) -> Vec<String> {
        self.ports
            .iter()
            .filter(|p| p.role != Some(Role::Modem))
            .map(|p| p.tty.tty.clone())
            .collect()
    }

    /// Take probe results (tty, answered) and settle the control port: the
    /// profile's choice if it answered; else the first other port that did;
    /// if no probe answered, the profile's choice stands (unconfirmed).
    pub fn apply_probe(&mut self, results: &[(String, bool)]) {
        for p in &mut self.ports {
            if let Some((_, ok)) = results.iter().find(|(t, _)| *t == p.tty.tty) {
                p.at = Some(*ok);
            }
        }
        let profile_ok = self
            .ports
            .iter()
            .any(|p| p.role == Some(Role::Control) && p.at == Some(true));
        if profile_ok {
            return;
        }
        let answered = self
            .ports
            .iter()
            .position(|p| p.role.is_none() && p.at == Some(true));
        if let Some(i) = answered {
            for p in &mut self.ports {
                if p.role == Some(Role::Control) {
                    p.role = None;
                }
            }
            if let Some(p) = self.ports.get_mut(i) {
                p.role = Some(Role::Control);
            }
        }
    }
}

/// Insertion sort: a handful of ports needs no more, and it is a few dozen
/// bytes of code where std's sorts cost kilobytes per element type.
pub fn sort_small<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// Group ttys by USB device, keep modems, assign roles. Sorted by path.
pub fn modems(ttys: &[UsbTty]) -> Vec<Modem> {
    let mut paths: Vec<&str> = ttys.iter().map(|t| t.path.as_str()).collect();
    sort_small(&mut paths, |a, b| a < b);
    paths.dedup();
    let mut out = Vec::new();
    for path in paths {
        let mut mine: Vec<UsbTty> = ttys.iter().filter(|t| t.path == path).cloned().collect();
        if !is_modem(&mine) {
            continue;
        }
        sort_small(&mut mine, |a, b| a.interface < b.interface);
        let Some(first) = mine.first() else { continue };
        let mut m = Modem {
            vid: first.vid,
            pid: first.pid,
            path: path.to_string(),
            busnum: first.busnum,
            devnum: first.devnum,
            manufacturer: first.manufacturer.clone(),
            product: first.product.clone(),
            ports: Vec::new(),
        };
        let mut control_taken = false;
        let mut modem_taken = false;
        for t in mine {
            // One port per role: the lowest interface number wins.
            let role = match role_of(&t) {
                Some(Role::Control) if !control_taken => {
                    control_taken = true;
                    Some(Role::Control)
                }
                Some(Role::Modem) if !modem_taken => {
                    modem_taken = true;
                    Some(Role::Modem)
                }
                _ => None,
            };
            m.ports.push(Port {
                tty: t,
                role,
                at: None,
            });
        }
        out.push(m);
    }
    out
}
