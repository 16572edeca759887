//! The data plane: environment users' SQL, files and CSV imports (E5, L5).
//!
//! A request first checks, under the open-environment cache's lock, that the environment
//! is online; a locked one is refused (L5), one offline for a protector change too (E3).
//! It then opens the environment (unwrapping its data key once) or reuses the open one,
//! and runs outside the lock. Only refusals are audited here (the environment's state, or
//! the storage engine refusing a statement or a file): reads and writes of user data are
//! not key operations, and logging each would drown the audit log.

use std::io::{Read, Write};
use std::sync::Arc;

use keyward_domain::model::{Environment, EnvironmentStatus};
use keyward_domain::{EnvironmentId, Refusal, RefusalCode};
use keyward_storage::{
    CsvImportSummary, CsvOptions, EnvironmentDb, FileMeta, QueryResult, StorageError, Value,
};
use keyward_store::DekOwner;

use crate::audit::AuditEntry;
use crate::envelope::unwrap;
use crate::{Engine, EngineError};

impl Engine {
    /// Runs one SQL statement in an online environment.
    pub fn sql(
        &self,
        actor: &str,
        env: &EnvironmentId,
        sql: &str,
        params: &[Value],
    ) -> Result<QueryResult, EngineError> {
        self.with_online(actor, env, "data.sql", |db| Ok(db.execute(sql, params)?))
    }

    /// Stores a file (at most the policy's size, E5), streamed from `reader`.
    pub fn put_file(
        &self,
        actor: &str,
        env: &EnvironmentId,
        name: &str,
        reader: impl Read,
    ) -> Result<FileMeta, EngineError> {
        let limit = self.policy.max_file_bytes;
        self.with_online(actor, env, "data.file_put", |db| {
            Ok(db.put_file(name, reader, limit)?)
        })
    }

    /// Streams a stored file into `writer`.
    pub fn get_file(
        &self,
        actor: &str,
        env: &EnvironmentId,
        name: &str,
        writer: impl Write,
    ) -> Result<FileMeta, EngineError> {
        self.with_online(actor, env, "data.file_get", |db| {
            Ok(db.get_file(name, writer)?)
        })
    }

    /// Lists the stored files.
    pub fn list_files(
        &self,
        actor: &str,
        env: &EnvironmentId,
    ) -> Result<Vec<FileMeta>, EngineError> {
        self.with_online(actor, env, "data.file_list", |db| Ok(db.list_files()?))
    }

    /// Deletes a stored file.
    pub fn delete_file(
        &self,
        actor: &str,
        env: &EnvironmentId,
        name: &str,
    ) -> Result<(), EngineError> {
        self.with_online(actor, env, "data.file_delete", |db| {
            Ok(db.delete_file(name)?)
        })
    }

    /// Imports CSV rows into a table, all or nothing.
    pub fn import_csv(
        &self,
        actor: &str,
        env: &EnvironmentId,
        table: &str,
        reader: impl Read,
        options: CsvOptions,
    ) -> Result<CsvImportSummary, EngineError> {
        let limit = self.policy.max_file_bytes;
        let reader = CappedReader {
            inner: reader,
            left: limit,
        };
        self.with_online(actor, env, "data.csv_import", |db| {
            Ok(db.import_csv(table, reader, options)?)
        })
    }

    /// Runs `work` on the open database of an online environment; audits a refusal.
    fn with_online<T>(
        &self,
        actor: &str,
        env: &EnvironmentId,
        action: &'static str,
        work: impl FnOnce(&EnvironmentDb) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let entry = || {
            let tenant = self.environment(env).ok().map(|e| e.scope.tenant);
            AuditEntry::new(actor, tenant.as_ref(), action, env)
        };
        let db = match self.open_online(env) {
            Ok(db) => db,
            Err(error) => return self.refuse(&entry(), error),
        };
        match work(&db) {
            // Closed under the request by a lock or a key change: answer as a new request
            // would hear it (L5, E3), and audit it like one.
            Err(EngineError::Data(StorageError::Closed)) => {
                let now = self.environment(env).and_then(|e| require_online(&e));
                let error = now.err().unwrap_or(EngineError::Data(StorageError::Closed));
                self.refuse(&entry(), error)
            }
            // The storage engine's own refusals are audited like the rules' (S2): a file over
            // the E5 limit, a statement that would escape the environment or change its key.
            // Ordinary user errors (bad SQL, a missing file) are not refusals.
            Err(error) if is_storage_refusal(&error) => self.refuse(&entry(), error),
            result => result,
        }
    }

    /// The open database of `env`, opening it if needed, refusing unless it is online.
    pub(crate) fn open_online(
        &self,
        env: &EnvironmentId,
    ) -> Result<Arc<EnvironmentDb>, EngineError> {
        let mut open = self.open.guard();
        let record = self.environment(env)?;
        require_online(&record)?;
        if let Some(db) = open.get(env) {
            return Ok(db);
        }
        let owner = DekOwner::Environment(env.clone());
        let wrapped = self.current_dek(&owner)?;
        let dek = unwrap(self.vault.as_ref(), &owner, &wrapped)?;
        let path = self.layout.environment_file(env, wrapped.generation);
        let db = Arc::new(EnvironmentDb::open(path, dek.expose_bytes())?);
        open.insert(env.clone(), record.scope, Arc::clone(&db));
        Ok(db)
    }
}

/// Whether the storage engine refused the request on a rule, rather than failed on it.
fn is_storage_refusal(error: &EngineError) -> bool {
    matches!(
        error,
        EngineError::Data(
            StorageError::StatementRefused { .. } | StorageError::FileTooLarge { .. }
        )
    )
}

/// L5 and E3: only an online environment serves requests.
pub(crate) fn require_online(env: &Environment) -> Result<(), EngineError> {
    let refusal = match env.status {
        EnvironmentStatus::Online => return Ok(()),
        EnvironmentStatus::Locked { .. } => Refusal::new(
            RefusalCode::EnvironmentLocked,
            format!(
                "environment {} is locked: its tenant locked its key; a tenant admin must \
                 unlock the key and then this environment",
                env.id
            ),
        ),
        EnvironmentStatus::Offline => Refusal::new(
            RefusalCode::EnvironmentOffline,
            format!(
                "environment {} is offline while its protector changes; retry when the job \
                 has finished",
                env.id
            ),
        ),
    };
    Err(refusal.into())
}

/// A CSV body is bounded like a file (E5): the reader fails once it passes the limit, and
/// the import then rolls back whole.
struct CappedReader<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::other("the CSV body is larger than the per-file limit (E5)")
        })?;
        Ok(n)
    }
}
