//! Reading and verifying the audit chain (S2).

use keyward_domain::model::AuditEvent;
use keyward_domain::TenantId;
use keyward_store::audit::{verify, ChainBreak, ChainSummary};

use crate::{Engine, EngineError};

/// How many events one verification read fetches at a time.
const PAGE: u32 = 1000;

impl Engine {
    /// Audit events after `after_seq`, oldest first; a tenant's only when `tenant` is given.
    pub fn audit_events(
        &self,
        tenant: Option<&TenantId>,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditEvent>, EngineError> {
        self.read(|tx| Ok(tx.audit_events(tenant, after_seq, limit)?))
    }

    /// Checks the whole chain; the outer error is a read failure, the inner a break.
    pub fn verify_audit(&self) -> Result<Result<ChainSummary, ChainBreak>, EngineError> {
        let mut all = Vec::new();
        loop {
            let after = all.last().map(|e: &AuditEvent| e.seq).unwrap_or(0);
            let page = self.audit_events(None, after, PAGE)?;
            if page.is_empty() {
                break;
            }
            all.extend(page);
        }
        Ok(verify(&all))
    }
}
