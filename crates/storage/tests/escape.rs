//! User SQL cannot escape the environment: every attempt is refused with the typed error and
//! leaves the database unchanged, while ordinary SQL keeps working.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{count, env_path, env_with_table, key, text};
use keyward_storage::{EnvironmentDb, StorageError, Value};

/// Runs `sql`, expects a refusal, and returns what was refused.
fn refused(db: &EnvironmentDb, sql: &str) -> String {
    match db.execute(sql, &[]) {
        Err(StorageError::StatementRefused { what }) => what,
        other => panic!("{sql:?} was not refused: {other:?}"),
    }
}

/// A fingerprint of everything a user could change: schema, rows and files.
fn snapshot(db: &EnvironmentDb) -> String {
    let schema = db
        .execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY name",
            &[],
        )
        .unwrap();
    let rows = db.execute("SELECT * FROM t ORDER BY id", &[]).unwrap();
    format!("{schema:?}{rows:?}{:?}", db.list_files().unwrap())
}

fn prepared_env() -> (tempfile::TempDir, EnvironmentDb) {
    let (dir, path) = env_path();
    let db = env_with_table(&path, &key(1));
    db.execute("INSERT INTO t (note) VALUES (?1)", &[text("kept")])
        .unwrap();
    db.put_file("a.txt", &b"file body"[..], 1024).unwrap();
    (dir, db)
}

#[test]
fn every_escape_attempt_is_refused_and_changes_nothing() {
    let (dir, db) = prepared_env();
    let outside = dir.path().join("outside.db");
    let outside = outside.display();
    let attempts = [
        format!("ATTACH DATABASE '{outside}' AS other"),
        format!("ATTACH DATABASE '{outside}' AS other KEY ''"),
        format!("ATTACH DATABASE '{outside}' AS other KEY 'secret'"),
        "ATTACH ':memory:' AS mem".to_owned(),
        "DETACH DATABASE other".to_owned(),
        "SELECT load_extension('x')".to_owned(),
        "PRAGMA key = 'other'".to_owned(),
        "PRAGMA key = \"x'0000000000000000000000000000000000000000000000000000000000000000'\""
            .to_owned(),
        "PRAGMA rekey = 'other'".to_owned(),
        "PRAGMA hexkey = '00'".to_owned(),
        "PRAGMA hexrekey = '00'".to_owned(),
        "PRAGMA cipher_compatibility = 3".to_owned(),
        "PRAGMA cipher_compatibility".to_owned(),
        "PRAGMA cipher_page_size = 1024".to_owned(),
        "PRAGMA cipher_use_hmac = OFF".to_owned(),
        "PRAGMA cipher_plaintext_header_size = 32".to_owned(),
        "PRAGMA kdf_iter = 1".to_owned(),
        "PRAGMA cipher_memory_security = OFF".to_owned(),
        "PRAGMA journal_mode = OFF".to_owned(),
        "PRAGMA journal_mode".to_owned(),
        "PRAGMA locking_mode = EXCLUSIVE".to_owned(),
        "PRAGMA synchronous = OFF".to_owned(),
        "PRAGMA temp_store_directory = '/tmp'".to_owned(),
        "PRAGMA data_store_directory = '/tmp'".to_owned(),
        "PRAGMA writable_schema = 1".to_owned(),
        "PRAGMA writable_schema = ON".to_owned(),
        "PRAGMA mmap_size = 1000000".to_owned(),
        "PRAGMA foreign_keys = OFF".to_owned(),
        "VACUUM".to_owned(),
        "vacuum main".to_owned(),
        format!("VACUUM INTO '{}'", dir.path().join("x.db").display()),
        "VACUUM INTO '/tmp/x'".to_owned(),
        "/* comment */ VACUUM".to_owned(),
        "SELECT * FROM _keyward_files".to_owned(),
        "SELECT count(*) FROM _keyward_file_chunks".to_owned(),
        "INSERT INTO _keyward_files (name, size, sha256) VALUES ('b', 0, x'')".to_owned(),
        "UPDATE _keyward_file_chunks SET data = x'00'".to_owned(),
        "DELETE FROM _keyward_files".to_owned(),
        "DROP TABLE _keyward_files".to_owned(),
        "ALTER TABLE _keyward_files RENAME TO stolen".to_owned(),
        "CREATE INDEX i ON _keyward_files (name)".to_owned(),
        "CREATE TRIGGER tr AFTER INSERT ON _keyward_files BEGIN DELETE FROM t; END".to_owned(),
        "CREATE TEMP TRIGGER tr AFTER INSERT ON main._keyward_files BEGIN SELECT 1; END".to_owned(),
        "CREATE TABLE _keyward_mine (x)".to_owned(),
        "DELETE FROM sqlite_sequence".to_owned(),
        "UPDATE sqlite_sequence SET seq = 100".to_owned(),
        "WITH x AS (SELECT 1) INSERT INTO sqlite_stat1 VALUES ('t', NULL, '1')".to_owned(),
        "SELECT 1; SELECT 2".to_owned(),
        "INSERT INTO t (note) VALUES ('one'); INSERT INTO t (note) VALUES ('two')".to_owned(),
        "DELETE FROM t; DROP TABLE t".to_owned(),
        "BEGIN".to_owned(),
        "SAVEPOINT s".to_owned(),
        "SELECT sqlcipher_export('main')".to_owned(),
        "SELECT fts3_tokenizer('simple')".to_owned(),
        "SELECT * FROM pragma_journal_mode('main')".to_owned(),
        "SELECT * FROM pragma_compile_options".to_owned(),
        "CREATE VIRTUAL TABLE v USING dbstat".to_owned(),
    ];

    db.execute(
        "CREATE TABLE seq (id INTEGER PRIMARY KEY AUTOINCREMENT)",
        &[],
    )
    .unwrap();
    db.execute("INSERT INTO seq DEFAULT VALUES", &[]).unwrap();
    db.execute("ANALYZE", &[]).unwrap();
    let before = snapshot(&db);
    for sql in &attempts {
        let what = refused(&db, sql);
        assert!(!what.is_empty(), "{sql:?} refused without naming what");
        assert_eq!(snapshot(&db), before, "{sql:?} changed the database");
    }
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 1);
    assert!(!outside_exists(&dir));
}

