//! The syslog logger against a real unix datagram socket standing in for /dev/log.

use std::os::unix::net::UnixDatagram;

use umodem::logger::{Level, Logger, DEBUG, ERROR, INFO, WARN};

fn fake_dev_log(name: &str) -> (UnixDatagram, std::path::PathBuf) {
    let p = std::env::temp_dir().join(format!("umodem-log-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    let s = UnixDatagram::bind(&p).unwrap();
    s.set_nonblocking(true).unwrap();
    (s, p)
}

fn emit(l: &Logger, level: Level, msg: &str) {
    l.log(level, format_args!("{msg}"));
}

fn line(s: &UnixDatagram) -> Option<String> {
    let mut buf = [0u8; 2048];
    s.recv(&mut buf)
        .ok()
        .map(|n| String::from_utf8(buf[..n].to_vec()).unwrap())
}

/// `<PRI>Mmm dd hh:mm:ss umodem[PID]: MSG`
fn split(l: &str) -> (u8, &str, &str) {
    let (pri, rest) = l[1..].split_once('>').expect("<PRI>");
    let (ts, rest) = rest.split_at(15);
    (pri.parse().unwrap(), ts, rest)
}

#[test]
fn rfc3164_lines_on_the_socket() {
    let (rx, path) = fake_dev_log("lines");
    let l = Logger::syslog(&path, INFO);
    assert!(l.is_syslog());
    let tag = format!(" umodem[{}]: ", std::process::id());

    emit(&l, ERROR, "modem gone");
    emit(&l, WARN, "signal lost");
    emit(&l, INFO, "registered\non two lines");
    emit(&l, DEBUG, "not at this level");

    let want = [
        (27, "modem gone"),              // daemon.err = 3*8+3
        (28, "signal lost"),             // daemon.warning
        (30, "registered on two lines"), // daemon.info, one line
    ];
    for (pri, msg) in want {
        let got = line(&rx).expect("a datagram per record");
        let (p, ts, rest) = split(&got);
        assert_eq!(p, pri, "{got}");
        // Mmm dd hh:mm:ss, then the space logd and busybox syslogd look for at [15]
        let b = ts.as_bytes();
        assert!(
            b[0].is_ascii_uppercase() && b[3] == b' ' && b[6] == b' ',
            "{got}"
        );
        assert!(b[9] == b':' && b[12] == b':', "{got}");
        assert_eq!(rest, format!("{tag}{msg}"));
    }
    assert_eq!(line(&rx), None, "debug filtered out at info level");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn syslog_restart_is_survived() {
    let (rx, path) = fake_dev_log("restart");
    let l = Logger::syslog(&path, INFO);
    drop(rx);
    let _ = std::fs::remove_file(&path);
    // logd comes back on the same path
    let rx = UnixDatagram::bind(&path).unwrap();
    rx.set_nonblocking(true).unwrap();
    emit(&l, INFO, "after restart");
    let got = line(&rx).expect("reconnected");
    assert!(got.ends_with("]: after restart"), "{got}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn no_dev_log_means_stderr() {
    let path = std::env::temp_dir().join(format!("umodem-log-{}-absent", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let l = Logger::syslog(&path, INFO);
    assert!(!l.is_syslog());
    emit(&l, INFO, "to stderr, no panic");
}
