//! [`Tx`] over a SQLite transaction.

use keyward_domain::model::TenantRegion;
use keyward_domain::model::{AuditEvent, Backup, Environment, EnvironmentStatus, Job};
use keyward_domain::model::{LockRecord, Protector};
use keyward_domain::model::{Tenant, TenantKey};
use keyward_domain::{BackupId, EnvironmentId, JobId, KeyId, TenantId};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::de::DeserializeOwned;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::audit::{event_hash, GENESIS};
use crate::tx::{DekOwner, KekRecord, NewAuditEvent, TokenRecord, Tx, WrappedDek};
use crate::StoreError;

pub(super) struct SqliteTx<'a> {
    pub(super) tx: &'a Transaction<'a>,
}

fn to_json<T: Serialize>(what: &'static str, id: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::corrupt(what, id))
}

fn from_json<T: DeserializeOwned>(
    what: &'static str,
    id: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(StoreError::corrupt(what, id))
}

impl SqliteTx<'_> {
    /// Reads every `(id, record)` row of a query and decodes the records.
    fn records<T: DeserializeOwned>(
        &self,
        what: &'static str,
        sql: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.tx.prepare_cached(sql)?;
        let rows = stmt.query_map(args, |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, record) = row?;
            out.push(from_json(what, &id, &record)?);
        }
        Ok(out)
    }

    /// Reads one record by id.
    fn record<T: DeserializeOwned>(
        &self,
        what: &'static str,
        sql: &str,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        let text: Option<String> = self.tx.query_row(sql, [id], |row| row.get(0)).optional()?;
        text.map(|t| from_json(what, id, &t)).transpose()
    }

    /// Inserts or replaces a row keyed by id, keeping its creation order on replace.
    fn upsert_scoped(
        &self,
        table: &'static str,
        id: &str,
        scope: &TenantRegion,
        record: &str,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO {table} (id, tenant, region, created_seq, record) \
             VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM {table}), ?4) \
             ON CONFLICT(id) DO UPDATE SET tenant = excluded.tenant, \
             region = excluded.region, record = excluded.record"
        );
        self.tx.execute(
            &sql,
            params![id, scope.tenant.as_str(), scope.region.as_str(), record],
        )?;
        Ok(())
    }
}

