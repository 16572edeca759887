//! Shared helpers of the engine's integration tests: an engine in a temporary data
//! directory on a manual clock, tenants with the feature on, the real key files of
//! `shared/cases`, and raw looks at what lies on disk (files, `metadata.db`, the vault).
//!
//! Every test drives the engine's public API only; the raw looks exist to prove what the
//! API cannot show (no plaintext at rest, no key that opens a locked environment).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use keyward_domain::model::{
    AuditEvent, AuditOutcome, Environment, EnvironmentType, Job, JobState, Protector, TenantKey,
    TenantRegion,
};
use keyward_domain::rules::keys::Risk;
use keyward_domain::{EnvironmentId, ManualClock, Policy, RegionName, TenantId};
use keyward_engine::{Engine, EngineConfig, EngineError, QueryResult, Value};
use keyward_keys::{import_key, IterationLimits, Password, Pkcs12Profile};
use keyward_storage::EnvironmentDb;
use keyward_vault::{FileVault, ObjectId, ObjectKind, Vault};
use time::macros::datetime;
use time::Duration;

/// The actor every test call is made as.
pub const ADMIN: &str = "test-admin";

/// The region every test tenant has.
pub const REGION: &str = "eu-west";

/// Acknowledged risk (K8), for brevity.
pub const ACK: Risk = Risk::Acknowledged;

/// An engine over a temporary data directory, with the clock it reads.
pub struct Harness {
    pub dir: tempfile::TempDir,
    pub clock: ManualClock,
    pub policy: Policy,
    pub engine: Engine,
}

impl Harness {
    /// A fresh data directory with the SPEC's default policy.
    pub fn new() -> Self {
        Self::with_policy(Policy::default())
    }

