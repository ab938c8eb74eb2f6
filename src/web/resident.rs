//! Residents' pages: sign-in with an emailed one-time code, "my page", settings, sign-out
//! (here or everywhere), and binding to the household whose door code was scanned.

use super::client_ip::client_ip;
use super::form_csrf;
use super::form_csrf::PublicForm;
use super::locale::Locale;
use super::resident_auth::{CurrentResident, MaybeResident, ResidentForm, COOKIE};
use crate::codes::{token, Code};
use crate::error::{AppError, AppResult, ErrorCode, Refusal};
use crate::people::otp;
use crate::people::ratelimit;
use crate::people::residents::{self, normalize_email, BindOutcome, Resident};
use crate::people::sessions::{self, Kind};
use crate::polls::Poll;
use crate::web::state::AppState;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::value::Serde;
use serde::Deserialize;

fn safe_next(next: Option<&str>) -> String {
    next.and_then(crate::web::local_path::local_path)
        .unwrap_or_else(|| "/me".to_owned())
}

use super::see_other;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /me/sign-in`
pub async fn sign_in_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    locale: Locale,
    q: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    let (csrf, cookie) = form_csrf::token(&req, state.settings.session.cookie_secure);
    let body = state.pages.render("me/sign_in.html", locale, minijinja::context! { csrf, next => safe_next(q.next.as_deref()), self_path => "/me/sign-in" })?;
    let mut res = HttpResponse::Ok();
    if let Some(c) = cookie {
        res.cookie(c);
    }
    Ok(res.content_type("text/html; charset=utf-8").body(body))
}

#[derive(Deserialize)]
pub struct EmailForm {
    csrf: String,
    email: String,
    next: Option<String>,
}

/// `POST /me/sign-in`: send a code. The answer is the same whether or not the address is
/// known (sign-in is sign-up), and sending is rate-limited per address and per client.
pub async fn send_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    locale: Locale,
    PublicForm(f): PublicForm<EmailForm>,
) -> AppResult<HttpResponse> {
    let email = normalize_email(&f.email);
    if !crate::reports::intake::valid_email(&email) {
        // Beside the field, with what was typed kept.
        let (csrf, _) = form_csrf::token(&req, state.settings.session.cookie_secure);
        let body = state.pages.render(
            "me/sign_in.html",
            locale,
            minijinja::context! {
                csrf, next => safe_next(f.next.as_deref()), self_path => "/me/sign-in",
                typed => f.email.chars().take(200).collect::<String>(),
                error => crate::reports::ReportError::BadEmail.words(locale),
            },
        )?;
        return Ok(HttpResponse::UnprocessableEntity()
            .content_type("text/html; charset=utf-8")
            .body(body));
    }
    let ip = client_ip(&req, &state.settings.server.trusted_proxy);
    let by_mail = ratelimit::hit(&state.redis, &format!("otp:mail:{email}"), 5, 900).await?;
    let by_ip = ratelimit::hit(&state.redis, &format!("otp:ip:{ip}"), 30, 900).await?;
    if !by_mail || !by_ip {
        return Err(AppError::with_detail(
            ErrorCode::RateLimited,
            super::pages::translate(locale, "signin.too_many_codes", &[]),
        ));
    }
    let code = otp::issue(&state.redis, &email).await?;
    // Sent now and never stored (not in the outbox): the resident is waiting for it, and a
    // code in a table would sign in whoever reads the table.
    let s = state.clone();
    let (to, tag) = (email.clone(), locale.tag());
    tokio::spawn(async move {
        let params = serde_json::json!({ "code": code, "minutes": otp::TTL_SECONDS / 60 });
        crate::notify::direct::send(
            &s.mailer,
            &s.mail_templates,
            &to,
            "sign_in_code",
            tag,
            &params,
        )
        .await;
    });
    let (csrf, _) = form_csrf::token(&req, state.settings.session.cookie_secure);
    state.pages.page(
        "me/code.html",
        locale,
        minijinja::context! { csrf, email, next => safe_next(f.next.as_deref()), self_path => "/me/sign-in" },
    )
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    email: String,
    code: String,
    next: Option<String>,
}

/// `POST /me/verify`: check the code, start a session. A wrong code shows the same form
/// again with the refusal beside the field.
pub async fn verify(
    state: web::Data<AppState>,
    locale: Locale,
    req: HttpRequest,
    PublicForm(f): PublicForm<CodeForm>,
) -> AppResult<HttpResponse> {
    let email = normalize_email(&f.email);
    // Wrong guesses are also counted per address across codes (a new code every 15 minutes
    // would otherwise give 5 guesses each, day and night).
    let guesses = format!("otp:guess:{email}");
    let outcome = if ratelimit::full(&state.redis, &guesses, otp::MAX_WRONG_PER_DAY).await? {
        Err(otp::OtpError::TooManyAttempts)
    } else {
        otp::verify(&state.redis, &email, &f.code).await?
    };
    if let Err(otp::OtpError::Wrong { .. }) = outcome {
        ratelimit::hit(&state.redis, &guesses, otp::MAX_WRONG_PER_DAY, 86_400).await?;
    }
    if let Err(e) = outcome {
        if super::error_pages::wants_json(&req) {
            return Err(AppError::refused(&e, locale));
        }
        let status = super::error_response::http_status(e.error_code());
        let (csrf, _) = form_csrf::token(&req, state.settings.session.cookie_secure);
        let body = state.pages.render(
            "me/code.html",
            locale,
            minijinja::context! {
                csrf, email, next => safe_next(f.next.as_deref()), self_path => "/me/sign-in",
                typed => f.code.chars().take(6).collect::<String>(),
                error => e.words(locale),
            },
        )?;
        return Ok(HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body));
    }
    let mut conn = state.conn().await?;
    let resident = Resident::sign_in(&mut conn, &email, locale.tag()).await?;
    let (sid, _) = sessions::create(
        &state.redis,
        Kind::Resident,
        resident.id,
        state.settings.session.ttl_seconds,
    )
    .await?;
    let cookie = Cookie::build(
        crate::web::security_headers::cookie_name(COOKIE, state.settings.session.cookie_secure),
        sid,
    )
    .path("/")
    .http_only(true)
    .secure(state.settings.session.cookie_secure)
    .same_site(SameSite::Lax)
    .finish();
    Ok(HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((header::LOCATION, safe_next(f.next.as_deref())))
        .finish())
}

/// `?bound=<household>` right after binding: the page says so.
#[derive(Deserialize)]
pub struct BoundQuery {
    bound: Option<i64>,
}

/// `GET /me`: my households, my points, my reports, polls open to me, settings.
pub async fn me(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentResident,
    q: web::Query<BoundQuery>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let memberships = me.resident.memberships(&mut conn).await?;
    // Mine, and those made from my households' door codes (by anyone in the household).
    let household_ids: Vec<i64> = memberships.iter().map(|m| m.household_id).collect();
    let my_reports =
        crate::reports::Report::of_resident(&mut conn, me.resident.id, &household_ids, 50).await?;
    let reports: Vec<serde_json::Value> = my_reports
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "public_id": r.public_id,
                "category": state.catalog.kind(&r.category).map(|k| k.name(locale).to_owned()).unwrap_or(r.category),
                "state": crate::reports::ledger::CaseState::parse(&r.state).map(|s| s.label(locale)).unwrap_or_default(),
                "description": r.description, "submitted_at": r.submitted_at,
            })
        })
        .collect();
    let mut polls: Vec<Poll> = Vec::new();
    for m in &memberships {
        for p in Poll::open_for(&mut conn, &m.grid_path, chrono::Utc::now()).await? {
            if !polls.iter().any(|q| q.id == p.id) {
                polls.push(p);
            }
        }
    }
    drop(conn);
    let just_bound = q
        .bound
        .and_then(|h| memberships.iter().find(|m| m.household_id == h))
        .map(|m| format!("{} {}", m.compound, m.door));
    let balance = crate::points::projection::balance(
        &state.db,
        &state.redis,
        &crate::points::Account::Resident(me.resident.id),
    )
    .await?;
    state.pages.page(
        "me/index.html",
        locale,
        minijinja::context! {
            just_bound, balance,
            resident => Serde(&me.resident), memberships => Serde(&memberships), reports => Serde(reports),
            polls => Serde(&polls), csrf => &me.session.csrf, self_path => "/me",
        },
    )
}

#[derive(Deserialize)]
pub struct SettingsForm {
    csrf: String,
    #[serde(default)]
    notify_email: Option<String>,
}

/// `POST /me/settings`
pub async fn settings(
    state: web::Data<AppState>,
    ResidentForm { me, form: f }: ResidentForm<SettingsForm>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    me.resident
        .set_notify(&mut conn, f.notify_email.is_some())
        .await?;
    Ok(see_other("/me"))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}
crate::csrf_form!(EmailForm, CodeForm, SettingsForm, CsrfOnly, BindForm);

fn signed_out(secure: bool) -> HttpResponse {
    let mut gone = Cookie::build(
        crate::web::security_headers::cookie_name(COOKIE, secure),
        "",
    )
    .path("/")
    .secure(secure)
    .finish();
    gone.make_removal();
    HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((header::LOCATION, "/"))
        .finish()
}

/// `POST /me/sign-out`
pub async fn sign_out(
    state: web::Data<AppState>,
    ResidentForm { me, .. }: ResidentForm<CsrfOnly>,
) -> AppResult<HttpResponse> {
    sessions::destroy(&state.redis, Kind::Resident, &me.session_id).await?;
    Ok(signed_out(state.settings.session.cookie_secure))
}

/// `POST /me/sign-out-everywhere`: ends every session of this resident, on every device.
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    ResidentForm { me, .. }: ResidentForm<CsrfOnly>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    Resident::end_all_sessions(&mut conn, me.resident.id).await?;
    // The sessions are dead already; this only frees their keys early.
    sessions::destroy_all(&state.redis, Kind::Resident, me.resident.id).await?;
    Ok(signed_out(state.settings.session.cookie_secure))
}

/// The household a door code stands for (404 for anything else).
async fn household_of(state: &AppState, raw: &str) -> AppResult<crate::codes::model::ScanTarget> {
    let t = token::normalize(raw).ok_or_else(AppError::not_found)?;
    let mut conn = state.conn().await?;
    Code::scan(&mut conn, &t)
        .await?
        .filter(|t| t.household_id.is_some())
        .ok_or_else(AppError::not_found)
}

/// `GET /C/{token}/bind`: "I live here".
pub async fn bind_page(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentResident,
    raw: web::Path<String>,
) -> AppResult<HttpResponse> {
    let place = household_of(&state, &raw).await?;
    bind_view(
        &state,
        locale,
        &me,
        &place,
        None,
        "",
        actix_web::http::StatusCode::OK,
    )
    .await
}

/// The binding page, with a refusal beside the field and what was typed kept (a wrong code
/// is a typing mistake, not a dead end).
async fn bind_view(
    state: &AppState,
    locale: Locale,
    me: &CurrentResident,
    place: &crate::codes::model::ScanTarget,
    error: Option<&str>,
    typed: &str,
    status: actix_web::http::StatusCode,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let member = me
        .resident
        .is_member(&mut conn, place.household_id.unwrap_or_default())
        .await?;
    let body = state.pages.render(
        "me/bind.html",
        locale,
        minijinja::context! {
            place => Serde(place), member, csrf => &me.session.csrf, error, typed,
            self_path => format!("/C/{}/bind", place.token),
        },
    )?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

#[derive(Deserialize)]
pub struct BindForm {
    csrf: String,
    #[serde(default)]
    binding_code: String,
    #[serde(default)]
    note: String,
}

/// `POST /C/{token}/bind`: with the binding code from the household's slip. Guessing is
/// limited per resident and household.
pub async fn bind(
    state: web::Data<AppState>,
    locale: Locale,
    raw: web::Path<String>,
    ResidentForm { me, form: f }: ResidentForm<BindForm>,
) -> AppResult<HttpResponse> {
    let place = household_of(&state, &raw).await?;
    let household = place.household_id.unwrap_or_default();
    let bucket = format!("bind:{}:{household}", me.resident.id);
    let refused = |reason: &'static str, status| {
        bind_view(
            &state,
            locale,
            &me,
            &place,
            Some(reason),
            f.binding_code.trim(),
            status,
        )
    };
    if !ratelimit::hit(&state.redis, &bucket, 5, 3600).await? {
        return refused(
            "reason.binding_attempts_exceeded",
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
    }
    let mut conn = state.conn().await?;
    match me
        .resident
        .bind_with_code(&mut conn, household, &f.binding_code)
        .await?
    {
        BindOutcome::Bound | BindOutcome::AlreadyMember => {
            Ok(see_other(&format!("/me?bound={household}")))
        }
        BindOutcome::WrongCode => {
            drop(conn);
            refused(
                "reason.wrong_binding_code",
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /C/{token}/bind/request`: ask the grid worker to approve.
pub async fn request_binding(
    state: web::Data<AppState>,
    raw: web::Path<String>,
    ResidentForm { me, form: f }: ResidentForm<BindForm>,
) -> AppResult<HttpResponse> {
    let place = household_of(&state, &raw).await?;
    let mut conn = state.conn().await?;
    me.resident
        .request_binding(
            &mut conn,
            place.household_id.unwrap_or_default(),
            &f.note.chars().take(200).collect::<String>(),
        )
        .await?;
    Ok(see_other(&format!("/C/{}/bind", place.token)))
}

/// Used by the report form: a signed-in resident's reports are linked to them.
pub fn resident_id(r: &MaybeResident) -> Option<i64> {
    r.0.as_ref().map(|c| c.resident.id)
}

/// Members of a household (console): re-exported for the console page.
pub use residents::members;
