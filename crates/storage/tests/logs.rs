//! Logs help an operator, never an attacker: with trace logging on, no key, SQL value, file
//! name or file content reaches the log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{env_path, text};
use keyward_storage::{CsvOptions, EnvironmentDb};

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const SECRET_VALUE: &str = "SECRET-VALUE-93f1";
const SECRET_NAME: &str = "SECRET-NAME-6d2e.pdf";

#[test]
fn trace_logs_hold_no_key_value_or_file_name() {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let key = [0xa7u8; 32];
    let (dir, path) = env_path();

    tracing::subscriber::with_default(subscriber, || {
        let db = EnvironmentDb::create(&path, &key).unwrap();
        db.execute("CREATE TABLE t (v TEXT)", &[]).unwrap();
        db.execute("INSERT INTO t VALUES (?1)", &[text(SECRET_VALUE)])
            .unwrap();
        db.execute("ATTACH 'x' AS x", &[]).unwrap_err();
        db.put_file(SECRET_NAME, SECRET_VALUE.as_bytes(), 100)
            .unwrap();
        db.get_file(SECRET_NAME, std::io::sink()).unwrap();
        let csv = format!("v\n{SECRET_VALUE}\n");
        let options = CsvOptions {
            header: true,
            create_table: false,
        };
        db.import_csv("t", csv.as_bytes(), options).unwrap();
        db.backup_to(dir.path().join("b.db"), &key).unwrap();
        db.close().unwrap();
        EnvironmentDb::open(&path, &[0x11; 32]).unwrap_err();
    });

    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("environment database created"),
        "logging was not captured"
    );
    for secret in [
        SECRET_VALUE,
        SECRET_NAME,
        &hex::encode(key),
        &hex::encode([0x11; 32]),
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}
