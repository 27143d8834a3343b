//! Subcommands: one file each, one plain function each, one table.
//!
//! To add a command: write `src/cmd/NAME.rs` with `pub fn run(args: Args) -> Result<()>`
//! and add a row to `COMMANDS`. Help text lives next to the row.

use crate::cli::Args;
use crate::error::Result;

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

pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}