    /// A fresh data directory with `policy`.
    pub fn with_policy(policy: Policy) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(datetime!(2026-03-01 09:00 UTC));
        let engine = open_engine(dir.path(), &clock, &policy);
        Self {
            dir,
            clock,
            policy,
            engine,
        }
    }

    /// Simulates a restart: drops the engine and opens a new one on the same data
    /// directory and clock.
    pub fn restart(&mut self) {
        let fresh = open_engine(self.dir.path(), &self.clock, &self.policy);
        let old = std::mem::replace(&mut self.engine, fresh);
        drop(old);
    }

    /// Same as [`Harness::restart`], but the old engine is gone before the new one opens.
    pub fn crash_and_reopen(self) -> Self {
        let Harness {
            dir,
            clock,
            policy,
            engine,
        } = self;
        drop(engine);
        let engine = open_engine(dir.path(), &clock, &policy);
        Harness {
            dir,
            clock,
            policy,
            engine,
        }
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// A new tenant with one region and the self-managed-key feature enabled.
    pub fn tenant(&self, name: &str) -> TenantRegion {
        let scope = self.tenant_without_feature(name);
        self.engine.enable_feature(ADMIN, &scope.tenant).unwrap();
        scope
    }

    /// A new tenant with one region and the feature still off.
    pub fn tenant_without_feature(&self, name: &str) -> TenantRegion {
        let id = TenantId::new(name).unwrap();
        let region = RegionName::new(REGION).unwrap();
        self.engine
            .create_tenant(ADMIN, id.clone(), name, vec![region.clone()])
            .unwrap();
        TenantRegion { tenant: id, region }
    }

    /// Uploads `key` into `scope` (the first key of a region arrives active, K5).
    pub fn upload(&self, scope: &TenantRegion, key: &KeyFile) -> TenantKey {
        self.engine
            .upload_key(ADMIN, scope, &key.bytes, Some(&key.password()), ACK)
            .unwrap()
    }

    /// Generates a key in `scope` (K4) protected by `password`; returns its record and
    /// file. Costs about a second: the file uses 600,000 PBKDF2 iterations.
    pub fn generate(&self, scope: &TenantRegion, password: &str) -> (TenantKey, KeyFile) {
        let generated = self
            .engine
            .generate_key(
                ADMIN,
                scope,
                &Password::from_bytes(password.as_bytes()),
                Pkcs12Profile::Modern,
                ACK,
            )
            .unwrap();
        let file = KeyFile {
            bytes: generated.pkcs12.into_bytes(),
            password: password.to_owned(),
        };
        (generated.key, file)
    }

    /// A new environment of `env_type` (platform-protected, E2).
    pub fn environment(
        &self,
        scope: &TenantRegion,
        name: &str,
        env_type: EnvironmentType,
    ) -> EnvironmentId {
        self.engine
            .create_environment(ADMIN, scope, name, env_type)
            .unwrap()
            .id
    }

    /// A new sandbox environment moved onto the region's active key (E3).
    pub fn tenant_environment(&self, scope: &TenantRegion, name: &str) -> EnvironmentId {
        let env = self.environment(scope, name, EnvironmentType::Sandbox);
        self.apply_key(&env);
        env
    }

    /// Applies the active tenant key to `env` and runs the job to success.
    pub fn apply_key(&self, env: &EnvironmentId) {
        let job = self.engine.apply_tenant_key(ADMIN, env).unwrap();
        assert_succeeded(&self.engine.run_job(&job.id).unwrap());
    }

    /// Issues a lock confirmation and locks `scope` with `key`, running the job.
    pub fn lock(&self, scope: &TenantRegion, key: &KeyFile) -> Job {
        let job = self.start_lock(scope, key);
        let job = self.engine.run_job(&job.id).unwrap();
        assert_succeeded(&job);
        job
    }

    /// Issues a lock confirmation and requests the lock; the job is not run.
    pub fn start_lock(&self, scope: &TenantRegion, key: &KeyFile) -> Job {
        let record = self.engine.issue_lock_confirmation(ADMIN, scope).unwrap();
        self.engine
            .lock(
                ADMIN,
                scope,
                &key.bytes,
                Some(&key.password()),
                &record.confirmation,
                ACK,
            )
            .unwrap()
    }

    /// Re-installs the locked `key` of `scope` (U1) and runs the job.
    pub fn unlock_key(&self, scope: &TenantRegion, key: &KeyFile) {
        let job = self
            .engine
            .unlock_key(ADMIN, scope, &key.bytes, Some(&key.password()), ACK)
            .unwrap();
        assert_succeeded(&self.engine.run_job(&job.id).unwrap());
    }

    /// Runs one SQL statement, which must succeed.
    pub fn sql(&self, env: &EnvironmentId, sql: &str) -> QueryResult {
        self.engine.sql(ADMIN, env, sql, &[]).unwrap()
    }

    /// Every row of a query, which must succeed.
    pub fn rows(&self, env: &EnvironmentId, sql: &str) -> Vec<Vec<Value>> {
        self.sql(env, sql).rows
    }

    /// Stores a file, which must succeed.
    pub fn put(&self, env: &EnvironmentId, name: &str, content: &[u8]) {
        self.engine.put_file(ADMIN, env, name, content).unwrap();
    }

    /// Reads a stored file, which must succeed.
    pub fn get(&self, env: &EnvironmentId, name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        self.engine.get_file(ADMIN, env, name, &mut out).unwrap();
        out
    }

    /// A table `t` with some rows and a file, all tagged with `tag`; returns what a
    /// [`Harness::snapshot`] of it must show.
    pub fn seed(&self, env: &EnvironmentId, tag: &str) -> Snapshot {
        self.sql(env, "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)");
        for i in 0..5 {
            self.engine
                .sql(
                    ADMIN,
                    env,
                    "INSERT INTO t (id, note) VALUES (?1, ?2)",
                    &[Value::Integer(i), Value::Text(format!("{tag} row {i}"))],
                )
                .unwrap();
        }
        self.put(env, "doc.txt", format!("{tag} file body").as_bytes());
        self.snapshot(env)
    }

    /// The rows of `t` and the stored files of `env`.
    pub fn snapshot(&self, env: &EnvironmentId) -> Snapshot {
        let rows = self.rows(env, "SELECT id, note FROM t ORDER BY id");
        let mut files = Vec::new();
        for meta in self.engine.list_files(ADMIN, env).unwrap() {
            let body = self.get(env, &meta.name);
            files.push((meta.name, body));
        }
        files.sort();
        Snapshot { rows, files }
    }

    /// The environment record.
    pub fn env(&self, env: &EnvironmentId) -> Environment {
        self.engine.environment(env).unwrap()
    }

    /// Every audit event, oldest first.
    pub fn audit(&self) -> Vec<AuditEvent> {
        self.engine.audit_events(None, 0, 100_000).unwrap()
    }

    /// Asserts that the audit chain verifies.
    pub fn assert_audit_verifies(&self) {
        let summary = self.engine.verify_audit().unwrap();
        assert!(summary.is_ok(), "audit chain broken: {summary:?}");
    }

    /// Every wrapped data key in `metadata.db`, read directly with SQLite.
    pub fn data_keys(&self) -> Vec<DataKeyRow> {
        data_keys(self.root())
    }

    /// The wrapped data key row of `owner` (`environment:<id>` or `backup:<id>`).
    pub fn data_key(&self, owner: &str) -> DataKeyRow {
        self.data_keys()
            .into_iter()
            .find(|row| row.owner == owner)
            .unwrap_or_else(|| panic!("no data key row for {owner}"))
    }

    /// The file vault of this data directory, opened as another program would.
    pub fn vault(&self) -> FileVault {
        FileVault::open(&self.root().join("vault")).unwrap()
    }

    /// Unwraps a platform-wrapped data key with the vault's root key.
    pub fn unwrap_platform(&self, row: &DataKeyRow) -> [u8; 32] {
        assert_eq!(
            row.protector,
            Protector::Platform,
            "{} is not platform",
            row.owner
        );
        let bytes = self
            .vault()
            .unwrap_with_root(&row.owner, &row.wrapped)
            .unwrap();
        bytes.as_slice().try_into().unwrap()
    }

    /// The sealed vault file holding a tenant key's private half.
    pub fn sealed_key_path(&self, key: &TenantKey) -> PathBuf {
        let object = ObjectId::new(ObjectKind::TenantKey, key.id.as_str()).unwrap();
        self.root()
            .join("vault")
            .join("objects")
            .join(format!("{}.sealed", object.qualified()))
    }

    /// The environment's current database file.
    pub fn env_file(&self, env: &EnvironmentId) -> PathBuf {
        let row = self.data_key(&format!("environment:{env}"));
        self.engine.layout().environment_file(env, row.generation)
    }

    /// Every file of every generation of `env`, with SQLite side files.
    pub fn env_files(&self, env: &EnvironmentId) -> Vec<PathBuf> {
        self.engine.layout().environment_files(env).unwrap()
    }
}

