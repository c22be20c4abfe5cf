//! Log time: the sequencer's timestamps, the only clock a projection may read.
//!
//! A [`Timestamp`] is Unix milliseconds in UTC. On the wire it is always the fixed-width
//! RFC 3339 form `YYYY-MM-DDTHH:MM:SS.mmmZ`, so that it has exactly one canonical spelling.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

const WIRE_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// A point in log time: Unix milliseconds, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(u64);

/// A timestamp that is not in the canonical `YYYY-MM-DDTHH:MM:SS.mmmZ` form.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a timestamp of the form 2026-01-31T23:59:59.000Z (UTC, milliseconds)")]
pub struct TimestampError(String);

impl Timestamp {
    /// The timestamp `ms` milliseconds after the Unix epoch.
    pub const fn from_unix_ms(ms: u64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_ms(self) -> u64 {
        self.0
    }

    /// This timestamp plus `hours` hours (saturating).
    pub fn plus_hours(self, hours: u32) -> Self {
        Self(self.0.saturating_add(u64::from(hours) * 3_600_000))
    }

    /// This timestamp plus `ms` milliseconds (saturating).
    pub fn plus_ms(self, ms: u64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// This timestamp plus `months` calendar months, at the same time of day; a day that the
    /// target month lacks is clamped to its last day (31 January + 1 month = 28/29 February).
    pub fn plus_months(self, months: u32) -> Self {
        let Some(dt) = self.to_datetime() else {
            return self;
        };
        let total =
            i64::from(dt.year()) * 12 + i64::from(u8::from(dt.month())) - 1 + i64::from(months);
        let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
        let Ok(year) = i32::try_from(year) else {
            return Self(u64::MAX);
        };
        let Ok(month) = time::Month::try_from(month0 as u8 + 1) else {
            return self;
        };
        let day = dt.day().min(month.length(year));
        match time::Date::from_calendar_date(year, month, day) {
            Ok(date) => {
                let moved = dt.replace_date(date);
                Self(u64::try_from(moved.unix_timestamp_nanos() / 1_000_000).unwrap_or(u64::MAX))
            }
            Err(_) => Self(u64::MAX),
        }
    }

    /// Any RFC 3339 date-time (with any UTC offset, any precision) as log time, truncated to
    /// the millisecond; for dates written by others, such as a CSAF advisory's release date.
    pub fn from_rfc3339(s: &str) -> Option<Self> {
        let dt = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
        u64::try_from(dt.unix_timestamp_nanos() / 1_000_000)
            .ok()
            .map(Self)
    }

    fn to_datetime(self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000).ok()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self
            .to_datetime()
            .and_then(|dt| dt.format(WIRE_FORMAT).ok())
        {
            Some(s) => f.write_str(&s),
            None => write!(f, "@{}ms", self.0),
        }
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || TimestampError(s.to_owned());
        let dt = PrimitiveDateTime::parse(s, WIRE_FORMAT).map_err(|_| bad())?;
        let nanos = dt.assume_utc().unix_timestamp_nanos();
        let ms = u64::try_from(nanos / 1_000_000).map_err(|_| bad())?;
        let ts = Timestamp(ms);
        // Reject spellings that parse but are not the canonical one (e.g. leap seconds).
        if ts.to_string() != s {
            return Err(bad());
        }
        Ok(ts)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A UTC time with milliseconds, e.g. 2026-01-31T23:59:59.000Z.",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"
        })
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_offsets_is_read_as_utc() {
        let t = Timestamp::from_rfc3339("2026-03-01T02:30:00+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-03-01T00:30:00.000Z");
        assert!(Timestamp::from_rfc3339("1 March 2026").is_none());
    }

    #[test]
    fn months_are_calendar_months() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(
            t("2026-01-31T10:00:00.000Z").plus_months(1),
            t("2026-02-28T10:00:00.000Z")
        );
        assert_eq!(
            t("2027-12-15T00:00:00.500Z").plus_months(26),
            t("2030-02-15T00:00:00.500Z")
        );
        assert_eq!(
            t("2028-01-31T00:00:00.000Z").plus_months(1),
            t("2028-02-29T00:00:00.000Z")
        );
    }

    #[test]
    fn wire_form_round_trips() {
        let ts = Timestamp::from_unix_ms(1_767_225_600_123);
        assert_eq!(ts.to_string(), "2026-01-01T00:00:00.123Z");
        assert_eq!("2026-01-01T00:00:00.123Z".parse::<Timestamp>().unwrap(), ts);
    }

    #[test]
    fn non_canonical_spellings_are_rejected() {
        for s in [
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.1234Z",
            "2026-01-01 00:00:00.000Z",
            "2026-01-01T00:00:00.000+00:00",
            "1969-12-31T23:59:59.999Z",
        ] {
            assert!(s.parse::<Timestamp>().is_err(), "{s} accepted");
        }
    }
}
