//! The virtual Huawei E367, independent of any transport: bytes in per port, bytes out
//! per port, time passed in (milliseconds on a clock the caller owns). The pty binary
//! is one transport; a FunctionFS gadget can be another.
//!
//! Ports as the `option` driver exposes them: `Modem` (if0, ff/01/01: AT + PPP data),
//! `Diag` (if3, ff/01/03: no AT), `Pcui` (if4, ff/01/02: AT + unsolicited reports).

use crate::sim_card::{Entry, Lock, Sim};
use crate::sms::{At, Res, Sms};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortId {
    Modem = 0,
    Diag = 1,
    Pcui = 2,
}

pub const PORTS: [PortId; 3] = [PortId::Modem, PortId::Diag, PortId::Pcui];

impl PortId {
    pub fn idx(self) -> usize {
        self as usize
    }
}

/// Everything fixed at power-on. `Config::default()` is the write-up's stick.
#[derive(Clone, Debug)]
pub struct Config {
    pub manufacturer: String,
    pub model: String,
    pub revision: String,
    pub imei: String,
    pub imsi: String,
    /// ICCID digits (19 or 20).
    pub iccid: String,
    pub pin: String,
    pub puk: String,
    pub sim_present: bool,
    pub pin_enabled: bool,
    pub pin_left: u8,
    pub puk_left: u8,
    /// +CME ERROR: 14 (SIM busy) for this long after power-on.
    pub sim_busy_ms: u64,
    /// +CME ERROR: 14 (SIM busy) for this long after a correct PIN or PUK.
    pub busy_after_pin_ms: u64,
    /// From SIM ready to registered (searching in between).
    pub reg_delay_ms: u64,
    /// ATD to CONNECT.
    pub dial_delay_ms: u64,
    /// `CONNECT <rate>` instead of plain `CONNECT`.
    pub connect_rate: Option<u32>,
    /// The network accepts only this APN (dialling with another gives NO CARRIER).
    pub apn_required: Option<String>,
    /// ^BOOT every this many ms on the PCUI (0: never).
    pub boot_interval_ms: u64,
    /// Mean signal (0..31) around which it wanders.
    pub rssi_base: u8,
    /// Answer AT^ICCID? (newer Huawei firmware); off = COMMAND NOT SUPPORT.
    pub huawei_iccid: bool,
    /// Operator as MCC+MNC and long/short names.
    pub oper_numeric: String,
    pub oper_long: String,
    pub oper_short: String,
    pub lac: u16,
    pub ci: u32,
    /// LTE firmware (the E3372 in stick mode): registration on E-UTRAN (`+COPS` act
    /// 7, `+CEREG`), `^HCSQ` and `^SYSINFOEX` readings, `^SETPORT?`, and the NDIS
    /// data call (`^NDISDUP`, `^NDISSTAT`) for its NCM network interface.
    pub lte: bool,
    /// LTE tracking area code and E-UTRAN cell id (+CEREG=2).
    pub tac: u16,
    pub eci: u32,
    /// Message slots on the SIM and in the stick's memory.
    pub sms_sim_slots: usize,
    pub sms_modem_slots: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            manufacturer: "huawei".into(),
            model: "E367".into(),
            revision: "11.807.05.00.00".into(),
            imei: "353613040739180".into(),
            imsi: "240021234567890".into(),
            iccid: "8946020612345678901".into(),
            pin: "8328".into(),
            puk: "12345678".into(),
            sim_present: true,
            pin_enabled: true,
            pin_left: 3,
            puk_left: 10,
            sim_busy_ms: 0,
            busy_after_pin_ms: 0,
            reg_delay_ms: 2000,
            dial_delay_ms: 300,
            connect_rate: None,
            apn_required: None,
            boot_interval_ms: 3000,
            rssi_base: 18,
            huawei_iccid: false,
            oper_numeric: "24002".into(),
            oper_long: "3 SE".into(),
            oper_short: "3".into(),
            lac: 0x1A2B,
            ci: 0x00C3D4E5,
            lte: false,
            tac: 0x2F1C,
            eci: 0x01A2_B3C4,
            sms_sim_slots: 10,
            sms_modem_slots: 20,
        }
    }
}

impl Config {
    /// A Huawei E3372 with stick firmware (E3372s): LTE, two AT ports (PCUI and
    /// modem), an NCM data path started with `AT^NDISDUP`.
    pub fn e3372() -> Config {
        let mut c = Config::default();
        c.become_e3372();
        c
    }

    /// Keep the SIM and timing settings, take the E3372's identity and dialect.
    pub fn become_e3372(&mut self) {
        self.model = "E3372".into();
        self.revision = "21.180.01.00.00".into();
        self.imei = "866079023412341".into();
        self.lte = true;
    }
}

/// Faults that can be switched on and off at any time.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// AT ports stop answering (no echo, no result, no URC).
    pub silence: bool,
    /// Random bytes on the AT ports every half second, besides the real answers.
    pub garbage: bool,
    /// Output trickles out a few bytes per read (lines split across reads).
    pub partial: bool,
    /// The next response stops in the middle of a line; the rest is never sent.
    pub truncate: bool,
    /// Unsolicited reports on the PCUI every tick, many of them, ^CURC or not.
    pub storm: bool,
    /// Dialling gives NO CARRIER (network refuses).
    pub refuse: bool,
    /// Dialling gives ERROR.
    pub dial_error: bool,
    /// Dialling gives BUSY.
    pub dial_busy: bool,
    /// The next multi-line answer on the PCUI gets a ^RSSI between its lines.
    pub urc_mid: bool,
    /// Every answer on the PCUI comes after a line of binary junk and a cut-off
    /// unsolicited report (`^RSS`, the start of `^RSSI:n`).
    pub fragment: bool,
    /// Commands (on the AT ports) that start with this text answer ERROR; "*": all.
    pub error_prefix: Option<String>,
    /// Answer this many more command lines on the AT ports, then fall silent
    /// (the `silence` fault switches on).
    pub silent_after: Option<u32>,
    /// Fall silent at the first command that starts with this text.
    pub silent_at: Option<String>,
    /// The firmware hangs: the AT ports answer nothing until the stick is reset
    /// (a USB reset, `AT+CFUN=1,1` cannot get through) or powered on again.
    pub hang: bool,
}

/// Things the transport must act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// CONNECT sent: the modem port now carries data; start the network side.
    CallUp,
    /// The call ended (hang-up, DTR drop, fault): stop the network side.
    CallDown,
    /// The stick is gone: ports must vanish.
    Unplug,
    /// The NDIS data call is up (`^NDISSTAT: 1`): the network interface carries
    /// traffic (the network side answers DHCP) until `DataDown`.
    DataUp,
    /// The NDIS data call ended (`AT^NDISDUP=1,0`, the network, a power-on).
    DataDown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DataMode {
    Command,
    Data,
    /// Call up, but '+++' brought the port back to commands (ATO returns, ATH ends).
    OnlineCommand,
}

#[derive(Clone, Debug)]
struct AtPort {
    echo: bool,
    verbose: bool,
    quiet: bool,
    cmee: u8,
    creg: u8,
    cgreg: u8,
    cereg: u8,
    line: Vec<u8>,
    last_line: String,
    open: bool,
    out: Vec<u8>,
    /// Bytes already cut away by the truncate fault until the next command.
    truncating: bool,
}

impl AtPort {
    fn new() -> AtPort {
        AtPort {
            echo: true,
            verbose: true,
            quiet: false,
            cmee: 1,
            creg: 0,
            cgreg: 0,
            cereg: 0,
            line: Vec::new(),
            last_line: String::new(),
            open: true,
            out: Vec::new(),
            truncating: false,
        }
    }
    fn reset(&mut self) {
        self.echo = true;
        self.verbose = true;
        self.quiet = false;
        self.cmee = 1;
        self.creg = 0;
        self.cgreg = 0;
        self.cereg = 0;
    }
}

/// Registration as +CREG reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    NotSearching = 0,
    Home = 1,
    Searching = 2,
    Denied = 3,
    Roaming = 5,
}

#[derive(Clone, Copy, Debug)]
struct Escape {
    plus: u8,
    last: u64,
}

#[derive(Clone, Debug)]
struct Call {
    connected_at: u64,
    tx: u64,
    rx: u64,
}

/// Output-length cap per port: a real stick drops what nobody reads.
const OUT_CAP: usize = 1 << 20;
const LINE_CAP: usize = 512;

