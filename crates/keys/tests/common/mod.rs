//! Shared helpers for the integration tests: the real-input cases folder, its tables, and
//! the test KEK.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use keyward_keys::{KeyExchangeKey, Password};

/// `shared/cases/keys`, from `KEYWARD_CASES` or relative to the workspace.
pub fn cases_dir() -> PathBuf {
    let root = std::env::var_os("KEYWARD_CASES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/cases"));
    root.join("keys")
}

/// One row of MANIFEST.tsv.
pub struct Case {
    pub file: String,
    pub password: String,
    pub accept: bool,
}

impl Case {
    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(cases_dir().join(&self.file)).unwrap()
    }

    /// The password to give: PKCS#12 rows get theirs (even empty); `.byok` rows none.
    pub fn password(&self) -> Option<Password> {
        if self.file.starts_with("byok/") {
            None
        } else {
            Some(Password::from_bytes(self.password.as_bytes()))
        }
    }
}

fn tsv_rows(name: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(cases_dir().join(name)).unwrap();
    // MANIFEST and IDENTITY start with a header row; KEK_KIDS has none.
    let header = usize::from(text.starts_with("file\t"));
    text.lines()
        .skip(header)
        .filter(|line| !line.is_empty())
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect()
}

pub fn manifest() -> Vec<Case> {
    tsv_rows("MANIFEST.tsv")
        .into_iter()
        .map(|row| Case {
            file: row[0].clone(),
            password: row[1].clone(),
            accept: match row[2].as_str() {
                "accept" => true,
                "reject" => false,
                other => panic!("unknown verdict {other}"),
            },
        })
        .collect()
}

/// IDENTITY.tsv as (file, hex fingerprint).
pub fn identities() -> Vec<(String, String)> {
    tsv_rows("IDENTITY.tsv")
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect()
}

/// The tenant-region KEK the `.byok` cases were made for.
pub fn test_kek() -> KeyExchangeKey {
    let kid = tsv_rows("kek/KEK_KIDS.tsv")
        .into_iter()
        .find(|row| row[0] == "kek_public.pem")
        .map(|row| row[1].clone())
        .unwrap();
    let pem = std::fs::read(cases_dir().join("kek/kek_private.pem")).unwrap();
    KeyExchangeKey::from_pem(kid, &pem).unwrap()
}

/// The fingerprint of `kek/target_rsa2048_keyA.pem`, the key most cases hold.
pub fn key_a_fingerprint() -> String {
    let pem = std::fs::read(cases_dir().join("kek/target_rsa2048_keyA.pem")).unwrap();
    let key = openssl::pkey::PKey::private_key_from_pem(&pem).unwrap();
    keyward_keys::fingerprint(&key).unwrap().to_hex()
}
