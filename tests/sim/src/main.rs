//! umodem-sim: the virtual E367 on pseudo-terminals.
//!
//!   umodem-sim --dir DIR [options]        run the stick (see --help)
//!   umodem-sim ctl DIR COMMAND...         send one control command, print the reply
//!   umodem-sim sysfs-fixture NAME ROOT    write a fixture sysfs tree (e367, two-modems, with-ftdi)

use std::collections::HashMap;
use std::ffi::CStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::io::{AsRawFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use umodem_sim::control;
use umodem_sim::model::{Config, Event, Modem, PORTS};
use umodem_sim::sysfs;

const USAGE: &str = "\
usage: umodem-sim --dir DIR [options]
       umodem-sim ctl DIR COMMAND...
       umodem-sim sysfs-fixture e367|two-modems|with-ftdi ROOT

Creates DIR/ttyUSB0 (modem port, if0), DIR/ttyUSB1 (diagnostics, if3) and
DIR/ttyUSB2 (PCUI, if4) as links to pseudo-terminals, and DIR/control, a unix
socket taking control commands (one per line; `umodem-sim ctl DIR help`).

options:
  --pin CODE            SIM PIN (default 8328; or env UMODEM_SIM_PIN)
  --puk CODE            SIM PUK (default 12345678)
  --no-pin              PIN check disabled: SIM starts ready
  --no-sim              no SIM inserted
  --pin-left N          PIN attempts left at start (default 3)
  --puk-left N          PUK attempts left at start (default 10)
  --sim-busy-ms N       SIM answers +CME ERROR: 14 for N ms after start
  --busy-after-pin-ms N ... and for N ms after a correct PIN/PUK
  --reg-delay-ms N      searching for N ms after the SIM is ready (default 2000)
  --dial-delay-ms N     ATD to CONNECT (default 300)
  --connect-rate N      answer CONNECT N instead of CONNECT
  --apn APN             the network accepts only this APN (else NO CARRIER)
  --rssi N              mean signal 0..31 (default 18)
  --boot-interval-ms N  ^BOOT period on the PCUI (default 3000, 0 off)
  --huawei-iccid        answer AT^ICCID? (default: COMMAND NOT SUPPORT)
  --model e367|e3372    the stick's identity and dialect (default e367); e3372:
                        LTE (+CEREG, ^HCSQ, ^SYSINFOEX, ^NDISDUP), same ports here
  --fault NAME          start with a fault on (repeatable; see ctl help)
  --ppp-cmd CMD         after CONNECT run `sh -c CMD` with the modem port's data
                        on its stdin/stdout (e.g. pppd notty passive ...)
  --sysfs ROOT          also write a fake sysfs tree for the stick under ROOT
  --tick-ms N           main loop period (default 20)
  --trace FILE          append every byte in and out per port to FILE (PINs masked)";

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn die(msg: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "umodem-sim: {msg}");
    ExitCode::from(2)
}

