//! The scenario clock as a person writes it: `day N HH:MM` (or `day N HH:MM:SS`), day 0
//! being the calendar day (UTC) of the scenario's `start`. "Day 3 at 09:00" reads the way a
//! tabletop exercise's inject sheet does, and does not move when the start's hour changes.

use std::fmt;
use std::str::FromStr;

use accord_domain::Timestamp;

const SECOND_MS: u64 = 1_000;
const MINUTE_MS: u64 = 60 * SECOND_MS;
const HOUR_MS: u64 = 60 * MINUTE_MS;
const DAY_MS: u64 = 24 * HOUR_MS;
/// A century of days: far beyond any exercise, well within log time.
const MAX_DAY: u64 = 36_525;

/// A moment on the scenario clock: a day number and a time of day (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct When {
    day: u64,
    ms_of_day: u64,
}

/// Why a time could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct WhenError {
    text: String,
    why: &'static str,
}

impl fmt::Display for WhenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a scenario time: {}; write `day N HH:MM`, e.g. `day 3 09:00` (day 0 is the start's date, UTC)",
            self.text, self.why
        )
    }
}

impl std::error::Error for WhenError {}

impl When {
    /// The log time this is, for a scenario that starts at `start`; `None` if it falls before
    /// the start itself (a scenario's world does not exist before it is founded).
    pub fn resolve(self, start: Timestamp) -> Option<Timestamp> {
        let midnight = start.unix_ms() - start.unix_ms() % DAY_MS;
        let t = Timestamp::from_unix_ms(midnight + self.day * DAY_MS + self.ms_of_day);
        (t >= start).then_some(t)
    }
}

impl FromStr for When {
    type Err = WhenError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |why| WhenError {
            text: text.to_owned(),
            why,
        };
        let mut words = text.split_whitespace();
        let (Some("day"), Some(day), Some(clock), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err(bad(
                "it does not have the three parts `day`, a day number and a time",
            ));
        };
        let day: u64 = number(day).ok_or_else(|| bad("the day is not a whole number"))?;
        if day > MAX_DAY {
            return Err(bad("the day is more than a century away"));
        }
        let parts: Vec<&str> = clock.split(':').collect();
        let [h, m, s @ ..] = parts.as_slice() else {
            return Err(bad("the time is not HH:MM"));
        };
        if s.len() > 1 || [*h, *m].iter().chain(s).any(|p| p.len() != 2) {
            return Err(bad(
                "the time is not HH:MM or HH:MM:SS with two digits each",
            ));
        }
        let (Some(h), Some(m), Some(s)) = (
            number(h),
            number(m),
            s.first().map_or(Some(0), |s| number(s)),
        ) else {
            return Err(bad("the time has a part that is not a number"));
        };
        if h > 23 || m > 59 || s > 59 {
            return Err(bad("the time is not a time of day (00:00 to 23:59:59)"));
        }
        Ok(When {
            day,
            ms_of_day: h * HOUR_MS + m * MINUTE_MS + s * SECOND_MS,
        })
    }
}

/// Digits only (no sign, no spaces), as a number.
fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, rest) = (self.ms_of_day / HOUR_MS, self.ms_of_day % HOUR_MS);
        let (m, s) = (rest / MINUTE_MS, rest % MINUTE_MS / SECOND_MS);
        write!(f, "day {} {h:02}:{m:02}", self.day)?;
        if s > 0 {
            write!(f, ":{s:02}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-02T09:00:00.000Z
    const START: Timestamp = Timestamp::from_unix_ms(1_772_442_000_000);

    fn at(text: &str) -> String {
        let when: When = text.parse().unwrap();
        when.resolve(START)
            .map(|t| t.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn day_zero_is_the_start_date_and_days_count_from_it() {
        assert_eq!(START.to_string(), "2026-03-02T09:00:00.000Z");
        assert_eq!(at("day 0 09:00"), "2026-03-02T09:00:00.000Z");
        assert_eq!(at("day 0 17:30"), "2026-03-02T17:30:00.000Z");
        assert_eq!(at("day 3 08:15:09"), "2026-03-05T08:15:09.000Z");
        // Across a month end (March has 31 days).
        assert_eq!(at("day 30 00:00"), "2026-04-01T00:00:00.000Z");
        assert_eq!(at("  day   2    06:00 "), "2026-03-04T06:00:00.000Z");
    }

    #[test]
    fn a_time_before_the_start_resolves_to_nothing() {
        let early: When = "day 0 08:59:59".parse().unwrap();
        assert_eq!(early.resolve(START), None);
    }

    #[test]
    fn it_prints_as_written() {
        for text in ["day 0 09:00", "day 12 23:59:59", "day 365 00:00"] {
            assert_eq!(text.parse::<When>().unwrap().to_string(), text);
        }
        assert!("day 1 09:00".parse::<When>().unwrap() < "day 1 09:00:01".parse().unwrap());
    }

    #[test]
    fn malformed_times_say_what_is_wrong() {
        for (text, why) in [
            ("+2d", "three parts"),
            ("day 3", "three parts"),
            ("day 3 09:00 UTC", "three parts"),
            ("Day 3 09:00", "three parts"),
            ("day three 09:00", "whole number"),
            ("day -1 09:00", "whole number"),
            ("day 99999 09:00", "century"),
            ("day 3 9:00", "two digits"),
            ("day 3 0900", "HH:MM"),
            ("day 3 09:00:00:00", "two digits"),
            ("day 3 24:00", "time of day"),
            ("day 3 09:60", "time of day"),
            ("day 3 09:+1", "not a number"),
        ] {
            let e = text.parse::<When>().unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
            assert!(e.contains(&format!("`{text}`")), "{text}: {e}");
        }
    }
}
