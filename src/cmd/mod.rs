//! Subcommands: one file each, one plain function each, one table.
//!
//! To add a command: write `src/cmd/NAME.rs` with `pub fn run(args: Args) -> Result<()>`
//! and add a row to `COMMANDS`. Help text lives next to the row.

use crate::cli::Args;
use crate::error::Result;

pub struct Command {
    pub name: &'static str,
    pub run: fn(Args) -> Result<()>,
    /// One line for `umodem --help`.
    pub help: &'static str,
    /// Usage shown by `umodem NAME --help`.
    pub usage: &'static str,
}

pub const COMMANDS: &[Command] = &[];

pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}
