//! The operator token file, `<data_dir>/operator.token` (mode 0600): on a start that finds
//! no valid operator token, one is issued and written here, so the operator can begin.
//!
//! The file is written (temp file, fsync, rename, fsync the folder) before the token's
//! record commits, so a crash never leaves a valid token nobody holds. A file readable or
//! writable by group or others refuses the start: the token may have leaked.
//! Must never: print or log the token; only the file's path.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::ApiError;
use crate::server::ServeError;
use crate::state::Service;
use crate::IssuedToken;

/// The file's name inside the data directory.
pub const FILE_NAME: &str = "operator.token";

/// Checks the file's mode and issues a first operator token when there is none; returns
/// the file's path when a token was written. Blocking.
pub(crate) fn ensure(service: &Service, data_dir: &Path) -> Result<Option<PathBuf>, ServeError> {
    let path = data_dir.join(FILE_NAME);
    refuse_exposed(&path)?;
    if service.has_operator_token()? {
        return Ok(None);
    }
    service.issue_operator_token(|issued| write_token(&path, issued))?;
    Ok(Some(path))
}

/// Refuses a token file that group or others may read or write.
fn refuse_exposed(path: &Path) -> Result<(), ServeError> {
    match fs::metadata(path) {
        Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
            Err(ServeError::OperatorTokenExposed(path.to_owned()))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ServeError::Io(e)),
    }
}

/// Writes the token crash-safely with mode 0600.
fn write_token(path: &Path, issued: &IssuedToken) -> Result<(), ApiError> {
    let io = |e: std::io::Error| ApiError::internal(format!("writing the operator token: {e}"));
    let temp = path.with_extension("token.tmp");
    let _ = fs::remove_file(&temp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(io)?;
    file.write_all(issued.token.expose().as_bytes())
        .map_err(io)?;
    file.write_all(b"\n").map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&temp, path).map_err(io)?;
    if let Some(dir) = path.parent() {
        fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
    }
    Ok(())
}
