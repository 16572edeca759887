//! `keyward serve`: runs the Keyward server on a data directory until SIGINT or SIGTERM.
//!
//! Settings come from flags, then `KEYWARD_*` environment variables, then the TOML file of
//! `--config` (or `KEYWARD_CONFIG`), then defaults; `keyward_service::config` documents
//! every one. The first start writes an operator token to `<data-dir>/operator.token`
//! (mode 0600) and prints that path, never the token.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use keyward_service::{ServiceConfig, Settings};

/// Options of `keyward serve`; each overrides its environment variable and file key.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// TOML configuration file (also `KEYWARD_CONFIG`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory: metadata store, vault, environments (default `./keyward-data`).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Address to listen on, IP:port (default 127.0.0.1:7443; port 0 picks a free one).
    #[arg(long, value_name = "IP:PORT")]
    listen: Option<String>,
    /// PEM certificate chain: serve TLS (needs --tls-key).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address. Tokens and key files then cross the
    /// network unencrypted: use only behind a TLS-terminating proxy on a trusted network.
    #[arg(long)]
    insecure_allow_plaintext: bool,
    /// Seconds between retention purges (L7; default 3600).
    #[arg(long, value_name = "SECONDS")]
    retention_interval_seconds: Option<u64>,
    /// Seconds a shutdown waits for requests, then for running jobs (default 30).
    #[arg(long, value_name = "SECONDS")]
    shutdown_grace_seconds: Option<u64>,
    /// Log filter, e.g. `info` or `info,keyward_engine=debug` (default info).
    #[arg(long, value_name = "FILTER")]
    log: Option<String>,
}

/// Resolves the settings and serves until stopped.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let flags = Settings {
        data_dir: args.data_dir,
        listen: args.listen,
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
        insecure_allow_plaintext: args.insecure_allow_plaintext.then_some(true),
        retention_interval_seconds: args.retention_interval_seconds,
        shutdown_grace_seconds: args.shutdown_grace_seconds,
        log: args.log,
        ..Settings::default()
    };
    let config = ServiceConfig::load(args.config.as_deref(), flags)?;
    keyward_service::init_logging(&config.log).map_err(anyhow::Error::msg)?;
    keyward_service::run(config).context("the server stopped with an error")?;
    Ok(ExitCode::SUCCESS)
}
