//! `keyward key list TENANT REGION` and `keyward key kek TENANT REGION`.

use std::path::PathBuf;

use clap::Args;

use super::{RegionArgs, KEY_COLUMNS};
use crate::cli::client::Api;
use crate::cli::output::show;

/// Lists the keys of a tenant-region.
pub fn run(api: &Api, args: &RegionArgs) -> anyhow::Result<()> {
    show(
        api.json,
        &api.get(&format!("{}/keys", args.path()))?,
        KEY_COLUMNS,
    );
    Ok(())
}

/// `keyward key kek`.
#[derive(Args)]
pub struct KekArgs {
    #[command(flatten)]
    region: RegionArgs,
    /// Also write the public key PEM to this file, for the HSM's BYOK tool.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Shows the key exchange key's id and public key.
pub fn kek(api: &Api, args: KekArgs) -> anyhow::Result<()> {
    let kek = api.get(&format!("{}/kek", args.region.path()))?;
    if let Some(path) = &args.out {
        std::fs::write(path, kek["public_pem"].as_str().unwrap_or_default())?;
    }
    show(api.json, &kek, &["kid", "created_at", "public_pem"]);
    Ok(())
}
