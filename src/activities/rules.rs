//! The rules of activities (pure): what a valid activity is, when check-in is open, and how
//! many volunteers may still be confirmed.

use crate::error::{AppError, ErrorCode, Refusal};
use crate::i18n::Message;
use chrono::{DateTime, Duration, Utc};

/// Why an activity step was refused. Each has a stable reason code and its words in the
/// locale files (`reason.<code>`); `Invalid` names the form field at fault (its code) and
/// says what the field must be (`activities.invalid.<field>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityError {
    /// No such activity (or its code is unknown).
    NoSuchActivity,
    /// The activity was cancelled.
    Cancelled,
    /// Check-in opens a while before the start; this is earlier.
    CheckinNotOpen,
    /// Check-in closes when the activity ends.
    CheckinClosed,
    /// Confirming would exceed the activity's volunteer cap.
    ActivityFull,
    /// No such check-in to decide.
    NoSuchCheckin,
    /// The check-in was already decided.
    AlreadyDecided,
    /// The title, place, time or points are not acceptable.
    Invalid(&'static str),
}

/// The fields an activity can be refused for (`ActivityError::Invalid`).
pub const INVALID_FIELDS: [&str; 8] = [
    "grid_id",
    "title",
    "place",
    "description",
    "starts_at",
    "ends_at",
    "points",
    "max_volunteers",
];

impl ActivityError {
    /// The stable reason code.
    pub fn code(self) -> &'static str {
        match self {
            ActivityError::NoSuchActivity => "no_such_activity",
            ActivityError::Cancelled => "activity_cancelled",
            ActivityError::CheckinNotOpen => "checkin_not_open",
            ActivityError::CheckinClosed => "checkin_closed",
            ActivityError::ActivityFull => "activity_full",
            ActivityError::NoSuchCheckin => "no_such_checkin",
            ActivityError::AlreadyDecided => "checkin_already_decided",
            ActivityError::Invalid(field) => field,
        }
    }
}

impl Refusal for ActivityError {
    fn code(&self) -> &'static str {
        ActivityError::code(*self)
    }

    fn error_code(&self) -> ErrorCode {
        match self {
            ActivityError::NoSuchActivity | ActivityError::NoSuchCheckin => ErrorCode::NotFound,
            ActivityError::Invalid(_) => ErrorCode::InvalidInput,
            _ => ErrorCode::Conflict,
        }
    }

    fn message(&self) -> Message {
        match self {
            ActivityError::Invalid(field) => Message::new(format!("activities.invalid.{field}")),
            other => Message::new(format!("reason.{}", other.code())),
        }
    }

    /// Every variant with a `reason.<code>`; `Invalid`'s words (one per field, under
    /// `activities.invalid`) are checked by this module's tests, as a check-in refusal
    /// reuses these examples under its own codes.
    fn examples() -> Vec<Self> {
        use ActivityError::*;
        vec![
            NoSuchActivity,
            Cancelled,
            CheckinNotOpen,
            CheckinClosed,
            ActivityFull,
            NoSuchCheckin,
            AlreadyDecided,
        ]
    }
}

/// Without a language: the code as detail; pages show `reason.<code>` (see `web::error_pages`).
impl From<ActivityError> for AppError {
    fn from(e: ActivityError) -> Self {
        if let ActivityError::Invalid(field) = e {
            return AppError::invalid(field);
        }
        AppError::with_detail(e.error_code(), e.code()).with_reason(e.code())
    }
}

/// Whether a volunteer may check in at `now`: from `early` before the start until the end.
pub fn check_window(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    early: Duration,
    now: DateTime<Utc>,
) -> Result<(), ActivityError> {
    if now < starts_at - early {
        Err(ActivityError::CheckinNotOpen)
    } else if now >= ends_at {
        Err(ActivityError::CheckinClosed)
    } else {
        Ok(())
    }
}

/// Whether `adding` more volunteers may be confirmed when `confirmed` already are.
pub fn check_cap(confirmed: i64, adding: i64, max_volunteers: i32) -> Result<(), ActivityError> {
    if confirmed + adding > i64::from(max_volunteers) {
        Err(ActivityError::ActivityFull)
    } else {
        Ok(())
    }
}

