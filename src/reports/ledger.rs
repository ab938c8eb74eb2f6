//! The case state machine of the Mashang (码上生活) ledger (台账).
//!
//! A resident's snap report becomes a case that is handled in a closed loop:
//!
//! ```text
//! submitted  ─签收→ accepted ─交办→ dispatched ─→ in_progress ─办结→ resolved ─评价→ closed
//! accepted   ─→ in_progress, or ─办结→ resolved directly (kept by the grid)
//! in_progress ─交办→ dispatched (handed on mid-way)
//! resolved   ─不满意 (发回重办)→ accepted, escalated one level
//! resolved   ─not rated in time→ closed (auto-close)
//! submitted | accepted ─→ rejected | duplicate | not_ours
//! ```
//!
//! Everything here is pure: no clock, no I/O, no storage. The caller keeps an
//! append-only event log, folds it into [`CaseFacts`], asks [`decide`] whether
//! an action is allowed, and records the action together with the returned
//! [`Transition`]. Background jobs ask [`escalation_due`] and
//! [`auto_close_due`] with the caller's own (controllable) clock.
//!
//! Words: every `label` takes a [`Locale`]; the words themselves are in the
//! locale files (`ledger.*`, and `reason.<code>` for a [`TransitionError`]).

use std::fmt;

use crate::error::{ErrorCode, Refusal};
use crate::i18n::{translate, Locale, Message};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Longest result note of a resolution (办结说明), in characters (not bytes:
/// the text is mostly Chinese).
pub const NOTE_MAX: usize = 2000;
/// Longest reason of a rejection, not-ours return, re-route or re-class, in characters.
pub const REASON_MAX: usize = 500;
/// Longest optional comment of a resident's rating, in characters.
pub const RATING_COMMENT_MAX: usize = 500;
/// Longest free comment on a case, in characters.
pub const COMMENT_MAX: usize = 1000;
/// Escalation level of a case that has not been escalated: it is still with
/// its level-3 grid. Level 2 is the community (社区) grid head, level 1 the
/// street (街道), the top.
pub const LEVEL_GRID: i16 = 3;
/// Escalation level of the community (社区) grid head.
pub const LEVEL_COMMUNITY: i16 = 2;
/// Escalation level of the street (街道); nothing is above it.
pub const LEVEL_STREET: i16 = 1;

/// The words of `ledger.<group>.<code>` in `locale`.
fn words(group: &str, code: &str, locale: Locale) -> String {
    translate(locale, &format!("ledger.{group}.{code}"), &[])
}

/// Shared `parse` for the small enums: accepts the stable snake_case code
/// (what is stored in the database and sent over JSON) and also either
/// language's label, so that spreadsheet imports of the paper ledger, which
/// carry the Chinese labels, parse too. Surrounding whitespace is ignored and
/// ASCII case does not matter.
fn parse_by<T: Copy>(
    s: &str,
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T, Locale) -> String,
) -> Option<T> {
    let s = s.trim();
    all.iter().copied().find(|&v| {
        code(v).eq_ignore_ascii_case(s)
            || Locale::ALL
                .iter()
                .any(|&l| label(v, l).eq_ignore_ascii_case(s))
    })
}

// ---------------------------------------------------------------------------
// CaseState
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Actor
// ---------------------------------------------------------------------------

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
const ACTION_NAMES: [&str; 13] = [
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
const FIELD_NAMES: [&str; 6] = [
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
fn action_label(name: &str) -> Message {
    known_or_other("action", &ACTION_NAMES, name)
}

/// Label of a text field named in [`TransitionError::EmptyText`] / `TextTooLong`.
fn field_label(field: &str) -> Message {
    known_or_other("field", &FIELD_NAMES, field)
}

/// Label of an escalation level, for messages.
fn level_label(level: i16) -> Message {
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

// ---------------------------------------------------------------------------
// Transition and errors
// ---------------------------------------------------------------------------

/// The outcome of an allowed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// State before the action.
    pub from: CaseState,
    /// State after the action; equal to `from` for actions that are only recorded.
    pub to: CaseState,
    /// True when a dissatisfied rating reopened the case (发回重办).
    pub reopened: bool,
    /// Level to escalate to as a consequence (reopen → next level up from the
    /// current escalation), else `None`. An explicit `Escalate` action does
    /// not set this: its level is in the action itself.
    pub escalate_to: Option<i16>,
}

/// Why an action is refused. Checks run in a fixed order so the same request
/// always gets the same error: first the state (is the action possible in
/// this state for anybody?) → `NotAllowed`; then the actor → `WrongActor`;
/// then the payload → `EmptyText`, `TextTooLong`, `AlreadyEscalated`,
/// `SelfDuplicate`.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TransitionError {
    /// The action is not possible in this state, for anybody. Also used for an
    /// escalation to a level below 1, which does not exist.
    #[error("action `{action}` is not allowed in state `{state}`")]
    NotAllowed {
        /// The case's state.
        state: CaseState,
        /// [`Action::name`] of the refused action.
        action: &'static str,
    },
    /// The action is possible in this state, but not for this actor.
    #[error("actor `{actor}` may not perform `{action}`")]
    WrongActor {
        /// [`Action::name`] of the refused action.
        action: &'static str,
        /// Who tried.
        actor: Actor,
    },
    /// A required text is empty or only whitespace.
    #[error("`{field}` must not be empty")]
    EmptyText {
        /// Payload field name.
        field: &'static str,
    },
    /// A text is longer than allowed (counted in characters).
    #[error("`{field}` is longer than {max} characters")]
    TextTooLong {
        /// Payload field name.
        field: &'static str,
        /// Maximum number of characters.
        max: usize,
    },
    /// Escalation to a level the case is already at or above; `level` is the
    /// case's current level. Each level is reached once only.
    #[error("case is already escalated to level {level}")]
    AlreadyEscalated {
        /// The case's current escalation level.
        level: i16,
    },
    /// A case cannot be a duplicate of itself.
    #[error("a case cannot duplicate itself")]
    SelfDuplicate,
}

impl TransitionError {
    /// Stable snake_case code for API responses and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::NotAllowed { .. } => "not_allowed",
            TransitionError::WrongActor { .. } => "wrong_actor",
            TransitionError::EmptyText { .. } => "empty_text",
            TransitionError::TextTooLong { .. } => "text_too_long",
            TransitionError::AlreadyEscalated { .. } => "already_escalated",
            TransitionError::SelfDuplicate => "self_duplicate",
        }
    }
}

