//! `keyward tenant <verb>`: tenants, their feature switch, and locking a tenant-region.

mod lock;

use clap::{Args, Subcommand};
use serde_json::json;

use super::client::{segment, Api};
use super::output::show;

/// Columns shown for a tenant.
const TENANT_COLUMNS: &[&str] = &["id", "name", "regions", "feature_enabled_at"];

/// The verbs of `keyward tenant`.
#[derive(Subcommand)]
pub enum TenantCommand {
    /// Create a tenant (operator).
    Create(CreateArgs),
    /// List tenants (operator).
    List,
    /// Show one tenant.
    Show(TenantArgs),
    /// Turn the self-managed-key feature on for a tenant (operator).
    EnableFeature(TenantArgs),
    /// Issue the confirmation text a lock of a tenant-region needs (L1), for scripts.
    LockConfirmation(super::key::RegionArgs),
    /// Lock a tenant-region with its active key (L1): nobody can read its
    /// tenant-protected environments until the same key is presented again.
    Lock(lock::LockArgs),
}

/// `keyward tenant create`.
#[derive(Args)]
pub struct CreateArgs {
    /// The tenant's id (a-z, 0-9, '-').
    id: String,
    /// A display name.
    #[arg(long)]
    name: String,
    /// A region of the tenant; repeat for several.
    #[arg(long = "region", required = true)]
    regions: Vec<String>,
}

/// A tenant by id.
#[derive(Args)]
pub struct TenantArgs {
    /// The tenant's id.
    id: String,
}

/// Runs one `keyward tenant` command.
pub fn run(api: &Api, command: TenantCommand) -> anyhow::Result<()> {
    let value = match command {
        TenantCommand::Create(a) => api.post(
            "/tenants",
            &json!({"id": a.id, "name": a.name, "regions": a.regions}),
        )?,
        TenantCommand::List => api.get("/tenants")?,
        TenantCommand::Show(a) => api.get(&format!("/tenants/{}", segment(&a.id)))?,
        TenantCommand::EnableFeature(a) => {
            api.post(&format!("/tenants/{}/feature", segment(&a.id)), &json!({}))?
        }
        TenantCommand::Lock(a) => return lock::run(api, a),
        TenantCommand::LockConfirmation(a) => {
            let text = lock::issue(api, &a.path())?;
            if api.json {
                println!("{}", json!({ "confirmation": text }));
            } else {
                println!("{text}");
            }
            return Ok(());
        }
    };
    show(api.json, &value, TENANT_COLUMNS);
    Ok(())
}
