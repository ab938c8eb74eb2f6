//! Reports (cases): queries as methods.

use super::ledger::{CaseFacts, CaseState, Deadlines, LedgerKind};
use crate::db::schema::{case_events, grids, report_photos, reports};
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// A report and its case.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = reports)]
pub struct Report {
    pub id: i64,
    pub public_id: String,
    #[serde(skip)]
    pub idempotency_key: Option<String>,
    #[serde(skip)]
    pub request_hash: String,
    pub code_id: Option<i64>,
    pub grid_id: i64,
    pub category: String,
    pub department: String,
    pub ledger_kind: String,
    pub description: String,
    pub location_source: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address_text: Option<String>,
    /// Seen only by staff who handle the case; never serialised onto public pages.
    #[serde(skip)]
    pub reporter_email: Option<String>,
    pub reporter_locale: String,
    pub state: String,
    pub escalation_level: i16,
    pub dispatched_to: Option<String>,
    pub rating: Option<String>,
    pub duplicate_of: Option<i64>,
    pub reopen_count: i32,
    pub accept_by: DateTime<Utc>,
    pub finish_by: DateTime<Utc>,
    pub submitted_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub followers: i32,
    /// The signed-in resident who reported it (staff see it; the reporter earns points by it).
    #[serde(skip)]
    pub resident_id: Option<i64>,
    /// The staff member who filed it (代办 or an inspection find); staff see who.
    #[serde(skip)]
    pub filed_by: Option<i64>,
}

/// One step of a case.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = case_events)]
pub struct CaseEvent {
    pub id: i64,
    pub report_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub staff_id: Option<i64>,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub note: Option<String>,
    pub data: serde_json::Value,
    pub public: bool,
}

/// A step to append to a case's history: the one way `case_events` rows are written (intake
/// writes the first two, handling every later one; the table is append-only by trigger).
#[derive(Debug, Insertable)]
#[diesel(table_name = case_events)]
pub struct NewEvent<'a> {
    pub report_id: i64,
    pub at: DateTime<Utc>,
    pub actor: &'a str,
    pub staff_id: Option<i64>,
    pub action: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub note: Option<&'a str>,
    pub data: serde_json::Value,
    pub public: bool,
}

impl NewEvent<'_> {
    /// Append the step; returns its id (result photos are linked to it).
    pub async fn append(self, conn: &mut AsyncPgConnection) -> AppResult<i64> {
        Ok(diesel::insert_into(case_events::table)
            .values(self)
            .returning(case_events::id)
            .get_result(conn)
            .await?)
    }
}

/// A stored photo of a report (the reporter's, or a result photo of an event).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = report_photos)]
pub struct Photo {
    pub id: i64,
    pub report_id: i64,
    pub event_id: Option<i64>,
    pub position: i16,
    #[serde(skip)]
    pub storage_key: String,
    #[serde(skip)]
    pub thumb_key: String,
    pub width: i32,
    pub height: i32,
}

/// A queue row: the case and its grid's name.
#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    pub report: Report,
    pub grid_name: String,
    pub grid_code: String,
    /// The grid's materialised path (for scope checks).
    pub grid_path: String,
    /// The deadline that matters now: accept_by before acceptance, finish_by after.
    pub due: DateTime<Utc>,
    pub overdue: bool,
}

/// A photo already processed and stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredPhoto {
    pub storage_key: String,
    pub thumb_key: String,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    pub sha256: String,
    /// Where the photo says it was taken (EXIF GPS, read before stripping).
    pub gps: Option<(f64, f64)>,
}

