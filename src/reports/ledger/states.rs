//! Where a case is ([`CaseState`]), what kind of case it is ([`LedgerKind`]) and how its
//! reporter rated it ([`Rating`]): stable codes, words per locale, parsing of either.

use std::fmt;

use super::{parse_by, words};
use crate::i18n::Locale;
use serde::{Deserialize, Serialize};

/// Where a case is in its closed loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Reported by a resident, waiting to be signed for (待签收).
    Submitted,
    /// Signed for by the responsible grid staff (已签收).
    Accepted,
    /// Handed to a department (已交办).
    Dispatched,
    /// Being handled (办理中).
    InProgress,
    /// Handled, with a result note and photo; waiting for the resident's rating (已办结).
    Resolved,
    /// Rated or auto-closed; the loop is closed (已结案). Terminal.
    Closed,
    /// Not accepted for handling, with a reason (不予受理). Terminal.
    Rejected,
    /// Duplicate of another case (重复). Terminal.
    Duplicate,
    /// Not this department's responsibility, with a reason (非本部门职责). Terminal.
    NotOurs,
}

impl CaseState {
    /// Every state, in loop order; handy for tests, filters and migrations.
    pub const ALL: [CaseState; 9] = [
        CaseState::Submitted,
        CaseState::Accepted,
        CaseState::Dispatched,
        CaseState::InProgress,
        CaseState::Resolved,
        CaseState::Closed,
        CaseState::Rejected,
        CaseState::Duplicate,
        CaseState::NotOurs,
    ];

    /// The stable snake_case code, identical to the serde form; store this.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Submitted => "submitted",
            CaseState::Accepted => "accepted",
            CaseState::Dispatched => "dispatched",
            CaseState::InProgress => "in_progress",
            CaseState::Resolved => "resolved",
            CaseState::Closed => "closed",
            CaseState::Rejected => "rejected",
            CaseState::Duplicate => "duplicate",
            CaseState::NotOurs => "not_ours",
        }
    }

    /// Parses the snake_case code or a zh-CN / English label (see the module docs).
    pub fn parse(s: &str) -> Option<Self> {
        parse_by(s, &Self::ALL, Self::as_str, Self::label)
    }

    /// Whether somebody still has to work on the case: submitted, accepted,
    /// dispatched or in progress. A resolved case is not open (the handling
    /// is done and only the resident's rating is awaited), yet not terminal
    /// either (a dissatisfied rating reopens it).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseState::Submitted
                | CaseState::Accepted
                | CaseState::Dispatched
                | CaseState::InProgress
        )
    }

    /// Whether the case is finished for good: closed, rejected, duplicate or
    /// not ours. Only comments are allowed on a terminal case.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            CaseState::Closed | CaseState::Rejected | CaseState::Duplicate | CaseState::NotOurs
        )
    }

    /// The human label in `locale` (`ledger.state.<code>`).
    pub fn label(self, locale: Locale) -> String {
        words("state", self.as_str(), locale)
    }
}

/// Displays the stable code (for logs and error `Display`), not a label.
impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------
// LedgerKind
// ---------------------------------------------------------------------------

/// The ledger kind (台账类型) of a case; each has its own accept and finish
/// deadlines, configured per category by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    /// Handled on the spot (即办件).
    Immediate,
    /// Handled within a time limit (限时件).
    TimeLimited,
    /// Special handling (特办件).
    Special,
    /// Handled by a committed date (承诺件); see [`deadlines`].
    Promised,
    /// Handled on the resident's behalf (代办件).
    OnBehalf,
}

impl LedgerKind {
    /// Every kind.
    pub const ALL: [LedgerKind; 5] = [
        LedgerKind::Immediate,
        LedgerKind::TimeLimited,
        LedgerKind::Special,
        LedgerKind::Promised,
        LedgerKind::OnBehalf,
    ];

    /// The stable snake_case code, identical to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Immediate => "immediate",
            LedgerKind::TimeLimited => "time_limited",
            LedgerKind::Special => "special",
            LedgerKind::Promised => "promised",
            LedgerKind::OnBehalf => "on_behalf",
        }
    }

    /// Parses the snake_case code or a zh-CN / English label.
    pub fn parse(s: &str) -> Option<Self> {
        parse_by(s, &Self::ALL, Self::as_str, Self::label)
    }

    /// The human label in `locale` (`ledger.kind.<code>`).
    pub fn label(self, locale: Locale) -> String {
        words("kind", self.as_str(), locale)
    }
}

/// Displays the stable code.
impl fmt::Display for LedgerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------
// Rating
// ---------------------------------------------------------------------------

/// The resident's rating of a resolved case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 满意: closes the case.
    Satisfied,
    /// 基本满意: closes the case.
    BasicallySatisfied,
    /// 不满意: reopens the case (发回重办) and escalates it one level.
    Dissatisfied,
}

impl Rating {
    /// Every rating.
    pub const ALL: [Rating; 3] = [
        Rating::Satisfied,
        Rating::BasicallySatisfied,
        Rating::Dissatisfied,
    ];

    /// The stable snake_case code, identical to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::BasicallySatisfied => "basically_satisfied",
            Rating::Dissatisfied => "dissatisfied",
        }
    }

    /// Parses the snake_case code or a zh-CN / English label.
    pub fn parse(s: &str) -> Option<Self> {
        parse_by(s, &Self::ALL, Self::as_str, Self::label)
    }

    /// The human label in `locale` (`ledger.rating.<code>`).
    pub fn label(self, locale: Locale) -> String {
        words("rating", self.as_str(), locale)
    }
}

/// Displays the stable code.
impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
