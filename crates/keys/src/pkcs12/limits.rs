//! Bounds on the work a PKCS#12 file may ask for, checked before any key derivation runs.
//!
//! A hostile file can name 2^31-1 iterations and burn a CPU for hours. Every derivation's
//! count is checked against a per-derivation limit and added to a per-file total when the
//! structure is read, before the first derivation; parts that only appear after
//! decryption are charged before their own derivation runs.

use crate::ImportError;

/// Iteration-count limits for PKCS#12 import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IterationLimits {
    /// Most iterations one key derivation may use.
    ///
    /// Default 1,000,000: above every common writer (OpenSSL 2,048; Java 10,000; PKI.js and
    /// OWASP's PBKDF2-SHA256 level 600,000) and below the JDK's own cap of 5,000,000.
    pub per_derivation: u64,
    /// Most iterations summed over the MAC and every encrypted part of one file.
    ///
    /// Default 3,000,000: a MAC, a key bag and a certificate bag at 1,000,000 each, which
    /// costs well under two seconds of one core with OpenSSL.
    pub per_file: u64,
}

impl Default for IterationLimits {
    fn default() -> Self {
        Self {
            per_derivation: 1_000_000,
            per_file: 3_000_000,
        }
    }
}

/// The running total of iterations charged for one file.
pub(super) struct IterationBudget {
    limits: IterationLimits,
    spent: u64,
}

impl IterationBudget {
    pub fn new(limits: IterationLimits) -> Self {
        Self { limits, spent: 0 }
    }

    /// Validates `count` as read from the file and charges it to the file's total.
    pub fn charge(&mut self, count: i64) -> Result<u32, ImportError> {
        let count = u64::try_from(count)
            .ok()
            .filter(|&c| c > 0)
            .ok_or(ImportError::Pkcs12InvalidIterationCount { count })?;
        if count > self.limits.per_derivation {
            return Err(ImportError::Pkcs12IterationLimit {
                what: "one derivation",
                count,
                limit: self.limits.per_derivation,
            });
        }
        self.spent = self.spent.saturating_add(count);
        if self.spent > self.limits.per_file {
            return Err(ImportError::Pkcs12IterationLimit {
                what: "the file in total",
                count: self.spent,
                limit: self.limits.per_file,
            });
        }
        // Fits: the per-derivation limit is checked above and OpenSSL takes an `int`.
        u32::try_from(count).map_err(|_| ImportError::Pkcs12IterationLimit {
            what: "one derivation",
            count,
            limit: u64::from(u32::MAX),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k2_counts_are_bounded_per_derivation_and_per_file() {
        let mut budget = IterationBudget::new(IterationLimits::default());
        assert_eq!(budget.charge(600_000).unwrap(), 600_000);
        assert!(budget.charge(6_000_000).is_err());
        assert!(budget.charge(i64::from(i32::MAX)).is_err());
        assert_eq!(budget.charge(1_000_000).unwrap(), 1_000_000);
        assert_eq!(budget.charge(1_000_000).unwrap(), 1_000_000);
        let total = budget.charge(1_000_000).unwrap_err();
        assert_eq!(total.code(), "pkcs12_iteration_limit");
    }

    #[test]
    fn k2_zero_and_negative_counts_are_invalid() {
        let mut budget = IterationBudget::new(IterationLimits::default());
        for count in [0, -1, i64::MIN] {
            let err = budget.charge(count).unwrap_err();
            assert_eq!(err.code(), "pkcs12_invalid_iteration_count");
        }
    }
}
