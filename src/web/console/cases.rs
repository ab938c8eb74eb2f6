//! The case ledger in the console: one case with its full history and the steps the
//! signed-in staff member may take (the list of cases is `my_cases`).

use super::{base, see_other};
use crate::error::{AppError, AppResult};
use crate::grids::Grid;
use crate::people::Role;
use crate::reports::handling::By;
use crate::reports::ledger::{Action, Actor, CaseState, LedgerKind};
use crate::reports::Report;
use crate::web::auth::CurrentStaff;
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_multipart::form::{bytes::Bytes as FileBytes, text::Text, MultipartForm};
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::Serialize;

/// How this staff member acts on a case, if at all: admins as admin; the liaison of the
/// department it was passed to as the department; workers and heads whose grids cover it as
/// the responsible grid.
pub fn actor_for(me: &CurrentStaff, report: &Report, grid_path: &str) -> Option<Actor> {
    match me.staff.role() {
        Role::Admin => Some(Actor::Admin),
        Role::DepartmentLiaison => (report.dispatched_to.is_some()
            && report.dispatched_to == me.staff.department)
            .then_some(Actor::Department),
        Role::GridHead | Role::GridWorker => me
            .scope
            .contains_path(grid_path)
            .then_some(Actor::Responsible),
        // Informants file and follow; they never act on a case.
        Role::MerchantCashier | Role::Informant => None,
    }
}

/// Whether `me` may read a case it cannot act on: an informant whose grids cover it, and
/// whoever filed it.
fn follows(me: &CurrentStaff, report: &Report, grid_path: &str) -> bool {
    report.filed_by == Some(me.staff.id)
        || (me.staff.role() == Role::Informant && me.scope.contains_path(grid_path))
}

/// Load a case and the way `me` may act on it: `None` for one it only follows (403 when it
/// may do neither).
async fn case_for(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
) -> AppResult<(Report, Grid, Option<Actor>)> {
    let mut conn = state.conn().await?;
    let report = Report::find(&mut conn, id).await?;
    let grid = Grid::find(&mut conn, report.grid_id).await?;
    let actor = actor_for(me, &report, &grid.path);
    if actor.is_none() && !follows(me, &report, &grid.path) {
        return Err(AppError::forbidden());
    }
    Ok((report, grid, actor))
}

#[derive(Serialize)]
struct EventRow {
    at: chrono::DateTime<chrono::Utc>,
    actor: String,
    staff: Option<String>,
    action: String,
    to_state: Option<String>,
    note: Option<String>,
    data: serde_json::Value,
    photos: Vec<i64>,
}

