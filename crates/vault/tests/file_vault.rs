//! The file vault as its users see it: root key file rules, sealing, destruction (L4).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use keyward_vault::{FileVault, ObjectId, ObjectKind, Vault, VaultError};

fn every_file_under(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(every_file_under(&path));
        } else {
            out.push((path.clone(), fs::read(&path).unwrap()));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn tenant_key(id: &str) -> ObjectId {
    ObjectId::new(ObjectKind::TenantKey, id).unwrap()
}

#[test]
fn root_key_is_created_on_first_start_with_mode_0600_and_kept_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    let vault = FileVault::open(dir.path()).unwrap();
    let sealed = vault.wrap_with_root("env-1", b"data key").unwrap();
    let root = dir.path().join("root.key");
    assert_eq!(
        fs::metadata(&root).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(fs::read(&root).unwrap().len(), 32);

    let reopened = FileVault::open(dir.path()).unwrap();
    let opened = reopened.unwrap_with_root("env-1", &sealed).unwrap();
    assert_eq!(opened.as_slice(), b"data key");
}

#[test]
fn vault_refuses_to_start_when_root_key_is_readable_by_others() {
    let dir = tempfile::tempdir().unwrap();
    FileVault::open(dir.path()).unwrap();
    let root = dir.path().join("root.key");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o640)).unwrap();
    let err = FileVault::open(dir.path()).unwrap_err();
    assert!(matches!(
        err,
        VaultError::RootKeyPermissions { mode: 0o640, .. }
    ));
    assert!(err.to_string().contains("chmod 600"), "{err}");
}

#[test]
fn vault_refuses_a_root_key_file_of_the_wrong_length() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root.key");
    fs::write(&root, b"short").unwrap();
    fs::set_permissions(&root, fs::Permissions::from_mode(0o600)).unwrap();
    let err = FileVault::open(dir.path()).unwrap_err();
    assert!(matches!(err, VaultError::RootKeyInvalid { .. }), "{err}");
}

#[test]
fn stored_secrets_are_sealed_on_disk_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let vault = FileVault::open(dir.path()).unwrap();
    let marker = b"PLAINTEXT-PRIVATE-KEY-MARKER-0123456789";
    vault.store(&tenant_key("k1"), marker).unwrap();

    assert_eq!(vault.load(&tenant_key("k1")).unwrap().as_slice(), marker);
    assert!(matches!(
        vault.store(&tenant_key("k1"), b"other"),
        Err(VaultError::AlreadyExists(_))
    ));
    for (path, bytes) in every_file_under(dir.path()) {
        assert!(!contains(&bytes, marker), "plaintext in {}", path.display());
    }
}

#[test]
fn a_sealed_object_renamed_to_another_id_fails_its_integrity_check() {
    let dir = tempfile::tempdir().unwrap();
    let vault = FileVault::open(dir.path()).unwrap();
    vault.store(&tenant_key("k1"), b"secret").unwrap();
    let objects = dir.path().join("objects");
    fs::rename(
        objects.join("tenant-key-k1.sealed"),
        objects.join("tenant-key-k2.sealed"),
    )
    .unwrap();
    assert!(matches!(
        vault.load(&tenant_key("k2")),
        Err(VaultError::IntegrityCheckFailed(_))
    ));
}

#[test]
fn l4_destroyed_secret_leaves_no_copy_of_its_sealed_blob_in_any_vault_file() {
    let dir = tempfile::tempdir().unwrap();
    let vault = FileVault::open(dir.path()).unwrap();
    vault.store(&tenant_key("k1"), &[0x5a; 1200]).unwrap();
    vault.store(&tenant_key("k2"), b"keeps living").unwrap();
    let sealed_path = dir.path().join("objects/tenant-key-k1.sealed");
    let sealed = fs::read(&sealed_path).unwrap();

    assert_eq!(vault.list(ObjectKind::TenantKey).unwrap(), ["k1", "k2"]);
    vault.destroy(&tenant_key("k1")).unwrap();
    vault.destroy(&tenant_key("k1")).unwrap(); // repeatable, for resumed locks
    assert_eq!(vault.list(ObjectKind::TenantKey).unwrap(), ["k2"]);

    assert!(!vault.contains(&tenant_key("k1")).unwrap());
    assert!(matches!(
        vault.load(&tenant_key("k1")),
        Err(VaultError::NotFound(_))
    ));
    let probe = &sealed[sealed.len() / 2..sealed.len() / 2 + 32];
    for (path, bytes) in every_file_under(dir.path()) {
        assert!(
            !contains(&bytes, probe),
            "sealed blob survives in {}",
            path.display()
        );
    }
    assert_eq!(
        vault.load(&tenant_key("k2")).unwrap().as_slice(),
        b"keeps living"
    );
}

#[test]
fn debris_of_an_interrupted_write_is_scrubbed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    FileVault::open(dir.path()).unwrap();
    let debris = dir.path().join("objects/.tmp-tenant-key-k9.sealed-00");
    fs::write(&debris, b"half written").unwrap();
    FileVault::open(dir.path()).unwrap();
    assert!(!debris.exists());
}

#[test]
fn object_ids_that_could_escape_the_folder_are_refused() {
    for bad in ["", "../x", "a/b", ".hidden", &"x".repeat(129)] {
        assert!(
            ObjectId::new(ObjectKind::TenantKey, bad).is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn a_data_key_wrapped_under_a_tenant_public_key_opens_only_with_its_private_key() {
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    let dir = tempfile::tempdir().unwrap();
    let vault = FileVault::open(dir.path()).unwrap();
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let other = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    vault
        .store(&tenant_key("k1"), &key.private_key_to_pkcs8().unwrap())
        .unwrap();
    vault
        .store(&tenant_key("k2"), &other.private_key_to_pkcs8().unwrap())
        .unwrap();

    let wrapped = keyward_vault::wrap_oaep_sha256(&key, "environment:e1", &[9u8; 32]).unwrap();
    let opened = vault
        .decrypt_oaep_sha256(&tenant_key("k1"), "environment:e1", &wrapped)
        .unwrap();
    assert_eq!(opened.as_slice(), &[9u8; 32]);
    assert!(matches!(
        vault.decrypt_oaep_sha256(&tenant_key("k2"), "environment:e1", &wrapped),
        Err(VaultError::IntegrityCheckFailed(_))
    ));
    assert!(matches!(
        vault.decrypt_oaep_sha256(&tenant_key("k1"), "environment:e2", &wrapped),
        Err(VaultError::IntegrityCheckFailed(_))
    ));
    vault.destroy(&tenant_key("k1")).unwrap();
    assert!(matches!(
        vault.decrypt_oaep_sha256(&tenant_key("k1"), "environment:e1", &wrapped),
        Err(VaultError::NotFound(_))
    ));
}
