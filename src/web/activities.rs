//! The page a volunteer activity's check-in poster opens (`/A/{token}`): what the activity is,
//! and for a signed-in resident, a check-in button and where their check-in stands. Like a
//! door scan, it shows nothing about who has checked in.

use super::landing::neutral;
use super::locale::Locale;
use super::resident_auth::{MaybeResident, ResidentForm};
use crate::activities::Activity;
use crate::codes::token;
use crate::error::{AppError, AppResult};
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::{Duration, Utc};
use minijinja::value::Serde;
use serde::Deserialize;

async fn by_token(state: &AppState, raw: &str) -> AppResult<Option<Activity>> {
    let Some(t) = token::normalize(raw) else {
        return Ok(None);
    };
    let mut conn = state.conn().await?;
    Activity::by_token(&mut conn, &t).await
}

/// `GET /A/{token}`: the activity and the resident's check-in.
pub async fn show(
    state: web::Data<AppState>,
    locale: Locale,
    who: MaybeResident,
    raw: web::Path<String>,
) -> AppResult<HttpResponse> {
    let Some(a) = by_token(&state, &raw).await? else {
        return neutral(&state, locale);
    };
    let mine = match &who.0 {
        Some(me) => {
            let mut conn = state.conn().await?;
            a.checkin_status(&mut conn, me.resident.id).await?
        }
        None => None,
    };
    let now = Utc::now();
    let early = Duration::minutes(state.settings.points.checkin_early_minutes);
    let window = crate::activities::rules::check_window(a.starts_at, a.ends_at, early, now)
        .err()
        .map(|e| e.code());
    let self_path = format!("/A/{}", a.checkin_token);
    state.pages.page(
        "activities/checkin.html",
        locale,
        minijinja::context! {
            activity => Serde(&a),
            signed_in => who.0.is_some(),
            csrf => who.0.as_ref().map(|m| m.session.csrf.clone()),
            mine,
            window,
            self_path,
        },
    )
}

/// The check-in form.
#[derive(Deserialize)]
pub struct CheckinForm {
    csrf: String,
}
crate::csrf_form!(CheckinForm);

/// `POST /A/{token}/check-in`: check the signed-in resident in (once; again is harmless).
pub async fn check_in(
    state: web::Data<AppState>,
    raw: web::Path<String>,
    f: ResidentForm<CheckinForm>,
) -> AppResult<HttpResponse> {
    let Some(a) = by_token(&state, &raw).await? else {
        return Err(AppError::not_found());
    };
    let mut conn = state.conn().await?;
    let early = Duration::minutes(state.settings.points.checkin_early_minutes);
    a.check_in(&mut conn, f.me.resident.id, early, Utc::now())
        .await??;
    Ok(super::see_other(&format!("/A/{}", a.checkin_token)))
}