impl Refusal for TransitionError {
    fn code(&self) -> &'static str {
        TransitionError::code(self)
    }

    /// Not possible now (or already escalated) is a conflict with the case's state; the
    /// wrong actor is forbidden; a bad payload is invalid input.
    fn error_code(&self) -> ErrorCode {
        match self {
            TransitionError::NotAllowed { .. } | TransitionError::AlreadyEscalated { .. } => {
                ErrorCode::Conflict
            }
            TransitionError::WrongActor { .. } => ErrorCode::Forbidden,
            _ => ErrorCode::InvalidInput,
        }
    }

    /// `reason.<code>`, naming the state, action, actor, field or level in the same
    /// language.
    fn message(&self) -> Message {
        let m = Message::new(format!("reason.{}", self.code()));
        match self {
            TransitionError::NotAllowed { state, action } => m
                .words(
                    "state",
                    Message::new(format!("ledger.state_in_text.{}", state.as_str())),
                )
                .words("action", action_label(action)),
            TransitionError::WrongActor { action, actor } => {
                m.words("action", action_label(action)).words(
                    "actor",
                    Message::new(format!("ledger.actor.{}", actor.as_str())),
                )
            }
            TransitionError::EmptyText { field } => m.words("field", field_label(field)),
            TransitionError::TextTooLong { field, max } => {
                m.words("field", field_label(field)).text("max", max)
            }
            TransitionError::AlreadyEscalated { level } => m.words("level", level_label(*level)),
            TransitionError::SelfDuplicate => m,
        }
    }

    fn examples() -> Vec<Self> {
        let mut all: Vec<TransitionError> = CaseState::ALL
            .iter()
            .flat_map(|&state| {
                ACTION_NAMES
                    .iter()
                    .map(move |&action| TransitionError::NotAllowed { state, action })
            })
            .collect();
        all.extend(Actor::ALL.iter().map(|&actor| TransitionError::WrongActor {
            action: "rate",
            actor,
        }));
        all.extend(FIELD_NAMES.iter().flat_map(|&field| {
            [
                TransitionError::EmptyText { field },
                TransitionError::TextTooLong { field, max: 500 },
            ]
        }));
        all.extend([1, 2, 3, 7].map(|level| TransitionError::AlreadyEscalated { level }));
        all.push(TransitionError::SelfDuplicate);
        all
    }
}

// ---------------------------------------------------------------------------
// CaseFacts and decide
// ---------------------------------------------------------------------------

/// The case facts the machine needs, folded by the caller from its event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    /// The case id (used to refuse a case marked duplicate of itself).
    pub id: i64,
    /// The current state.
    pub state: CaseState,
    /// 3 = not escalated (still at its level-3 grid), 2 = community, 1 = street.
    pub escalation_level: i16,
    /// The department the case is (or was last) dispatched to, if any. A
    /// department may resolve an in-progress case only when this is set.
    pub dispatched_to: Option<String>,
}

impl CaseFacts {
    /// A freshly submitted, unescalated, undispatched case.
    pub fn new(id: i64) -> Self {
        CaseFacts {
            id,
            state: CaseState::Submitted,
            escalation_level: LEVEL_GRID,
            dispatched_to: None,
        }
    }

    /// Folds one allowed step into the facts: the reference fold for the
    /// caller's event log (and what the tests use). `transition` must be what
    /// [`decide`] returned for `action` on these facts.
    ///
    /// - the state becomes `transition.to`;
    /// - `Dispatch` records the department;
    /// - `Escalate` sets the level;
    /// - a reopen (dissatisfied rating) clears `dispatched_to`, because the
    ///   responsible worker re-handles the case and must dispatch again if a
    ///   department is needed, and applies `escalate_to`. The reopen's
    ///   escalation is therefore part of the rating event: do not also record
    ///   a separate `Escalate` to the same level (it would be refused as
    ///   `AlreadyEscalated` once folded).
    pub fn apply(&mut self, action: &Action, transition: &Transition) {
        debug_assert_eq!(self.state, transition.from, "transition from other facts");
        self.state = transition.to;
        match action {
            Action::Dispatch { department } => self.dispatched_to = Some(department.clone()),
            Action::Escalate { to_level } => self.escalation_level = *to_level,
            _ => {}
        }
        if transition.reopened {
            self.dispatched_to = None;
        }
        if let Some(level) = transition.escalate_to {
            self.escalation_level = level;
        }
    }
}

/// Staff who manage cases in a grid: the responsible grid worker/head, and
/// the administrator who may stand in for them.
const STAFF: &[Actor] = &[Actor::Responsible, Actor::Admin];

/// Refuses with `NotAllowed` unless `state` is one of `allowed`.
fn require_state(
    state: CaseState,
    allowed: &[CaseState],
    action: &'static str,
) -> Result<(), TransitionError> {
    if allowed.contains(&state) {
        Ok(())
    } else {
        Err(TransitionError::NotAllowed { state, action })
    }
}

/// Refuses with `WrongActor` unless `ok`.
fn require_actor(ok: bool, actor: Actor, action: &'static str) -> Result<(), TransitionError> {
    if ok {
        Ok(())
    } else {
        Err(TransitionError::WrongActor { action, actor })
    }
}

/// Refuses a text longer than `max` characters. Characters, not bytes, since
/// a Chinese character is three UTF-8 bytes and the limits are what a user
/// sees in the form.
fn require_max(field: &'static str, text: &str, max: usize) -> Result<(), TransitionError> {
    if text.chars().count() > max {
        Err(TransitionError::TextTooLong { field, max })
    } else {
        Ok(())
    }
}

/// Refuses a blank (empty or whitespace-only) or too long required text.
fn require_text(field: &'static str, text: &str, max: usize) -> Result<(), TransitionError> {
    if text.trim().is_empty() {
        return Err(TransitionError::EmptyText { field });
    }
    require_max(field, text, max)
}

/// A plain move to `to`, without reopen or escalation.
fn moved(from: CaseState, to: CaseState) -> Transition {
    Transition {
        from,
        to,
        reopened: false,
        escalate_to: None,
    }
}

