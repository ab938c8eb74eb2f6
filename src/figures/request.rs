//! A figures request, checked and loaded: the period, the breakdown and the cases the
//! asking account may see ([`prepare`]), the groups with their names ([`labelled_groups`])
//! and the worker assessment rows it may see ([`assessment`]). The console pages, their
//! exports and the JSON API all start here, so they cannot disagree about who sees what.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::figures::access::{self, Denied};
use crate::figures::fold::{self, CaseInput, Figures, WorkerFigures};
use crate::figures::load::{self, GridLabel, Worker};
use crate::figures::{Dimension, Period, Selection};
use crate::grids::scope::Scope;
use crate::i18n::{translate, Locale};
use crate::people::{Permission, Staff};
use crate::state::Services;
use chrono::{DateTime, Utc};
use serde::Deserialize;
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
pub const ACCEPTED_BY_THEM: &str = "accepted_by_them";

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

/// Check a request against the account (`staff` with its grid `scope`) and load its cases.
pub async fn prepare(
    state: &Services,
    staff: &Staff,
    scope: &Scope,
    q: &FiguresQuery,
) -> AppResult<Prepared> {
    if !staff.can(Permission::ViewFigures) {
        return Err(AppError::forbidden());
    }
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
        staff.role(),
        scope,
        staff.department.as_deref(),
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
pub async fn group_labels(
    state: &Services,
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

/// The groups of a request with their labels, in order: (key, label, figures).
pub async fn labelled_groups(
    state: &Services,
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

/// The assessment rows this account may see.
pub async fn assessment(
    state: &Services,
    staff: &Staff,
    scope: &Scope,
    q: &FiguresQuery,
) -> AppResult<(Prepared, Vec<(Worker, WorkerFigures)>)> {
    if !access::has_assessment(staff.role()) {
        return Err(AppError::forbidden());
    }
    // Workers are assessed over their own grids: no narrowing by grid or department here.
    let q = FiguresQuery {
        from: q.from.clone(),
        to: q.to.clone(),
        ..Default::default()
    };
    let p = prepare(state, staff, scope, &q).await?;
    let mut conn = state.conn().await?;
    let workers: Vec<Worker> = load::workers(&mut conn)
        .await?
        .into_iter()
        .filter(|w| access::sees_worker(staff.role(), staff.id, scope, w.id, &w.paths))
        .collect();
    let pairs: Vec<(i64, Vec<String>)> = workers.iter().map(|w| (w.id, w.paths.clone())).collect();
    let rows = fold::assessment(&p.cases, &pairs, p.period.from, p.period.to, p.now);
    Ok((p, workers.into_iter().zip(rows).collect()))
}

/// The informants' filing assessment (有效上报, 按时核实) over the same cases as the workers'
/// (`p` from [`assessment`]): admins see every informant, grid heads and workers those whose
/// grids all lie in their scope.
pub async fn informant_assessment(
    state: &Services,
    staff: &Staff,
    scope: &Scope,
    p: &Prepared,
) -> AppResult<Vec<(Worker, fold::InformantFigures)>> {
    let mut conn = state.conn().await?;
    let informants: Vec<Worker> = load::informants(&mut conn)
        .await?
        .into_iter()
        .filter(|w| {
            staff.role() == crate::people::Role::Admin
                || (!w.paths.is_empty() && w.paths.iter().all(|p| scope.contains_path(p)))
        })
        .collect();
    let ids: Vec<i64> = informants.iter().map(|w| w.id).collect();
    let rows = fold::informants(&p.cases, &ids, p.period.from, p.period.to, p.now);
    Ok(informants.into_iter().zip(rows).collect())
}

/// `from=…&to=…` of a prepared request (the assessment takes nothing else).
pub fn period_query(p: &Prepared) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("from", &p.period.first_day().to_string());
    s.append_pair("to", &p.period.last_day().to_string());
    s.finish()
}

/// The words of the total row ("合计").
pub fn total_label(locale: Locale) -> String {
    translate(locale, "figures.total", &[])
}
