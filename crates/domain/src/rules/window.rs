//! Time windows (A3, L2, L6, L7) and how refusals state them.
//!
//! A window of length `w` opened at `t` is half-open, `[t, t + w)`: it refuses while
//! `now < t + w` and allows from `t + w` exactly. So with the default L2 grace a lock is
//! refused 72 h − 1 ns after an activation and allowed at 72 h; a locked environment is
//! due for deletion (L7) at exactly 28 days, not one second earlier.
//!
//! Instants in messages are written in UTC to the second, so that two admins in
//! different time zones read the same thing. This module never reads a clock.

use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::refusal::{Refusal, RefusalCode};

/// The first instant at which a window of `length` opened at `start` no longer refuses.
pub fn window_end(start: OffsetDateTime, length: Duration) -> OffsetDateTime {
    start.saturating_add(length)
}

/// Whether a window of `length` opened at `start` still refuses at `now`.
pub fn is_open(start: OffsetDateTime, length: Duration, now: OffsetDateTime) -> bool {
    now < window_end(start, length)
}

/// An instant as `2026-12-07 10:00:00 UTC`.
pub fn format_instant(instant: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    let utc = instant.to_offset(UtcOffset::UTC);
    utc.format(&format).unwrap_or_else(|_| utc.to_string())
}

/// A window length for a person: `72 hours`, `28 days`, `1 hour`, `90 seconds`.
pub fn format_length(length: Duration) -> String {
    let seconds = length.whole_seconds();
    let (count, unit) = match seconds {
        s if s >= 7 * 86_400 && s % 86_400 == 0 => (s / 86_400, "day"),
        s if s >= 3_600 && s % 3_600 == 0 => (s / 3_600, "hour"),
        s if s >= 60 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

/// A window still open at `now`, described so that its refusal can say why and until when.
pub(crate) struct Window<'a> {
    /// What is refused, as a subject: "locking", "activation".
    pub action: &'a str,
    /// When the window opened.
    pub start: OffsetDateTime,
    /// How long it lasts.
    pub length: Duration,
    /// What opened it: "key k2 was activated".
    pub cause: String,
    /// Why the window exists, or what to do: "other admins have this time to ...".
    pub reason: &'a str,
}

impl Window<'_> {
    /// `Ok` when the window is over at `now`, else a refusal with `code` that ends at the
    /// window's end.
    pub fn check(&self, code: RefusalCode, now: OffsetDateTime) -> Result<(), Refusal> {
        if !is_open(self.start, self.length, now) {
            return Ok(());
        }
        let end = window_end(self.start, self.length);
        let message = format!(
            "{} is refused until {}, {} after {}; {}",
            self.action,
            format_instant(end),
            format_length(self.length),
            self.cause,
            self.reason
        );
        Err(Refusal::new(code, message).until(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn windows_refuse_before_their_end_and_allow_from_it() {
        let start = datetime!(2026-01-01 00:00 UTC);
        let w = Duration::hours(1);
        assert!(is_open(start, w, start + w - Duration::nanoseconds(1)));
        assert!(!is_open(start, w, start + w));
    }

    #[test]
    fn lengths_and_instants_read_naturally() {
        assert_eq!(format_length(Duration::hours(72)), "72 hours");
        assert_eq!(format_length(Duration::days(28)), "28 days");
        assert_eq!(format_length(Duration::hours(1)), "1 hour");
        assert_eq!(format_length(Duration::seconds(90)), "90 seconds");
        let at = datetime!(2026-12-07 11:00 +01:00);
        assert_eq!(format_instant(at), "2026-12-07 10:00:00 UTC");
    }
}