/// Decide an action. Pure: no clock, no I/O.
///
/// The rules (see each arm for the why):
/// - **Accept**: Responsible/Admin, Submitted → Accepted.
/// - **Dispatch**: Responsible/Admin, Accepted or InProgress → Dispatched; department non-blank.
/// - **Start**: Responsible/Admin from Accepted or Dispatched, Department only from Dispatched → InProgress.
/// - **Resolve**: Responsible/Admin from Accepted/Dispatched/InProgress; Department from
///   Dispatched, or InProgress when `dispatched_to` is set → Resolved. Note required, ≤ 2000.
/// - **Rate**: Reporter, from Resolved. Satisfied/BasicallySatisfied → Closed; Dissatisfied →
///   Accepted with `reopened` and `escalate_to` = [`next_level_up`]. Comment ≤ 500.
/// - **Reject / NotOurs**: Responsible/Admin, Submitted or Accepted → Rejected / NotOurs; reason ≤ 500.
/// - **MarkDuplicate**: Responsible/Admin, Submitted or Accepted → Duplicate; not the case itself.
/// - **Reroute / Reclassify**: Responsible/Admin while open; same state; reason required (≤ 500).
/// - **Escalate**: System, while open; `1 ≤ to_level < escalation_level`; same state.
/// - **AutoClose**: System, Resolved → Closed.
/// - **Comment**: anyone but System, any state; text required, ≤ 1000; same state.
/// - Closed, Rejected, Duplicate and NotOurs are terminal: nothing but Comment.
///
/// Errors are checked state first, then actor, then payload (see [`TransitionError`]).
pub fn decide(
    case: &CaseFacts,
    actor: Actor,
    action: &Action,
) -> Result<Transition, TransitionError> {
    use CaseState::*;
    let from = case.state;
    let name = action.name();

    // A terminal case is history: only comments may still be added (e.g. a
    // resident asking why it was rejected). Every arm below lists its own
    // states too; this guard states the rule once, explicitly.
    if from.is_terminal() && !matches!(action, Action::Comment { .. }) {
        return Err(TransitionError::NotAllowed {
            state: from,
            action: name,
        });
    }

    match action {
        // 签收: the responsible grid staff takes ownership of a new report.
        Action::Accept => {
            require_state(from, &[Submitted], name)?;
            require_actor(STAFF.contains(&actor), actor, name)?;
            Ok(moved(from, Accepted))
        }
        // 交办: only the owner hands a case on, either right after signing
        // for it or once handling shows a department is needed.
        Action::Dispatch { department } => {
            require_state(from, &[Accepted, InProgress], name)?;
            require_actor(STAFF.contains(&actor), actor, name)?;
            require_text("department", department, usize::MAX)?;
            Ok(moved(from, Dispatched))
        }
        // Begin handling: the owner may start on a case it kept or
        // dispatched; a department only on a case dispatched to it.
        Action::Start => {
            require_state(from, &[Accepted, Dispatched], name)?;
            let ok = match actor {
                Actor::Responsible | Actor::Admin => true,
                Actor::Department => from == Dispatched,
                Actor::Reporter | Actor::System => false,
            };
            require_actor(ok, actor, name)?;
            Ok(moved(from, InProgress))
        }
        // 办结: the owner may resolve whenever the case is being handled
        // (small issues are fixed on the spot without a separate start); a
        // department only what was dispatched to it, i.e. while dispatched or
        // in progress after a dispatch. After a reopen `dispatched_to` is
        // cleared (see `CaseFacts::apply`), so the old department cannot
        // resolve the re-handled case.
        Action::Resolve { note } => {
            require_state(from, &[Accepted, Dispatched, InProgress], name)?;
            let ok = match actor {
                Actor::Responsible | Actor::Admin => true,
                Actor::Department => {
                    from == Dispatched || (from == InProgress && case.dispatched_to.is_some())
                }
                Actor::Reporter | Actor::System => false,
            };
            require_actor(ok, actor, name)?;
            require_text("note", note, NOTE_MAX)?;
            Ok(moved(from, Resolved))
        }
        // The resident closes the loop. Dissatisfied sends the case back to
        // the responsible worker (发回重办): it was accepted before, so it
        // goes to Accepted, not Submitted, and moves one level up so a
        // superior watches the second attempt.
        Action::Rate { rating, comment } => {
            require_state(from, &[Resolved], name)?;
            require_actor(actor == Actor::Reporter, actor, name)?;
            // The comment is optional, so a blank one is accepted (forms send
            // ""); the caller should store it as absent.
            if let Some(comment) = comment {
                require_max("comment", comment, RATING_COMMENT_MAX)?;
            }
            Ok(match rating {
                Rating::Satisfied | Rating::BasicallySatisfied => moved(from, Closed),
                Rating::Dissatisfied => Transition {
                    from,
                    to: Accepted,
                    reopened: true,
                    escalate_to: next_level_up(case.escalation_level),
                },
            })
        }
        // 不予受理 / 非本部门职责: a decision about taking the case at all, so
        // only before handling has begun, and always with a reason the
        // resident is shown.
        Action::Reject { reason } | Action::NotOurs { reason } => {
            require_state(from, &[Submitted, Accepted], name)?;
            require_actor(STAFF.contains(&actor), actor, name)?;
            require_text("reason", reason, REASON_MAX)?;
            let to = if matches!(action, Action::Reject { .. }) {
                Rejected
            } else {
                NotOurs
            };
            Ok(moved(from, to))
        }
        // 重复: like a rejection, decided before handling; the link to the
        // other case is the reason.
        Action::MarkDuplicate { of_case } => {
            require_state(from, &[Submitted, Accepted], name)?;
            require_actor(STAFF.contains(&actor), actor, name)?;
            if *of_case == case.id {
                return Err(TransitionError::SelfDuplicate);
            }
            Ok(moved(from, Duplicate))
        }
        // Re-routing / re-classifying fix where the case belongs, which only
        // matters while someone still has to work on it. Recorded for the
        // ledger, the state stays.
        Action::Reroute { reason, .. } => {
            require_state(from, &[Submitted, Accepted, Dispatched, InProgress], name)?;
            require_actor(STAFF.contains(&actor), actor, name)?;
            require_text("reason", reason, REASON_MAX)?;
            Ok(moved(from, from))
        }
        Action::Reclassify {
            to_category,
            reason,
        } => {
            require_state(from, &[Submitted, Accepted, Dispatched, InProgress], name)?;
            require_actor(STAFF.contains(&actor), actor, name)?;
            require_text("to_category", to_category, usize::MAX)?;
            require_text("reason", reason, REASON_MAX)?;
            Ok(moved(from, from))
        }
        // Escalation is driven by deadlines (see `escalation_due`), so only
        // the background job does it; it only goes up (a lower number) and
        // reaches each level once. A level below 1 does not exist, so it is
        // refused as not allowed rather than as already escalated.
        Action::Escalate { to_level } => {
            require_state(from, &[Submitted, Accepted, Dispatched, InProgress], name)?;
            require_actor(actor == Actor::System, actor, name)?;
            if *to_level >= case.escalation_level {
                return Err(TransitionError::AlreadyEscalated {
                    level: case.escalation_level,
                });
            }
            if *to_level < LEVEL_STREET {
                return Err(TransitionError::NotAllowed {
                    state: from,
                    action: name,
                });
            }
            Ok(moved(from, from))
        }
        // Closing an unrated case is a timeout, hence the system's job only
        // (see `auto_close_due`).
        Action::AutoClose => {
            require_state(from, &[Resolved], name)?;
            require_actor(actor == Actor::System, actor, name)?;
            Ok(moved(from, Closed))
        }
        // Comments are how people involved talk about a case at any time,
        // even after it ended. Background jobs have nothing to say.
        Action::Comment { text } => {
            require_actor(actor != Actor::System, actor, name)?;
            require_text("text", text, COMMENT_MAX)?;
            Ok(moved(from, from))
        }
    }
}

