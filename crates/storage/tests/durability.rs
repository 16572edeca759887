//! A committed write survives the process being killed right after the commit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use common::{count, env_path, env_with_table, key};
use keyward_storage::EnvironmentDb;

const CHILD_PATH: &str = "KEYWARD_STORAGE_TEST_CHILD_DB";

#[test]
fn a_committed_write_survives_a_kill() {
    if let Ok(path) = std::env::var(CHILD_PATH) {
        // Child: commit, then die without closing or checkpointing.
        let db = EnvironmentDb::open(&path, &key(1)).unwrap();
        db.execute("INSERT INTO t (note) VALUES ('committed')", &[])
            .unwrap();
        db.put_file("f", &b"committed file"[..], 100).unwrap();
        std::process::abort();
    }

    let (_dir, path) = env_path();
    env_with_table(&path, &key(1)).close().unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_committed_write_survives_a_kill",
            "--nocapture",
        ])
        .env(CHILD_PATH, &path)
        .status()
        .unwrap();
    assert!(!status.success(), "the child should have been killed");

    let db = EnvironmentDb::open(&path, &key(1)).unwrap();
    assert_eq!(
        count(&db, "SELECT count(*) FROM t WHERE note = 'committed'"),
        1
    );
    let mut out = Vec::new();
    db.get_file("f", &mut out).unwrap();
    assert_eq!(out, b"committed file");
}
