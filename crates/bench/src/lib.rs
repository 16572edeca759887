//! Support code for Keyward's benchmark suite (`cargo bench -p keyward-bench`).
//!
//! Every figure the suite reports is a ratio between the thing measured and a baseline
//! measured in the same run, interleaved with it where the two can alternate, so the figure
//! holds on a noisy shared machine where absolute times do not. The benchmark targets in
//! `benches/` drive the measurements; this library holds what they share:
//!
//! - [`settings`]: the sizes of a run, the quick mode for CI smoke runs and the overrides;
//! - [`page_crypto`]: AES and HMAC on one page, the profile behind the encryption figure;
//! - [`paired`]: criterion benchmarks whose every sample also runs the baselines;
//! - [`stats`]: percentiles and medians of duration samples;
//! - [`report`]: result tables printed and kept under `target/keyward-bench/`;
//! - [`workload`]: the SQLite workload and the three ways of opening its database (plain,
//!   SQLCipher, SQLCipher exactly as `keyward-storage` opens it);
//! - [`worker`]: child processes that run that workload, one per way of opening, because
//!   SQLCipher's memory security is process-wide and must not leak into the baselines;
//! - [`rsa`]: the RSA-2048 baseline (one private operation; throughput on every core);
//! - [`fixture`]: an engine on a manual clock, and many tenant-protected environments made
//!   quickly for the activation and lock figures.
//!
//! Benchmarks must never leave data behind outside temporary directories, and must never
//! need more than this machine's two cores and 15 minutes for the whole suite.

pub mod fixture;
pub mod page_crypto;
pub mod paired;
pub mod report;
pub mod rsa;
pub mod settings;
pub mod stats;
pub mod worker;
pub mod workload;
