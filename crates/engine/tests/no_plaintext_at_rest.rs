//! SPEC §3, §6: environments are encrypted at rest, always. Known markers written into
//! tables, files and CSV imports of platform- and tenant-protected environments, then
//! backed up, copied and restored, appear in no byte of any file of the data directory,
//! while the environments are open and after the engine is gone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use keyward_domain::model::EnvironmentType;
use keyward_domain::EnvironmentId;
use keyward_engine::Value;
use keyward_storage::CsvOptions;

const ROW: &str = "ROW-MARKER-4e1d7b-must-never-reach-disk";
const BLOB: &[u8] = b"BLOB-MARKER-a93c20-must-never-reach-disk";
const FILE: &[u8] = b"FILE-MARKER-5f02e8-must-never-reach-disk";
const FILE_NAME: &str = "NAME-MARKER-77c1aa-secret-report.pdf";
const CSV: &str = "CSV-MARKER-0b6d39-must-never-reach-disk";

fn needles() -> [(&'static str, &'static [u8]); 5] {
    [
        ("row marker", ROW.as_bytes()),
        ("blob marker", BLOB),
        ("file marker", FILE),
        ("file name marker", FILE_NAME.as_bytes()),
        ("csv marker", CSV.as_bytes()),
    ]
}

fn write_markers(h: &Harness, env: &EnvironmentId) {
    h.sql(
        env,
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, raw BLOB)",
    );
    for i in 0..40 {
        let params = [
            Value::Text(format!("{ROW} #{i}")),
            Value::Blob(BLOB.to_vec()),
        ];
        h.engine
            .sql(
                ADMIN,
                env,
                "INSERT INTO notes (body, raw) VALUES (?1, ?2)",
                &params,
            )
            .unwrap();
    }
    h.sql(
        env,
        &format!("INSERT INTO notes (body) VALUES ('{ROW} inline')"),
    );
    // Larger than one storage chunk, so the marker spans chunk boundaries too.
    h.put(env, FILE_NAME, &FILE.repeat(40_000));
    let csv: String = (0..20).map(|i| format!("{i},{CSV} {i}\n")).collect();
    let options = CsvOptions {
        header: false,
        create_table: true,
    };
    h.engine
        .import_csv(ADMIN, env, "imported", csv.as_bytes(), options)
        .unwrap();
}

#[test]
fn no_marker_appears_in_any_file_while_open_and_after_the_engine_is_dropped() {
    let h = Harness::new();
    let contoso = h.tenant("contoso");
    h.upload(&contoso, &key_a());
    let globex = h.tenant("globex");
    let envs = [
        h.tenant_environment(&contoso, "tenant-a"),
        h.tenant_environment(&contoso, "tenant-b"),
        h.environment(&contoso, "platform-a", EnvironmentType::Production),
        h.environment(&globex, "platform-b", EnvironmentType::Sandbox),
    ];
    for env in &envs {
        write_markers(&h, env);
    }
    for env in &envs {
        h.engine.backup(ADMIN, env).unwrap();
    }
    let restore_me = h.engine.backup(ADMIN, &envs[2]).unwrap();
    h.engine.restore(ADMIN, &restore_me.id, &envs[2]).unwrap();
    let target = h.environment(&contoso, "copy-target", EnvironmentType::Sandbox);
    h.engine.copy(ADMIN, &envs[2], &target).unwrap();

    // The markers really are stored (and readable through the engine).
    for env in envs.iter().chain([&target]) {
        let rows = h.rows(
            env,
            "SELECT count(*) FROM notes WHERE body LIKE 'ROW-MARKER%'",
        );
        assert_eq!(rows, vec![vec![Value::Integer(41)]]);
        assert_eq!(h.get(env, FILE_NAME).len(), FILE.len() * 40_000);
    }

    // Scan once with every environment open, write-ahead logs included.
    let open_files = all_files(h.root());
    assert!(
        open_files
            .iter()
            .any(|p| p.to_string_lossy().ends_with("-wal")),
        "no write-ahead log to scan: {open_files:?}"
    );
    let scanned = assert_absent_everywhere(h.root(), &needles());
    assert!(scanned >= 15, "scanned only {scanned} files");

    // And once after the engine is gone.
    let Harness { dir, engine, .. } = h;
    drop(engine);
    let scanned = assert_absent_everywhere(dir.path(), &needles());
    assert!(scanned >= 10, "scanned only {scanned} files");
    assert!(all_files(dir.path())
        .iter()
        .any(|p| p.starts_with(dir.path().join("backups"))));
}
