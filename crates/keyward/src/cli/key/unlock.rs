//! `keyward key unlock TENANT REGION FILE`: U1. The same key that was locked, uploaded
//! again; the server re-installs it. Environments are unlocked afterwards, one by one,
//! with `keyward env unlock`.

use std::path::PathBuf;

use clap::Args;

use super::{send_key_file, RegionArgs};
use crate::cli::client::Api;
use crate::cli::job;

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
    let path = format!("{}/keys/unlock", args.region.path());
    let pw = args.password_file.as_deref();
    let job = send_key_file(api, &path, &args.file, pw, args.yes, "unlocking a key")?;
    job::finish(api, job, !args.no_wait)
}
