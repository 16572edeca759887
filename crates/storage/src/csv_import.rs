//! Importing CSV into a table of the environment, all or nothing.
//!
//! The import runs on the user connection, with the authorizer on, inside one `IMMEDIATE`
//! transaction: it can only do what the user could do with SQL (so the internal tables are
//! out of reach and the target table's triggers run under the same policy), and a malformed
//! record rolls everything back. Fields are inserted as text; an empty field is an empty
//! string, not `NULL`. With `create_table`, a new table gets one `TEXT` column per header
//! field (or `c1`, `c2`, … without a header); otherwise rows go into an existing table, by
//! column name when there is a header and by position when there is not.
//!
//! This module must never log field values or column names.

use std::io::Read;

use csv::{ReaderBuilder, StringRecord};
use rusqlite::{params_from_iter, Connection, TransactionBehavior};
use serde::Serialize;

use crate::authorizer::Policy;
use crate::db::EnvironmentDb;
use crate::error::{Result, StorageError};

/// The longest accepted table name, in bytes.
const MAX_TABLE_NAME_BYTES: usize = 128;

/// How to read the CSV and where to put it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// The first record names the columns.
    pub header: bool,
    /// Create the table (it must not exist yet) with one `TEXT` column per field.
    pub create_table: bool,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CsvImportSummary {
    /// Rows inserted.
    pub rows_imported: u64,
    /// Columns the rows were inserted into; empty when inserted by position.
    pub columns: Vec<String>,
}

/// The longest a CSV import may run: it holds the environment's write lock meanwhile.
pub const CSV_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

impl EnvironmentDb {
    /// Imports CSV from `reader` into `table` in one transaction.
    ///
    /// A malformed record fails with [`StorageError::CsvInvalid`] naming its line, and nothing
    /// is imported.
    pub fn import_csv(
        &self,
        table: &str,
        reader: impl Read,
        options: CsvOptions,
    ) -> Result<CsvImportSummary> {
        validate_table_name(table)?;
        let mut conn = self.acquire(&self.user)?;
        let _allowed = self.policy.allow_transactions();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;

        let deadline = self.guard.deadline(CSV_TIMEOUT);
        let imported = import(&tx, &self.policy, table, reader, options);
        drop(deadline);
        if self.guard.is_closed() {
            return Err(StorageError::Closed);
        }
        let summary = imported?;
        tx.commit()?;
        tracing::debug!(rows = summary.rows_imported, "csv imported");
        Ok(summary)
    }
}

fn validate_table_name(table: &str) -> Result<()> {
    if table.is_empty() || table.len() > MAX_TABLE_NAME_BYTES || table.contains('\0') {
        return Err(StorageError::CsvRefused {
            reason: "the table name must be 1 to 128 bytes without NUL".into(),
        });
    }
    Ok(())
}

fn import(
    conn: &Connection,
    policy: &Policy,
    table: &str,
    reader: impl Read,
    options: CsvOptions,
) -> Result<CsvImportSummary> {
    let mut csv = ReaderBuilder::new()
        .has_headers(options.header)
        .flexible(false)
        .from_reader(reader);
    let mut first = StringRecord::new();
    let has_first = csv.read_record(&mut first).map_err(invalid_csv)?;
    let header = if options.header {
        Some(csv.headers().map_err(invalid_csv)?.clone())
    } else {
        None
    };

    let columns = column_names(header.as_ref(), has_first.then_some(&first), options)?;
    if options.create_table {
        create_table(conn, policy, table, &columns)?;
    }
    if !has_first {
        return Ok(summary(0, header.is_some(), columns));
    }
    let named = header.as_ref().map(|_| columns.as_slice());
    let insert_sql = insert_statement(table, named, first.len());
    policy.prepare_for(&insert_sql);
    let mut insert = conn.prepare(&insert_sql).map_err(|e| refused(policy, e))?;

    let mut rows_imported = 0;
    let mut record = first;
    loop {
        insert_record(&mut insert, &record)?;
        rows_imported += 1;
        if !csv.read_record(&mut record).map_err(invalid_csv)? {
            break;
        }
    }
    Ok(summary(rows_imported, header.is_some(), columns))
}