/// An activity as staff describe it, checked before it is stored.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    pub title: &'a str,
    pub place: &'a str,
    pub description: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub points: i64,
    pub max_volunteers: i32,
}

/// Check a draft: non-empty title and place within their lengths, an end after the start,
/// no longer than a week, points within the largest single award.
pub fn validate(d: &Draft<'_>, max_award: i64) -> Result<(), ActivityError> {
    let len = |s: &str| s.trim().chars().count();
    if !(1..=80).contains(&len(d.title)) {
        return Err(ActivityError::Invalid("title"));
    }
    if !(1..=120).contains(&len(d.place)) {
        return Err(ActivityError::Invalid("place"));
    }
    if d.description.chars().count() > 2000 {
        return Err(ActivityError::Invalid("description"));
    }
    if d.ends_at <= d.starts_at || d.ends_at - d.starts_at > Duration::days(7) {
        return Err(ActivityError::Invalid("ends_at"));
    }
    if d.points < 1 || d.points > max_award {
        return Err(ActivityError::Invalid("points"));
    }
    if !(1..=10_000).contains(&d.max_volunteers) {
        return Err(ActivityError::Invalid("max_volunteers"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, h, m, 0).unwrap()
    }

    #[test]
    fn every_refused_field_has_words() {
        // Every language has the keys zh-CN has (web::locale_keys), so zh-CN stands for all.
        for field in INVALID_FIELDS {
            let e = ActivityError::Invalid(field);
            assert_eq!(e.code(), field);
            assert_eq!(e.error_code(), ErrorCode::InvalidInput);
            let key = e.message().key;
            assert!(
                crate::i18n::has_key(crate::i18n::Locale::ZhCn, &key),
                "no words for {key}"
            );
        }
        assert!(!crate::i18n::has_key(
            crate::i18n::Locale::ZhCn,
            &ActivityError::Invalid("nope").message().key
        ));
    }

    #[test]
    fn window_opens_early_and_closes_at_the_end() {
        let early = Duration::minutes(30);
        let (s, e) = (at(9, 0), at(11, 0));
        assert_eq!(
            check_window(s, e, early, at(8, 29)),
            Err(ActivityError::CheckinNotOpen)
        );
        assert_eq!(check_window(s, e, early, at(8, 30)), Ok(()));
        assert_eq!(check_window(s, e, early, at(10, 59)), Ok(()));
        assert_eq!(
            check_window(s, e, early, at(11, 0)),
            Err(ActivityError::CheckinClosed)
        );
    }

    #[test]
    fn cap_counts_what_is_already_confirmed() {
        assert_eq!(check_cap(0, 3, 3), Ok(()));
        assert_eq!(check_cap(2, 1, 3), Ok(()));
        assert_eq!(check_cap(2, 2, 3), Err(ActivityError::ActivityFull));
        assert_eq!(check_cap(3, 1, 3), Err(ActivityError::ActivityFull));
    }

    fn draft() -> Draft<'static> {
        Draft {
            title: "清扫楼道",
            place: "邮电小区 3 号楼",
            description: "",
            starts_at: at(9, 0),
            ends_at: at(11, 0),
            points: 10,
            max_volunteers: 20,
        }
    }

    #[test]
    fn drafts_are_checked_field_by_field() {
        assert_eq!(validate(&draft(), 100), Ok(()));
        let reason = |d: Draft<'_>| validate(&d, 100).unwrap_err().code();
        assert_eq!(
            reason(Draft {
                title: "  ",
                ..draft()
            }),
            "title"
        );
        assert_eq!(
            reason(Draft {
                place: "",
                ..draft()
            }),
            "place"
        );
        assert_eq!(
            reason(Draft {
                ends_at: at(9, 0),
                ..draft()
            }),
            "ends_at"
        );
        assert_eq!(
            reason(Draft {
                ends_at: at(9, 0) + Duration::days(8),
                ..draft()
            }),
            "ends_at"
        );
        assert_eq!(
            reason(Draft {
                points: 0,
                ..draft()
            }),
            "points"
        );
        assert_eq!(
            reason(Draft {
                points: 101,
                ..draft()
            }),
            "points"
        );
        assert_eq!(
            reason(Draft {
                max_volunteers: 0,
                ..draft()
            }),
            "max_volunteers"
        );
    }
}
