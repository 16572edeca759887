//! The data directory's layout: where each thing Keyward writes lives.
//!
//! ```text
//! <data>/metadata.db                 the metadata store
//! <data>/vault/                      the file vault (root key, sealed private keys)
//! <data>/environments/<id>.g<n>.db   an environment, generation n
//! <data>/backups/<id>.db             a backup
//! ```
//!
//! An environment's data key names the generation it opens, so a re-encryption writes
//! generation n+1 beside n and switches over in one metadata transaction; files of other
//! generations are debris of an interrupted run, removed when found.

use std::fs::DirBuilder;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use keyward_domain::{BackupId, EnvironmentId};

/// Paths under one data directory.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// The layout rooted at `root`; nothing is created until [`Layout::ensure`].
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Creates the folders that are missing, readable by the owner only.
    pub fn ensure(&self) -> io::Result<()> {
        for dir in [
            self.root.clone(),
            self.environments_dir(),
            self.backups_dir(),
        ] {
            DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        }
        Ok(())
    }

    /// The data directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The metadata store's file.
    pub fn metadata_db(&self) -> PathBuf {
        self.root.join("metadata.db")
    }

    /// The file vault's folder.
    pub fn vault_dir(&self) -> PathBuf {
        self.root.join("vault")
    }

    /// The folder of environment databases.
    pub fn environments_dir(&self) -> PathBuf {
        self.root.join("environments")
    }

    /// The folder of backups.
    pub fn backups_dir(&self) -> PathBuf {
        self.root.join("backups")
    }

    /// An environment's database file at `generation`.
    pub fn environment_file(&self, id: &EnvironmentId, generation: u32) -> PathBuf {
        self.environments_dir()
            .join(format!("{id}.g{generation}.db"))
    }

    /// Every file of an environment, any generation, with SQLite's side files.
    pub fn environment_files(&self, id: &EnvironmentId) -> io::Result<Vec<PathBuf>> {
        let prefix = format!("{id}.g");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.environments_dir())? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix) && generation_of(&name[prefix.len()..]).is_some() {
                out.push(entry.path());
            }
        }
        Ok(out)
    }

    /// A backup's database file.
    pub fn backup_file(&self, id: &BackupId) -> PathBuf {
        self.backups_dir().join(format!("{id}.db"))
    }
}

/// Parses `<n>.db` (with optional `-wal`, `-shm`, `-journal`) into `n`.
fn generation_of(rest: &str) -> Option<u32> {
    let (number, suffix) = rest.split_once(".db")?;
    matches!(suffix, "" | "-wal" | "-shm" | "-journal")
        .then(|| number.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_files_of_every_generation_are_found_and_no_others() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        layout.ensure().unwrap();
        let id = EnvironmentId::new("env-1").unwrap();
        let other = EnvironmentId::new("env-10").unwrap();
        for path in [
            layout.environment_file(&id, 0),
            layout.environment_file(&id, 1),
            layout.environments_dir().join("env-1.g1.db-wal"),
            layout.environment_file(&other, 0),
        ] {
            std::fs::write(path, b"x").unwrap();
        }
        let mut found = layout.environment_files(&id).unwrap();
        found.sort();
        assert_eq!(found.len(), 3, "{found:?}");
    }
}
