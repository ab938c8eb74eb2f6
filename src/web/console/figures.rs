//! The figures dashboard (`/console/figures`), its drill-down to the cases behind each number,
//! the worker assessment (`/console/figures/workers`) and their XLSX exports. Everything is
//! computed by `crate::figures` from the case events; this module picks the period, the
//! dimension and the selection the signed-in account may see, and renders.

use super::base;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::figures::access::{self, Denied};
use crate::figures::chart::{self, percent, Bar, TrendPoint};
use crate::figures::fold::{self, CaseInput, Figures, Ratio, WorkerFigures};
use crate::figures::load::{self, GridLabel, Worker};
use crate::figures::{export, Dimension, Figure, Period, Selection};
use crate::people::Permission;
use crate::reports::Report;
use crate::web::auth::CurrentStaff;
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The dashboard's query: the period (China dates, both included), the dimension, an optional
/// narrowing to one grid (by code) or one department, and for the drill-down the group, the
/// figure and which part of it.
#[derive(Debug, Default, Deserialize)]
pub struct FiguresQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub dim: Option<String>,
    pub grid: Option<String>,
    pub department: Option<String>,
    pub key: Option<String>,
    pub figure: Option<String>,
    pub part: Option<String>,
    /// Drill down into one grid worker's assessment row (staff id) instead of a group.
    pub worker: Option<i64>,
}

/// The figure a drill-down asks for: one of the dashboard's, or in a worker's assessment row
/// the cases they signed for.
const ACCEPTED_BY_THEM: &str = "accepted_by_them";

/// A figures request, checked: what period, how broken down, which cases.
pub struct Prepared {
    pub period: Period,
    pub dim: Dimension,
    pub selection: Selection,
    pub grid: Option<GridLabel>,
    pub now: DateTime<Utc>,
    pub cases: Vec<CaseInput>,
}

impl Prepared {
    /// The moment the figures are judged at.
    pub fn as_of(&self) -> DateTime<Utc> {
        self.period.to.min(self.now)
    }

    /// "2026-10-01 — 2026-10-31".
    pub fn label(&self) -> String {
        format!("{} — {}", self.period.first_day(), self.period.last_day())
    }

    /// The query string that reproduces this request (for links and exports).
    pub fn query(&self, extra: &[(&str, &str)]) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("from", &self.period.first_day().to_string());
        s.append_pair("to", &self.period.last_day().to_string());
        s.append_pair("dim", self.dim.as_str());
        if let Some(g) = &self.grid {
            s.append_pair("grid", &g.code);
        }
        if let Some(d) = &self.selection.department {
            s.append_pair("department", d);
        }
        for (k, v) in extra {
            s.append_pair(k, v);
        }
        s.finish()
    }

    /// The figures of everything selected.
    pub fn total(&self) -> Figures {
        fold::figures(&self.cases, self.period.from, self.period.to, self.now)
    }

    /// The figures per group of the dimension.
    pub fn groups(&self) -> Vec<(String, Figures)> {
        fold::breakdown(
            &self.cases,
            self.dim,
            self.period.from,
            self.period.to,
            self.now,
        )
    }

    /// The figures per week.
    pub fn weeks(&self) -> Vec<(Period, Figures)> {
        self.period
            .weeks()
            .into_iter()
            .map(|w| {
                (
                    w,
                    fold::figures(&self.cases, w.from, w.to.min(self.period.to), self.now),
                )
            })
            .collect()
    }
}

fn denied(d: Denied) -> AppError {
    match d {
        Denied::Role => AppError::forbidden(),
        Denied::OutOfScope => AppError::forbidden().with_reason("out_of_scope"),
    }
}

