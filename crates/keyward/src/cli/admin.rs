//! `keyward audit list|verify` and `keyward token create|list|revoke`.

use clap::{Args, Subcommand};
use serde_json::json;

use super::client::{segment, Api};
use super::output::show;

/// The verbs of `keyward audit`.
#[derive(Subcommand)]
pub enum AuditCommand {
    /// List audit events (operators see all, tenant admins their tenant's).
    List(AuditListArgs),
    /// Check the audit chain and say where it breaks, if it does.
    Verify,
}

/// `keyward audit list`.
#[derive(Args)]
pub struct AuditListArgs {
    /// Only events after this sequence number.
    #[arg(long, default_value_t = 0)]
    after: u64,
    /// At most this many events.
    #[arg(long, default_value_t = 100)]
    limit: u32,
}

/// Runs one `keyward audit` command; a broken chain is an error (exit 1).
pub fn audit(api: &Api, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::List(a) => {
            let events = api.get(&format!("/audit?after={}&limit={}", a.after, a.limit))?;
            show(
                api.json,
                &events,
                &[
                    "seq",
                    "at",
                    "actor",
                    "action",
                    "target",
                    "outcome.outcome",
                    "outcome.code",
                ],
            );
        }
        AuditCommand::Verify => {
            let verdict = api.get("/audit/verify")?;
            show(
                api.json,
                &verdict,
                &["ok", "events", "head", "seq", "reason"],
            );
            if verdict["ok"] != true {
                return Err(crate::cli::Failed("the audit chain is broken".into()).into());
            }
        }
    }
    Ok(())
}

/// The verbs of `keyward token`.
#[derive(Subcommand)]
pub enum TokenCommand {
    /// Issue a token; it is shown once.
    Create(TokenCreateArgs),
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke(TokenIdArgs),
}

/// `keyward token create`.
#[derive(Args)]
pub struct TokenCreateArgs {
    /// Who will hold it (recorded in audit events), e.g. alice@contoso.
    #[arg(long)]
    label: String,
    /// operator, tenant_admin, environment_admin or environment_user.
    #[arg(long)]
    role: String,
    /// The tenant (for every role but operator).
    #[arg(long)]
    tenant: Option<String>,
    /// The environment (for environment roles).
    #[arg(long)]
    environment: Option<String>,
    /// Write the token to this new file (mode 0600) instead of printing it.
    #[arg(long, value_name = "FILE")]
    save: Option<std::path::PathBuf>,
}

/// A token by id.
#[derive(Args)]
pub struct TokenIdArgs {
    /// The token's id.
    id: String,
}

/// Runs one `keyward token` command.
pub fn token(api: &Api, command: TokenCommand) -> anyhow::Result<()> {
    let columns = &[
        "id",
        "label",
        "role.role",
        "role.tenant",
        "role.environment",
        "revoked_at",
    ];
    match command {
        TokenCommand::Create(a) => {
            let mut role = json!({"role": a.role});
            if let Some(t) = a.tenant {
                role["tenant"] = json!(t);
            }
            if let Some(e) = a.environment {
                role["environment"] = json!(e);
            }
            let mut issued = api.post("/tokens", &json!({"label": a.label, "role": role}))?;
            let columns = [
                "id",
                "label",
                "role.role",
                "role.tenant",
                "role.environment",
                "token",
            ];
            if let Some(path) = &a.save {
                save_token(path, issued["token"].as_str().unwrap_or_default())?;
                issued["token"] = json!(format!("saved to {}", path.display()));
                show(api.json, &issued, &columns);
            } else {
                show(api.json, &issued, &columns);
                if !api.json {
                    eprintln!("This is the only time the token is shown; store it safely.");
                }
            }
        }
        TokenCommand::List => show(api.json, &api.get("/tokens")?, columns),
        TokenCommand::Revoke(a) => {
            api.delete(&format!("/tokens/{}", segment(&a.id)))?;
        }
    }
    Ok(())
}

/// Writes a token to a new file only its owner can read.
fn save_token(path: &std::path::Path, token: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    writeln!(file, "{token}")?;
    file.sync_all()?;
    Ok(())
}
