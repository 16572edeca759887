//! Figure 1: what page encryption costs. The same workload on plain SQLite, on SQLCipher,
//! and on SQLCipher set up exactly as `keyward-storage` sets up an environment, each in its
//! own worker process (see `keyward_bench::worker` for why), interleaved.
//!
//! Phases: bulk insert (custom rounds: one insert is seconds long, criterion's model of
//! many short iterations does not fit), then under criterion with paired samples: point
//! reads on a warm 64 MiB cache, point reads and full scans on a 1 MiB cache, full scans on
//! the warm cache, and the `EnvironmentDb::execute` path against a raw connection.
//!
//! Run: `cargo bench -p keyward-bench --bench encryption_overhead`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use criterion::Criterion;
use keyward_bench::paired::{self, PairedResult, Sampling};
use keyward_bench::report::{fixed, Table};
use keyward_bench::stats::median;
use keyward_bench::worker::{serve_if_worker, Worker};
use keyward_bench::workload::Flavor;
use keyward_bench::{settings, workload};

const BENCH: &str = "encryption_overhead";

/// One criterion phase: its id, the worker command, the goal on keyward ÷ plain.
struct Phase {
    id: &'static str,
    command: &'static str,
    flat: bool,
    goal: Option<f64>,
}

const PHASES: [Phase; 4] = [
    Phase {
        id: "point_read_warm_cache",
        command: "warm",
        flat: false,
        goal: Some(1.10),
    },
    Phase {
        id: "point_read_small_cache",
        command: "cold",
        flat: false,
        goal: None,
    },
    Phase {
        id: "scan_warm_cache",
        command: "scan_warm",
        flat: true,
        goal: None,
    },
    Phase {
        id: "scan_small_cache",
        command: "scan_cold",
        flat: true,
        goal: None,
    },
];

