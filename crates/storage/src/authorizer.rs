//! The authorizer: what environment users' SQL may do.
//!
//! SQLite calls the authorizer for every action while it *prepares* a statement (and again
//! when a trigger or view body is compiled into a statement), so a refused statement never
//! runs and leaves the database unchanged. The policy is an allow-list where it matters:
//!
//! - **Refused outright**: `ATTACH`, `DETACH`, transaction control (`BEGIN`, `COMMIT`,
//!   `ROLLBACK`, `SAVEPOINT`: every user statement is its own transaction, so no user can hold
//!   the write lock between calls), unknown action codes, and the functions
//!   `load_extension`, `fts3_tokenizer`, `sqlcipher_*` and the shell's file functions
//!   (`readfile`, `writefile`, `edit`, `fsdir`: not in this build, refused by name anyway).
//! - **PRAGMAs**: only schema introspection (`table_info`, `index_list`, ... with a table or
//!   index name) and reading a few harmless values (`foreign_keys`, `user_version`, ...)
//!   with no value given. Everything else is refused, which covers every key and cipher
//!   pragma (`key`, `rekey`, `hexkey`, `cipher_*`, `kdf_*`, `hmac_*`, ...) and every pragma
//!   touching files or engine safety (`journal_mode`, `locking_mode`, `writable_schema`,
//!   `mmap_size`, `temp_store_directory`, ...). SQLite consults the authorizer before
//!   SQLCipher handles its pragmas, so the cipher pragmas cannot slip past.
//! - **Internal tables** (`_keyward_*`, the files): no read, write, index, trigger, view
//!   name, rename or drop; a bare `ANALYZE` silently skips them (their statistics could hold
//!   sampled file names). Triggers are compiled into the statement that fires them, with the
//!   authorizer on, so a user trigger cannot reach them either.
//! - **`sqlite_*` tables**: reading is allowed. Writing is refused in every statement except
//!   schema statements (`CREATE`, `DROP`, `ALTER`, `ANALYZE`, `REINDEX`, classified by
//!   [`crate::lexer`]), where SQLite reports its own bookkeeping writes (the schema table,
//!   `sqlite_sequence` on rename, `sqlite_stat1`) to the authorizer. DML on them, including
//!   from triggers, is refused; `writable_schema` is refused too and defensive mode keeps it off.
//! - **Virtual tables**: only the full-text and r-tree modules may be created.
//!
//! `VACUUM` is not reported to the authorizer at all, so [`crate::sql`] refuses it before
//! preparing. This module must never be bypassed for user SQL; internal operations use a
//! separate connection that has no user triggers to fire (see [`crate::db`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::Connection;

use crate::lexer::is_schema_statement;

/// Prefix of the tables that hold the environment's files; reserved for this crate.
pub(crate) const INTERNAL_PREFIX: &str = "_keyward_";

/// Pragmas that inspect the schema; they may name a table or index.
const INTROSPECTION_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
    "collation_list",
];

/// Pragmas that may be read but never set.
const READ_ONLY_PRAGMAS: &[&str] = &[
    "foreign_keys",
    "user_version",
    "application_id",
    "page_count",
    "page_size",
    "freelist_count",
    "encoding",
    "data_version",
];

/// Functions refused by name.
const REFUSED_FUNCTIONS: &[&str] = &[
    "load_extension",
    "fts3_tokenizer",
    "readfile",
    "writefile",
    "edit",
    "fsdir",
];

/// Virtual table modules a user may create tables with.
const ALLOWED_VTAB_MODULES: &[&str] = &["fts3", "fts4", "fts5", "rtree", "rtree_i32"];

/// State shared between the authorizer callback and the connection's owner.
#[derive(Default)]
pub(crate) struct Policy {
    /// Set by the crate (never by user SQL) while it runs a transaction on the user connection.
    allow_transactions: AtomicBool,
    /// The statement being prepared changes the schema, so SQLite itself updates `sqlite_*`.
    schema_statement: AtomicBool,
    /// What the last refused action was, for the error returned to the user.
    last_refusal: Mutex<Option<String>>,
}

impl Policy {
    /// Readies the policy for preparing `sql`: forgets the last refusal and classifies it.
    pub(crate) fn prepare_for(&self, sql: &str) {
        *self.refusal_slot() = None;
        self.schema_statement
            .store(is_schema_statement(sql), Ordering::SeqCst);
    }

