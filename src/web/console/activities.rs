//! Volunteer activities in the console: create one (with its check-in code), see who checked
//! in, confirm attendance (points are earned) or refuse it, cancel.

use super::points::may_award;
use super::polls::china_local;
use super::{base, see_other};
use crate::activities::{Activity, ActivityError, NewActivity};
use crate::error::{AppError, AppResult};
use crate::grids::Grid;
use crate::print::ActivityPoster;
use crate::web::auth::{CurrentStaff, StaffForm};
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use minijinja::value::Serde;
use serde::Deserialize;

/// `GET /console/activities`: the activities in scope and the form to create one.
pub async fn index(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
) -> AppResult<HttpResponse> {
    may_award(&me)?;
    let mut conn = state.conn().await?;
    let grids = Grid::in_scope(&mut conn, &me.scope, 2).await?;
    let activities = Activity::in_scope(&mut conn, &me.scope, 100).await?;
    let ctx = minijinja::context! {
        grids => Serde(&grids),
        activities => Serde(&activities),
        max_award => state.settings.points.max_award,
        ..base(&me, "/console/activities")
    };
    state.pages.page("console/activities.html", locale, ctx)
}

/// The create form.
#[derive(Deserialize)]
pub struct CreateForm {
    csrf: String,
    grid_id: i64,
    title: String,
    place: String,
    #[serde(default)]
    description: String,
    /// `datetime-local` values, in China time.
    starts_at: String,
    ends_at: String,
    points: String,
    max_volunteers: String,
}

/// The decision form: which check-ins, and confirm or reject.
#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
    #[serde(default)]
    resident: Vec<i64>,
    decision: String,
}

/// A form with only the CSRF token.
#[derive(Deserialize)]
pub struct PlainForm {
    csrf: String,
}
crate::csrf_form!(CreateForm, DecideForm, PlainForm);

/// `POST /console/activities`
pub async fn create(
    state: web::Data<AppState>,
    locale: Locale,
    f: StaffForm<CreateForm>,
) -> AppResult<HttpResponse> {
    let me = &f.staff;
    may_award(me)?;
    let form = &f.form;
    // A refused field comes back in the staff member's language, saying what it must be.
    let refused = |e: ActivityError| AppError::refused(&e, locale);
    let bad = |field: &'static str| refused(ActivityError::Invalid(field));
    let mut conn = state.conn().await?;
    let grid = Grid::find(&mut conn, form.grid_id)
        .await
        .map_err(|_| bad("grid_id"))?;
    me.require_grid(&grid)?;
    let starts_at = china_local(&form.starts_at).ok_or_else(|| bad("starts_at"))?;
    let ends_at = china_local(&form.ends_at).ok_or_else(|| bad("ends_at"))?;
    let points: i64 = form.points.trim().parse().map_err(|_| bad("points"))?;
    let max_volunteers: i32 = form
        .max_volunteers
        .trim()
        .parse()
        .map_err(|_| bad("max_volunteers"))?;
    let a = Activity::create(
        &mut conn,
        &NewActivity {
            grid_id: grid.id,
            title: form.title.clone(),
            place: form.place.clone(),
            description: form.description.clone(),
            starts_at,
            ends_at,
            points,
            max_volunteers,
        },
        state.settings.points.max_award,
        me.staff.id,
        Utc::now(),
    )
    .await?
    .map_err(refused)?;
    crate::audit::record(
        &mut conn,
        Some(me.staff.id),
        "activity.create",
        "activity",
        a.id,
        serde_json::json!({ "title": a.title, "grid_id": a.grid_id }),
    )
    .await?;
    Ok(see_other(&format!("/console/activities/{}", a.id)))
}

/// The activity, if it exists and its grid is in the staff member's scope.
async fn in_scope(state: &AppState, me: &CurrentStaff, id: i64) -> AppResult<Activity> {
    may_award(me)?;
    let mut conn = state.conn().await?;
    let a = Activity::find(&mut conn, id)
        .await?
        .ok_or(ActivityError::NoSuchActivity)?;
    me.require_path(&a.grid_path(&mut conn).await?)?;
    Ok(a)
}

/// `GET /console/activities/{id}`: the check-in code and who checked in.
pub async fn show(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let a = in_scope(&state, &me, *id).await?;
    let mut conn = state.conn().await?;
    let checkins = a.checkins(&mut conn).await?;
    let confirmed = checkins.iter().filter(|c| c.status == "confirmed").count();
    let url = crate::activities::checkin_url(state.settings.public_base(), &a.checkin_token);
    let ctx = minijinja::context! {
        activity => Serde(&a),
        checkins => Serde(&checkins),
        confirmed,
        url,
        ..base(&me, &format!("/console/activities/{}", a.id))
    };
    state.pages.page("console/activity.html", locale, ctx)
}

/// `POST /console/activities/{id}/decide`: confirm (points are earned) or refuse the chosen
/// volunteers' attendance.
pub async fn decide(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    f: StaffForm<DecideForm>,
) -> AppResult<HttpResponse> {
    let a = in_scope(&state, &f.staff, *id).await?;
    let confirm = match f.form.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => return Err(AppError::invalid("decision")),
    };
    if f.form.resident.is_empty() {
        return Err(AppError::invalid("resident"));
    }
    let mut conn = state.conn().await?;
    let sources = a
        .decide(
            &mut conn,
            &f.form.resident,
            confirm,
            f.staff.staff.id,
            Utc::now(),
        )
        .await??;
    drop(conn);
    crate::points::earn::pay_now(&state.db, &state.redis, &state.settings.points, &sources).await;
    Ok(see_other(&format!("/console/activities/{}", a.id)))
}

/// `POST /console/activities/{id}/cancel`: no more check-ins.
pub async fn cancel(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    f: StaffForm<PlainForm>,
) -> AppResult<HttpResponse> {
    let a = in_scope(&state, &f.staff, *id).await?;
    let mut conn = state.conn().await?;
    a.cancel(&mut conn).await?;
    Ok(see_other(&format!("/console/activities/{}", a.id)))
}

/// `GET /console/activities/{id}/poster.pdf`: the check-in poster to print (A4), its symbol
/// carrying the activity's check-in URL.
pub async fn poster(
    state: web::Data<AppState>,
    me: CurrentStaff,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let a = in_scope(&state, &me, *id).await?;
    let mut conn = state.conn().await?;
    let community = Grid::find(&mut conn, a.community_id).await?.name;
    let poster = ActivityPoster {
        title: a.title.clone(),
        place: a.place.clone(),
        starts_at: a.starts_at,
        ends_at: a.ends_at,
        points: a.points,
        check_in_url: crate::activities::checkin_url(
            state.settings.public_base(),
            &a.checkin_token,
        ),
        check_code: a.check_code.clone(),
        community,
        // The poster's template is written in Chinese; its date reads the same way.
        locale: crate::i18n::Locale::ZhCn,
    };
    crate::audit::record(
        &mut conn,
        Some(me.staff.id),
        "activity.poster",
        "activity",
        a.id,
        serde_json::json!({}),
    )
    .await?;
    drop(conn);
    let engine = state.print.get().await?;
    let pdf = web::block(move || crate::print::activity_poster(&engine, &poster))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"activity-{}.pdf\"", a.id),
        ))
        .body(pdf))
}