pub struct Modem {
    pub cfg: Config,
    pub sim: Sim,
    /// Text messages and USSD (`sms.rs`).
    pub sms: Sms,
    pub faults: Faults,
    ports: [AtPort; 3],
    diag_out: Vec<u8>,
    curc: u8,
    cfun: u8,
    cops_format: u8,
    syscfg: (u8, u8, String, u8, u8),
    contexts: Vec<(u8, String, String)>,
    mode: DataMode,
    dial_due: Option<(u64, u8)>,
    call: Option<Call>,
    esc: Option<Escape>,
    last_data_rx: u64,
    to_network: Vec<u8>,
    events: Vec<Event>,
    /// When the SIM became ready (registration starts from here).
    ready_since: Option<u64>,
    reg_override: Option<Reg>,
    rssi_override: Option<u8>,
    last_reg: Reg,
    last_cgreg: Reg,
    last_cereg: Reg,
    last_rssi: u8,
    last_sysmode: (u8, u8),
    last_srvst: u8,
    last_simst: u8,
    next_boot: u64,
    next_flow: u64,
    next_rssi_check: u64,
    next_garbage: u64,
    next_storm: u64,
    rng: u64,
    unplugged: bool,
    replug_after: Option<u64>,
    now: u64,
    /// Command lines (CRs) the host wrote to the PCUI, answered or not.
    pcui_lines: u64,
    /// Resets so far (`AT+CFUN=1,1`, USB resets), kept across power-ons.
    resets: u32,
    /// `AT+CFUN=1,1` was answered: the stick restarts (leaves the bus) then.
    reboot_at: Option<u64>,
    /// NDIS data call: the APN while it is up, and a pending `^NDISDUP=1,1`
    /// (when it completes, the APN, the port that asked).
    ndis: Option<String>,
    ndis_due: Option<(u64, String, PortId)>,
    /// The cause of the last NDIS call the network refused or ended
    /// (`^NDISSTATQRY?` says it until the next `^NDISDUP=1,1`).
    ndis_cause: Option<u16>,
    ndis_port: PortId,
    /// While a command line runs, reports it causes wait here until its final
    /// result has gone out (a modem says OK, then `^NDISSTAT`).
    in_command: bool,
    after_result: Vec<(PortId, Vec<u8>)>,
}

/// How long after `AT+CFUN=1,1`'s OK the stick leaves the bus, and how long it
/// stays away before it is back (a restart of the firmware).
pub const REBOOT_DELAY_MS: u64 = 200;
pub const REBOOT_AWAY_MS: u64 = 3000;

/// EF_ICCID content as +CRSM returns it: BCD with nibbles swapped, F-padded.
pub fn iccid_swapped(iccid: &str) -> String {
    let mut d: Vec<u8> = iccid.bytes().filter(|b| b.is_ascii_digit()).collect();
    while d.len() < 20 {
        d.push(b'F');
    }
    let mut s = String::new();
    for pair in d.chunks(2).take(10) {
        if let [a, b] = pair {
            s.push(*b as char);
            s.push(*a as char);
        }
    }
    s
}

