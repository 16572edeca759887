//! The file backend of the vault: the embedded default.
//!
//! Layout under the vault folder (mode 0700):
//! - `root.key`: the platform root key, 32 bytes, mode 0600;
//! - `objects/<kind>-<id>.sealed`: one secret each, sealed under the root key with
//!   AES-256-GCM bound to `<kind>-<id>`.
//!
//! Must never: write a secret unsealed, overwrite a sealed object, or leave a destroyed
//! object's bytes in any file it manages.

mod atomic;
mod root_key;

use std::fs::{self, DirBuilder};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::{aead, ObjectId, ObjectKind, Vault, VaultError};

/// The vault as files in one folder.
pub struct FileVault {
    objects: PathBuf,
    root_key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for FileVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileVault")
            .field("objects", &self.objects)
            .field("root_key", &"REDACTED")
            .finish()
    }
}

impl FileVault {
    /// Opens the vault in `dir`, creating the folder and the root key on first start,
    /// and scrubbing debris of writes a crash interrupted.
    pub fn open(dir: &Path) -> Result<Self, VaultError> {
        let objects = dir.join("objects");
        for folder in [dir, objects.as_path()] {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(folder)
                .map_err(VaultError::io(folder))?;
        }
        let (root_key, created) = root_key::load_or_create(&dir.join("root.key"))?;
        if created {
            tracing::info!(vault = %dir.display(), "created platform root key");
        }
        scrub_debris(dir)?;
        scrub_debris(&objects)?;
        Ok(Self { objects, root_key })
    }

    fn path_of(&self, id: &ObjectId) -> PathBuf {
        self.objects.join(file_name(id))
    }
}

fn file_name(id: &ObjectId) -> String {
    format!("{}.sealed", id.qualified())
}

/// Removes temporary files left by an interrupted write.
fn scrub_debris(dir: &Path) -> Result<(), VaultError> {
    for entry in fs::read_dir(dir).map_err(VaultError::io(dir))? {
        let entry = entry.map_err(VaultError::io(dir))?;
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(atomic::TMP_PREFIX)
        {
            tracing::debug!(file = %entry.path().display(), "scrubbing interrupted write");
            atomic::scrub(&entry.path())?;
        }
    }
    Ok(())
}

impl Vault for FileVault {
    fn store(&self, id: &ObjectId, plaintext: &[u8]) -> Result<(), VaultError> {
        let sealed = aead::seal(&self.root_key, &id.qualified(), plaintext)?;
        atomic::write_new(&self.objects, &file_name(id), &sealed)?;
        tracing::debug!(object = %id.qualified(), "stored sealed object");
        Ok(())
    }

    fn load(&self, id: &ObjectId) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let path = self.path_of(id);
        let sealed = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(VaultError::NotFound(id.qualified()))
            }
            Err(e) => return Err(VaultError::io(&path)(e)),
        };
        aead::open(&self.root_key, &id.qualified(), &sealed)
    }

    fn list(&self, kind: ObjectKind) -> Result<Vec<String>, VaultError> {
        let prefix = format!("{}-", kind.as_str());
        let mut ids = Vec::new();
        for entry in fs::read_dir(&self.objects).map_err(VaultError::io(&self.objects))? {
            let name = entry.map_err(VaultError::io(&self.objects))?.file_name();
            let name = name.to_string_lossy();
            if let Some(id) = name
                .strip_prefix(&prefix)
                .and_then(|n| n.strip_suffix(".sealed"))
            {
                ids.push(id.to_owned());
            }
        }
        ids.sort();
        Ok(ids)
    }

    fn contains(&self, id: &ObjectId) -> Result<bool, VaultError> {
        let path = self.path_of(id);
        path.try_exists().map_err(VaultError::io(&path))
    }

    fn destroy(&self, id: &ObjectId) -> Result<(), VaultError> {
        atomic::scrub(&self.path_of(id))?;
        tracing::debug!(object = %id.qualified(), "destroyed sealed object");
        Ok(())
    }

    fn decrypt_oaep_sha256(
        &self,
        id: &ObjectId,
        label: &str,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let der = self.load(id)?;
        crate::oaep::decrypt_sha256(&der, label, ciphertext).map_err(|_| {
            VaultError::IntegrityCheckFailed(format!("data key wrapped for {}", id.qualified()))
        })
    }

    fn decrypt_oaep_sha256_many(
        &self,
        id: &ObjectId,
        items: &[(&str, &[u8])],
    ) -> Result<Vec<crate::Unwrapped>, VaultError> {
        let der = self.load(id)?;
        let key = crate::oaep::PrivateKey::from_pkcs8(&der)?;
        let failed =
            || VaultError::IntegrityCheckFailed(format!("data key wrapped for {}", id.qualified()));
        Ok(items
            .iter()
            .map(|(label, ciphertext)| key.decrypt(label, ciphertext).map_err(|_| failed()))
            .collect())
    }

    fn wrap_with_root(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
        aead::seal(&self.root_key, &format!("dek:{context}"), plaintext)
    }

    fn unwrap_with_root(
        &self,
        context: &str,
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        aead::open(&self.root_key, &format!("dek:{context}"), wrapped)
    }
}
