//! `keyward key <verb>`: commands about tenant keys.

mod inspect;

use std::process::ExitCode;

use clap::Subcommand;

/// The verbs of `keyward key`.
#[derive(Subcommand)]
pub enum KeyCommand {
    /// Check a PKCS#12 or .byok key file against the key rules, without storing anything.
    Inspect(inspect::InspectArgs),
}

/// Runs one `keyward key` command.
pub fn run(command: KeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeyCommand::Inspect(args) => inspect::run(args),
    }
}