fn summary(rows_imported: u64, named: bool, columns: Vec<String>) -> CsvImportSummary {
    CsvImportSummary {
        rows_imported,
        columns: if named { columns } else { Vec::new() },
    }
}

/// Names of the columns: the header's, or `c1..cN` after the first record's width.
fn column_names(
    header: Option<&StringRecord>,
    first: Option<&StringRecord>,
    options: CsvOptions,
) -> Result<Vec<String>> {
    let names: Vec<String> = match (header, first) {
        (Some(header), _) => header.iter().map(str::to_owned).collect(),
        (None, Some(first)) => (1..=first.len()).map(|i| format!("c{i}")).collect(),
        (None, None) => Vec::new(),
    };
    if options.create_table && names.is_empty() {
        return Err(csv_refused(
            "the input is empty, so there are no columns to create",
        ));
    }
    if names.iter().any(|n| n.is_empty() || n.contains('\0')) {
        return Err(csv_refused("a header field is empty or holds NUL"));
    }
    Ok(names)
}

fn create_table(conn: &Connection, policy: &Policy, table: &str, columns: &[String]) -> Result<()> {
    let definitions: Vec<String> = columns
        .iter()
        .map(|c| format!("{} TEXT", quote_identifier(c)))
        .collect();
    let sql = format!(
        "CREATE TABLE {} ({})",
        quote_identifier(table),
        definitions.join(", ")
    );
    policy.prepare_for(&sql);
    conn.execute_batch(&sql).map_err(|e| refused(policy, e))
}

/// `INSERT INTO "t" ("a", "b") VALUES (?1, ?2)`, or by position without a column list.
fn insert_statement(table: &str, columns: Option<&[String]>, width: usize) -> String {
    let table = quote_identifier(table);
    let marks: Vec<String> = (1..=width).map(|i| format!("?{i}")).collect();
    match columns {
        Some(columns) => {
            let names: Vec<String> = columns.iter().map(|c| quote_identifier(c)).collect();
            format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                marks.join(", ")
            )
        }
        None => format!("INSERT INTO {table} VALUES ({})", marks.join(", ")),
    }
}

fn insert_record(insert: &mut rusqlite::Statement<'_>, record: &StringRecord) -> Result<()> {
    let line = record.position().map_or(0, |p| p.line());
    if insert.parameter_count() != record.len() {
        return Err(StorageError::CsvInvalid {
            line,
            reason: format!(
                "the record has {} fields but the table takes {}",
                record.len(),
                insert.parameter_count()
            ),
        });
    }
    insert
        .execute(params_from_iter(record.iter()))
        .map_err(|error| StorageError::CsvInvalid {
            line,
            reason: sqlite_message(error),
        })?;
    Ok(())
}

/// `"name"` with inner quotes doubled: any text becomes one identifier.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn invalid_csv(error: csv::Error) -> StorageError {
    let line = error.position().map_or(0, |p| p.line());
    let reason = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the record has {len} fields but earlier records have {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the record is not valid UTF-8".into(),
        csv::ErrorKind::Io(_) => "reading the input failed".into(),
        _ => "the input is not valid CSV".into(),
    };
    StorageError::CsvInvalid { line, reason }
}

fn refused(policy: &Policy, error: rusqlite::Error) -> StorageError {
    match policy.take_refusal() {
        Some(what) => StorageError::StatementRefused { what },
        None => csv_refused(&sqlite_message(error)),
    }
}

fn csv_refused(reason: &str) -> StorageError {
    StorageError::CsvRefused {
        reason: reason.into(),
    }
}

fn sqlite_message(error: rusqlite::Error) -> String {
    match error {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_so_any_text_is_one_name() {
        assert_eq!(quote_identifier(r#"a"b"#), r#""a""b""#);
        assert_eq!(
            insert_statement("t", Some(&["x".into(), "y".into()]), 2),
            r#"INSERT INTO "t" ("x", "y") VALUES (?1, ?2)"#
        );
    }
}
