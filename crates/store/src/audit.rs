//! The audit chain (SPEC S2): each event carries the SHA-256 of the previous event, so an
//! edited, inserted or deleted event breaks the chain at a point [`verify`] names.
//!
//! The hash covers the event's canonical JSON (fields in declaration order, no
//! whitespace), which includes `prev_hash`, so every event commits to all before it.

use keyward_domain::model::AuditEvent;

/// `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an event, hex: what the next event's `prev_hash` must be.
pub fn event_hash(event: &AuditEvent) -> String {
    // Serialising a plain struct of strings, integers and enums cannot fail.
    let canonical = serde_json::to_vec(event).unwrap_or_default();
    hex(&openssl::sha::sha256(&canonical))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where and why a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain breaks at event {seq}: {reason}")]
pub struct ChainBreak {
    /// The first event that does not fit.
    pub seq: u64,
    /// What is wrong with it.
    pub reason: String,
}

/// A verified chain: how many events, and the hash of the last one.
///
/// The head hash is the chain's anchor: an edit of the newest event, or the removal of
/// the newest events, is only detectable against a head recorded earlier, so operators
/// should copy it somewhere Keyward cannot write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSummary {
    /// Number of events checked.
    pub events: u64,
    /// Hash of the newest event ([`GENESIS`] for an empty log).
    pub head: String,
}

/// Checks a whole log, oldest first: sequence numbers run 1, 2, 3… without gaps and each
/// event's `prev_hash` is the hash of the one before.
pub fn verify<'a>(
    events: impl IntoIterator<Item = &'a AuditEvent>,
) -> Result<ChainSummary, ChainBreak> {
    let mut expected_prev = GENESIS.to_owned();
    let mut count = 0u64;
    for event in events {
        count += 1;
        if event.seq != count {
            return Err(ChainBreak {
                seq: event.seq,
                reason: format!(
                    "expected sequence number {count}: an event was removed or inserted"
                ),
            });
        }
        if event.prev_hash != expected_prev {
            return Err(ChainBreak {
                seq: event.seq,
                reason: "its prev_hash does not match the previous event: an event was edited"
                    .into(),
            });
        }
        expected_prev = event_hash(event);
    }
    Ok(ChainSummary {
        events: count,
        head: expected_prev,
    })
}
