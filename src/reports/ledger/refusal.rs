//! What an allowed step returns ([`Transition`]) and why a step is refused
//! ([`TransitionError`], with its stable code and words).

use super::actions::{action_label, field_label, level_label, ACTION_NAMES, FIELD_NAMES};
use super::Actor;
use super::CaseState;
use crate::error::{ErrorCode, Refusal};
use crate::i18n::Message;

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
