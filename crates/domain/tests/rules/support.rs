//! A small world of one tenant-region, built through the public API, and assertions on
//! refusals. Instants are fixed; nothing sleeps.

use std::fmt::Debug;

use keyward_domain::model::{
    Backup, Environment, EnvironmentStatus, EnvironmentType, KeyOrigin, KeyState, LockRecord,
    Protector, Storage, Tenant, TenantKey, TenantRegion,
};
use keyward_domain::rules::lock::{
    finish_lock, issue_lock_confirmation, request_lock, LockPlan, LockRequest,
};
use keyward_domain::rules::unlock::{begin_key_unlock, finish_key_unlock};
use keyward_domain::rules::{KeyChange, RegionState, Risk};
use keyward_domain::{
    BackupId, EnvironmentId, Fingerprint, KeyId, Policy, Refusal, RefusalCode, RegionName, Rule,
    TenantId,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// "Now" in most tests.
pub const T0: OffsetDateTime = datetime!(2026-12-01 10:00 UTC);

/// The confirmation text the tests' service issues.
pub const CONFIRMATION: &str = "lock contoso/eu-west";

pub fn tenant_id(s: &str) -> TenantId {
    TenantId::new(s).unwrap()
}

pub fn env_id(s: &str) -> EnvironmentId {
    EnvironmentId::new(s).unwrap()
}

pub fn key_id(s: &str) -> KeyId {
    KeyId::new(s).unwrap()
}

pub fn backup_id(s: &str) -> BackupId {
    BackupId::new(s).unwrap()
}

pub fn fp(n: u8) -> Fingerprint {
    Fingerprint::from_bytes([n; 32])
}

pub fn tenant_key(id: &str) -> Protector {
    Protector::TenantKey { key: key_id(id) }
}

/// `result` is a refusal with `code`, enforcing `rule`, in lowercase, mentioning every
/// string of `mentions`.
#[track_caller]
pub fn assert_refused<T: Debug>(
    result: Result<T, Refusal>,
    code: RefusalCode,
    rule: Rule,
    mentions: &[&str],
) -> Refusal {
    let refusal = result.expect_err("expected a refusal");
    assert_eq!(refusal.code, code, "{refusal}");
    assert_eq!(refusal.rule(), rule, "{refusal}");
    let first = refusal.message.chars().next().unwrap();
    assert!(!first.is_uppercase(), "not lowercase: {}", refusal.message);
    for m in mentions {
        assert!(
            refusal.message.contains(m),
            "{:?} does not mention {m:?}",
            refusal.message
        );
    }
    refusal
}

/// One tenant (`contoso`, feature enabled 90 days before T0) and one region (`eu-west`).
pub struct World {
    pub tenant: Tenant,
    pub region: RegionName,
    pub keys: Vec<TenantKey>,
    pub environments: Vec<Environment>,
    pub backups: Vec<Backup>,
    pub lock: Option<LockRecord>,
    pub policy: Policy,
}

impl World {
    /// The tenant and region, no key, no environment.
    pub fn empty() -> Self {
        let region = RegionName::new("eu-west").unwrap();
        World {
            tenant: Tenant {
                id: tenant_id("contoso"),
                name: "Contoso".into(),
                regions: vec![region.clone()],
                feature_enabled_at: Some(T0 - Duration::days(90)),
            },
            region,
            keys: Vec::new(),
            environments: Vec::new(),
            backups: Vec::new(),
            lock: None,
            policy: Policy::default(),
        }
    }

    /// Key `k1` (fingerprint 1) active for 30 days; environments `prod` (production, named
    /// "Payroll") and `sbx` on it, `dev` on the platform key; backups `b-prod`, `b-sbx`,
    /// `b-dev`.
    pub fn protected() -> Self {
        let mut w = World::empty();
        let long_ago = T0 - Duration::days(30);
        w.add_key("k1", 1, KeyState::Active, long_ago, Some(long_ago));
        w.add_env("prod", EnvironmentType::Production, tenant_key("k1"));
        w.add_env("sbx", EnvironmentType::Sandbox, tenant_key("k1"));
        w.add_env("dev", EnvironmentType::Developer, Protector::Platform);
        for env in ["prod", "sbx", "dev"] {
            w.add_backup(&format!("b-{env}"), env);
        }
        w
    }

    pub fn scope(&self) -> TenantRegion {
        TenantRegion {
            tenant: self.tenant.id.clone(),
            region: self.region.clone(),
        }
    }

    pub fn state(&self) -> RegionState<'_> {
        RegionState {
            tenant: &self.tenant,
            region: &self.region,
            keys: &self.keys,
            environments: &self.environments,
            backups: &self.backups,
            lock: self.lock.as_ref(),
        }
    }

    pub fn add_key(
        &mut self,
        id: &str,
        fingerprint: u8,
        state: KeyState,
        created_at: OffsetDateTime,
        activated_at: Option<OffsetDateTime>,
    ) {
        self.keys.push(TenantKey {
            id: key_id(id),
            scope: self.scope(),
            fingerprint: fp(fingerprint),
            state,
            origin: KeyOrigin::Pkcs12,
            created_at,
            activated_at,
        });
    }

    pub fn add_env(&mut self, id: &str, env_type: EnvironmentType, protector: Protector) {
        let name = match id {
            "prod" => "Payroll".to_owned(),
            other => other.to_owned(),
        };
        self.environments.push(Environment {
            id: env_id(id),
            scope: self.scope(),
            name,
            env_type,
            storage: Storage::Modern,
            protector,
            status: EnvironmentStatus::Online,
            created_at: T0 - Duration::days(60),
        });
    }

    pub fn add_backup(&mut self, id: &str, env: &str) {
        let protector = self.env(env).protector.clone();
        self.backups.push(Backup {
            id: backup_id(id),
            environment: env_id(env),
            scope: self.scope(),
            protector,
            created_at: T0 - Duration::days(1),
        });
    }

    pub fn env(&self, id: &str) -> &Environment {
        self.environments
            .iter()
            .find(|e| e.id.as_str() == id)
            .unwrap()
    }

    pub fn env_mut(&mut self, id: &str) -> &mut Environment {
        self.environments
            .iter_mut()
            .find(|e| e.id.as_str() == id)
            .unwrap()
    }

    pub fn key(&self, id: &str) -> &TenantKey {
        self.keys.iter().find(|k| k.id.as_str() == id).unwrap()
    }

    pub fn key_mut(&mut self, id: &str) -> &mut TenantKey {
        self.keys.iter_mut().find(|k| k.id.as_str() == id).unwrap()
    }

    /// Applies key changes, checking each `from` like a careful store would.
    pub fn apply(&mut self, changes: &[KeyChange]) {
        for change in changes {
            let key = self.key_mut(change.key.as_str());
            assert_eq!(key.state, change.from, "stale change {change:?}");
            key.state = change.to;
        }
    }

    /// Issues a confirmation at `at` and stores it.
    pub fn issue_lock(&mut self, at: OffsetDateTime) {
        let issued = issue_lock_confirmation(&self.state(), CONFIRMATION.into(), &self.policy, at);
        self.lock = Some(issued.unwrap());
    }

    /// A confirmed lock request with the active key, as the admin would send it.
    pub fn confirmed_request(&self) -> Fingerprint {
        self.state().active_key().unwrap().fingerprint
    }

    /// Issues, confirms and applies a lock at `at`; the lock job is left running.
    pub fn lock_at(&mut self, at: OffsetDateTime) -> LockPlan {
        self.issue_lock(at);
        let presented = self.confirmed_request();
        let request = LockRequest {
            presented: &presented,
            confirmation: CONFIRMATION,
            risk: Risk::Acknowledged,
        };
        let plan = request_lock(&self.state(), &request, &self.policy, at).unwrap();
        self.apply_lock(&plan, at);
        plan
    }

    pub fn apply_lock(&mut self, plan: &LockPlan, at: OffsetDateTime) {
        for id in &plan.environments {
            self.env_mut(id.as_str()).status = EnvironmentStatus::Locked { since: at };
        }
        self.apply(&plan.keys);
        self.lock = Some(plan.record.clone());
    }

    /// The lock job finished.
    pub fn finish_lock(&mut self) {
        self.lock = self.lock.as_ref().map(finish_lock);
    }

    /// Locks at `at` and lets the job finish.
    pub fn locked_at(&mut self, at: OffsetDateTime) {
        self.lock_at(at);
        self.finish_lock();
    }

    /// Re-installs the locked key with `fingerprint` at `at` (U1, both steps).
    pub fn unlock_key(&mut self, fingerprint: u8, at: OffsetDateTime) {
        let policy = self.policy.clone();
        let begin = begin_key_unlock(
            &self.state(),
            &fp(fingerprint),
            Risk::Acknowledged,
            &policy,
            at,
        );
        let change = begin.unwrap();
        self.apply(std::slice::from_ref(&change));
        let finish = finish_key_unlock(&self.state(), &change.key).unwrap();
        self.apply(&[finish]);
    }
}
