//! Percentiles and medians of samples: the only statistics the custom loops need.
//!
//! Percentiles use the nearest-rank method on sorted samples, so p99 of 500 samples is the
//! 495th smallest: with fewer than 100 samples p99 is simply the largest.

use std::time::Duration;

/// The `p`-th percentile (0–100) of `samples` by nearest rank; zero when empty.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of `values`; zero when empty.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

/// Milliseconds, as a float, for tables.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Where the calling thread's time went, from `/proc/thread-self/schedstat`: on a CPU, and
/// runnable but waiting for one. Wall time minus both is time blocked (I/O, locks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadTimes {
    /// Time running on a CPU.
    pub on_cpu: Duration,
    /// Time runnable, waiting for a CPU (other processes' load).
    pub waiting_for_cpu: Duration,
}

impl ThreadTimes {
    /// The calling thread's totals so far; zero where the kernel does not say.
    pub fn now() -> Self {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
        let mut fields = text
            .split_whitespace()
            .map(|f| f.parse::<u64>().unwrap_or(0));
        Self {
            on_cpu: Duration::from_nanos(fields.next().unwrap_or(0)),
            waiting_for_cpu: Duration::from_nanos(fields.next().unwrap_or(0)),
        }
    }

    /// The time spent between `earlier` and `self`.
    pub fn since(self, earlier: ThreadTimes) -> ThreadTimes {
        ThreadTimes {
            on_cpu: self.on_cpu.saturating_sub(earlier.on_cpu),
            waiting_for_cpu: self.waiting_for_cpu.saturating_sub(earlier.waiting_for_cpu),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&samples[..10], 99.0), Duration::from_millis(10));
    }

    #[test]
    fn median_of_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }
}
