//! CSRF protection for forms used without a staff session (sign-in, snap-report, rating):
//! a random token in a SameSite=Strict, HttpOnly cookie that the form must echo.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::people::sessions::random_secret;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;

/// The cookie holding the form token.
pub const COOKIE: &str = "mashang_form";

/// The token for a form page: the visitor's existing one, or a new one with the cookie to set.
pub fn token(req: &HttpRequest, secure: bool) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req.cookie(COOKIE).filter(|c| c.value().len() == 64) {
        return (c.value().to_owned(), None);
    }
    let t = random_secret();
    let cookie = Cookie::build(COOKIE, t.clone())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish();
    (t, Some(cookie))
}

/// Check a submitted token against the cookie.
pub fn check(req: &HttpRequest, submitted: &str) -> AppResult<()> {
    let cookie = req
        .cookie(COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if crate::web::auth::constant_time_eq(submitted, &cookie) {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::CsrfRejected))
    }
}