fn outside_exists(dir: &tempfile::TempDir) -> bool {
    dir.path().join("outside.db").exists()
        || dir.path().join("x.db").exists()
        || std::path::Path::new("/tmp/x").exists()
}

#[test]
fn the_schema_table_cannot_be_written_directly() {
    let (_dir, db) = prepared_env();
    let before = snapshot(&db);
    // SQLite's own guard refuses this before the authorizer is asked.
    assert!(db
        .execute("UPDATE sqlite_master SET sql = 'x'", &[])
        .is_err());
    assert!(db.execute("DELETE FROM sqlite_schema", &[]).is_err());
    assert_eq!(snapshot(&db), before);
}

#[test]
fn analyze_skips_the_internal_tables() {
    let (_dir, db) = prepared_env();
    db.execute("CREATE INDEX t_note ON t (note)", &[]).unwrap();
    db.execute("ANALYZE", &[]).unwrap();
    let stats = db.execute("SELECT tbl FROM sqlite_stat1", &[]).unwrap();
    assert!(!format!("{stats:?}").contains("_keyward_"), "{stats:?}");
}

#[test]
fn refusals_name_what_was_refused() {
    let (_dir, db) = prepared_env();
    assert_eq!(refused(&db, "ATTACH 'x.db' AS x"), "ATTACH");
    assert!(refused(&db, "PRAGMA rekey = 'k'").contains("rekey"));
    assert!(refused(&db, "SELECT load_extension('x')").contains("load_extension"));
    assert!(refused(&db, "SELECT name FROM _keyward_files").contains("_keyward_files"));
    assert_eq!(refused(&db, "VACUUM INTO '/tmp/x'"), "VACUUM");
    assert!(refused(&db, "SELECT 1; SELECT 2").contains("more than one statement"));
    let error = db.execute("PRAGMA key = 'k'", &[]).unwrap_err();
    assert_eq!(error.code(), "statement_refused");
    assert!(error.to_string().contains("PRAGMA key"), "{error}");
}

#[test]
fn a_user_trigger_cannot_reach_the_internal_tables() {
    let (_dir, db) = prepared_env();
    db.execute("CREATE TABLE loot (x)", &[]).unwrap();
    // Naming an internal table in a schema statement is refused outright...
    let trigger = db.execute(
        "CREATE TRIGGER steal AFTER INSERT ON t BEGIN \
         INSERT INTO loot SELECT data FROM _keyward_file_chunks; END",
        &[],
    );
    assert!(
        matches!(trigger, Err(StorageError::StatementRefused { .. })),
        "{trigger:?}"
    );
    let view = db.execute("CREATE VIEW peek AS SELECT name FROM _keyward_files", &[]);
    assert!(
        matches!(view, Err(StorageError::StatementRefused { .. })),
        "{view:?}"
    );
    // ...so nothing reached them (the authorizer would refuse it at run time too).
    db.execute("INSERT INTO t (note) VALUES ('x')", &[])
        .unwrap();
    assert!(db.execute("SELECT * FROM peek", &[]).is_err());
    assert_eq!(count(&db, "SELECT count(*) FROM loot"), 0);
}

