//! Crash injection for tests: an armed step makes the operation stop there with an error,
//! as if the process had been killed, leaving whatever it had committed.
//!
//! Every multi-step operation names its steps; tests arm each in turn, "restart" by
//! opening a new engine on the same data directory, and check that resuming finishes.

use std::sync::{Mutex, PoisonError};

use crate::EngineError;

/// The armed step, if any.
#[derive(Default)]
pub(crate) struct Failpoints {
    armed: Mutex<Option<String>>,
}

impl Failpoints {
    /// Arms `step` (or disarms with `None`).
    pub(crate) fn arm(&self, step: Option<&str>) {
        *self.armed.lock().unwrap_or_else(PoisonError::into_inner) = step.map(str::to_owned);
    }

    /// Fails with [`EngineError::InjectedCrash`] when `step` is armed.
    pub(crate) fn check(&self, step: &'static str) -> Result<(), EngineError> {
        let armed = self.armed.lock().unwrap_or_else(PoisonError::into_inner);
        if armed.as_deref() == Some(step) {
            tracing::debug!(step, "injected crash");
            return Err(EngineError::InjectedCrash(step));
        }
        Ok(())
    }
}
