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
    if let Some(c) = req
        .cookie(crate::web::security_headers::cookie_name(COOKIE, secure))
        .filter(|c| c.value().len() == 64)
    {
        return (c.value().to_owned(), None);
    }
    let t = random_secret();
    let cookie = Cookie::build(
        crate::web::security_headers::cookie_name(COOKIE, secure),
        t.clone(),
    )
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
        .cookie(crate::web::security_headers::cookie_name(
            COOKIE,
            crate::web::security_headers::secure(req),
        ))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if crate::web::auth::constant_time_eq(submitted, &cookie) {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::CsrfRejected))
    }
}

/// A form posted without a staff or resident session (sign-in, rating, following): parsed,
/// with its `csrf` field checked against the form cookie.
pub struct PublicForm<T>(pub T);

impl<T: serde::de::DeserializeOwned + crate::web::auth::CsrfToken + 'static> actix_web::FromRequest
    for PublicForm<T>
{
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        let body = actix_web::web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let form: T = crate::web::auth::parse_form(&body.await?)?;
            check(&req, form.csrf())?;
            Ok(PublicForm(form))
        })
    }
}

/// The query parameter that carries an upload form's token: `POST /report?csrf=…`.
pub const UPLOAD_PARAM: &str = "csrf";

/// Put before an upload's `MultipartForm` (extractors run in order): the form's token rides in
/// the action URL (`?csrf=`), not in the body, so a post without the form cookie (a cross-site
/// post: the cookie is SameSite=Strict) or with a wrong token is refused before a byte of a
/// 40 MB body is read. (A token in the body could only be checked after the photos before it
/// were read.) The token is useless without the HttpOnly cookie it echoes, so its place in a
/// URL, which the same-origin referrer policy keeps on this site, gives nothing away.
pub struct UploadToken;

impl actix_web::FromRequest for UploadToken {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let submitted = url::form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == UPLOAD_PARAM)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        std::future::ready(check(req, &submitted).and_then(|()| {
            if submitted.len() == 64 {
                Ok(UploadToken)
            } else {
                Err(AppError::new(ErrorCode::CsrfRejected))
            }
        }))
    }
}
