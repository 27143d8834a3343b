//! umodem: one multi-call binary. `umodem COMMAND [ARGS]`; see `umodem --help`.
//!
//! `no_main`: the C `main` below is the entry, not std's runtime start. That start
//! (stack-overflow handler, main-thread record, exit-time stdout flush, `env::args`)
//! weighs ~3 KB on mips and we use none of it; what we need of it is done here:
//! SIGPIPE ignored (a closed socket is an error value, not death) and fds 0-2 kept
//! open (so a file we open never becomes "stdout").
#![no_main]

use std::ffi::{c_char, c_int, CStr};

use umodem::cli::Args;
use umodem::cmd::{find, COMMANDS};
use umodem::hw::file;
use umodem::logger;

fn help() -> String {
    let mut s = String::from(concat!(
        "umodem ",
        env!("CARGO_PKG_VERSION"),
        ": USB 3G/LTE modems on OpenWrt\n\n\
         usage: umodem COMMAND [ARGS]    (umodem COMMAND --help for more)\n\ncommands:\n"
    ));
    for c in COMMANDS {
        s.push_str("  ");
        s.push_str(c.name);
        for _ in c.name.len()..11 {
            s.push(' ');
        }
        s.push_str(c.help);
        s.push('\n');
    }
    s.push_str(
        "\noptions:\n  --help     this text\n  --version  print the version\n\n\
         every command also takes:\n  --log-level error|warn|info|debug|off  what goes to syslog \
         (default info; warn on a terminal)\n  --stderr   log to stderr instead of syslog\n",
    );
    s
}

fn print(s: &str) -> c_int {
    // A closed stdout (e.g. `umodem --help | head -1`) is not worth a panic.
    let _ = file::write_fd(1, s.as_bytes());
    0
}

fn fail(msg: &str, code: u8) -> c_int {
    let _ = file::write_fd(2, format!("umodem: {msg}\n").as_bytes());
    code.into()
}

/// The process entry (see the module docs).
#[no_mangle]
extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    let mut words = Vec::new();
    // SAFETY: plain libc calls; argv holds argc C strings (C's contract), and we
    // stop at a null one anyway.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        for fd in 0..3 {
            if libc::fcntl(fd, libc::F_GETFD) < 0 {
                libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            }
        }
        for i in 1..usize::try_from(argc).unwrap_or(0) {
            let p = *argv.add(i);
            if p.is_null() {
                break;
            }
            words.push(String::from_utf8_lossy(CStr::from_ptr(p).to_bytes()).into_owned());
        }
    }
    if words.is_empty() {
        return fail("no command given (try umodem --help)", 2);
    }
    let first = words.remove(0);
    match first.as_str() {
        "--help" | "-h" | "help" => return print(&help()),
        "--version" | "-V" => return print(concat!("umodem ", env!("CARGO_PKG_VERSION"), "\n")),
        _ => {}
    }
    let cmd = match find(&first) {
        Some(c) => c,
        #[cfg(not(feature = "sms"))]
        None if umodem::cmd::FULL_ONLY.contains(&first.as_str()) => {
            return fail(&format!("{first}: {}", umodem::cmd::FULL_HINT), 2)
        }
        None => return fail(&format!("unknown command '{first}' (try umodem --help)"), 2),
    };
    let mut args = Args::from_vec(words);
    if args.flag("--help") || args.flag("-h") {
        return print(&format!("usage: umodem {}\n\n{}\n", cmd.usage, cmd.help));
    }
    // Logging, once for every command: what prepare decides when netifd runs it
    // must reach logread as much as what the daemon does.
    if let Err(e) = logger::from_args(&mut args) {
        return fail(e.msg(), e.exit_code());
    }
    match (cmd.run)(args) {
        Ok(()) => 0,
        Err(e) => fail(e.msg(), e.exit_code()),
    }
}
