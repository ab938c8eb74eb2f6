//! Acting on a case: the state machine decides, this module records. Each step runs in one
//! transaction with the case row locked: the report's columns, the append-only event, result
//! photos and the mails it causes land together or not at all.

use super::categories::Catalog;
use super::ledger::{self, Action, Actor, CaseState};
use super::model::{NewEvent, Report, StoredPhoto};
use super::notify_staff::{self, EscalationCause};
use super::row_change::RowChange;
use super::ReportError;
use crate::db::schema::{grids, report_followers, reports};
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// Who is acting.
#[derive(Debug, Clone, Copy)]
pub struct By {
    pub actor: Actor,
    pub staff_id: Option<i64>,
}

/// Which steps the reporter sees on the tracking page.
fn public(action: &Action) -> bool {
    !matches!(
        action,
        Action::Comment { .. }
            | Action::Reroute { .. }
            | Action::Reclassify { .. }
            | Action::Escalate { .. }
    )
}

/// The note recorded with a step.
fn note_of(action: &Action) -> Option<String> {
    match action {
        Action::Resolve { note } => Some(note.clone()),
        Action::Reject { reason } | Action::NotOurs { reason } => Some(reason.clone()),
        Action::Reroute { reason, .. } | Action::Reclassify { reason, .. } => Some(reason.clone()),
        Action::Rate { comment, .. } => comment.clone(),
        Action::Comment { text } => Some(text.clone()),
        _ => None,
    }
}

