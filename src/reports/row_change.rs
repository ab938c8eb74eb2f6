//! What one allowed step does to the case row, decided without I/O: [`RowChange::after`] takes
//! the row's columns before the step, the action and the state machine's transition, and
//! gives the columns after it. `handling::act` loads, decides, saves this and appends the
//! event; keeping the decision pure lets the tests below pin each step's columns.

use super::categories::Kind;
use super::ledger::{Action, CaseFacts, CaseState, Transition};
use super::model::Report;
use crate::db::schema::reports;
use chrono::{DateTime, Utc};

/// The columns of `reports` that a step may change. Saved as one `UPDATE`; `None` is written
/// as NULL (a reopened case's resolution is cleared, not left alone).
#[derive(Debug, Clone, PartialEq, diesel::AsChangeset)]
#[diesel(table_name = reports, treat_none_as_null = true)]
pub struct RowChange {
    pub state: String,
    pub escalation_level: i16,
    pub dispatched_to: Option<String>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub rating: Option<String>,
    pub grid_id: i64,
    pub category: String,
    pub department: String,
    pub ledger_kind: String,
    pub duplicate_of: Option<i64>,
    pub reopen_count: i32,
    pub updated_at: DateTime<Utc>,
}

impl RowChange {
    /// The row's changeable columns as they are now.
    pub fn of(report: &Report) -> RowChange {
        RowChange {
            state: report.state.clone(),
            escalation_level: report.escalation_level,
            dispatched_to: report.dispatched_to.clone(),
            accepted_at: report.accepted_at,
            resolved_at: report.resolved_at,
            closed_at: report.closed_at,
            rating: report.rating.clone(),
            grid_id: report.grid_id,
            category: report.category.clone(),
            department: report.department.clone(),
            ledger_kind: report.ledger_kind.clone(),
            duplicate_of: report.duplicate_of,
            reopen_count: report.reopen_count,
            updated_at: report.updated_at,
        }
    }

