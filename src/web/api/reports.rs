//! `POST /api/v1/reports`: a report as JSON (apps, load tests), through the same intake as
//! the report form.

use crate::error::{AppError, AppResult};
use crate::reports::intake::Outcome;
use crate::reports::submit::{self, JsonSubmission};
use crate::reports::Report;
use crate::web::client_ip::client_ip;
use crate::web::error_response::{ErrorBody, SimilarCase};
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

/// A stored report, as its submitter sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportReceipt {
    /// The public tracking id (also Open311's `service_request_id`).
    pub public_id: String,
    /// The ledger state (snake_case), e.g. `submitted`.
    pub state: String,
    /// The grid the case was routed to.
    pub grid_id: i64,
    /// The category code.
    pub category: String,
    /// The public tracking page (read and follow).
    pub tracking_url: String,
    /// The reporter's key: whoever holds it may rate the case. Given to the submitter only.
    pub reporter_key: String,
    /// The tracking page with the reporter's key.
    pub reporter_url: String,
}

/// Submit a report. Needs no account (a resident's app); limited per address and per code.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "reports",
    request_body(content = JsonSubmission, content_type = "application/json"),
    responses(
        (status = 201, description = "Stored: a new case", body = ReportReceipt),
        (status = 200, description = "A retry with a known `idempotency_key`: the first report", body = ReportReceipt),
        (status = 400, description = "`bad_request`: the body is not JSON of this shape", body = ErrorBody),
        (status = 409, description = "`conflict`: `similar_open_case` (the open cases in `similar`; resend with `confirm_new`), or the `idempotency_key` was used for another report", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the body is over the limit", body = ErrorBody),
        (status = 422, description = "`invalid_input`: a field is missing, too long, has a control character, or names no known code, category or place (`reason` says which)", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many reports from this address or for this code", body = ErrorBody),
        (status = 503, description = "`database_unavailable` / `redis_unavailable`", body = ErrorBody),
    )
)]
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    locale: Locale,
    body: crate::web::input::Json<JsonSubmission>,
) -> AppResult<HttpResponse> {
    let ip = client_ip(&req, &state.settings.server.trusted_proxy);
    let outcome = submit::submit_json(state.reports(), &ip, locale.tag(), body.0);
    // Only the submitter gets the reporter's key (rating); the 409 below names other cases by
    // their public ids, which grant reading and following only.
    let links = crate::reports::Links::of(&state.settings);
    let receipt = |r: &Report| ReportReceipt {
        public_id: r.public_id.clone(),
        state: r.state.clone(),
        grid_id: r.grid_id,
        category: r.category.clone(),
        tracking_url: links.tracking(&r.public_id),
        reporter_key: crate::reports::reporter_key(&state.settings, &r.public_id),
        reporter_url: links.reporter_tracking(&r.public_id),
    };
    match outcome.await? {
        Ok(Outcome::Created(r)) => Ok(HttpResponse::Created().json(receipt(&r))),
        Ok(Outcome::Existing(r)) => Ok(HttpResponse::Ok().json(receipt(&r))),
        Ok(Outcome::Similar(list)) => Ok(HttpResponse::Conflict().json(ErrorBody {
            reason: Some("similar_open_case".into()),
            similar: Some(
                list.iter()
                    .map(|r| SimilarCase {
                        public_id: r.public_id.clone(),
                        state: r.state.clone(),
                        category: r.category.clone(),
                    })
                    .collect(),
            ),
            ..ErrorBody::code(crate::error::ErrorCode::Conflict)
        })),
        Err(e) => Err(AppError::refused(&e, locale)),
    }
}