// ---------------------------------------------------------------------------
// Time: deadlines, escalation, auto-close
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    use CaseState::*;

    /// The fixed clock of the time tests.
    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).unwrap()
    }

    fn facts(state: CaseState, level: i16, dispatched: bool) -> CaseFacts {
        CaseFacts {
            id: 7,
            state,
            escalation_level: level,
            dispatched_to: dispatched.then(|| "城管局".to_string()),
        }
    }

    /// Decides and folds, panicking if refused: for the scripted paths.
    fn step(case: &mut CaseFacts, actor: Actor, action: Action) -> Transition {
        let t = decide(case, actor, &action)
            .unwrap_or_else(|e| panic!("{action:?} by {actor:?} in {:?}: {e:?}", case.state));
        case.apply(&action, &t);
        t
    }

    // ---- the full table ---------------------------------------------------

    /// Columns of the table: a state, and whether the case has been dispatched.
    const COLUMNS: [(CaseState, bool); 10] = [
        (Submitted, false),
        (Accepted, false),
        (Dispatched, true),
        (InProgress, true),  // in progress after a dispatch
        (InProgress, false), // in progress, kept by the responsible staff
        (Resolved, false),
        (Closed, false),
        (Rejected, false),
        (Duplicate, false),
        (NotOurs, false),
    ];

    /// Who may do what, written out by hand from the rules (not derived from
    /// the code). Letters: P = reporter (resident), R = responsible staff,
    /// D = department, A = admin, S = system; "-" = nobody.
    #[rustfmt::skip]
    const TABLE: &[(&str, [&str; 10])] = &[
        //                     Sub    Acc    Dis    InP+d  InP    Res    Clo     Rej     Dup     NotOurs
        ("accept",            ["RA",  "-",   "-",   "-",   "-",   "-",   "-",    "-",    "-",    "-"]),
        ("dispatch",          ["-",   "RA",  "-",   "RA",  "RA",  "-",   "-",    "-",    "-",    "-"]),
        ("start",             ["-",   "RA",  "RDA", "-",   "-",   "-",   "-",    "-",    "-",    "-"]),
        ("resolve",           ["-",   "RA",  "RDA", "RDA", "RA",  "-",   "-",    "-",    "-",    "-"]),
        ("rate_satisfied",    ["-",   "-",   "-",   "-",   "-",   "P",   "-",    "-",    "-",    "-"]),
        ("rate_basically",    ["-",   "-",   "-",   "-",   "-",   "P",   "-",    "-",    "-",    "-"]),
        ("rate_dissatisfied", ["-",   "-",   "-",   "-",   "-",   "P",   "-",    "-",    "-",    "-"]),
        ("reject",            ["RA",  "RA",  "-",   "-",   "-",   "-",   "-",    "-",    "-",    "-"]),
        ("mark_duplicate",    ["RA",  "RA",  "-",   "-",   "-",   "-",   "-",    "-",    "-",    "-"]),
        ("not_ours",          ["RA",  "RA",  "-",   "-",   "-",   "-",   "-",    "-",    "-",    "-"]),
        ("reroute",           ["RA",  "RA",  "RA",  "RA",  "RA",  "-",   "-",    "-",    "-",    "-"]),
        ("reclassify",        ["RA",  "RA",  "RA",  "RA",  "RA",  "-",   "-",    "-",    "-",    "-"]),
        ("escalate",          ["S",   "S",   "S",   "S",   "S",   "-",   "-",    "-",    "-",    "-"]),
        ("auto_close",        ["-",   "-",   "-",   "-",   "-",   "S",   "-",    "-",    "-",    "-"]),
        ("comment",           ["PRDA","PRDA","PRDA","PRDA","PRDA","PRDA","PRDA", "PRDA", "PRDA", "PRDA"]),
    ];

    /// A valid payload for each table row (case id 7, level 3).
    fn sample(key: &str) -> Action {
        match key {
            "accept" => Action::Accept,
            "dispatch" => Action::Dispatch {
                department: "住建局".into(),
            },
            "start" => Action::Start,
            "resolve" => Action::Resolve {
                note: "已清理占道堆放物".into(),
            },
            "rate_satisfied" => Action::Rate {
                rating: Rating::Satisfied,
                comment: None,
            },
            "rate_basically" => Action::Rate {
                rating: Rating::BasicallySatisfied,
                comment: Some("还行".into()),
            },
            "rate_dissatisfied" => Action::Rate {
                rating: Rating::Dissatisfied,
                comment: None,
            },
            "reject" => Action::Reject {
                reason: "不属于公共事务".into(),
            },
            "mark_duplicate" => Action::MarkDuplicate { of_case: 8 },
            "not_ours" => Action::NotOurs {
                reason: "属供热公司".into(),
            },
            "reroute" => Action::Reroute {
                to_grid: 12,
                reason: "地址在相邻网格".into(),
            },
            "reclassify" => Action::Reclassify {
                to_category: "environment.litter".into(),
                reason: "类别选错".into(),
            },
            "escalate" => Action::Escalate { to_level: 2 },
            "auto_close" => Action::AutoClose,
            "comment" => Action::Comment {
                text: "请尽快处理".into(),
            },
            other => panic!("no sample for {other}"),
        }
    }

    /// Where an allowed row leads; `None` = the state does not change.
    fn target(key: &str) -> Option<CaseState> {
        match key {
            "accept" => Some(Accepted),
            "dispatch" => Some(Dispatched),
            "start" => Some(InProgress),
            "resolve" => Some(Resolved),
            "rate_satisfied" | "rate_basically" => Some(Closed),
            "rate_dissatisfied" => Some(Accepted),
            "reject" => Some(Rejected),
            "mark_duplicate" => Some(Duplicate),
            "not_ours" => Some(NotOurs),
            "auto_close" => Some(Closed),
            "reroute" | "reclassify" | "escalate" | "comment" => None,
            other => panic!("no target for {other}"),
        }
    }

    fn letter(actor: Actor) -> char {
        match actor {
            Actor::Reporter => 'P',
            Actor::Responsible => 'R',
            Actor::Department => 'D',
            Actor::Admin => 'A',
            Actor::System => 'S',
        }
    }

    #[test]
    fn table_covers_every_action_and_state() {
        let names: std::collections::HashSet<_> =
            TABLE.iter().map(|(k, _)| sample(k).name()).collect();
        assert_eq!(names.len(), 13, "every Action variant has a row: {names:?}");
        for s in CaseState::ALL {
            assert!(COLUMNS.iter().any(|(c, _)| *c == s), "{s:?} has a column");
        }
    }

    #[test]
    fn table_every_state_action_actor() {
        let mut checked = 0;
        for (key, row) in TABLE {
            let action = sample(key);
            for (col, (state, dispatched)) in COLUMNS.iter().enumerate() {
                let case = facts(*state, 3, *dispatched);
                let cell = row[col];
                for actor in Actor::ALL {
                    let expect_ok = cell.contains(letter(actor));
                    let got = decide(&case, actor, &action);
                    let ctx = format!("{key} in {state:?} (dispatched={dispatched}) by {actor:?}");
                    if expect_ok {
                        let t = got.unwrap_or_else(|e| panic!("{ctx}: refused with {e:?}"));
                        assert_eq!(t.from, *state, "{ctx}");
                        assert_eq!(t.to, target(key).unwrap_or(*state), "{ctx}");
                        assert_eq!(t.reopened, *key == "rate_dissatisfied", "{ctx}");
                        let esc = (*key == "rate_dissatisfied").then_some(2);
                        assert_eq!(t.escalate_to, esc, "{ctx}");
                    } else {
                        // Nobody may → the state is wrong; somebody may → the actor is.
                        let want = if cell == "-" {
                            TransitionError::NotAllowed {
                                state: *state,
                                action: action.name(),
                            }
                        } else {
                            TransitionError::WrongActor {
                                action: action.name(),
                                actor,
                            }
                        };
                        assert_eq!(got, Err(want), "{ctx}");
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 15 * 10 * 5);
    }

    // ---- precedence and payload checks -----------------------------------

    #[test]
    fn state_is_checked_before_actor_and_actor_before_payload() {
        let closed = facts(Closed, 3, false);
        assert_eq!(
            decide(&closed, Actor::Reporter, &Action::Accept),
            Err(TransitionError::NotAllowed {
                state: Closed,
                action: "accept"
            })
        );
        let inp = facts(InProgress, 3, false);
        assert_eq!(
            decide(
                &inp,
                Actor::Reporter,
                &Action::Resolve {
                    note: String::new()
                }
            ),
            Err(TransitionError::WrongActor {
                action: "resolve",
                actor: Actor::Reporter
            })
        );
        assert_eq!(
            decide(
                &facts(Accepted, 3, false),
                Actor::Reporter,
                &Action::MarkDuplicate { of_case: 7 }
            ),
            Err(TransitionError::WrongActor {
                action: "mark_duplicate",
                actor: Actor::Reporter
            })
        );
    }

    #[test]
    fn resolve_note_is_required_and_limited_in_characters() {
        let case = facts(InProgress, 3, false);
        let r = |note: String| decide(&case, Actor::Responsible, &Action::Resolve { note });
        assert_eq!(
            r(String::new()),
            Err(TransitionError::EmptyText { field: "note" })
        );
        assert_eq!(r(" \n\t　".into()).unwrap_err().code(), "empty_text");
        // 2000 Chinese characters are 6000 bytes and still fine.
        assert!(r("修".repeat(NOTE_MAX)).is_ok());
        assert_eq!(
            r("修".repeat(NOTE_MAX + 1)),
            Err(TransitionError::TextTooLong {
                field: "note",
                max: 2000
            })
        );
    }

    #[test]
    fn reasons_are_required_and_limited() {
        let case = facts(Submitted, 3, false);
        for make in [
            (|r: String| Action::Reject { reason: r }) as fn(String) -> Action,
            |r| Action::NotOurs { reason: r },
            |r| Action::Reroute {
                to_grid: 3,
                reason: r,
            },
            |r| Action::Reclassify {
                to_category: "roads".into(),
                reason: r,
            },
        ] {
            let d = |s: String| decide(&case, Actor::Admin, &make(s));
            assert_eq!(
                d("".into()),
                Err(TransitionError::EmptyText { field: "reason" })
            );
            assert_eq!(
                d("   ".into()),
                Err(TransitionError::EmptyText { field: "reason" })
            );
            assert!(d("因".repeat(REASON_MAX)).is_ok());
            assert_eq!(
                d("因".repeat(REASON_MAX + 1)),
                Err(TransitionError::TextTooLong {
                    field: "reason",
                    max: 500
                })
            );
        }
    }

    #[test]
    fn dispatch_and_reclassify_targets_are_required() {
        let case = facts(Accepted, 3, false);
        assert_eq!(
            decide(
                &case,
                Actor::Responsible,
                &Action::Dispatch {
                    department: " ".into()
                }
            ),
            Err(TransitionError::EmptyText {
                field: "department"
            })
        );
        assert_eq!(
            decide(
                &case,
                Actor::Responsible,
                &Action::Reclassify {
                    to_category: "".into(),
                    reason: "错".into()
                }
            ),
            Err(TransitionError::EmptyText {
                field: "to_category"
            })
        );
    }

    #[test]
    fn rating_comment_is_optional_and_limited() {
        let case = facts(Resolved, 3, false);
        let rate = |comment: Option<String>| {
            decide(
                &case,
                Actor::Reporter,
                &Action::Rate {
                    rating: Rating::Satisfied,
                    comment,
                },
            )
        };
        assert!(rate(None).is_ok());
        assert!(
            rate(Some(String::new())).is_ok(),
            "blank optional comment is accepted"
        );
        assert!(rate(Some("好".repeat(RATING_COMMENT_MAX))).is_ok());
        assert_eq!(
            rate(Some("好".repeat(RATING_COMMENT_MAX + 1))),
            Err(TransitionError::TextTooLong {
                field: "comment",
                max: 500
            })
        );
    }

    #[test]
    fn comments_are_required_limited_and_work_on_terminal_cases() {
        for state in CaseState::ALL {
            let case = facts(state, 1, false);
            let c = |text: String| decide(&case, Actor::Reporter, &Action::Comment { text });
            assert_eq!(
                c("".into()),
                Err(TransitionError::EmptyText { field: "text" })
            );
            assert_eq!(c("字".repeat(COMMENT_MAX)).map(|t| t.to), Ok(state));
            assert_eq!(
                c("字".repeat(COMMENT_MAX + 1)),
                Err(TransitionError::TextTooLong {
                    field: "text",
                    max: 1000
                })
            );
        }
    }

    #[test]
    fn duplicate_of_itself_is_refused() {
        let case = facts(Submitted, 3, false);
        assert_eq!(
            decide(
                &case,
                Actor::Responsible,
                &Action::MarkDuplicate { of_case: 7 }
            ),
            Err(TransitionError::SelfDuplicate)
        );
        assert_eq!(
            decide(
                &case,
                Actor::Responsible,
                &Action::MarkDuplicate { of_case: 6 }
            )
            .map(|t| t.to),
            Ok(Duplicate)
        );
    }

    #[test]
    fn escalate_levels_only_go_up_once_each() {
        let esc = |level: i16, to: i16| {
            decide(
                &facts(Accepted, level, false),
                Actor::System,
                &Action::Escalate { to_level: to },
            )
        };
        assert_eq!(
            esc(3, 2).map(|t| (t.to, t.escalate_to)),
            Ok((Accepted, None))
        );
        assert!(esc(3, 1).is_ok(), "straight to the street when overdue");
        assert!(esc(2, 1).is_ok());
        assert_eq!(
            esc(3, 3),
            Err(TransitionError::AlreadyEscalated { level: 3 })
        );
        assert_eq!(
            esc(2, 2),
            Err(TransitionError::AlreadyEscalated { level: 2 })
        );
        assert_eq!(
            esc(2, 3),
            Err(TransitionError::AlreadyEscalated { level: 2 })
        );
        assert_eq!(
            esc(1, 1),
            Err(TransitionError::AlreadyEscalated { level: 1 })
        );
        assert_eq!(
            esc(1, 0),
            Err(TransitionError::NotAllowed {
                state: Accepted,
                action: "escalate"
            })
        );
        assert_eq!(
            esc(3, 0),
            Err(TransitionError::NotAllowed {
                state: Accepted,
                action: "escalate"
            })
        );
        assert_eq!(esc(3, -1).unwrap_err().code(), "not_allowed");
        // Not while resolved: the handling is done.
        assert_eq!(
            decide(
                &facts(Resolved, 3, false),
                Actor::System,
                &Action::Escalate { to_level: 2 }
            ),
            Err(TransitionError::NotAllowed {
                state: Resolved,
                action: "escalate"
            })
        );
    }

    // ---- paths -------------------------------------------------------------

    #[test]
    fn happy_path_through_a_department() {
        let mut case = CaseFacts::new(100);
        assert_eq!(case.state, Submitted);
        let path = [
            (Actor::Responsible, Action::Accept, Accepted),
            (
                Actor::Responsible,
                Action::Dispatch {
                    department: "市政公司".into(),
                },
                Dispatched,
            ),
            (Actor::Department, Action::Start, InProgress),
            (
                Actor::Department,
                Action::Comment {
                    text: "已派人查看".into(),
                },
                InProgress,
            ),
            (
                Actor::Department,
                Action::Resolve {
                    note: "已更换井盖".into(),
                },
                Resolved,
            ),
            (
                Actor::Reporter,
                Action::Rate {
                    rating: Rating::Satisfied,
                    comment: Some("谢谢".into()),
                },
                Closed,
            ),
        ];
        for (actor, action, want) in path {
            let t = step(&mut case, actor, action);
            assert_eq!(t.to, want);
            assert!(!t.reopened);
            assert_eq!(t.escalate_to, None);
        }
        assert_eq!(case.dispatched_to.as_deref(), Some("市政公司"));
        assert_eq!(case.escalation_level, 3);
        assert!(case.state.is_terminal());
    }

    #[test]
    fn happy_path_kept_by_the_grid_and_auto_closed() {
        let mut case = CaseFacts::new(101);
        step(&mut case, Actor::Responsible, Action::Accept);
        step(&mut case, Actor::Responsible, Action::Start);
        // A department must not resolve a case that was never dispatched to it.
        assert_eq!(
            decide(
                &case,
                Actor::Department,
                &Action::Resolve { note: "x".into() }
            ),
            Err(TransitionError::WrongActor {
                action: "resolve",
                actor: Actor::Department
            })
        );
        // Handing on mid-way is allowed.
        step(
            &mut case,
            Actor::Responsible,
            Action::Dispatch {
                department: "供水公司".into(),
            },
        );
        step(&mut case, Actor::Department, Action::Start);
        step(
            &mut case,
            Actor::Department,
            Action::Resolve {
                note: "已修复".into(),
            },
        );
        let t = step(&mut case, Actor::System, Action::AutoClose);
        assert_eq!((t.from, t.to), (Resolved, Closed));
    }

    #[test]
    fn responsible_may_resolve_right_after_accepting() {
        let mut case = CaseFacts::new(102);
        step(&mut case, Actor::Admin, Action::Accept);
        let t = step(
            &mut case,
            Actor::Responsible,
            Action::Resolve {
                note: "现场已处理".into(),
            },
        );
        assert_eq!((t.from, t.to), (Accepted, Resolved));
    }

    #[test]
    fn dissatisfied_reopens_and_escalates_one_level_each_time() {
        let mut case = CaseFacts::new(200);
        step(&mut case, Actor::Responsible, Action::Accept);
        step(
            &mut case,
            Actor::Responsible,
            Action::Dispatch {
                department: "环卫所".into(),
            },
        );
        let mut levels = vec![];
        for want in [Some(2), Some(1), None] {
            if case.state == Accepted && case.dispatched_to.is_none() {
                step(&mut case, Actor::Responsible, Action::Start);
            }
            step(
                &mut case,
                Actor::Responsible,
                Action::Resolve {
                    note: "处理完毕".into(),
                },
            );
            let before = case.escalation_level;
            let t = step(
                &mut case,
                Actor::Reporter,
                Action::Rate {
                    rating: Rating::Dissatisfied,
                    comment: Some("没修好".into()),
                },
            );
            assert_eq!((t.from, t.to, t.reopened), (Resolved, Accepted, true));
            assert_eq!(t.escalate_to, want, "from level {before}");
            assert_eq!(
                case.dispatched_to, None,
                "the grid re-handles a reopened case"
            );
            // The old department cannot pick it up again without a new dispatch.
            assert_eq!(
                decide(&case, Actor::Department, &Action::Start)
                    .unwrap_err()
                    .code(),
                "wrong_actor"
            );
            levels.push(case.escalation_level);
        }
        assert_eq!(levels, [2, 1, 1]);
        step(
            &mut case,
            Actor::Responsible,
            Action::Resolve {
                note: "彻底修复".into(),
            },
        );
        let t = step(
            &mut case,
            Actor::Reporter,
            Action::Rate {
                rating: Rating::BasicallySatisfied,
                comment: None,
            },
        );
        assert_eq!(t.to, Closed);
    }

    #[test]
    fn reopen_after_a_system_escalation_goes_one_further() {
        let mut case = CaseFacts::new(201);
        step(&mut case, Actor::System, Action::Escalate { to_level: 2 });
        step(&mut case, Actor::Responsible, Action::Accept);
        step(
            &mut case,
            Actor::Responsible,
            Action::Resolve {
                note: "done".into(),
            },
        );
        let t = step(
            &mut case,
            Actor::Reporter,
            Action::Rate {
                rating: Rating::Dissatisfied,
                comment: None,
            },
        );
        assert_eq!(t.escalate_to, Some(1));
        assert_eq!(
            decide(&case, Actor::System, &Action::Escalate { to_level: 1 }),
            Err(TransitionError::AlreadyEscalated { level: 1 })
        );
    }

    #[test]
    fn next_level_up_values() {
        assert_eq!(next_level_up(3), Some(2));
        assert_eq!(next_level_up(2), Some(1));
        assert_eq!(next_level_up(1), None);
        assert_eq!(next_level_up(0), None);
        assert_eq!(next_level_up(9), Some(2));
    }

    // ---- time ----------------------------------------------------------------

    #[test]
    fn deadlines_from_hours() {
        let d = deadlines(t0(), 2, 72, None);
        assert_eq!(
            d.accept_by,
            Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap()
        );
        assert_eq!(
            d.finish_by,
            Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
        );
        // Immediate: zero hours means "now".
        assert_eq!(
            deadlines(t0(), 0, 0, None),
            Deadlines {
                accept_by: t0(),
                finish_by: t0()
            }
        );
        // A misconfigured category never finishes before it must be accepted.
        let d = deadlines(t0(), 24, 4, None);
        assert_eq!(d.finish_by, d.accept_by);
        // Absurd hours saturate instead of panicking.
        assert_eq!(
            deadlines(t0(), u32::MAX, u32::MAX, None).finish_by,
            DateTime::<Utc>::MAX_UTC
        );
    }

    #[test]
    fn deadlines_with_a_promised_date() {
        let promised = Utc.with_ymd_and_hms(2026, 12, 31, 16, 0, 0).unwrap();
        let d = deadlines(t0(), 4, 72, Some(promised));
        assert_eq!(d.accept_by, t0() + Duration::hours(4));
        assert_eq!(
            d.finish_by, promised,
            "the committed date replaces the hours"
        );
        // Promised earlier than the finish hours: still the promise.
        let soon = t0() + Duration::hours(10);
        assert_eq!(deadlines(t0(), 4, 72, Some(soon)).finish_by, soon);
        // Promised before the accept deadline (or in the past): clamped to accept_by.
        let past = t0() - Duration::days(1);
        let d = deadlines(t0(), 4, 72, Some(past));
        assert_eq!(d.finish_by, d.accept_by);
        let d = deadlines(t0(), 4, 72, Some(t0() + Duration::hours(1)));
        assert_eq!(d.finish_by, t0() + Duration::hours(4));
    }

    #[test]
    fn escalation_due_for_late_acceptance() {
        // Submitted at t0 - 2h with a 2 h accept deadline → accept_by == t0.
        let d = deadlines(t0() - Duration::hours(2), 2, 48, None);
        assert_eq!(d.accept_by, t0());
        let sec = Duration::seconds(1);
        assert_eq!(escalation_due(Submitted, &d, 3, t0() - sec), None, "before");
        assert_eq!(
            escalation_due(Submitted, &d, 3, t0()),
            None,
            "at the deadline is in time"
        );
        assert_eq!(
            escalation_due(Submitted, &d, 3, t0() + sec),
            Some(2),
            "after"
        );
        // Once: already at 2 (or higher) → nothing more for acceptance.
        assert_eq!(escalation_due(Submitted, &d, 2, t0() + sec), None);
        assert_eq!(escalation_due(Submitted, &d, 1, t0() + sec), None);
        // Accepted late is no longer "not accepted".
        assert_eq!(escalation_due(Accepted, &d, 3, t0() + sec), None);
    }

    #[test]
    fn escalation_due_for_overdue_cases() {
        // finish_by == t0.
        let d = deadlines(t0() - Duration::hours(48), 2, 48, None);
        assert_eq!(d.finish_by, t0());
        let sec = Duration::seconds(1);
        for state in [Accepted, Dispatched, InProgress] {
            assert_eq!(
                escalation_due(state, &d, 3, t0() - sec),
                None,
                "{state:?} before"
            );
            assert_eq!(escalation_due(state, &d, 3, t0()), None, "{state:?} at");
            assert_eq!(
                escalation_due(state, &d, 3, t0() + sec),
                Some(1),
                "{state:?} after"
            );
            assert_eq!(
                escalation_due(state, &d, 2, t0() + sec),
                Some(1),
                "{state:?} from 2"
            );
            assert_eq!(
                escalation_due(state, &d, 1, t0() + sec),
                None,
                "{state:?} once"
            );
        }
        // Still not even accepted and already overdue: straight to the street.
        assert_eq!(escalation_due(Submitted, &d, 3, t0() + sec), Some(1));
        assert_eq!(escalation_due(Submitted, &d, 1, t0() + sec), None);
        // Long after: never for resolved or terminal cases.
        let later = t0() + Duration::days(30);
        for state in [Resolved, Closed, Rejected, Duplicate, NotOurs] {
            for level in [3, 2, 1] {
                assert_eq!(escalation_due(state, &d, level, later), None, "{state:?}");
            }
        }
    }

    #[test]
    fn escalation_due_walks_each_level_once_with_a_moving_clock() {
        // accept_by = t0, finish_by = t0 + 24h.
        let d = deadlines(t0(), 0, 24, None);
        let (mut state, mut level) = (Submitted, 3);
        let mut done = vec![];
        for hour in 0..=48 {
            let now = t0() + Duration::minutes(30) + Duration::hours(hour);
            if let Some(to) = escalation_due(state, &d, level, now) {
                assert!(to < level);
                let case = CaseFacts {
                    id: 1,
                    state,
                    escalation_level: level,
                    dispatched_to: None,
                };
                assert!(decide(&case, Actor::System, &Action::Escalate { to_level: to }).is_ok());
                level = to;
                done.push((hour, to));
            }
            if hour == 3 {
                state = Accepted;
            }
        }
        assert_eq!(done, [(0, 2), (24, 1)]);
    }

    #[test]
    fn auto_close_due_after_the_rating_window() {
        let resolved = t0();
        let window = resolved + Duration::days(7);
        let sec = Duration::seconds(1);
        assert!(!auto_close_due(Resolved, Some(resolved), 7, window - sec));
        assert!(
            !auto_close_due(Resolved, Some(resolved), 7, window),
            "the last instant is in time"
        );
        assert!(auto_close_due(Resolved, Some(resolved), 7, window + sec));
        assert!(auto_close_due(Resolved, Some(resolved), 0, resolved + sec));
        assert!(!auto_close_due(
            Resolved,
            None,
            7,
            window + Duration::days(100)
        ));
        for state in CaseState::ALL.into_iter().filter(|s| *s != Resolved) {
            assert!(
                !auto_close_due(state, Some(resolved), 7, window + sec),
                "{state:?}"
            );
        }
        assert!(!auto_close_due(
            Resolved,
            Some(DateTime::<Utc>::MAX_UTC),
            7,
            DateTime::<Utc>::MAX_UTC
        ));
    }

    // ---- labels, parsing, codes ------------------------------------------

    #[test]
    fn case_state_labels_and_codes() {
        let zh = [
            "待签收",
            "已签收",
            "已交办",
            "办理中",
            "已办结",
            "已结案",
            "不予受理",
            "重复",
            "非本部门职责",
        ];
        let codes = [
            "submitted",
            "accepted",
            "dispatched",
            "in_progress",
            "resolved",
            "closed",
            "rejected",
            "duplicate",
            "not_ours",
        ];
        for (i, s) in CaseState::ALL.into_iter().enumerate() {
            assert_eq!(s.as_str(), codes[i]);
            assert_eq!(s.label(Locale::ZhCn), zh[i]);
            assert_eq!(s.to_string(), codes[i]);
        }
        assert_eq!(InProgress.label(Locale::En), "In progress");
        assert_eq!(NotOurs.label(Locale::En), "Not our responsibility");
    }

    #[test]
    fn state_classes() {
        let open: Vec<_> = CaseState::ALL.into_iter().filter(|s| s.is_open()).collect();
        let terminal: Vec<_> = CaseState::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(open, [Submitted, Accepted, Dispatched, InProgress]);
        assert_eq!(terminal, [Closed, Rejected, Duplicate, NotOurs]);
        assert!(!Resolved.is_open() && !Resolved.is_terminal());
    }

    #[test]
    fn ledger_kind_and_rating_labels() {
        let zh = ["即办件", "限时件", "特办件", "承诺件", "代办件"];
        let codes = [
            "immediate",
            "time_limited",
            "special",
            "promised",
            "on_behalf",
        ];
        for (i, k) in LedgerKind::ALL.into_iter().enumerate() {
            assert_eq!(
                (k.as_str(), k.label(Locale::ZhCn).as_str()),
                (codes[i], zh[i])
            );
        }
        assert_eq!(LedgerKind::TimeLimited.label(Locale::En), "Time-limited");
        let zh = ["满意", "基本满意", "不满意"];
        let codes = ["satisfied", "basically_satisfied", "dissatisfied"];
        for (i, r) in Rating::ALL.into_iter().enumerate() {
            assert_eq!(
                (r.as_str(), r.label(Locale::ZhCn).as_str()),
                (codes[i], zh[i])
            );
        }
        assert_eq!(
            Rating::BasicallySatisfied.label(Locale::En),
            "Basically satisfied"
        );
    }

    /// Codes and both locales' labels parse back, and no two variants share
    /// a code or a label (which would make parsing ambiguous).
    fn round_trip<T: Copy + PartialEq + std::fmt::Debug>(
        all: &[T],
        code: fn(T) -> &'static str,
        label: fn(T, Locale) -> String,
        parse: fn(&str) -> Option<T>,
    ) {
        let mut seen = std::collections::HashSet::new();
        for &v in all {
            for text in [
                code(v).to_owned(),
                label(v, Locale::ZhCn),
                label(v, Locale::En),
            ] {
                assert_eq!(parse(&text), Some(v), "{text}");
            }
            assert_eq!(parse(&format!("  {}  ", code(v).to_uppercase())), Some(v));
            assert_eq!(parse(&label(v, Locale::En).to_lowercase()), Some(v));
            assert_ne!(label(v, Locale::ZhCn), label(v, Locale::En));
            assert!(seen.insert(code(v).to_owned()) && seen.insert(label(v, Locale::ZhCn)));
            assert!(seen.insert(label(v, Locale::En)), "{v:?}");
        }
        assert_eq!(parse(""), None);
        assert_eq!(parse("nonsense"), None);
    }

    #[test]
    fn parse_round_trips_every_enum_in_both_locales() {
        round_trip(
            &CaseState::ALL,
            CaseState::as_str,
            CaseState::label,
            CaseState::parse,
        );
        round_trip(
            &LedgerKind::ALL,
            LedgerKind::as_str,
            LedgerKind::label,
            LedgerKind::parse,
        );
        round_trip(&Rating::ALL, Rating::as_str, Rating::label, Rating::parse);
        round_trip(&Actor::ALL, Actor::as_str, Actor::label, Actor::parse);
    }

    #[test]
    fn serde_names_match_as_str() {
        use serde::de::value::{Error as DeError, MapDeserializer};
        use serde::de::IntoDeserializer;
        fn de<T: for<'a> Deserialize<'a>>(s: &str) -> T {
            T::deserialize(IntoDeserializer::<DeError>::into_deserializer(s)).unwrap()
        }
        for v in CaseState::ALL {
            assert_eq!(de::<CaseState>(v.as_str()), v);
        }
        for v in LedgerKind::ALL {
            assert_eq!(de::<LedgerKind>(v.as_str()), v);
        }
        for v in Rating::ALL {
            assert_eq!(de::<Rating>(v.as_str()), v);
        }
        for v in Actor::ALL {
            assert_eq!(de::<Actor>(v.as_str()), v);
        }
        let action = |pairs: Vec<(&str, &str)>| {
            Action::deserialize(MapDeserializer::<_, DeError>::new(pairs.into_iter())).unwrap()
        };
        assert_eq!(action(vec![("type", "accept")]), Action::Accept);
        assert_eq!(action(vec![("type", "auto_close")]), Action::AutoClose);
        assert_eq!(
            action(vec![("type", "dispatch"), ("department", "城管")]),
            Action::Dispatch {
                department: "城管".into()
            }
        );
        assert_eq!(
            action(vec![("type", "not_ours"), ("reason", "供热")]),
            Action::NotOurs {
                reason: "供热".into()
            }
        );
        // The serde tag is the action name.
        for (key, _) in TABLE {
            let a = sample(key);
            if matches!(a, Action::Accept | Action::Start | Action::AutoClose) {
                assert_eq!(action(vec![("type", a.name())]), a);
            }
        }
    }

    #[test]
    fn error_codes_and_messages() {
        let errors = [
            TransitionError::NotAllowed {
                state: Closed,
                action: "accept",
            },
            TransitionError::WrongActor {
                action: "rate",
                actor: Actor::Department,
            },
            TransitionError::EmptyText { field: "note" },
            TransitionError::TextTooLong {
                field: "reason",
                max: 500,
            },
            TransitionError::AlreadyEscalated { level: 2 },
            TransitionError::SelfDuplicate,
        ];
        let codes: Vec<_> = errors.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            [
                "not_allowed",
                "wrong_actor",
                "empty_text",
                "text_too_long",
                "already_escalated",
                "self_duplicate"
            ]
        );
        let zh: Vec<_> = errors.iter().map(|e| e.words(Locale::ZhCn)).collect();
        let en: Vec<_> = errors.iter().map(|e| e.words(Locale::En)).collect();
        assert_eq!(zh[0], "案件当前状态为“已结案”，不能签收。");
        assert_eq!(en[0], "Cannot accept a case that is closed.");
        assert_eq!(zh[1], "承办部门无权对此案件进行“评价”操作。");
        assert_eq!(en[1], "Department may not rate this case.");
        assert_eq!(zh[2], "请填写办结说明。");
        assert_eq!(en[3], "The reason must be at most 500 characters.");
        assert_eq!(zh[4], "案件已在社区层级，只能向更高层级升级。");
        assert!(en[4].contains("community"));
        assert_eq!(errors[5].words(Locale::ZhCn), "案件不能与自身重复。");
        for (z, e) in zh.iter().zip(&en) {
            assert!(!z.is_ascii(), "zh message is Chinese: {z}");
            assert!(e.is_ascii(), "en message is English: {e}");
        }
        // Display is for logs: English, with the stable codes.
        assert_eq!(
            errors[0].to_string(),
            "action `accept` is not allowed in state `closed`"
        );
        // Every action name has a real label.
        for (key, _) in TABLE {
            let a = sample(key);
            assert_ne!(a.label(Locale::ZhCn), "操作", "{key}");
            assert_ne!(a.label(Locale::En), "act on", "{key}");
        }
    }

    // ---- property --------------------------------------------------------

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => Just("说明".to_string()),
            1 => Just(String::new()),
            1 => Just("x".repeat(2001)),
        ]
    }

    fn any_action() -> impl Strategy<Value = Action> {
        let rating = prop_oneof![
            Just(Rating::Satisfied),
            Just(Rating::BasicallySatisfied),
            Just(Rating::Dissatisfied)
        ];
        prop_oneof![
            Just(Action::Accept),
            text().prop_map(|department| Action::Dispatch { department }),
            Just(Action::Start),
            text().prop_map(|note| Action::Resolve { note }),
            (rating, proptest::option::of(text()))
                .prop_map(|(rating, comment)| Action::Rate { rating, comment }),
            text().prop_map(|reason| Action::Reject { reason }),
            (0i64..3).prop_map(|of_case| Action::MarkDuplicate { of_case }),
            text().prop_map(|reason| Action::NotOurs { reason }),
            (1i64..5, text()).prop_map(|(to_grid, reason)| Action::Reroute { to_grid, reason }),
            (text(), text()).prop_map(|(to_category, reason)| Action::Reclassify {
                to_category,
                reason
            }),
            (-1i16..5).prop_map(|to_level| Action::Escalate { to_level }),
            Just(Action::AutoClose),
            text().prop_map(|text| Action::Comment { text }),
        ]
    }

    fn any_actor() -> impl Strategy<Value = Actor> {
        prop::sample::select(Actor::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_sequences_keep_the_invariants(
            steps in prop::collection::vec((any_actor(), any_action()), 0..60)
        ) {
            let mut case = CaseFacts::new(1);
            for (actor, action) in steps {
                let before = case.clone();
                match decide(&case, actor, &action) {
                    Err(_) => {}
                    Ok(t) => {
                        prop_assert_eq!(t.from, before.state);
                        // Terminal states are left only... never: only comments, in place.
                        if before.state.is_terminal() {
                            let is_comment = matches!(action, Action::Comment { .. });
                            prop_assert!(is_comment, "left terminal by {:?}", action);
                            prop_assert_eq!(t.to, before.state);
                        }
                        // Escalation only ever goes up, to a real level.
                        if let Action::Escalate { to_level } = action {
                            prop_assert!(to_level < before.escalation_level && to_level >= 1);
                        }
                        if let Some(level) = t.escalate_to {
                            prop_assert!(level < before.escalation_level && level >= 1);
                            prop_assert!(t.reopened);
                        }
                        // Closed only through the resident or the timeout.
                        if t.to == Closed && before.state != Closed {
                            let by_rate_or_timeout = matches!(action, Action::Rate { .. } | Action::AutoClose);
                            prop_assert!(by_rate_or_timeout, "closed by {:?}", action);
                        }
                        prop_assert_eq!(t.reopened, t.from == Resolved && t.to == Accepted);
                        case.apply(&action, &t);
                        prop_assert!(case.escalation_level <= before.escalation_level);
                        prop_assert!((1..=3).contains(&case.escalation_level));
                    }
                }
            }
        }
    }
}
