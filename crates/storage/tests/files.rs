//! Files: streamed in chunks, replaced atomically, limited per rule E5.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{self, Read, Write};

use common::{env_path, key, PatternReader};
use keyward_storage::{EnvironmentDb, StorageError, CHUNK_SIZE, DEFAULT_FILE_LIMIT_BYTES};
use openssl::sha::sha256;

fn new_env() -> (tempfile::TempDir, EnvironmentDb) {
    let (dir, path) = env_path();
    (dir, EnvironmentDb::create(&path, &key(1)).unwrap())
}

#[test]
fn a_multi_chunk_file_round_trips_with_its_sha256() {
    let (_dir, db) = new_env();
    let body: Vec<u8> = (0..(2 * CHUNK_SIZE + 12_345))
        .map(|i| (i * 7 % 256) as u8)
        .collect();

    let stored = db
        .put_file("reports/q1.bin", &body[..], DEFAULT_FILE_LIMIT_BYTES)
        .unwrap();
    assert_eq!(stored.size, body.len() as u64);
    assert_eq!(stored.sha256, hex::encode(sha256(&body)));

    let mut out = Vec::new();
    let read = db.get_file("reports/q1.bin", &mut out).unwrap();
    assert_eq!(read, stored);
    assert_eq!(out, body);
    assert_eq!(db.list_files().unwrap(), vec![stored]);
}

#[test]
fn a_file_of_exactly_one_chunk_and_an_empty_file_round_trip() {
    let (_dir, db) = new_env();
    for (name, len) in [("one", CHUNK_SIZE), ("empty", 0), ("small", 1)] {
        let body = vec![9u8; len];
        db.put_file(name, &body[..], DEFAULT_FILE_LIMIT_BYTES)
            .unwrap();
        let mut out = Vec::new();
        assert_eq!(db.get_file(name, &mut out).unwrap().size, len as u64);
        assert_eq!(out, body);
    }
}

#[test]
fn an_over_limit_file_is_refused_and_the_previous_version_stays_intact() {
    let (_dir, db) = new_env();
    let old = b"the previous version".to_vec();
    let old_meta = db.put_file("doc", &old[..], 1000).unwrap();

    let limit = 3 * CHUNK_SIZE as u64 / 2;
    let error = db
        .put_file("doc", PatternReader::new(limit + 1), limit)
        .unwrap_err();
    assert!(
        matches!(error, StorageError::FileTooLarge { .. }),
        "{error:?}"
    );
    assert_eq!(error.code(), "file_too_large");

    let error = db
        .put_file(
            "doc",
            PatternReader::new(DEFAULT_FILE_LIMIT_BYTES + 1),
            DEFAULT_FILE_LIMIT_BYTES,
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "file is larger than the 128 MiB limit (E5)"
    );

    let mut out = Vec::new();
    assert_eq!(db.get_file("doc", &mut out).unwrap(), old_meta);
    assert_eq!(out, old);
    assert_eq!(db.list_files().unwrap(), vec![old_meta]);
}

#[test]
fn an_over_limit_new_file_leaves_nothing_behind() {
    let (_dir, db) = new_env();
    let error = db
        .put_file("new", PatternReader::new(5000), 4999)
        .unwrap_err();
    assert_eq!(error.code(), "file_too_large");
    assert!(db.list_files().unwrap().is_empty());
    let missing = db.get_file("new", io::sink()).unwrap_err();
    assert_eq!(missing.code(), "file_not_found");
}

/// A reader that fails after some bytes, like a dropped upload.
struct FailingReader(usize);

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0 == 0 {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "upload dropped",
            ));
        }
        let n = buf.len().min(self.0);
        buf[..n].fill(1);
        self.0 -= n;
        Ok(n)
    }
}

#[test]
fn a_failing_upload_keeps_the_previous_version() {
    let (_dir, db) = new_env();
    let old = db.put_file("doc", &b"v1"[..], 100).unwrap();
    let error = db
        .put_file(
            "doc",
            FailingReader(CHUNK_SIZE + 10),
            DEFAULT_FILE_LIMIT_BYTES,
        )
        .unwrap_err();
    assert_eq!(error.code(), "stream_failed");
    assert_eq!(db.list_files().unwrap(), vec![old]);
}

#[test]
fn put_replaces_and_delete_removes() {
    let (_dir, db) = new_env();
    db.put_file("a", &b"one"[..], 100).unwrap();
    let second = db.put_file("a", &b"two!"[..], 100).unwrap();
    db.put_file("b", &b"bee"[..], 100).unwrap();
    assert_eq!(db.list_files().unwrap()[0], second);

    db.delete_file("a").unwrap();
    let names: Vec<String> = db
        .list_files()
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, ["b"]);
    assert_eq!(db.delete_file("a").unwrap_err().code(), "file_not_found");
}

#[test]
fn invalid_names_are_refused() {
    let (_dir, db) = new_env();
    for name in ["", "a\0b", &"n".repeat(300)] {
        let error = db.put_file(name, &b"x"[..], 10).unwrap_err();
        assert_eq!(error.code(), "invalid_file_name", "{name:?}");
    }
}

/// Checks a stream against the pattern without keeping it.
struct PatternChecker {
    offset: u64,
}

impl Write for PatternChecker {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for (i, byte) in buf.iter().enumerate() {
            assert_eq!(*byte, PatternReader::byte_at(self.offset + i as u64));
        }
        self.offset += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_64_mib_file_streams_in_and_out_without_a_buffer_of_its_size() {
    let (_dir, db) = new_env();
    let len = 64 * 1024 * 1024;
    let stored = db
        .put_file("big", PatternReader::new(len), DEFAULT_FILE_LIMIT_BYTES)
        .unwrap();
    assert_eq!(stored.size, len);

    let mut checker = PatternChecker { offset: 0 };
    let read = db.get_file("big", &mut checker).unwrap();
    assert_eq!(checker.offset, len);
    assert_eq!(read, stored);
}