fn main() {
    if serve_if_worker() {
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("keyward-bench-enc-")
        .tempdir()
        .unwrap();
    let mut workers: Vec<Worker> = Flavor::ALL
        .iter()
        .map(|f| Worker::spawn(*f, &dir.path().join(format!("{}.db", f.name()))).unwrap())
        .collect();
    check_keyward_flavor(dir.path());

    let rows = settings::rows();
    let mut table = ratio_table(rows);
    table.row(insert_row(&mut workers, rows));

    let mut c = Criterion::default().configure_from_args().without_plots();
    for phase in &PHASES {
        let result = read_phase(&mut c, &mut workers, phase);
        table.row(phase_row(phase.id, "µs", &result, phase.goal));
    }
    table.publish(BENCH);

    let api = api_phase(&mut c, &mut workers[2]);
    api_table(&api).publish(BENCH);
    page_crypto_table().publish(BENCH);
    c.final_summary();
}

/// AES and HMAC on one 4096-byte page, timed alone: the profile of a page miss or write.
fn page_crypto_table() -> Table {
    let samples = if settings::quick() { 100 } else { 20_000 };
    let mut table = Table::new(
        "Cryptography per 4096-byte page (OpenSSL, medians)",
        &["step", "µs"],
    );
    for step in keyward_bench::page_crypto::profile(4096, samples).unwrap() {
        table.row(vec![step.name.into(), fixed(micros(step.median), 2)]);
    }
    table
}

/// Proves the Keyward flavor's connection reports the storage engine's settings.
fn check_keyward_flavor(dir: &std::path::Path) {
    let path = dir.join("settings-check.db");
    workload::create(Flavor::Keyward, &path).unwrap();
    let conn = workload::open(Flavor::Keyward, &path, workload::WARM_CACHE_KIB).unwrap();
    workload::check_keyward_settings(&conn).unwrap();
}

fn ratio_table(rows: u64) -> Table {
    let mut table = Table::new(
        &format!("Encryption overhead, {rows} rows of ≈100 bytes"),
        &[
            "phase",
            "unit",
            "plain",
            "sqlcipher",
            "keyward",
            "sqlcipher ÷ plain",
            "keyward ÷ plain",
            "goal",
        ],
    );
    table.note(
        "plain: same library, no key; sqlcipher: raw key, SQLCipher 4, memory security off; \
         keyward: environment file and connection exactly as keyward-storage opens them \
         (memory security on). Ratios are medians of per-sample ratios taken under the same load.",
    );
    table
}

/// Bulk insert: `insert_rounds` rounds, each a fresh database per flavor, rotated order.
fn insert_row(workers: &mut [Worker], rows: u64) -> Vec<String> {
    let rounds = settings::insert_rounds();
    let mut times = vec![Vec::new(); workers.len()];
    for round in 0..rounds {
        for k in 0..workers.len() {
            let i = (round + k) % workers.len();
            let elapsed = workers[i].call(&format!("insert {rows}")).unwrap();
            eprintln!(
                "insert round {round}: {} {:.2?}",
                workers[i].flavor().name(),
                elapsed
            );
            times[i].push(elapsed);
        }
    }
    let ratio = |i: usize| {
        let each: Vec<f64> = (0..rounds)
            .map(|r| times[i][r].as_secs_f64() / times[0][r].as_secs_f64())
            .collect();
        median(&each)
    };
    let per_op: Vec<Duration> = times
        .iter()
        .map(|t| {
            let secs: Vec<f64> = t.iter().map(Duration::as_secs_f64).collect();
            Duration::from_secs_f64(median(&secs) / rows as f64)
        })
        .collect();
    let result = PairedResult {
        legs: Flavor::ALL.iter().map(|f| f.name().to_owned()).collect(),
        per_op,
        ratio: (0..workers.len()).map(ratio).collect(),
    };
    phase_row("bulk_insert (per row)", "µs", &result, Some(1.25))
}

fn read_phase(c: &mut Criterion, workers: &mut [Worker], phase: &Phase) -> PairedResult {
    let sampling = Sampling {
        samples: settings::sample_size(),
        measurement: settings::measurement_time(),
        flat: phase.flat,
    };
    let legs = ["plain", "sqlcipher", "keyward"];
    paired::measure(c, BENCH, phase.id, sampling, &legs, 2, |leg, iters| {
        workers[leg].call(&format!("{} {iters}", phase.command))
    })
}

/// The `EnvironmentDb::execute` path against the raw Keyward connection, on a hot set.
fn api_phase(c: &mut Criterion, keyward: &mut Worker) -> PairedResult {
    let sampling = Sampling {
        samples: settings::sample_size(),
        measurement: settings::measurement_time(),
        flat: false,
    };
    let legs = ["raw connection", "EnvironmentDb::execute"];
    paired::measure(
        c,
        BENCH,
        "point_read_api_path",
        sampling,
        &legs,
        1,
        |leg, iters| keyward.call(&format!("{} {iters}", ["hot", "api"][leg])),
    )
}

fn api_table(result: &PairedResult) -> Table {
    let mut table = Table::new(
        "Keyward API path (hot set of 2,000 rows, both encrypted)",
        &["path", "µs per read", "÷ raw connection"],
    );
    for (i, leg) in result.legs.iter().enumerate() {
        table.row(vec![
            leg.clone(),
            fixed(micros(result.per_op[i]), 2),
            fixed(result.ratio[i], 2),
        ]);
    }
    table.note(
        "Not encryption: the authorizer, one prepare per call (no statement cache), the \
         connection mutex and copying cells into `Value`s.",
    );
    table
}

fn phase_row(id: &str, unit: &str, r: &PairedResult, goal: Option<f64>) -> Vec<String> {
    let verdict = goal.map_or_else(
        || "report".to_owned(),
        |g| {
            format!(
                "≤ {g:.2}: {}",
                if r.ratio[2] <= g { "met" } else { "missed" }
            )
        },
    );
    let digits = if r.per_op[0] > Duration::from_millis(1) {
        0
    } else {
        2
    };
    vec![
        id.to_owned(),
        unit.to_owned(),
        fixed(micros(r.per_op[0]), digits),
        fixed(micros(r.per_op[1]), digits),
        fixed(micros(r.per_op[2]), digits),
        fixed(r.ratio[1], 2),
        fixed(r.ratio[2], 2),
        verdict,
    ]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
