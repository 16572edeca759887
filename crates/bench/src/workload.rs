//! The encryption-overhead workload and the three ways of opening its database.
//!
//! One table `t(id INTEGER PRIMARY KEY, name TEXT, payload BLOB)` with rows of about 100
//! bytes (a 20-byte name, an 80-byte payload), inserted in transactions of
//! [`BATCH_ROWS`], read back by key and scanned. The three [`Flavor`]s share every SQLite
//! setting Keyward uses (4096-byte pages, WAL, `synchronous = FULL`, `temp_store = MEMORY`,
//! `secure_delete = ON`, the same cache size per phase) and differ only in encryption:
//!
//! - [`Flavor::Plain`]: the same bundled SQLCipher library, no key: plain SQLite;
//! - [`Flavor::SqlCipher`]: keyed with a raw 256-bit key and SQLCipher 4 settings, but without
//!   `cipher_memory_security`;
//! - [`Flavor::Keyward`]: the file made by `EnvironmentDb::create` and a connection set up
//!   exactly as `keyward-storage`'s `open_keyed` sets one up, memory security included.
//!
//! `keyward-storage` keeps its connection opener private, so [`open`] repeats its settings;
//! [`check_keyward_settings`] proves the copy matches what the storage engine reports.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use rusqlite::config::DbConfig;
use rusqlite::{params, Connection, OpenFlags};

/// Rows per write transaction.
pub const BATCH_ROWS: u64 = 1_000;

/// Page cache for the warm-read phase: 64 MiB, larger than the whole database.
pub const WARM_CACHE_KIB: i64 = 64 * 1024;

/// Page cache for the cold-read and small-cache scan phases: 1 MiB (256 pages), a small
/// fraction of the ≈ 22 MB database, so most reads miss it and go to the (OS-cached) file.
pub const SMALL_CACHE_KIB: i64 = 1024;

/// The raw data key of the encrypted flavors (a benchmark, so a fixed one).
pub const BENCH_KEY: [u8; 32] = [0x5a; 32];

/// Extra cipher pragmas for the [`Flavor::SqlCipher`] worker, to measure what a setting
/// changes (e.g. `PRAGMA cipher_hmac_algorithm = HMAC_SHA256;`); never set in the suite.
pub const CIPHER_PRAGMAS_VAR: &str = "KEYWARD_BENCH_CIPHER_PRAGMAS";

/// The page size of the plain and SQLCipher flavors' new files, 4096 (Keyward's) unless
/// `KEYWARD_BENCH_PAGE_SIZE` says otherwise; for experiments, never set in the suite.
pub fn page_size() -> u32 {
    std::env::var("KEYWARD_BENCH_PAGE_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4096)
}

/// How a database file is encrypted and opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Plain SQLite: no key.
    Plain,
    /// SQLCipher 4 with a raw key, memory security off.
    SqlCipher,
    /// SQLCipher exactly as `keyward-storage` opens an environment.
    Keyward,
}

impl Flavor {
    /// Every flavor, baseline first.
    pub const ALL: [Flavor; 3] = [Flavor::Plain, Flavor::SqlCipher, Flavor::Keyward];

    /// The flavor's name in tables and on the worker command line.
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Plain => "plain",
            Flavor::SqlCipher => "sqlcipher",
            Flavor::Keyward => "keyward",
        }
    }

    /// The flavor named `name`.
    pub fn parse(name: &str) -> Option<Flavor> {
        Flavor::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Creates a new database file for `flavor` at `path` with the empty table `t`.
pub fn create(flavor: Flavor, path: &Path) -> Result<()> {
    if flavor == Flavor::Keyward {
        // A real environment file: keyward-storage writes its header, schema and settings.
        keyward_storage::EnvironmentDb::create(path, &BENCH_KEY)?.close()?;
    }
    let conn = open(flavor, path, WARM_CACHE_KIB)?;
    conn.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, payload BLOB NOT NULL)",
    )?;
    Ok(())
}

/// Opens `path` as `flavor` with a page cache of `cache_kib` KiB.
pub fn open(flavor: Flavor, path: &Path, cache_kib: i64) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    match flavor {
        Flavor::Plain => {}
        Flavor::SqlCipher => key(&conn, false)?,
        Flavor::Keyward => key(&conn, true)?,
    }
    // The first read: for the encrypted flavors it decrypts and authenticates page 1.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    engine_settings(&conn, flavor)?;
    conn.execute_batch(&format!("PRAGMA cache_size = -{cache_kib}"))?;
    Ok(conn)
}

