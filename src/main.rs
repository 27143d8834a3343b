//! umodem: one multi-call binary. `umodem COMMAND [ARGS]`; see `umodem --help`.

use std::process::ExitCode;

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

fn print(s: &str) -> ExitCode {
    // A closed stdout (e.g. `umodem --help | head -1`) is not worth a panic.
    let _ = file::write_fd(1, s.as_bytes());
    ExitCode::SUCCESS
}

fn fail(msg: &str, code: u8) -> ExitCode {
    let _ = file::write_fd(2, format!("umodem: {msg}\n").as_bytes());
    ExitCode::from(code)
}

fn main() -> ExitCode {
    let mut words = std::env::args().skip(1);
    let first = match words.next() {
        None => return fail("no command given (try umodem --help)", 2),
        Some(w) => w,
    };
    match first.as_str() {
        "--help" | "-h" | "help" => return print(&help()),
        "--version" | "-V" => return print(concat!("umodem ", env!("CARGO_PKG_VERSION"), "\n")),
        _ => {}
    }
    let cmd = match find(&first) {
        Some(c) => c,
        None => return fail(&format!("unknown command '{first}' (try umodem --help)"), 2),
    };
    let mut args = Args::new(words);
    if args.flag("--help") || args.flag("-h") {
        return print(&format!("usage: umodem {}\n\n{}\n", cmd.usage, cmd.help));
    }
    // Logging, once for every command: what prepare decides when netifd runs it
    // must reach logread as much as what the daemon does.
    if let Err(e) = logger::from_args(&mut args) {
        return fail(e.msg(), e.exit_code());
    }
    match (cmd.run)(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e.msg(), e.exit_code()),
    }
}
