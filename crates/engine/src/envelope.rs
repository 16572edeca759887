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

/// Wraps `dek` for `owner` under `protector`, for file generation `generation`.
fn wrap(
    vault: &dyn Vault,
    tx: &mut dyn Tx,
    owner: &DekOwner,
    protector: &Protector,
    dek: &DataKey,
    generation: u32,
) -> Result<WrappedDek, EngineError> {
    let context = owner.context();
    let wrapped = match protector {
        Protector::Platform => vault.wrap_with_root(&context, dek.expose_bytes())?,
        Protector::TenantKey { key } => {
            let spki = tx
                .public_key(key)?
                .ok_or_else(|| EngineError::not_found("public key of tenant key", key))?;
            let public = PKey::public_key_from_der(&spki)?;
            wrap_oaep_sha256(&public, &context, dek.expose_bytes())?
        }
    };
    Ok(WrappedDek {
        protector: protector.clone(),
        wrapped,
        generation,
    })
}

/// Wraps `dek` for `owner` under `protector` and stores it, replacing the previous
/// wrapping in the same transaction (so a replaced copy never outlives the commit).
pub(crate) fn store(
    vault: &dyn Vault,
    tx: &mut dyn Tx,
    owner: &DekOwner,
    protector: &Protector,
    dek: &DataKey,
    generation: u32,
) -> Result<(), EngineError> {
    let wrapped = wrap(vault, tx, owner, protector, dek, generation)?;
    tx.put_dek(owner, &wrapped)?;
    Ok(())
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
    let array: [u8; DATA_KEY_LEN] = bytes.as_slice().try_into().map_err(|_| {
        EngineError::Invalid(format!("the data key of {context} has the wrong length"))
    })?;
    Ok(DataKey::from_bytes(array))
}