/// Keys the connection as `keyward-storage`'s `key.rs` and `connection.rs` do.
fn key(conn: &Connection, memory_security: bool) -> Result<()> {
    let text = format!("x'{}'", hex(&BENCH_KEY));
    conn.key(Some(rusqlite::MAIN_DB), text.as_bytes(), false)?;
    if memory_security {
        conn.execute_batch("PRAGMA cipher_memory_security = ON;")?;
    }
    conn.execute_batch(
        "PRAGMA cipher_compatibility = 4;
         PRAGMA cipher_plaintext_header_size = 0;",
    )?;
    if memory_security {
        // Keyward's choice (keyward-storage `connection.rs`): page HMACs with SHA-256.
        conn.execute_batch("PRAGMA cipher_hmac_algorithm = HMAC_SHA256;")?;
    }
    if !memory_security {
        // Experiments only: other cipher settings for the SQLCipher flavor.
        conn.execute_batch(&format!("PRAGMA cipher_page_size = {};", page_size()))?;
        if let Ok(extra) = std::env::var(CIPHER_PRAGMAS_VAR) {
            conn.execute_batch(&extra)?;
        }
    }
    Ok(())
}

/// The settings every Keyward connection gets after keying, shared by all flavors; the
/// hardening flags only for the Keyward flavor (they cost nothing on this workload).
fn engine_settings(conn: &Connection, flavor: Flavor) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.execute_batch(&format!("PRAGMA page_size = {};", page_size()))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;",
    )?;
    if flavor == Flavor::Keyward {
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, false)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_ATTACH_CREATE, false)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_ATTACH_WRITE, false)?;
    }
    Ok(())
}

/// Checks that a [`Flavor::Keyward`] connection reports the settings `keyward-storage`
/// documents and tests for its own connections.
pub fn check_keyward_settings(conn: &Connection) -> Result<()> {
    let expected = [
        ("cipher_page_size", "4096"),
        ("cipher_use_hmac", "1"),
        ("cipher_hmac_algorithm", "HMAC_SHA256"),
        ("cipher_plaintext_header_size", "0"),
        ("cipher_memory_security", "1"),
        ("journal_mode", "wal"),
        ("synchronous", "2"),
        ("temp_store", "2"),
        ("secure_delete", "1"),
    ];
    for (name, value) in expected {
        let found: String = conn.query_row(&format!("PRAGMA {name}"), [], |r| {
            Ok(match r.get_ref(0)? {
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                other => String::from_utf8_lossy(other.as_bytes()?).into_owned(),
            })
        })?;
        ensure!(found == value, "PRAGMA {name} is {found}, expected {value}");
    }
    Ok(())
}

/// Inserts `rows` rows in transactions of [`BATCH_ROWS`]; returns the time from the first
/// `BEGIN` to the last `COMMIT` (each commit fsyncs the WAL). The WAL is then checkpointed
/// into the file, untimed, so the read phases read the database file itself.
pub fn bulk_insert(conn: &mut Connection, rows: u64) -> Result<Duration> {
    let mut rng = XorShift::new(rows);
    let start = Instant::now();
    let mut next = 1;
    while next <= rows {
        let end = (next + BATCH_ROWS).min(rows + 1);
        let tx = conn.transaction()?;
        {
            let mut stmt =
                tx.prepare_cached("INSERT INTO t (id, name, payload) VALUES (?1, ?2, ?3)")?;
            for id in next..end {
                let (name, payload) = row_content(id, &mut rng);
                stmt.execute(params![id as i64, name, &payload[..]])?;
            }
        }
        tx.commit()?;
        next = end;
    }
    let elapsed = start.elapsed();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(elapsed)
}

/// A 20-character name and an 80-byte payload for row `id`.
fn row_content(id: u64, rng: &mut XorShift) -> (String, [u8; 80]) {
    let mut payload = [0u8; 80];
    for chunk in payload.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next().to_le_bytes());
    }
    (format!("row-{id:016}"), payload)
}

/// Reads `count` rows by random key; returns the elapsed time.
pub fn point_reads(
    conn: &Connection,
    rows: u64,
    count: u64,
    rng: &mut XorShift,
) -> Result<Duration> {
    let mut stmt = conn.prepare_cached("SELECT name, payload FROM t WHERE id = ?1")?;
    let start = Instant::now();
    for _ in 0..count {
        let id = 1 + rng.next() % rows;
        let len = stmt.query_row([id as i64], |r| {
            Ok(r.get_ref(0)?.as_str()?.len() + r.get_ref(1)?.as_blob()?.len())
        })?;
        std::hint::black_box(len);
    }
    Ok(start.elapsed())
}

/// Scans every row `count` times; returns the elapsed time.
pub fn scans(conn: &Connection, count: u64) -> Result<Duration> {
    let mut stmt = conn.prepare_cached("SELECT count(*), sum(length(payload)) FROM t")?;
    let start = Instant::now();
    for _ in 0..count {
        let total: i64 = stmt.query_row([], |r| r.get(1))?;
        std::hint::black_box(total);
    }
    Ok(start.elapsed())
}

/// The number of rows in `t`.
pub fn row_count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .context("counting rows")?;
    Ok(n as u64)
}

/// A small, fast, deterministic random number generator (xorshift64*).
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (any value).
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15 | 1)
    }

    /// The next number.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