/// Opens an engine on `dir` with the SPEC's default iteration limits.
pub fn open_engine(dir: &Path, clock: &ManualClock, policy: &Policy) -> Engine {
    Engine::open(EngineConfig {
        data_dir: dir.to_path_buf(),
        policy: policy.clone(),
        clock: Arc::new(clock.clone()),
        iteration_limits: IterationLimits::default(),
    })
    .unwrap()
}

/// What an environment holds: the rows of `t` and its files (name, content).
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub rows: Vec<Vec<Value>>,
    pub files: Vec<(String, Vec<u8>)>,
}

/// A key file a tenant admin holds: its bytes and its password.
#[derive(Clone)]
pub struct KeyFile {
    pub bytes: Vec<u8>,
    pub password: String,
}

impl KeyFile {
    /// The password, as the engine takes it.
    pub fn password(&self) -> Password {
        Password::from_bytes(self.password.as_bytes())
    }

    /// The private key's PKCS#8 DER, as the file holds it (to scan for after a lock).
    pub fn pkcs8_der(&self) -> Vec<u8> {
        let imported = import_key(
            &self.bytes,
            Some(&self.password()),
            None,
            IterationLimits::default(),
        )
        .unwrap();
        imported.key.to_pkcs8_der().unwrap().to_vec()
    }
}

/// `shared/cases`, or `$KEYWARD_CASES`.
pub fn cases_dir() -> PathBuf {
    match std::env::var_os("KEYWARD_CASES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/cases"),
    }
}

/// RSA-2048 "keyA" in an OpenSSL 3 default PKCS#12 file.
pub fn key_a() -> KeyFile {
    case_key(
        "keys/pfx/p02a_openssl3_default_aes256_sha256mac.pfx",
        "Test-Pfx-Pass-1!",
    )
}

/// A second RSA-2048 key, in a Java keytool PKCS#12 file.
pub fn key_b() -> KeyFile {
    case_key(
        "keys/pfx/p16a_keytool_jdk17_key_plus_trustedcert.p12",
        "Store-Pass-Java-1",
    )
}

