//! Sign-in and sign-out.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::people::sessions::{self, random_secret};
use crate::people::{password, ratelimit, Staff};
use crate::web::auth::{
    constant_time_eq, parse_form, CurrentStaff, LOGIN_CSRF_COOKIE, SESSION_COOKIE,
};
use crate::web::client_ip::client_ip;
use crate::web::locale::Locale;
use crate::web::pages::html;
use crate::web::state::AppState;
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

/// Where a sign-in may return to: staff pages only (the console and the cashier's page).
fn safe_next(next: Option<&str>) -> Option<String> {
    next.and_then(|n| crate::web::local_path::local_path_under(n, &["/console", "/merchant"]))
}

/// Where an account lands when it was not sent back somewhere: a cashier on the shop's
/// redemptions, a grid worker or an informant on their cases, everyone else on the console's first page.
fn home_of(role: crate::people::roles::Role) -> &'static str {
    use crate::people::roles::Role;
    match role {
        Role::MerchantCashier => "/merchant",
        Role::GridWorker | Role::Informant => "/console/cases",
        _ => "/console",
    }
}

fn cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    let secure = state.settings.session.cookie_secure;
    Cookie::build(
        crate::web::security_headers::cookie_name(name, secure),
        value,
    )
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
        &safe_next(q.next.as_deref()).unwrap_or_default(),
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
        .cookie(crate::web::security_headers::cookie_name(
            LOGIN_CSRF_COOKIE,
            state.settings.session.cookie_secure,
        ))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !constant_time_eq(&f.csrf, &cookie_token) {
        return Err(AppError::new(ErrorCode::CsrfRejected));
    }
    let next = safe_next(f.next.as_deref()).unwrap_or_default();
    let sec = &state.settings.security;
    let username = f.username.trim().to_ascii_lowercase();
    let ip = client_ip(&req, &state.settings.server.trusted_proxy);
    // Per user name *and* client, so that nobody can lock a colleague out by guessing their
    // name from elsewhere; per client as well, so one client cannot try many names.
    let pair = format!("login:userip:{username}|{ip}");
    let user_ok = ratelimit::hit(
        &state.redis,
        &pair,
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
    ratelimit::reset(&state.redis, &pair).await?;
    let (sid, _) = sessions::create(
        &state.redis,
        sessions::Kind::Staff,
        account.id,
        state.settings.session.ttl_seconds,
    )
    .await?;
    tracing::info!(staff_id = account.id, "staff signed in");
    let next = match next.as_str() {
        "" | "/console" => home_of(account.role()).to_owned(),
        _ => next,
    };
    let mut expired = cookie(&state, LOGIN_CSRF_COOKIE, String::new());
    expired.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(cookie(&state, SESSION_COOKIE, sid))
        .cookie(expired)
        .insert_header((actix_web::http::header::LOCATION, next))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::{home_of, safe_next};
    use crate::people::roles::Role;

    #[test]
    fn sign_in_returns_to_staff_pages_only_and_lands_by_role() {
        assert_eq!(safe_next(Some("/merchant")).as_deref(), Some("/merchant"));
        assert_eq!(
            safe_next(Some("/console/cases")).as_deref(),
            Some("/console/cases")
        );
        assert_eq!(safe_next(Some("/me")), None);
        assert_eq!(safe_next(Some("//evil.example/console")), None);
        assert_eq!(safe_next(Some("/merchantx")), None);
        assert_eq!(home_of(Role::MerchantCashier), "/merchant");
        assert_eq!(home_of(Role::GridWorker), "/console/cases");
        assert_eq!(home_of(Role::Admin), "/console");
    }
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

/// `POST /console/sign-out-everywhere`: ends every session of this account, on every device.
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    f: crate::web::auth::StaffForm<LogoutForm>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    Staff::end_all_sessions(&mut conn, f.staff.staff.id).await?;
    drop(conn);
    sessions::destroy_all(&state.redis, sessions::Kind::Staff, f.staff.staff.id).await?;
    logout(state, f).await
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
