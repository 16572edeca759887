//! Typed refusals: the answer a rule gives when it says no.
//!
//! A refusal carries a stable machine-readable [`RefusalCode`], the SPEC [`Rule`] it
//! enforces (derived from the code, so the two can never disagree) and a sentence for a
//! person: what was wrong and what to do. Messages name objects by id, never by secret.

use std::fmt;

use serde::Serialize;
use time::OffsetDateTime;

/// A rule of SPEC section 4, or the domain section (§2) for the feature switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[allow(missing_docs)] // the variants are the SPEC's own ids
pub enum Rule {
    #[serde(rename = "§2")]
    Domain,
    K1,
    K2,
    K3,
    K4,
    K5,
    K6,
    K7,
    K8,
    A1,
    A2,
    A3,
    A4,
    E1,
    E2,
    E3,
    E4,
    E5,
    L1,
    L2,
    L3,
    L4,
    L5,
    L6,
    L7,
    U1,
    U2,
    U3,
    D1,
    D2,
    D3,
    D4,
    D5,
    S1,
    S2,
    S3,
}

impl Rule {
    /// The id as written in the SPEC (`"K7"`, or `"§2"` for the domain section).
    pub fn id(self) -> &'static str {
        use Rule::*;
        match self {
            Domain => "§2",
            K1 => "K1",
            K2 => "K2",
            K3 => "K3",
            K4 => "K4",
            K5 => "K5",
            K6 => "K6",
            K7 => "K7",
            K8 => "K8",
            A1 => "A1",
            A2 => "A2",
            A3 => "A3",
            A4 => "A4",
            E1 => "E1",
            E2 => "E2",
            E3 => "E3",
            E4 => "E4",
            E5 => "E5",
            L1 => "L1",
            L2 => "L2",
            L3 => "L3",
            L4 => "L4",
            L5 => "L5",
            L6 => "L6",
            L7 => "L7",
            U1 => "U1",
            U2 => "U2",
            U3 => "U3",
            D1 => "D1",
            D2 => "D2",
            D3 => "D3",
            D4 => "D4",
            D5 => "D5",
            S1 => "S1",
            S2 => "S2",
            S3 => "S3",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

macro_rules! refusal_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal => $rule:ident,)*) => {
        /// Why a rule refused, as a stable code. New codes may be added; existing codes
        /// never change meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum RefusalCode {
            $($(#[$doc])* $variant,)*
        }

        impl RefusalCode {
            /// Every code, for documentation and tests.
            pub const ALL: &'static [RefusalCode] = &[$(RefusalCode::$variant,)*];

            /// The stable snake_case code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(RefusalCode::$variant => $code,)*
                }
            }

            /// The SPEC rule this code enforces.
            pub fn rule(self) -> Rule {
                match self {
                    $(RefusalCode::$variant => Rule::$rule,)*
                }
            }
        }
    };
}

