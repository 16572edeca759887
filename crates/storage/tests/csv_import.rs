//! CSV import: all rows or none, with the line of the first bad record.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{count, env_path, env_with_table, key, text};
use keyward_storage::{CsvOptions, EnvironmentDb, StorageError, Value};

fn new_env() -> (tempfile::TempDir, EnvironmentDb) {
    let (dir, path) = env_path();
    (dir, env_with_table(&path, &key(1)))
}

const CREATE_WITH_HEADER: CsvOptions = CsvOptions {
    header: true,
    create_table: true,
};

#[test]
fn a_header_creates_a_table_of_text_columns() {
    let (_dir, db) = new_env();
    let csv = "name,city,\"odd \"\"col\"\"\"\nAda,London,1\nGrace,\"New York, NY\",2\n";
    let summary = db
        .import_csv("people", csv.as_bytes(), CREATE_WITH_HEADER)
        .unwrap();
    assert_eq!(summary.rows_imported, 2);
    assert_eq!(summary.columns, ["name", "city", "odd \"col\""]);

    let info = db.execute("PRAGMA table_info(people)", &[]).unwrap();
    assert!(info.rows.iter().all(|r| r[2] == text("TEXT")));
    let rows = db
        .execute(
            "SELECT city, \"odd \"\"col\"\"\" FROM people ORDER BY name",
            &[],
        )
        .unwrap();
    assert_eq!(rows.rows[1], [text("New York, NY"), text("2")]);
}

#[test]
fn rows_go_into_an_existing_table_by_header_name_or_by_position() {
    let (_dir, db) = new_env();
    let by_name = CsvOptions {
        header: true,
        create_table: false,
    };
    db.import_csv("t", "note\nfirst\nsecond\n".as_bytes(), by_name)
        .unwrap();
    db.execute("CREATE TABLE pair (a TEXT, b TEXT)", &[])
        .unwrap();
    let summary = db
        .import_csv("pair", "1,2\n3,4\n".as_bytes(), CsvOptions::default())
        .unwrap();
    assert_eq!(summary.rows_imported, 2);
    assert!(summary.columns.is_empty());
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 2);
    let rows = db.execute("SELECT b FROM pair ORDER BY a", &[]).unwrap();
    assert_eq!(rows.rows, [[text("2")], [text("4")]]);
}

#[test]
fn a_malformed_line_is_refused_with_its_number_and_nothing_is_imported() {
    let (_dir, db) = new_env();
    let csv = "a,b\n1,2\n3,4\n5,6,7\n8,9\n";
    let error = db
        .import_csv("fresh", csv.as_bytes(), CREATE_WITH_HEADER)
        .unwrap_err();
    match &error {
        StorageError::CsvInvalid { line, .. } => assert_eq!(*line, 4),
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.to_string().contains("line 4"), "{error}");
    assert!(
        error.to_string().contains("nothing was imported"),
        "{error}"
    );
    let tables = db
        .execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'fresh'",
            &[],
        )
        .unwrap();
    assert_eq!(tables.rows[0][0], Value::Integer(0));

    let into_existing = CsvOptions {
        header: true,
        create_table: false,
    };
    let error = db
        .import_csv("t", "note\nok\nx,y\nlast\n".as_bytes(), into_existing)
        .unwrap_err();
    assert!(
        matches!(error, StorageError::CsvInvalid { line: 3, .. }),
        "{error:?}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 0);
}

#[test]
fn invalid_utf8_is_refused_with_its_line() {
    let (_dir, db) = new_env();
    let mut csv = b"note\ngood\n".to_vec();
    csv.extend_from_slice(b"bad \xff\n");
    let options = CsvOptions {
        header: true,
        create_table: false,
    };
    let error = db.import_csv("t", &csv[..], options).unwrap_err();
    match error {
        StorageError::CsvInvalid { line, .. } => assert_eq!(line, 3),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 0);
}

#[test]
fn import_cannot_target_internal_tables_or_unknown_columns() {
    let (_dir, db) = new_env();
    let options = CsvOptions {
        header: true,
        create_table: false,
    };
    let error = db
        .import_csv("_keyward_files", "name\nx\n".as_bytes(), options)
        .unwrap_err();
    assert_eq!(error.code(), "statement_refused", "{error:?}");
    let error = db
        .import_csv("t", "nope\nx\n".as_bytes(), options)
        .unwrap_err();
    assert_eq!(error.code(), "csv_refused", "{error:?}");
    let error = db
        .import_csv("t", "note\nx\n".as_bytes(), CREATE_WITH_HEADER)
        .unwrap_err();
    assert_eq!(error.code(), "csv_refused", "{error:?}");
    assert!(db.list_files().unwrap().is_empty());
}

#[test]
fn user_transactions_stay_refused_after_an_import() {
    let (_dir, db) = new_env();
    db.import_csv("x", "a\n1\n".as_bytes(), CREATE_WITH_HEADER)
        .unwrap();
    let error = db.execute("BEGIN", &[]).unwrap_err();
    assert_eq!(error.code(), "statement_refused");
}
