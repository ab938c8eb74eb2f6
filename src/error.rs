//! The one error type of the service.
//!
//! Policy:
//! - Every failure a client can see is an [`AppError`] with a stable [`ErrorCode`]. The code
//!   (snake_case) is the contract: clients and tests match on it, never on the wording.
//! - 4xx errors may carry a `detail` that is safe to show (which field, which row, which limit).
//! - 5xx errors never show their cause: the cause is logged (with the request's span) and the
//!   client gets only the code.
//! - JSON clients (`/api/...`, or `Accept: application/json`) get `{"error": code, "message"}`;
//!   people get a page in their language (see `web::error_pages`), built from the code.
//! - Library errors convert with `?` into `internal` (or `database_unavailable` /
//!   `redis_unavailable` when the service behind them does not answer), so a handler never
//!   turns an infrastructure fault into a misleading 4xx.
//! - A domain *refusal* (the request was understood, the rules say no: a closed poll, a wrong
//!   code, a photo too large) is an enum that implements [`Refusal`]: a stable `code()`, its
//!   arguments, and the [`ErrorCode`] (hence the HTTP status) decided in the enum, once. Its
//!   words live in `assets/locales/<tag>.yml` under `reason.<code>` (import problems under
//!   `import_file.<code>`), never in Rust; the web layer puts them into the request's
//!   language ([`AppError::refused`] or the error page's `reason.<code>` lookup). A handler
//!   never picks a status or words for a refusal itself.
//! - Nested results: an operation that can fail for infrastructure *and* be refused returns
//!   `AppResult<Result<T, SomeRefusal>>`. The outer `?` is for faults (the caller has
//!   nothing to decide); the inner `Result` is a refusal the caller must look at, because it
//!   usually answers it differently (the form again with the words beside the field, a
//!   redirect) rather than with an error page. Only refusals go inside; never an `AppError`
//!   inside an `AppResult`. When every caller would just turn the refusal into an error, the
//!   function returns `AppResult<T>` and converts the refusal itself.

use crate::i18n::{Locale, Message};
use serde::Serialize;
use std::fmt;

/// The stable error codes. Adding one is fine; renaming one breaks clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    Unauthenticated,
    Forbidden,
    CsrfRejected,
    RateLimited,
    PayloadTooLarge,
    BadRequest,
    InvalidInput,
    InvalidGeojson,
    ImportRejected,
    Conflict,
    DatabaseUnavailable,
    RedisUnavailable,
    /// More requests are in flight than the instance is configured to take
    /// (`server.max_in_flight`): refused at once with `Retry-After`, never queued.
    Overloaded,
    Internal,
}

impl ErrorCode {
    /// The snake_case code as sent to clients.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CsrfRejected => "csrf_rejected",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::InvalidGeojson => "invalid_geojson",
            ErrorCode::ImportRejected => "import_rejected",
            ErrorCode::Conflict => "conflict",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
            ErrorCode::RedisUnavailable => "redis_unavailable",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::Internal => "internal",
        }
    }

    /// The HTTP status that goes with the code (the web layer turns it into a response).
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::NotFound => 404,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden | ErrorCode::CsrfRejected => 403,
            ErrorCode::RateLimited => 429,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::BadRequest => 400,
            ErrorCode::InvalidInput | ErrorCode::InvalidGeojson | ErrorCode::ImportRejected => 422,
            ErrorCode::Conflict => 409,
            ErrorCode::DatabaseUnavailable
            | ErrorCode::RedisUnavailable
            | ErrorCode::Overloaded => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// Whether the code is a server fault (5xx): its detail is never shown.
    pub fn is_server_error(self) -> bool {
        self.status() >= 500
    }

    /// Parse a code back (used by the error-page middleware).
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ALL_CODES.iter().copied().find(|c| c.as_str() == s)
    }
}

const ALL_CODES: &[ErrorCode] = &[
    ErrorCode::NotFound,
    ErrorCode::Unauthenticated,
    ErrorCode::Forbidden,
    ErrorCode::CsrfRejected,
    ErrorCode::RateLimited,
    ErrorCode::PayloadTooLarge,
    ErrorCode::BadRequest,
    ErrorCode::InvalidInput,
    ErrorCode::InvalidGeojson,
    ErrorCode::ImportRejected,
    ErrorCode::Conflict,
    ErrorCode::DatabaseUnavailable,
    ErrorCode::RedisUnavailable,
    ErrorCode::Overloaded,
    ErrorCode::Internal,
];

