//! `keyward key activate TENANT REGION KEY`: A1, A2. The key becomes active once every
//! environment and backup of the region is re-wrapped onto it; they stay online.

use clap::Args;
use serde_json::json;

use super::RegionArgs;
use crate::cli::client::{segment, Api};
use crate::cli::{job, prompt};

/// `keyward key activate`.
#[derive(Args)]
pub struct ActivateArgs {
    #[command(flatten)]
    region: RegionArgs,
    /// The key's id (see `keyward key list`).
    key: String,
    /// Acknowledge the self-managed-key risk without a prompt (K8).
    #[arg(long)]
    yes: bool,
    /// Return at once with the job instead of waiting for it.
    #[arg(long)]
    no_wait: bool,
}

/// Starts the activation and waits for it.
pub fn run(api: &Api, args: ActivateArgs) -> anyhow::Result<()> {
    if !prompt::acknowledge_risk(args.yes, "activating a key")? {
        return Err(crate::cli::Failed("not confirmed; nothing was activated".into()).into());
    }
    let path = format!(
        "{}/keys/{}/activate",
        args.region.path(),
        segment(&args.key)
    );
    let job = api.post(&path, &json!({"acknowledge_risk": true}))?;
    job::finish(api, job, !args.no_wait)
}