impl Tx for SqliteTx<'_> {
    fn put_tenant(&mut self, tenant: &Tenant) -> Result<(), StoreError> {
        let record = to_json("tenant", tenant.id.as_str(), tenant)?;
        self.tx.execute(
            "INSERT INTO tenants (id, record) VALUES (?1, ?2) \
             ON CONFLICT(id) DO UPDATE SET record = excluded.record",
            params![tenant.id.as_str(), record],
        )?;
        Ok(())
    }

    fn tenant(&mut self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        self.record(
            "tenant",
            "SELECT record FROM tenants WHERE id = ?1",
            id.as_str(),
        )
    }

    fn tenants(&mut self) -> Result<Vec<Tenant>, StoreError> {
        self.records("tenant", "SELECT id, record FROM tenants ORDER BY id", [])
    }

    fn put_key(&mut self, key: &TenantKey) -> Result<(), StoreError> {
        let record = to_json("tenant key", key.id.as_str(), key)?;
        self.upsert_scoped("tenant_keys", key.id.as_str(), &key.scope, &record)
    }

    fn key(&mut self, id: &KeyId) -> Result<Option<TenantKey>, StoreError> {
        self.record(
            "tenant key",
            "SELECT record FROM tenant_keys WHERE id = ?1",
            id.as_str(),
        )
    }

    fn keys(&mut self, scope: &TenantRegion) -> Result<Vec<TenantKey>, StoreError> {
        self.records(
            "tenant key",
            "SELECT id, record FROM tenant_keys WHERE tenant = ?1 AND region = ?2 \
             ORDER BY created_seq",
            params![scope.tenant.as_str(), scope.region.as_str()],
        )
    }

    fn put_public_key(&mut self, key: &KeyId, spki_der: &[u8]) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO tenant_key_publics (key_id, spki) VALUES (?1, ?2) \
             ON CONFLICT(key_id) DO UPDATE SET spki = excluded.spki",
            params![key.as_str(), spki_der],
        )?;
        Ok(())
    }

    fn public_key(&mut self, key: &KeyId) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .tx
            .query_row(
                "SELECT spki FROM tenant_key_publics WHERE key_id = ?1",
                [key.as_str()],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn put_environment(&mut self, env: &Environment) -> Result<(), StoreError> {
        let record = to_json("environment", env.id.as_str(), env)?;
        self.upsert_scoped("environments", env.id.as_str(), &env.scope, &record)
    }

    fn environment(&mut self, id: &EnvironmentId) -> Result<Option<Environment>, StoreError> {
        self.record(
            "environment",
            "SELECT record FROM environments WHERE id = ?1",
            id.as_str(),
        )
    }

    fn set_environment_status(
        &mut self,
        ids: &[EnvironmentId],
        status: &EnvironmentStatus,
    ) -> Result<u64, StoreError> {
        let status = to_json("environment status", "-", status)?;
        let ids: Vec<&str> = ids.iter().map(EnvironmentId::as_str).collect();
        let ids = to_json("environment ids", "-", &ids)?;
        let changed = self.tx.execute(
            "UPDATE environments SET record = json_set(record, '$.status', json(?1)) \
             WHERE id IN (SELECT value FROM json_each(?2))",
            params![status, ids],
        )?;
        Ok(changed as u64)
    }

    fn environments(&mut self, scope: &TenantRegion) -> Result<Vec<Environment>, StoreError> {
        self.records(
            "environment",
            "SELECT id, record FROM environments WHERE tenant = ?1 AND region = ?2 \
             ORDER BY created_seq",
            params![scope.tenant.as_str(), scope.region.as_str()],
        )
    }

    fn tenant_environments(&mut self, tenant: &TenantId) -> Result<Vec<Environment>, StoreError> {
        self.records(
            "environment",
            "SELECT id, record FROM environments WHERE tenant = ?1 ORDER BY created_seq",
            [tenant.as_str()],
        )
    }

    fn delete_environment(&mut self, id: &EnvironmentId) -> Result<bool, StoreError> {
        let owner = DekOwner::Environment(id.clone()).context();
        self.tx
            .execute("DELETE FROM data_keys WHERE owner = ?1", [owner])?;
        let n = self
            .tx
            .execute("DELETE FROM environments WHERE id = ?1", [id.as_str()])?;
        Ok(n > 0)
    }

    fn put_backup(&mut self, backup: &Backup) -> Result<(), StoreError> {
        let record = to_json("backup", backup.id.as_str(), backup)?;
        self.tx.execute(
            "INSERT INTO backups (id, environment, tenant, region, created_seq, record) \
             VALUES (?1, ?2, ?3, ?4, \
             (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM backups), ?5) \
             ON CONFLICT(id) DO UPDATE SET environment = excluded.environment, \
             tenant = excluded.tenant, region = excluded.region, record = excluded.record",
            params![
                backup.id.as_str(),
                backup.environment.as_str(),
                backup.scope.tenant.as_str(),
                backup.scope.region.as_str(),
                record
            ],
        )?;
        Ok(())
    }

    fn backup(&mut self, id: &BackupId) -> Result<Option<Backup>, StoreError> {
        self.record(
            "backup",
            "SELECT record FROM backups WHERE id = ?1",
            id.as_str(),
        )
    }

    fn backups(&mut self, env: &EnvironmentId) -> Result<Vec<Backup>, StoreError> {
        self.records(
            "backup",
            "SELECT id, record FROM backups WHERE environment = ?1 ORDER BY created_seq",
            [env.as_str()],
        )
    }

    fn region_backups(&mut self, scope: &TenantRegion) -> Result<Vec<Backup>, StoreError> {
        self.records(
            "backup",
            "SELECT id, record FROM backups WHERE tenant = ?1 AND region = ?2 \
             ORDER BY created_seq",
            params![scope.tenant.as_str(), scope.region.as_str()],
        )
    }

    fn delete_backup(&mut self, id: &BackupId) -> Result<bool, StoreError> {
        let owner = DekOwner::Backup(id.clone()).context();
        self.tx
            .execute("DELETE FROM data_keys WHERE owner = ?1", [owner])?;
        let n = self
            .tx
            .execute("DELETE FROM backups WHERE id = ?1", [id.as_str()])?;
        Ok(n > 0)
    }

    fn put_dek(&mut self, owner: &DekOwner, dek: &WrappedDek) -> Result<(), StoreError> {
        let context = owner.context();
        let protector = to_json("data key", &context, &dek.protector)?;
        self.tx.execute(
            "INSERT INTO data_keys (owner, protector, wrapped, generation) \
             VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT(owner) DO UPDATE SET protector = excluded.protector, \
             wrapped = excluded.wrapped, generation = excluded.generation",
            params![context, protector, dek.wrapped, dek.generation],
        )?;
        Ok(())
    }

    fn dek(&mut self, owner: &DekOwner) -> Result<Option<WrappedDek>, StoreError> {
        let context = owner.context();
        let row: Option<(String, Vec<u8>, u32)> = self
            .tx
            .query_row(
                "SELECT protector, wrapped, generation FROM data_keys WHERE owner = ?1",
                [&context],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        row.map(|(protector, wrapped, generation)| {
            let protector: Protector = from_json("data key", &context, &protector)?;
            Ok(WrappedDek {
                protector,
                wrapped,
                generation,
            })
        })
        .transpose()
    }

    fn put_kek(&mut self, kek: &KekRecord) -> Result<(), StoreError> {
        let created_at = kek
            .created_at
            .format(&Rfc3339)
            .map_err(|e| StoreError::Aborted(format!("unformattable time: {e}")))?;
        self.tx.execute(
            "INSERT INTO key_exchange_keys (tenant, region, kid, public_pem, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(tenant, region) DO UPDATE SET \
             kid = excluded.kid, public_pem = excluded.public_pem, \
             created_at = excluded.created_at",
            params![
                kek.scope.tenant.as_str(),
                kek.scope.region.as_str(),
                kek.kid,
                kek.public_pem,
                created_at
            ],
        )?;
        Ok(())
    }

    fn kek(&mut self, scope: &TenantRegion) -> Result<Option<KekRecord>, StoreError> {
        let row: Option<(String, String, String)> = self
            .tx
            .query_row(
                "SELECT kid, public_pem, created_at FROM key_exchange_keys \
                 WHERE tenant = ?1 AND region = ?2",
                params![scope.tenant.as_str(), scope.region.as_str()],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        row.map(|(kid, public_pem, created_at)| {
            let created_at =
                OffsetDateTime::parse(&created_at, &Rfc3339).map_err(|e| StoreError::Corrupt {
                    what: "key exchange key",
                    id: scope.to_string(),
                    reason: e.to_string(),
                })?;
            Ok(KekRecord {
                scope: scope.clone(),
                kid,
                public_pem,
                created_at,
            })
        })
        .transpose()
    }

    fn put_lock(&mut self, lock: &LockRecord) -> Result<(), StoreError> {
        let record = to_json("lock", &lock.scope.to_string(), lock)?;
        self.tx.execute(
            "INSERT INTO lock_records (tenant, region, record) VALUES (?1, ?2, ?3) \
             ON CONFLICT(tenant, region) DO UPDATE SET record = excluded.record",
            params![
                lock.scope.tenant.as_str(),
                lock.scope.region.as_str(),
                record
            ],
        )?;
        Ok(())
    }

    fn lock(&mut self, scope: &TenantRegion) -> Result<Option<LockRecord>, StoreError> {
        let text: Option<String> = self
            .tx
            .query_row(
                "SELECT record FROM lock_records WHERE tenant = ?1 AND region = ?2",
                params![scope.tenant.as_str(), scope.region.as_str()],
                |row| row.get(0),
            )
            .optional()?;
        text.map(|t| from_json("lock", &scope.to_string(), &t))
            .transpose()
    }

    fn put_token(&mut self, token: &TokenRecord, secret_hash: &[u8; 32]) -> Result<(), StoreError> {
        let record = to_json("token", &token.id, token)?;
        self.tx.execute(
            "INSERT INTO api_tokens (id, hash, created_seq, record) \
             VALUES (?1, ?2, (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM api_tokens), ?3) \
             ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, record = excluded.record",
            params![token.id, secret_hash.as_slice(), record],
        )?;
        Ok(())
    }

    fn token(&mut self, id: &str) -> Result<Option<(TokenRecord, [u8; 32])>, StoreError> {
        let row: Option<(String, Vec<u8>)> = self
            .tx
            .query_row(
                "SELECT record, hash FROM api_tokens WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        row.map(|(record, hash)| {
            let record: TokenRecord = from_json("token", id, &record)?;
            let hash: [u8; 32] = hash
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::Corrupt {
                    what: "token",
                    id: id.to_owned(),
                    reason: "its hash is not 32 bytes".into(),
                })?;
            Ok((record, hash))
        })
        .transpose()
    }

    fn tokens(&mut self) -> Result<Vec<TokenRecord>, StoreError> {
        self.records(
            "token",
            "SELECT id, record FROM api_tokens ORDER BY created_seq",
            [],
        )
    }

    fn put_job(&mut self, job: &Job) -> Result<(), StoreError> {
        let record = to_json("job", job.id.as_str(), job)?;
        self.tx.execute(
            "INSERT INTO jobs (id, finished, created_seq, record) \
             VALUES (?1, ?2, (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM jobs), ?3) \
             ON CONFLICT(id) DO UPDATE SET finished = excluded.finished, \
             record = excluded.record",
            params![job.id.as_str(), job.state.is_finished(), record],
        )?;
        Ok(())
    }

    fn job(&mut self, id: &JobId) -> Result<Option<Job>, StoreError> {
        self.record("job", "SELECT record FROM jobs WHERE id = ?1", id.as_str())
    }

    fn unfinished_jobs(&mut self) -> Result<Vec<Job>, StoreError> {
        self.records(
            "job",
            "SELECT id, record FROM jobs WHERE finished = 0 ORDER BY created_seq",
            [],
        )
    }

    fn append_audit(&mut self, event: NewAuditEvent) -> Result<AuditEvent, StoreError> {
        let last: Option<(i64, String)> = self
            .tx
            .query_row(
                "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let (seq, prev_hash) = match last {
            Some((seq, hash)) => (seq.unsigned_abs() + 1, hash),
            None => (1, GENESIS.to_owned()),
        };
        let event = AuditEvent {
            seq,
            at: event.at,
            actor: event.actor,
            tenant: event.tenant,
            action: event.action,
            target: event.target,
            outcome: event.outcome,
            prev_hash,
        };
        let record = to_json("audit event", &seq.to_string(), &event)?;
        self.tx.execute(
            "INSERT INTO audit_events (seq, tenant, record, hash) VALUES (?1, ?2, ?3, ?4)",
            params![
                sql_int(seq),
                event.tenant.as_ref().map(TenantId::as_str),
                record,
                event_hash(&event)
            ],
        )?;
        Ok(event)
    }

    fn audit_events(
        &mut self,
        tenant: Option<&TenantId>,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        match tenant {
            Some(tenant) => self.records(
                "audit event",
                "SELECT CAST(seq AS TEXT), record FROM audit_events WHERE tenant = ?1 AND seq > ?2 \
                 ORDER BY seq LIMIT ?3",
                params![tenant.as_str(), sql_int(after_seq), limit],
            ),
            None => self.records(
                "audit event",
                "SELECT CAST(seq AS TEXT), record FROM audit_events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                params![sql_int(after_seq), limit],
            ),
        }
    }
}

/// SQLite integers are signed; sequence numbers past `i64::MAX` cannot occur in practice,
/// and saturating keeps a hostile argument from wrapping around.
fn sql_int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