    /// What was refused while preparing the last statement, if anything.
    pub(crate) fn take_refusal(&self) -> Option<String> {
        self.refusal_slot().take()
    }

    /// Lets the crate run `BEGIN`/`COMMIT` on the user connection until the guard drops.
    pub(crate) fn allow_transactions(self: &Arc<Self>) -> TransactionsAllowed {
        self.allow_transactions.store(true, Ordering::SeqCst);
        TransactionsAllowed(Arc::clone(self))
    }

    fn refusal_slot(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.last_refusal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn decide(&self, ctx: &AuthContext<'_>) -> Authorization {
        let statement = Statement {
            transactions: self.allow_transactions.load(Ordering::SeqCst),
            schema: self.schema_statement.load(Ordering::SeqCst),
        };
        match judge(&ctx.action, statement) {
            Ok(()) if skips_internal(&ctx.action) => Authorization::Ignore,
            Ok(()) => Authorization::Allow,
            Err(what) => {
                // The description may hold schema names, so it goes to the caller, not the log.
                tracing::debug!("user statement refused by the authorizer");
                *self.refusal_slot() = Some(what);
                Authorization::Deny
            }
        }
    }
}

/// Drops the transaction permission again.
pub(crate) struct TransactionsAllowed(Arc<Policy>);

impl Drop for TransactionsAllowed {
    fn drop(&mut self) {
        self.0.allow_transactions.store(false, Ordering::SeqCst);
    }
}

/// Installs the policy on a user connection.
pub(crate) fn install(conn: &mut Connection, policy: Arc<Policy>) -> rusqlite::Result<()> {
    conn.authorizer(Some(move |ctx: AuthContext<'_>| policy.decide(&ctx)))
}

/// What the crate knows about the statement being prepared.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Statement {
    /// The crate is running its own transaction (CSV import).
    pub(crate) transactions: bool,
    /// The statement starts with `CREATE`, `DROP`, `ALTER`, `ANALYZE` or `REINDEX`.
    pub(crate) schema: bool,
}

/// The policy itself: `Err` names what is refused.
pub(crate) fn judge(action: &AuthAction<'_>, statement: Statement) -> Result<(), String> {
    use AuthAction::*;
    match *action {
        Select | Recursive => Ok(()),
        Attach { .. } => Err("ATTACH".into()),
        Detach { .. } => Err("DETACH".into()),
        Pragma {
            pragma_name,
            pragma_value,
        } => judge_pragma(pragma_name, pragma_value),
        Function { function_name } => judge_function(function_name),
        Transaction { .. } | Savepoint { .. } if !statement.transactions => {
            Err("transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT)".into())
        }
        Transaction { .. } | Savepoint { .. } => Ok(()),
        Read { table_name, .. } => not_internal(table_name, "reading"),
        // A bare `ANALYZE` covers every table; the internal ones are skipped, not refused.
        Analyze { .. } => Ok(()),
        Insert { table_name } | Delete { table_name } | Update { table_name, .. } => {
            judge_write(table_name, statement.schema)
        }
        CreateVtable { module_name, .. } => judge_vtab_module(module_name),
        _ => judge_schema_change(action),
    }
}

/// Schema changes: allowed unless they touch internal tables.
fn judge_schema_change(action: &AuthAction<'_>) -> Result<(), String> {
    use AuthAction::*;
    match *action {
        CreateTable { table_name }
        | CreateTempTable { table_name }
        | DropTable { table_name }
        | DropTempTable { table_name }
        | CreateIndex { table_name, .. }
        | CreateTempIndex { table_name, .. }
        | DropIndex { table_name, .. }
        | DropTempIndex { table_name, .. }
        | CreateTrigger { table_name, .. }
        | CreateTempTrigger { table_name, .. }
        | DropTrigger { table_name, .. }
        | DropTempTrigger { table_name, .. }
        | AlterTable { table_name, .. }
        | DropVtable { table_name, .. } => not_internal(table_name, "changing"),
        CreateView { view_name }
        | CreateTempView { view_name }
        | DropView { view_name }
        | DropTempView { view_name } => not_internal(view_name, "naming a view after"),
        Reindex { index_name } => not_internal(index_name, "reindexing"),
        _ => Err("an unrecognised operation".into()),
    }
}

/// Actions on internal tables that SQLite may silently skip instead of failing the statement.
fn skips_internal(action: &AuthAction<'_>) -> bool {
    matches!(action, AuthAction::Analyze { table_name } if is_internal(table_name))
}

fn judge_pragma(name: &str, value: Option<&str>) -> Result<(), String> {
    let listed = |list: &[&str]| list.iter().any(|p| p.eq_ignore_ascii_case(name));
    if listed(INTROSPECTION_PRAGMAS) || (listed(READ_ONLY_PRAGMAS) && value.is_none()) {
        Ok(())
    } else if value.is_some() {
        Err(format!("setting PRAGMA {}", name.to_ascii_lowercase()))
    } else {
        Err(format!("PRAGMA {}", name.to_ascii_lowercase()))
    }
}

fn judge_function(name: &str) -> Result<(), String> {
    let refused = REFUSED_FUNCTIONS
        .iter()
        .any(|f| f.eq_ignore_ascii_case(name))
        || has_prefix_ignore_case(name, "sqlcipher_");
    if refused {
        Err(format!("the function {}()", name.to_ascii_lowercase()))
    } else {
        Ok(())
    }
}

/// Writes: never to internal tables; to `sqlite_*` only as SQLite's own bookkeeping inside a
/// schema statement (the schema table itself, `sqlite_sequence` on rename, `sqlite_stat*`).
fn judge_write(table: &str, schema_statement: bool) -> Result<(), String> {
    not_internal(table, "writing to")?;
    if has_prefix_ignore_case(table, "sqlite_") && !schema_statement {
        return Err(format!("writing to the internal table {table}"));
    }
    Ok(())
}

fn judge_vtab_module(module: &str) -> Result<(), String> {
    if ALLOWED_VTAB_MODULES
        .iter()
        .any(|m| m.eq_ignore_ascii_case(module))
    {
        Ok(())
    } else {
        Err(format!("the virtual table module {module}"))
    }
}

fn not_internal(name: &str, verb: &str) -> Result<(), String> {
    if is_internal(name) {
        Err(format!("{verb} the internal table {name}"))
    } else {
        Ok(())
    }
}

/// Whether `name` is in the crate's reserved namespace (SQLite names are case-insensitive).
pub(crate) fn is_internal(name: &str) -> bool {
    has_prefix_ignore_case(name, INTERNAL_PREFIX)
}

fn has_prefix_ignore_case(name: &str, prefix: &str) -> bool {
    name.len() >= prefix.len()
        && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DML: Statement = Statement {
        transactions: false,
        schema: false,
    };

    fn pragma<'a>(name: &'a str, value: Option<&'a str>) -> AuthAction<'a> {
        AuthAction::Pragma {
            pragma_name: name,
            pragma_value: value,
        }
    }

    #[test]
    fn key_and_cipher_pragmas_are_refused_with_or_without_a_value() {
        for name in [
            "key",
            "rekey",
            "hexkey",
            "cipher_page_size",
            "kdf_iter",
            "hmac_pgno",
        ] {
            assert!(judge(&pragma(name, None), DML).is_err(), "{name}");
            assert!(judge(&pragma(name, Some("1")), DML).is_err(), "{name}");
        }
    }

    #[test]
    fn read_only_pragmas_may_be_read_but_not_set() {
        assert!(judge(&pragma("foreign_keys", None), DML).is_ok());
        assert!(judge(&pragma("FOREIGN_KEYS", Some("0")), DML).is_err());
        assert!(judge(&pragma("table_info", Some("t")), DML).is_ok());
    }

    #[test]
    fn internal_tables_are_out_of_reach_in_any_case() {
        let read = AuthAction::Read {
            table_name: "_KEYWARD_files",
            column_name: "",
        };
        assert!(judge(&read, DML).is_err());
        let write = AuthAction::Insert {
            table_name: "sqlite_sequence",
        };
        assert!(judge(&write, DML).is_err());
        let schema = Statement {
            schema: true,
            ..DML
        };
        assert!(judge(&write, schema).is_ok());
    }

    #[test]
    fn transactions_only_when_the_crate_allows_them() {
        let begin = AuthAction::Transaction {
            operation: rusqlite::hooks::TransactionOperation::Begin,
        };
        assert!(judge(&begin, DML).is_err());
        let crate_transaction = Statement {
            transactions: true,
            ..DML
        };
        assert!(judge(&begin, crate_transaction).is_ok());
    }
}
