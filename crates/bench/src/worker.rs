//! Worker processes: the SQLite workload of one [`Flavor`], run in a child process.
//!
//! Why a process per flavor: `PRAGMA cipher_memory_security = ON`, which Keyward sets, is
//! process-wide in SQLCipher (it wraps *every* SQLite allocation with `mlock`, a random
//! wipe and `munlock`) and cannot be turned off again. Run in the benchmark's own process,
//! it would slow the plain-SQLite baseline down too and hide part of the overhead. Each
//! worker is the benchmark binary itself, started with `KEYWARD_BENCH_WORKER=<flavor>`;
//! the parent sends one command per line on its stdin and reads `ok <nanoseconds>` (or
//! `err <message>`) from its stdout. The parent alternates between workers, so the
//! baselines are measured interleaved with the subject.
//!
//! | command | what the worker does | reply |
//! |---|---|---|
//! | `insert <rows>` | recreates its database, bulk-inserts `rows` rows | insert time |
//! | `warm <n>` | `n` point reads on a 64 MiB cache (filled first) | time |
//! | `cold <n>` | `n` point reads on a 1 MiB cache | time |
//! | `scan_warm <n>`, `scan_cold <n>` | `n` full scans on either cache | time |
//! | `hot <n>`, `api <n>` | `n` reads of a 2,000-row hot set, raw or through `EnvironmentDb::execute` (Keyward flavor only) | time |
//! | `open_query <path>` | opens `path` (no key), runs its first query, closes | time |
//! | `bookkeeping <metadata.db> <tenant> <region>` | one store transaction rewriting the region's environment records | time |

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use rusqlite::Connection;

use crate::workload::{self, Flavor, XorShift, SMALL_CACHE_KIB, WARM_CACHE_KIB};

/// The variable that turns the benchmark binary into a worker of the named flavor.
const WORKER_VAR: &str = "KEYWARD_BENCH_WORKER";

/// The variable naming the worker's database file.
const DB_VAR: &str = "KEYWARD_BENCH_WORKER_DB";

/// Rows in the hot set of the API comparison: a few dozen pages, well inside the
/// default 2 MiB cache of `EnvironmentDb`'s connections.
const HOT_ROWS: u64 = 2_000;

/// A running worker process.
pub struct Worker {
    flavor: Flavor,
    child: Child,
    input: BufWriter<ChildStdin>,
    output: BufReader<ChildStdout>,
}

impl Worker {
    /// Starts a worker of `flavor` whose database is `db`.
    pub fn spawn(flavor: Flavor, db: &Path) -> Result<Self> {
        let exe = std::env::current_exe().context("finding the benchmark binary")?;
        let mut child = Command::new(exe)
            .env(WORKER_VAR, flavor.name())
            .env(DB_VAR, db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting a worker process")?;
        let input = BufWriter::new(child.stdin.take().context("worker stdin")?);
        let output = BufReader::new(child.stdout.take().context("worker stdout")?);
        Ok(Self {
            flavor,
            child,
            input,
            output,
        })
    }

    /// The worker's flavor.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// Sends one command and returns the duration the worker measured.
    pub fn call(&mut self, command: &str) -> Result<Duration> {
        writeln!(self.input, "{command}")?;
        self.input.flush()?;
        let mut line = String::new();
        self.output.read_line(&mut line)?;
        let line = line.trim();
        match line.split_once(' ') {
            Some(("ok", nanos)) => Ok(Duration::from_nanos(nanos.parse()?)),
            Some(("err", message)) => bail!("{} worker: {message}", self.flavor.name()),
            _ => bail!("{} worker ended or answered {line:?}", self.flavor.name()),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = writeln!(self.input, "quit");
        let _ = self.input.flush();
        let _ = self.child.wait();
    }
}

/// Serves worker commands if this process was started as a worker; returns whether it was.
/// Benchmark binaries call this first thing in `main`.
pub fn serve_if_worker() -> bool {
    let Ok(name) = std::env::var(WORKER_VAR) else {
        return false;
    };
    let result = Flavor::parse(&name)
        .ok_or_else(|| anyhow!("unknown flavor {name}"))
        .and_then(|flavor| {
            let db = std::env::var_os(DB_VAR).context("no database path")?;
            serve(State::new(flavor, PathBuf::from(db)))
        });
    if let Err(error) = result {
        eprintln!("worker {name} failed: {error:#}");
        std::process::exit(1);
    }
    true
}

fn serve(mut state: State) -> Result<()> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim() == "quit" {
            break;
        }
        match state.run(&line) {
            Ok(elapsed) => writeln!(stdout, "ok {}", elapsed.as_nanos())?,
            Err(error) => writeln!(stdout, "err {}", format!("{error:#}").replace('\n', " "))?,
        }
        stdout.flush()?;
    }
    Ok(())
}

/// A worker's database and the connections it keeps open between commands.
struct State {
    flavor: Flavor,
    db: PathBuf,
    rows: u64,
    rng: XorShift,
    warm: Option<Connection>,
    cold: Option<Connection>,
    api: Option<keyward_storage::EnvironmentDb>,
}

