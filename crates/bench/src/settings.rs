//! The sizes of a benchmark run, chosen by environment variables.
//!
//! | variable | effect |
//! |---|---|
//! | `KEYWARD_BENCH_QUICK=1` | every benchmark at tiny sizes, in seconds: a CI smoke run |
//! | `KEYWARD_BENCH_FULL=1` | activation and lock at the SPEC's 10,000 environments |
//! | `KEYWARD_BENCH_ROWS=n` | rows of the encryption-overhead workload |
//! | `KEYWARD_BENCH_ENVS=n` | environments (each with one backup) for activation and lock |
//!
//! The defaults keep the whole suite well under 15 minutes on two cores.

use std::time::Duration;

/// How large a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Tiny sizes: proves the benchmarks build and run, measures nothing worth reading.
    Quick,
    /// The suite's defaults.
    Normal,
    /// Activation and lock at 10,000 environments.
    Full,
}

/// Rows inserted by the encryption-overhead workload in a normal run.
pub const DEFAULT_ROWS: u64 = 200_000;

/// Environments for activation and lock in a normal run.
pub const DEFAULT_ENVS: usize = 2_000;

/// Environments for activation and lock in a full run (the SPEC's figure).
pub const FULL_ENVS: usize = 10_000;

/// The mode the environment asks for.
pub fn mode() -> Mode {
    if flag("KEYWARD_BENCH_QUICK") {
        Mode::Quick
    } else if flag("KEYWARD_BENCH_FULL") {
        Mode::Full
    } else {
        Mode::Normal
    }
}

/// Whether this is a quick (smoke) run.
pub fn quick() -> bool {
    mode() == Mode::Quick
}

/// Rows of the encryption-overhead workload.
pub fn rows() -> u64 {
    let default = if quick() { 4_000 } else { DEFAULT_ROWS };
    number("KEYWARD_BENCH_ROWS").unwrap_or(default)
}

/// Environments (each with one backup) for the activation figure and the largest lock.
pub fn environments() -> usize {
    let default = match mode() {
        Mode::Quick => 24,
        Mode::Normal => DEFAULT_ENVS,
        Mode::Full => FULL_ENVS,
    };
    number("KEYWARD_BENCH_ENVS")
        .map(|n| n as usize)
        .unwrap_or(default)
}

/// The sizes the lock is measured at: a tenth, a third and all of [`environments`].
pub fn lock_sizes() -> Vec<usize> {
    let largest = environments();
    let mut sizes = vec![largest / 10, largest / 3, largest];
    sizes.retain(|&n| n > 0);
    sizes.dedup();
    sizes
}

/// Environments opened per protector and round by the open figure.
pub fn open_environments() -> usize {
    if quick() {
        4
    } else {
        100
    }
}

/// Rounds of the open figure (each round is a fresh engine, every environment cold).
pub fn open_rounds() -> usize {
    if quick() {
        1
    } else {
        5
    }
}

/// Rounds of the bulk insert (each round inserts into a fresh database per configuration).
pub fn insert_rounds() -> usize {
    if quick() {
        1
    } else {
        3
    }
}

/// Criterion's samples per read benchmark.
pub fn sample_size() -> usize {
    if quick() {
        10
    } else {
        20
    }
}

/// Criterion's measurement time per read benchmark (its warm-up is a third of it).
pub fn measurement_time() -> Duration {
    if quick() {
        Duration::from_millis(300)
    } else {
        Duration::from_secs(3)
    }
}

/// How long the all-core RSA throughput baseline runs.
pub fn rsa_throughput_time() -> Duration {
    if quick() {
        Duration::from_millis(200)
    } else {
        Duration::from_secs(3)
    }
}

fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

fn number(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()?
        .trim()
        .replace('_', "")
        .parse()
        .ok()
}
