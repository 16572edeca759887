//! Opening one keyed SQLCipher connection with Keyward's settings.
//!
//! Every connection to an environment file, and to its backups and copies, goes through
//! [`open_keyed`], so all of them agree on the cipher parameters and the durability settings.
//!
//! # SQLCipher settings and why
//!
//! - **Raw 256-bit key** (`x'…'`, see [`crate::key`]): the DEK is already uniformly random, so
//!   no PBKDF2 runs on open; only the two-iteration derivation of the HMAC key remains.
//! - **`cipher_compatibility = 4`**: pins the SQLCipher 4 format instead of trusting whatever a
//!   future build defaults to: AES-256-CBC with a random IV per page write, an HMAC over
//!   every page (so tampering and wrong keys are detected, never read as garbage),
//!   4096-byte pages matching the OS page size, a 16-byte random salt at the start of the file
//!   and no plaintext header (`cipher_plaintext_header_size = 0`).
//! - **`cipher_hmac_algorithm = HMAC_SHA256`** instead of SQLCipher 4's SHA-512: the page MAC
//!   was most of the cost of writing (docs/benchmarks.md, figure 1); HMAC-SHA256 keeps a
//!   256-bit tag and detects tampering and wrong keys just as well, at a fraction of the cost.
//!   Every environment is created and opened with it (it is not stored in the file).
//! - **`cipher_memory_security = ON`**: SQLCipher wipes every allocation it frees, so decrypted
//!   pages and key schedules do not linger on the heap. It is process-wide and SQLCipher does
//!   not allow turning it off again; the cost is a memset per free.
//! - **`journal_mode = WAL` with `synchronous = FULL`**: WAL lets readers (user queries,
//!   backups) run while a writer commits, which the online backup and "no downtime" rules
//!   need; `FULL` fsyncs the WAL on every commit, so a committed write survives a kill or a
//!   power cut. SQLCipher encrypts WAL frames exactly like database pages (tested); the
//!   `-shm` index holds page numbers and checksums only.
//! - **`temp_store = MEMORY`**: sorts and temporary tables never spill to unencrypted temp
//!   files.
//! - **`secure_delete = ON`**: deleted rows and replaced files are overwritten with zeros
//!   inside the (encrypted) file instead of lingering in free pages.
//! - **Defensive mode, untrusted schema, no ATTACH creation or writes**: belt and braces
//!   behind the authorizer in [`crate::authorizer`].
//!
//! This module must never log the key or build SQL text containing it.

use std::path::Path;
use std::sync::Once;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::{Result, StorageError};
use crate::key::apply_raw_key;

/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How many 1 ms waits for SQLCipher's initialisation before giving up.
const INIT_ATTEMPTS: u32 = 2000;

/// The magic first bytes of an unencrypted SQLite file.
const PLAINTEXT_SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Cipher page size; must match the SQLCipher 4 defaults pinned by `cipher_compatibility`.
pub(crate) const PAGE_SIZE: u64 = 4096;

/// Whether `open_keyed` may create the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Create {
    /// The file must already exist.
    No,
    /// The file is created when missing.
    Yes,
}

/// Opens `path`, keys it with `key`, applies the cipher and durability settings and proves the
/// key by reading the schema.
pub(crate) fn open_keyed(path: &Path, key: &[u8; 32], create: Create) -> Result<Connection> {
    wait_for_sqlcipher_init();
    let conn = Connection::open_with_flags(path, open_flags(create))?;
    apply_raw_key(&conn, key)?;
    apply_cipher_settings(&conn)?;
    if let Err(error) = verify_key(&conn) {
        return Err(classify_open_failure(conn, path, error));
    }
    apply_engine_settings(&conn)?;
    Ok(conn)
}

/// Waits, once per process, until SQLCipher's global initialisation has finished.
///
/// SQLite runs SQLCipher's initialisation after releasing its own init mutex, so a thread that
/// opens its first connection while another thread is still initialising can find SQLCipher
/// "not initialized" and fail to key. Keying a throw-away in-memory connection until it works
/// closes that window before any real database is keyed.
fn wait_for_sqlcipher_init() {
    static READY: Once = Once::new();
    READY.call_once(|| {
        for _ in 0..INIT_ATTEMPTS {
            let probe = Connection::open_in_memory().and_then(|c| apply_raw_key(&c, &[0; 32]));
            if probe.is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        tracing::debug!("sqlcipher did not report ready; keying will report the failure");
    });
}

/// Read-write, no URI interpretation of the path, SQLite's own mutex off (we hold a Mutex).
fn open_flags(create: Create) -> OpenFlags {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    match create {
        Create::Yes => flags | OpenFlags::SQLITE_OPEN_CREATE,
        Create::No => flags,
    }
}

/// The cipher parameters; they must be set before the first page is read.
fn apply_cipher_settings(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "PRAGMA cipher_memory_security = ON;
         PRAGMA cipher_compatibility = 4;
         PRAGMA cipher_hmac_algorithm = HMAC_SHA256;
         PRAGMA cipher_plaintext_header_size = 0;",
    )
}

