//! The DEK envelope (SPEC section 3): how an environment's or backup's data key is wrapped
//! under its protector, and unwrapped again.
//!
//! - Platform key: AES-256-GCM under the vault's root key, bound to the owner's id.
//! - Tenant key: RSA-OAEP-SHA256 under the tenant key's public half, with the owner's id
//!   as OAEP label; unwrapping happens inside the vault, which holds the private half.
//!
//! Must never: return a data key that failed its integrity check, or log key bytes.

use keyward_domain::model::Protector;
use keyward_domain::KeyId;
use keyward_keys::{DataKey, DATA_KEY_LEN};
use keyward_store::{DekOwner, Tx, WrappedDek};
use keyward_vault::{wrap_oaep_sha256, ObjectId, ObjectKind, Vault};
use openssl::pkey::PKey;

use crate::EngineError;

/// The vault object holding a tenant key's private half.
pub(crate) fn tenant_key_object(key: &KeyId) -> Result<ObjectId, EngineError> {
    Ok(ObjectId::new(ObjectKind::TenantKey, key.as_str())?)
}

/// A protector ready to wrap many data keys: the tenant key's public half parsed once.
pub(crate) enum Sealer<'a> {
    /// The platform root key, inside the vault.
    Platform(&'a dyn Vault),
    /// A tenant key's public half.
    Tenant {
        /// The key's record id.
        key: KeyId,
        /// Its parsed public half.
        public: PKey<openssl::pkey::Public>,
    },
}

impl<'a> Sealer<'a> {
    /// Prepares `protector`, reading a tenant key's public half from the store.
    pub(crate) fn new(
        vault: &'a dyn Vault,
        tx: &mut dyn Tx,
        protector: &Protector,
    ) -> Result<Self, EngineError> {
        Ok(match protector {
            Protector::Platform => Sealer::Platform(vault),
            Protector::TenantKey { key } => {
                let spki = tx
                    .public_key(key)?
                    .ok_or_else(|| EngineError::not_found("public key of tenant key", key))?;
                let public = PKey::public_key_from_der(&spki)?;
                Sealer::Tenant {
                    key: key.clone(),
                    public,
                }
            }
        })
    }

    /// Wraps `dek` for `owner` and stores it, replacing the previous wrapping in the same
    /// transaction (so a replaced copy never outlives the commit).
    pub(crate) fn store(
        &self,
        tx: &mut dyn Tx,
        owner: &DekOwner,
        dek: &DataKey,
        generation: u32,
    ) -> Result<(), EngineError> {
        let context = owner.context();
        let (protector, wrapped) = match self {
            Sealer::Platform(vault) => (
                Protector::Platform,
                vault.wrap_with_root(&context, dek.expose_bytes())?,
            ),
            Sealer::Tenant { key, public } => (
                Protector::TenantKey { key: key.clone() },
                wrap_oaep_sha256(public, &context, dek.expose_bytes())?,
            ),
        };
        let next = WrappedDek {
            protector,
            wrapped,
            generation,
        };
        tx.put_dek(owner, &next)?;
        Ok(())
    }
}

/// Wraps `dek` for `owner` under `protector` and stores it (one data key; see [`Sealer`]
/// for many).
pub(crate) fn store(
    vault: &dyn Vault,
    tx: &mut dyn Tx,
    owner: &DekOwner,
    protector: &Protector,
    dek: &DataKey,
    generation: u32,
) -> Result<(), EngineError> {
    Sealer::new(vault, tx, protector)?.store(tx, owner, dek, generation)
}

/// Unwraps the data key of `owner`.
pub(crate) fn unwrap(
    vault: &dyn Vault,
    owner: &DekOwner,
    dek: &WrappedDek,
) -> Result<DataKey, EngineError> {
    let context = owner.context();
    let bytes = match &dek.protector {
        Protector::Platform => vault.unwrap_with_root(&context, &dek.wrapped)?,
        Protector::TenantKey { key } => {
            vault.decrypt_oaep_sha256(&tenant_key_object(key)?, &context, &dek.wrapped)?
        }
    };
    data_key(&context, &bytes)
}

/// A data key from unwrapped bytes, which must be exactly 256 bits.
fn data_key(context: &str, bytes: &[u8]) -> Result<DataKey, EngineError> {
    let array: [u8; DATA_KEY_LEN] = bytes.try_into().map_err(|_| {
        EngineError::Invalid(format!("the data key of {context} has the wrong length"))
    })?;
    Ok(DataKey::from_bytes(array))
}

/// Unwraps many data keys, parsing each tenant key once and spreading the RSA work over
/// every core: an activation's re-wrap is bound by these private-key operations (A2).
pub(crate) fn unwrap_many(
    vault: &dyn Vault,
    items: &[(DekOwner, WrappedDek)],
) -> Result<Vec<DataKey>, EngineError> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = items.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || unwrap_chunk(vault, part)))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for handle in handles {
            let part = handle
                .join()
                .map_err(|_| EngineError::Invalid("a re-wrap worker stopped".into()))??;
            out.extend(part);
        }
        Ok(out)
    })
}

/// One worker's share of [`unwrap_many`]: tenant-wrapped keys in one vault call per key.
fn unwrap_chunk(
    vault: &dyn Vault,
    items: &[(DekOwner, WrappedDek)],
) -> Result<Vec<DataKey>, EngineError> {
    let mut out: Vec<Option<DataKey>> = (0..items.len()).map(|_| None).collect();
    let mut by_key: std::collections::HashMap<&KeyId, Vec<usize>> = Default::default();
    for (i, (owner, dek)) in items.iter().enumerate() {
        match &dek.protector {
            Protector::TenantKey { key } => by_key.entry(key).or_default().push(i),
            Protector::Platform => out[i] = Some(unwrap(vault, owner, dek)?),
        }
    }
    for (key, indexes) in by_key {
        let contexts: Vec<String> = indexes.iter().map(|&i| items[i].0.context()).collect();
        let requests: Vec<(&str, &[u8])> = indexes
            .iter()
            .zip(&contexts)
            .map(|(&i, context)| (context.as_str(), items[i].1.wrapped.as_slice()))
            .collect();
        let opened = vault.decrypt_oaep_sha256_many(&tenant_key_object(key)?, &requests)?;
        for ((&i, context), bytes) in indexes.iter().zip(&contexts).zip(opened) {
            out[i] = Some(data_key(context, &bytes?)?);
        }
    }
    Ok(out.into_iter().flatten().collect())
}
