//! `keyward key inspect FILE`: would Keyward accept this key file, and as which key?
//!
//! Runs the same checks as an upload (K1, K2, K3) and prints a short summary, or with
//! `--json` exactly one JSON object. It stores nothing and never prints key material; the
//! password comes from `--password-file` or a prompt without echo, only when the file is
//! a PKCS#12.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use keyward_keys::{detect_format, inspect, Inspection, KeyExchangeKey, KeyFormat, Password};
use serde_json::json;
use zeroize::Zeroize as _;

/// Exit code when the key would be refused.
const EXIT_REFUSED: u8 = 1;

/// Arguments of `keyward key inspect`.
#[derive(Args)]
pub struct InspectArgs {
    /// The key file: PKCS#12 (.pfx/.p12, binary, base64 or PEM-armoured) or .byok.
    file: PathBuf,
    /// Read the PKCS#12 password from this file (one trailing newline is ignored).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Private key (PEM) of the key exchange key a .byok file was made for.
    #[arg(long, value_name = "PEM", requires = "kek_id")]
    kek_private_key: Option<PathBuf>,
    /// Id (kid) of that key exchange key.
    #[arg(long, value_name = "KID", requires = "kek_private_key")]
    kek_id: Option<String>,
    /// Print exactly one JSON object instead of a summary.
    #[arg(long)]
    json: bool,
}

/// Runs the command; errors are usage errors (exit 2).
pub fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let bytes = super::read_key_file(&args.file)?;
    let kek = load_kek(&args)?;
    let password = password_for(&bytes, args.password_file.as_deref())?;

    let inspection = inspect(&bytes, password.as_ref(), kek.as_ref());
    if args.json {
        println!("{}", to_json(&inspection));
    } else {
        print_summary(&inspection);
    }
    Ok(match inspection {
        Inspection::Accepted(_) => ExitCode::SUCCESS,
        Inspection::Refused(_) => ExitCode::from(EXIT_REFUSED),
    })
}

/// The KEK from `--kek-private-key` and `--kek-id` (clap makes them come together).
fn load_kek(args: &InspectArgs) -> anyhow::Result<Option<KeyExchangeKey>> {
    let (Some(path), Some(kid)) = (&args.kek_private_key, &args.kek_id) else {
        return Ok(None);
    };
    let pem = std::fs::read(path)
        .with_context(|| format!("cannot read key exchange key {}", path.display()))?;
    let kek = KeyExchangeKey::from_pem(kid.clone(), &pem)
        .with_context(|| format!("cannot load key exchange key {}", path.display()))?;
    Ok(Some(kek))
}

/// The password: from the file if given, else prompted for when the file is PKCS#12.
fn password_for(bytes: &[u8], password_file: Option<&Path>) -> anyhow::Result<Option<Password>> {
    if let Some(path) = password_file {
        let password = Password::read_from_file(path)
            .with_context(|| format!("cannot read password file {}", path.display()))?;
        return Ok(Some(password));
    }
    if detect_format(bytes).ok() != Some(KeyFormat::Pkcs12) {
        return Ok(None);
    }
    let mut typed = rpassword::prompt_password("PKCS#12 password: ")
        .context("cannot prompt for the password (no terminal?): use --password-file")?;
    let password = Password::from_bytes(typed.as_bytes());
    typed.zeroize();
    Ok(Some(password))
}

/// The one JSON object `--json` prints.
fn to_json(inspection: &Inspection) -> serde_json::Value {
    match inspection {
        Inspection::Accepted(summary) => json!({
            "accepted": true,
            "fingerprint": summary.fingerprint.to_hex(),
            "format": summary.format.as_str(),
            "key_type": "rsa",
            "modulus_bits": summary.modulus_bits,
            "certificates": summary.certificates,
        }),
        Inspection::Refused(error) => json!({
            "accepted": false,
            "code": error.code(),
            "rule": error.rule().id(),
            "message": error.to_string(),
        }),
    }
}

/// The human summary.
fn print_summary(inspection: &Inspection) {
    match inspection {
        Inspection::Accepted(summary) => {
            let format = match summary.format {
                KeyFormat::Pkcs12 => "PKCS#12 file",
                KeyFormat::Byok => ".byok blob",
            };
            println!(
                "accepted: RSA {}-bit key in a {format}",
                summary.modulus_bits
            );
            println!("fingerprint: {}", summary.fingerprint);
            if let Some(count) = summary.certificates {
                println!("certificates: {count}");
            }
        }
        Inspection::Refused(error) => {
            println!("refused ({}, {}): {error}", error.rule(), error.code());
        }
    }
}
