//! `keyward key new TENANT REGION --out FILE`: K4. The server generates the key and
//! returns it once as PKCS#12 under a password typed twice (or read from a file); the
//! file is written with mode 0600 and never overwrites an existing one.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use base64::Engine as _;
use clap::Args;
use serde::Serialize;

use super::{RegionArgs, KEY_COLUMNS};
use crate::cli::client::Api;
use crate::cli::output::show;
use crate::cli::prompt;

/// `keyward key new`.
#[derive(Args)]
pub struct NewArgs {
    #[command(flatten)]
    region: RegionArgs,
    /// Where to save the PKCS#12 file (must not exist).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Read the new password from this file (else typed twice without echo).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Use the legacy PKCS#12 profile (3DES, SHA-1 MAC) for old consumers.
    #[arg(long)]
    legacy: bool,
    /// Acknowledge the self-managed-key risk without a prompt (K8).
    #[arg(long)]
    yes: bool,
}

#[derive(Serialize)]
struct Body<'a> {
    password: &'a str,
    profile: &'static str,
    acknowledge_risk: bool,
}

/// Generates and saves the key.
pub fn run(api: &Api, args: NewArgs) -> anyhow::Result<()> {
    if args.out.exists() {
        bail!(
            "{} exists; choose another --out so no key file is overwritten",
            args.out.display()
        );
    }
    let password = prompt::password(args.password_file.as_deref(), "new key password", true)?;
    let text =
        std::str::from_utf8(password.expose_bytes()).context("the password is not UTF-8 text")?;
    if !prompt::acknowledge_risk(args.yes, "generating a key")? {
        return Err(crate::cli::Failed("not confirmed; no key was generated".into()).into());
    }
    let profile = if args.legacy { "legacy" } else { "modern" };
    let body = Body {
        password: text,
        profile,
        acknowledge_risk: true,
    };
    let answer = api.post_secret(&format!("{}/keys/generate", args.region.path()), &body)?;
    let pkcs12 = base64::engine::general_purpose::STANDARD
        .decode(answer["pkcs12_base64"].as_str().unwrap_or_default())
        .context("the server's PKCS#12 file is not base64")?;
    save(&args.out, &pkcs12)?;
    show(api.json, &answer["key"], KEY_COLUMNS);
    eprintln!(
        "Saved the key to {}. Store this file and its password safely: after a lock they \
         are the only way to unlock.",
        args.out.display()
    );
    Ok(())
}

fn save(path: &PathBuf, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}
