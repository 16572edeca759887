//! `keyward env sql|file|csv`: the data of an online environment.
//!
//! Files and CSV are streamed from and to disk, never read whole into memory.

use std::fs::File;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{json, Value};

use super::env_path;
use crate::cli::client::{segment, Api};
use crate::cli::output::show;

/// `keyward env sql`.
#[derive(Args)]
pub struct SqlArgs {
    /// The environment.
    env: String,
    /// One SQL statement; use ? placeholders for values.
    sql: String,
    /// A parameter as JSON (e.g. 42, "text", null); repeat in placeholder order. Plain
    /// words that are not JSON are taken as text.
    #[arg(long = "param", value_name = "VALUE")]
    params: Vec<String>,
}

/// The verbs of `keyward env file`.
#[derive(Subcommand)]
pub enum FileCommand {
    /// Store a file (replacing one of the same name).
    Put(FilePutArgs),
    /// Fetch a file.
    Get(FileGetArgs),
    /// List the stored files.
    List(super::EnvArgs),
    /// Delete a stored file.
    Delete(FileNameArgs),
}

/// `keyward env file put`.
#[derive(Args)]
pub struct FilePutArgs {
    /// The environment.
    env: String,
    /// The file's name in the environment.
    name: String,
    /// The local file to send.
    #[arg(long = "from", value_name = "PATH")]
    from: PathBuf,
}

/// `keyward env file get`.
#[derive(Args)]
pub struct FileGetArgs {
    /// The environment.
    env: String,
    /// The file's name in the environment.
    name: String,
    /// Where to write it (`-` for standard output); must not exist.
    #[arg(long = "out", visible_alias = "to", value_name = "PATH")]
    to: PathBuf,
}

/// An environment and a file name.
#[derive(Args)]
pub struct FileNameArgs {
    /// The environment.
    env: String,
    /// The file's name in the environment.
    name: String,
}

/// `keyward env csv`.
#[derive(Args)]
pub struct CsvArgs {
    /// The environment.
    env: String,
    /// The table to import into.
    table: String,
    /// The CSV file.
    #[arg(long = "from", value_name = "PATH")]
    from: PathBuf,
    /// The first line names the columns.
    #[arg(long)]
    header: bool,
    /// Create the table (TEXT columns named by the header) if it does not exist.
    #[arg(long)]
    create: bool,
}

/// Runs one statement and shows the rows.
pub fn sql(api: &Api, args: SqlArgs) -> anyhow::Result<()> {
    let params: Vec<Value> = args
        .params
        .iter()
        .map(|p| serde_json::from_str(p).unwrap_or_else(|_| Value::String(p.clone())))
        .collect();
    let body = json!({"sql": args.sql, "params": params});
    let result = api.post(&format!("{}/sql", env_path(&args.env)), &body)?;
    if api.json {
        show(true, &result, &[]);
    } else {
        print_rows(&result);
    }
    Ok(())
}

/// Prints a query result as a table keyed by its own columns.
fn print_rows(result: &Value) {
    let columns: Vec<&str> = result["columns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if columns.is_empty() {
        println!("{} row(s) affected", result["rows_affected"]);
        return;
    }
    let rows: Vec<Value> = result["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            let cells = row.as_array().cloned().unwrap_or_default();
            Value::Object(columns.iter().map(|c| c.to_string()).zip(cells).collect())
        })
        .collect();
    show(false, &Value::Array(rows), &columns);
}

/// Runs one `keyward env file` command.
pub fn file(api: &Api, command: FileCommand) -> anyhow::Result<()> {
    let files = |env: &str| format!("{}/files", env_path(env));
    match command {
        FileCommand::Put(a) => {
            let local =
                File::open(&a.from).with_context(|| format!("cannot open {}", a.from.display()))?;
            let meta = api.upload(
                Method::PUT,
                &format!("{}/{}", files(&a.env), segment(&a.name)),
                local,
            )?;
            show(api.json, &meta, &["name", "size", "sha256"]);
        }
        FileCommand::Get(a) => {
            let path = format!("{}/{}", files(&a.env), segment(&a.name));
            if a.to.as_os_str() == "-" {
                api.download(&path, &mut std::io::stdout().lock())?;
            } else {
                let written = download_to(api, &path, &a.to)?;
                eprintln!("wrote {written} bytes to {}", a.to.display());
            }
        }
        FileCommand::List(a) => show(
            api.json,
            &api.get(&files(&a.env))?,
            &["name", "size", "sha256"],
        ),
        FileCommand::Delete(a) => {
            api.delete(&format!("{}/{}", files(&a.env), segment(&a.name)))?;
        }
    }
    Ok(())
}

/// Downloads into a temporary file beside `to` and renames it into place only when the
/// whole file arrived, so a refusal or a broken transfer leaves nothing behind.
fn download_to(api: &Api, path: &str, to: &std::path::Path) -> anyhow::Result<u64> {
    if to.exists() {
        anyhow::bail!(
            "{} exists; choose another --out so nothing is overwritten",
            to.display()
        );
    }
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = to.with_file_name(format!(".{name}.partial"));
    let mut out =
        File::create(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    let result = api.download(path, &mut out).and_then(|written| {
        out.sync_all()?;
        std::fs::rename(&partial, to)?;
        Ok(written)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Streams a CSV file into a table.
pub fn csv(api: &Api, args: CsvArgs) -> anyhow::Result<()> {
    let local =
        File::open(&args.from).with_context(|| format!("cannot open {}", args.from.display()))?;
    let path = format!(
        "{}/csv/{}?header={}&create={}",
        env_path(&args.env),
        segment(&args.table),
        args.header,
        args.create
    );
    let summary = api.upload(Method::POST, &path, local)?;
    show(api.json, &summary, &["rows_imported", "columns"]);
    Ok(())
}
