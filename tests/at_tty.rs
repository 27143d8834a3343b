//! The real tty transport on a pseudo-terminal pair (native: qemu-user lacks
//! TCGETS2). The test plays the modem on the master side.

use std::io::{Read, Write};
use std::os::unix::io::FromRawFd;
use std::path::PathBuf;

use umodem::core::at::Final;
use umodem::core::engine::AtTransport;
use umodem::core::engine::{AtError, Engine};
use umodem::core::ports::{Modem, Port, Role};
use umodem::core::usb::UsbDevice;
use umodem::hw::clock::SystemClock;
use umodem::hw::serial::Tty;

/// Open a pty pair: (master as a File, slave path).
fn pty() -> (std::fs::File, PathBuf) {
    // SAFETY: plain libc calls; the name is copied before any other pty call.
    unsafe {
        let m = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(m >= 0);
        assert_eq!(libc::grantpt(m), 0);
        assert_eq!(libc::unlockpt(m), 0);
        let mut buf = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(m, buf.as_mut_ptr(), buf.len()), 0);
        let name = std::ffi::CStr::from_ptr(buf.as_ptr())
            .to_string_lossy()
            .into_owned();
        (std::fs::File::from_raw_fd(m), PathBuf::from(name))
    }
}

/// Read from the master until `want` has been seen (or give up after 200 reads).
fn expect(m: &mut std::fs::File, want: &[u8]) {
    let mut got = Vec::new();
    let mut b = [0u8; 64];
    for _ in 0..200 {
        let n = m.read(&mut b).unwrap();
        got.extend_from_slice(&b[..n]);
        if got.windows(want.len()).any(|w| w == want) {
            return;
        }
    }
    panic!("never saw {want:?} in {got:?}");
}

#[test]
fn raw_mode_command_and_answer() {
    let (mut master, slave) = pty();
    let mut tty = Tty::open(&slave).unwrap();
    let modem = std::thread::spawn(move || {
        expect(&mut master, b"AT+CGMM\r");
        // Raw mode: no CR->LF mangling, no echo by the tty layer, bytes as sent.
        master
            .write_all(b"\r\n^RSSI:12\r\nE367\r\n\r\nOK\r\n")
            .unwrap();
        master
    });
    let clock = SystemClock::new();
    let mut e = Engine::new(&mut tty, &clock);
    let r = e.command_timeout("AT+CGMM", 5000).unwrap();
    assert_eq!(r.result, Final::Ok);
    assert_eq!(r.lines, ["E367"]);
    let _master = modem.join().unwrap();
}

#[test]
fn silent_port_reads_nothing_in_time() {
    let (_master, slave) = pty();
    let mut tty = Tty::open(&slave).unwrap();
    let mut b = [0u8; 16];
    assert_eq!(tty.read(&mut b, 50).unwrap(), 0);
    let clock = SystemClock::new();
    let mut e = Engine::new(&mut tty, &clock);
    assert_eq!(e.command_timeout("AT", 100), Err(AtError::Timeout));
}

#[test]
fn vanished_port_is_an_error() {
    let (master, slave) = pty();
    let mut tty = Tty::open(&slave).unwrap();
    drop(master);
    let mut b = [0u8; 16];
    assert!(tty.read(&mut b, 1000).is_err());
}

#[test]
fn not_a_tty_is_refused() {
    assert!(Tty::open(std::path::Path::new("/dev/null")).is_err());
    assert!(Tty::open(std::path::Path::new("/nonexistent/ttyUSB9")).is_err());
}

/// A modem whose ports are these ttys (paths), with these roles.
fn modem(ttys: &[(&str, Option<Role>)]) -> Modem {
    let mut ports = Vec::new();
    for (i, (t, role)) in ttys.iter().enumerate() {
        ports.push(Port {
            tty: t.to_string(),
            interface: i as u8,
            role: *role,
            at: None,
        });
    }
    let dev = UsbDevice {
        bus: 1,
        address: 2,
        port_path: "1-1".into(),
        vid: 0x12d1,
        pid: 0x1506,
        class: 0,
        active_config: Some(1),
        configs: Vec::new(),
        strings: Default::default(),
    };
    Modem { dev, ports }
}

#[test]
fn probe_finds_the_port_that_answers() {
    let (mut master, slave) = pty();
    let (_quiet, silent) = pty();
    let modem_side = std::thread::spawn(move || {
        for _ in 0..2 {
            expect(&mut master, b"AT\r");
            master.write_all(b"AT\r\r\nOK\r\n").unwrap();
        }
        master
    });
    // Held open between the two probes (a pty master reads EIO while no one
    // has its slave open).
    let _hold = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOCTTY)
            .open(&slave)
            .unwrap()
    };
    let s = slave.to_string_lossy().into_owned();
    let q = silent.to_string_lossy().into_owned();
    let gone = "/nonexistent/ttyUSB9";
    // No roles: every port is probed for the whole wait; the one that
    // answered becomes the control port.
    let mut ms = [modem(&[(&q, None), (&s, None), (gone, None)])];
    umodem::hw::port::probe(&mut ms, 1000);
    let at: Vec<Option<bool>> = ms[0].ports.iter().map(|p| p.at).collect();
    assert_eq!(at, [Some(false), Some(true), Some(false)]);
    assert_eq!(ms[0].control(), Some(s.as_str()));
    // The profile's control port answers: done at once, the silent port not
    // waited for; the data port is never probed.
    let t = std::time::Instant::now();
    let mut ms = [modem(&[
        (gone, Some(Role::Modem)),
        (&q, None),
        (&s, Some(Role::Control)),
    ])];
    umodem::hw::port::probe(&mut ms, 5000);
    let at: Vec<Option<bool>> = ms[0].ports.iter().map(|p| p.at).collect();
    assert_eq!(at, [None, None, Some(true)]);
    assert!(t.elapsed().as_millis() < 4000, "{:?}", t.elapsed());
    let _m = modem_side.join().unwrap();
}

#[test]
fn advisory_lock_is_exclusive_and_released_on_drop() {
    let (_m, path) = pty();
    let a = Tty::open(&path).unwrap();
    let b = Tty::open(&path).unwrap();
    assert!(a.try_lock().unwrap());
    assert!(!b.try_lock().unwrap(), "a second holder is refused");
    drop(a);
    assert!(
        b.try_lock().unwrap(),
        "free again once the holder closed it"
    );
}
