//! `GET /api/v1/figures` and `/api/v1/figures/workers`: the dashboard's and the assessment's
//! numbers as JSON, computed as for the console pages (both start at `figures::request`).

use crate::error::AppResult;
use crate::figures::request::{assessment, labelled_groups, prepare, FiguresQuery};
use crate::figures::{Dimension, Figures};
use crate::web::auth::CurrentStaff;
use crate::web::error_response::ErrorBody;
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The period: China dates, both days included; either missing falls back to the last 30
/// days.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// First day, `YYYY-MM-DD`.
    #[param(max_length = 256, format = Date)]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    #[param(max_length = 256, format = Date)]
    pub to: Option<String>,
}

/// The dashboard's query: the period, the breakdown and an optional narrowing.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresParams {
    /// First day, `YYYY-MM-DD` (default: 30 days ago).
    #[param(max_length = 256, format = Date)]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (default: today).
    #[param(max_length = 256, format = Date)]
    pub to: Option<String>,
    /// The breakdown: `grid` (default), `community`, `street` or `department`.
    #[param(max_length = 256)]
    pub dim: Option<String>,
    /// Only this grid (its code) and the grids beneath it.
    #[param(max_length = 256)]
    pub grid: Option<String>,
    /// Only cases handed to this department (its code).
    #[param(max_length = 256)]
    pub department: Option<String>,
}

/// One group of the breakdown.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FigureGroup {
    /// The group's key: a grid's path or a department's code.
    pub key: String,
    /// Its name in the request's language.
    pub label: String,
    pub figures: Figures,
}

/// One week of the period.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WeekFigures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub figures: Figures,
}

/// The dashboard.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FiguresReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The figures are as of this instant (the period's end, or now if that is later).
    pub as_of: DateTime<Utc>,
    pub dimension: Dimension,
    /// The department narrowed to, if any.
    pub department: Option<String>,
    /// Everything selected.
    pub total: Figures,
    pub groups: Vec<FigureGroup>,
    pub weeks: Vec<WeekFigures>,
}

/// One grid worker's assessment row.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkerRow {
    pub username: String,
    pub name: String,
    /// The names of the worker's grids.
    pub grids: String,
    /// Cases received in the period and first signed for by this worker.
    pub accepted_by_them: u32,
    /// The figures of the cases in the worker's grids.
    pub figures: Figures,
}

/// The assessment (动态考核).
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkersReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub workers: Vec<WorkerRow>,
}

/// The dashboard's numbers.
#[utoipa::path(
    get,
    path = "/api/v1/figures",
    tag = "figures",
    params(FiguresParams),
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "The figures", body = FiguresReport),
        (status = 400, description = "`bad_request`: the query string is malformed", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no staff session", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not see figures, or the narrowing is out of scope (`reason` `out_of_scope`)", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `bad_period`, `bad_dimension`, `unknown_grid`, `unknown_department`, or a parameter too long or with a control character", body = ErrorBody),
        (status = 503, description = "`database_unavailable` / `redis_unavailable`", body = ErrorBody),
    )
)]
pub async fn figures(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<FiguresParams>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let q = FiguresQuery {
        from: q.from,
        to: q.to,
        dim: q.dim,
        grid: q.grid,
        department: q.department,
        ..Default::default()
    };
    let p = prepare(&state, &me.staff, &me.scope, &q).await?;
    let groups = labelled_groups(&state, &p, locale)
        .await?
        .into_iter()
        .map(|(key, label, figures)| FigureGroup {
            key,
            label,
            figures,
        })
        .collect();
    let weeks = p
        .weeks()
        .into_iter()
        .map(|(w, figures)| WeekFigures {
            from: w.first_day(),
            to: w.last_day(),
            figures,
        })
        .collect();
    Ok(HttpResponse::Ok().json(FiguresReport {
        from: p.period.first_day(),
        to: p.period.last_day(),
        as_of: p.as_of(),
        dimension: p.dim,
        department: p.selection.department.clone(),
        total: p.total(),
        groups,
        weeks,
    }))
}

/// The grid workers' assessment.
#[utoipa::path(
    get,
    path = "/api/v1/figures/workers",
    tag = "figures",
    params(PeriodParams),
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "One row per grid worker this account may see", body = WorkersReport),
        (status = 400, description = "`bad_request`: the query string is malformed", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no staff session", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role has no assessment", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `bad_period`, or a parameter too long or with a control character", body = ErrorBody),
        (status = 503, description = "`database_unavailable` / `redis_unavailable`", body = ErrorBody),
    )
)]
pub async fn workers(
    state: web::Data<AppState>,
    me: CurrentStaff,
    q: web::Query<PeriodParams>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let q = FiguresQuery {
        from: q.from,
        to: q.to,
        ..Default::default()
    };
    let (p, rows) = assessment(&state, &me.staff, &me.scope, &q).await?;
    let workers = rows
        .into_iter()
        .map(|(w, r)| WorkerRow {
            username: w.username,
            name: w.display_name,
            grids: w.grids,
            accepted_by_them: r.accepted_by_them.n(),
            figures: r.figures,
        })
        .collect();
    Ok(HttpResponse::Ok().json(WorkersReport {
        from: p.period.first_day(),
        to: p.period.last_day(),
        workers,
    }))
}
