//! Regression: SQLCipher finishes its global initialisation after SQLite's, so threads that
//! key their first databases at the same moment once failed with "sqlcipher not initialized".
//! This file holds one test so that it runs at the very start of its own process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Barrier;

use keyward_storage::EnvironmentDb;

#[test]
fn environments_created_by_many_threads_at_process_start_all_open() {
    let threads = 8;
    let barrier = Barrier::new(threads);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let (_dir, path) = common::env_path();
                barrier.wait();
                EnvironmentDb::create(&path, &common::key(1)).unwrap();
            });
        }
    });
}
