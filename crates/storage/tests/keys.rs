//! The data key: a wrong key is refused with its own error, apart from damaged files, and a
//! re-encrypted copy opens only with its new key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;

use common::{count, env_path, env_with_table, key, text};
use keyward_storage::{EnvironmentDb, StorageError};

#[test]
fn a_wrong_key_is_refused_with_the_typed_error() {
    let (_dir, path) = env_path();
    env_with_table(&path, &key(1)).close().unwrap();

    let error = EnvironmentDb::open(&path, &key(2)).unwrap_err();
    assert!(matches!(error, StorageError::WrongKey), "{error:?}");
    assert_eq!(error.code(), "wrong_data_key");
    assert!(error
        .to_string()
        .contains("data key does not open this environment"));
    EnvironmentDb::open(&path, &key(1))
        .unwrap()
        .close()
        .unwrap();
}

#[test]
fn a_wrong_key_is_refused_while_the_environment_is_open_elsewhere() {
    let (_dir, path) = env_path();
    let db = env_with_table(&path, &key(1));
    db.execute("INSERT INTO t (note) VALUES ('x')", &[])
        .unwrap();
    let error = EnvironmentDb::open(&path, &key(9)).unwrap_err();
    assert!(matches!(error, StorageError::WrongKey), "{error:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 1);
}

#[test]
fn a_file_that_is_not_a_database_is_not_called_a_wrong_key() {
    let (dir, _) = env_path();
    let text_file = dir.path().join("notes.txt");
    std::fs::write(&text_file, b"hello, this is not a database").unwrap();
    let error = EnvironmentDb::open(&text_file, &key(1)).unwrap_err();
    assert_eq!(error.code(), "not_a_database", "{error:?}");

    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let error = EnvironmentDb::open(&empty, &key(1)).unwrap_err();
    assert_eq!(error.code(), "not_a_database", "{error:?}");

    let missing = EnvironmentDb::open(dir.path().join("missing.db"), &key(1)).unwrap_err();
    assert_eq!(missing.code(), "database_not_found");
}

#[test]
fn a_damaged_page_one_is_reported_as_corrupt_not_as_a_wrong_key() {
    let (_dir, path) = env_path();
    let db = env_with_table(&path, &key(1));
    for i in 0..200 {
        db.execute("INSERT INTO t (note) VALUES (?1)", &[text(&"x".repeat(i))])
            .unwrap();
    }
    db.close().unwrap();

    // Flip bytes inside page 1's ciphertext (after the 16-byte salt).
    let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(100)).unwrap();
    file.write_all(&[0xAA; 32]).unwrap();
    drop(file);

    let error = EnvironmentDb::open(&path, &key(1)).unwrap_err();
    assert_eq!(error.code(), "not_a_database", "{error:?}");
    assert!(error.to_string().contains("damaged"), "{error}");
}

#[test]
fn creating_over_an_existing_file_is_refused() {
    let (_dir, path) = env_path();
    env_with_table(&path, &key(1)).close().unwrap();
    let error = EnvironmentDb::create(&path, &key(2)).unwrap_err();
    assert_eq!(error.code(), "database_already_exists");
    EnvironmentDb::open(&path, &key(1)).unwrap();
}

#[test]
fn the_old_key_does_not_open_a_reencrypted_copy_and_the_new_one_does() {
    let (dir, path) = env_path();
    let db = env_with_table(&path, &key(1));
    for i in 0..100 {
        db.execute(
            "INSERT INTO t (note) VALUES (?1)",
            &[text(&format!("row {i}"))],
        )
        .unwrap();
    }
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let stored = db.put_file("big.bin", &body[..], 10 << 20).unwrap();

    let copy = dir.path().join("copy.db");
    db.reencrypt_to(&copy, &key(7)).unwrap();

    let error = EnvironmentDb::open(&copy, &key(1)).unwrap_err();
    assert!(matches!(error, StorageError::WrongKey), "{error:?}");

    let reopened = EnvironmentDb::open(&copy, &key(7)).unwrap();
    assert_eq!(count(&reopened, "SELECT count(*) FROM t"), 100);
    let mut out = Vec::new();
    let meta = reopened.get_file("big.bin", &mut out).unwrap();
    assert_eq!(meta, stored);
    assert_eq!(out, body);
}