/// Check a request against the account and load its cases.
pub async fn prepare(state: &AppState, me: &CurrentStaff, q: &FiguresQuery) -> AppResult<Prepared> {
    me.require(Permission::ViewFigures)?;
    let now = Utc::now();
    let period = Period::from_dates(q.from.as_deref(), q.to.as_deref(), now)
        .map_err(|e| AppError::invalid(e.to_string()).with_reason("bad_period"))?;
    let dim = match q.dim.as_deref().filter(|d| !d.is_empty()) {
        None => Dimension::Grid,
        Some(d) => Dimension::parse(d)
            .ok_or_else(|| AppError::invalid("unknown dimension").with_reason("bad_dimension"))?,
    };
    let mut conn = state.conn().await?;
    let grid = match q.grid.as_deref().map(str::trim).filter(|g| !g.is_empty()) {
        None => None,
        Some(code) => Some(load::grid_by_code(&mut conn, code).await?.ok_or_else(|| {
            AppError::with_detail(ErrorCode::InvalidInput, "unknown grid")
                .with_reason("unknown_grid")
        })?),
    };
    let department = q
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if department.is_some_and(|d| state.catalog.department(d).is_none()) {
        return Err(AppError::invalid("unknown department").with_reason("unknown_department"));
    }
    let selection = access::select(
        me.staff.role(),
        &me.scope,
        me.staff.department.as_deref(),
        grid.as_ref().map(|g| g.path.as_str()),
        department,
    )
    .map_err(denied)?;
    let cases = load::cases(&mut conn, &selection, period.from, period.to.min(now)).await?;
    Ok(Prepared {
        period,
        dim,
        selection,
        grid,
        now,
        cases,
    })
}

/// The label of each group key of a dimension (grid names, department names).
async fn group_labels(
    state: &AppState,
    dim: Dimension,
    keys: &[String],
    locale: Locale,
) -> AppResult<HashMap<String, String>> {
    if dim == Dimension::Department {
        return Ok(keys
            .iter()
            .map(|k| {
                let name = state
                    .catalog
                    .department(k)
                    .map(|d| d.name(locale).to_owned())
                    .unwrap_or_else(|| k.clone());
                (k.clone(), name)
            })
            .collect());
    }
    let ids: Vec<i64> = keys.iter().filter_map(|k| k.parse().ok()).collect();
    let mut conn = state.conn().await?;
    let labels = load::grid_labels(&mut conn, &ids).await?;
    Ok(keys
        .iter()
        .map(|k| {
            let name = k
                .parse::<i64>()
                .ok()
                .and_then(|id| labels.get(&id))
                .map(|g| g.name.clone())
                .unwrap_or_else(|| k.clone());
            (k.clone(), name)
        })
        .collect())
}

#[derive(Serialize)]
struct CountCell {
    n: u32,
    href: String,
}

#[derive(Serialize)]
struct RatioCell {
    rate: String,
    num: u32,
    den: u32,
    num_href: String,
    den_href: String,
}

#[derive(Serialize)]
struct RowView {
    key: String,
    label: String,
    received: CountCell,
    excluded: CountCell,
    accepted_on_time: RatioCell,
    resolved_on_time: RatioCell,
    satisfaction: RatioCell,
    sent_back: RatioCell,
    resolution: RatioCell,
    hours_to_accept: String,
    hours_to_resolve: String,
    overdue_open: CountCell,
}

fn hours(h: Option<f64>) -> String {
    h.map(|h| format!("{h:.1}"))
        .unwrap_or_else(|| "—".to_owned())
}

fn row_view(p: &Prepared, key: &str, label: String, f: &Figures) -> RowView {
    let href = |figure: Figure, part: &str| {
        format!(
            "/console/figures/cases?{}",
            p.query(&[("key", key), ("figure", figure.as_str()), ("part", part)])
        )
    };
    let count = |figure: Figure, n: u32| CountCell {
        n,
        href: href(figure, "num"),
    };
    let ratio = |figure: Figure, r: &Ratio| RatioCell {
        rate: percent(r.rate),
        num: r.num,
        den: r.den,
        num_href: href(figure, "num"),
        den_href: href(figure, "den"),
    };
    RowView {
        key: key.to_owned(),
        label,
        received: count(Figure::Received, f.received.n()),
        excluded: count(Figure::Excluded, f.excluded.n()),
        accepted_on_time: ratio(Figure::AcceptedOnTime, &f.accepted_on_time),
        resolved_on_time: ratio(Figure::ResolvedOnTime, &f.resolved_on_time),
        satisfaction: ratio(Figure::Satisfaction, &f.satisfaction),
        sent_back: ratio(Figure::SentBack, &f.sent_back),
        resolution: ratio(Figure::Resolution, &f.resolution),
        hours_to_accept: hours(f.mean_hours_to_accept),
        hours_to_resolve: hours(f.mean_hours_to_resolve),
        overdue_open: count(Figure::OverdueOpen, f.overdue_open.n()),
    }
}

