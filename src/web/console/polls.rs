//! Polls in the console: create for chosen grids, results, turnout, XLSX export.

use super::{base, see_other};
use crate::error::{AppError, AppResult};
use crate::grids::Grid;
use crate::people::Permission;
use crate::polls::{NewPoll, Poll};
use crate::web::auth::{CurrentStaff, StaffForm};
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::{NaiveDateTime, TimeZone};
use minijinja::value::Serde;
use serde::Deserialize;

/// Polls are visible to staff whose scope covers one of their grids.
async fn in_scope(
    conn: &mut diesel_async::AsyncPgConnection,
    me: &CurrentStaff,
    poll: &Poll,
) -> AppResult<bool> {
    Ok(poll
        .grid_paths(conn)
        .await?
        .iter()
        .any(|(_, p, _)| me.scope.contains_path(p)))
}

/// `GET /console/polls`
pub async fn index(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
) -> AppResult<HttpResponse> {
    me.require(Permission::PublishNews)?;
    let mut conn = state.conn().await?;
    let mut polls = Vec::new();
    for p in Poll::all(&mut conn).await? {
        if in_scope(&mut conn, &me, &p).await? {
            polls.push(p);
        }
    }
    let grids = Grid::in_scope(&mut conn, &me.scope, 1).await?;
    let ctx = minijinja::context! { polls => Serde(&polls), grids => Serde(&grids), ..base(&me, "/console/polls") };
    state.pages.page("console/polls.html", locale, ctx)
}

#[derive(Deserialize)]
pub struct PollForm {
    csrf: String,
    title: String,
    #[serde(default)]
    description: String,
    ballot_unit: String,
    results: String,
    secrecy: String,
    /// `datetime-local` values, in China time (UTC+8).
    opens_at: String,
    closes_at: String,
    #[serde(default)]
    grid_ids: Vec<i64>,
    #[serde(default)]
    q1: String,
    #[serde(default)]
    q1_max: Option<i16>,
    #[serde(default)]
    q1_options: String,
    #[serde(default)]
    q2: String,
    #[serde(default)]
    q2_max: Option<i16>,
    #[serde(default)]
    q2_options: String,
    #[serde(default)]
    q3: String,
    #[serde(default)]
    q3_max: Option<i16>,
    #[serde(default)]
    q3_options: String,
}
crate::csrf_form!(PollForm);

/// Parse a `datetime-local` value as China time.
pub fn china_local(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").ok()?;
    let offset = chrono::FixedOffset::east_opt(8 * 3600)?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|d| d.with_timezone(&chrono::Utc))
}

/// `POST /console/polls`
pub async fn create(state: web::Data<AppState>, f: StaffForm<PollForm>) -> AppResult<HttpResponse> {
    let me = &f.staff;
    me.require(Permission::PublishNews)?;
    let form = f.form;
    let mut conn = state.conn().await?;
    for id in &form.grid_ids {
        let g = Grid::find(&mut conn, *id)
            .await
            .map_err(|_| AppError::invalid(format!("no grid {id}")))?;
        me.require_grid(&g)?;
    }
    let questions: Vec<(String, i16, Vec<String>)> = [
        (form.q1, form.q1_max, form.q1_options),
        (form.q2, form.q2_max, form.q2_options),
        (form.q3, form.q3_max, form.q3_options),
    ]
    .into_iter()
    .filter(|(q, _, _)| !q.trim().is_empty())
    .map(|(q, max, opts)| {
        (
            q,
            max.unwrap_or(1),
            opts.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    })
    .collect();
    let new = NewPoll {
        title: form.title,
        description: form.description,
        ballot_unit: form.ballot_unit,
        results: form.results,
        secrecy: form.secrecy,
        opens_at: china_local(&form.opens_at)
            .ok_or_else(|| AppError::invalid("opens at: a date and time"))?,
        closes_at: china_local(&form.closes_at)
            .ok_or_else(|| AppError::invalid("closes at: a date and time"))?,
        grid_ids: form.grid_ids,
        questions,
    };
    let poll = Poll::create(&mut conn, new, me.staff.id).await?;
    Ok(see_other(&format!("/console/polls/{}", poll.id)))
}

async fn poll_in_scope(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
) -> AppResult<(crate::db::DbConn, Poll)> {
    me.require(Permission::PublishNews)?;
    let mut conn = state.conn().await?;
    let poll = Poll::find(&mut conn, id).await?;
    if !in_scope(&mut conn, me, &poll).await? {
        return Err(AppError::forbidden());
    }
    Ok((conn, poll))
}

/// `GET /console/polls/{id}`: results and turnout (staff always see them).
pub async fn show(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (mut conn, poll) = poll_in_scope(&state, &me, *id).await?;
    let crate::polls::Results {
        questions,
        tally,
        turnout,
    } = poll.results(&mut conn).await?;
    let rows: Vec<(String, Vec<(String, i64)>)> = questions
        .iter()
        .map(|q| {
            (
                q.text.clone(),
                q.options
                    .iter()
                    .map(|o| (o.text.clone(), tally.get(&o.id).copied().unwrap_or(0)))
                    .collect(),
            )
        })
        .collect();
    let self_path = format!("/console/polls/{}", poll.id);
    let ctx = minijinja::context! { poll => Serde(&poll), rows => Serde(rows), turnout => Serde(turnout), ..base(&me, &self_path) };
    state.pages.page("console/poll.html", locale, ctx)
}

/// `GET /console/polls/{id}/export.xlsx`
pub async fn export(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (mut conn, poll) = poll_in_scope(&state, &me, *id).await?;
    let results = poll.results(&mut conn).await?;
    let bytes = crate::polls::export::xlsx(&poll, &results, locale).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"poll-{}.xlsx\"", poll.id),
        ))
        .body(bytes))
}
