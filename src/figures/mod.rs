//! The figures communities are judged by (办结率、满意率 …) and the periodic assessment of grid
//! workers (动态考核), computed from the case events.
//!
//! The figures are never read from counters on `reports` (`state`, `reopen_count`,
//! `accepted_at` …), which a bug or a hand edit could make drift from what happened. Instead
//! [`load`] reads, in two queries, the cases in scope with their immutable intake facts
//! (`submitted_at`, `accept_by`, `finish_by`, set once at intake and never updated) and their
//! append-only `case_events`; the pure functions in [`fold`] replay the events up to the
//! period's end and count.
//!
//! # Definitions
//!
//! A period is `[from, to)`; every figure is judged **as of** `as_of = min(to, now)`, so the
//! figures of a past period never change afterwards. "This period's cases" (the cohort) are
//! the cases **received** (submitted) in `[from, to)`. A case received before the period
//! belongs to the period it was received in, even when it is closed within this one; it still
//! shows here in "open past deadline" while it is open and late at this period's end.
//!
//! | figure | numerator | denominator |
//! |---|---|---|
//! | received 受理 | — | cohort cases |
//! | excluded 不予受理/重复/非本部门 | cohort cases rejected, marked duplicate or returned as not ours before `as_of` | — |
//! | accepted on time 按时签收率 | valid cases whose first 签收 is at or before `accept_by` | valid cases accepted before `as_of`, or whose `accept_by` passed before `as_of` (应签收) |
//! | resolved on time 按时办结率 | valid cases whose standing 办结 (the last one, not sent back since) is at or before `finish_by` | valid cases with a standing 办结 before `as_of`, or whose `finish_by` passed before `as_of` (应办结) |
//! | satisfaction 满意率 | ratings 满意 or 基本满意 | every rating given before `as_of` to a cohort case (a case sent back and rated again counts twice; auto-closed cases were not rated and count in neither) |
//! | satisfaction without 代评 | the same, residents' own ratings only | the same, residents' own ratings only: a rating the filer of a 代办 case gave on the resident's word, or of their own inspection find, is left out |
//! | sent back 发回重办率 | valid cases rated 不满意 at least once | valid cases resolved at least once |
//! | resolution 化解率 | valid cases closed (rated 满意/基本满意, or auto-closed unrated) | valid cases |
//! | mean time to accept | mean of first 签收 − submission, over valid cases accepted before `as_of` | |
//! | mean time to resolve | mean of standing 办结 − submission, over valid cases with a standing 办结 | |
//! | open past deadline | every case in scope (received at any time) still open at `as_of` whose current deadline (`accept_by` before 签收, `finish_by` after) is before `as_of` | — |
//!
//! "Valid" = cohort minus excluded. A deadline is met at its exact instant. A rate whose
//! denominator is 0 has no value (shown as "—", never as 0 %).

pub mod access;
pub mod chart;
pub mod export;
pub mod fold;
pub mod load;
pub mod period;
pub mod request;

pub use access::Selection;
pub use fold::{CaseInput, Event, EventKind, Figures, Ratio};
pub use period::Period;

use serde::Serialize;

/// How the figures are broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Per level-3 grid (compound); a case queued at a community counts for the community.
    Grid,
    /// Per level-2 grid (community).
    Community,
    /// Per level-1 grid (street).
    Street,
    /// Per department the case was handed to (交办); a case handed to two departments counts
    /// for both, one never handed on counts for none.
    Department,
}

impl Dimension {
    /// Every dimension, in the order the dashboard offers them.
    pub const ALL: [Dimension; 4] = [
        Dimension::Grid,
        Dimension::Community,
        Dimension::Street,
        Dimension::Department,
    ];

    /// The stable code (query parameter).
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Grid => "grid",
            Dimension::Community => "community",
            Dimension::Street => "street",
            Dimension::Department => "department",
        }
    }

    /// Parse the code.
    pub fn parse(s: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// The grid level this dimension groups by (None for departments).
    pub fn level(self) -> Option<usize> {
        match self {
            Dimension::Street => Some(1),
            Dimension::Community => Some(2),
            Dimension::Grid => Some(3),
            Dimension::Department => None,
        }
    }
}

/// The figures a drill-down can list cases for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// 受理: cases received in the period.
    Received,
    /// 不予受理 / 重复 / 非本部门 among them.
    Excluded,
    /// 按时签收率.
    AcceptedOnTime,
    /// 按时办结率.
    ResolvedOnTime,
    /// 满意率.
    Satisfaction,
    /// 满意率 without 代评 (residents' own ratings only).
    SatisfactionOwn,
    /// 发回重办率.
    SentBack,
    /// 化解率.
    Resolution,
    /// Open past deadline at the period's end.
    OverdueOpen,
}

impl Figure {
    /// Every figure.
    pub const ALL: [Figure; 9] = [
        Figure::Received,
        Figure::Excluded,
        Figure::AcceptedOnTime,
        Figure::ResolvedOnTime,
        Figure::Satisfaction,
        Figure::SatisfactionOwn,
        Figure::SentBack,
        Figure::Resolution,
        Figure::OverdueOpen,
    ];

    /// The stable code (query parameter).
    pub fn as_str(self) -> &'static str {
        match self {
            Figure::Received => "received",
            Figure::Excluded => "excluded",
            Figure::AcceptedOnTime => "accepted_on_time",
            Figure::ResolvedOnTime => "resolved_on_time",
            Figure::Satisfaction => "satisfaction",
            Figure::SatisfactionOwn => "satisfaction_own",
            Figure::SentBack => "sent_back",
            Figure::Resolution => "resolution",
            Figure::OverdueOpen => "overdue_open",
        }
    }

    /// Parse the code.
    pub fn parse(s: &str) -> Option<Figure> {
        Figure::ALL.into_iter().find(|f| f.as_str() == s)
    }
}