fn t(locale: Locale, key: &str) -> String {
    crate::web::pages::translate(locale, key, &[])
}

/// The groups of a request with their labels, in order: (key, label, figures).
pub async fn labelled_groups(
    state: &AppState,
    p: &Prepared,
    locale: Locale,
) -> AppResult<Vec<(String, String, Figures)>> {
    let groups = p.groups();
    let keys: Vec<String> = groups.iter().map(|(k, _)| k.clone()).collect();
    let labels = group_labels(state, p.dim, &keys, locale).await?;
    Ok(groups
        .into_iter()
        .map(|(k, f)| {
            let label = labels.get(&k).cloned().unwrap_or_default();
            (k, label, f)
        })
        .collect())
}

/// `GET /console/figures`
pub async fn dashboard(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<FiguresQuery>,
) -> AppResult<HttpResponse> {
    let p = prepare(&state, &me, &q).await?;
    let total = p.total();
    let groups = labelled_groups(&state, &p, locale).await?;
    let rows: Vec<RowView> = groups
        .iter()
        .map(|(k, label, f)| row_view(&p, k, label.clone(), f))
        .collect();
    let total_row = row_view(&p, "", t(locale, "figures.total"), &total);
    let weeks = p.weeks();
    let trend = chart::trend(
        &weeks
            .iter()
            .map(|(w, f)| TrendPoint {
                label: w.first_day().format("%m-%d").to_string(),
                received: f.received.n(),
                rate: f.resolved_on_time.rate,
            })
            .collect::<Vec<_>>(),
        &t(locale, "figures.trend"),
        &t(locale, "figures.received"),
        &t(locale, "figures.resolved_on_time"),
    );
    let side_by_side = |title: &str, pick: fn(&Figures) -> &Ratio| {
        chart::bars(
            &groups
                .iter()
                .map(|(_, label, f)| Bar {
                    label: label.clone(),
                    rate: pick(f).rate,
                    note: format!("{}/{}", pick(f).num, pick(f).den),
                })
                .collect::<Vec<_>>(),
            title,
        )
    };
    let bars_resolved = side_by_side(&t(locale, "figures.resolved_on_time"), |f| {
        &f.resolved_on_time
    });
    let bars_satisfaction = side_by_side(&t(locale, "figures.satisfaction"), |f| &f.satisfaction);
    let dims: Vec<(&str, String)> = Dimension::ALL
        .iter()
        .map(|d| {
            (
                d.as_str(),
                t(locale, &format!("figures.dim.{}", d.as_str())),
            )
        })
        .collect();
    // What the chooser offers: the grids in scope, and the departments (a liaison's own only).
    let grids = crate::grids::Grid::in_scope(&mut *state.conn().await?, &me.scope, 1).await?;
    let departments: Vec<(String, String)> = state
        .catalog
        .departments()
        .iter()
        .filter(|d| {
            me.staff.role() != crate::people::Role::DepartmentLiaison
                || me.staff.department.as_deref() == Some(d.code.as_str())
        })
        .map(|d| (d.code.clone(), d.name(locale).to_owned()))
        .collect();
    let self_path = format!("/console/figures?{}", p.query(&[]));
    let ctx = minijinja::context! {
        empty => total.is_empty(),
        grids => Serde(&grids),
        departments,
        liaison => me.staff.role() == crate::people::Role::DepartmentLiaison,
        period => p.label(),
        from => p.period.first_day().to_string(),
        to => p.period.last_day().to_string(),
        dim => p.dim.as_str(),
        dims => Serde(dims),
        grid => p.grid.as_ref().map(|g| g.code.clone()),
        department => p.selection.department.clone(),
        department_name => p.selection.department.as_deref()
            .and_then(|d| state.catalog.department(d))
            .map(|d| d.name(locale).to_owned()),
        rows => Serde(rows),
        total => Serde(total_row),
        trend, bars_resolved, bars_satisfaction,
        export_href => format!("/console/figures/export.xlsx?{}", p.query(&[])),
        workers_href => format!("/console/figures/workers?{}", p.query(&[])),
        has_assessment => access::has_assessment(me.staff.role()),
        ..base(&me, &self_path)
    };
    state.pages.page("console/figures.html", locale, ctx)
}

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
    let (p, rows) = assessment(state, me, q).await?;
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
    let p = prepare(state, me, q).await?;
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
        t(locale, "figures.total")
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

