//! Reading what the figures are computed from, in two queries: the cases in a selection with
//! their intake facts, then all their events up to the period's end.

use super::access::Selection;
use super::fold::{CaseInput, Event, EventKind};
use crate::db::schema::{case_events, grids, reports, staff, staff_grids};
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;

/// The cases the figures of `[from, as_of)` can need, sorted by id: every case in the
/// selection submitted before `as_of` that had not ended (closed, rejected, duplicate, not
/// ours) before `from`. Earlier-ended cases can neither be received in the period nor be open
/// at its end, so they are left in the database.
pub async fn cases(
    conn: &mut AsyncPgConnection,
    sel: &Selection,
    from: DateTime<Utc>,
    as_of: DateTime<Utc>,
) -> AppResult<Vec<CaseInput>> {
    let mut q = reports::table
        .inner_join(grids::table)
        .filter(reports::submitted_at.lt(as_of))
        .filter(
            sql::<Bool>(
                "NOT EXISTS (SELECT 1 FROM case_events e WHERE e.report_id = reports.id \
                 AND e.to_state IN ('closed', 'rejected', 'duplicate', 'not_ours') AND e.at < ",
            )
            .bind::<Timestamptz, _>(from)
            .sql(")"),
        )
        .select((
            reports::id,
            reports::grid_id,
            grids::path,
            reports::submitted_at,
            reports::accept_by,
            reports::finish_by,
            reports::filed_by,
            reports::code_id,
        ))
        .order(reports::id)
        .into_boxed();
    if let Some(paths) = &sel.paths {
        let patterns: Vec<String> = paths.iter().map(|p| format!("{p}%")).collect();
        q = q.filter(
            sql::<Bool>("grids.path LIKE ANY(")
                .bind::<Array<Text>, _>(patterns)
                .sql(")"),
        );
    }
    if let Some(d) = &sel.department {
        q = q.filter(
            sql::<Bool>(
                "EXISTS (SELECT 1 FROM case_events e WHERE e.report_id = reports.id \
                 AND e.action = 'dispatch' AND e.data->>'department' = ",
            )
            .bind::<Text, _>(d.clone())
            .sql(")"),
        );
    }
    type Row = (
        i64,
        i64,
        String,
        DateTime<Utc>,
        DateTime<Utc>,
        DateTime<Utc>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = q.load(conn).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut events: HashMap<i64, Vec<Event>> = HashMap::new();
    if !ids.is_empty() {
        type EventRow = (i64, DateTime<Utc>, Option<i64>, String, serde_json::Value);
        let found: Vec<EventRow> = case_events::table
            .filter(case_events::report_id.eq_any(&ids))
            .filter(case_events::at.lt(as_of))
            .order((case_events::report_id, case_events::at, case_events::id))
            .select((
                case_events::report_id,
                case_events::at,
                case_events::staff_id,
                case_events::action,
                case_events::data,
            ))
            .load(conn)
            .await?;
        for (report_id, at, staff_id, action, data) in found {
            events.entry(report_id).or_default().push(Event {
                at,
                staff_id,
                kind: EventKind::from_stored(&action, &data),
            });
        }
    }
    let mut out: Vec<CaseInput> = rows
        .into_iter()
        .map(
            |(id, grid_id, grid_path, submitted_at, accept_by, finish_by, filed_by, code_id)| {
                CaseInput {
                    id,
                    grid_id,
                    grid_path,
                    submitted_at,
                    accept_by,
                    finish_by,
                    events: events.remove(&id).unwrap_or_default(),
                    filed_by,
                    inspection: filed_by.is_some() && code_id.is_none(),
                }
            },
        )
        .collect();
    // The SQL filter on departments ignores time; the fold's check does not.
    if let Some(d) = &sel.department {
        out.retain(|c| c.handed_to(d, as_of));
    }
    Ok(out)
}

/// A grid's code and name, for labels.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GridLabel {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
}

/// Labels of the given grids.
pub async fn grid_labels(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> AppResult<HashMap<i64, GridLabel>> {
    let rows: Vec<(i64, String, String, String)> = grids::table
        .filter(grids::id.eq_any(ids))
        .select((grids::id, grids::code, grids::name, grids::path))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name, path)| {
            (
                id,
                GridLabel {
                    id,
                    code,
                    name,
                    path,
                },
            )
        })
        .collect())
}

/// A grid by code (the chooser's narrowing), if it exists.
pub async fn grid_by_code(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> AppResult<Option<GridLabel>> {
    let row: Option<(i64, String, String, String)> = grids::table
        .filter(grids::code.eq(code))
        .select((grids::id, grids::code, grids::name, grids::path))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(id, code, name, path)| GridLabel {
        id,
        code,
        name,
        path,
    }))
}

/// A grid worker to assess.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Worker {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// The paths of the worker's grids.
    pub paths: Vec<String>,
    /// The names of the worker's grids, joined for display.
    pub grids: String,
}

/// Every active grid worker with their grids, by user name.
pub async fn workers(conn: &mut AsyncPgConnection) -> AppResult<Vec<Worker>> {
    with_role(conn, "grid_worker").await
}

/// Every active informant (信息员) with their grids, by user name.
pub async fn informants(conn: &mut AsyncPgConnection) -> AppResult<Vec<Worker>> {
    with_role(conn, "informant").await
}

async fn with_role(conn: &mut AsyncPgConnection, role: &str) -> AppResult<Vec<Worker>> {
    let rows: Vec<(i64, String, String, String, String)> = staff::table
        .inner_join(staff_grids::table.inner_join(grids::table))
        .filter(staff::role.eq(role).and(staff::active.eq(true)))
        .select((
            staff::id,
            staff::username,
            staff::display_name,
            grids::path,
            grids::name,
        ))
        .order((staff::username, grids::code))
        .load(conn)
        .await?;
    // The grids are one line of words in the console's default language.
    let separator =
        crate::i18n::translate(crate::i18n::Locale::default(), "common.list_separator", &[]);
    let mut out: Vec<Worker> = Vec::new();
    for (id, username, display_name, path, grid) in rows {
        match out.last_mut() {
            Some(w) if w.id == id => {
                w.paths.push(path);
                w.grids.push_str(&separator);
                w.grids.push_str(&grid);
            }
            _ => out.push(Worker {
                id,
                username,
                display_name,
                paths: vec![path],
                grids: grid,
            }),
        }
    }
    Ok(out)
}
