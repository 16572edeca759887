//! Helpers shared by the storage integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::path::{Path, PathBuf};

use keyward_storage::{EnvironmentDb, Value};
use tempfile::TempDir;

/// A data key made of one repeated byte, distinct per test.
pub fn key(byte: u8) -> [u8; 32] {
    [byte; 32]
}

/// A fresh folder and the path of an environment inside it.
pub fn env_path() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("env.db");
    (dir, path)
}

/// A new environment with a table `t(id INTEGER PRIMARY KEY, note TEXT)`.
pub fn env_with_table(path: &Path, key: &[u8; 32]) -> EnvironmentDb {
    let db = EnvironmentDb::create(path, key).unwrap();
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)", &[])
        .unwrap();
    db
}

pub fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// The single integer a query returns.
pub fn count(db: &EnvironmentDb, sql: &str) -> i64 {
    match db.execute(sql, &[]).unwrap().rows[0][0] {
        Value::Integer(n) => n,
        ref other => panic!("expected an integer, got {other:?}"),
    }
}

/// Every file under `dir`, recursively, with its bytes.
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(all_files(&path));
        } else {
            found.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    found
}

/// Panics if `marker` appears in any file under `dir`; returns how many files were scanned.
pub fn assert_marker_absent(dir: &Path, marker: &[u8]) -> usize {
    let files = all_files(dir);
    for (path, bytes) in &files {
        let hit = bytes.windows(marker.len()).any(|w| w == marker);
        assert!(!hit, "plaintext marker found in {}", path.display());
    }
    files.len()
}

/// A reader producing `len` bytes of a deterministic pattern without holding them.
pub struct PatternReader {
    pub produced: u64,
    pub len: u64,
}

impl PatternReader {
    pub fn new(len: u64) -> Self {
        PatternReader { produced: 0, len }
    }

    pub fn byte_at(offset: u64) -> u8 {
        (offset.wrapping_mul(2_654_435_761) >> 13) as u8
    }
}

impl Read for PatternReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let remaining = self.len - self.produced;
        let n = buf.len().min(remaining as usize).min(100_000);
        for (i, slot) in buf[..n].iter_mut().enumerate() {
            *slot = Self::byte_at(self.produced + i as u64);
        }
        self.produced += n as u64;
        Ok(n)
    }
}
