//! The command line: `keyward <noun> <verb> [options]`, one file per verb.
//!
//! Exit codes, the same for every command:
//! - 0: the command did what was asked (for `key inspect`: the key would be accepted);
//! - 1: a refusal (for `key inspect`: the key would be refused; the reason is printed);
//! - 2: a usage error: bad arguments (clap), or an input that cannot be read.
//!
//! Passwords are read from a prompt without echo or from a file, never from an argument.
//! `anyhow` is used here only, at the edge; errors print their whole chain.

mod key;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code of a usage error or unreadable input.
pub(crate) const EXIT_USAGE: u8 = 2;

/// Keyward: customer-managed encryption keys.
#[derive(Parser)]
#[command(name = "keyward", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Tenant keys: inspect key files.
    #[command(subcommand)]
    Key(key::KeyCommand),
}

/// Parses the arguments, runs the command and returns the exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Key(command) => key::run(command),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("keyward: error: {error:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