struct Opts {
    dir: PathBuf,
    cfg: Config,
    faults: Vec<String>,
    ppp_cmd: Option<String>,
    sysfs: Option<PathBuf>,
    tick_ms: u64,
    trace: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        dir: PathBuf::new(),
        cfg: Config::default(),
        faults: Vec::new(),
        ppp_cmd: None,
        sysfs: None,
        tick_ms: 20,
        trace: None,
    };
    if let Ok(p) = std::env::var("UMODEM_SIM_PIN") {
        o.cfg.pin = p;
    }
    let mut it = args.iter();
    let mut dir = None;
    let mut e3372 = false;
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value"))
        };
        let num = |s: String| {
            s.parse::<u64>()
                .map_err(|_| format!("{a}: not a number: {s}"))
        };
        match a.as_str() {
            "--dir" => dir = Some(PathBuf::from(val()?)),
            "--pin" => o.cfg.pin = val()?,
            "--puk" => o.cfg.puk = val()?,
            "--no-pin" => o.cfg.pin_enabled = false,
            "--no-sim" => o.cfg.sim_present = false,
            "--pin-left" => o.cfg.pin_left = num(val()?)?.min(3) as u8,
            "--puk-left" => o.cfg.puk_left = num(val()?)?.min(10) as u8,
            "--sim-busy-ms" => o.cfg.sim_busy_ms = num(val()?)?,
            "--busy-after-pin-ms" => o.cfg.busy_after_pin_ms = num(val()?)?,
            "--reg-delay-ms" => o.cfg.reg_delay_ms = num(val()?)?,
            "--dial-delay-ms" => o.cfg.dial_delay_ms = num(val()?)?,
            "--connect-rate" => o.cfg.connect_rate = Some(num(val()?)? as u32),
            "--apn" => o.cfg.apn_required = Some(val()?),
            "--rssi" => o.cfg.rssi_base = num(val()?)?.min(31) as u8,
            "--boot-interval-ms" => o.cfg.boot_interval_ms = num(val()?)?,
            "--huawei-iccid" => o.cfg.huawei_iccid = true,
            "--fault" => o.faults.push(val()?),
            "--ppp-cmd" => o.ppp_cmd = Some(val()?),
            "--sysfs" => o.sysfs = Some(PathBuf::from(val()?)),
            "--tick-ms" => o.tick_ms = num(val()?)?.clamp(1, 1000),
            "--trace" => o.trace = Some(PathBuf::from(val()?)),
            "--model" => match val()?.as_str() {
                "e367" => e3372 = false,
                "e3372" => e3372 = true,
                m => return Err(format!("--model: e367 or e3372, not {m}")),
            },
            _ => return Err(format!("unknown option {a}\n{USAGE}")),
        }
    }
    o.dir = dir.ok_or_else(|| format!("--dir is required\n{USAGE}"))?;
    if e3372 {
        o.cfg.become_e3372();
    }
    Ok(o)
}

fn set_nonblock(fd: RawFd) {
    // SAFETY: fcntl on a descriptor we own.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        if fl >= 0 {
            libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK);
        }
    }
}

struct Pty {
    master: RawFd,
    slave_path: PathBuf,
    link: PathBuf,
    open: bool,
    pending: Vec<u8>,
}

fn open_pty(link: PathBuf) -> Result<Pty, String> {
    let mut master: libc::c_int = -1;
    let mut slave: libc::c_int = -1;
    // SAFETY: openpty writes two descriptors; null name/termios/winsize are allowed.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    if r != 0 {
        return Err(format!("openpty: {}", std::io::Error::last_os_error()));
    }
    let mut buf = [0 as libc::c_char; 128];
    // SAFETY: buffer and length match; slave is a valid tty descriptor.
    let r = unsafe { libc::ttyname_r(slave, buf.as_mut_ptr(), buf.len()) };
    if r != 0 {
        return Err("ttyname_r failed".into());
    }
    // SAFETY: ttyname_r wrote a NUL-terminated string into buf.
    let name = unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    // Raw mode on the slave so bytes pass untouched until the client sets its own.
    // SAFETY: termios is plain data; slave is valid.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(slave, &mut t) == 0 {
            libc::cfmakeraw(&mut t);
            libc::tcsetattr(slave, libc::TCSANOW, &t);
        }
        libc::close(slave);
    }
    set_nonblock(master);
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&name, &link)
        .map_err(|e| format!("symlink {}: {e}", link.display()))?;
    Ok(Pty {
        master,
        slave_path: PathBuf::from(name),
        link,
        open: false,
        pending: Vec::new(),
    })
}

fn dev_of(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(path) {
        Ok(m) => {
            let rdev = m.rdev();
            // SAFETY: pure arithmetic on a dev_t.
            let (ma, mi) = (libc::major(rdev), libc::minor(rdev));
            format!("{ma}:{mi}")
        }
        Err(_) => "0:0".into(),
    }
}

enum ReadResult {
    Data(Vec<u8>),
    Nothing,
    Closed,
}

fn read_fd(fd: RawFd) -> ReadResult {
    let mut buf = [0u8; 4096];
    let mut out = Vec::new();
    loop {
        // SAFETY: buf is valid for buf.len() bytes.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len()) };
        if n > 0 {
            out.extend_from_slice(buf.get(..n as usize).unwrap_or(&[]));
            if out.len() > 65536 {
                return ReadResult::Data(out);
            }
            continue;
        }
        let err = std::io::Error::last_os_error();
        if n < 0 && err.kind() == std::io::ErrorKind::WouldBlock {
            return if out.is_empty() {
                ReadResult::Nothing
            } else {
                ReadResult::Data(out)
            };
        }
        if n < 0 && err.kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        // EOF or EIO (no slave open)
        return if out.is_empty() {
            ReadResult::Closed
        } else {
            ReadResult::Data(out)
        };
    }
}

