//! No plaintext at rest: table rows, files, the WAL and backups are all encrypted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{assert_marker_absent, env_path, env_with_table, key, text};
use keyward_storage::{EnvironmentDb, Value};

const ROW_MARKER: &str = "ROW-MARKER-7f3a9c-plaintext-must-not-reach-disk";
const FILE_MARKER: &[u8] = b"FILE-MARKER-51be02-plaintext-must-not-reach-disk";
const BLOB_MARKER: &[u8] = b"BLOB-MARKER-c0ffee-plaintext-must-not-reach-disk";

fn write_markers(db: &EnvironmentDb) {
    for i in 0..50 {
        db.execute(
            "INSERT INTO t (note) VALUES (?1)",
            &[text(&format!("{ROW_MARKER} {i}"))],
        )
        .unwrap();
    }
    db.execute("CREATE TABLE b (data BLOB)", &[]).unwrap();
    db.execute(
        "INSERT INTO b (data) VALUES (?1)",
        &[Value::Blob(BLOB_MARKER.to_vec())],
    )
    .unwrap();
    let body = FILE_MARKER.repeat(1000);
    db.put_file("marker.bin", &body[..], 1 << 20).unwrap();
}

fn assert_no_marker(dir: &std::path::Path) -> usize {
    assert_marker_absent(dir, ROW_MARKER.as_bytes());
    assert_marker_absent(dir, FILE_MARKER);
    assert_marker_absent(dir, BLOB_MARKER)
}

#[test]
fn no_marker_reaches_disk_while_the_wal_is_uncheckpointed() {
    let (dir, path) = env_path();
    let db = env_with_table(&path, &key(3));
    write_markers(&db);

    let wal = dir.path().join("env.db-wal");
    let wal_len = std::fs::metadata(&wal).unwrap().len();
    assert!(wal_len > 0, "the test needs live WAL frames to scan");
    let scanned = assert_no_marker(dir.path());
    assert!(
        scanned >= 3,
        "expected db, -wal and -shm, scanned {scanned}"
    );
    drop(db);
}

#[test]
fn no_marker_reaches_disk_after_backup_checkpoint_and_close() {
    let (dir, path) = env_path();
    let db = env_with_table(&path, &key(3));
    write_markers(&db);
    db.backup_to(dir.path().join("backup.db"), &key(4)).unwrap();
    db.reencrypt_to(dir.path().join("copy.db"), &key(5))
        .unwrap();
    db.close().unwrap();

    let scanned = assert_no_marker(dir.path());
    assert_eq!(
        scanned, 3,
        "db, backup and copy, with no sidecar left behind"
    );

    // The markers really are in there: the right key reads them back.
    let db = EnvironmentDb::open(&path, &key(3)).unwrap();
    let rows = db
        .execute("SELECT count(*) FROM t WHERE note LIKE 'ROW-MARKER%'", &[])
        .unwrap();
    assert_eq!(rows.rows[0][0], Value::Integer(50));
}

#[test]
fn no_marker_reaches_disk_during_and_after_a_restore() {
    let (dir, path) = env_path();
    let db = env_with_table(&path, &key(3));
    write_markers(&db);
    let backup = dir.path().join("b.db");
    db.backup_to(&backup, &key(4)).unwrap();
    db.execute("DELETE FROM t", &[]).unwrap();
    db.restore_from(&backup, &key(4)).unwrap();
    assert_no_marker(dir.path());
    db.close().unwrap();
    assert_no_marker(dir.path());
}

#[test]
fn the_scan_does_find_a_planted_plaintext_marker() {
    let (dir, _) = env_path();
    let mut planted = vec![0u8; 5000];
    planted.extend_from_slice(ROW_MARKER.as_bytes());
    std::fs::write(dir.path().join("leak.bin"), planted).unwrap();
    let scan = std::panic::catch_unwind(|| assert_no_marker(dir.path()));
    assert!(scan.is_err());
}
