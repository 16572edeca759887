//! Tenants, their regions and the self-managed-key feature (SPEC §2), and each
//! tenant-region's key exchange key for `.byok` uploads (K3).

use keyward_domain::model::{Tenant, TenantRegion};
use keyward_domain::rules::tenant::{enable_feature, require_region};
use keyward_domain::{RegionName, TenantId};
use keyward_keys::{KekPrivateKey, KeyExchangeKey};
use keyward_store::{KekRecord, Tx};
use keyward_vault::{ObjectId, ObjectKind};

use crate::audit::AuditEntry;
use crate::{Engine, EngineError};

impl Engine {
    /// Creates a tenant with its regions; the feature starts off.
    pub fn create_tenant(
        &self,
        actor: &str,
        id: TenantId,
        name: &str,
        regions: Vec<RegionName>,
    ) -> Result<Tenant, EngineError> {
        let entry = AuditEntry::new(actor, Some(&id), "tenant.create", &id);
        if regions.is_empty() {
            return Err(EngineError::Invalid(
                "a tenant needs at least one region; name one or more".into(),
            ));
        }
        self.audited(entry, |tx, _now| {
            if tx.tenant(&id)?.is_some() {
                return Err(EngineError::AlreadyExists {
                    what: "tenant",
                    id: id.to_string(),
                });
            }
            let tenant = Tenant {
                id,
                name: name.to_owned(),
                regions,
                feature_enabled_at: None,
            };
            tx.put_tenant(&tenant)?;
            Ok(tenant)
        })
    }

    /// Turns the self-managed-key feature on; the first instant is kept (E1 depends on it).
    pub fn enable_feature(&self, actor: &str, id: &TenantId) -> Result<Tenant, EngineError> {
        let entry = AuditEntry::new(actor, Some(id), "tenant.enable_feature", id);
        self.audited(entry, |tx, now| {
            let mut tenant = load_tenant(tx, id)?;
            tenant.feature_enabled_at = Some(enable_feature(&tenant, now));
            tx.put_tenant(&tenant)?;
            Ok(tenant)
        })
    }

    /// A tenant by id.
    pub fn tenant(&self, id: &TenantId) -> Result<Tenant, EngineError> {
        self.read(|tx| load_tenant(tx, id))
    }

    /// Every tenant.
    pub fn tenants(&self) -> Result<Vec<Tenant>, EngineError> {
        self.read(|tx| Ok(tx.tenants()?))
    }

    /// The tenant-region's key exchange key (public PEM and id), made on first request.
    pub fn key_exchange_key(
        &self,
        actor: &str,
        scope: &TenantRegion,
    ) -> Result<KekRecord, EngineError> {
        if let Some(existing) = self.read(|tx| {
            require_region(&load_tenant(tx, &scope.tenant)?, &scope.region)?;
            Ok(tx.kek(scope)?)
        })? {
            return Ok(existing);
        }
        let entry = AuditEntry::new(actor, Some(&scope.tenant), "kek.create", scope);
        let kid = format!(
            "keyward:kek:{}:{}:{}",
            scope.tenant,
            scope.region,
            Engine::new_id("v")?
        );
        let kek = KeyExchangeKey::generate(kid.clone()).map_err(kek_error)?;
        let public_pem = kek.public_key_pem().map_err(kek_error)?;
        let object = kek_object(scope)?;
        self.audited(entry, |tx, now| {
            if let Some(raced) = tx.kek(scope)? {
                return Ok(raced);
            }
            // Sealed before the record commits; a crash in between leaves an object that
            // the next request replaces, never a record without its key.
            self.vault.destroy(&object)?;
            self.vault.store(
                &object,
                kek.export_private().map_err(kek_error)?.expose_pkcs8_der(),
            )?;
            let record = KekRecord {
                scope: scope.clone(),
                kid,
                public_pem,
                created_at: now,
            };
            tx.put_kek(&record)?;
            Ok(record)
        })
    }

    /// The tenant-region's key exchange key with its private half, for unwrapping a `.byok`.
    pub(crate) fn load_kek(
        &self,
        scope: &TenantRegion,
    ) -> Result<Option<KeyExchangeKey>, EngineError> {
        let Some(record) = self.read(|tx| Ok(tx.kek(scope)?))? else {
            return Ok(None);
        };
        let der = self.vault.load(&kek_object(scope)?)?;
        let private = KekPrivateKey::from_pkcs8_der(der.to_vec());
        Ok(Some(
            KeyExchangeKey::from_private(record.kid, &private).map_err(kek_error)?,
        ))
    }
}

/// A tenant by id, or `not_found`.
pub(crate) fn load_tenant(tx: &mut dyn Tx, id: &TenantId) -> Result<Tenant, EngineError> {
    tx.tenant(id)?
        .ok_or_else(|| EngineError::not_found("tenant", id))
}

fn kek_object(scope: &TenantRegion) -> Result<ObjectId, EngineError> {
    Ok(ObjectId::new(
        ObjectKind::KeyExchangeKey,
        &format!("{}.{}", scope.tenant, scope.region),
    )?)
}

fn kek_error(error: keyward_keys::KekError) -> EngineError {
    match error {
        keyward_keys::KekError::Crypto(stack) => EngineError::Crypto(stack),
        other => EngineError::Invalid(format!("key exchange key: {other}")),
    }
}