/// Write what we can; keep the rest (bounded) for later.
fn flush_fd(fd: RawFd, pending: &mut Vec<u8>) -> bool {
    while !pending.is_empty() {
        // SAFETY: pending is valid for its length.
        let n = unsafe { libc::write(fd, pending.as_ptr() as *const libc::c_void, pending.len()) };
        if n > 0 {
            pending.drain(..n as usize);
            continue;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        if err.kind() == std::io::ErrorKind::WouldBlock {
            if pending.len() > (1 << 20) {
                pending.clear(); // nobody reads: drop, as a stick's buffer would
            }
            return true;
        }
        return false;
    }
    true
}

struct Net {
    child: Child,
    stdin_fd: RawFd,
    stdout_fd: RawFd,
    pending: Vec<u8>,
}

fn spawn_net(cmd: &str) -> Option<Net> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| eprintln!("umodem-sim: --ppp-cmd: {e}"))
        .ok()?;
    let stdin_fd = child.stdin.as_ref()?.as_raw_fd();
    let stdout_fd = child.stdout.as_ref()?.as_raw_fd();
    set_nonblock(stdin_fd);
    set_nonblock(stdout_fd);
    let _ = &mut child;
    Some(Net {
        child,
        stdin_fd,
        stdout_fd,
        pending: Vec::new(),
    })
}

fn stop_net(net: Net, dying: &mut Vec<Child>) {
    let Net { mut child, .. } = net;
    // SAFETY: signalling our own child by its pid.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    drop(child.stdin.take());
    drop(child.stdout.take());
    dying.push(child);
}