fn case_key(path: &str, password: &str) -> KeyFile {
    let path = cases_dir().join(path);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read {} (set KEYWARD_CASES): {e}", path.display()));
    KeyFile {
        bytes,
        password: password.to_owned(),
    }
}

/// Asserts a job finished successfully.
pub fn assert_succeeded(job: &Job) {
    assert_eq!(
        job.state,
        JobState::Succeeded,
        "job did not succeed: {job:?}"
    );
}

/// Asserts `result` is an error with `code`; returns the error.
#[track_caller]
pub fn assert_code<T: std::fmt::Debug>(result: Result<T, EngineError>, code: &str) -> EngineError {
    match result {
        Ok(value) => panic!("expected refusal {code}, got Ok({value:?})"),
        Err(error) => {
            assert_eq!(error.code(), code, "unexpected error: {error}");
            error
        }
    }
}

/// Whether the audit log holds an event of `action` on `target` with `outcome`.
pub fn audited(events: &[AuditEvent], action: &str, target: &str, outcome: &AuditOutcome) -> bool {
    events
        .iter()
        .any(|e| e.action == action && e.target == target && e.outcome == *outcome)
}

/// A refusal outcome with `code`.
pub fn refused(code: &str) -> AuditOutcome {
    AuditOutcome::Refused {
        code: code.to_owned(),
    }
}

/// One row of `metadata.db`'s `data_keys` table.
#[derive(Debug, Clone)]
pub struct DataKeyRow {
    pub owner: String,
    pub protector: Protector,
    pub wrapped: Vec<u8>,
    pub generation: u32,
}

/// Reads every wrapped data key from `metadata.db` under `root`.
pub fn data_keys(root: &Path) -> Vec<DataKeyRow> {
    let conn = rusqlite::Connection::open_with_flags(
        root.join("metadata.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut stmt = conn
        .prepare("SELECT owner, protector, wrapped, generation FROM data_keys ORDER BY owner")
        .unwrap();
    let rows = stmt
        .query_map([], |row| {
            let protector: String = row.get(1)?;
            Ok(DataKeyRow {
                owner: row.get(0)?,
                protector: serde_json::from_str(&protector).unwrap(),
                wrapped: row.get(2)?,
                generation: row.get(3)?,
            })
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows
}

/// Every regular file under `root`, recursively.
pub fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}

/// Scans every byte of every file under `root` for each needle; panics naming the first
/// file that holds one. Returns how many files were scanned.
pub fn assert_absent_everywhere(root: &Path, needles: &[(&str, &[u8])]) -> usize {
    let files = all_files(root);
    for path in &files {
        // A file may vanish between listing and reading (a finished copy's temp file).
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        for (what, needle) in needles {
            assert!(!needle.is_empty());
            let found = bytes.windows(needle.len()).any(|w| w == *needle);
            assert!(!found, "{what} found in {}", path.display());
        }
    }
    files.len()
}

/// The files under `root` that hold `needle`.
pub fn files_containing(root: &Path, needle: &[u8]) -> Vec<PathBuf> {
    all_files(root)
        .into_iter()
        .filter(|path| {
            std::fs::read(path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        })
        .collect()
}

/// Tries to open an environment or backup file with `key`; true when it opens.
pub fn opens_with(path: &Path, key: &[u8; 32]) -> bool {
    EnvironmentDb::open(path, key).is_ok()
}

/// Everything a holder of the data directory and the platform root key could try on
/// one wrapped data key: the root key, and every private key still in the vault.
/// Returns the data key when any of them opens it.
pub fn try_unwrap_with_everything(vault: &FileVault, row: &DataKeyRow) -> Option<[u8; 32]> {
    let to_array = |bytes: &[u8]| <[u8; 32]>::try_from(bytes).ok();
    if let Ok(bytes) = vault.unwrap_with_root(&row.owner, &row.wrapped) {
        return to_array(&bytes);
    }
    for kind in [ObjectKind::TenantKey, ObjectKind::KeyExchangeKey] {
        for id in vault.list(kind).unwrap() {
            let object = ObjectId::new(kind, &id).unwrap();
            if let Ok(bytes) = vault.decrypt_oaep_sha256(&object, &row.owner, &row.wrapped) {
                return to_array(&bytes);
            }
        }
    }
    None
}

/// The protector of a tenant key.
pub fn under(key: &TenantKey) -> Protector {
    Protector::TenantKey {
        key: key.id.clone(),
    }
}
