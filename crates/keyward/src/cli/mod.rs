//! The command line: `keyward <noun> <verb> [options]`, one file per verb or small group.
//!
//! `keyward serve` runs the server; every other noun is a client of it (`--url`, token
//! from `KEYWARD_TOKEN` or `--token-file`), except `key inspect`, which works offline.
//!
//! Exit codes, the same for every command:
//! - 0: the command did what was asked (for `key inspect`: the key would be accepted);
//! - 1: Keyward refused or the operation failed (the reason, code and rule are printed);
//! - 2: a usage error: bad arguments (clap), or an input that cannot be read;
//! - 3: the server could not be reached or failed internally.
//!
//! Passwords are read from a prompt without echo or from a file, never from an argument.
//! `anyhow` is used here only, at the edge; errors print their whole chain.

mod admin;
mod client;
mod env;
mod job;
mod key;
mod output;
mod prompt;
mod serve;
mod tenant;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use client::{Api, ClientArgs, Refused, Unreachable};

/// Exit code of a refusal or failed operation.
pub(crate) const EXIT_REFUSED: u8 = 1;
/// Exit code of a usage error or unreadable input.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code when the server cannot be reached or fails internally.
pub(crate) const EXIT_SERVER: u8 = 3;

/// Keyward: customer-managed encryption keys for a multi-tenant data platform.
#[derive(Parser)]
#[command(name = "keyward", version, about)]
struct Cli {
    #[command(flatten)]
    client: ClientArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Keyward server on a data directory.
    Serve(serve::ServeArgs),
    /// Tenants: create, enable the self-managed-key feature, lock a region.
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
    /// Tenant keys: inspect files offline; generate, upload, activate, unlock.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Environments: create, apply or return the key, unlock, backups, data.
    #[command(subcommand)]
    Env(env::EnvCommand),
    /// Long-running jobs: show or wait for one.
    #[command(subcommand)]
    Job(job::JobCommand),
    /// The audit log: list events, verify the chain.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
    /// API tokens: issue, list, revoke.
    #[command(subcommand)]
    Token(admin::TokenCommand),
}

/// Parses the arguments, runs the command and returns the exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.client.json;
    let outcome = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Key(command) => key::run(command, &cli.client),
        Command::Tenant(c) => online(&cli.client, |api| tenant::run(api, c)),
        Command::Env(c) => online(&cli.client, |api| env::run(api, c)),
        Command::Job(c) => online(&cli.client, |api| job::run(api, c)),
        Command::Audit(c) => online(&cli.client, |api| admin::audit(api, c)),
        Command::Token(c) => online(&cli.client, |api| admin::token(api, c)),
    };
    outcome.unwrap_or_else(|error| {
        report(&error, json);
        ExitCode::from(exit_code_of(&error))
    })
}

/// Prints an error for a person (stderr); with `--json`, a refusal from the server is also
/// printed as one JSON object on stdout, so scripts read refusals the same way as results.
/// Usage errors (exit 2) print nothing on stdout.
fn report(error: &anyhow::Error, json: bool) {
    eprintln!("keyward: error: {}", chain_message(error));
    if let (true, Some(refused)) = (json, error.downcast_ref::<Refused>()) {
        let value = serde_json::json!({
            "code": refused.code, "rule": refused.rule, "message": refused.message,
            "status": refused.status.as_u16(),
        });
        println!("{value}");
    }
}

/// The error and its causes, each cause added only when the text so far does not already
/// say it (many errors repeat their source in their own message).
fn chain_message(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// Runs a client command against the server.
fn online(
    client: &ClientArgs,
    command: impl FnOnce(&Api) -> anyhow::Result<()>,
) -> anyhow::Result<ExitCode> {
    command(&Api::new(client)?)?;
    Ok(ExitCode::SUCCESS)
}

/// Which documented exit code an error means.
fn exit_code_of(error: &anyhow::Error) -> u8 {
    if let Some(refused) = error.downcast_ref::<Refused>() {
        return if refused.status.is_server_error() {
            EXIT_SERVER
        } else {
            EXIT_REFUSED
        };
    }
    if error.downcast_ref::<Unreachable>().is_some() {
        return EXIT_SERVER;
    }
    if error.downcast_ref::<Failed>().is_some() {
        return EXIT_REFUSED;
    }
    EXIT_USAGE
}

/// An operation that ran and did not succeed (a failed job, a broken audit chain, a
/// confirmation not given): exit code 1.
#[derive(Debug)]
pub struct Failed(pub String);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failed {}
