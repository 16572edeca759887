//! Versioned schema migrations, applied in order, each in its own transaction.
//!
//! The schema version is SQLite's `user_version`. A migration, once released, is never
//! edited: changes go into a new one appended to [`MIGRATIONS`].
//!
//! Tables keep whole domain records as JSON in `record`, beside the columns that lookups
//! need; the record is the truth, the columns are its index.

use rusqlite::Connection;

use crate::StoreError;

/// Every migration, in order; index + 1 is the schema version it produces.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the domain's nouns and their wrapped data keys.
    r#"
    CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        record TEXT NOT NULL
    );
    CREATE TABLE tenant_keys (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL REFERENCES tenants(id),
        region TEXT NOT NULL,
        created_seq INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    CREATE INDEX tenant_keys_by_scope ON tenant_keys(tenant, region, created_seq);
    CREATE TABLE environments (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL REFERENCES tenants(id),
        region TEXT NOT NULL,
        created_seq INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    CREATE INDEX environments_by_scope ON environments(tenant, region, created_seq);
    CREATE TABLE backups (
        id TEXT PRIMARY KEY,
        environment TEXT NOT NULL,
        created_seq INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    CREATE INDEX backups_by_environment ON backups(environment, created_seq);
    CREATE TABLE data_keys (
        owner TEXT PRIMARY KEY,
        protector TEXT NOT NULL,
        wrapped BLOB NOT NULL
    );
    "#,
    // 2: durable jobs, key exchange keys and the append-only audit chain.
    r#"
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        finished INTEGER NOT NULL,
        created_seq INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    CREATE INDEX jobs_unfinished ON jobs(finished, created_seq);
    CREATE TABLE key_exchange_keys (
        tenant TEXT NOT NULL,
        region TEXT NOT NULL,
        kid TEXT NOT NULL,
        public_pem TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant, region)
    );
    CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        tenant TEXT,
        record TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_by_tenant ON audit_events(tenant, seq);
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    "#,
    // 3: the latest lock of each tenant-region (L1, L6).
    r#"
    CREATE TABLE lock_records (
        tenant TEXT NOT NULL,
        region TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (tenant, region)
    );
    "#,
    // 4: tenant keys' public halves (kept after a lock, to wrap and to recognise) and the
    // file generation a data key opens.
    r#"
    CREATE TABLE tenant_key_publics (
        key_id TEXT PRIMARY KEY,
        spki BLOB NOT NULL
    );
    ALTER TABLE data_keys ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
    "#,
    // 5: API tokens, stored as SHA-256 hashes only.
    r#"
    CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        hash BLOB NOT NULL,
        created_seq INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    "#,
    // 6: backups findable by tenant-region in one indexed query.
    r#"
    ALTER TABLE backups ADD COLUMN tenant TEXT;
    ALTER TABLE backups ADD COLUMN region TEXT;
    UPDATE backups SET tenant = json_extract(record, '$.scope.tenant'),
                       region = json_extract(record, '$.scope.region');
    CREATE INDEX backups_by_scope ON backups(tenant, region, created_seq);
    "#,
];

/// The schema version this build writes.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the database up to `target` (at most [`latest`]), one migration per transaction.
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current > latest() {
        return Err(StoreError::SchemaTooNew {
            found: current,
            supported: latest(),
        });
    }
    for version in (current + 1)..=target.min(latest()) {
        let tx = conn.transaction()?;
        tx.execute_batch(MIGRATIONS[(version - 1) as usize])?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied metadata store migration");
    }
    Ok(())
}
