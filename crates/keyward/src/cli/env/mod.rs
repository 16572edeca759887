//! `keyward env <verb>`: environments — their lifecycle, protector, database operations
//! and data.

mod data;
mod database;

use clap::{Args, Subcommand};
use keyward_domain::model::EnvironmentType;
use serde_json::json;

use super::client::{segment, Api};
use super::key::RegionArgs;
use super::output::show;
use super::{job, prompt};

/// Columns shown for an environment.
const ENV_COLUMNS: &[&str] = &[
    "id",
    "name",
    "env_type",
    "storage",
    "protector.kind",
    "protector.key",
    "status.status",
];

/// The verbs of `keyward env`.
#[derive(Subcommand)]
pub enum EnvCommand {
    /// Create an environment, protected by the platform key (E2).
    Create(CreateArgs),
    /// List a tenant-region's environments.
    List(RegionArgs),
    /// Show one environment.
    Show(EnvArgs),
    /// Delete an environment, locked or not, with its backups (D5).
    Delete(ConfirmArgs),
    /// Move an environment onto the tenant's active key (E3); it is offline meanwhile.
    ApplyKey(WaitArgs),
    /// Return an environment to the platform key (E4).
    ReturnKey(ReturnArgs),
    /// Bring a locked environment back online once its key is unlocked (U2).
    Unlock(EnvArgs),
    /// Take a backup (D1).
    Backup(EnvArgs),
    /// List an environment's backups.
    Backups(EnvArgs),
    /// Restore a backup into this environment (D2).
    Restore(database::RestoreArgs),
    /// Copy another environment's data over this one (D3).
    Copy(database::CopyArgs),
    /// Delete the data and backups; the environment returns to the platform key (D4).
    Reset(ConfirmArgs),
    /// Run one SQL statement.
    Sql(data::SqlArgs),
    /// Store, fetch, list and delete files.
    #[command(subcommand)]
    File(data::FileCommand),
    /// Import CSV rows into a table.
    Csv(data::CsvArgs),
}

/// `keyward env create`.
#[derive(Args)]
pub struct CreateArgs {
    #[command(flatten)]
    region: RegionArgs,
    /// A display name.
    #[arg(long)]
    name: String,
    /// The environment's type.
    #[arg(long = "type", default_value = "sandbox", value_parser = env_types())]
    env_type: String,
}

/// The SPEC's environment types, so clap refuses a typo before any request (exit 2).
fn env_types() -> clap::builder::PossibleValuesParser {
    let names = EnvironmentType::ALL.map(EnvironmentType::as_str);
    clap::builder::PossibleValuesParser::new(names)
}

/// An environment by id.
#[derive(Args)]
pub struct EnvArgs {
    /// The environment's id.
    pub env: String,
}

/// An environment and a confirmation for a destructive verb.
#[derive(Args)]
pub struct ConfirmArgs {
    /// The environment's id.
    env: String,
    /// Do it without asking.
    #[arg(long)]
    yes: bool,
}

/// An environment and whether to wait for the job.
#[derive(Args)]
pub struct WaitArgs {
    /// The environment's id.
    env: String,
    /// Return at once with the job instead of waiting for it.
    #[arg(long)]
    no_wait: bool,
}

/// `keyward env return-key`.
#[derive(Args)]
pub struct ReturnArgs {
    /// The environment's id.
    env: String,
    /// For a production environment: its name, typed to confirm (E4).
    #[arg(long)]
    confirm_name: Option<String>,
    /// Return at once with the job instead of waiting for it.
    #[arg(long)]
    no_wait: bool,
}

/// The API path of an environment.
pub fn env_path(env: &str) -> String {
    format!("/environments/{}", segment(env))
}

/// Runs one `keyward env` command.
pub fn run(api: &Api, command: EnvCommand) -> anyhow::Result<()> {
    let value = match command {
        EnvCommand::Create(a) => api.post(
            &format!("{}/environments", a.region.path()),
            &json!({"name": a.name, "type": a.env_type}),
        )?,
        EnvCommand::List(a) => api.get(&format!("{}/environments", a.path()))?,
        EnvCommand::Show(a) => api.get(&env_path(&a.env))?,
        EnvCommand::Delete(a) => {
            confirm(
                a.yes,
                &format!("delete environment {} and all its backups", a.env),
            )?;
            api.delete(&env_path(&a.env))?
        }
        EnvCommand::ApplyKey(a) => {
            let job = api.post(&format!("{}/apply-key", env_path(&a.env)), &json!({}))?;
            return job::finish(api, job, !a.no_wait);
        }
        EnvCommand::ReturnKey(a) => {
            let body = json!({"confirm_name": a.confirm_name});
            let job = api.post(&format!("{}/return-key", env_path(&a.env)), &body)?;
            return job::finish(api, job, !a.no_wait);
        }
        EnvCommand::Unlock(a) => api.post(&format!("{}/unlock", env_path(&a.env)), &json!({}))?,
        EnvCommand::Backup(a) => {
            let backup = api.post(&format!("{}/backups", env_path(&a.env)), &json!({}))?;
            show(api.json, &backup, database::BACKUP_COLUMNS);
            return Ok(());
        }
        EnvCommand::Backups(a) => {
            let backups = api.get(&format!("{}/backups", env_path(&a.env)))?;
            show(api.json, &backups, database::BACKUP_COLUMNS);
            return Ok(());
        }
        EnvCommand::Restore(a) => return database::restore(api, a),
        EnvCommand::Copy(a) => return database::copy(api, a),
        EnvCommand::Reset(a) => {
            confirm(
                a.yes,
                &format!("delete every row, file and backup of {}", a.env),
            )?;
            api.post(&format!("{}/reset", env_path(&a.env)), &json!({}))?
        }
        EnvCommand::Sql(a) => return data::sql(api, a),
        EnvCommand::File(c) => return data::file(api, c),
        EnvCommand::Csv(a) => return data::csv(api, a),
    };
    show(api.json, &value, ENV_COLUMNS);
    Ok(())
}

/// Asks before a destructive step unless `--yes`.
fn confirm(yes: bool, what: &str) -> anyhow::Result<()> {
    if yes || prompt::ask(&format!("This will {what}. Type 'yes' to continue: "))? == "yes" {
        return Ok(());
    }
    Err(crate::cli::Failed("not confirmed; nothing was changed".into()).into())
}
