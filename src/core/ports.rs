//! Which tty of which USB modem does what: pure, from the USB device model
//! (`core::usb`, filled from sysfs by `hw::usbsys`).
//!
//! Ports are grouped by USB device (bus/port path, e.g. `1-1.2`), so numbering
//! (ttyUSB0 vs ttyUSB3) never matters. Roles come from a device profile by
//! interface class/subclass/protocol; probing `AT` (done by `hw::port`)
//! confirms or corrects the control port.

use crate::core::usb::{Interface, UsbDevice};

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
        // ff/xx/12: the PCUI of the LTE sticks (E3372 "stick" firmware).
        roles: &[
            (0xff, 0x01, Role::Modem),
            (0xff, 0x02, Role::Control),
            (0xff, 0x12, Role::Control),
        ],
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

/// The role a profile gives interface `i` of a `vid:pid` device, if any.
pub fn role_of(vid: u16, pid: u16, i: &Interface) -> Option<Role> {
    let p = profile(vid)?;
    let by_num = p
        .by_iface
        .iter()
        .find(|(q, n, _)| *q == pid && *n == i.number)
        .map(|&(_, _, r)| r);
    by_num.or_else(|| {
        p.roles
            .iter()
            .find(|(c, pr, _)| *c == i.class && *pr == i.protocol)
            .map(|&(_, _, r)| r)
    })
}

impl Port {
    /// Worth an `AT` probe: a control candidate or a port with no role. Never
    /// the data port: pppd may hold it, and bytes we write would land in its
    /// PPP stream.
    pub fn probed(&self) -> bool {
        self.role != Some(Role::Modem)
    }
}

/// One tty of a modem: which interface it belongs to, what it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// Device name, e.g. "ttyUSB2".
    pub tty: String,
    /// bInterfaceNumber of its interface (see `Modem::interface`).
    pub interface: u8,
    pub role: Option<Role>,
    /// Answered `AT` when probed (None: not probed, or no answer was needed).
    pub at: Option<bool>,
}

/// A USB modem we know (its vendor has a profile) and its ttys. A CDC ACM
/// device alone proves nothing (GNSS receivers and boards say 02/02/01 too),
/// and an FTDI cable is no modem: those are not modems here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modem {
    pub dev: UsbDevice,
    pub ports: Vec<Port>,
}

impl Modem {
    fn with_role(&self, r: Role) -> Option<&Port> {
        self.ports.iter().find(|p| p.role == Some(r))
    }

    /// USB bus/port path, e.g. "1-1.2": the modem's identity while plugged.
    pub fn path(&self) -> &str {
        &self.dev.port_path
    }

    pub fn profile(&self) -> Option<&'static Profile> {
        profile(self.dev.vid)
    }

    /// Its network function (see [`is_net`]), if it has one.
    pub fn net(&self) -> Option<&Interface> {
        self.dev
            .interfaces()
            .iter()
            .find(|i| i.alt == 0 && is_net(i))
    }

    /// The interface a port belongs to.
    pub fn interface(&self, p: &Port) -> Option<&Interface> {
        self.dev.interface(p.interface)
    }

    /// PPP data port.
    pub fn data(&self) -> Option<&str> {
        self.with_role(Role::Modem).map(|p| p.tty.as_str())
    }

    /// AT control port.
    pub fn control(&self) -> Option<&str> {
        self.with_role(Role::Control).map(|p| p.tty.as_str())
    }

    /// After a probe (the ports' `at`): settle the control port. The
    /// profile's choice if it answered; else the first other port that did;
    /// if no probe answered, the profile's choice stands (unconfirmed).
    pub fn settle(&mut self) {
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

/// A network function of a modem: an interface with a network device (its
/// driver's name says which kind: cdc_ether, rndis_host, cdc_ncm, qmi_wwan, ...),
/// or one with no driver whose class says it is one (a kernel module is
/// missing): CDC ECM/NCM/MBIM (02/06, 02/0d, 02/0e), RNDIS (02/02/ff,
/// e0/01/03), Huawei's NCM (ff/xx/16, 46, 76).
pub fn is_net(i: &Interface) -> bool {
    i.net.is_some()
        || (i.driver.is_none()
            && matches!(
                (i.class, i.subclass, i.protocol),
                (2, 6 | 0xd | 0xe, _) | (2, 2, 0xff) | (0xe0, 1, 3) | (0xff, _, 0x16 | 0x46 | 0x76)
            ))
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

/// The modems among `devs` (those whose vendor has a profile and that have
/// ttys or a network function: a HiLink stick has no tty), ports in interface order, one port per role (the lowest interface
/// number wins). Kept in the order of `devs` (sysfs gives port order).
pub fn modems(devs: Vec<UsbDevice>) -> Vec<Modem> {
    let mut out = Vec::new();
    for d in devs {
        if profile(d.vid).is_none() {
            continue;
        }
        let mut ifaces: Vec<&Interface> = Vec::new();
        for i in d.interfaces() {
            if i.alt == 0 && !i.ttys.is_empty() {
                ifaces.push(i);
            }
        }
        if ifaces.is_empty() && !d.interfaces().iter().any(is_net) {
            continue;
        }
        sort_small(&mut ifaces, |a, b| a.number < b.number);
        let mut ports: Vec<Port> = Vec::new();
        for i in ifaces {
            // One port per role: the lowest interface number, its first tty.
            let mut role = role_of(d.vid, d.pid, i);
            for t in &i.ttys {
                let r = role.filter(|r| !ports.iter().any(|p| p.role == Some(*r)));
                role = None;
                ports.push(Port {
                    tty: t.clone(),
                    interface: i.number,
                    role: r,
                    at: None,
                });
            }
        }
        out.push(Modem { dev: d, ports });
    }
    out
}
