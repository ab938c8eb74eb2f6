//! What the clock decides: a case's [`Deadlines`], when it escalates and when a resolved,
//! unrated case closes by itself. The caller brings the clock.

use super::*;
use chrono::{DateTime, Duration, Utc};

/// Deadlines of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// The case must be accepted (签收) by this instant.
    pub accept_by: DateTime<Utc>,
    /// The case must be resolved (办结) by this instant; never before `accept_by`.
    pub finish_by: DateTime<Utc>,
}

/// `t + hours`, saturating at chrono's maximum instead of panicking on an
/// absurd configuration.
fn add_hours(t: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    t.checked_add_signed(Duration::hours(i64::from(hours)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// From the submission time and the category's hours; for a promised case
/// the committed date replaces finish_by (never earlier than accept_by).
///
/// `finish_by` is never earlier than `accept_by` in any case: a category
/// configured with fewer finish than accept hours (or a committed date before
/// the accept deadline) would otherwise make a case overdue before it could
/// even be late to be signed for. Hours are wall-clock hours, not working
/// hours; calendar rules are the caller's.
pub fn deadlines(
    submitted_at: DateTime<Utc>,
    accept_hours: u32,
    finish_hours: u32,
    promised_by: Option<DateTime<Utc>>,
) -> Deadlines {
    let accept_by = add_hours(submitted_at, accept_hours);
    let finish_by = promised_by.unwrap_or_else(|| add_hours(submitted_at, finish_hours));
    Deadlines {
        accept_by,
        finish_by: finish_by.max(accept_by),
    }
}

/// The escalation a background job should perform now, if any, given the
/// state, the deadlines, the current escalation level and `now` (the caller's
/// controllable clock).
///
/// - Open (submitted/accepted/dispatched/in progress) and not resolved by
///   `finish_by` → `Some(1)` (street) if the level is above 1.
/// - Still submitted (not accepted) after `accept_by` → `Some(2)` (community)
///   if the level is 3.
/// - When both apply, the street wins: one call, the most urgent level (the
///   community level is skipped, never revisited).
/// - A deadline is met at its exact instant; only strictly later is late.
/// - Each level once: the result is always strictly below
///   `escalation_level`; resolved, closed and other terminal cases never
///   escalate.
pub fn escalation_due(
    state: CaseState,
    deadlines: &Deadlines,
    escalation_level: i16,
    now: DateTime<Utc>,
) -> Option<i16> {
    if !state.is_open() {
        return None;
    }
    if now > deadlines.finish_by && escalation_level > LEVEL_STREET {
        return Some(LEVEL_STREET);
    }
    if state == CaseState::Submitted
        && now > deadlines.accept_by
        && escalation_level > LEVEL_COMMUNITY
    {
        return Some(LEVEL_COMMUNITY);
    }
    None
}

/// Whether a resolved case should be auto-closed (not rated within
/// `rate_days` of resolution).
///
/// The resident has the whole window: at exactly `resolved_at + rate_days`
/// the case is not yet due, strictly later it is. Without a resolution time
/// (inconsistent facts) nothing is closed, because closing is not undoable.
pub fn auto_close_due(
    state: CaseState,
    resolved_at: Option<DateTime<Utc>>,
    rate_days: u32,
    now: DateTime<Utc>,
) -> bool {
    if state != CaseState::Resolved {
        return false;
    }
    let Some(resolved_at) = resolved_at else {
        return false;
    };
    match resolved_at.checked_add_signed(Duration::days(i64::from(rate_days))) {
        Some(window_end) => now > window_end,
        None => false,
    }
}
