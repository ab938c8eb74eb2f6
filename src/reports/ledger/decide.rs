//! The table of allowed steps: [`decide`] on the [`CaseFacts`] folded from a case's events.

use super::*;

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