/// Apply one action to a case. Returns the updated case, or why it was refused.
#[allow(clippy::too_many_arguments)]
pub async fn act(
    conn: &mut AsyncPgConnection,
    catalog: &Catalog,
    links: super::Links<'_>,
    report_id: i64,
    by: By,
    action: Action,
    photos: &[StoredPhoto],
    now: DateTime<Utc>,
) -> AppResult<Result<Report, ReportError>> {
    // Checks that need the catalog or the database, before taking the lock.
    match &action {
        Action::Dispatch { department } if catalog.department(department).is_none() => {
            return Ok(Err(ReportError::UnknownDepartment))
        }
        Action::Reclassify { to_category, .. } if catalog.kind(to_category).is_none() => {
            return Ok(Err(ReportError::UnknownCategory))
        }
        Action::Reroute { to_grid, .. } => {
            let level: Option<i16> = grids::table
                .find(to_grid)
                .select(grids::level)
                .first(conn)
                .await
                .optional()?;
            if !matches!(level, Some(2) | Some(3)) {
                return Ok(Err(ReportError::UnknownGrid));
            }
        }
        Action::MarkDuplicate { of_case } => {
            let exists: bool = diesel::select(diesel::dsl::exists(reports::table.find(of_case)))
                .get_result(conn)
                .await?;
            if !exists {
                return Ok(Err(ReportError::NoSuchCase));
            }
        }
        _ => {}
    }
    let catalog_ref = catalog;
    conn.transaction(async |conn| {
        let Some(report) = reports::table
            .find(report_id)
            .select(Report::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
        else {
            return Ok(Err(ReportError::NoSuchCase));
        };
        let transition = match ledger::decide(&report.facts(), by.actor, &action) {
            Ok(t) => t,
            Err(e) => return Ok(Err(ReportError::Transition(e))),
        };
        let mut facts = report.facts();
        facts.apply(&action, &transition);
        let to = transition.to;
        let state_changed = transition.from != to;
        let reclass_to = match &action {
            Action::Reclassify { to_category, .. } => catalog_ref.kind(to_category),
            _ => None,
        };
        let change = RowChange::of(&report).after(&action, &transition, &facts, reclass_to, now);
        let updated: Report = diesel::update(reports::table.find(report.id))
            .set(&change)
            .returning(Report::as_returning())
            .get_result(conn)
            .await?;

        let mut data = serde_json::to_value(&action).unwrap_or_default();
        if let Some(level) = transition.escalate_to {
            data["escalate_to"] = level.into();
        }
        if transition.reopened {
            data["reopened"] = true.into();
        }
        // A rating given by the staff member who filed the case: on the resident's word for a
        // 代办 case (代评), the filer's own check of an inspection find. The figures tell these
        // apart from residents' own ratings.
        if matches!(action, Action::Rate { .. }) && by.staff_id.is_some() {
            data["by_filer"] = true.into();
            if report.filed_as() == Some("on_behalf") {
                data["on_residents_word"] = true.into();
            }
        }
        let note = note_of(&action);
        let event_id = NewEvent {
            report_id: report.id,
            at: now,
            actor: by.actor.as_str(),
            staff_id: by.staff_id,
            action: action.name(),
            from_state: Some(transition.from.as_str()),
            to_state: (state_changed || matches!(action, Action::Accept)).then(|| to.as_str()),
            note: note.as_deref(),
            data,
            public: public(&action),
        }
        .append(conn)
        .await?;
        super::model::insert_photos(conn, report.id, Some(event_id), photos).await?;
        if let Some(e) = earning(conn, &action, &updated).await? {
            crate::points::earn::record(conn, &e, now).await?;
        }

        // Who is told.
        match &action {
            Action::Resolve { note } => {
                notify_staff::resolved(conn, catalog_ref, links, &updated, note).await?;
            }
            Action::Escalate { to_level } => {
                let cause = if report.case_state() == CaseState::Submitted {
                    EscalationCause::NotAccepted
                } else {
                    EscalationCause::Overdue
                };
                notify_staff::escalated(conn, catalog_ref, links, &updated, *to_level, cause)
                    .await?;
            }
            Action::Reroute { .. } => {
                notify_staff::new_case(conn, catalog_ref, links, &updated).await?;
            }
            _ => {}
        }
        if let Some(level) = transition.escalate_to {
            notify_staff::escalated(
                conn,
                catalog_ref,
                links,
                &updated,
                level,
                EscalationCause::Dissatisfied,
            )
            .await?;
        }
        Ok::<_, crate::error::AppError>(Ok(updated))
    })
    .await
}

/// The points a step earns the reporter, if any: their report accepted as a valid case, or
/// their rating of its handling (each once per case; a signed-in reporter only).
async fn earning(
    conn: &mut AsyncPgConnection,
    action: &Action,
    report: &Report,
) -> AppResult<Option<crate::points::earn::Earning>> {
    use crate::points::earn::{Earning, Rule};
    let (Some(resident_id), Some((rule, source))) = (
        report.resident_id,
        match action {
            Action::Accept => Some((Rule::ReportAccepted, accepted_source(report.id))),
            Action::Rate { .. } => Some((Rule::CaseRated, rated_source(report.id))),
            _ => None,
        },
    ) else {
        return Ok(None);
    };
    let path: String = grids::table
        .find(report.grid_id)
        .select(grids::path)
        .first(conn)
        .await?;
    let Some(community_id) = crate::grids::scope::path_ids(&path).get(1).copied() else {
        // A case still at the street office belongs to no community's issuer.
        return Ok(None);
    };
    Ok(Some(Earning {
        source,
        rule,
        resident_id,
        community_id,
        amount: None,
        label: report.public_id.clone(),
    }))
}

/// The earning of a report accepted as valid.
pub fn accepted_source(report_id: i64) -> String {
    format!("report:{report_id}")
}

/// The earning of rating a case.
pub fn rated_source(report_id: i64) -> String {
    format!("rating:{report_id}")
}

/// "The same problem? Follow it": add a follower (idempotent per address).
pub async fn follow(
    conn: &mut AsyncPgConnection,
    catalog: &Catalog,
    links: super::Links<'_>,
    report: &Report,
    email: &str,
) -> AppResult<()> {
    conn.transaction(async |conn| {
        diesel::insert_into(report_followers::table)
            .values((
                report_followers::report_id.eq(report.id),
                report_followers::email.eq(email),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        notify_staff::confirm_follow(conn, catalog, links, report, email).await
    })
    .await
}

/// The address confirmed (the signed link was checked by the caller): from now on it gets the
/// case's mail, and counts as a follower. Returns whether this call confirmed it.
pub async fn confirm_follow(
    conn: &mut AsyncPgConnection,
    report_id: i64,
    email: &str,
) -> AppResult<bool> {
    conn.transaction(async |conn| {
        let added = diesel::update(report_followers::table.find((report_id, email)))
            .filter(report_followers::confirmed_at.is_null())
            .set(report_followers::confirmed_at.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
        if added > 0 {
            diesel::update(reports::table.find(report_id))
                .set(reports::followers.eq(reports::followers + 1))
                .execute(conn)
                .await?;
        }
        Ok::<_, crate::error::AppError>(added > 0)
    })
    .await
}