/// A domain refusal: why a request was understood and refused (see the module's policy).
pub trait Refusal {
    /// The stable snake_case reason code (JSON `reason`). Adding one is fine; renaming one
    /// breaks clients.
    fn code(&self) -> &'static str;

    /// The general error code the refusal belongs to, which decides the HTTP status.
    fn error_code(&self) -> ErrorCode;

    /// The words, not yet in a language: `reason.<code>` with the refusal's arguments.
    fn message(&self) -> Message {
        Message::new(format!("reason.{}", self.code()))
    }

    /// The words in `locale`.
    fn words(&self, locale: Locale) -> String {
        self.message().render(locale)
    }

    /// One value of every variant (with sample arguments), so a test can check that every
    /// locale file has words for each.
    fn examples() -> Vec<Self>
    where
        Self: Sized;
}

/// A failure with its stable code, a detail safe to show (4xx only) and a cause to log.
#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub detail: Option<String>,
    /// A finer stable snake_case code within `code` (e.g. `photo_too_large`), for clients
    /// that need to tell apart the kinds of `invalid_input`.
    pub reason: Option<&'static str>,
    /// Values for the placeholders of the reason's translated message (`%{name}`), e.g. the
    /// limit a batch went over.
    pub args: Vec<(&'static str, String)>,
    cause: Option<anyhow::Error>,
}

/// The result type of every fallible function that a request reaches.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// An error with only its code.
    pub fn new(code: ErrorCode) -> Self {
        AppError {
            code,
            reason: None,
            args: Vec::new(),
            detail: None,
            cause: None,
        }
    }

    /// An error with a detail that is shown to the client.
    pub fn with_detail(code: ErrorCode, detail: impl Into<String>) -> Self {
        AppError {
            code,
            reason: None,
            args: Vec::new(),
            detail: Some(detail.into()),
            cause: None,
        }
    }

    /// A 5xx with a cause that is logged and never shown.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        AppError {
            code: ErrorCode::Internal,
            reason: None,
            args: Vec::new(),
            detail: None,
            cause: Some(cause.into()),
        }
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound)
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden)
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::with_detail(ErrorCode::InvalidInput, detail)
    }

    /// A refusal for a client of `locale`: its error code, its reason code, and its words
    /// in that language as the detail (so JSON clients read them as `message`, and the error
    /// page shows the same words).
    pub fn refused(e: &impl Refusal, locale: Locale) -> Self {
        let message = e.message();
        let mut err =
            AppError::with_detail(e.error_code(), message.render(locale)).with_reason(e.code());
        err.args = message.rendered_args(locale);
        err
    }

    /// Attach a finer stable code.
    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    /// Give the reason's translated message a value for its `%{name}` placeholder.
    pub fn with_arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// Attach a cause for the log (keeps the code).
    pub fn caused_by(mut self, cause: impl Into<anyhow::Error>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    /// The message shown to JSON clients: the detail for 4xx, nothing else for 5xx.
    pub fn public_message(&self) -> Option<&str> {
        if self.code.is_server_error() {
            None
        } else {
            self.detail.as_deref()
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code.as_str())?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        if let Some(c) = &self.cause {
            write!(f, " ({c:#})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::not_found(),
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                _,
            ) => AppError::new(ErrorCode::DatabaseUnavailable).caused_by(e),
            other => AppError::internal(other),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        AppError::new(ErrorCode::DatabaseUnavailable).caused_by(e)
    }
}

impl From<redis::RedisError> for AppError {
    fn from(e: redis::RedisError) -> Self {
        AppError::new(ErrorCode::RedisUnavailable).caused_by(e)
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> Self {
        AppError::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_snake_case() {
        for c in ALL_CODES {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
            assert!(c
                .as_str()
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '_'));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
    }

    #[test]
    fn server_errors_hide_their_detail() {
        let e = AppError::with_detail(ErrorCode::Internal, "secret table name");
        assert_eq!(e.public_message(), None);
        let e = AppError::invalid("name is empty");
        assert_eq!(e.public_message(), Some("name is empty"));
    }
}
