//! How an [`AppError`] becomes an HTTP response: the code's status and `{"error", "reason",
//! "message"}` (people get a page instead, see [`super::error_pages`]). Kept in the web
//! layer so the error type itself knows nothing of actix.

use crate::error::{AppError, ErrorCode};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// The HTTP status of an error code.
pub fn http_status(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The one error body of the JSON API (`/api/...`): every refusal and failure, whatever the
/// status, is this object (documented once in the OpenAPI document as `ErrorBody`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The stable code; clients match on it, never on `message`.
    pub error: ErrorCode,
    /// A finer stable snake_case code within `error` (e.g. `field_too_long`,
    /// `similar_open_case`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A detail safe to show (which field, which limit); never present on a 5xx.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Only with `reason` = `similar_open_case` (409 of `POST /api/v1/reports`): the open
    /// cases that look like the same problem; resend with `confirm_new` to report anyway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similar: Option<Vec<SimilarCase>>,
}

impl ErrorBody {
    /// A body with only its code.
    pub fn code(error: ErrorCode) -> Self {
        ErrorBody {
            error,
            reason: None,
            message: None,
            similar: None,
        }
    }
}

/// An open case that looks like the one being reported (public fields only).
#[derive(Serialize, utoipa::ToSchema)]
pub struct SimilarCase {
    /// The case's public tracking id.
    pub public_id: String,
    /// Its ledger state (snake_case).
    pub state: String,
    /// Its category code.
    pub category: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        http_status(self.code)
    }

    fn error_response(&self) -> HttpResponse {
        // A shed request is the limit working, not a fault: logging each one would add work
        // exactly when the instance has none to spare (the metrics count them).
        if self.code.is_server_error() && self.code != ErrorCode::Overloaded {
            tracing::error!(error = %self, "request failed");
        }
        let mut res = HttpResponse::build(self.status_code());
        if let Some(secs) = super::shed::retry_after(self.code) {
            res.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
        }
        res.json(ErrorBody {
            error: self.code,
            reason: self.reason.map(str::to_owned),
            message: self.public_message().map(str::to_owned),
            similar: None,
        })
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::internal(e)
    }
}