/// Record stored photos of a report (`event_id`: the step they document, e.g. a resolution;
/// `None` for the reporter's own).
pub async fn insert_photos(
    conn: &mut AsyncPgConnection,
    report_id: i64,
    event_id: Option<i64>,
    photos: &[StoredPhoto],
) -> AppResult<()> {
    let rows: Vec<_> = photos
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                report_photos::report_id.eq(report_id),
                report_photos::event_id.eq(event_id),
                report_photos::position.eq(i as i16),
                report_photos::storage_key.eq(&p.storage_key),
                report_photos::thumb_key.eq(&p.thumb_key),
                report_photos::width.eq(p.width as i32),
                report_photos::height.eq(p.height as i32),
                report_photos::bytes.eq(p.bytes as i32),
                report_photos::sha256.eq(&p.sha256),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(report_photos::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// One line of a resident's list of cases.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportLine {
    pub public_id: String,
    pub category: String,
    pub state: String,
    pub description: String,
    pub submitted_at: DateTime<Utc>,
}

impl Report {
    /// Whether any case was submitted with an idempotency key starting with `prefix` (the
    /// demo's cases are recognised this way).
    pub async fn exists_with_key_prefix(
        conn: &mut AsyncPgConnection,
        prefix: &str,
    ) -> AppResult<bool> {
        Ok(diesel::select(diesel::dsl::exists(
            reports::table.filter(reports::idempotency_key.like(format!("{prefix}%"))),
        ))
        .get_result(conn)
        .await?)
    }

    /// How staff filed it: `on_behalf` (代办: at a door or shop code, with the resident's
    /// consent in `report_consents`) or `inspection` (巡查上报: their own find, no code);
    /// `None` for a resident's own report.
    pub fn filed_as(&self) -> Option<&'static str> {
        self.filed_by.map(|_| {
            if self.code_id.is_some() {
                "on_behalf"
            } else {
                "inspection"
            }
        })
    }

    /// The case state (the database allows only known names).
    pub fn case_state(&self) -> CaseState {
        CaseState::parse(&self.state).unwrap_or(CaseState::Submitted)
    }

    /// The ledger kind.
    pub fn kind(&self) -> LedgerKind {
        LedgerKind::parse(&self.ledger_kind).unwrap_or(LedgerKind::TimeLimited)
    }

    /// What the state machine needs.
    pub fn facts(&self) -> CaseFacts {
        CaseFacts {
            id: self.id,
            state: self.case_state(),
            escalation_level: self.escalation_level,
            dispatched_to: self.dispatched_to.clone(),
        }
    }

    /// The deadlines.
    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            accept_by: self.accept_by,
            finish_by: self.finish_by,
        }
    }

    /// The deadline that matters in the current state.
    pub fn due(&self) -> DateTime<Utc> {
        if self.case_state() == CaseState::Submitted {
            self.accept_by
        } else {
            self.finish_by
        }
    }

    /// Up to `limit` open cases, oldest first, with a deadline before `now` and an escalation
    /// level still above the top (level 1): the escalation job's candidates.
    pub async fn past_a_deadline(
        conn: &mut AsyncPgConnection,
        now: DateTime<Utc>,
        limit: i64,
    ) -> AppResult<Vec<Report>> {
        Ok(reports::table
            .filter(reports::state.eq_any(["submitted", "accepted", "dispatched", "in_progress"]))
            .filter(reports::escalation_level.gt(1))
            .filter(reports::accept_by.lt(now).or(reports::finish_by.lt(now)))
            .order(reports::id)
            .limit(limit)
            .select(Report::as_select())
            .load(conn)
            .await?)
    }

    /// Ids of up to `limit` cases resolved before `cutoff` and still unrated.
    pub async fn resolved_before(
        conn: &mut AsyncPgConnection,
        cutoff: DateTime<Utc>,
        limit: i64,
    ) -> AppResult<Vec<i64>> {
        Ok(reports::table
            .filter(
                reports::state
                    .eq("resolved")
                    .and(reports::resolved_at.lt(cutoff)),
            )
            .order(reports::id)
            .select(reports::id)
            .limit(limit)
            .load(conn)
            .await?)
    }

    /// The latest `limit` cases a resident made, or that anyone made from the door codes of
    /// `household_ids` (the resident's households): the "my reports" list.
    pub async fn of_resident(
        conn: &mut AsyncPgConnection,
        resident_id: i64,
        household_ids: &[i64],
        limit: i64,
    ) -> AppResult<Vec<ReportLine>> {
        use crate::db::schema::codes;
        let household_codes = codes::table
            .filter(codes::household_id.eq_any(household_ids.to_vec()))
            .select(codes::id.nullable());
        Ok(reports::table
            .filter(
                reports::resident_id
                    .eq(resident_id)
                    .or(reports::code_id.eq_any(household_codes)),
            )
            .order(reports::submitted_at.desc())
            .limit(limit)
            .select(ReportLine::as_select())
            .load(conn)
            .await?)
    }

    /// One report by id.
    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Report> {
        Ok(reports::table
            .find(id)
            .select(Report::as_select())
            .first(conn)
            .await?)
    }

    /// Reports by id, in id order (ids that do not exist are left out).
    pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[i64]) -> AppResult<Vec<Report>> {
        Ok(reports::table
            .filter(reports::id.eq_any(ids))
            .order(reports::id)
            .select(Report::as_select())
            .load(conn)
            .await?)
    }

    /// One report by id, locked for an update in the current transaction.
    pub async fn find_for_update(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Report> {
        Ok(reports::table
            .find(id)
            .select(Report::as_select())
            .for_update()
            .first(conn)
            .await?)
    }

    /// By the public tracking id.
    pub async fn by_public_id(
        conn: &mut AsyncPgConnection,
        public_id: &str,
    ) -> AppResult<Option<Report>> {
        Ok(reports::table
            .filter(reports::public_id.eq(public_id))
            .select(Report::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// By a client's idempotency key.
    pub async fn by_idempotency_key(
        conn: &mut AsyncPgConnection,
        key: &str,
    ) -> AppResult<Option<Report>> {
        Ok(reports::table
            .filter(reports::idempotency_key.eq(key))
            .select(Report::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// Every event, oldest first (staff view).
    pub async fn events(&self, conn: &mut AsyncPgConnection) -> AppResult<Vec<CaseEvent>> {
        Ok(case_events::table
            .filter(case_events::report_id.eq(self.id))
            .order(case_events::id)
            .select(CaseEvent::as_select())
            .load(conn)
            .await?)
    }

    /// The events the reporter's tracking page shows.
    pub async fn public_events(&self, conn: &mut AsyncPgConnection) -> AppResult<Vec<CaseEvent>> {
        Ok(case_events::table
            .filter(
                case_events::report_id
                    .eq(self.id)
                    .and(case_events::public.eq(true)),
            )
            .order(case_events::id)
            .select(CaseEvent::as_select())
            .load(conn)
            .await?)
    }

    /// Photos, reporter's first, then by event.
    pub async fn photos(&self, conn: &mut AsyncPgConnection) -> AppResult<Vec<Photo>> {
        Ok(report_photos::table
            .filter(report_photos::report_id.eq(self.id))
            .order((
                report_photos::event_id.asc().nulls_first(),
                report_photos::position,
            ))
            .select(Photo::as_select())
            .load(conn)
            .await?)
    }

    /// Open cases in the grids under any of `paths` (None = all), the most urgent first.
    pub async fn queue(
        conn: &mut AsyncPgConnection,
        paths: Option<&[String]>,
        department: Option<&str>,
        now: DateTime<Utc>,
        limit: i64,
    ) -> AppResult<Vec<QueueRow>> {
        let mut q = reports::table
            .inner_join(grids::table)
            .filter(reports::state.eq_any(["submitted", "accepted", "dispatched", "in_progress"]))
            .select((Report::as_select(), grids::name, grids::code, grids::path))
            .into_boxed();
        if let Some(d) = department {
            q = q.filter(reports::dispatched_to.eq(d.to_owned()));
        }
        if let Some(paths) = paths {
            // The scope is a set of subtrees: a prefix match on the materialised path, in SQL,
            // so the limit applies to the cases this person may see.
            let patterns: Vec<String> = paths.iter().map(|p| format!("{p}%")).collect();
            q = q.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("grids.path LIKE ANY(")
                    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(patterns)
                    .sql(")"),
            );
        }
        // Order by the deadline that matters now (accept_by before acceptance).
        let rows: Vec<(Report, String, String, String)> = q
            .order(diesel::dsl::sql::<diesel::sql_types::Timestamptz>(
                "CASE WHEN reports.state = 'submitted' THEN reports.accept_by ELSE reports.finish_by END",
            ))
            .limit(limit)
            .load(conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(report, grid_name, grid_code, grid_path)| {
                let due = report.due();
                QueueRow {
                    overdue: due < now,
                    due,
                    report,
                    grid_name,
                    grid_code,
                    grid_path,
                }
            })
            .collect())
    }
}