    /// The columns after `action`, which the machine allowed with `transition`; `facts` are
    /// the case's facts with the step already applied (`CaseFacts::apply`), and `reclass_to`
    /// the kind a reclassification moves the case to (looked up by the caller, which refuses
    /// an unknown one before deciding).
    pub fn after(
        mut self,
        action: &Action,
        transition: &Transition,
        facts: &CaseFacts,
        reclass_to: Option<&Kind>,
        now: DateTime<Utc>,
    ) -> RowChange {
        self.state = transition.to.as_str().to_owned();
        self.escalation_level = facts.escalation_level;
        self.dispatched_to = facts.dispatched_to.clone();
        match action {
            Action::Accept => self.accepted_at = Some(now),
            Action::Resolve { .. } => self.resolved_at = Some(now),
            Action::Rate { rating, .. } => self.rating = Some(rating.as_str().to_owned()),
            Action::Reroute { to_grid, .. } => self.grid_id = *to_grid,
            Action::Reclassify { .. } => {
                if let Some(k) = reclass_to {
                    self.category = k.code.clone();
                    self.department = k.department.clone();
                    self.ledger_kind = k.ledger.clone();
                }
            }
            Action::MarkDuplicate { of_case } => self.duplicate_of = Some(*of_case),
            _ => {}
        }
        if transition.to == CaseState::Closed && transition.from != CaseState::Closed {
            self.closed_at = Some(now);
        }
        if transition.reopened {
            // Sent back to be handled again: the old resolution no longer stands.
            self.resolved_at = None;
            self.reopen_count += 1;
        }
        self.updated_at = now;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::ledger::{decide, Actor, Rating};
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, h, 0, 0).unwrap()
    }

    /// A submitted case at its level-3 grid, as intake leaves it.
    fn submitted() -> (RowChange, CaseFacts) {
        let row = RowChange {
            state: "submitted".into(),
            escalation_level: 3,
            dispatched_to: None,
            accepted_at: None,
            resolved_at: None,
            closed_at: None,
            rating: None,
            grid_id: 40,
            category: "event.litter".into(),
            department: "urban".into(),
            ledger_kind: "complaint".into(),
            duplicate_of: None,
            reopen_count: 0,
            updated_at: t(8),
        };
        (row, CaseFacts::new(7))
    }

    /// Decide `action` by `actor` and apply it to the row and the facts.
    fn step(
        (row, mut facts): (RowChange, CaseFacts),
        actor: Actor,
        action: Action,
        now: DateTime<Utc>,
    ) -> (RowChange, CaseFacts) {
        let tr = decide(&facts, actor, &action).expect("allowed");
        facts.apply(&action, &tr);
        (row.after(&action, &tr, &facts, None, now), facts)
    }

    fn resolved() -> (RowChange, CaseFacts) {
        let c = step(submitted(), Actor::Responsible, Action::Accept, t(9));
        let note = Action::Resolve {
            note: "已清理".into(),
        };
        step(c, Actor::Responsible, note, t(10))
    }

    #[test]
    fn accepting_and_resolving_stamp_their_own_columns() {
        let (row, _) = resolved();
        assert_eq!(row.state, "resolved");
        assert_eq!(row.accepted_at, Some(t(9)));
        assert_eq!(row.resolved_at, Some(t(10)));
        assert_eq!(row.closed_at, None);
        assert_eq!(row.updated_at, t(10));
    }

    #[test]
    fn a_satisfied_rating_closes_and_keeps_the_resolution() {
        let rate = Action::Rate {
            rating: Rating::Satisfied,
            comment: None,
        };
        let (row, _) = step(resolved(), Actor::Reporter, rate, t(11));
        assert_eq!(row.state, "closed");
        assert_eq!(row.closed_at, Some(t(11)));
        assert_eq!(row.rating.as_deref(), Some("satisfied"));
        assert_eq!(row.resolved_at, Some(t(10)));
        assert_eq!(row.reopen_count, 0);
    }

    #[test]
    fn a_dissatisfied_rating_reopens_escalates_and_clears_the_resolution() {
        let rate = Action::Rate {
            rating: Rating::Dissatisfied,
            comment: Some("没扫干净".into()),
        };
        let (row, facts) = step(resolved(), Actor::Reporter, rate, t(11));
        assert_eq!(row.state, "accepted");
        assert_eq!(row.resolved_at, None, "the old resolution no longer stands");
        assert_eq!(row.closed_at, None);
        assert_eq!(row.reopen_count, 1);
        assert_eq!(row.escalation_level, 2);
        assert_eq!(facts.escalation_level, 2);
    }

    #[test]
    fn dispatch_reroute_and_duplicate_change_only_their_columns() {
        let c = step(submitted(), Actor::Responsible, Action::Accept, t(9));
        let dispatch = Action::Dispatch {
            department: "water".into(),
        };
        let (row, facts) = step(c, Actor::Responsible, dispatch, t(10));
        assert_eq!(row.state, "dispatched");
        assert_eq!(row.dispatched_to.as_deref(), Some("water"));
        assert_eq!(row.department, "urban", "the category's department stays");

        let reroute = Action::Reroute {
            to_grid: 41,
            reason: "不在本网格".into(),
        };
        let (row, _) = step((row, facts), Actor::Responsible, reroute, t(11));
        assert_eq!((row.grid_id, row.state.as_str()), (41, "dispatched"));

        let dup = Action::MarkDuplicate { of_case: 3 };
        let (row, _) = step(submitted(), Actor::Responsible, dup, t(9));
        assert_eq!(
            (row.duplicate_of, row.state.as_str()),
            (Some(3), "duplicate")
        );
    }

    #[test]
    fn reclassifying_takes_the_new_kinds_department_and_ledger() {
        let catalog = crate::reports::categories::Catalog::from_toml_str(include_str!(
            "../../config/categories.toml"
        ))
        .expect("the shipped catalog");
        let (row, facts) = submitted();
        let kind = catalog
            .kinds()
            .iter()
            .find(|k| k.department != row.department)
            .expect("a kind of another department");
        let action = Action::Reclassify {
            to_category: kind.code.clone(),
            reason: "分类有误".into(),
        };
        let tr = decide(&facts, Actor::Responsible, &action).expect("allowed");
        let after = row.after(&action, &tr, &facts, Some(kind), t(9));
        assert_eq!(after.category, kind.code);
        assert_eq!(after.department, kind.department);
        assert_eq!(after.ledger_kind, kind.ledger);
        assert_eq!(after.state, "submitted");
    }
}
