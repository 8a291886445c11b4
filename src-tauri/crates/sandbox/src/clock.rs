//! Wall-clock time in the shapes AWS writes it. One place turns milliseconds since the epoch into
//! calendar fields; each service formats them as its API does.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// Milliseconds since the Unix epoch, with microseconds, `elapsed` ago: when something that
/// has lasted `elapsed` began (what the inspection feed's `startedMs` members hold).
pub fn epoch_ms_ago(elapsed: std::time::Duration) -> f64 {
    SystemTime::now()
        .checked_sub(elapsed)
        .and_then(|then| then.duration_since(UNIX_EPOCH).ok())
        .map_or(0.0, |since| since.as_micros() as f64 / 1000.0)
}

/// A UTC instant split into calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub millis: i64,
}

impl Civil {
    pub fn at(millis: i64) -> Self {
        let secs = millis.div_euclid(1000);
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let rest = secs.rem_euclid(86_400);
        Self {
            year,
            month,
            day,
            hour: rest / 3600,
            minute: rest % 3600 / 60,
            second: rest % 60,
            millis: millis.rem_euclid(1000),
        }
    }

    pub fn now() -> Self {
        Self::at(now_millis())
    }

    /// `2026-11-21T12:30:00` (no fraction, no zone).
    pub fn date_time(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// The three-letter English month name.
    pub fn month_name(&self) -> &'static str {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        MONTHS[(self.month as usize).saturating_sub(1).min(11)]
    }
}

/// ISO 8601 with milliseconds, as most AWS APIs write instants: `2026-11-21T12:30:00.123Z`.
pub fn iso8601_millis(millis: i64) -> String {
    let civil = Civil::at(millis);
    format!("{}.{:03}Z", civil.date_time(), civil.millis)
}

/// Converts days since 1970-01-01 to a (year, month, day) date in the proleptic Gregorian calendar.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of [`civil_from_days`]).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The instant of a SigV4 `X-Amz-Date` (`20261207T220000Z`), in epoch milliseconds.
pub fn parse_amz_date(text: &str) -> Option<i64> {
    let digits = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
    if text.len() != 16 || text.as_bytes()[8] != b'T' || !text.ends_with('Z') {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    let (hour, minute, second) = (digits(9..11)?, digits(11..13)?, digits(13..15)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    Some(
        ((days * 24 + i64::from(hour)) * 60 + i64::from(minute)) * 60_000
            + i64::from(second) * 1000,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_dates_are_read_back() {
        assert_eq!(days_from_civil(2025, 11, 21), 20_413);
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(parse_amz_date("19700101T000001Z"), Some(1000));
        let millis = parse_amz_date("20261207T220000Z").unwrap();
        assert_eq!(Civil::at(millis).date_time(), "2026-12-07T22:00:00");
        assert_eq!(parse_amz_date("2026-12-07"), None);
    }

    #[test]
    fn dates_come_from_day_numbers() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_413), (2025, 11, 21));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn instants_are_written_in_iso_8601_with_milliseconds() {
        assert_eq!(
            iso8601_millis(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(Civil::at(1_700_000_000_123).month_name(), "Nov");
    }
}
