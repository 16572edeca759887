//! What the CLI asks a person: passwords without echo, and risk acknowledgements.
//!
//! Passwords come from `--password-file` or a prompt, never from an argument. A new key's
//! password is typed twice. In scripts (no terminal) the prompt is refused with a message
//! naming the flag to use instead.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{bail, Context as _};
use keyward_keys::Password;
use zeroize::Zeroizing;

/// The password from `file`, or prompted for (twice when `confirm`).
pub fn password(file: Option<&Path>, what: &str, confirm: bool) -> anyhow::Result<Password> {
    if let Some(path) = file {
        return Password::read_from_file(path)
            .with_context(|| format!("cannot read password file {}", path.display()));
    }
    if !std::io::stdin().is_terminal() {
        bail!("no terminal to ask for the {what}: pass --password-file FILE");
    }
    let first = Zeroizing::new(rpassword::prompt_password(format!("{what}: "))?);
    if confirm {
        let second = Zeroizing::new(rpassword::prompt_password(format!("{what} again: "))?);
        if first != second {
            bail!("the two passwords differ; nothing was done");
        }
    }
    Ok(Password::from_bytes(first.as_bytes()))
}

/// K8: the self-managed-key risk, acknowledged with `--yes` or by typing `yes`.
pub fn acknowledge_risk(yes: bool, what: &str) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        bail!("{what} needs the self-managed-key risk acknowledged: pass --yes");
    }
    eprintln!(
        "{what}: with a self-managed key, losing the key file or its password after a lock \
         makes the data unrecoverable; nobody, the platform included, can read it."
    );
    Ok(ask("type 'yes' to continue: ")? == "yes")
}

/// Asks for one line of text on the terminal.
pub fn ask(question: &str) -> anyhow::Result<String> {
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
