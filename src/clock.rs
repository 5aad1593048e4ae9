//! The one clock every command and the console read. `HOTRO_NOW` (an RFC 3339 instant)
//! stops it at that instant, so time rules (the morning check's window, later the SLA
//! clocks) can be shown and tested end to end.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

pub const ENV: &str = "HOTRO_NOW";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{ENV}={value} is not an RFC 3339 instant; expected e.g. 2026-11-23T07:05:00+07:00, or unset it"
)]
pub struct ClockError {
    pub value: String,
}

/// The override, if `HOTRO_NOW` is set (and not empty).
pub fn fixed() -> Result<Option<DateTime<Utc>>, ClockError> {
    match std::env::var(ENV) {
        Ok(v) if !v.trim().is_empty() => DateTime::parse_from_rfc3339(v.trim())
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| ClockError { value: v }),
        _ => Ok(None),
    }
}

/// Now: `HOTRO_NOW` if set and valid, else the system clock. Commands check the variable
/// once at start ([`fixed`]) so a bad value is reported, not ignored.
pub fn now() -> DateTime<Utc> {
    fixed().ok().flatten().unwrap_or_else(Utc::now)
}

/// Why a typed time was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// Not in any of the accepted forms.
    Unreadable,
    /// A wall-clock time the zone skips (the hour the clocks jump forward for daylight saving
    /// time): it never happened there.
    Skipped,
}

/// A date or time typed by a user: RFC 3339, or `YYYY-MM-DD HH:MM` / `YYYY-MM-DDTHH:MM`
/// in the organisation's zone, or `HH:MM` today in that zone. A time that occurs twice (the
/// hour the clocks go back) is the earlier one; one the zone skips is [`TimeError::Skipped`].
pub fn parse_local(text: &str, tz: Tz, today: NaiveDate) -> Result<DateTime<Utc>, TimeError> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            chrono::NaiveTime::parse_from_str(text, "%H:%M")
                .ok()
                .map(|t| today.and_time(t))
        })
        .ok_or(TimeError::Unreadable)?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or(TimeError::Skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_the_organisation_zone() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let want = Utc.with_ymd_and_hms(2026, 11, 23, 3, 30, 0).unwrap();
        assert_eq!(parse_local("2026-11-23 10:30", tz, today), Ok(want));
        assert_eq!(parse_local("2026-11-23T10:30", tz, today), Ok(want));
        assert_eq!(parse_local("10:30", tz, today), Ok(want));
        assert_eq!(
            parse_local("2026-11-23T10:30:00+07:00", tz, today),
            Ok(want)
        );
        assert_eq!(
            parse_local("tomorrow", tz, today),
            Err(TimeError::Unreadable)
        );
    }

    #[test]
    fn a_time_the_clocks_skip_is_told_apart_from_nonsense() {
        let berlin = chrono_tz::Europe::Berlin;
        let today = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        // 02:00–03:00 does not exist in Berlin on 29 March 2026.
        assert_eq!(
            parse_local("2026-03-29 02:30", berlin, today),
            Err(TimeError::Skipped)
        );
        assert_eq!(parse_local("02:30", berlin, today), Err(TimeError::Skipped));
        // The hour that happens twice (25 October) is the earlier one.
        let twice = parse_local("2026-10-25 02:30", berlin, today).unwrap();
        assert_eq!(twice, Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap());
    }
}
