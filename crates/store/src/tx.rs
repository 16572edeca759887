//! The store's interface: a transaction runner and the operations a transaction offers.
//!
//! Kept narrow on purpose: whole records in, whole records out, looked up by id or by
//! tenant-region. Any SQL database can implement it without the rules changing.

use keyward_domain::model::{AuditEvent, Backup, Environment, Job, Tenant, TenantKey};
use keyward_domain::model::{AuditOutcome, EnvironmentStatus, LockRecord, Protector, TenantRegion};
use keyward_domain::{BackupId, EnvironmentId, JobId, KeyId, TenantId};
use time::OffsetDateTime;

use crate::StoreError;

/// Whose data key a wrapped key is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DekOwner {
    /// An environment's live data key.
    Environment(EnvironmentId),
    /// A backup's data key.
    Backup(BackupId),
}

impl DekOwner {
    /// `environment:<id>` or `backup:<id>`: the row key, and the binding context used
    /// when the platform root key wraps it.
    pub fn context(&self) -> String {
        match self {
            DekOwner::Environment(id) => format!("environment:{id}"),
            DekOwner::Backup(id) => format!("backup:{id}"),
        }
    }
}

/// A data key as stored: wrapped, with what wrapped it.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedDek {
    /// The platform key or a tenant key.
    pub protector: Protector,
    /// The wrapped bytes (AES-GCM sealed, or RSA-OAEP ciphertext).
    pub wrapped: Vec<u8>,
    /// Which generation of the owner's database file this key opens: a re-encryption
    /// writes generation n+1 beside n and switches key and generation in one transaction.
    pub generation: u32,
}

impl std::fmt::Debug for WrappedDek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Wrapped keys are not secret, but they are useless in logs and large.
        f.debug_struct("WrappedDek")
            .field("protector", &self.protector)
            .field("wrapped_len", &self.wrapped.len())
            .field("generation", &self.generation)
            .finish()
    }
}

/// The public record of a tenant-region's key exchange key (K3); its private half is in
/// the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KekRecord {
    /// The tenant-region it serves.
    pub scope: TenantRegion,
    /// The id a `.byok` blob must name.
    pub kid: String,
    /// The public key, PEM.
    pub public_pem: String,
    /// When it was made.
    pub created_at: OffsetDateTime,
}

/// An API token as stored: its public id, the SHA-256 of its secret, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TokenRecord {
    /// The token's public id (the part before the secret).
    pub id: String,
    /// Who holds it, for audit events (e.g. `alice@contoso`).
    pub label: String,
    /// Its role and scope.
    pub role: keyward_domain::model::Role,
    /// When it was issued.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was revoked, if it was.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// An audit event before the store gives it a sequence number and chains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    /// When it happened.
    pub at: OffsetDateTime,
    /// Who.
    pub actor: String,
    /// The tenant concerned, if any.
    pub tenant: Option<TenantId>,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// How it ended.
    pub outcome: AuditOutcome,
}

/// What a transaction can read and write. Every write is undone if the transaction does
/// not commit.
pub trait Tx {
    /// Inserts or replaces a tenant.
    fn put_tenant(&mut self, tenant: &Tenant) -> Result<(), StoreError>;
    /// A tenant by id.
    fn tenant(&mut self, id: &TenantId) -> Result<Option<Tenant>, StoreError>;
    /// Every tenant, by id.
    fn tenants(&mut self) -> Result<Vec<Tenant>, StoreError>;

    /// Inserts or replaces a tenant key record.
    fn put_key(&mut self, key: &TenantKey) -> Result<(), StoreError>;
    /// A tenant key by id.
    fn key(&mut self, id: &KeyId) -> Result<Option<TenantKey>, StoreError>;
    /// Every key of a tenant-region, oldest first.
    fn keys(&mut self, scope: &TenantRegion) -> Result<Vec<TenantKey>, StoreError>;

    /// Records a tenant key's public half (DER SubjectPublicKeyInfo); kept for ever.
    fn put_public_key(&mut self, key: &KeyId, spki_der: &[u8]) -> Result<(), StoreError>;
    /// A tenant key's public half.
    fn public_key(&mut self, key: &KeyId) -> Result<Option<Vec<u8>>, StoreError>;

    /// Inserts or replaces an environment.
    fn put_environment(&mut self, env: &Environment) -> Result<(), StoreError>;
    /// An environment by id.
    fn environment(&mut self, id: &EnvironmentId) -> Result<Option<Environment>, StoreError>;
    /// Sets the status of many environments in one statement (a lock of thousands);
    /// returns how many records changed.
    fn set_environment_status(
        &mut self,
        ids: &[EnvironmentId],
        status: &EnvironmentStatus,
    ) -> Result<u64, StoreError>;
    /// Every environment of a tenant-region, oldest first.
    fn environments(&mut self, scope: &TenantRegion) -> Result<Vec<Environment>, StoreError>;
    /// Every environment of a tenant, in all regions, oldest first.
    fn tenant_environments(&mut self, tenant: &TenantId) -> Result<Vec<Environment>, StoreError>;
    /// Removes an environment and its wrapped data key; returns whether it existed.
    fn delete_environment(&mut self, id: &EnvironmentId) -> Result<bool, StoreError>;

