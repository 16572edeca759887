//! `keyward env restore|copy`: D2 and D3.

use clap::Args;
use serde_json::json;

use super::env_path;
use crate::cli::client::Api;

/// Columns shown for a backup.
pub const BACKUP_COLUMNS: &[&str] = &[
    "id",
    "environment",
    "protector.kind",
    "protector.key",
    "created_at",
];

/// `keyward env restore`.
#[derive(Args)]
pub struct RestoreArgs {
    /// The environment to restore into.
    env: String,
    /// The backup to restore.
    #[arg(long)]
    backup: String,
}

/// `keyward env copy`.
#[derive(Args)]
pub struct CopyArgs {
    /// The environment to copy into (its data is replaced).
    env: String,
    /// The environment to copy from.
    #[arg(long = "from")]
    source: String,
}

/// Restores a backup.
pub fn restore(api: &Api, args: RestoreArgs) -> anyhow::Result<()> {
    api.post(
        &format!("{}/restore", env_path(&args.env)),
        &json!({"backup": args.backup}),
    )?;
    eprintln!("restored backup {} into {}", args.backup, args.env);
    Ok(())
}

/// Copies an environment over another.
pub fn copy(api: &Api, args: CopyArgs) -> anyhow::Result<()> {
    api.post(
        &format!("{}/copy", env_path(&args.env)),
        &json!({"source": args.source}),
    )?;
    eprintln!("copied {} into {}", args.source, args.env);
    Ok(())
}
