//! `/console/figures/cases`: the cases behind one number of the dashboard or of a worker's
//! assessment row.

use crate::error::{AppError, AppResult};
use crate::figures::fold;
use crate::figures::load;
use crate::figures::request::{
    assessment, group_labels, period_query, prepare, total_label, FiguresQuery, Prepared,
    ACCEPTED_BY_THEM,
};
use crate::figures::Figure;
use crate::reports::Report;
use crate::web::auth::CurrentStaff;
use crate::web::console::base;
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use minijinja::value::Serde;
use serde::Serialize;

#[derive(Serialize)]
struct CaseRow {
    id: i64,
    grid: String,
    category: String,
    state: String,
    submitted_at: DateTime<Utc>,
    accept_by: DateTime<Utc>,
    finish_by: DateTime<Utc>,
}

/// `GET /console/figures/cases`: the cases behind one number of the dashboard, or of a
/// grid worker's assessment row (`worker=`).
pub async fn drill_down(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<FiguresQuery>,
) -> AppResult<HttpResponse> {
    let figure_name = q.figure.as_deref().unwrap_or_default();
    let denominator = q.part.as_deref() == Some("den");
    let Drill {
        p,
        ids,
        group,
        back,
        extra,
    } = match q.worker {
        Some(worker) => worker_cases(&state, &me, &q, worker).await?,
        None => group_cases(&state, &me, &q, locale).await?,
    };
    let rows = case_rows(&state, locale, &ids).await?;
    let self_path = format!(
        "/console/figures/cases?{}",
        p.query(&[
            (extra.0, &extra.1),
            ("figure", figure_name),
            ("part", if denominator { "den" } else { "num" })
        ])
    );
    let ctx = minijinja::context! {
        period => p.label(),
        group,
        figure => figure_name,
        denominator,
        rows => Serde(rows),
        back,
        ..base(&me, &self_path)
    };
    state.pages.page("console/figures_cases.html", locale, ctx)
}

/// What a drill-down found: the request, the case ids, whose they are, the page to go back
/// to, and the query pair that names the group or worker.
struct Drill {
    p: Prepared,
    ids: Vec<i64>,
    group: String,
    back: String,
    extra: (&'static str, String),
}

fn bad_figure() -> AppError {
    AppError::invalid("unknown figure").with_reason("bad_figure")
}

/// The cases behind one number of a worker's assessment row. A worker outside the
/// account's view is refused, never shown empty.
async fn worker_cases(
    state: &AppState,
    me: &CurrentStaff,
    q: &FiguresQuery,
    worker: i64,
) -> AppResult<Drill> {
    let figure_name = q.figure.as_deref().unwrap_or_default();
    let denominator = q.part.as_deref() == Some("den");
    let (p, rows) = assessment(state, &me.staff, &me.scope, q).await?;
    let (w, r) = rows
        .into_iter()
        .find(|(w, _)| w.id == worker)
        .ok_or_else(|| AppError::forbidden().with_reason("out_of_scope"))?;
    let ids = if figure_name == ACCEPTED_BY_THEM && !denominator {
        r.accepted_by_them.0
    } else {
        let figure = Figure::parse(figure_name).ok_or_else(bad_figure)?;
        r.figures.cases(figure, denominator).to_vec()
    };
    let back = format!("/console/figures/workers?{}", period_query(&p));
    Ok(Drill {
        p,
        ids,
        group: w.display_name,
        back,
        extra: ("worker", worker.to_string()),
    })
}

/// The cases behind one number of the dashboard: of one group (`key`), or of the total. The
/// group only narrows what the selection already allows.
async fn group_cases(
    state: &AppState,
    me: &CurrentStaff,
    q: &FiguresQuery,
    locale: Locale,
) -> AppResult<Drill> {
    let p = prepare(state, &me.staff, &me.scope, q).await?;
    let figure = Figure::parse(q.figure.as_deref().unwrap_or_default()).ok_or_else(bad_figure)?;
    let denominator = q.part.as_deref() == Some("den");
    let key = q.key.as_deref().unwrap_or_default();
    let f = if key.is_empty() {
        p.total()
    } else {
        fold::figures(
            fold::in_group(&p.cases, p.dim, key, p.as_of()),
            p.period.from,
            p.period.to,
            p.now,
        )
    };
    let ids = f.cases(figure, denominator).to_vec();
    let group = if key.is_empty() {
        total_label(locale)
    } else {
        group_labels(state, p.dim, &[key.to_owned()], locale)
            .await?
            .remove(key)
            .unwrap_or_default()
    };
    let back = format!("/console/figures?{}", p.query(&[]));
    Ok(Drill {
        p,
        ids,
        group,
        back,
        extra: ("key", key.to_owned()),
    })
}

/// The cases listed on a drill-down page, in id order.
async fn case_rows(state: &AppState, locale: Locale, ids: &[i64]) -> AppResult<Vec<CaseRow>> {
    let mut conn = state.conn().await?;
    let reports = Report::by_ids(&mut conn, ids).await?;
    let grid_ids: Vec<i64> = reports.iter().map(|r| r.grid_id).collect();
    let grids = load::grid_labels(&mut conn, &grid_ids).await?;
    Ok(reports
        .iter()
        .map(|r| CaseRow {
            id: r.id,
            grid: grids
                .get(&r.grid_id)
                .map(|g| g.name.clone())
                .unwrap_or_default(),
            category: state
                .catalog
                .kind(&r.category)
                .map(|k| k.name(locale).to_owned())
                .unwrap_or_default(),
            state: r.case_state().label(locale),
            submitted_at: r.submitted_at,
            accept_by: r.accept_by,
            finish_by: r.finish_by,
        })
        .collect())
}