#[test]
fn ordinary_sql_keeps_working_under_the_authorizer() {
    let (_dir, db) = prepared_env();
    let statements = [
        "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT, b BLOB)",
        "CREATE INDEX a_v ON a (v)",
        "INSERT INTO a (v) VALUES ('x'), ('y')",
        "UPDATE a SET v = 'z' WHERE id = 1",
        "CREATE VIEW av AS SELECT v FROM a",
        "CREATE TRIGGER a_log AFTER INSERT ON a BEGIN INSERT INTO t (note) VALUES (new.v); END",
        "INSERT INTO a (v) VALUES ('w')",
        "ALTER TABLE a ADD COLUMN extra INTEGER",
        "ALTER TABLE a RENAME TO a2",
        "ALTER TABLE a2 RENAME COLUMN extra TO more",
        "CREATE TEMP TABLE scratch (x)",
        "CREATE VIRTUAL TABLE docs USING fts5 (body)",
        "INSERT INTO docs (body) VALUES ('hello world')",
        "ANALYZE",
        "REINDEX",
        "PRAGMA table_info(a2)",
        "PRAGMA index_list('a2')",
        "PRAGMA foreign_keys",
        "PRAGMA integrity_check",
        "SELECT * FROM sqlite_master",
        "SELECT * FROM sqlite_sequence",
        "SELECT * FROM pragma_table_info('a2')",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) \
         SELECT sum(i) FROM n",
        "EXPLAIN QUERY PLAN SELECT * FROM a2 WHERE v = 'x'",
        "DROP VIEW av",
        "DROP TRIGGER a_log",
        "DROP INDEX a_v",
        "DELETE FROM a2",
        "DROP TABLE a2",
        "DROP TABLE docs",
    ];
    for sql in statements {
        if let Err(error) = db.execute(sql, &[]) {
            panic!("{sql:?} failed: {error}");
        }
    }
    assert_eq!(count(&db, "SELECT count(*) FROM t"), 2);
}

#[test]
fn results_carry_columns_typed_values_and_changed_rows() {
    let (_dir, db) = prepared_env();
    let inserted = db
        .execute(
            "INSERT INTO t (note) VALUES (?1), (?2)",
            &[text("a"), Value::Null],
        )
        .unwrap();
    assert_eq!(inserted.rows_affected, 2);
    assert!(inserted.columns.is_empty());

    let selected = db
        .execute(
            "SELECT 1 AS i, 2.5 AS r, 'x' AS s, x'00ff' AS b, NULL AS n",
            &[],
        )
        .unwrap();
    assert_eq!(selected.columns, ["i", "r", "s", "b", "n"]);
    assert_eq!(
        selected.rows,
        [[
            Value::Integer(1),
            Value::Real(2.5),
            text("x"),
            Value::Blob(vec![0, 255]),
            Value::Null
        ]]
    );
    assert_eq!(selected.rows_affected, 0);
}

#[test]
fn wrong_parameter_count_and_bad_sql_are_typed_errors() {
    let (_dir, db) = prepared_env();
    let error = db.execute("SELECT ?1, ?2", &[text("a")]).unwrap_err();
    assert_eq!(error.code(), "parameter_count");
    let error = db.execute("SELEC 1", &[]).unwrap_err();
    assert_eq!(error.code(), "statement_failed");
    let error = db.execute("   ", &[]).unwrap_err();
    assert_eq!(error.code(), "statement_failed");
}

#[test]
fn a_result_larger_than_the_bound_is_refused_and_one_value_cannot_exceed_its_limit() {
    let (_dir, db) = prepared_env();
    let big = db.execute("SELECT randomblob(20000000)", &[]).unwrap_err();
    assert_eq!(big.code(), "statement_failed", "{big}");
    let many = db
        .execute(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10) \
             SELECT randomblob(8000000) FROM c",
            &[],
        )
        .unwrap_err();
    assert_eq!(many.code(), "result_too_large", "{many}");
}

#[test]
fn a_closed_environment_stops_a_running_statement_and_refuses_later_calls() {
    let (_dir, path) = env_path();
    let db = env_with_table(&path, &key(1));
    db.execute("INSERT INTO t (note) VALUES (?1)", &[text("kept")])
        .unwrap();
    let before = snapshot(&db);
    let db = std::sync::Arc::new(db);
    let runner = std::sync::Arc::clone(&db);
    let started = std::time::Instant::now();
    // Whether the close lands before the statement starts or while it runs, it must not
    // commit, and it must end long before its two billion rows could be counted.
    let long = std::thread::spawn(move || {
        runner.execute(
            "INSERT INTO t (note) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 \
             FROM c LIMIT 2000000000) SELECT count(*) FROM c",
            &[],
        )
    });
    db.interrupt();
    let outcome = long.join().unwrap();
    assert_eq!(outcome.unwrap_err().code(), "environment_closed");
    assert!(started.elapsed().as_secs() < 20);
    let later = db.execute("SELECT count(*) FROM t", &[]).unwrap_err();
    assert_eq!(later.code(), "environment_closed");

    drop(db);
    let reopened = EnvironmentDb::open(&path, &key(1)).unwrap();
    assert_eq!(snapshot(&reopened), before);
}
