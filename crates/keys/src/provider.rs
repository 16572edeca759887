//! Loads OpenSSL 3's `default` and `legacy` providers once per process.
//!
//! RC2 (used by OpenSSL < 3 and Windows for PKCS#12 certificates) lives only in the
//! `legacy` provider. Loading it explicitly would switch off the automatic `default`
//! provider, so both are loaded, and kept loaded for the life of the process. If
//! `legacy` is missing, RC2 files fail to decrypt; everything else still works.

use std::sync::OnceLock;

use openssl::provider::Provider;

/// The loaded providers; never dropped, because dropping unloads them.
static PROVIDERS: OnceLock<(Option<Provider>, Option<Provider>)> = OnceLock::new();

/// Makes sure both providers are loaded (cheap after the first call).
pub(crate) fn load_providers() {
    PROVIDERS.get_or_init(|| {
        let default = Provider::try_load(None, "default", true).ok();
        let legacy = Provider::try_load(None, "legacy", true).ok();
        tracing::debug!(
            default = default.is_some(),
            legacy = legacy.is_some(),
            "openssl providers loaded"
        );
        (default, legacy)
    });
}