/// Reading `sqlite_master` forces SQLCipher to decrypt and authenticate page 1.
fn verify_key(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    })
    .map(|_| ())
}

/// Durability, temp-file and hardening settings shared by every connection.
fn apply_engine_settings(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;",
    )?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_ATTACH_CREATE, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_ATTACH_WRITE, false)?;
    Ok(())
}

/// Tells a wrong key apart from a file that is not (or no longer) an encrypted database.
///
/// With HMAC on, a wrong key makes *every* page fail authentication, while a damaged file
/// still has pages that verify under the right key. A plaintext SQLite file or a file that is
/// not a whole number of pages is not an encrypted database at all.
fn classify_open_failure(conn: Connection, path: &Path, error: rusqlite::Error) -> StorageError {
    if error.sqlite_error_code() != Some(ErrorCode::NotADatabase) {
        return StorageError::from(error);
    }
    match file_shape(path) {
        Ok(FileShape::Plaintext) => StorageError::NotADatabase {
            reason: "the file is an unencrypted SQLite database",
        },
        Ok(FileShape::NotWholePages) => StorageError::NotADatabase {
            reason: "the file is not a whole number of database pages",
        },
        Ok(FileShape::Pages(pages)) => classify_by_page_macs(&conn, pages),
        Err(io) => StorageError::Io(io),
    }
}

/// What the raw bytes of a database file look like from outside.
enum FileShape {
    Plaintext,
    NotWholePages,
    Pages(u64),
}

fn file_shape(path: &Path) -> std::io::Result<FileShape> {
    use std::io::Read;

    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = [0u8; 16];
    if len >= 16 {
        file.read_exact(&mut head)?;
    }
    Ok(if &head == PLAINTEXT_SQLITE_MAGIC {
        FileShape::Plaintext
    } else if len == 0 || !len.is_multiple_of(PAGE_SIZE) {
        FileShape::NotWholePages
    } else {
        FileShape::Pages(len / PAGE_SIZE)
    })
}

/// Counts pages whose HMAC fails under the presented key; all failing means a wrong key.
///
/// This reads the whole file once, but only on the failure path of an open.
fn classify_by_page_macs(conn: &Connection, pages: u64) -> StorageError {
    let failures = conn
        .prepare("PRAGMA cipher_integrity_check")
        .and_then(|mut stmt| stmt.query_map([], |_| Ok(()))?.count_failures());
    match failures {
        Ok(failed) if failed >= pages => StorageError::WrongKey,
        Ok(_) => StorageError::NotADatabase {
            reason: "some pages fail authentication under the right key; the file is damaged",
        },
        Err(_) => StorageError::WrongKey,
    }
}

/// Counting rows of an iterator of results, stopping at the first error.
trait CountFailures {
    fn count_failures(self) -> rusqlite::Result<u64>;
}

impl<I: Iterator<Item = rusqlite::Result<()>>> CountFailures for I {
    fn count_failures(self) -> rusqlite::Result<u64> {
        let mut count = 0;
        for row in self {
            row?;
            count += 1;
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragma(conn: &Connection, name: &str) -> String {
        conn.query_row(&format!("PRAGMA {name}"), [], |row| {
            row.get_ref(0).map(|v| match v {
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                other => format!("{other:?}"),
            })
        })
        .unwrap()
    }

    #[test]
    fn connections_get_the_documented_cipher_and_durability_settings() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_keyed(&dir.path().join("s.db"), &[3; 32], Create::Yes).unwrap();
        assert_eq!(pragma(&conn, "cipher_page_size"), "4096");
        assert_eq!(pragma(&conn, "cipher_use_hmac"), "1");
        assert_eq!(pragma(&conn, "cipher_hmac_algorithm"), "HMAC_SHA256");
        assert_eq!(pragma(&conn, "cipher_plaintext_header_size"), "0");
        assert_eq!(pragma(&conn, "cipher_memory_security"), "1");
        assert_eq!(pragma(&conn, "journal_mode"), "wal");
        assert_eq!(pragma(&conn, "synchronous"), "2");
        assert_eq!(pragma(&conn, "temp_store"), "2");
        assert_eq!(pragma(&conn, "secure_delete"), "1");
    }
}