/// Split an AT argument list at commas outside quotes; quotes are removed.
pub(crate) fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut q = false;
    for c in s.chars() {
        match c {
            '"' => q = !q,
            ',' if !q => out.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

/// Result of one command: information lines and a final result.
enum Fin {
    Ok,
    Error,
    Cme(u16),
    /// `+CMS ERROR: n` (message service).
    Cms(u16),
    NotSupport,
    NoCarrier,
    Busy,
    Connect,
    /// No final result now (dial in progress).
    Pending,
}

fn fin_of(r: Res) -> Fin {
    match r {
        Res::Ok => Fin::Ok,
        Res::Error => Fin::Error,
        Res::Cme(n) => Fin::Cme(n),
        Res::Cms(n) => Fin::Cms(n),
        Res::Prompt => Fin::Pending,
    }
}

fn cme_text(n: u16) -> &'static str {
    match n {
        3 => "operation not allowed",
        4 => "operation not supported",
        10 => "SIM not inserted",
        11 => "SIM PIN required",
        12 => "SIM PUK required",
        13 => "SIM failure",
        14 => "SIM busy",
        16 => "incorrect password",
        30 => "no network service",
        _ => "unknown",
    }
}

impl Modem {
    pub fn new(cfg: Config, now: u64) -> Modem {
        let mut sim = Sim::new(&cfg.pin, &cfg.puk, cfg.sim_present, cfg.pin_enabled);
        sim.pin_left = cfg.pin_left.min(3);
        sim.puk_left = cfg.puk_left.min(10);
        if sim.pin_left == 0 && sim.lock == Lock::Pin {
            sim.lock = Lock::Puk;
        }
        if sim.puk_left == 0 {
            sim.lock = Lock::Blocked;
        }
        sim.busy_until = now + cfg.sim_busy_ms;
        let boot = if cfg.boot_interval_ms > 0 {
            now + cfg.boot_interval_ms
        } else {
            u64::MAX
        };
        let mut m = Modem {
            sim,
            sms: Sms::new(cfg.sms_sim_slots, cfg.sms_modem_slots),
            faults: Faults::default(),
            pcui_lines: 0,
            resets: 0,
            reboot_at: None,
            ports: [AtPort::new(), AtPort::new(), AtPort::new()],
            diag_out: Vec::new(),
            curc: 1,
            cfun: 1,
            cops_format: 0,
            syscfg: (2, 0, "3FFFFFFF".into(), 1, 2),
            contexts: Vec::new(),
            mode: DataMode::Command,
            dial_due: None,
            call: None,
            esc: None,
            last_data_rx: now,
            to_network: Vec::new(),
            events: Vec::new(),
            ready_since: None,
            reg_override: None,
            rssi_override: None,
            last_reg: Reg::NotSearching,
            last_cgreg: Reg::NotSearching,
            last_cereg: Reg::NotSearching,
            last_rssi: 99,
            last_sysmode: (0, 0),
            last_srvst: 0,
            last_simst: 0,
            next_boot: boot,
            next_flow: u64::MAX,
            next_rssi_check: now,
            next_garbage: now,
            next_storm: now,
            rng: 0x2545_F491_4F6C_DD1D,
            unplugged: false,
            replug_after: None,
            now,
            ndis: None,
            ndis_due: None,
            ndis_cause: None,
            ndis_port: PortId::Pcui,
            in_command: false,
            after_result: Vec::new(),
            cfg,
        };
        m.update_ready(now);
        m.last_rssi = m.rssi(now);
        m.last_reg = m.reg(now);
        m.last_cgreg = m.last_reg;
        m.last_cereg = m.last_reg;
        m.last_sysmode = m.sysmode(now);
        m.last_srvst = m.srv_status(now);
        m.last_simst = m.sim_state_code(now);
        m
    }

    // ----- state derived from time -----

    fn update_ready(&mut self, now: u64) {
        let ready = self.sim.cme_for_access(now).is_none() && self.cfun == 1;
        match (ready, self.ready_since) {
            (true, None) => self.ready_since = Some(now),
            (false, Some(_)) => self.ready_since = None,
            _ => {}
        }
    }

    /// Current +CREG status.
    pub fn reg(&self, now: u64) -> Reg {
        if let Some(r) = self.reg_override {
            return r;
        }
        match self.ready_since {
            None => Reg::NotSearching,
            Some(t) if now < t + self.cfg.reg_delay_ms => Reg::Searching,
            Some(_) => Reg::Home,
        }
    }

    fn registered(&self, now: u64) -> bool {
        matches!(self.reg(now), Reg::Home | Reg::Roaming)
    }

    /// Current RSSI (0..31, 99 unknown): wanders ±3 around the base with a 40 s period.
    pub fn rssi(&self, now: u64) -> u8 {
        if let Some(r) = self.rssi_override {
            return r;
        }
        if self.cfun != 1 {
            return 99;
        }
        let phase = (now / 5000) % 8; // steps of 5 s
        let delta: i32 = [0, 1, 2, 3, 2, 1, 0, -1][phase as usize];
        (self.cfg.rssi_base as i32 + delta).clamp(0, 31) as u8
    }

    /// (sys_mode, sys_submode) as ^SYSINFO/^MODE give them.
    fn sysmode(&self, now: u64) -> (u8, u8) {
        if !self.registered(now) && self.reg(now) != Reg::Denied {
            return (0, 0);
        }
        if self.cfg.lte {
            (17, 0) // LTE (^SYSINFOEX names it; ^SYSINFO has no submode for it)
        } else if self.syscfg.0 == 13 {
            (3, 3) // GSM, EDGE
        } else if self.call.is_some() {
            (5, 5) // WCDMA, HSDPA
        } else {
            (5, 4) // WCDMA
        }
    }

    fn srv_status(&self, now: u64) -> u8 {
        match self.reg(now) {
            Reg::Home | Reg::Roaming => 2,
            Reg::Denied => 1,
            _ => 0,
        }
    }

    /// ^SYSINFO <sim_state>: 1 valid, 255 absent or locked.
    fn sim_state_code(&self, now: u64) -> u8 {
        if self.sim.present && !self.sim.busy(now) && self.sim.lock == Lock::Ready {
            1
        } else {
            255
        }
    }

    // ----- transport interface -----

    /// Bytes arriving from the host on a port.
    pub fn input(&mut self, port: PortId, bytes: &[u8], now: u64) {
        self.now = now;
        if self.unplugged {
            return;
        }
        self.tick(now);
        match port {
            PortId::Diag => self.diag_input(bytes),
            PortId::Modem if self.mode == DataMode::Data => self.data_input(bytes, now),
            _ => {
                if port == PortId::Pcui {
                    self.pcui_lines += bytes.iter().filter(|&&b| b == b'\r').count() as u64;
                }
                if self.faults.silence || self.faults.hang {
                    return;
                }
                for &b in bytes {
                    self.at_byte(port, b, now);
                }
            }
        }
    }

    /// Advance the clock: dial completion, escape detection, URCs, faults.
    pub fn tick(&mut self, now: u64) {
        if self.unplugged {
            return;
        }
        self.now = now;
        if self.reboot_at.is_some_and(|t| now >= t) {
            self.reboot_at = None;
            self.unplug(Some(REBOOT_AWAY_MS));
            return;
        }
        self.update_ready(now);
        // dial completes
        if let Some((due, cid)) = self.dial_due {
            if now >= due {
                self.dial_due = None;
                self.finish_dial(cid, now);
            }
        }
        if let Some((due, apn, port)) = self.ndis_due.clone() {
            if now >= due {
                self.ndis_due = None;
                self.finish_ndis(apn, port, now);
            }
        }
        // '+++' followed by a guard time of silence
        if let Some(e) = self.esc {
            if e.plus == 3 && now >= e.last + 1000 && self.mode == DataMode::Data {
                self.esc = None;
                self.mode = DataMode::OnlineCommand;
                let r = self.final_text(PortId::Modem, &Fin::Ok);
                self.emit(PortId::Modem, &r);
            }
        }
        self.urcs(now);
        for (p, line) in self.sms.tick(now) {
            self.emit_raw(PORTS[p], format!("\r\n{line}\r\n").as_bytes());
        }
        if self.faults.garbage && now >= self.next_garbage {
            self.next_garbage = now + 500;
            for p in [PortId::Modem, PortId::Pcui] {
                if p == PortId::Modem && self.mode == DataMode::Data {
                    continue;
                }
                let g = self.garbage();
                self.emit(p, &g);
            }
        }
        if self.faults.storm && now >= self.next_storm {
            self.next_storm = now + 100;
            let mut s = Vec::new();
            for i in 0..20u8 {
                let line = match i % 4 {
                    0 => format!("^RSSI:{}", self.rssi(now)),
                    1 => "^MODE:5,4".to_string(),
                    2 => "^BOOT:20952548,0,0,0,72".to_string(),
                    _ => "^SRVST:2".to_string(),
                };
                s.extend_from_slice(format!("\r\n{line}\r\n").as_bytes());
            }
            self.emit_raw(PortId::Pcui, &s);
        }
    }

    /// Take what the modem has sent on a port (after the partial fault's trickling).
    pub fn output(&mut self, port: PortId) -> Vec<u8> {
        if port == PortId::Diag {
            return std::mem::take(&mut self.diag_out);
        }
        let p = &mut self.ports[port.idx()];
        if self.faults.partial && !(port == PortId::Modem && self.mode == DataMode::Data) {
            let n = p.out.len().min(5);
            return p.out.drain(..n).collect();
        }
        std::mem::take(&mut p.out)
    }

    /// Bytes from the network side of a data call, towards the host.
    pub fn from_network(&mut self, bytes: &[u8]) {
        if let Some(c) = self.call.as_mut() {
            c.rx += bytes.len() as u64;
            if self.mode == DataMode::Data {
                self.emit_raw(PortId::Modem, bytes);
            }
        }
    }

    /// Bytes the host sent during a data call, towards the network.
    pub fn to_network(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.to_network)
    }

    /// The network side went away (e.g. pppd on the network side exited).
    pub fn network_hangup(&mut self, now: u64) {
        if self.call.is_some() {
            self.end_call(now, true);
        }
    }

    /// The host closed the port (or dropped DTR): the option driver lowers DTR on close.
    pub fn port_closed(&mut self, port: PortId, now: u64) {
        self.ports[port.idx()].open = false;
        self.ports[port.idx()].line.clear();
        self.ports[port.idx()].out.clear();
        if port == PortId::Modem {
            self.dial_due = None;
            if self.call.is_some() {
                self.end_call(now, false);
            }
        }
    }

    pub fn port_opened(&mut self, port: PortId) {
        self.ports[port.idx()].open = true;
    }

    /// DTR from the host (only meaningful where the transport sees it).
    pub fn set_dtr(&mut self, port: PortId, on: bool, now: u64) {
        if !on && port == PortId::Modem && self.call.is_some() {
            self.end_call(now, false);
            let r = self.final_text(PortId::Modem, &Fin::NoCarrier);
            self.emit(PortId::Modem, &r);
        }
    }

    pub fn events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    pub fn in_call(&self) -> bool {
        self.call.is_some()
    }

    pub fn in_data_mode(&self) -> bool {
        self.mode == DataMode::Data
    }

    pub fn unplugged(&self) -> bool {
        self.unplugged
    }

    // ----- control channel -----

    /// The stick vanishes; with `replug_after_ms` it is plugged in again that much later
    /// (the transport then calls `power_on_again`).
    pub fn unplug(&mut self, replug_after_ms: Option<u64>) {
        if !self.unplugged {
            self.unplugged = true;
            self.replug_after = replug_after_ms;
            self.call = None;
            self.ndis = None;
            self.ndis_due = None;
            self.events.push(Event::Unplug);
        }
    }

    pub fn replug_after(&self) -> Option<u64> {
        self.replug_after
    }

    /// The same stick plugged in again: a fresh power-on (settings, calls and contexts
    /// gone, PIN asked again), the same SIM with its PIN and remaining attempts, and
    /// the same faults and signal/registration overrides from the control channel.
    pub fn power_on_again(&self, now: u64) -> Modem {
        let mut cfg = self.cfg.clone();
        cfg.pin = self.sim.pin.clone();
        cfg.pin_left = self.sim.pin_left;
        cfg.puk_left = self.sim.puk_left;
        cfg.sim_present = self.sim.present;
        cfg.pin_enabled = self.sim.pin_enabled;
        let mut m = Modem::new(cfg, now);
        if self.sim.lock == Lock::Blocked {
            m.sim.lock = Lock::Blocked;
        }
        m.faults = self.faults.clone();
        // A restart cures a hung firmware.
        m.faults.hang = false;
        m.rssi_override = self.rssi_override;
        m.reg_override = self.reg_override;
        m.resets = self.resets;
        m.pcui_lines = self.pcui_lines;
        m.sms = self.sms.power_on_again();
        m
    }

    /// The host reset the stick's USB port (USBDEVFS_RESET): the firmware
    /// restarts as at power-on, and a reset is counted.
    pub fn usb_reset(&self, now: u64) -> Modem {
        let mut m = self.power_on_again(now);
        m.resets += 1;
        m
    }

    /// Network drops the call: NO CARRIER on the modem port.
    pub fn hangup(&mut self, now: u64) -> bool {
        if self.ndis.is_some() {
            self.end_ndis(Some(36));
            return true;
        }
        if self.call.is_none() {
            return false;
        }
        self.end_call(now, true);
        true
    }

    /// Is the NDIS data call up?
    pub fn ndis_up(&self) -> bool {
        self.ndis.is_some()
    }

    pub fn set_rssi(&mut self, r: Option<u8>) {
        self.rssi_override = r;
    }

    pub fn set_reg(&mut self, r: Option<Reg>) {
        self.reg_override = r;
    }

    /// Emit a line on the PCUI as an unsolicited report (regardless of ^CURC).
    pub fn inject_urc(&mut self, line: &str) {
        let s = format!("\r\n{line}\r\n");
        self.emit_raw(PortId::Pcui, s.as_bytes());
    }

    pub fn sim_force(&mut self, lock: Lock, now: u64) {
        self.sim.force(lock);
        self.sim.busy_until = 0;
        self.update_ready(now);
    }

    pub fn sim_remove(&mut self, now: u64) {
        self.sim.present = false;
        self.update_ready(now);
    }

    pub fn sim_busy(&mut self, ms: u64, now: u64) {
        self.sim.present = true;
        self.sim.busy_until = now + ms;
        self.update_ready(now);
    }

    /// key=value lines describing the state (control `status`).
    pub fn status(&self, now: u64) -> String {
        let lock = match (self.sim.present, self.sim.lock) {
            (false, _) => "absent",
            (true, Lock::Ready) => "ready",
            (true, Lock::Pin) => "pin",
            (true, Lock::Puk) => "puk",
            (true, Lock::Blocked) => "blocked",
        };
        format!(
            "plugged={} sim={lock} pin_left={} puk_left={} busy={} rssi={} creg={} call={} data={} curc={} pcui_lines={} resets={} silent={}",
            !self.unplugged,
            self.sim.pin_left,
            self.sim.puk_left,
            self.sim.busy(now),
            self.rssi(now),
            self.reg(now) as u8,
            self.call.is_some(),
            self.mode == DataMode::Data,
            self.curc,
            self.pcui_lines,
            self.resets,
            self.faults.silence || self.faults.hang
        ) + &if self.cfg.lte {
            format!(" ndis={}", self.ndis.is_some())
        } else {
            String::new()
        }
    }

    // ----- output helpers -----

    fn emit_raw(&mut self, port: PortId, bytes: &[u8]) {
        if (self.faults.silence || self.faults.hang)
            && !(port == PortId::Modem && self.mode == DataMode::Data)
        {
            return;
        }
        let p = &mut self.ports[port.idx()];
        if !p.open {
            return;
        }
        if p.out.len() + bytes.len() > OUT_CAP {
            return;
        }
        p.out.extend_from_slice(bytes);
    }

    /// Emit a command response, honouring the truncate fault.
    fn emit(&mut self, port: PortId, bytes: &[u8]) {
        if self.faults.truncate && !bytes.is_empty() {
            self.faults.truncate = false;
            self.ports[port.idx()].truncating = true;
            // cut in the middle of the first non-empty line
            let start = bytes
                .iter()
                .position(|&b| b != b'\r' && b != b'\n')
                .unwrap_or(0);
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b'\r')
                .map(|n| start + n)
                .unwrap_or(bytes.len());
            let cut = start + (end - start).div_ceil(2);
            let part = bytes.get(..cut).unwrap_or(bytes).to_vec();
            self.emit_raw(port, &part);
            return;
        }
        if self.ports[port.idx()].truncating {
            return;
        }
        self.emit_raw(port, bytes);
    }

    fn garbage(&mut self) -> Vec<u8> {
        let mut v = Vec::new();
        let n = 8 + (self.rand() % 17) as usize;
        for _ in 0..n {
            v.push((self.rand() & 0xff) as u8);
        }
        // sometimes something that looks like a line fragment
        if self.rand() & 1 == 0 {
            v.extend_from_slice(b"\r\nO");
        }
        v
    }

    fn rand(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    fn info_block(&self, port: PortId, lines: &[String]) -> Vec<u8> {
        let mut v = Vec::new();
        if lines.is_empty() {
            return v;
        }
        let verbose = self.ports[port.idx()].verbose;
        if verbose {
            v.extend_from_slice(b"\r\n");
        }
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                v.extend_from_slice(b"\r\n");
            }
            v.extend_from_slice(l.as_bytes());
        }
        v.extend_from_slice(b"\r\n");
        v
    }

    fn final_text(&self, port: PortId, fin: &Fin) -> Vec<u8> {
        let p = &self.ports[port.idx()];
        let (code, text): (u8, String) = match fin {
            Fin::Ok => (0, "OK".into()),
            Fin::Connect => match self.cfg.connect_rate {
                Some(r) => (1, format!("CONNECT {r}")),
                None => (1, "CONNECT".into()),
            },
            Fin::NoCarrier => (3, "NO CARRIER".into()),
            Fin::Error => (4, "ERROR".into()),
            Fin::Busy => (7, "BUSY".into()),
            Fin::NotSupport => (4, "COMMAND NOT SUPPORT".into()),
            Fin::Cme(n) => match p.cmee {
                0 => (4, "ERROR".into()),
                1 => (255, format!("+CME ERROR: {n}")),
                _ => (255, format!("+CME ERROR: {}", cme_text(*n))),
            },
            Fin::Cms(n) => match p.cmee {
                0 => (4, "ERROR".into()),
                _ => (255, format!("+CMS ERROR: {n}")),
            },
            Fin::Pending => return Vec::new(),
        };
        if p.quiet {
            return Vec::new();
        }
        if p.verbose || code == 255 {
            format!("\r\n{text}\r\n").into_bytes()
        } else {
            format!("{code}\r").into_bytes()
        }
    }

    // ----- diagnostics port -----

    /// The diagnostics port speaks Qualcomm DIAG (HDLC-framed binary), not AT. Anything
    /// ending in CR or 0x7E gets a "bad command" frame (0x13 + the first bytes + CRC).
    fn diag_input(&mut self, bytes: &[u8]) {
        if !bytes.iter().any(|&b| b == b'\r' || b == 0x7e) {
            return;
        }
        let mut frame = vec![0x13u8];
        frame.extend(bytes.iter().take(8));
        let crc = crc16_x25(&frame);
        frame.push((crc & 0xff) as u8);
        frame.push((crc >> 8) as u8);
        let mut out = Vec::new();
        for &b in &frame {
            if b == 0x7e || b == 0x7d {
                out.push(0x7d);
                out.push(b ^ 0x20);
            } else {
                out.push(b);
            }
        }
        out.push(0x7e);
        if self.diag_out.len() < OUT_CAP {
            self.diag_out.extend_from_slice(&out);
        }
    }

    // ----- data mode -----

    fn data_input(&mut self, bytes: &[u8], now: u64) {
        if let Some(c) = self.call.as_mut() {
            c.tx += bytes.len() as u64;
        }
        self.to_network.extend_from_slice(bytes);
        let all_plus = !bytes.is_empty() && bytes.iter().all(|&b| b == b'+');
        self.esc = match self.esc {
            None if all_plus && now >= self.last_data_rx + 1000 && bytes.len() <= 3 => {
                Some(Escape {
                    plus: bytes.len() as u8,
                    last: now,
                })
            }
            Some(e) if all_plus && e.plus as usize + bytes.len() <= 3 => Some(Escape {
                plus: e.plus + bytes.len() as u8,
                last: now,
            }),
            _ => None,
        };
        self.last_data_rx = now;
    }

    fn end_call(&mut self, now: u64, say_no_carrier: bool) {
        let was_data = self.mode != DataMode::Command;
        self.call = None;
        self.esc = None;
        self.mode = DataMode::Command;
        self.next_flow = u64::MAX;
        self.events.push(Event::CallDown);
        if say_no_carrier && was_data {
            self.ports[PortId::Modem.idx()].truncating = false;
            let r = self.final_text(PortId::Modem, &Fin::NoCarrier);
            self.emit(PortId::Modem, &r);
        }
        let _ = now;
    }

    // ----- NDIS data call (LTE firmware) -----

    /// `^NDISDUP=1,1` completes: the network accepts (`^NDISSTAT: 1,,,"IPV4"`, the
    /// data path comes up) or refuses with a PS cause (`^NDISSTAT: 0,CAUSE,,"IPV4"`:
    /// 27 unknown APN, 33 service option not subscribed, 38 network failure).
    fn finish_ndis(&mut self, apn: String, port: PortId, now: u64) {
        let cause = if self.faults.refuse || self.faults.dial_error || self.faults.dial_busy {
            Some(33)
        } else if !self.registered(now) {
            Some(38)
        } else {
            match &self.cfg.apn_required {
                Some(want) if !want.eq_ignore_ascii_case(&apn) => Some(27),
                _ => None,
            }
        };
        self.ndis_port = port;
        match cause {
            None => {
                self.ndis = Some(apn);
                self.ndis_urc(1, None);
                self.events.push(Event::DataUp);
            }
            Some(c) => self.ndis_urc(0, Some(c)),
        }
    }

    /// The NDIS call ends (`cause` when the network ended it).
    fn end_ndis(&mut self, cause: Option<u16>) {
        self.ndis_due = None;
        if self.ndis.take().is_some() {
            self.ndis_urc(0, cause);
            self.events.push(Event::DataDown);
        }
    }

    fn ndis_urc(&mut self, stat: u8, cause: Option<u16>) {
        self.ndis_cause = cause;
        let c = cause.map(|c| c.to_string()).unwrap_or_default();
        let s = format!("\r\n^NDISSTAT: {stat},{c},,\"IPV4\"\r\n");
        if self.in_command {
            self.after_result.push((self.ndis_port, s.into_bytes()));
        } else {
            self.emit_raw(self.ndis_port, s.as_bytes());
        }
    }

    /// LTE readings derived from the wandering RSSI: (rssi dBm, rsrp dBm, sinr dB,
    /// rsrq in half dB); None without service.
    pub fn lte_readings(&self, now: u64) -> Option<(i32, i32, i32, i32)> {
        let r = self.rssi(now);
        if !self.registered(now) || r > 31 {
            return None;
        }
        let r = r as i32;
        let rssi = -113 + 2 * r;
        Some((rssi, rssi - 22, r - 8, -20 + (r - 18)))
    }

    /// `^HCSQ:"LTE",rssi,rsrp,sinr,rsrq` in Huawei's encoding (rssi dBm + 120,
    /// rsrp dBm + 140, (sinr dB + 20) * 5, (rsrq dB + 19.5) * 2), or NOSERVICE.
    fn hcsq(&self, now: u64) -> String {
        match self.lte_readings(now) {
            Some((rssi, rsrp, sinr, rsrq2)) => format!(
                "^HCSQ:\"LTE\",{},{},{},{}",
                (rssi + 120).clamp(0, 96),
                (rsrp + 140).clamp(0, 97),
                ((sinr + 20) * 5).clamp(0, 251),
                (rsrq2 + 39).clamp(0, 34)
            ),
            None => "^HCSQ:\"NOSERVICE\"".into(),
        }
    }

    fn finish_dial(&mut self, cid: u8, now: u64) {
        let port = PortId::Modem;
        let fin = if self.faults.dial_error {
            Fin::Error
        } else if self.faults.dial_busy {
            Fin::Busy
        } else if self.faults.refuse || !self.registered(now) {
            Fin::NoCarrier
        } else {
            let apn = self
                .contexts
                .iter()
                .find(|c| c.0 == cid)
                .map(|c| c.2.clone())
                .unwrap_or_default();
            match &self.cfg.apn_required {
                Some(want) if !want.eq_ignore_ascii_case(&apn) => Fin::NoCarrier,
                _ => Fin::Connect,
            }
        };
        let r = self.final_text(port, &fin);
        self.emit(port, &r);
        if let Fin::Connect = fin {
            self.mode = DataMode::Data;
            self.call = Some(Call {
                connected_at: now,
                tx: 0,
                rx: 0,
            });
            self.last_data_rx = now;
            self.next_flow = now + 2000;
            self.events.push(Event::CallUp);
        }
    }

    // ----- AT command line -----

    /// A byte while a message is typed after `> ` (echoed, but not Ctrl-Z/ESC).
    fn sms_entry_byte(&mut self, port: PortId, b: u8) {
        if self.ports[port.idx()].echo && b != 0x1A && b != 0x1B {
            self.emit_raw(port, &[b]);
        }
        if let Some((info, r)) = self.sms.entry_byte(b) {
            let mut resp = self.info_block(port, &info);
            resp.extend(self.final_text(port, &fin_of(r)));
            self.emit(port, &resp);
        }
    }

    /// A message arrives from the network (control `sms-arrive`): stored, and
    /// `+CMTI` (or `^SMMEMFULL`) on the PCUI.
    pub fn sms_arrive(&mut self, pdu: &str) -> Result<usize, String> {
        let (r, urc) = self.sms.arrive(pdu);
        if !urc.is_empty() {
            self.inject_urc(&urc);
        }
        r
    }

    fn at_byte(&mut self, port: PortId, b: u8, now: u64) {
        // any character aborts a dial in progress (V.250)
        if port == PortId::Modem && self.dial_due.is_some() {
            self.dial_due = None;
            let r = self.final_text(port, &Fin::NoCarrier);
            self.emit(port, &r);
            return;
        }
        if self.sms.entering(port.idx()) {
            return self.sms_entry_byte(port, b);
        }
        if self.ports[port.idx()].echo {
            self.emit_raw(port, &[b]);
        }
        let p = &mut self.ports[port.idx()];
        match b {
            b'\r' => {
                let line = String::from_utf8_lossy(&p.line).into_owned();
                p.line.clear();
                self.command_line(port, &line, now);
            }
            b'\n' => {}
            8 | 127 => {
                p.line.pop();
            }
            _ => {
                if p.line.len() < LINE_CAP {
                    p.line.push(b);
                }
                // "A/" repeats the last line at once
                if p.line.len() >= 2 && p.line.ends_with(b"/") {
                    let n = p.line.len();
                    if p.line[n - 2].eq_ignore_ascii_case(&b'a') {
                        p.line.clear();
                        let last = p.last_line.clone();
                        self.command_line(port, &last, now);
                    }
                }
            }
        }
    }

    fn command_line(&mut self, port: PortId, raw: &str, now: u64) {
        let trimmed = raw.trim_start_matches(|c: char| c != 'A' && c != 'a');
        let body = match trimmed.get(..2) {
            Some(p) if p.eq_ignore_ascii_case("AT") => trimmed.get(2..).unwrap_or(""),
            _ => return, // not a command: ignored (already echoed)
        };
        self.ports[port.idx()].last_line = trimmed.to_string();
        self.ports[port.idx()].truncating = false;
        if let Some(n) = self.faults.silent_after {
            if n == 0 {
                self.faults.silent_after = None;
                self.faults.silence = true;
                return;
            }
            self.faults.silent_after = Some(n - 1);
        }
        let hit = self.faults.silent_at.as_deref().is_some_and(|p| {
            trimmed
                .to_ascii_uppercase()
                .starts_with(&p.to_ascii_uppercase())
        });
        if hit {
            self.faults.silent_at = None;
            self.faults.silence = true;
            return;
        }
        let mut resp = Vec::new();
        if port == PortId::Pcui && self.faults.fragment {
            // binary junk, then the start of a report that never got its end
            resp.extend_from_slice(b"\r\n\x93\xfe\x01\xa7\x00\x8c\x1b\xe2\r\n^RSS");
        }
        let refused = self.faults.error_prefix.as_deref().is_some_and(|p| {
            p == "*"
                || trimmed
                    .to_ascii_uppercase()
                    .starts_with(&p.to_ascii_uppercase())
        });
        if refused {
            resp.extend(self.final_text(port, &Fin::Error));
            self.emit(port, &resp);
            return;
        }
        let mut info: Vec<String> = Vec::new();
        self.in_command = true;
        let fin = self.run_commands(port, body, &mut info, now);
        self.in_command = false;
        if port == PortId::Pcui && self.faults.urc_mid && info.len() >= 2 {
            // a report lands between two lines of the answer
            self.faults.urc_mid = false;
            let rest = info.split_off(1);
            resp.extend(self.info_block(port, &info));
            resp.extend_from_slice(format!("\r\n^RSSI:{}\r\n", self.rssi(now)).as_bytes());
            resp.extend(self.info_block(port, &rest));
        } else if port == PortId::Pcui && self.faults.urc_mid && info.len() == 1 {
            self.faults.urc_mid = false;
            resp.extend(self.info_block(port, &info));
            resp.extend_from_slice(format!("\r\n^RSSI:{}\r\n", self.rssi(now)).as_bytes());
        } else {
            resp.extend(self.info_block(port, &info));
        }
        resp.extend(self.final_text(port, &fin));
        self.emit(port, &resp);
        for (p, b) in std::mem::take(&mut self.after_result) {
            self.emit_raw(p, &b);
        }
    }

    fn run_commands(&mut self, port: PortId, body: &str, info: &mut Vec<String>, now: u64) -> Fin {
        let b = body.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i].to_ascii_uppercase();
            match c {
                b' ' | b';' => i += 1,
                b'+' | b'^' | b'_' | b'$' | b'%' => {
                    // extended command up to ';' outside quotes
                    let mut j = i + 1;
                    let mut q = false;
                    while j < b.len() {
                        if b[j] == b'"' {
                            q = !q;
                        } else if b[j] == b';' && !q {
                            break;
                        }
                        j += 1;
                    }
                    let cmd = body.get(i..j).unwrap_or("");
                    let fin = self.extended(port, cmd, info, now);
                    if !matches!(fin, Fin::Ok) {
                        return fin;
                    }
                    i = j;
                }
                b'D' => {
                    let rest = body.get(i + 1..).unwrap_or("");
                    return self.dial(port, rest, now);
                }
                b'&' => {
                    let l = b.get(i + 1).map(|x| x.to_ascii_uppercase());
                    let mut j = i + 2;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    match l {
                        Some(b'F') => self.factory(),
                        Some(b'D') | Some(b'C') | Some(b'K') | Some(b'W') | Some(b'S') => {}
                        Some(b'V') => info.push(format!(
                            "&C: 1; &D: 2; E: {}; Q: 0; V: 1; S3: 13; S4: 10; S5: 8",
                            self.ports[port.idx()].echo as u8
                        )),
                        _ => return Fin::Error,
                    }
                    i = j;
                }
                b'S' => {
                    // Sn=v or Sn?
                    let mut j = i + 1;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    let reg: u32 = body
                        .get(i + 1..j)
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(999);
                    if reg > 255 {
                        return Fin::Error;
                    }
                    match b.get(j) {
                        Some(b'?') => {
                            let v = match reg {
                                3 => 13,
                                4 => 10,
                                5 => 8,
                                7 => 60,
                                _ => 0,
                            };
                            info.push(format!("{v:03}"));
                            j += 1;
                        }
                        Some(b'=') => {
                            j += 1;
                            while j < b.len() && b[j].is_ascii_digit() {
                                j += 1;
                            }
                        }
                        _ => return Fin::Error,
                    }
                    i = j;
                }
                b'A'..=b'Z' => {
                    let mut j = i + 1;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    let n: u32 = body.get(i + 1..j).and_then(|s| s.parse().ok()).unwrap_or(0);
                    let fin = self.basic(port, c, n, info, now);
                    if !matches!(fin, Fin::Ok) {
                        return fin;
                    }
                    i = j;
                }
                _ => return Fin::Error,
            }
        }
        Fin::Ok
    }

    fn factory(&mut self) {
        for p in self.ports.iter_mut() {
            p.reset();
        }
    }

    fn basic(&mut self, port: PortId, c: u8, n: u32, info: &mut Vec<String>, now: u64) -> Fin {
        let p = &mut self.ports[port.idx()];
        match c {
            b'E' if n <= 1 => p.echo = n == 1,
            b'V' if n <= 1 => p.verbose = n == 1,
            b'Q' if n <= 1 => p.quiet = n == 1,
            b'Z' if n == 0 => self.factory(),
            b'I' => {
                info.push(format!("Manufacturer: {}", self.cfg.manufacturer));
                info.push(format!("Model: {}", self.cfg.model));
                info.push(format!("Revision: {}", self.cfg.revision));
                info.push(format!("IMEI: {}", self.cfg.imei));
                info.push("+GCAP: +CGSM,+DS,+ES".into());
            }
            b'X' | b'L' | b'M' => {}
            b'H' => {
                self.dial_due = None;
                if self.call.is_some() {
                    self.end_call(now, false);
                }
            }
            b'O' => {
                if self.call.is_some() && port == PortId::Modem {
                    self.mode = DataMode::Data;
                    self.last_data_rx = now;
                    return Fin::Connect;
                }
                return Fin::NoCarrier;
            }
            b'A' => return Fin::NoCarrier,
            _ => return Fin::Error,
        }
        Fin::Ok
    }

    fn dial(&mut self, port: PortId, rest: &str, now: u64) -> Fin {
        let s: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
        let s = s.trim_start_matches(['T', 't', 'P', 'p']);
        if s.is_empty() {
            return Fin::Error;
        }
        if port != PortId::Modem {
            // the PCUI does not carry PPP data
            return Fin::Error;
        }
        if self.call.is_some() {
            return Fin::Error;
        }
        let cid = if let Some(x) = s.strip_prefix("*99") {
            let x = match x.strip_suffix('#') {
                Some(x) => x,
                None => return Fin::NoCarrier,
            };
            // *99# | *99***<cid># | *99**<l2p>*<cid>#
            let parts: Vec<&str> = x.split('*').collect();
            match parts.last().and_then(|c| c.parse::<u8>().ok()) {
                Some(c) if parts.len() >= 2 => c,
                _ => 1,
            }
        } else {
            // no voice or CSD data on this stick
            return Fin::NoCarrier;
        };
        if self.faults.dial_error {
            return Fin::Error;
        }
        self.dial_due = Some((now + self.cfg.dial_delay_ms, cid));
        if self.cfg.dial_delay_ms == 0 {
            self.dial_due = None;
            self.finish_dial(cid, now);
        }
        Fin::Pending
    }

    fn extended(&mut self, port: PortId, cmd: &str, info: &mut Vec<String>, now: u64) -> Fin {
        // split name / kind / args
        let name_end = cmd
            .char_indices()
            .skip(1)
            .find(|(_, c)| !(c.is_ascii_alphanumeric()))
            .map(|(i, _)| i)
            .unwrap_or(cmd.len());
        let name = cmd.get(..name_end).unwrap_or("").to_ascii_uppercase();
        let tail = cmd.get(name_end..).unwrap_or("");
        enum K {
            Exec,
            Read,
            Test,
            Set(String),
        }
        let kind = if tail.is_empty() {
            K::Exec
        } else if tail == "?" {
            K::Read
        } else if tail == "=?" {
            K::Test
        } else if let Some(a) = tail.strip_prefix('=') {
            K::Set(a.to_string())
        } else {
            return Fin::Error;
        };
        let cmee_sim = self.sim.cme_for_access(now);
        let registered = self.registered(now);
        let at = At {
            port: port.idx(),
            sim_err: cmee_sim,
            registered,
            now,
        };
        if let Some(r) = self.sms.command(at, &name, tail, info) {
            return match r {
                Res::Prompt => {
                    self.emit_raw(port, b"\r\n> ");
                    Fin::Pending
                }
                r => fin_of(r),
            };
        }
        match (name.as_str(), kind) {
            ("+CGMI" | "+GMI", K::Exec) => info.push(self.cfg.manufacturer.clone()),
            ("+CGMM" | "+GMM", K::Exec) => info.push(self.cfg.model.clone()),
            ("+CGMR" | "+GMR", K::Exec) => info.push(self.cfg.revision.clone()),
            ("+CGSN" | "+GSN", K::Exec) => info.push(self.cfg.imei.clone()),
            ("+CGMI" | "+GMI" | "+CGMM" | "+GMM" | "+CGMR" | "+GMR" | "+CGSN" | "+GSN", K::Test) => {}
            ("+GCAP", K::Exec) => info.push("+GCAP: +CGSM,+DS,+ES".into()),
            ("+CIMI", K::Exec) => match cmee_sim {
                Some(e) => return Fin::Cme(e),
                None => info.push(self.cfg.imsi.clone()),
            },
            ("+CIMI", K::Test) => {}
            ("^ICCID", K::Read) if self.cfg.huawei_iccid => {
                if let Some(e) = self.sim.cme_for_presence(now) {
                    return Fin::Cme(e);
                }
                info.push(format!("^ICCID: {}", iccid_swapped(&self.cfg.iccid)));
            }
            ("+CRSM", K::Set(a)) => {
                if let Some(e) = self.sim.cme_for_presence(now) {
                    return Fin::Cme(e);
                }
                let v = split_args(&a);
                let num = |i: usize| v.get(i).and_then(|s| s.parse::<u32>().ok());
                match (num(0), num(1)) {
                    (Some(176), Some(12258)) => {
                        info.push(format!("+CRSM: 144,0,\"{}\"", iccid_swapped(&self.cfg.iccid)))
                    }
                    (Some(176 | 178 | 192 | 242), _) => info.push("+CRSM: 106,130".into()),
                    _ => return Fin::Error,
                }
            }
            ("+CSQ", K::Exec) => info.push(format!("+CSQ: {},99", self.rssi(now))),
            ("+CSQ", K::Test) => info.push("+CSQ: (0-31,99),(0-7,99)".into()),
            ("+CMEE", K::Set(a)) => match a.trim().parse::<u8>() {
                Ok(n) if n <= 2 => self.ports[port.idx()].cmee = n,
                _ => return Fin::Error,
            },
            ("+CMEE", K::Read) => info.push(format!("+CMEE: {}", self.ports[port.idx()].cmee)),
            ("+CMEE", K::Test) => info.push("+CMEE: (0-2)".into()),
            ("+CFUN", K::Read) => info.push(format!("+CFUN: {}", self.cfun)),
            ("+CFUN", K::Set(a)) => {
                let args = split_args(&a);
                let reset = args.get(1).map(|s| s.trim());
                match args.first().and_then(|s| s.parse::<u8>().ok()) {
                    // <fun>=1 with <rst>=1: answer OK, then restart the firmware
                    Some(1) if reset == Some("1") => {
                        self.resets += 1;
                        self.reboot_at = Some(now + REBOOT_DELAY_MS);
                    }
                    Some(n @ (0 | 1 | 4 | 5 | 6 | 7)) if matches!(reset, None | Some("0")) => {
                        self.cfun = if n == 1 { 1 } else { n };
                        self.update_ready(now);
                    }
                    _ => return Fin::Error,
                }
            }
            ("+CFUN", K::Test) => info.push("+CFUN: (0,1,4-7),(0-1)".into()),
            ("+COPS", K::Read) => {
                if self.registered(now) {
                    let (oper, act) = (
                        match self.cops_format {
                            0 => self.cfg.oper_long.clone(),
                            1 => self.cfg.oper_short.clone(),
                            _ => self.cfg.oper_numeric.clone(),
                        },
                        if self.cfg.lte {
                            7
                        } else if self.sysmode(now).0 == 3 {
                            0
                        } else {
                            2
                        },
                    );
                    info.push(format!("+COPS: 0,{},\"{}\",{}", self.cops_format, oper, act));
                } else {
                    info.push("+COPS: 0".into());
                }
            }
            ("+COPS", K::Set(a)) => {
                let v = split_args(&a);
                match v.first().map(|s| s.as_str()) {
                    Some("0") => {}
                    Some("3") => match v.get(1).and_then(|s| s.parse::<u8>().ok()) {
                        Some(f) if f <= 2 => self.cops_format = f,
                        _ => return Fin::Error,
                    },
                    Some("1" | "4") if v.get(2).is_some_and(|o| o == &self.cfg.oper_numeric) => {}
                    Some("1" | "4") => return Fin::Cme(30),
                    Some("2") => self.set_reg(Some(Reg::NotSearching)),
                    _ => return Fin::Error,
                }
            }
            ("+COPS", K::Test) => info.push(format!(
                "+COPS: (2,\"{}\",\"{}\",\"{}\",2),(3,\"Telia\",\"Telia\",\"24001\",2),,(0,1,2,3,4),(0,1,2)",
                self.cfg.oper_long, self.cfg.oper_short, self.cfg.oper_numeric
            )),
            ("+CREG" | "+CGREG", K::Set(a)) => match a.trim().parse::<u8>() {
                Ok(n) if n <= 2 => {
                    if name == "+CREG" {
                        self.ports[port.idx()].creg = n
                    } else {
                        self.ports[port.idx()].cgreg = n
                    }
                }
                _ => return Fin::Error,
            },
            ("+CREG" | "+CGREG", K::Read) => {
                let n = if name == "+CREG" {
                    self.ports[port.idx()].creg
                } else {
                    self.ports[port.idx()].cgreg
                };
                let r = self.reg(now);
                let mut s = format!("{}: {},{}", name, n, r as u8);
                if n == 2 && matches!(r, Reg::Home | Reg::Roaming) {
                    s.push_str(&format!(",\"{:04X}\",\"{:08X}\"", self.cfg.lac, self.cfg.ci));
                }
                info.push(s);
            }
            ("+CREG" | "+CGREG", K::Test) => info.push(format!("{name}: (0-2)")),
            ("+CGATT", K::Read) => info.push(format!("+CGATT: {}", self.registered(now) as u8)),
            ("+CGATT", K::Set(_)) => {}
            ("+CGACT", K::Read) => {
                for c in &self.contexts {
                    info.push(format!("+CGACT: {},{}", c.0, (self.call.is_some() && c.0 == 1) as u8));
                }
            }
            ("+CGDCONT", K::Set(a)) => {
                let v = split_args(&a);
                let cid = match v.first().and_then(|s| s.parse::<u8>().ok()) {
                    Some(c) if (1..=11).contains(&c) => c,
                    _ => return Fin::Error,
                };
                self.contexts.retain(|c| c.0 != cid);
                if v.len() >= 2 {
                    let pdp = v.get(1).cloned().unwrap_or_default().to_ascii_uppercase();
                    if !matches!(pdp.as_str(), "IP" | "PPP" | "IPV6" | "IPV4V6") {
                        return Fin::Error;
                    }
                    let apn = v.get(2).cloned().unwrap_or_default();
                    if apn.len() > 99 {
                        return Fin::Error;
                    }
                    self.contexts.push((cid, pdp, apn));
                    self.contexts.sort_by_key(|c| c.0);
                }
            }
            ("+CGDCONT", K::Read) => {
                // The seed's `gcom info` ran before the PIN was entered and printed
                // "APN: ERROR:" for this query: the stick wants the SIM here.
                if let Some(e) = cmee_sim {
                    return Fin::Cme(e);
                }
                for c in &self.contexts {
                    info.push(format!("+CGDCONT: {},\"{}\",\"{}\",\"0.0.0.0\",0,0", c.0, c.1, c.2));
                }
            }
            ("+CGDCONT", K::Test) => {
                info.push("+CGDCONT: (1-11),\"IP\",,,(0-2),(0-3)".into());
                info.push("+CGDCONT: (1-11),\"PPP\",,,(0-2),(0-3)".into());
            }
            ("^SYSINFO", K::Exec) => {
                let (mode, sub) = self.sysmode(now);
                let srv = self.srv_status(now);
                let domain = if srv == 2 { 3 } else { 0 };
                let roam = (self.reg(now) == Reg::Roaming) as u8;
                let lock = if self.sim.present { "0" } else { "" };
                info.push(format!(
                    "^SYSINFO:{},{},{},{},{},{},{}",
                    srv,
                    domain,
                    roam,
                    mode,
                    self.sim_state_code(now),
                    lock,
                    sub
                ));
            }
            ("^SYSCFG", K::Read) => {
                let s = &self.syscfg;
                info.push(format!("^SYSCFG:{},{},{},{},{}", s.0, s.1, s.2, s.3, s.4));
            }
            ("^SYSCFG", K::Test) => info.push(
                "^SYSCFG:(2,13,14,16),(0-3),((400380,\"GSM900/GSM1800/WCDMA2100\"),(3FFFFFFF,\"All Bands\")),(0-2),(0-4)"
                    .into(),
            ),
            ("^SYSCFG", K::Set(a)) => {
                let v = split_args(&a);
                if v.len() != 5 {
                    return Fin::Error;
                }
                let n = |i: usize| v.get(i).and_then(|s| s.parse::<u8>().ok());
                let band = v.get(2).cloned().unwrap_or_default();
                let band_ok = !band.is_empty()
                    && band.len() <= 16
                    && band.bytes().all(|c| c.is_ascii_hexdigit());
                match (n(0), n(1), band_ok, n(3), n(4)) {
                    (Some(m @ (2 | 13 | 14 | 16)), Some(o @ 0..=3), true, Some(r @ 0..=2), Some(d @ 0..=4)) => {
                        let s = &mut self.syscfg;
                        if m != 16 {
                            s.0 = m;
                        }
                        if o != 3 {
                            s.1 = o;
                        }
                        if !band.eq_ignore_ascii_case("40000000") {
                            s.2 = band.to_ascii_uppercase();
                        }
                        if r != 2 {
                            s.3 = r;
                        }
                        if d != 4 {
                            s.4 = d;
                        }
                    }
                    _ => return Fin::Error,
                }
            }
            ("^CURC", K::Set(a)) => match a.trim() {
                "0" => self.curc = 0,
                "1" => self.curc = 1,
                _ => return Fin::Error,
            },
            ("^CURC", K::Read) => info.push(format!("^CURC: {}", self.curc)),
            ("^CURC", K::Test) => info.push("^CURC: (0-1)".into()),
            ("+CPIN", K::Read) => match self.cpin_code(now) {
                Ok(code) => info.push(format!("+CPIN: {code}")),
                Err(e) => return Fin::Cme(e),
            },
            ("^CPIN", K::Read) => {
                let code = match self.cpin_code(now) {
                    Ok(c) => c,
                    Err(e) => return Fin::Cme(e),
                };
                let times = match self.sim.lock {
                    Lock::Pin => self.sim.pin_left.to_string(),
                    Lock::Puk => self.sim.puk_left.to_string(),
                    _ => String::new(),
                };
                info.push(format!(
                    "^CPIN: {},{},{},{},10,3",
                    code, times, self.sim.puk_left, self.sim.pin_left
                ));
            }
            ("+CPIN" | "^CPIN", K::Test) => {}
            ("+CPIN" | "^CPIN", K::Set(a)) => {
                let v = split_args(&a);
                if v.is_empty() || v.len() > 2 {
                    return Fin::Error;
                }
                let code = v.first().cloned().unwrap_or_default();
                let newpin = v.get(1).cloned();
                match self.sim.enter(&code, newpin.as_deref(), now) {
                    Entry::Accepted => {
                        // the SIM reads its files after an unlock and is busy meanwhile
                        self.sim.busy_until = now + self.cfg.busy_after_pin_ms;
                        self.update_ready(now);
                    }
                    Entry::Rejected => return Fin::Cme(16),
                    Entry::NotAsked => return Fin::Cme(3),
                    Entry::PukRequired => return Fin::Cme(12),
                    Entry::Unavailable(e) => return Fin::Cme(e),
                    Entry::Malformed => return Fin::Error,
                }
            }
            ("+CLCK", K::Set(a)) => {
                let v = split_args(&a);
                let fac = v.first().cloned().unwrap_or_default().to_ascii_uppercase();
                let mode = v.get(1).and_then(|s| s.parse::<u8>().ok());
                match (fac.as_str(), mode) {
                    ("SC", Some(2)) => {
                        if let Some(e) = self.sim.cme_for_presence(now) {
                            return Fin::Cme(e);
                        }
                        info.push(format!("+CLCK: {}", self.sim.pin_enabled as u8));
                    }
                    // gcom's "Network Locked" query ran with the PIN not yet entered
                    // and printed "ERROR:" (third word of "+CME ERROR: 11").
                    ("PN", Some(2)) => match cmee_sim {
                        Some(e) => return Fin::Cme(e),
                        None => info.push("+CLCK: 0".into()),
                    },
                    ("PN", _) => return Fin::Cme(3),
                    ("SC", Some(0 | 1)) => return Fin::Cme(3),
                    _ => return Fin::Error,
                }
            }
            // ----- LTE firmware (E3372) -----
            ("+CEREG", K::Set(a)) if self.cfg.lte => match a.trim().parse::<u8>() {
                Ok(n) if n <= 2 => self.ports[port.idx()].cereg = n,
                _ => return Fin::Error,
            },
            ("+CEREG", K::Read) if self.cfg.lte => {
                let n = self.ports[port.idx()].cereg;
                let r = self.reg(now);
                let mut s = format!("+CEREG: {},{}", n, r as u8);
                if n == 2 && matches!(r, Reg::Home | Reg::Roaming) {
                    s.push_str(&format!(",\"{:04X}\",\"{:08X}\",7", self.cfg.tac, self.cfg.eci));
                }
                info.push(s);
            }
            ("+CEREG", K::Test) if self.cfg.lte => info.push("+CEREG: (0-2)".into()),
            ("^HCSQ", K::Read) if self.cfg.lte => info.push(self.hcsq(now)),
            ("^HCSQ", K::Test) if self.cfg.lte => {
                info.push("^HCSQ: \"NOSERVICE\",\"GSM\",\"WCDMA\",\"LTE\"".into())
            }
            ("^SYSINFOEX", K::Exec) if self.cfg.lte => {
                let srv = self.srv_status(now);
                let domain = if srv == 2 { 3 } else { 0 };
                let roam = (self.reg(now) == Reg::Roaming) as u8;
                let lock = if self.sim.present { "0" } else { "" };
                let (mode, sub) = if self.registered(now) {
                    ("6,\"LTE\"", "101,\"LTE\"")
                } else {
                    ("0,\"NO SERVICE\"", "0,\"NO SERVICE\"")
                };
                info.push(format!(
                    "^SYSINFOEX:{srv},{domain},{roam},{},{lock},{mode},{sub}",
                    self.sim_state_code(now)
                ));
            }
            ("^SETPORT", K::Read) if self.cfg.lte => info.push("^SETPORT:A1,A2;12,1,16,A1,A2".into()),
            ("^NDISDUP", K::Set(a)) if self.cfg.lte => {
                let v = split_args(&a);
                let cid = match v.first().and_then(|s| s.parse::<u8>().ok()) {
                    Some(c) if (1..=11).contains(&c) => c,
                    _ => return Fin::Error,
                };
                match v.get(1).map(String::as_str) {
                    Some("1") => {
                        if let Some(e) = cmee_sim {
                            return Fin::Cme(e);
                        }
                        if self.ndis.is_some() {
                            // already up: say so again
                            self.ndis_port = port;
                            self.ndis_urc(1, None);
                            return Fin::Ok;
                        }
                        let apn = match v.get(2) {
                            Some(a) if a.len() > 99 => return Fin::Error,
                            Some(a) => a.clone(),
                            None => self
                                .contexts
                                .iter()
                                .find(|c| c.0 == cid)
                                .map(|c| c.2.clone())
                                .unwrap_or_default(),
                        };
                        self.ndis_cause = None;
                        self.ndis_due = Some((now + self.cfg.dial_delay_ms, apn, port));
                    }
                    Some("0") => {
                        self.ndis_port = port;
                        self.end_ndis(None);
                    }
                    _ => return Fin::Error,
                }
            }
            ("^NDISDUP", K::Test) if self.cfg.lte => info.push("^NDISDUP: (1-11),(0-1)".into()),
            ("^NDISSTATQRY", K::Read) if self.cfg.lte => info.push(format!(
                "^NDISSTATQRY: {},{},,\"IPV4\"",
                self.ndis.is_some() as u8,
                self.ndis_cause.map(|c| c.to_string()).unwrap_or_default()
            )),
            // Not in this firmware's dialect, per the brief's choice (see README).
            ("+CPINR", _) => return Fin::Error,
            _ => return Fin::NotSupport,
        }
        Fin::Ok
    }

    fn cpin_code(&self, now: u64) -> Result<&'static str, u16> {
        if let Some(e) = self.sim.cme_for_presence(now) {
            return Err(e);
        }
        Ok(match self.sim.lock {
            Lock::Ready => "READY",
            Lock::Pin => "SIM PIN",
            Lock::Puk => "SIM PUK",
            Lock::Blocked => return Err(13),
        })
    }

    // ----- unsolicited reports -----

    /// An unsolicited +CREG/+CGREG on every AT port that asked for it (`n` 1, or
    /// 2 with LAC and cell while registered); never on the modem port in data mode.
    fn reg_urc(&mut self, name: &str, reg: Reg, n_of: fn(&AtPort) -> u8) {
        for port in [PortId::Modem, PortId::Pcui] {
            if port == PortId::Modem && self.mode == DataMode::Data {
                continue;
            }
            let n = n_of(&self.ports[port.idx()]);
            if n >= 1 {
                let mut s = format!("\r\n{name}: {}", reg as u8);
                if n == 2 && matches!(reg, Reg::Home | Reg::Roaming) {
                    s.push_str(&format!(
                        ",\"{:04X}\",\"{:08X}\"",
                        self.cfg.lac, self.cfg.ci
                    ));
                }
                s.push_str("\r\n");
                self.emit_raw(port, s.as_bytes());
            }
        }
    }

    /// An unsolicited +CEREG on every AT port that asked for it.
    fn reg_urc_lte(&mut self, reg: Reg) {
        for port in [PortId::Modem, PortId::Pcui] {
            if port == PortId::Modem && self.mode == DataMode::Data {
                continue;
            }
            let n = self.ports[port.idx()].cereg;
            if n >= 1 {
                let mut s = format!("\r\n+CEREG: {}", reg as u8);
                if n == 2 && matches!(reg, Reg::Home | Reg::Roaming) {
                    s.push_str(&format!(
                        ",\"{:04X}\",\"{:08X}\",7",
                        self.cfg.tac, self.cfg.eci
                    ));
                }
                s.push_str("\r\n");
                self.emit_raw(port, s.as_bytes());
            }
        }
    }

    fn urcs(&mut self, now: u64) {
        let huawei = self.curc == 1;
        let reg = self.reg(now);
        if reg != self.last_reg {
            self.last_reg = reg;
            self.reg_urc("+CREG", reg, |p| p.creg);
        }
        if reg != self.last_cgreg {
            self.last_cgreg = reg;
            self.reg_urc("+CGREG", reg, |p| p.cgreg);
        }
        if self.cfg.lte && reg != self.last_cereg {
            self.last_cereg = reg;
            self.reg_urc_lte(reg);
        }
        let mut lines: Vec<String> = Vec::new();
        let simst = self.sim_state_code(now);
        if simst != self.last_simst {
            self.last_simst = simst;
            lines.push(format!("^SIMST:{simst}"));
        }
        let srv = self.srv_status(now);
        if srv != self.last_srvst {
            self.last_srvst = srv;
            lines.push(format!("^SRVST:{srv}"));
        }
        let sm = self.sysmode(now);
        if sm != self.last_sysmode {
            self.last_sysmode = sm;
            lines.push(format!("^MODE:{},{}", sm.0, sm.1));
        }
        if now >= self.next_rssi_check {
            self.next_rssi_check = now + 1000;
            let r = self.rssi(now);
            if r != self.last_rssi {
                self.last_rssi = r;
                lines.push(format!("^RSSI:{r}"));
                if self.cfg.lte {
                    lines.push(self.hcsq(now));
                }
            }
        }
        if now >= self.next_boot {
            self.next_boot = now + self.cfg.boot_interval_ms.max(1);
            lines.push("^BOOT:20952548,0,0,0,72".into());
        }
        if now >= self.next_flow {
            self.next_flow = now + 2000;
            if let Some(c) = &self.call {
                let secs = now.saturating_sub(c.connected_at) / 1000;
                lines.push(format!(
                    "^DSFLOWRPT:{:08X},{:08X},{:08X},{:016X},{:016X},{:08X},{:08X}",
                    secs,
                    c.tx / secs.max(1),
                    c.rx / secs.max(1),
                    c.tx,
                    c.rx,
                    0x0003_E800u32,
                    0x0003_E800u32
                ));
            }
        }
        if huawei {
            for l in lines {
                let s = format!("\r\n{l}\r\n");
                self.emit_raw(PortId::Pcui, s.as_bytes());
            }
        }
    }
}

/// CRC-16/X.25 as HDLC (and Qualcomm DIAG) frames use it.
pub fn crc16_x25(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    for &b in data {
        crc ^= b as u16;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x8408
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iccid_is_nibble_swapped_and_padded() {
        assert_eq!(iccid_swapped("8946020612345678901"), "986420602143658709F1");
    }

    #[test]
    fn crc_matches_known_vector() {
        // CRC-16/X-25 check value for "123456789"
        assert_eq!(crc16_x25(b"123456789"), 0x906E);
    }
}