impl State {
    fn new(flavor: Flavor, db: PathBuf) -> Self {
        Self {
            flavor,
            db,
            rows: 0,
            rng: XorShift::new(7),
            warm: None,
            cold: None,
            api: None,
        }
    }

    fn run(&mut self, line: &str) -> Result<Duration> {
        let (command, arg) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
        let n = || arg.parse::<u64>().context("a count");
        match command {
            "insert" => self.insert(n()?),
            "warm" | "scan_warm" | "hot" => {
                self.open_warm()?;
                let conn = self.warm.as_ref().context("warm connection")?;
                match command {
                    "warm" => workload::point_reads(conn, self.rows, n()?, &mut self.rng),
                    "hot" => workload::point_reads(conn, hot(self.rows), n()?, &mut self.rng),
                    _ => workload::scans(conn, n()?),
                }
            }
            "cold" | "scan_cold" => {
                self.open_cold()?;
                let conn = self.cold.as_ref().context("cold connection")?;
                match command {
                    "cold" => workload::point_reads(conn, self.rows, n()?, &mut self.rng),
                    _ => workload::scans(conn, n()?),
                }
            }
            "api" => self.api_reads(n()?),
            "open_query" => open_query(Path::new(arg)),
            "bookkeeping" => bookkeeping(arg),
            other => bail!("unknown command {other}"),
        }
    }

    fn insert(&mut self, rows: u64) -> Result<Duration> {
        self.warm = None;
        self.cold = None;
        self.api = None;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.db.display()));
        }
        workload::create(self.flavor, &self.db)?;
        let mut conn = workload::open(self.flavor, &self.db, WARM_CACHE_KIB)?;
        let elapsed = workload::bulk_insert(&mut conn, rows)?;
        self.rows = rows;
        Ok(elapsed)
    }

    /// Opens the warm connection and fills its cache with one scan, on first use.
    fn open_warm(&mut self) -> Result<()> {
        if self.warm.is_none() {
            let conn = workload::open(self.flavor, &self.db, WARM_CACHE_KIB)?;
            self.rows = workload::row_count(&conn)?;
            workload::scans(&conn, 1)?;
            self.warm = Some(conn);
        }
        Ok(())
    }

    fn open_cold(&mut self) -> Result<()> {
        if self.cold.is_none() {
            let conn = workload::open(self.flavor, &self.db, SMALL_CACHE_KIB)?;
            self.rows = workload::row_count(&conn)?;
            self.cold = Some(conn);
        }
        Ok(())
    }

    fn api_reads(&mut self, count: u64) -> Result<Duration> {
        use keyward_storage::Value;
        if self.flavor != Flavor::Keyward {
            bail!("the API path exists for the Keyward flavor only");
        }
        if self.api.is_none() {
            self.api = Some(keyward_storage::EnvironmentDb::open(
                &self.db,
                &workload::BENCH_KEY,
            )?);
        }
        let db = self.api.as_ref().context("api connection")?;
        let rows = hot(self.rows);
        let sql = "SELECT name, payload FROM t WHERE id = ?1";
        let start = Instant::now();
        for _ in 0..count {
            let id = 1 + self.rng.next() % rows;
            let result = db.execute(sql, &[Value::Integer(id as i64)])?;
            std::hint::black_box(result.rows.len());
        }
        Ok(start.elapsed())
    }
}

/// The hot set's size for a table of `rows` rows.
fn hot(rows: u64) -> u64 {
    HOT_ROWS.min(rows.max(1))
}

/// Opens `path` as plain SQLite with Keyward's settings and runs its first query; closes
/// untimed.
fn open_query(path: &Path) -> Result<Duration> {
    let start = Instant::now();
    let conn = workload::open(Flavor::Plain, path, WARM_CACHE_KIB)?;
    let rows = workload::row_count(&conn)?;
    let elapsed = start.elapsed();
    // Closing (a checkpoint) is not part of an open; the engine keeps environments open.
    drop(conn);
    std::hint::black_box(rows);
    Ok(elapsed)
}

/// One metadata-store transaction that reads a region's environments and writes each back:
/// the bookkeeping a lock cannot avoid, here in a process where SQLCipher's memory security
/// was never turned on.
fn bookkeeping(arg: &str) -> Result<Duration> {
    use keyward_store::{transact, SqliteStore, StoreError};
    let parts: Vec<&str> = arg.split(' ').collect();
    let [path, tenant, region] = parts[..] else {
        bail!("bookkeeping needs a path, a tenant and a region");
    };
    let scope = keyward_domain::model::TenantRegion {
        tenant: keyward_domain::TenantId::new(tenant)?,
        region: keyward_domain::RegionName::new(region)?,
    };
    let store = SqliteStore::open(Path::new(path))?;
    let start = Instant::now();
    transact(&store, |tx| {
        for env in tx.environments(&scope)? {
            tx.put_environment(&env)?;
        }
        Ok::<_, StoreError>(())
    })?;
    Ok(start.elapsed())
}
