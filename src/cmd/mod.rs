//! Subcommands: one file each, one plain function each, one table.
//!
//! To add a command: write `src/cmd/NAME.rs` with `pub fn run(args: Args) -> Result<()>`
//! and add a row to `COMMANDS`. Help text lives next to the row.

use crate::cli::Args;
use crate::error::Result;
use crate::out::Out;

pub mod at;
pub mod connect;
pub mod daemon;
pub mod info;
pub mod ports;
pub mod prepare;
#[cfg(feature = "sms")]
pub mod sms;

pub mod db;
pub mod list;
pub mod switch;

pub struct Command {
    pub name: &'static str,
    pub run: fn(Args) -> Result<()>,
    /// One line for `umodem --help`.
    pub help: &'static str,
    /// Usage shown by `umodem NAME --help`.
    pub usage: &'static str,
}

pub const COMMANDS: &[Command] = &[
    Command {
        name: "daemon",
        run: daemon::run,
        help: "ubus object umodem (status, info, connect, disconnect) and umodem.* events",
        usage: "daemon [--interval S] [--log-level LEVEL] [--stderr] [--socket PATH] [--sysfs DIR]",
    },
    Command {
        name: "ports",
        run: ports::run,
        help: "list USB modems, their ttys and roles (control/modem)",
        usage: "ports [--json] [--sysfs DIR] [--no-probe]",
    },
    Command {
        name: "info",
        run: info::run,
        help: "identity, SIM, signal, registration and operator of a modem",
        usage: "info [--port TTY] [--json] [--sysfs DIR]",
    },
    Command {
        name: "prepare",
        run: prepare::run,
        help: "check the SIM, enter the PIN (env UMODEM_PIN) when safe, set the service mode",
        usage: "prepare [--port TTY] [--service auto|umts_only|gprs_only|umts_first|gprs_first] [--state-dir DIR] [--sysfs DIR]",
    },
    Command {
        name: "connect",
        run: connect::run,
        help: "pppd's connect step: AT on stdin/stdout, APN (env UMODEM_APN), dial, wait for CONNECT",
        usage: "connect [--apn APN] [--dial NUMBER] [--timeout S]",
    },
    Command {
        name: "at",
        run: at::run,
        help: "send AT commands (one a line on stdin) to the modem's control port, print the answers",
        usage: "at [--port TTY] [--timeout S] [--sysfs DIR]\n\n\
                Commands come from stdin, never argv (one may hold a password); the first\n\
                that does not end in OK ends the run (exit 17; 10: the port went away).",
    },
    #[cfg(feature = "sms")]
    Command {
        name: "sms",
        run: sms::run,
        help: "text messages: list, read, send (number and text on stdin), delete",
        usage: "sms list|read ID|send|delete ID...|delete all [--json] [--port TTY] [--sysfs DIR]\n\n\
                send reads the number on the first line of stdin and the text after it.\n\
                Ids: SIM messages by index, modem memory from 1000. Reading marks unread\n\
                messages read (the output shows the state from before).",
    },
    #[cfg(feature = "sms")]
    Command {
        name: "ussd",
        run: sms::run_ussd,
        help: "USSD: send a code (*100#) or a menu reply, show the network's answer",
        usage: "ussd CODE|-|--cancel [--json] [--port TTY] [--sysfs DIR]\n\n\
                - reads the code from stdin (top-up vouchers). An answer with open=true is a\n\
                menu: reply with umodem ussd REPLY, or end it with --cancel.",
    },
    Command {
        name: "list",
        run: list::run,
        help: "USB devices: storage mode (switchable), modem mode (with ports), unknown",
        usage: "list [--json] [--db FILE]",
    },
    Command {
        name: "switch",
        run: switch::run,
        help: "switch USB sticks from storage (CD-ROM) mode to modem mode",
        usage: "switch [--port-path P [--bus N] | --device VID:PID] [--timeout S] [--no-bind] [--json] [--db FILE]",
    },
    Command {
        name: "db",
        run: db::run,
        help: "mode-switch database: what is known about a device id",
        usage: "db lookup VID:PID [--json] [--db FILE]",
    },
];

/// Commands of the umodem-full package (the `sms` feature), and what the
/// basic build says when one is asked for (exit 2, as for an unknown command).
pub const FULL_ONLY: [&str; 2] = ["sms", "ussd"];
pub const FULL_HINT: &str = "text messages and USSD are in the umodem-full package: \
     opkg install umodem-full (OpenWrt 24.10) or apk add umodem-full (25.12)";

pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// Print a command's result: JSON with `--json`, key=value otherwise.
pub fn print(out: &Out, json: bool) -> Result<()> {
    let mut s = if json { out.to_json() } else { out.to_text() };
    if json {
        s.push('\n');
    }
    crate::hw::file::write_fd(1, s.as_bytes())
        .map_err(|e| crate::error::Error::io("writing output", &e))
}
