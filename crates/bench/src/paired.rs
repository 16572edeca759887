//! Paired measurements under criterion: every sample runs the subject *and* its baselines.
//!
//! Criterion measures one routine per benchmark id, one id after the other, so a burst of
//! load from another build can land on the baseline and miss the subject. Here the routine
//! criterion times runs every *leg* (baselines and subject) for the same iteration count,
//! in an order that rotates from sample to sample, and hands criterion the subject's time.
//! Each sample therefore yields one ratio per baseline taken under the same load, and the
//! reported ratio is the median of those. Criterion's own report shows the subject's
//! absolute time; the wall time of a group is about the number of legs times criterion's
//! `measurement_time`.

use std::cell::RefCell;
use std::time::Duration;

use anyhow::Result;
use criterion::{Criterion, SamplingMode};

use crate::stats::median;

/// How criterion samples one paired benchmark.
#[derive(Clone, Copy, Debug)]
pub struct Sampling {
    /// Criterion's sample count.
    pub samples: usize,
    /// Criterion's measurement time (for the subject alone).
    pub measurement: Duration,
    /// Flat sampling (same iteration count per sample), for slow operations.
    pub flat: bool,
}

/// The result of one paired benchmark: per leg, the median time of one operation, and the
/// median ratio of each leg to leg 0.
#[derive(Clone, Debug)]
pub struct PairedResult {
    /// The legs' names, baseline first.
    pub legs: Vec<String>,
    /// Median time per operation of each leg.
    pub per_op: Vec<Duration>,
    /// Median over samples of (leg time ÷ leg 0 time), per leg (1.0 for leg 0).
    pub ratio: Vec<f64>,
}

/// Runs `group/id` under criterion. `run(leg, iters)` performs `iters` operations of leg
/// `leg` and returns their time; `subject` is the leg whose time criterion reports.
pub fn measure(
    c: &mut Criterion,
    group: &str,
    id: &str,
    sampling: Sampling,
    legs: &[&str],
    subject: usize,
    run: impl FnMut(usize, u64) -> Result<Duration>,
) -> PairedResult {
    let records: RefCell<Vec<(u64, Vec<Duration>)>> = RefCell::new(Vec::new());
    let run = RefCell::new(run);
    let mut g = c.benchmark_group(group);
    g.sample_size(sampling.samples)
        .measurement_time(sampling.measurement)
        .warm_up_time(sampling.measurement / 3);
    if sampling.flat {
        g.sampling_mode(SamplingMode::Flat);
    }
    g.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let times = run_legs(
                &mut *run.borrow_mut(),
                legs.len(),
                iters,
                records.borrow().len(),
            );
            let subject_time = times[subject];
            records.borrow_mut().push((iters, times));
            subject_time
        })
    });
    g.finish();

    // Criterion calls the routine once per sample after its warm-up: keep those calls.
    let records = records.into_inner();
    let kept = &records[records.len().saturating_sub(sampling.samples)..];
    summarise(legs, kept)
}

/// One sample: every leg for `iters` operations, starting with leg `sample % legs`.
fn run_legs(
    run: &mut dyn FnMut(usize, u64) -> Result<Duration>,
    legs: usize,
    iters: u64,
    sample: usize,
) -> Vec<Duration> {
    let mut times = vec![Duration::ZERO; legs];
    for k in 0..legs {
        let leg = (sample + k) % legs;
        times[leg] = match run(leg, iters) {
            Ok(time) => time,
            Err(error) => {
                // A benchmark that cannot run has no figure; stop loudly.
                eprintln!("benchmark leg {leg} failed: {error:#}");
                std::process::exit(1);
            }
        };
    }
    times
}

fn summarise(legs: &[&str], kept: &[(u64, Vec<Duration>)]) -> PairedResult {
    let per_op = (0..legs.len())
        .map(|leg| {
            let each: Vec<f64> = kept
                .iter()
                .map(|(iters, t)| t[leg].as_secs_f64() / (*iters).max(1) as f64)
                .collect();
            Duration::from_secs_f64(median(&each))
        })
        .collect();
    let ratio = (0..legs.len())
        .map(|leg| {
            let each: Vec<f64> = kept
                .iter()
                .map(|(_, t)| t[leg].as_secs_f64() / t[0].as_secs_f64().max(1e-12))
                .collect();
            median(&each)
        })
        .collect();
    PairedResult {
        legs: legs.iter().map(|l| (*l).to_owned()).collect(),
        per_op,
        ratio,
    }
}
