//! Running environment users' SQL, one statement per call.
//!
//! Each call prepares exactly one statement on the user connection, where the authorizer
//! ([`crate::authorizer`]) vets every action before anything runs; binds the parameters; runs it
//! to completion as its own transaction; and returns the columns, rows and number of changed
//! rows. `VACUUM`, which SQLite does not report to the authorizer, is refused here before
//! preparing. This module must never run more than one statement per call and never log SQL
//! text, parameters or results.

use rusqlite::{params_from_iter, Connection, Statement};
use serde::Serialize;

use crate::authorizer::Policy;
use crate::db::EnvironmentDb;
use crate::error::{is_busy, Result, StorageError};
use crate::guard::{Guard, STATEMENT_TIMEOUT};
use crate::lexer::{refuse_reserved_names, refuse_vacuum};
use crate::value::Value;

/// The outcome of one statement.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QueryResult {
    /// Column names, in order; empty for statements that return no rows.
    pub columns: Vec<String>,
    /// Result rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
    /// Rows inserted, updated or deleted by the statement.
    pub rows_affected: u64,
}

impl EnvironmentDb {
    /// Runs one SQL statement with positional parameters (`?`, `?1`, `:name` in order).
    ///
    /// A statement that would escape the environment, or a string with more than one
    /// statement, fails with [`StorageError::StatementRefused`] and changes nothing.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<QueryResult> {
        refuse_vacuum(sql)?;
        refuse_reserved_names(sql)?;
        let conn = self.acquire(&self.user)?;
        self.policy.prepare_for(sql);

        let deadline = self.guard.deadline(STATEMENT_TIMEOUT);
        let outcome = run_statement(&conn, sql, params).map_err(|e| {
            let interrupted = e.is_interrupt();
            stopped(&self.guard, interrupted, user_error(&self.policy, e))
        });
        drop(deadline);
        if !conn.is_autocommit() {
            // Unreachable while the authorizer refuses BEGIN; never leave a transaction open.
            conn.execute_batch("ROLLBACK")?;
        }
        let result = outcome?;
        tracing::debug!(
            rows = result.rows.len(),
            rows_affected = result.rows_affected,
            "user statement ran"
        );
        Ok(result)
    }
}

/// Errors from running a user statement, before they are told apart.
enum RunError {
    Count { expected: usize, given: usize },
    TooLarge,
    Sqlite(rusqlite::Error),
}

/// The largest result one statement returns, in bytes of values: results are built in
/// memory, so an unbounded one could exhaust it.
pub const MAX_RESULT_BYTES: usize = 64 * 1024 * 1024;

/// A statement stopped by the guard: closed environment, or past its deadline.
fn stopped(guard: &Guard, interrupted: bool, error: StorageError) -> StorageError {
    match (interrupted, guard.is_closed()) {
        (_, true) => StorageError::Closed,
        (true, false) => StorageError::StatementTimeout {
            seconds: STATEMENT_TIMEOUT.as_secs(),
        },
        (false, false) => error,
    }
}

impl RunError {
    /// Whether SQLite stopped the statement because the progress handler asked it to.
    fn is_interrupt(&self) -> bool {
        matches!(self, RunError::Sqlite(e)
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted))
    }
}

impl From<rusqlite::Error> for RunError {
    fn from(error: rusqlite::Error) -> Self {
        RunError::Sqlite(error)
    }
}

fn run_statement(conn: &Connection, sql: &str, params: &[Value]) -> Result<QueryResult, RunError> {
    let mut stmt = conn.prepare(sql)?;
    let expected = stmt.parameter_count();
    if expected != params.len() {
        return Err(RunError::Count {
            expected,
            given: params.len(),
        });
    }

    let before = conn.total_changes();
    let (columns, rows) = collect_rows(&mut stmt, params)?;
    drop(stmt);
    Ok(QueryResult {
        columns,
        rows,
        rows_affected: conn.total_changes().saturating_sub(before),
    })
}

fn collect_rows(
    stmt: &mut Statement<'_>,
    params: &[Value],
) -> Result<(Vec<String>, Vec<Vec<Value>>), RunError> {
    let columns: Vec<String> = stmt.column_names().map(String::from).collect();
    let width = columns.len();
    let mut rows = Vec::new();
    let mut bytes = 0usize;
    let mut cursor = stmt.query(params_from_iter(params))?;
    while let Some(row) = cursor.next()? {
        let cells = (0..width)
            .map(|i| row.get_ref(i).map(Value::from_sql))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        bytes = bytes.saturating_add(cells.iter().map(Value::approximate_size).sum::<usize>());
        if bytes > MAX_RESULT_BYTES {
            return Err(RunError::TooLarge);
        }
        rows.push(cells);
    }
    Ok((columns, rows))
}

/// Turns a failure of a user statement into the error the user sees.
fn user_error(policy: &Policy, error: RunError) -> StorageError {
    let error = match error {
        RunError::Count { expected, given } => {
            return StorageError::ParameterCount { expected, given }
        }
        RunError::TooLarge => {
            return StorageError::ResultTooLarge {
                limit_bytes: MAX_RESULT_BYTES as u64,
            }
        }
        RunError::Sqlite(error) => error,
    };
    if let Some(what) = policy.take_refusal() {
        return StorageError::StatementRefused { what };
    }
    match error {
        rusqlite::Error::MultipleStatement => StorageError::StatementRefused {
            what: "more than one statement in one request".into(),
        },
        rusqlite::Error::Empty => StorageError::StatementFailed {
            message: "the request holds no statement".into(),
        },
        error if is_busy(&error) => StorageError::Busy,
        rusqlite::Error::SqliteFailure(_, Some(message)) => {
            StorageError::StatementFailed { message }
        }
        other => StorageError::StatementFailed {
            message: other.to_string(),
        },
    }
}