fn ctl_client(args: &[String]) -> ExitCode {
    let (dir, words) = match args.split_first() {
        Some((d, w)) if !w.is_empty() => (d, w),
        _ => return die("usage: umodem-sim ctl DIR COMMAND..."),
    };
    let path = Path::new(dir).join("control");
    let mut s = match UnixStream::connect(&path) {
        Ok(s) => s,
        Err(e) => return die(&format!("{}: {e}", path.display())),
    };
    if writeln!(s, "{}", words.join(" ")).is_err() {
        return die("control socket write failed");
    }
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    print!("{reply}");
    if reply.starts_with("ok") || (!reply.starts_with("error") && !reply.is_empty()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn fixture(args: &[String]) -> ExitCode {
    let (name, root) = match args {
        [n, r] => (n, r),
        _ => return die("usage: umodem-sim sysfs-fixture NAME ROOT"),
    };
    let devs = match sysfs::fixture(name) {
        Some(d) => d,
        None => return die("fixture names: e367, two-modems, with-ftdi"),
    };
    match sysfs::write_tree(Path::new(root), &devs, &sysfs::usb_serial_dev) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => die(&format!("{root}: {e}")),
    }
}

/// A line on stdout; a closed stdout is no reason to stop.
fn say(s: &str) {
    let mut o = std::io::stdout();
    let _ = writeln!(o, "{s}");
    let _ = o.flush();
}

struct Client {
    stream: UnixStream,
    buf: Vec<u8>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(|s| s.as_str()) {
        Some("ctl") => return ctl_client(args.get(1..).unwrap_or(&[])),
        Some("sysfs-fixture") => return fixture(args.get(1..).unwrap_or(&[])),
        Some("--help") | Some("-h") => {
            println!("{USAGE}\n\ncontrol commands:\n{}", control::HELP);
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let o = match parse(&args) {
        Ok(o) => o,
        Err(e) => return die(&e),
    };
    match run(o) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => die(&e),
    }
}

fn run(o: Opts) -> Result<(), String> {
    std::fs::create_dir_all(&o.dir).map_err(|e| format!("{}: {e}", o.dir.display()))?;
    // SAFETY: installing a handler that only stores an atomic flag.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let start = Instant::now();
    let now = || start.elapsed().as_millis() as u64;
    let mut modem = Modem::new(o.cfg.clone(), now());
    for f in &o.faults {
        control::apply(&mut modem, &format!("fault {f}"), now())?;
    }
    let mut devnum: u8 = 3;
    let mut ptys = plug_in(&o, &mut modem, devnum, now())?;
    let ctl_path = o.dir.join("control");
    let _ = std::fs::remove_file(&ctl_path);
    let listener =
        UnixListener::bind(&ctl_path).map_err(|e| format!("{}: {e}", ctl_path.display()))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let mut clients: Vec<Client> = Vec::new();
    let mut net: Option<Net> = None;
    let mut dying: Vec<Child> = Vec::new();
    say(&format!("umodem-sim: ready in {}", o.dir.display()));

    let mut replug_at: Option<u64> = None;
    let mut trace = match &o.trace {
        Some(p) => Some(Trace::open(p)?),
        None => None,
    };
    loop {
        if STOP.load(Ordering::SeqCst) {
            break;
        }
        let mut fds: Vec<libc::pollfd> = Vec::new();
        for p in &ptys {
            if p.open {
                let mut ev = libc::POLLIN;
                if !p.pending.is_empty() {
                    ev |= libc::POLLOUT;
                }
                fds.push(libc::pollfd {
                    fd: p.master,
                    events: ev,
                    revents: 0,
                });
            }
        }
        fds.push(libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        });
        for c in &clients {
            fds.push(libc::pollfd {
                fd: c.stream.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        if let Some(n) = &net {
            fds.push(libc::pollfd {
                fd: n.stdout_fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        // SAFETY: fds is a valid array of pollfd for its length.
        unsafe {
            libc::poll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                o.tick_ms as libc::c_int,
            );
        }
        let t = now();

        // host side of each port
        for (i, p) in ptys.iter_mut().enumerate() {
            let port = PORTS[i];
            match read_fd(p.master) {
                ReadResult::Data(d) => {
                    if !p.open {
                        p.open = true;
                        modem.port_opened(port);
                    }
                    if let Some(tr) = trace.as_mut() {
                        tr.log(t, i, '<', &d, modem.in_data_mode() && port == PORTS[0]);
                    }
                    modem.input(port, &d, t);
                }
                ReadResult::Nothing => {
                    if !p.open {
                        p.open = true;
                        modem.port_opened(port);
                    }
                }
                ReadResult::Closed => {
                    if p.open {
                        p.open = false;
                        p.pending.clear();
                        modem.port_closed(port, t);
                        // SAFETY: flushing our master's queues.
                        unsafe {
                            libc::tcflush(p.master, libc::TCIOFLUSH);
                        }
                    }
                }
            }
        }

        // control connections
        while let Ok((s, _)) = listener.accept() {
            let _ = s.set_nonblocking(true);
            clients.push(Client {
                stream: s,
                buf: Vec::new(),
            });
        }
        let mut keep = Vec::new();
        for mut c in clients.drain(..) {
            let mut alive = true;
            let mut tmp = [0u8; 1024];
            loop {
                match c.stream.read(&mut tmp) {
                    Ok(0) => {
                        alive = false;
                        break;
                    }
                    Ok(n) => c.buf.extend_from_slice(tmp.get(..n).unwrap_or(&[])),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(_) => {
                        alive = false;
                        break;
                    }
                }
            }
            let mut lines = Vec::new();
            {
                let mut rd = BufReader::new(&c.buf[..]);
                let mut consumed = 0;
                loop {
                    let mut l = String::new();
                    match rd.read_line(&mut l) {
                        Ok(0) => break,
                        Ok(n) if l.ends_with('\n') => {
                            consumed += n;
                            lines.push(l);
                        }
                        _ => break,
                    }
                }
                c.buf.drain(..consumed);
            }
            if !alive && !c.buf.is_empty() {
                lines.push(String::from_utf8_lossy(&c.buf).into_owned());
                c.buf.clear();
            }
            for l in lines {
                let reply = match control::apply(&mut modem, &l, t) {
                    Ok(r) => {
                        if r == "ok" {
                            "ok\n".to_string()
                        } else {
                            format!("ok {r}\n")
                        }
                    }
                    Err(e) => format!("error {e}\n"),
                };
                let _ = c.stream.set_nonblocking(false);
                let _ = c.stream.write_all(reply.as_bytes());
                let _ = c.stream.set_nonblocking(true);
            }
            if alive {
                keep.push(c);
            }
        }
        clients = keep;

        // network side of a call
        if let Some(n) = net.as_mut() {
            match read_fd(n.stdout_fd) {
                ReadResult::Data(d) => modem.from_network(&d),
                ReadResult::Nothing => {}
                ReadResult::Closed => modem.network_hangup(t),
            }
            let d = modem.to_network();
            n.pending.extend_from_slice(&d);
            if !flush_fd(n.stdin_fd, &mut n.pending) {
                modem.network_hangup(t);
            }
            if let Ok(Some(_)) = n.child.try_wait() {
                modem.network_hangup(t);
            }
        } else {
            let _ = modem.to_network(); // no network peer: data goes nowhere
        }

        let was_data = modem.in_data_mode();
        modem.tick(t);
        for ev in modem.events() {
            match ev {
                Event::CallUp => {
                    if let Some(cmd) = &o.ppp_cmd {
                        net = spawn_net(cmd);
                    }
                }
                Event::CallDown => {
                    if let Some(n) = net.take() {
                        stop_net(n, &mut dying);
                    }
                }
                // No network interface on ptys: the NDIS call is only reported.
                Event::DataUp => say("umodem-sim: data call up (NDIS)"),
                Event::DataDown => say("umodem-sim: data call down (NDIS)"),
                Event::Unplug => {
                    if let Some(n) = net.take() {
                        stop_net(n, &mut dying);
                    }
                    pull_out(&o, &mut ptys, devnum);
                    say("umodem-sim: unplugged");
                    match modem.replug_after() {
                        Some(ms) => replug_at = Some(t + ms),
                        None => {
                            let _ = std::fs::remove_file(&ctl_path);
                            for mut c in dying {
                                let _ = c.wait();
                            }
                            return Ok(());
                        }
                    }
                }
            }
        }
        dying.retain_mut(|c| !matches!(c.try_wait(), Ok(Some(_))));
        if let Some(tr) = trace.as_mut() {
            tr.flush_old(t);
        }
        if replug_at.is_some_and(|at| t >= at) {
            replug_at = None;
            modem = modem.power_on_again(t);
            devnum = devnum.wrapping_add(1).max(2);
            ptys = plug_in(&o, &mut modem, devnum, t)?;
            say("umodem-sim: plugged in");
        }

        // modem to host
        for (i, p) in ptys.iter_mut().enumerate() {
            let out = modem.output(PORTS[i]);
            if let Some(tr) = trace.as_mut() {
                if !out.is_empty() {
                    // CONNECT / NO CARRIER switch modes: log those chunks as text
                    tr.log(t, i, '>', &out, was_data && modem.in_data_mode() && i == 0);
                }
            }
            if p.open {
                p.pending.extend_from_slice(&out);
                if !flush_fd(p.master, &mut p.pending) {
                    p.pending.clear();
                }
            }
        }
    }
    if let Some(n) = net.take() {
        stop_net(n, &mut dying);
    }
    pull_out(&o, &mut ptys, devnum);
    let _ = std::fs::remove_file(&ctl_path);
    for mut c in dying {
        let _ = c.kill();
        let _ = c.wait();
    }
    Ok(())
}

/// `--trace`: "s.ms port dir text" lines, bytes escaped, AT traffic grouped into lines
/// (so a PIN typed one byte at a time is still one line, and masked); data-mode
/// chunks only counted.
struct Trace {
    file: std::fs::File,
    /// (port, '<' or '>') -> (bytes not yet written, time of the first)
    pending: HashMap<(usize, char), (Vec<u8>, u64)>,
}

impl Trace {
    fn open(p: &Path) -> Result<Trace, String> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .map_err(|e| format!("{}: {e}", p.display()))?;
        Ok(Trace {
            file,
            pending: HashMap::new(),
        })
    }

    fn log(&mut self, t: u64, port: usize, dir: char, bytes: &[u8], data: bool) {
        if data {
            self.flush(port, dir);
            self.write(t, port, dir, &format!("[{} data bytes]", bytes.len()));
            return;
        }
        let e = self
            .pending
            .entry((port, dir))
            .or_insert_with(|| (Vec::new(), t));
        if e.0.is_empty() {
            e.1 = t;
        }
        e.0.extend_from_slice(bytes);
        let done = matches!(bytes.last(), Some(b'\r' | b'\n')) || e.0.len() > 256;
        if done {
            self.flush(port, dir);
        }
    }

    /// Write lines that have waited for their end longer than a second.
    fn flush_old(&mut self, t: u64) {
        let old: Vec<(usize, char)> = self
            .pending
            .iter()
            .filter(|(_, (b, since))| !b.is_empty() && t >= since + 1000)
            .map(|(k, _)| *k)
            .collect();
        for (port, dir) in old {
            self.flush(port, dir);
        }
    }

    fn flush(&mut self, port: usize, dir: char) {
        let Some((bytes, since)) = self.pending.get_mut(&(port, dir)) else {
            return;
        };
        if bytes.is_empty() {
            return;
        }
        let raw = std::mem::take(bytes);
        let since = *since;
        let mut s = String::new();
        for &b in &raw {
            match b {
                b'\r' => s.push_str("\\r"),
                b'\n' => s.push_str("\\n"),
                b'\\' => s.push_str("\\\\"),
                0x20..=0x7e => s.push(b as char),
                _ => s.push_str(&format!("\\x{b:02x}")),
            }
        }
        let text = mask_pin(&s);
        self.write(since, port, dir, &text);
    }

    fn write(&mut self, t: u64, port: usize, dir: char, text: &str) {
        const NAMES: [&str; 3] = ["modem", "diag", "pcui"];
        let name = NAMES.get(port).copied().unwrap_or("?");
        let _ = writeln!(
            self.file,
            "{}.{:03} {name} {dir} {text}",
            t / 1000,
            t % 1000
        );
    }
}

/// Hide the codes of PIN commands (the host's input is echoed, so both directions).
fn mask_pin(s: &str) -> String {
    let up = s.to_ascii_uppercase();
    if !up.contains("CPIN=") {
        return s.to_string();
    }
    let mut out = String::new();
    let mut after = false;
    for (i, c) in s.char_indices() {
        if up.get(..i).is_some_and(|p| p.ends_with("CPIN=")) {
            after = true;
        }
        if after && c.is_ascii_digit() {
            out.push('*');
        } else {
            if c == '\\' {
                after = false;
            }
            out.push(c);
        }
    }
    out
}

/// The stick appears: ptys, DIR/ttyUSBn links, the sysfs device. Ports start closed.
fn plug_in(o: &Opts, modem: &mut Modem, devnum: u8, now: u64) -> Result<Vec<Pty>, String> {
    let mut ptys = Vec::new();
    for i in 0..PORTS.len() {
        ptys.push(open_pty(o.dir.join(format!("ttyUSB{i}")))?);
    }
    for p in PORTS {
        modem.port_closed(p, now);
    }
    if let Some(root) = &o.sysfs {
        let device = sysfs::e367("1-1", devnum, ["ttyUSB0", "ttyUSB1", "ttyUSB2"]);
        let devs: HashMap<String, String> = ptys
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("ttyUSB{i}"), dev_of(&p.slave_path)))
            .collect();
        let lookup = |t: &str| {
            devs.get(t)
                .cloned()
                .unwrap_or_else(|| sysfs::usb_serial_dev(t))
        };
        sysfs::write_tree(root, std::slice::from_ref(&device), &lookup)
            .map_err(|e| format!("{}: {e}", root.display()))?;
    }
    Ok(ptys)
}

/// The stick vanishes: links and sysfs entries go, the masters close (open slaves
/// get hang-up/EIO, as ttys of an unplugged USB device do).
fn pull_out(o: &Opts, ptys: &mut Vec<Pty>, devnum: u8) {
    for p in ptys.drain(..) {
        let _ = std::fs::remove_file(&p.link);
        // SAFETY: closing our own master descriptor once; the Pty is dropped here.
        unsafe {
            libc::close(p.master);
        }
    }
    if let Some(root) = &o.sysfs {
        let device = sysfs::e367("1-1", devnum, ["ttyUSB0", "ttyUSB1", "ttyUSB2"]);
        let _ = sysfs::remove_device(root, &device);
    }
}
