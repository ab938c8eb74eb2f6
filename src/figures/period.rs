//! Periods in China time (UTC+8, no daylight saving): the dashboard's chooser, the default
//! (the last 30 days, today included: early in a month "this month" is mostly empty and its
//! trend runs into weeks that have not come yet) and the weeks of the trend.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};

/// The longest period the dashboard computes (a bit more than a year).
pub const MAX_DAYS: i64 = 400;

/// A period `[from, to)`, both at midnight China time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Why a chosen period is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("a date is YYYY-MM-DD")]
    BadDate,
    #[error("the period ends before it starts")]
    Reversed,
    #[error("the period may be at most {MAX_DAYS} days")]
    TooLong,
}

/// The earliest and latest years a period may name.
const FIRST_YEAR: i32 = 2000;
const LAST_YEAR: i32 = 2100;

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Midnight China time at the start of `day`, as UTC.
pub fn china_midnight(day: NaiveDate) -> DateTime<Utc> {
    china()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

/// The calendar day in China at `t`.
pub fn china_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

impl Period {
    /// The month (China time) that contains `now`.
    pub fn this_month(now: DateTime<Utc>) -> Period {
        let d = china_day(now);
        let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).expect("day 1 exists");
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .expect("months stay in range");
        Period {
            from: china_midnight(first),
            to: china_midnight(next),
        }
    }

    /// The default: the 30 days up to and including today (China time).
    pub fn last_30_days(now: DateTime<Utc>) -> Period {
        let today = china_day(now);
        Period {
            from: china_midnight(today - Duration::days(29)),
            to: china_midnight(today + Duration::days(1)),
        }
    }

    /// From the chooser's dates (`YYYY-MM-DD`, both days included); a missing date falls back
    /// to the default's (the last 30 days).
    pub fn from_dates(
        from: Option<&str>,
        to_inclusive: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Period, PeriodError> {
        let month = Period::last_30_days(now);
        // Dates outside the years the service can have data for are refused before any
        // arithmetic: chrono panics adding a day to its last date or shifting its first.
        let parse = |s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| (FIRST_YEAR..=LAST_YEAR).contains(&d.year()))
                .ok_or(PeriodError::BadDate)
        };
        let from = match from.filter(|s| !s.trim().is_empty()) {
            Some(s) => china_midnight(parse(s)?),
            None => month.from,
        };
        let to = match to_inclusive.filter(|s| !s.trim().is_empty()) {
            Some(s) => china_midnight(parse(s)? + Duration::days(1)),
            None => month.to,
        };
        if to <= from {
            return Err(PeriodError::Reversed);
        }
        if to - from > Duration::days(MAX_DAYS) {
            return Err(PeriodError::TooLong);
        }
        Ok(Period { from, to })
    }

    /// The first day, as the chooser shows it.
    pub fn first_day(&self) -> NaiveDate {
        china_day(self.from)
    }

    /// The last day included, as the chooser shows it.
    pub fn last_day(&self) -> NaiveDate {
        china_day(self.to - Duration::seconds(1))
    }

    /// The weeks (Monday to Sunday, China time) that cover the period, each clipped to it.
    pub fn weeks(&self) -> Vec<Period> {
        let day = self.first_day();
        let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        let mut start = china_midnight(monday);
        let mut out = Vec::new();
        while start < self.to {
            let end = start + Duration::days(7);
            out.push(Period {
                from: start.max(self.from),
                to: end.min(self.to),
            });
            start = end;
        }
        out
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn extreme_dates_are_refused_not_panicked_on() {
        let now = Utc::now();
        for (from, to) in [
            (None, Some("+262142-12-31")),
            (Some("-262143-01-01"), None),
            (Some("262142-12-31"), None),
            (Some("1999-12-31"), Some("2000-01-02")),
            (Some("2000-01-01"), Some("2101-01-01")),
        ] {
            assert_eq!(
                Period::from_dates(from, to, now).err(),
                Some(PeriodError::BadDate),
                "{from:?} {to:?}"
            );
        }
    }
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_default_is_the_last_30_days_without_future_weeks() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 3, 0, 0).unwrap();
        let p = Period::from_dates(None, None, now).unwrap();
        assert_eq!(p.first_day(), day("2026-11-03"));
        assert_eq!(p.last_day(), day("2026-12-02"));
        assert!(p.weeks().iter().all(|w| w.from <= now));
    }

    #[test]
    fn this_month_is_in_china_time() {
        // 2026-10-31 17:00 UTC is already 1 November in China.
        let now = Utc.with_ymd_and_hms(2026, 10, 31, 17, 0, 0).unwrap();
        let p = Period::this_month(now);
        assert_eq!(
            p.from,
            Utc.with_ymd_and_hms(2026, 10, 31, 16, 0, 0).unwrap()
        );
        assert_eq!(p.to, Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap());
        assert_eq!(p.first_day(), day("2026-11-01"));
        assert_eq!(p.last_day(), day("2026-11-30"));
    }

    #[test]
    fn chosen_dates_include_the_last_day() {
        let now = Utc::now();
        let p = Period::from_dates(Some("2026-10-05"), Some("2026-10-05"), now).unwrap();
        assert_eq!(p.to - p.from, Duration::days(1));
        assert_eq!(
            Period::from_dates(Some("2026-10-05"), Some("2026-10-04"), now),
            Err(PeriodError::Reversed)
        );
        assert_eq!(
            Period::from_dates(Some("5 Oct"), None, now),
            Err(PeriodError::BadDate)
        );
        assert_eq!(
            Period::from_dates(Some("2020-01-01"), Some("2026-01-01"), now),
            Err(PeriodError::TooLong)
        );
    }

    #[test]
    fn weeks_start_on_monday_and_are_clipped() {
        // October 2026: the 1st is a Thursday.
        let p = Period::from_dates(Some("2026-10-01"), Some("2026-10-31"), Utc::now()).unwrap();
        let w = p.weeks();
        assert_eq!(w.len(), 5);
        assert_eq!(w[0].from, p.from);
        assert_eq!(china_day(w[0].to), day("2026-10-05"));
        assert_eq!(china_day(w[1].from), day("2026-10-05"));
        assert_eq!(w[4].to, p.to);
        assert_eq!(china_day(w[4].from), day("2026-10-26"));
    }
}
