//! Just enough of SQL's lexical structure to classify one statement by its leading words.
//!
//! The authorizer sees actions, not statements; two decisions need the statement's kind:
//! `VACUUM` is never reported to the authorizer, and writes to `sqlite_*` bookkeeping tables
//! are SQLite's own doing inside schema statements but a user's doing inside DML. Anything this
//! lexer cannot classify is treated as the stricter kind (not a schema statement). A trigger
//! body is authorized when the DML that fires it is prepared, so it is classified as DML.

use crate::error::{Result, StorageError};

/// Leading keywords of statements that change the schema.
const SCHEMA_VERBS: &[&str] = &["create", "drop", "alter", "analyze", "reindex"];

/// Whether `sql` starts with a schema-changing verb (`CREATE`, `DROP`, `ALTER`, ...).
pub(crate) fn is_schema_statement(sql: &str) -> bool {
    Words::new(sql)
        .next()
        .is_some_and(|w| SCHEMA_VERBS.iter().any(|v| v.eq_ignore_ascii_case(w)))
}

/// Refuses `VACUUM` (and `VACUUM INTO`), which the authorizer never sees.
pub(crate) fn refuse_vacuum(sql: &str) -> Result<()> {
    let mut words = Words::new(sql);
    let mut first = words.next();
    if first.is_some_and(|w| w.eq_ignore_ascii_case("explain")) {
        first = words.next();
        if first.is_some_and(|w| w.eq_ignore_ascii_case("query")) {
            words.next();
            first = words.next();
        }
    }
    if first.is_some_and(|w| w.eq_ignore_ascii_case("vacuum")) {
        return Err(StorageError::StatementRefused {
            what: "VACUUM".into(),
        });
    }
    Ok(())
}

/// Refuses a schema statement that names anything with the internal prefix: the authorizer
/// sees the old name of `ALTER TABLE … RENAME TO`, not the new one, so a user table could
/// otherwise be renamed into the reserved namespace and become unreachable.
pub(crate) fn refuse_reserved_names(sql: &str) -> Result<()> {
    let reserved = crate::authorizer::INTERNAL_PREFIX;
    if is_schema_statement(sql) && sql.to_ascii_lowercase().contains(reserved) {
        return Err(StorageError::StatementRefused {
            what: format!("a name starting with {reserved} (reserved for Keyward)"),
        });
    }
    Ok(())
}

/// The leading words of SQL text, skipping whitespace and comments.
struct Words<'a> {
    rest: &'a str,
}

impl<'a> Words<'a> {
    fn new(sql: &'a str) -> Self {
        Words { rest: sql }
    }

    fn skip_space_and_comments(&mut self) {
        loop {
            let trimmed = self.rest.trim_start();
            if let Some(line_comment) = trimmed.strip_prefix("--") {
                self.rest = line_comment.split_once('\n').map_or("", |(_, after)| after);
            } else if let Some(block) = trimmed.strip_prefix("/*") {
                self.rest = block.split_once("*/").map_or("", |(_, after)| after);
            } else {
                self.rest = trimmed;
                return;
            }
        }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        self.skip_space_and_comments();
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let (word, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vacuum_is_found_behind_comments_and_explain() {
        for sql in [
            "VACUUM",
            "  vacuum into '/tmp/x'",
            "/* hi */ -- there\n VaCuUm",
            "EXPLAIN QUERY PLAN VACUUM",
            "explain vacuum",
        ] {
            assert!(refuse_vacuum(sql).is_err(), "{sql}");
        }
        assert!(refuse_vacuum("SELECT 'vacuum'").is_ok());
    }

    #[test]
    fn renaming_into_the_reserved_namespace_is_refused() {
        assert!(refuse_reserved_names("ALTER TABLE t RENAME TO _keyward_mine").is_err());
        assert!(refuse_reserved_names("alter table t rename to \"_KEYWARD_x\"").is_err());
        assert!(refuse_reserved_names("ALTER TABLE t RENAME TO u").is_ok());
        assert!(refuse_reserved_names("SELECT '_keyward_'").is_ok());
    }

    #[test]
    fn schema_statements_are_told_from_dml() {
        assert!(is_schema_statement(" -- x\n create table t (x)"));
        assert!(is_schema_statement("ALTER TABLE t RENAME TO u"));
        assert!(!is_schema_statement(
            "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x"
        ));
        assert!(!is_schema_statement("UPDATE sqlite_master SET sql = ''"));
        assert!(!is_schema_statement(""));
    }
}
