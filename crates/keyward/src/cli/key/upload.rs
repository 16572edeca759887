//! `keyward key upload TENANT REGION FILE`: a PKCS#12 (with its password) or `.byok`
//! file made for this tenant-region's key exchange key (K1-K3).

use std::path::PathBuf;

use clap::Args;

use super::{send_key_file, RegionArgs, KEY_COLUMNS};
use crate::cli::client::Api;
use crate::cli::output::show;

/// `keyward key upload`.
#[derive(Args)]
pub struct UploadArgs {
    #[command(flatten)]
    region: RegionArgs,
    /// The key file: PKCS#12 (.pfx/.p12) or .byok.
    file: PathBuf,
    /// The PKCS#12 password, from a file (else prompted for without echo).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Acknowledge the self-managed-key risk without a prompt (K8).
    #[arg(long)]
    yes: bool,
}

/// Uploads the key.
pub fn run(api: &Api, args: UploadArgs) -> anyhow::Result<()> {
    let path = format!("{}/keys/upload", args.region.path());
    let pw = args.password_file.as_deref();
    let key = send_key_file(api, &path, &args.file, pw, args.yes, "uploading a key")?;
    show(api.json, &key, KEY_COLUMNS);
    Ok(())
}
