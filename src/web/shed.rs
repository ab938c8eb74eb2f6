//! Load shedding: at most `server.max_in_flight` requests are handled at once by this
//! instance; one more is refused at once with 503 `overloaded` and `Retry-After`, as a page in
//! the user's language or the JSON error body. Without a limit a spike queues: every request
//! waits longer for a database connection, memory grows with the queue, and the requests that
//! are finally served are too late to matter (issue 16, F6). Health and metrics are never
//! shed, so a load balancer still sees the instance as alive and an operator can look at it.

use super::error_pages::{self, wants_json};
use super::error_response::ErrorBody;
use super::locale::Locale;
use super::state::AppState;
use crate::error::ErrorCode;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::RETRY_AFTER;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpResponse};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Seconds a shed client is told to wait before trying again.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// The in-flight limit shared by every worker of the instance (cloned into each: one
/// semaphore behind the `Arc`), and the refusal page per language, rendered on first use:
/// a shed request must cost far less than a served one, or shedding frees nothing.
#[derive(Clone)]
pub struct InFlight {
    slots: Option<Arc<Semaphore>>,
    /// Per language: the public page, then the console's.
    pages: Arc<[[OnceLock<Bytes>; 2]; Locale::ALL.len()]>,
}

impl InFlight {
    /// A limit of `max` requests at once; 0 means none.
    pub fn new(max: usize) -> InFlight {
        InFlight {
            slots: (max > 0).then(|| Arc::new(Semaphore::new(max.min(Semaphore::MAX_PERMITS)))),
            pages: Arc::new(std::array::from_fn(|_| [OnceLock::new(), OnceLock::new()])),
        }
    }

    /// Requests that may still start now (for metrics and tests); `None` without a limit.
    pub fn available(&self) -> Option<usize> {
        self.slots.as_ref().map(|s| s.available_permits())
    }
}

/// The answer to a shed request: the JSON error body, or the refusal page in the
/// requester's language (rendered once per language), with `Retry-After`.
fn refusal(state: &AppState, req: &ServiceRequest) -> HttpResponse {
    let mut res = HttpResponse::ServiceUnavailable();
    res.insert_header((RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
    if wants_json(req.request()) {
        return res.json(ErrorBody::code(ErrorCode::Overloaded));
    }
    let locale = Locale::of(req.request());
    let staff = error_pages::is_staff_page(req.path());
    let page = state.in_flight.pages[locale.index()][usize::from(staff)].get_or_init(|| {
        Bytes::from(error_pages::page(
            state,
            staff,
            locale,
            ErrorCode::Overloaded,
        ))
    });
    res.content_type("text/html; charset=utf-8")
        .body(page.clone())
}

/// Paths that are answered whatever the load: the probes and the metrics.
fn never_shed(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// The `Retry-After` a response with this code carries, if any.
pub fn retry_after(code: ErrorCode) -> Option<u32> {
    (code == ErrorCode::Overloaded).then_some(RETRY_AFTER_SECONDS)
}

/// Marks a request that was shed (in its extensions), so the outer middleware can tell the
/// limit working from a fault whatever the error page made of the response.
#[derive(Clone, Copy)]
struct Shed;

/// Whether this request was refused by the in-flight limit.
pub fn was_shed(req: &actix_web::HttpRequest) -> bool {
    req.extensions().get::<Shed>().is_some()
}

/// Middleware: take a slot for the request, or refuse it with `overloaded`. The slot is held
/// until the handler has produced its response (a streamed body, such as a print batch,
/// runs on after it: those are bounded by their own limits).
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let slots = state.as_ref().and_then(|s| s.in_flight.slots.clone());
    let permit = match (slots, state) {
        (Some(sem), Some(state)) if !never_shed(req.path()) => match sem.try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => {
                metrics::counter!("http_requests_shed_total").increment(1);
                req.extensions_mut().insert(Shed);
                let res = refusal(&state, &req);
                return Ok(req.into_response(res).map_into_right_body());
            }
        },
        _ => None,
    };
    let res = next.call(req).await?;
    drop(permit);
    Ok(res.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probes_are_never_shed_and_everything_else_can_be() {
        assert!(never_shed("/healthz"));
        assert!(never_shed("/readyz"));
        assert!(never_shed("/metrics"));
        assert!(!never_shed("/C/ABCDEFGH"));
        assert!(!never_shed("/healthz/x"));
        assert!(!never_shed("/api/v1/reports"));
    }

    #[test]
    fn only_overloaded_says_when_to_come_back() {
        assert_eq!(retry_after(ErrorCode::Overloaded), Some(1));
        assert_eq!(retry_after(ErrorCode::DatabaseUnavailable), None);
        assert_eq!(retry_after(ErrorCode::RateLimited), None);
    }

    #[test]
    fn zero_means_no_limit() {
        assert_eq!(InFlight::new(0).available(), None);
        assert_eq!(InFlight::new(3).available(), Some(3));
    }
}
