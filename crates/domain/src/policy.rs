//! The policy: every time window and limit of the SPEC in one value (SPEC S3).
//!
//! Defaults are the SPEC's. A deployment may override any of them from its config file;
//! the fields are whole seconds and bytes so the file needs no unit syntax.

use serde::{Deserialize, Serialize};
use time::Duration;

/// Windows and limits that the rules read. Loaded once; passed to every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// A3: no activation within this many seconds of the previous one (24 h).
    pub activation_cooldown_seconds: i64,
    /// L2: no lock within this many seconds of a key generation, upload or activation
    /// (72 h).
    pub lock_grace_seconds: i64,
    /// L6: no unlock until this many seconds after the lock was requested (1 h).
    pub unlock_delay_seconds: i64,
    /// L7: a locked environment is deleted after this many seconds (28 days).
    pub locked_retention_seconds: i64,
    /// E5: the largest file an environment stores, in bytes (128 MiB).
    pub max_file_bytes: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            activation_cooldown_seconds: 24 * 3600,
            lock_grace_seconds: 72 * 3600,
            unlock_delay_seconds: 3600,
            locked_retention_seconds: 28 * 24 * 3600,
            max_file_bytes: 128 * 1024 * 1024,
        }
    }
}

/// A policy value that makes no sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid policy: {field} must be {expected}, found {found}")]
pub struct InvalidPolicy {
    /// The offending field.
    pub field: &'static str,
    /// What it must be.
    pub expected: &'static str,
    /// What it was.
    pub found: String,
}

impl Policy {
    /// Checks that every window is non-negative and the file limit is positive.
    pub fn validate(&self) -> Result<(), InvalidPolicy> {
        let windows = [
            (
                "activation_cooldown_seconds",
                self.activation_cooldown_seconds,
            ),
            ("lock_grace_seconds", self.lock_grace_seconds),
            ("unlock_delay_seconds", self.unlock_delay_seconds),
            ("locked_retention_seconds", self.locked_retention_seconds),
        ];
        for (field, value) in windows {
            if value < 0 {
                return Err(InvalidPolicy {
                    field,
                    expected: "zero or more seconds",
                    found: value.to_string(),
                });
            }
        }
        if self.max_file_bytes == 0 {
            return Err(InvalidPolicy {
                field: "max_file_bytes",
                expected: "at least one byte",
                found: "0".into(),
            });
        }
        Ok(())
    }

    /// A3 window.
    pub fn activation_cooldown(&self) -> Duration {
        Duration::seconds(self.activation_cooldown_seconds)
    }

    /// L2 window.
    pub fn lock_grace(&self) -> Duration {
        Duration::seconds(self.lock_grace_seconds)
    }

    /// L6 window.
    pub fn unlock_delay(&self) -> Duration {
        Duration::seconds(self.unlock_delay_seconds)
    }

    /// L7 retention.
    pub fn locked_retention(&self) -> Duration {
        Duration::seconds(self.locked_retention_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_defaults_are_the_spec_windows() {
        let p = Policy::default();
        assert_eq!(p.activation_cooldown(), Duration::hours(24));
        assert_eq!(p.lock_grace(), Duration::hours(72));
        assert_eq!(p.unlock_delay(), Duration::hours(1));
        assert_eq!(p.locked_retention(), Duration::days(28));
        assert_eq!(p.max_file_bytes, 128 * 1024 * 1024);
    }

    #[test]
    fn s3_policy_loads_partial_overrides_and_refuses_unknown_fields() {
        let p: Policy = serde_json::from_str(r#"{"lock_grace_seconds": 60}"#).unwrap();
        assert_eq!(p.lock_grace_seconds, 60);
        assert_eq!(p.unlock_delay_seconds, 3600);
        assert!(serde_json::from_str::<Policy>(r#"{"lock_grace": 60}"#).is_err());
    }

    #[test]
    fn s3_policy_refuses_negative_windows() {
        let p = Policy {
            unlock_delay_seconds: -1,
            ..Policy::default()
        };
        assert_eq!(p.validate().unwrap_err().field, "unlock_delay_seconds");
    }
}
