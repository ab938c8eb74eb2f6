//! Who acts on a case ([`Actor`]) and what they do ([`Action`]), with the words of both.

use std::fmt;

use super::{parse_by, words, Rating, LEVEL_COMMUNITY, LEVEL_GRID, LEVEL_STREET};
use crate::i18n::{Locale, Message};
use serde::{Deserialize, Serialize};

/// Who acts. `Responsible` = staff whose grid scope covers the case's grid
/// (grid worker or head); `Department` = the liaison of the department the
/// case is dispatched to; `Reporter` = the resident who reported (or whoever
/// holds the tracking link for anonymous reports); `System` = background jobs.
///
/// Deciding which of these a signed-in user is for a given case is the
/// caller's job (it knows scopes and links); this module only judges roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The resident who reported, or the holder of the tracking link.
    Reporter,
    /// Grid staff whose scope covers the case's grid.
    Responsible,
    /// Liaison of the department the case is dispatched to.
    Department,
    /// Platform administrator; may do what the responsible staff may.
    Admin,
    /// Background jobs (escalation, auto-close).
    System,
}

impl Actor {
    /// Every actor.
    pub const ALL: [Actor; 5] = [
        Actor::Reporter,
        Actor::Responsible,
        Actor::Department,
        Actor::Admin,
        Actor::System,
    ];

    /// The stable snake_case code, identical to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Reporter => "reporter",
            Actor::Responsible => "responsible",
            Actor::Department => "department",
            Actor::Admin => "admin",
            Actor::System => "system",
        }
    }

    /// Parses the snake_case code or a zh-CN / English label.
    pub fn parse(s: &str) -> Option<Self> {
        parse_by(s, &Self::ALL, Self::as_str, Self::label)
    }

    /// The human label in `locale` (`ledger.actor.<code>`).
    pub fn label(self, locale: Locale) -> String {
        words("actor", self.as_str(), locale)
    }
}

/// Displays the stable code.
impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------
// Action
// ---------------------------------------------------------------------------

/// What someone wants to do to a case.
///
/// Serialized internally tagged, e.g. `{"type":"dispatch","department":"城管"}`,
/// `{"type":"accept"}`, `{"type":"rate","rating":"dissatisfied","comment":null}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// 签收: sign for a submitted case.
    Accept,
    /// 交办: hand the case to a department.
    Dispatch {
        /// The department handed to; must not be blank.
        department: String,
    },
    /// Begin handling (→ in progress).
    Start,
    /// 办结: finish handling with a result note (the photo is handled by the caller).
    Resolve {
        /// The result note; required, at most [`NOTE_MAX`] characters.
        note: String,
    },
    /// The resident rates a resolved case.
    Rate {
        /// The rating.
        rating: Rating,
        /// Optional comment, at most [`RATING_COMMENT_MAX`] characters.
        comment: Option<String>,
    },
    /// 不予受理: refuse the case.
    Reject {
        /// Why; required, at most [`REASON_MAX`] characters.
        reason: String,
    },
    /// 重复: the case duplicates another one.
    MarkDuplicate {
        /// The id of the case this one duplicates; never the case itself.
        of_case: i64,
    },
    /// 非本部门职责: return the case as not this department's responsibility.
    NotOurs {
        /// Why; required, at most [`REASON_MAX`] characters.
        reason: String,
    },
    /// Move the case to another grid; recorded, no state change.
    Reroute {
        /// The grid to move to (its existence and scope are the caller's check).
        to_grid: i64,
        /// Why; required, at most [`REASON_MAX`] characters.
        reason: String,
    },
    /// Put the case in another category; recorded, no state change.
    Reclassify {
        /// The new category code; must not be blank.
        to_category: String,
        /// Why; required, at most [`REASON_MAX`] characters.
        reason: String,
    },
    /// Escalate to a higher level (system only): 2 = community, 1 = street.
    Escalate {
        /// The level escalated to; below the current level and at least 1.
        to_level: i16,
    },
    /// Close a resolved case the resident did not rate in time (system only).
    AutoClose,
    /// A comment by anyone involved; no state change.
    Comment {
        /// The text; required, at most [`COMMENT_MAX`] characters.
        text: String,
    },
}

impl Action {
    /// The stable snake_case name of the action (same as its serde `type`);
    /// used in [`TransitionError`] and for the event log.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Dispatch { .. } => "dispatch",
            Action::Start => "start",
            Action::Resolve { .. } => "resolve",
            Action::Rate { .. } => "rate",
            Action::Reject { .. } => "reject",
            Action::MarkDuplicate { .. } => "mark_duplicate",
            Action::NotOurs { .. } => "not_ours",
            Action::Reroute { .. } => "reroute",
            Action::Reclassify { .. } => "reclassify",
            Action::Escalate { .. } => "escalate",
            Action::AutoClose => "auto_close",
            Action::Comment { .. } => "comment",
        }
    }

    /// The human label of the action (a verb phrase) in `locale`.
    pub fn label(&self, locale: Locale) -> String {
        action_label(self.name()).render(locale)
    }
}

/// Every [`Action::name`]; each has words under `ledger.action.<name>`.
pub(super) const ACTION_NAMES: [&str; 13] = [
    "accept",
    "dispatch",
    "start",
    "resolve",
    "rate",
    "reject",
    "mark_duplicate",
    "not_ours",
    "reroute",
    "reclassify",
    "escalate",
    "auto_close",
    "comment",
];

/// The text fields a [`TransitionError`] may name; each has words under `ledger.field.*`.
pub(super) const FIELD_NAMES: [&str; 6] = [
    "note",
    "reason",
    "comment",
    "text",
    "department",
    "to_category",
];

/// The words `ledger.<group>.<name>`, or `ledger.<group>.other` for a name without its own.
fn known_or_other(group: &str, known: &[&str], name: &str) -> Message {
    let name = if known.contains(&name) { name } else { "other" };
    Message::new(format!("ledger.{group}.{name}"))
}

/// Label of an action by its [`Action::name`]; errors only carry the name.
pub(super) fn action_label(name: &str) -> Message {
    known_or_other("action", &ACTION_NAMES, name)
}

/// Label of a text field named in [`TransitionError::EmptyText`] / `TextTooLong`.
pub(super) fn field_label(field: &str) -> Message {
    known_or_other("field", &FIELD_NAMES, field)
}

/// Label of an escalation level, for messages.
pub(super) fn level_label(level: i16) -> Message {
    match level {
        LEVEL_STREET | LEVEL_COMMUNITY | LEVEL_GRID => {
            Message::new(format!("ledger.level.{level}"))
        }
        n => Message::new("ledger.level.other").text("n", n),
    }
}

/// The level a reopened case escalates to: one up from `current`
/// (3 → 2, 2 → 1), none from the street (1), which has nothing above it.
/// Out-of-range levels above 3 are treated as 3 so the result is always a
/// real level strictly below `current`.
pub fn next_level_up(current: i16) -> Option<i16> {
    if current > LEVEL_STREET {
        Some(current.min(LEVEL_GRID) - 1)
    } else {
        None
    }
}
