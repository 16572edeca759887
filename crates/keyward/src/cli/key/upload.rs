//! `keyward key upload TENANT REGION FILE`: a PKCS#12 (with its password) or `.byok`
//! file made for this tenant-region's key exchange key (K1-K3).

use std::path::PathBuf;

use clap::Args;

use super::{password_for_upload, read_key_file, KeyFileBody, RegionArgs, KEY_COLUMNS};
use crate::cli::client::Api;
use crate::cli::output::show;
use crate::cli::prompt;

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
    let file = read_key_file(&args.file)?;
    let password = password_for_upload(&file, args.password_file.as_deref())?;
    if !prompt::acknowledge_risk(args.yes, "uploading a key")? {
        return Err(crate::cli::Failed("not confirmed; no key was uploaded".into()).into());
    }
    let body = KeyFileBody::new(&file, password.as_deref().map(String::as_str), None);
    let key = api.post_secret(&format!("{}/keys/upload", args.region.path()), &body)?;
    show(api.json, &key, KEY_COLUMNS);
    Ok(())
}