refusal_codes! {
    /// The tenant's self-managed-key feature is off.
    FeatureNotEnabled = "feature_not_enabled" => Domain,
    /// The tenant has no such region.
    UnknownRegion = "unknown_region" => Domain,
    /// The tenant-region has no such key.
    UnknownKey = "unknown_key" => Domain,
    /// The tenant-region has no such environment.
    UnknownEnvironment = "unknown_environment" => Domain,
    /// The same key (by fingerprint) is already in the tenant-region.
    KeyAlreadyPresent = "key_already_present" => Domain,
    /// A mutating key operation came without `acknowledge_risk`.
    RiskNotAcknowledged = "risk_not_acknowledged" => K8,
    /// Key generation, upload or activation while an environment is locked.
    KeyOperationsFrozen = "key_operations_frozen" => K7,
    /// The key is not in the state the operation needs.
    KeyWrongState = "key_wrong_state" => A1,
    /// Another key of the tenant-region is being installed.
    KeyInstalling = "key_installing" => K6,
    /// Another key of the tenant-region is already active.
    AnotherKeyActive = "another_key_active" => K6,
    /// An activation came less than the cooldown after the previous one.
    ActivationCooldown = "activation_cooldown" => A3,
    /// Activation while environments of the tenant-region are locked.
    ActivationWhileLocked = "activation_while_locked" => A4,
    /// A legacy-storage environment cannot use a tenant key.
    LegacyStorage = "legacy_storage" => E1,
    /// The tenant-region has no active key.
    NoActiveKey = "no_active_key" => E3,
    /// The environment is already protected by the tenant key.
    AlreadyTenantProtected = "already_tenant_protected" => E3,
    /// The environment is offline while its protector changes.
    EnvironmentOffline = "environment_offline" => E3,
    /// The environment is already protected by the platform key.
    AlreadyPlatformProtected = "already_platform_protected" => E4,
    /// A production environment's name was not typed correctly.
    ConfirmationNameMismatch = "confirmation_name_mismatch" => E4,
    /// A file is larger than the policy allows.
    FileTooLarge = "file_too_large" => E5,
    /// A lock of a tenant-region that has no active key.
    LockWithoutActiveKey = "lock_without_active_key" => L1,
    /// The presented key is not the tenant-region's active key.
    LockKeyMismatch = "lock_key_mismatch" => L1,
    /// The confirmation text does not match the one issued for this lock.
    LockConfirmationMismatch = "lock_confirmation_mismatch" => L1,
    /// A lock within the grace period after a key change.
    LockTooSoon = "lock_too_soon" => L2,
    /// The environment is locked.
    EnvironmentLocked = "environment_locked" => L5,
    /// An unlock while the lock job is still running.
    LockInProgress = "lock_in_progress" => L6,
    /// An unlock less than the minimum delay after the lock request.
    UnlockTooSoon = "unlock_too_soon" => L6,
    /// The uploaded key is not the one that was locked.
    UnlockKeyMismatch = "unlock_key_mismatch" => U1,
    /// The environment is not locked.
    EnvironmentNotLocked = "environment_not_locked" => U2,
    /// The environment's key must be unlocked first.
    KeyStillLocked = "key_still_locked" => U2,
    /// Backup target state forbids a backup.
    BackupRefused = "backup_refused" => D1,
    /// A restore across tenants or protectors.
    RestoreTargetMismatch = "restore_target_mismatch" => D2,
    /// A copy across tenants or protectors.
    CopyTargetMismatch = "copy_target_mismatch" => D3,
    /// A support-investigation environment must use the tenant key first.
    SupportInvestigationNeedsTenantKey = "support_investigation_needs_tenant_key" => D3,
    /// The caller is not authenticated.
    Unauthenticated = "unauthenticated" => S1,
    /// The caller's role or scope does not allow this.
    Forbidden = "forbidden" => S1,
}

impl fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's "no": stable code, the rule it enforces, and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({code}, rule {rule})", rule = code.rule())]
pub struct Refusal {
    /// The stable code.
    pub code: RefusalCode,
    /// What was wrong and what to do, lowercase, naming objects by id.
    pub message: String,
    /// For a time-window refusal (A3, L2, L6): the instant from which this window no
    /// longer refuses. Other rules may still refuse then.
    pub allowed_from: Option<OffsetDateTime>,
}

impl Refusal {
    /// A refusal with `code` and a message for a person.
    pub fn new(code: RefusalCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            allowed_from: None,
        }
    }

    /// The same refusal, ending at `instant` (a time window's end).
    #[must_use]
    pub fn until(mut self, instant: OffsetDateTime) -> Self {
        self.allowed_from = Some(instant);
        self
    }

    /// The rule this refusal enforces.
    pub fn rule(&self) -> Rule {
        self.code.rule()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in RefusalCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "duplicate code {text}");
            assert!(text.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }

    #[test]
    fn refusal_display_names_code_and_rule() {
        let r = Refusal::new(RefusalCode::LockTooSoon, "locking is refused until later");
        assert_eq!(
            r.to_string(),
            "locking is refused until later (lock_too_soon, rule L2)"
        );
    }
}