/// `GET /console/cases/{id}`
pub async fn show(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (report, grid, actor) = case_for(&state, &me, *id).await?;
    let mut conn = state.conn().await?;
    let events = report.events(&mut conn).await?;
    let photos = report.photos(&mut conn).await?;
    let lineage = grid.lineage(&mut conn).await?;
    let names: std::collections::HashMap<i64, String> = crate::people::Staff::all(&mut conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    let event_rows: Vec<EventRow> = events
        .iter()
        .map(|e| EventRow {
            at: e.at,
            actor: e.actor.clone(),
            staff: e.staff_id.and_then(|s| names.get(&s).cloned()),
            action: e.action.clone(),
            to_state: e
                .to_state
                .as_deref()
                .and_then(CaseState::parse)
                .map(|s| s.label(locale)),
            note: e.note.clone(),
            data: e.data.clone(),
            photos: photos
                .iter()
                .filter(|p| p.event_id == Some(e.id))
                .map(|p| p.id)
                .collect(),
        })
        .collect();
    let own_photos: Vec<i64> = photos
        .iter()
        .filter(|p| p.event_id.is_none())
        .map(|p| p.id)
        .collect();
    // The steps the state machine would allow this actor now (forms shown for these only).
    let facts = report.facts();
    let probe = |a: Action| {
        actor.is_some_and(|actor| crate::reports::ledger::decide(&facts, actor, &a).is_ok())
    };
    let allowed = minijinja::context! {
        accept => probe(Action::Accept),
        dispatch => probe(Action::Dispatch { department: "x".into() }),
        start => probe(Action::Start),
        resolve => probe(Action::Resolve { note: "x".into() }),
        reject => probe(Action::Reject { reason: "x".into() }),
        not_ours => probe(Action::NotOurs { reason: "x".into() }),
        duplicate => probe(Action::MarkDuplicate { of_case: report.id + 1 }),
        reroute => probe(Action::Reroute { to_grid: 0, reason: "x".into() }),
        reclassify => probe(Action::Reclassify { to_category: "x".into(), reason: "x".into() }),
        comment => actor.is_some(),
    };
    let departments: Vec<(String, String)> = state
        .catalog
        .departments()
        .iter()
        .map(|d| (d.code.clone(), d.name(locale).to_owned()))
        .collect();
    let categories: Vec<(String, String)> = state
        .catalog
        .kinds()
        .iter()
        .map(|k| (k.code.clone(), k.name(locale).to_owned()))
        .collect();
    let grids: Vec<(i64, String)> = Grid::all(&mut conn)
        .await?
        .into_iter()
        .filter(|g| g.level >= 2)
        .map(|g| (g.id, g.name))
        .collect();
    // The door or shop whose code the report came from: what the worker walks to.
    let place = match report.code_id {
        Some(id) => {
            let code = crate::codes::Code::find(&mut conn, id).await?;
            crate::codes::Code::scan(&mut conn, &code.token)
                .await?
                .map(|t| match t.shop_name {
                    Some(shop) => format!("{} · {shop}", t.compound),
                    None => format!("{} {}", t.compound, t.door.unwrap_or_default()),
                })
        }
        None => None,
    };
    let self_path = format!("/console/cases/{}", report.id);
    // Answers to the category's questions (asked by Open311 clients).
    let answers = crate::reports::answers::for_report(&mut conn, report.id).await?;
    let filed = super::case_filing::filed(&mut conn, &report, me.staff.id, actor.is_some()).await?;
    let ctx = minijinja::context! {
        place, answers => Serde(&answers), filed => Serde(&filed),
        case => Serde(&report),
        // The reporter is seen by those who handle the case, and by the filer of their own.
        reporter_email => report.reporter_email.as_ref().filter(|_| actor.is_some() || report.filed_by == Some(me.staff.id)),
        category => state.catalog.kind(&report.category).map(|k| k.name(locale).to_owned()),
        department => state.catalog.department(&report.department).map(|d| d.name(locale).to_owned()),
        dispatched_to => report.dispatched_to.as_deref().and_then(|d| state.catalog.department(d)).map(|d| d.name(locale).to_owned()),
        state_label => report.case_state().label(locale),
        ledger => LedgerKind::parse(&report.ledger_kind).map(|k| k.label(locale)),
        lineage => Serde(&lineage), events => Serde(event_rows), own_photos, allowed,
        departments => Serde(departments), categories => Serde(categories), grids => Serde(grids),
        ..base(&me, &self_path)
    };
    state.pages.page("console/case.html", locale, ctx)
}

/// The step form (multipart: a result photo may come with "resolve").
#[derive(MultipartForm)]
pub struct StepForm {
    csrf: Text<String>,
    action: Text<String>,
    department: Option<Text<String>>,
    note: Option<Text<String>>,
    reason: Option<Text<String>>,
    of_case: Option<Text<String>>,
    to_grid: Option<Text<String>>,
    to_category: Option<Text<String>>,
    text: Option<Text<String>>,
    /// Where to return (the filtered list after a one-tap accept).
    back: Option<Text<String>>,
    #[multipart(rename = "photo")]
    photos: Vec<FileBytes>,
}

fn field(t: &Option<Text<String>>) -> String {
    t.as_ref().map(|t| t.trim().to_owned()).unwrap_or_default()
}

/// Build the ledger action from the form.
fn action_from(f: &StepForm) -> Result<Action, AppError> {
    let number = |t: &Option<Text<String>>| {
        field(t)
            .parse::<i64>()
            .map_err(|_| AppError::invalid("a number is required"))
    };
    Ok(match f.action.as_str() {
        "accept" => Action::Accept,
        "dispatch" => Action::Dispatch {
            department: field(&f.department),
        },
        "start" => Action::Start,
        "resolve" => Action::Resolve {
            note: field(&f.note),
        },
        "reject" => Action::Reject {
            reason: field(&f.reason),
        },
        "not_ours" => Action::NotOurs {
            reason: field(&f.reason),
        },
        "mark_duplicate" => Action::MarkDuplicate {
            of_case: number(&f.of_case)?,
        },
        "reroute" => Action::Reroute {
            to_grid: number(&f.to_grid)?,
            reason: field(&f.reason),
        },
        "reclassify" => Action::Reclassify {
            to_category: field(&f.to_category),
            reason: field(&f.reason),
        },
        "comment" => Action::Comment {
            text: field(&f.text),
        },
        _ => return Err(AppError::invalid("unknown step")),
    })
}

/// `POST /console/cases/{id}/step`
pub async fn step(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    id: web::Path<i64>,
    MultipartForm(f): MultipartForm<StepForm>,
) -> AppResult<HttpResponse> {
    me.check_csrf(&f.csrf)?;
    let (report, _, actor) = case_for(&state, &me, *id).await?;
    let actor = actor.ok_or_else(AppError::forbidden)?;
    let action = action_from(&f)?;
    let uploads = f
        .photos
        .iter()
        .filter(|p| !p.data.is_empty())
        .map(|p| p.data.to_vec())
        .collect();
    let by = By {
        actor,
        staff_id: Some(me.staff.id),
    };
    let r = crate::reports::steps::staff_step(state.reports(), report.id, by, action, uploads)
        .await?
        .map_err(|e| AppError::refused(&e, locale))?;
    // One-tap accept from the list returns to the list as it was filtered.
    let back = f
        .back
        .as_ref()
        .and_then(|b| crate::web::local_path::local_path_under(b, &["/console/cases"]));
    Ok(see_other(
        &back.unwrap_or_else(|| format!("/console/cases/{}", r.id)),
    ))
}

/// `GET /console/cases/{id}/photos/{photo}` (and `/thumb`): staff see every photo of a case
/// they may act on.
pub async fn photo(
    state: web::Data<AppState>,
    me: CurrentStaff,
    path: web::Path<(i64, i64)>,
    req: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    let (id, photo_id) = path.into_inner();
    let (report, _, _) = case_for(&state, &me, id).await?;
    crate::web::report::serve_photo(&state, &report, photo_id, req.path().ends_with("/thumb")).await
}