/// `from=…&to=…` of a prepared request (the assessment takes nothing else).
fn period_query(p: &Prepared) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("from", &p.period.first_day().to_string());
    s.append_pair("to", &p.period.last_day().to_string());
    s.finish()
}

fn xlsx_response(bytes: Vec<u8>, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes)
}

/// `GET /console/figures/export.xlsx`: the dashboard's table and weekly trend.
pub async fn export(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<FiguresQuery>,
) -> AppResult<HttpResponse> {
    let p = prepare(&state, &me, &q).await?;
    let total = p.total();
    let groups = labelled_groups(&state, &p, locale).await?;
    let mut rows: Vec<(String, &Figures)> = groups
        .iter()
        .map(|(_, label, f)| (label.clone(), f))
        .collect();
    rows.push(("合计".to_owned(), &total));
    let weeks = p.weeks();
    let week_rows: Vec<(String, &Figures)> = weeks
        .iter()
        .map(|(w, f)| (format!("{} — {}", w.first_day(), w.last_day()), f))
        .collect();
    let group_header = t(Locale::ZhCn, &format!("figures.dim.{}", p.dim.as_str()));
    let bytes = export::figures_xlsx(&p.label(), &group_header, &rows, &week_rows)
        .map_err(AppError::internal)?;
    Ok(xlsx_response(
        bytes,
        &format!("figures-{}.xlsx", p.period.first_day()),
    ))
}

/// The assessment rows this account may see.
pub async fn assessment(
    state: &AppState,
    me: &CurrentStaff,
    q: &FiguresQuery,
) -> AppResult<(Prepared, Vec<(Worker, WorkerFigures)>)> {
    if !access::has_assessment(me.staff.role()) {
        return Err(AppError::forbidden());
    }
    // Workers are assessed over their own grids: no narrowing by grid or department here.
    let q = FiguresQuery {
        from: q.from.clone(),
        to: q.to.clone(),
        ..Default::default()
    };
    let p = prepare(state, me, &q).await?;
    let mut conn = state.conn().await?;
    let workers: Vec<Worker> = load::workers(&mut conn)
        .await?
        .into_iter()
        .filter(|w| access::sees_worker(me.staff.role(), me.staff.id, &me.scope, w.id, &w.paths))
        .collect();
    let pairs: Vec<(i64, Vec<String>)> = workers.iter().map(|w| (w.id, w.paths.clone())).collect();
    let rows = fold::assessment(&p.cases, &pairs, p.period.from, p.period.to, p.now);
    Ok((p, workers.into_iter().zip(rows).collect()))
}

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
    let (p, rows) = assessment(&state, &me, &q).await?;
    let query = period_query(&p);
    let views: Vec<WorkerView> = rows
        .iter()
        .map(|(w, r)| worker_view(&query, w, r))
        .collect();
    let ctx = minijinja::context! {
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
    me: CurrentStaff,
    q: web::Query<FiguresQuery>,
) -> AppResult<HttpResponse> {
    let (p, rows) = assessment(&state, &me, &q).await?;
    let table: Vec<(String, String, &WorkerFigures)> = rows
        .iter()
        .map(|(w, r)| (w.display_name.clone(), w.grids.clone(), r))
        .collect();
    let bytes = export::workers_xlsx(&p.label(), &table).map_err(AppError::internal)?;
    Ok(xlsx_response(
        bytes,
        &format!("assessment-{}.xlsx", p.period.first_day()),
    ))
}
