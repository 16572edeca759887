//! `keyward key <verb>`: tenant keys — inspect files offline, and generate, upload,
//! activate and unlock them on a server.

mod activate;
mod inspect;
mod list;
mod new;
mod unlock;
mod upload;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use base64::Engine as _;
use clap::{Args, Subcommand};
use keyward_keys::{detect_format, KeyFormat};
use serde::Serialize;
use zeroize::Zeroizing;

use super::client::{segment, Api, ClientArgs};
use super::prompt;

/// The verbs of `keyward key`.
#[derive(Subcommand)]
pub enum KeyCommand {
    /// Check a PKCS#12 or .byok key file against the key rules, without storing anything.
    Inspect(inspect::InspectArgs),
    /// Generate a new RSA-2048 key on the server and save it once as a PKCS#12 file (K4).
    New(new::NewArgs),
    /// Upload a PKCS#12 or .byok key file (K1-K3).
    Upload(upload::UploadArgs),
    /// Activate an available key: every environment is re-wrapped onto it (A1, A2).
    Activate(activate::ActivateArgs),
    /// After a lock, upload the same key again to re-install it (U1).
    Unlock(unlock::UnlockArgs),
    /// List a tenant-region's keys.
    List(RegionArgs),
    /// Save the tenant-region's key exchange key (public PEM) for making .byok files.
    Kek(list::KekArgs),
}

/// A tenant-region.
#[derive(Args)]
pub struct RegionArgs {
    /// The tenant.
    pub tenant: String,
    /// The region.
    pub region: String,
}

impl RegionArgs {
    /// The API path of this tenant-region.
    pub fn path(&self) -> String {
        format!(
            "/tenants/{}/regions/{}",
            segment(&self.tenant),
            segment(&self.region)
        )
    }
}

/// Columns shown for a key.
const KEY_COLUMNS: &[&str] = &[
    "id",
    "state",
    "origin",
    "fingerprint",
    "created_at",
    "activated_at",
];

/// Runs one `keyward key` command.
pub fn run(command: KeyCommand, client: &ClientArgs) -> anyhow::Result<ExitCode> {
    // Every verb but `inspect` talks to a server.
    let api = || Api::new(client);
    match command {
        KeyCommand::Inspect(args) => return inspect::run(args),
        KeyCommand::New(args) => new::run(&api()?, args),
        KeyCommand::Upload(args) => upload::run(&api()?, args),
        KeyCommand::Activate(args) => activate::run(&api()?, args),
        KeyCommand::Unlock(args) => unlock::run(&api()?, args),
        KeyCommand::List(args) => list::run(&api()?, &args),
        KeyCommand::Kek(args) => list::kek(&api()?, args),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// The JSON body that carries a key file (K2, K3), for upload, unlock and lock.
#[derive(Serialize)]
pub struct KeyFileBody<'a> {
    file_base64: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confirmation: Option<&'a str>,
    acknowledge_risk: bool,
}

impl<'a> KeyFileBody<'a> {
    /// The body for `file`, its password if PKCS#12, and a lock's confirmation text.
    pub fn new(file: &[u8], password: Option<&'a str>, confirmation: Option<&'a str>) -> Self {
        Self {
            file_base64: base64::engine::general_purpose::STANDARD.encode(file),
            password,
            confirmation,
            acknowledge_risk: true,
        }
    }
}

/// Reads a key file and its password, asks for the risk acknowledgement (K8) and posts it
/// to `path` under the tenant-region: the shared part of upload and unlock.
pub fn send_key_file(
    api: &Api,
    path: &str,
    file: &Path,
    password_file: Option<&Path>,
    yes: bool,
    what: &str,
) -> anyhow::Result<serde_json::Value> {
    let bytes = read_key_file(file)?;
    let password = password_for_upload(&bytes, password_file)?;
    if !prompt::acknowledge_risk(yes, what)? {
        let message = format!("not confirmed; {what} did not happen");
        return Err(crate::cli::Failed(message).into());
    }
    let body = KeyFileBody::new(&bytes, password.as_deref().map(String::as_str), None);
    api.post_secret(path, &body)
}

/// The password of a PKCS#12 upload (none for `.byok`), from a file or a prompt.
pub fn password_for_upload(
    file: &[u8],
    password_file: Option<&Path>,
) -> anyhow::Result<Option<Zeroizing<String>>> {
    if detect_format(file).ok() != Some(KeyFormat::Pkcs12) && password_file.is_none() {
        return Ok(None);
    }
    let password = prompt::password(password_file, "PKCS#12 password", false)?;
    let text =
        std::str::from_utf8(password.expose_bytes()).context("the password is not UTF-8 text")?;
    Ok(Some(Zeroizing::new(text.to_owned())))
}

/// The largest key file the CLI reads: real PKCS#12 and `.byok` files are a few KiB.
const MAX_KEY_FILE_BYTES: u64 = 1024 * 1024;

/// Reads a key file given on the command line, refusing anything implausibly large (a
/// device, a wrong file) instead of reading it whole.
pub fn read_key_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_KEY_FILE_BYTES + 1).read_to_end(&mut bytes))
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
        anyhow::bail!(
            "{} is larger than 1 MiB; key files are a few KiB: is it the right file?",
            path.display()
        );
    }
    Ok(bytes)
}
