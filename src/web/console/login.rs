//! Sign-in and sign-out.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::people::sessions::{self, random_secret};
use crate::people::{password, ratelimit, Staff};
use crate::state::AppState;
use crate::web::auth::{
    constant_time_eq, parse_form, CurrentStaff, LOGIN_CSRF_COOKIE, SESSION_COOKIE,
};
use crate::web::client_ip::client_ip;
use crate::web::locale::Locale;
use crate::web::pages::html;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::value::Serde;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with("/console") && !n.starts_with("//"))
        .unwrap_or("/console")
        .to_owned()
}

fn cookie<'a>(state: &AppState, name: &'a str, value: String) -> Cookie<'a> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(state.settings.session.cookie_secure)
        .same_site(SameSite::Strict)
        .finish()
}

fn login_page(
    state: &AppState,
    locale: Locale,
    next: &str,
    error: Option<&str>,
    status: actix_web::http::StatusCode,
) -> AppResult<HttpResponse> {
    // The sign-in form has no session yet: its CSRF token is a fresh random value in a
    // SameSite=Strict cookie that the form must echo (double submit).
    let token = random_secret();
    let body = state.pages.render(
        "console/login.html",
        locale,
        minijinja::context! { csrf => &token, next, error, self_path => "/console/login" },
    )?;
    Ok(HttpResponse::build(status)
        .cookie(cookie(state, LOGIN_CSRF_COOKIE, token))
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// `GET /console/login`
pub async fn form(
    state: web::Data<AppState>,
    locale: Locale,
    q: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    login_page(
        &state,
        locale,
        &safe_next(q.next.as_deref()),
        None,
        actix_web::http::StatusCode::OK,
    )
}

/// `POST /console/login`: rate-limited per user name and per client IP; the same answer
/// for an unknown user and a wrong password.
pub async fn submit(
    state: web::Data<AppState>,
    locale: Locale,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let f: LoginForm = parse_form(&body)?;
    let cookie_token = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !constant_time_eq(&f.csrf, &cookie_token) {
        return Err(AppError::new(ErrorCode::CsrfRejected));
    }
    let next = safe_next(f.next.as_deref());
    let sec = &state.settings.security;
    let username = f.username.trim().to_ascii_lowercase();
    let ip = client_ip(&req, &state.settings.server.trusted_proxy);
    let user_ok = ratelimit::hit(
        &state.redis,
        &format!("login:user:{username}"),
        sec.login_attempts_per_user,
        sec.login_window_seconds,
    )
    .await?;
    let ip_ok = ratelimit::hit(
        &state.redis,
        &format!("login:ip:{ip}"),
        sec.login_attempts_per_ip,
        sec.login_window_seconds,
    )
    .await?;
    if !user_ok || !ip_ok {
        tracing::warn!(%username, %ip, "sign-in rate limit reached");
        return login_page(
            &state,
            locale,
            &next,
            Some("login.rate_limited"),
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let mut conn = state.conn().await?;
    let account = Staff::by_username(&mut conn, &username).await?;
    drop(conn);
    let ok = password::verify(
        f.password,
        account.as_ref().map(|a| a.password_hash.clone()),
    )
    .await
    .map_err(AppError::internal)?;
    let Some(account) = account.filter(|_| ok) else {
        return login_page(
            &state,
            locale,
            &next,
            Some("login.failed"),
            actix_web::http::StatusCode::UNAUTHORIZED,
        );
    };
    ratelimit::reset(&state.redis, &format!("login:user:{username}")).await?;
    let (sid, _) = sessions::create(
        &state.redis,
        sessions::Kind::Staff,
        account.id,
        state.settings.session.ttl_seconds,
    )
    .await?;
    tracing::info!(staff_id = account.id, "staff signed in");
    let mut expired = cookie(&state, LOGIN_CSRF_COOKIE, String::new());
    expired.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(cookie(&state, SESSION_COOKIE, sid))
        .cookie(expired)
        .insert_header((actix_web::http::header::LOCATION, next))
        .finish())
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf: String,
}
crate::csrf_form!(LogoutForm);

/// `POST /console/logout`
pub async fn logout(
    state: web::Data<AppState>,
    f: crate::web::auth::StaffForm<LogoutForm>,
) -> AppResult<HttpResponse> {
    sessions::destroy(&state.redis, sessions::Kind::Staff, &f.staff.session_id).await?;
    let mut gone = cookie(&state, SESSION_COOKIE, String::new());
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((actix_web::http::header::LOCATION, "/console/login"))
        .finish())
}

/// `GET /console/me`: who am I (also the landing page of roles without grids).
pub async fn me(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let grids = me.staff.grids(&mut conn).await?;
    let shop = match me.staff.shop_id {
        Some(id) => Some(crate::grids::shops::Shop::find(&mut conn, id).await?),
        None => None,
    };
    let ctx = minijinja::context! { grids => Serde(&grids), shop => Serde(&shop), ..super::base(&me, "/console/me") };
    Ok(html(state.pages.render("console/me.html", locale, ctx)?))
}
