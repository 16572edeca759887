//! Backups, restores and copies: online, consistent, and never half-written under their name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use common::{count, env_path, env_with_table, key, text};
use keyward_storage::{EnvironmentDb, StorageError};

#[test]
fn a_backup_is_taken_while_another_thread_keeps_writing() {
    let (dir, path) = env_path();
    let db = env_with_table(&path, &key(1));
    db.put_file("f", &vec![5u8; 3 << 20][..], 10 << 20).unwrap();
    let stop = AtomicBool::new(false);
    let written = AtomicU64::new(0);

    let backups = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::SeqCst) {
                db.execute("INSERT INTO t (note) VALUES (?1)", &[text("w")])
                    .unwrap();
                written.fetch_add(1, Ordering::SeqCst);
            }
        });
        let mut backups = Vec::new();
        for i in 0..5 {
            std::thread::sleep(Duration::from_millis(30));
            let target = dir.path().join(format!("backup-{i}.db"));
            db.backup_to(&target, &key(2)).unwrap();
            backups.push((target, written.load(Ordering::SeqCst)));
        }
        stop.store(true, Ordering::SeqCst);
        backups
    });

    let mut previous = 0;
    for (target, written_after) in backups {
        let copy = EnvironmentDb::open(&target, &key(2)).unwrap();
        let rows = count(&copy, "SELECT count(*) FROM t") as u64;
        assert!(
            rows >= previous && rows <= written_after,
            "{rows} not in {previous}..={written_after}"
        );
        assert_eq!(copy.list_files().unwrap().len(), 1);
        previous = rows;
    }
    assert!(
        written.load(Ordering::SeqCst) > previous,
        "writes continued during backups"
    );
}

#[test]
fn restore_brings_back_rows_and_files_from_the_backup() {
    let (dir, path) = env_path();
    let db = env_with_table(&path, &key(1));
    db.execute("INSERT INTO t (note) VALUES ('before')", &[])
        .unwrap();
    let kept = db.put_file("kept.txt", &b"kept"[..], 100).unwrap();
    let backup = dir.path().join("b.db");
    db.backup_to(&backup, &key(2)).unwrap();

    db.execute("DELETE FROM t", &[]).unwrap();
    db.execute("CREATE TABLE later (x)", &[]).unwrap();
    db.delete_file("kept.txt").unwrap();
    db.put_file("later.txt", &b"later"[..], 100).unwrap();

    db.restore_from(&backup, &key(2)).unwrap();
    assert_eq!(
        count(&db, "SELECT count(*) FROM t WHERE note = 'before'"),
        1
    );
    assert!(db.execute("SELECT * FROM later", &[]).is_err());
    assert_eq!(db.list_files().unwrap(), vec![kept]);

    // The environment is still keyed with its own key afterwards.
    db.close().unwrap();
    let error = EnvironmentDb::open(&path, &key(2)).unwrap_err();
    assert!(matches!(error, StorageError::WrongKey));
    let db = EnvironmentDb::open(&path, &key(1)).unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 1);
}

#[test]
fn restore_with_a_wrong_key_is_refused_and_changes_nothing() {
    let (dir, path) = env_path();
    let db = env_with_table(&path, &key(1));
    let backup = dir.path().join("b.db");
    db.backup_to(&backup, &key(2)).unwrap();
    db.execute("INSERT INTO t (note) VALUES ('after')", &[])
        .unwrap();

    let error = db.restore_from(&backup, &key(3)).unwrap_err();
    assert!(matches!(error, StorageError::WrongKey), "{error:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 1);
    let missing = db
        .restore_from(dir.path().join("nope.db"), &key(2))
        .unwrap_err();
    assert_eq!(missing.code(), "database_not_found");
}

#[test]
fn a_backup_never_overwrites_an_existing_file() {
    let (dir, path) = env_path();
    let db = env_with_table(&path, &key(1));
    let target = dir.path().join("taken.db");
    std::fs::write(&target, b"someone else's file").unwrap();
    let error = db.backup_to(&target, &key(2)).unwrap_err();
    assert_eq!(error.code(), "database_already_exists");
    assert_eq!(std::fs::read(&target).unwrap(), b"someone else's file");
}

#[test]
fn reencrypt_to_ignores_a_partial_file_left_by_an_interrupted_run() {
    let (dir, path) = env_path();
    let db = env_with_table(&path, &key(1));
    db.execute("INSERT INTO t (note) VALUES ('survives')", &[])
        .unwrap();

    // Debris of a run killed mid-copy: a partial file and sidecars, but no target.
    let partial = dir.path().join(".copy.db.keyward-partial");
    std::fs::write(&partial, vec![0x5a; 8192]).unwrap();
    std::fs::write(dir.path().join(".copy.db.keyward-partial-wal"), b"junk").unwrap();
    std::fs::write(dir.path().join(".copy.db.keyward-partial-journal"), b"junk").unwrap();

    let target = dir.path().join("copy.db");
    db.reencrypt_to(&target, &key(9)).unwrap();

    let copy = EnvironmentDb::open(&target, &key(9)).unwrap();
    assert_eq!(
        count(&copy, "SELECT count(*) FROM t WHERE note = 'survives'"),
        1
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("keyward-partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_copy_target_only_ever_appears_complete() {
    let (dir, path) = env_path();
    let db = env_with_table(&path, &key(1));
    for i in 0..300 {
        db.execute("INSERT INTO t (note) VALUES (?1)", &[text(&"r".repeat(i))])
            .unwrap();
    }
    db.put_file("f", &vec![1u8; 4 << 20][..], 10 << 20).unwrap();
    let target = dir.path().join("copy.db");
    let done = AtomicBool::new(false);

    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            // Whenever the target exists, it must open and hold everything.
            while !done.load(Ordering::SeqCst) {
                if target.exists() {
                    let copy = EnvironmentDb::open(&target, &key(4)).unwrap();
                    assert_eq!(count(&copy, "SELECT count(*) FROM t"), 300);
                    return true;
                }
                std::thread::yield_now();
            }
            target.exists()
        });
        db.reencrypt_to(&target, &key(4)).unwrap();
        done.store(true, Ordering::SeqCst);
        assert!(watcher.join().unwrap());
    });
}

#[test]
fn a_backup_is_not_stopped_by_an_external_content_index_out_of_step_with_its_table() {
    // An FTS index of external content is the user's to keep in step; quick_check flags it,
    // but a backup or re-encryption must still work.
    let (dir, path) = common::env_path();
    let db = common::env_with_table(&path, &common::key(1));
    db.execute("CREATE TABLE docs (body)", &[]).unwrap();
    db.execute("INSERT INTO docs VALUES ('important data')", &[])
        .unwrap();
    db.execute(
        "CREATE VIRTUAL TABLE ix USING fts4(content='docs', body)",
        &[],
    )
    .unwrap();
    db.backup_to(dir.path().join("backup.db"), &common::key(2))
        .unwrap();
    db.reencrypt_to(dir.path().join("next.db"), &common::key(3))
        .unwrap();
    let copy =
        keyward_storage::EnvironmentDb::open(dir.path().join("next.db"), &common::key(3)).unwrap();
    let rows = copy.execute("SELECT body FROM docs", &[]).unwrap();
    assert_eq!(rows.rows.len(), 1);
}
