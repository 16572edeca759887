//! Bounds on the work a request may make an environment do, and the switch that closes it.
//!
//! Every connection of an open environment gets a SQLite progress handler that asks this
//! guard whether to stop: when the environment was closed (a lock, a re-encryption) or
//! when the current user statement has run past its deadline. Closing also calls
//! `sqlite3_interrupt` on every connection, so a statement that is running stops at once
//! and rolls back, and every later call on the closed environment fails.
//!
//! Must never: let a statement commit after [`Guard::close`] returned.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, InterruptHandle};

/// How many SQLite virtual-machine steps run between two checks of the guard.
const CHECK_EVERY_STEPS: i32 = 1000;

/// The longest a single user statement or CSV import may run.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Shared by the connections of one open environment.
#[derive(Default)]
pub(crate) struct Guard {
    closed: AtomicBool,
    /// Milliseconds since the epoch after which the user statement stops; 0 = none.
    deadline_ms: AtomicU64,
}

impl Guard {
    /// Installs the progress handler on `conn`; only the user connection (`deadlines`)
    /// answers to statement deadlines, every connection to closing.
    pub(crate) fn watch(
        self: &std::sync::Arc<Self>,
        conn: &mut Connection,
        deadlines: bool,
    ) -> rusqlite::Result<()> {
        let guard = std::sync::Arc::clone(self);
        let stop = move || guard.is_closed() || (deadlines && guard.past_deadline());
        conn.progress_handler(CHECK_EVERY_STEPS, Some(stop))
    }

    /// Closes the environment: running statements stop, later calls fail.
    pub(crate) fn close(&self, interrupts: &[InterruptHandle]) {
        self.closed.store(true, Ordering::SeqCst);
        for handle in interrupts {
            handle.interrupt();
        }
    }

    /// Whether the environment was closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Starts the deadline of one user statement; it ends when the returned value drops.
    pub(crate) fn deadline(&self, timeout: Duration) -> Deadline<'_> {
        let at = now_ms().saturating_add(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        self.deadline_ms.store(at, Ordering::SeqCst);
        Deadline(self)
    }

    fn past_deadline(&self) -> bool {
        let deadline = self.deadline_ms.load(Ordering::Relaxed);
        deadline != 0 && now_ms() > deadline
    }
}

/// Ends a statement's deadline when dropped.
pub(crate) struct Deadline<'a>(&'a Guard);

impl Drop for Deadline<'_> {
    fn drop(&mut self) {
        self.0.deadline_ms.store(0, Ordering::SeqCst);
    }
}

fn now_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}
