//! Turn error responses into pages in the user's language, except for JSON clients.

use super::locale::Locale;
use crate::error::{AppError, ErrorCode};
use crate::web::state::AppState;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, HttpRequest, HttpResponse};

/// Whether the client wants JSON rather than a page.
pub fn wants_json(req: &HttpRequest) -> bool {
    if req.path().starts_with("/api/") {
        return true;
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

fn code_for_status(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => ErrorCode::NotFound,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthenticated,
        StatusCode::FORBIDDEN => ErrorCode::Forbidden,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
        StatusCode::SERVICE_UNAVAILABLE => ErrorCode::DatabaseUnavailable,
        s if s.is_client_error() => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    }
}

/// The message for a finer reason code in the user's language, if the locale files have one
/// (`reason.<code>`); otherwise the page shows the error's detail as before.
fn reason_message(locale: Locale, reason: Option<&str>, args: &[(&str, String)]) -> Option<String> {
    let key = format!("reason.{}", reason?);
    let text = super::pages::translate(locale, &key, args);
    (text != key).then_some(text)
}

/// Pages for staff accounts (the console and the cashier's page): signing in there means the
/// staff sign-in, not a resident's emailed code.
pub fn is_staff_page(path: &str) -> bool {
    path.starts_with("/console") || path == "/merchant" || path.starts_with("/merchant/")
}

/// The error page's template: the console's for staff pages.
fn template_for(staff: bool) -> &'static str {
    if staff {
        "console/error.html"
    } else {
        "error.html"
    }
}

/// The page of an error with nothing but its code (a shed request's answer, see
/// `web::shed`), or the bare code where the template cannot be rendered.
pub fn page(state: &AppState, staff: bool, locale: Locale, code: ErrorCode) -> String {
    let status = super::error_response::http_status(code).as_u16();
    let ctx = minijinja::context! { code => code.as_str(), status };
    state
        .pages
        .render(template_for(staff), locale, ctx)
        .unwrap_or_else(|_| code.as_str().to_owned())
}

/// The `ErrorHandlers` default handler.
pub fn render<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Responses a handler built on purpose (the neutral scan page, `/readyz`'s JSON) pass
    // through; only errors, and bare statuses from actix itself, are rewritten.
    let deliberate =
        res.response().error().is_none() && res.headers().contains_key(header::CONTENT_TYPE);
    if deliberate {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let app_error = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>());
    let code = app_error
        .map(|e| e.code)
        .unwrap_or_else(|| code_for_status(status));
    let detail = app_error
        .and_then(|e| e.detail.clone())
        .filter(|_| !status.is_server_error());
    let reason = app_error.and_then(|e| e.reason);
    let args: Vec<(&str, String)> = app_error
        .map(|e| e.args.iter().map(|(k, v)| (*k, v.clone())).collect())
        .unwrap_or_default();
    let req = res.request().clone();

    let response = if wants_json(&req) {
        if app_error.is_some() {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        // An error from actix itself (unknown route, bad JSON): give it our JSON shape too.
        HttpResponse::build(status).json(super::error_response::ErrorBody::code(code))
    } else if code == ErrorCode::Unauthenticated && !is_staff_page(req.path()) {
        // Residents' pages: sign in with an emailed code, then come back.
        let back = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        let next = url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>();
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/me/sign-in?next={next}")))
            .finish()
    } else if code == ErrorCode::Unauthenticated {
        let next = url::form_urlencoded::byte_serialize(req.path().as_bytes()).collect::<String>();
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/console/login?next={next}")))
            .finish()
    } else {
        let locale = Locale::of(&req);
        let body = req.app_data::<web::Data<AppState>>().and_then(|state| {
            let ctx = minijinja::context! { code => code.as_str(), status => status.as_u16(), detail, reason, reason_message => reason_message(locale, reason, &args) };
            state
                .pages
                .render(template_for(is_staff_page(req.path())), locale, ctx)
                .ok()
        });
        let mut page = HttpResponse::build(status);
        if let Some(secs) = super::shed::retry_after(code) {
            page.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        match body {
            Some(html) => page.content_type("text/html; charset=utf-8").body(html),
            None => page
                .content_type("text/plain; charset=utf-8")
                .body(code.as_str()),
        }
    };
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
