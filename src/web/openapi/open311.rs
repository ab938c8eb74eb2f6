//! The OpenAPI description of Open311 GeoReport v2's JSON endpoints. The handlers
//! (`web::open311`) take the file name (`services.json`) as one path segment and answer JSON
//! or XML by its suffix, so one handler serves several documented paths: the operations are
//! described here, on functions that exist only to carry the description (never routed). The
//! bodies are the very types the handlers serialise (`crate::open311`).

#![allow(dead_code)] // Description-only functions and the form's shape: never called or built.

use crate::open311::render::ErrorItem;
use crate::open311::requests::{Posted, ServiceRequest};
use crate::open311::services::{Definition, Discovery, Service};

/// `POST requests` fields (form-encoded). Answers to a service's questions go as
/// `attribute[CODE]=value` (`attribute[CODE][]` for a multi-value list), one field each.
#[derive(utoipa::ToSchema)]
pub struct PostRequestForm {
    /// The integrator's key (issued by an admin: console → Open311, or
    /// `mashang open311 keys create NAME`).
    #[schema(max_length = 16384)]
    api_key: String,
    /// A `service_code` from `services.json`.
    #[schema(max_length = 16384)]
    service_code: String,
    /// Latitude (WGS-84); with `long`. One location is needed: `lat`+`long`, `address_string`
    /// or `address_id`.
    lat: Option<f64>,
    /// Longitude (WGS-84); with `lat`.
    long: Option<f64>,
    /// Where, in words.
    #[schema(max_length = 16384)]
    address_string: Option<String>,
    /// A printed door or shop code's token.
    #[schema(max_length = 16384)]
    address_id: Option<String>,
    /// What is wrong (at most 4,000 characters).
    #[schema(max_length = 4000)]
    description: Option<String>,
    /// A photo's URL.
    #[schema(max_length = 2048)]
    media_url: Option<String>,
    /// The reporter's address for news of the request (never shown).
    #[schema(max_length = 254)]
    email: Option<String>,
    #[schema(max_length = 16384)]
    first_name: Option<String>,
    #[schema(max_length = 16384)]
    last_name: Option<String>,
    #[schema(max_length = 16384)]
    phone: Option<String>,
    #[schema(max_length = 16384)]
    device_id: Option<String>,
    #[schema(max_length = 16384)]
    account_id: Option<String>,
    /// Accepted and ignored: one jurisdiction per deployment.
    #[schema(max_length = 16384)]
    jurisdiction_id: Option<String>,
}

/// The discovery document.
#[utoipa::path(
    get,
    path = "/open311/v2/discovery.json",
    tag = "open311",
    responses(
        (status = 200, description = "Changeset, contact, key service and the endpoint", body = Discovery),
        (status = 400, description = "Open311 errors: a malformed query string", body = Vec<ErrorItem>),
    )
)]
pub(super) fn discovery() {}

/// Every service (one per report category).
#[utoipa::path(
    get,
    path = "/open311/v2/services.json",
    tag = "open311",
    params(("jurisdiction_id" = Option<String>, Query, description = "Accepted and ignored")),
    responses(
        (status = 200, description = "The service list", body = Vec<Service>),
        (status = 400, description = "Open311 errors: a malformed query string", body = Vec<ErrorItem>),
    )
)]
pub(super) fn services() {}

/// A service's definition: the questions it asks.
#[utoipa::path(
    get,
    path = "/open311/v2/services/{service_code}.json",
    tag = "open311",
    params(
        ("service_code" = String, Path, description = "A `service_code` from `services.json`"),
        ("jurisdiction_id" = Option<String>, Query, description = "Accepted and ignored"),
    ),
    responses(
        (status = 200, description = "The service definition", body = Definition),
        (status = 400, description = "Open311 errors: a malformed query string", body = Vec<ErrorItem>),
        (status = 404, description = "Open311 errors: no such service", body = Vec<ErrorItem>),
    )
)]
pub(super) fn service_definition() {}

/// Service requests: by id, or a window of time (default the last 90 days, at most 1,000).
#[utoipa::path(
    get,
    path = "/open311/v2/requests.json",
    tag = "open311",
    params(
        ("service_request_id" = Option<String>, Query, description = "Comma list of ids (at most 200); overrides every other parameter"),
        ("service_code" = Option<String>, Query, description = "Comma list of service codes"),
        ("start_date" = Option<String>, Query, format = DateTime, description = "W3C datetime with a time zone, e.g. `2026-10-01T00:00:00+08:00`"),
        ("end_date" = Option<String>, Query, format = DateTime, description = "W3C datetime with a time zone; at most 90 days after `start_date`"),
        ("status" = Option<String>, Query, description = "Comma list of `open`, `closed`"),
        ("jurisdiction_id" = Option<String>, Query, description = "Accepted and ignored"),
    ),
    responses(
        (status = 200, description = "The service requests, newest first", body = Vec<ServiceRequest>),
        (status = 400, description = "Open311 errors: a malformed parameter", body = Vec<ErrorItem>),
        (status = 404, description = "Open311 errors: an unknown `service_code`", body = Vec<ErrorItem>),
        (status = 503, description = "Open311 errors: the database does not answer", body = Vec<ErrorItem>),
    )
)]
pub(super) fn requests() {}

/// One service request.
#[utoipa::path(
    get,
    path = "/open311/v2/requests/{service_request_id}.json",
    tag = "open311",
    params(
        ("service_request_id" = String, Path, description = "The request's id (a case's public tracking id)"),
        ("jurisdiction_id" = Option<String>, Query, description = "Accepted and ignored"),
    ),
    responses(
        (status = 200, description = "A list of one", body = Vec<ServiceRequest>),
        (status = 400, description = "Open311 errors: a malformed query string", body = Vec<ErrorItem>),
        (status = 404, description = "Open311 errors: no such request", body = Vec<ErrorItem>),
        (status = 503, description = "Open311 errors: the database does not answer", body = Vec<ErrorItem>),
    )
)]
pub(super) fn request() {}

/// Create a service request: the same intake, routing, ledger, limits and "same problem"
/// check as a scanned report.
#[utoipa::path(
    post,
    path = "/open311/v2/requests.json",
    tag = "open311",
    request_body(content = PostRequestForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A list of one: the `service_request_id` (the case's public tracking id; no token is ever returned) and a notice", body = Vec<Posted>),
        (status = 400, description = "Open311 errors: a missing or malformed field, an unknown service, no location, an answer that does not fit its question", body = Vec<ErrorItem>),
        (status = 403, description = "Open311 errors: a missing, unknown or revoked `api_key`", body = Vec<ErrorItem>),
        (status = 429, description = "Open311 errors: the key posts too fast", body = Vec<ErrorItem>),
        (status = 503, description = "Open311 errors: a service behind does not answer", body = Vec<ErrorItem>),
    )
)]
pub(super) fn post_request() {}

/// Tokens: never issued (a POST answers with the `service_request_id` itself), so every
/// token is unknown.
#[utoipa::path(
    get,
    path = "/open311/v2/tokens/{token}.json",
    tag = "open311",
    params(("token" = String, Path, description = "A token (none exists)")),
    responses(
        (status = 404, description = "Open311 errors: no such token", body = Vec<ErrorItem>),
    )
)]
pub(super) fn token() {}
