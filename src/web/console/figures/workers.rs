//! `/console/figures/workers`: the periodic assessment of grid workers (动态考核) and its XLSX
//! export.

use super::{xlsx_response, CountCell, RatioCell};
use crate::error::{AppError, AppResult};
use crate::figures::chart::percent;
use crate::figures::fold::WorkerFigures;
use crate::figures::load::Worker;
use crate::figures::request::{assessment, period_query, FiguresQuery, ACCEPTED_BY_THEM};
use crate::figures::{export, Figure, Ratio};
use crate::web::auth::CurrentStaff;
use crate::web::console::base;
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::Serialize;

#[derive(Serialize)]
struct WorkerView {
    id: i64,
    name: String,
    username: String,
    grids: String,
    accepted_by_them: CountCell,
    received: CountCell,
    accepted_on_time: RatioCell,
    resolved_on_time: RatioCell,
    satisfaction: RatioCell,
    sent_back: CountCell,
    overdue_open: CountCell,
}

/// An informant's row: 有效上报 and 按时核实.
#[derive(Serialize)]
struct InformantView {
    name: String,
    username: String,
    grids: String,
    valid_filed: u32,
    verified_rate: String,
    verified_num: u32,
    verified_den: u32,
}

/// A worker's assessment row, every number linked to the cases behind it.
fn worker_view(query: &str, w: &Worker, r: &WorkerFigures) -> WorkerView {
    let href = |figure: &str, part: &str| {
        format!(
            "/console/figures/cases?{query}&worker={}&figure={figure}&part={part}",
            w.id
        )
    };
    let count = |figure: Figure, n: u32| CountCell {
        n,
        href: href(figure.as_str(), "num"),
    };
    let ratio = |figure: Figure, x: &Ratio| RatioCell {
        rate: percent(x.rate),
        num: x.num,
        den: x.den,
        num_href: href(figure.as_str(), "num"),
        den_href: href(figure.as_str(), "den"),
    };
    let f = &r.figures;
    WorkerView {
        id: w.id,
        name: w.display_name.clone(),
        username: w.username.clone(),
        grids: w.grids.clone(),
        accepted_by_them: CountCell {
            n: r.accepted_by_them.n(),
            href: href(ACCEPTED_BY_THEM, "num"),
        },
        received: count(Figure::Received, f.received.n()),
        accepted_on_time: ratio(Figure::AcceptedOnTime, &f.accepted_on_time),
        resolved_on_time: ratio(Figure::ResolvedOnTime, &f.resolved_on_time),
        satisfaction: ratio(Figure::Satisfaction, &f.satisfaction),
        sent_back: count(Figure::SentBack, f.sent_back.num),
        overdue_open: count(Figure::OverdueOpen, f.overdue_open.n()),
    }
}

/// `GET /console/figures/workers`: the periodic assessment of grid workers (动态考核).
pub async fn workers(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<FiguresQuery>,
) -> AppResult<HttpResponse> {
    let (p, rows) = assessment(&state, &me.staff, &me.scope, &q).await?;
    let query = period_query(&p);
    let views: Vec<WorkerView> = rows
        .iter()
        .map(|(w, r)| worker_view(&query, w, r))
        .collect();
    let informants: Vec<InformantView> =
        crate::figures::request::informant_assessment(&state, &me.staff, &me.scope, &p)
            .await?
            .iter()
            .map(|(w, r)| InformantView {
                name: w.display_name.clone(),
                username: w.username.clone(),
                grids: w.grids.clone(),
                valid_filed: r.valid_filed.n(),
                verified_rate: percent(r.verified_on_time.rate),
                verified_num: r.verified_on_time.num,
                verified_den: r.verified_on_time.den,
            })
            .collect();
    let ctx = minijinja::context! {
        informants => Serde(informants),
        period => p.label(),
        from => p.period.first_day().to_string(),
        to => p.period.last_day().to_string(),
        rows => Serde(views),
        export_href => format!("/console/figures/workers/export.xlsx?{query}"),
        back => format!("/console/figures?{query}"),
        ..base(&me, &format!("/console/figures/workers?{query}"))
    };
    state
        .pages
        .page("console/figures_workers.html", locale, ctx)
}

/// `GET /console/figures/workers/export.xlsx`
pub async fn workers_export(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<FiguresQuery>,
) -> AppResult<HttpResponse> {
    let (p, rows) = assessment(&state, &me.staff, &me.scope, &q).await?;
    let table: Vec<(String, String, &WorkerFigures)> = rows
        .iter()
        .map(|(w, r)| (w.display_name.clone(), w.grids.clone(), r))
        .collect();
    let bytes = export::workers_xlsx(locale, &p.label(), &table).map_err(AppError::internal)?;
    Ok(xlsx_response(
        bytes,
        &format!("assessment-{}.xlsx", p.period.first_day()),
    ))
}