    /// Inserts or replaces a backup.
    fn put_backup(&mut self, backup: &Backup) -> Result<(), StoreError>;
    /// A backup by id.
    fn backup(&mut self, id: &BackupId) -> Result<Option<Backup>, StoreError>;
    /// Every backup of an environment, oldest first.
    fn backups(&mut self, env: &EnvironmentId) -> Result<Vec<Backup>, StoreError>;
    /// Every backup of a tenant-region's environments, oldest first.
    fn region_backups(&mut self, scope: &TenantRegion) -> Result<Vec<Backup>, StoreError>;
    /// Removes a backup and its wrapped data key; returns whether it existed.
    fn delete_backup(&mut self, id: &BackupId) -> Result<bool, StoreError>;

    /// Stores (or replaces) the wrapped data key of an environment or backup.
    fn put_dek(&mut self, owner: &DekOwner, dek: &WrappedDek) -> Result<(), StoreError>;
    /// The wrapped data key of an environment or backup.
    fn dek(&mut self, owner: &DekOwner) -> Result<Option<WrappedDek>, StoreError>;

    /// Inserts or replaces a tenant-region's key exchange key record.
    fn put_kek(&mut self, kek: &KekRecord) -> Result<(), StoreError>;
    /// A tenant-region's key exchange key record.
    fn kek(&mut self, scope: &TenantRegion) -> Result<Option<KekRecord>, StoreError>;

    /// Inserts or replaces the latest lock record of its tenant-region.
    fn put_lock(&mut self, lock: &LockRecord) -> Result<(), StoreError>;
    /// The latest lock record of a tenant-region.
    fn lock(&mut self, scope: &TenantRegion) -> Result<Option<LockRecord>, StoreError>;

    /// Inserts or replaces a token record with the SHA-256 of its secret.
    fn put_token(&mut self, token: &TokenRecord, secret_hash: &[u8; 32]) -> Result<(), StoreError>;
    /// A token record and its secret's hash, by public id.
    fn token(&mut self, id: &str) -> Result<Option<(TokenRecord, [u8; 32])>, StoreError>;
    /// Every token record, oldest first.
    fn tokens(&mut self) -> Result<Vec<TokenRecord>, StoreError>;

    /// Inserts or replaces a job.
    fn put_job(&mut self, job: &Job) -> Result<(), StoreError>;
    /// A job by id.
    fn job(&mut self, id: &JobId) -> Result<Option<Job>, StoreError>;
    /// Jobs not yet finished, oldest first: what to resume after a restart.
    fn unfinished_jobs(&mut self) -> Result<Vec<Job>, StoreError>;

    /// Appends an audit event, chained to the previous one.
    fn append_audit(&mut self, event: NewAuditEvent) -> Result<AuditEvent, StoreError>;
    /// Audit events after `after_seq`, oldest first, at most `limit`; only `tenant`'s
    /// when given.
    fn audit_events(
        &mut self,
        tenant: Option<&TenantId>,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, StoreError>;
}

/// Runs transactions.
pub trait Store: Send + Sync {
    /// Runs `body` in one transaction: commits when it returns `Ok`, rolls back when it
    /// returns `Err`. Use [`transact`] for a body that returns a value.
    fn run(
        &self,
        body: &mut dyn FnMut(&mut dyn Tx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

/// Runs `body` in one transaction of `store` and returns its value. The transaction
/// commits only when `body` returns `Ok` and the commit succeeds; otherwise nothing that
/// `body` wrote remains.
pub fn transact<S, T, E>(store: &S, body: impl FnOnce(&mut dyn Tx) -> Result<T, E>) -> Result<T, E>
where
    S: Store + ?Sized,
    E: From<StoreError>,
{
    let mut body = Some(body);
    let mut outcome: Option<Result<T, E>> = None;
    let ran = store.run(&mut |tx| {
        let Some(body) = body.take() else {
            return Err(StoreError::Aborted("transaction body ran twice".into()));
        };
        let result = body(tx);
        let failed = result.is_err();
        outcome = Some(result);
        if failed {
            Err(StoreError::Aborted("the operation failed".into()))
        } else {
            Ok(())
        }
    });
    match (ran, outcome) {
        (_, Some(Err(e))) => Err(e),
        (Ok(()), Some(Ok(value))) => Ok(value),
        (Err(e), _) => Err(e.into()),
        (Ok(()), None) => Err(StoreError::Aborted("transaction body did not run".into()).into()),
    }
}
