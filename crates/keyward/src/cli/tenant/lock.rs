//! `keyward tenant lock TENANT REGION --key-file F`: the last resort (L1–L3).
//!
//! Asks the server for a confirmation text, shows it, and has the admin type it back;
//! scripts get the text first with `keyward tenant lock-confirmation` and pass it with
//! `--confirmation`. Then it sends the active key's file with the confirmation and waits
//! for the lock job.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use serde_json::json;

use crate::cli::client::{segment, Api};
use crate::cli::{job, prompt};

/// `keyward tenant lock`.
#[derive(Args)]
pub struct LockArgs {
    /// The tenant.
    tenant: String,
    /// The region to lock.
    region: String,
    /// The active key's file: PKCS#12 or .byok.
    #[arg(long, value_name = "FILE")]
    key_file: PathBuf,
    /// The PKCS#12 password, from a file (else prompted for without echo).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// The text `keyward tenant lock-confirmation` issued (for scripts; else a new one is
    /// issued, shown and typed back).
    #[arg(long)]
    confirmation: Option<String>,
    /// Acknowledge the self-managed-key risk without a prompt (K8).
    #[arg(long)]
    yes: bool,
    /// Return at once with the job instead of waiting for it.
    #[arg(long)]
    no_wait: bool,
}

/// Runs the lock.
pub fn run(api: &Api, args: LockArgs) -> anyhow::Result<()> {
    let base = format!(
        "/tenants/{}/regions/{}",
        segment(&args.tenant),
        segment(&args.region)
    );
    let file = std::fs::read(&args.key_file)
        .with_context(|| format!("cannot read key file {}", args.key_file.display()))?;
    let password = crate::cli::key::password_for_upload(&file, args.password_file.as_deref())?;
    let typed = match args.confirmation {
        Some(given) => given,
        None => {
            let text = issue(api, &base)?;
            let region = format!("{}/{}", args.tenant, args.region);
            eprintln!("Locking takes every tenant-protected environment of {region} offline;");
            eprintln!("nobody can read them until this key is presented again.");
            eprintln!("To confirm, type exactly: {text}");
            let typed = prompt::ask("> ")?;
            if typed != text {
                let message = "the confirmation text differs; nothing was locked";
                return Err(crate::cli::Failed(message.into()).into());
            }
            typed
        }
    };
    if !prompt::acknowledge_risk(args.yes, "locking")? {
        return Err(crate::cli::Failed("not confirmed; nothing was locked".into()).into());
    }
    let body = crate::cli::key::KeyFileBody::new(
        &file,
        password.as_deref().map(String::as_str),
        Some(&typed),
    );
    let job = api.post_secret(&format!("{base}/lock"), &body)?;
    job::finish(api, job, !args.no_wait)
}

/// Asks the server to issue a lock confirmation text for the tenant-region at `base`.
pub fn issue(api: &Api, base: &str) -> anyhow::Result<String> {
    let issued = api.post(&format!("{base}/lock/confirmation"), &json!({}))?;
    Ok(issued["confirmation"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}
