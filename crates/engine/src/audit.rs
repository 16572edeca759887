//! Audit events for engine operations (SPEC S2): one per operation, allowed or refused.
//!
//! An allowed operation's event is written in the same transaction as its change, so the
//! log never misses a committed change. A refused or failed operation's event is written
//! in its own transaction after the rollback.

use keyward_domain::model::AuditOutcome;
use keyward_domain::TenantId;
use keyward_store::NewAuditEvent;
use time::OffsetDateTime;

use crate::EngineError;

/// Who does what to which object.
#[derive(Debug, Clone)]
pub(crate) struct AuditEntry {
    pub(crate) actor: String,
    pub(crate) tenant: Option<TenantId>,
    pub(crate) action: &'static str,
    pub(crate) target: String,
}

impl AuditEntry {
    pub(crate) fn new(
        actor: &str,
        tenant: Option<&TenantId>,
        action: &'static str,
        target: impl ToString,
    ) -> Self {
        Self {
            actor: actor.to_owned(),
            tenant: tenant.cloned(),
            action,
            target: target.to_string(),
        }
    }

    /// The event for this entry with `outcome` at `at`.
    pub(crate) fn event(&self, at: OffsetDateTime, outcome: AuditOutcome) -> NewAuditEvent {
        NewAuditEvent {
            at,
            actor: self.actor.clone(),
            tenant: self.tenant.clone(),
            action: self.action.to_owned(),
            target: self.target.clone(),
            outcome,
        }
    }
}

/// How an error is recorded: refusals by their code, faults as failures.
pub(crate) fn outcome_of(error: &EngineError) -> AuditOutcome {
    if error.is_internal() {
        AuditOutcome::Failed
    } else {
        AuditOutcome::Refused {
            code: error.code().to_owned(),
        }
    }
}
