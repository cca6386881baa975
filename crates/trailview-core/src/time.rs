//! Timestamps: every time in Trailview is an `i64` of microseconds since the Unix epoch, UTC.
//!
//! Reading is strict on purpose. A string must be RFC 3339 *with* an offset (`Z`, `+02:00`, …):
//! a local time without an offset names no instant, so it is a rejection, not a guess. A JSON
//! integer in an envelope's time field is epoch milliseconds. Anything after the microsecond is
//! truncated (the canonical event has microsecond precision).

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Micros = i64;

/// Earliest instant accepted (0001-01-01T00:00:00Z): earlier ones cannot be written back as RFC 3339.
const MIN_US: Micros = -62_135_596_800_000_000;
/// Latest instant accepted (9999-12-31T23:59:59.999999Z).
const MAX_US: Micros = 253_402_300_799_999_999;

/// Why a time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not RFC 3339, or RFC 3339 without an offset.
    #[error("`{0}` is not an RFC 3339 timestamp with an offset")]
    NotRfc3339(String),
    /// A number outside the years 1–9999.
    #[error("{0} is out of range for a timestamp")]
    OutOfRange(String),
    /// Neither a string nor an integer.
    #[error("a timestamp must be a string or an integer, found {0}")]
    WrongShape(&'static str),
}

/// The unit of an epoch number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochUnit {
    /// Seconds.
    Seconds,
    /// Milliseconds (the envelope dialects' epoch numbers).
    Millis,
    /// Microseconds.
    Micros,
    /// Nanoseconds (OpenTelemetry's `timeUnixNano`).
    Nanos,
}

impl EpochUnit {
    /// Guess the unit from the magnitude, the way log shippers do for unlabelled epoch numbers:
    /// a number below 10^11 is seconds (up to the year 5138), below 10^14 milliseconds, below
    /// 10^17 microseconds, else nanoseconds. Only used for the `other` dialect.
    pub fn from_magnitude(n: f64) -> Self {
        let n = n.abs();
        if n < 1e11 {
            EpochUnit::Seconds
        } else if n < 1e14 {
            EpochUnit::Millis
        } else if n < 1e17 {
            EpochUnit::Micros
        } else {
            EpochUnit::Nanos
        }
    }
}

/// Parse an RFC 3339 timestamp that carries an offset.
pub fn parse_rfc3339(s: &str) -> Result<Micros, TimeError> {
    let t = s.trim();
    let dt = DateTime::parse_from_rfc3339(t).map_err(|_| TimeError::NotRfc3339(s.to_owned()))?;
    let us = dt.timestamp_micros();
    check_range(us, s)
}

/// Convert an integral epoch number in `unit` to microseconds.
pub fn from_epoch_int(n: i128, unit: EpochUnit) -> Result<Micros, TimeError> {
    let us = match unit {
        EpochUnit::Seconds => n.checked_mul(1_000_000),
        EpochUnit::Millis => n.checked_mul(1_000),
        EpochUnit::Micros => Some(n),
        EpochUnit::Nanos => Some(n.div_euclid(1_000)),
    };
    match us.and_then(|v| i64::try_from(v).ok()) {
        Some(us) => check_range(us, &n.to_string()),
        None => Err(TimeError::OutOfRange(n.to_string())),
    }
}

/// Convert a fractional epoch number (e.g. `1700000000.25` seconds) to microseconds.
pub fn from_epoch_float(x: f64, unit: EpochUnit) -> Result<Micros, TimeError> {
    let scale = match unit {
        EpochUnit::Seconds => 1e6,
        EpochUnit::Millis => 1e3,
        EpochUnit::Micros => 1.0,
        EpochUnit::Nanos => 1e-3,
    };
    let us = (x * scale).floor();
    if !us.is_finite() || us < MIN_US as f64 || us > MAX_US as f64 {
        return Err(TimeError::OutOfRange(x.to_string()));
    }
    Ok(us as i64)
}

fn check_range(us: Micros, shown: &str) -> Result<Micros, TimeError> {
    if (MIN_US..=MAX_US).contains(&us) {
        Ok(us)
    } else {
        Err(TimeError::OutOfRange(shown.to_owned()))
    }
}

/// Format as RFC 3339 UTC with exactly six fractional digits: `2026-11-01T09:30:00.000000Z`.
pub fn format_us(us: Micros) -> String {
    match Utc.timestamp_micros(us).single() {
        Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Micros, true),
        None => format!("@{us}us"),
    }
}

/// Parse a user-supplied bound for a query (`--since`): RFC 3339 with offset, or epoch ms.
pub fn parse_bound(s: &str) -> Result<Micros, TimeError> {
    match s.trim().parse::<i128>() {
        Ok(n) => from_epoch_int(n, EpochUnit::Millis),
        Err(_) => parse_rfc3339(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_any_offset_is_the_same_instant() {
        let z = parse_rfc3339("2026-04-03T22:15:00.000Z").unwrap();
        let plus = parse_rfc3339("2026-04-04T00:15:00+02:00").unwrap();
        let minus = parse_rfc3339("2026-04-03T17:15:00-05:00").unwrap();
        assert_eq!(z, plus);
        assert_eq!(z, minus);
        assert_eq!(format_us(z), "2026-04-03T22:15:00.000000Z");
    }

    #[test]
    fn a_time_without_offset_is_unreadable_not_guessed() {
        assert!(parse_rfc3339("2026-04-03T22:15:00").is_err());
        assert!(parse_rfc3339("2026-04-03").is_err());
        assert!(parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn microseconds_survive_and_nanoseconds_truncate() {
        let us = parse_rfc3339("2018-10-25T13:58:49.730588Z").unwrap();
        assert_eq!(format_us(us), "2018-10-25T13:58:49.730588Z");
        let ns = parse_rfc3339("2018-10-25T13:58:49.730588999Z").unwrap();
        assert_eq!(ns, us);
    }

    #[test]
    fn epoch_numbers() {
        let ms = from_epoch_int(1_544_712_660_300, EpochUnit::Millis).unwrap();
        let ns = from_epoch_int(1_544_712_660_300_000_000, EpochUnit::Nanos).unwrap();
        assert_eq!(ms, ns);
        assert_eq!(
            EpochUnit::from_magnitude(1_544_712_660_300_000_000f64),
            EpochUnit::Nanos
        );
        assert_eq!(
            EpochUnit::from_magnitude(1_700_000_000f64),
            EpochUnit::Seconds
        );
        assert!(from_epoch_int(i128::MAX, EpochUnit::Seconds).is_err());
        assert_eq!(
            from_epoch_float(1_700_000_000.25, EpochUnit::Seconds).unwrap(),
            1_700_000_000_250_000
        );
    }
}
