//! `/console/figures`: the dashboard of the four rates (四率) per group and week, and its XLSX
//! export.

use super::{hours, t, xlsx_response, CountCell, RatioCell};
use crate::error::{AppError, AppResult};
use crate::figures::chart::{self, percent, Bar, TrendPoint};
use crate::figures::request::{labelled_groups, prepare, total_label, FiguresQuery, Prepared};
use crate::figures::{access, export, Dimension, Figure, Figures, Ratio};
use crate::web::auth::CurrentStaff;
use crate::web::console::base;
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::Serialize;

#[derive(Serialize)]
struct RowView {
    key: String,
    label: String,
    received: CountCell,
    excluded: CountCell,
    accepted_on_time: RatioCell,
    resolved_on_time: RatioCell,
    satisfaction: RatioCell,
    satisfaction_own: RatioCell,
    sent_back: RatioCell,
    resolution: RatioCell,
    hours_to_accept: String,
    hours_to_resolve: String,
    overdue_open: CountCell,
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
        satisfaction_own: ratio(Figure::SatisfactionOwn, &f.satisfaction_own),
        sent_back: ratio(Figure::SentBack, &f.sent_back),
        resolution: ratio(Figure::Resolution, &f.resolution),
        hours_to_accept: hours(f.mean_hours_to_accept),
        hours_to_resolve: hours(f.mean_hours_to_resolve),
        overdue_open: count(Figure::OverdueOpen, f.overdue_open.n()),
    }
}

/// `GET /console/figures`
pub async fn dashboard(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<FiguresQuery>,
) -> AppResult<HttpResponse> {
    let p = prepare(&state, &me.staff, &me.scope, &q).await?;
    let total = p.total();
    let groups = labelled_groups(&state, &p, locale).await?;
    let rows: Vec<RowView> = groups
        .iter()
        .map(|(k, label, f)| row_view(&p, k, label.clone(), f))
        .collect();
    let total_row = row_view(&p, "", total_label(locale), &total);
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

/// `GET /console/figures/export.xlsx`: the dashboard's table and weekly trend.
pub async fn export(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<FiguresQuery>,
) -> AppResult<HttpResponse> {
    let p = prepare(&state, &me.staff, &me.scope, &q).await?;
    let total = p.total();
    let groups = labelled_groups(&state, &p, locale).await?;
    let mut rows: Vec<(String, &Figures)> = groups
        .iter()
        .map(|(_, label, f)| (label.clone(), f))
        .collect();
    rows.push((total_label(locale), &total));
    let weeks = p.weeks();
    let week_rows: Vec<(String, &Figures)> = weeks
        .iter()
        .map(|(w, f)| (format!("{} — {}", w.first_day(), w.last_day()), f))
        .collect();
    let group_header = t(locale, &format!("figures.dim.{}", p.dim.as_str()));
    let bytes = export::figures_xlsx(locale, &p.label(), &group_header, &rows, &week_rows)
        .map_err(AppError::internal)?;
    Ok(xlsx_response(
        bytes,
        &format!("figures-{}.xlsx", p.period.first_day()),
    ))
}
