//! `keyward key unlock TENANT REGION FILE`: U1. The same key that was locked, uploaded
//! again; the server re-installs it. Environments are unlocked afterwards, one by one,
//! with `keyward env unlock`.

use std::path::PathBuf;

use clap::Args;

use super::{password_for_upload, read_key_file, KeyFileBody, RegionArgs};
use crate::cli::client::Api;
use crate::cli::{job, prompt};

/// `keyward key unlock`.
#[derive(Args)]
pub struct UnlockArgs {
    #[command(flatten)]
    region: RegionArgs,
    /// The locked key's file: PKCS#12 or .byok.
    file: PathBuf,
    /// The PKCS#12 password, from a file (else prompted for without echo).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Acknowledge the self-managed-key risk without a prompt (K8).
    #[arg(long)]
    yes: bool,
    /// Return at once with the job instead of waiting for it.
    #[arg(long)]
    no_wait: bool,
}

/// Uploads the key again and waits for it to be active.
pub fn run(api: &Api, args: UnlockArgs) -> anyhow::Result<()> {
    let file = read_key_file(&args.file)?;
    let password = password_for_upload(&file, args.password_file.as_deref())?;
    if !prompt::acknowledge_risk(args.yes, "unlocking a key")? {
        return Err(crate::cli::Failed("not confirmed; nothing was unlocked".into()).into());
    }
    let body = KeyFileBody::new(&file, password.as_deref().map(String::as_str), None);
    let job = api.post_secret(&format!("{}/keys/unlock", args.region.path()), &body)?;
    job::finish(api, job, !args.no_wait)
}
