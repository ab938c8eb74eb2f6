//! Open311 GeoReport v2 at `/open311/v2` (issue 13): thin handlers over `crate::open311`.
//! Every answer, errors included, is built here deliberately (with its Content-Type), so the
//! error-page middleware passes it through as the specification's `{code, description}` list.

use super::client_ip::client_ip;
use crate::open311::{post, render, requests, services, Format, Open311Error};
use crate::web::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

/// Largest POST body read (a 4,000-character Chinese description is ~36 KB encoded).
const MAX_BODY: usize = 128 * 1024;

fn respond(format: Format, status: u16, body: String) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST))
        .content_type(format.content_type())
        .body(body)
}

fn error(format: Format, e: &Open311Error) -> HttpResponse {
    respond(format, e.status, render::errors(format, e))
}

/// The format an unknown or malformed path asked for (JSON unless it ends in `.xml`).
fn guess_format(req: &HttpRequest) -> Format {
    if req.path().ends_with(".xml") {
        Format::Xml
    } else {
        Format::Json
    }
}

fn unknown_path(req: &HttpRequest) -> HttpResponse {
    error(
        guess_format(req),
        &Open311Error::not_found("no such resource; see discovery.json"),
    )
}

fn query_params(req: &HttpRequest) -> Result<Vec<(String, String)>, Open311Error> {
    serde_html_form::from_str(req.query_string())
        .map_err(|_| Open311Error::bad("the query string is not valid form encoding"))
}

/// Whether a request path is under Open311's base (its errors are Open311's).
pub fn is_open311(path: &str) -> bool {
    path == crate::open311::BASE_PATH
        || path
            .strip_prefix(crate::open311::BASE_PATH)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// A query string refused by the bounds every request passes (`web::input::bound_query`),
/// as Open311's 400 with the same detail.
pub fn refuse_query(req: &HttpRequest, e: &crate::error::AppError) -> HttpResponse {
    let detail = e
        .public_message()
        .unwrap_or("the query string is not acceptable");
    error(guess_format(req), &Open311Error::bad(detail))
}

/// Anything under the base that no route matches, and methods a route does not take.
pub async fn unknown(req: HttpRequest) -> HttpResponse {
    unknown_path(&req)
}

/// `GET /open311/v2/{discovery,services,requests}.{json,xml}`
pub async fn get_root(
    state: web::Data<AppState>,
    file: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    let Some((name, format)) = Format::split(&file) else {
        return unknown_path(&req);
    };
    let catalog = &state.catalog;
    match name {
        "discovery" => {
            let d = services::discovery(&state.open311, state.settings.public_base());
            respond(format, 200, render::discovery(format, &d))
        }
        "services" => {
            let list = services::list(catalog, &state.open311);
            respond(format, 200, render::services(format, &list))
        }
        "requests" => match list_requests(&state, &req).await {
            Ok(list) => respond(format, 200, render::requests(format, &list)),
            Err(e) => error(format, &e),
        },
        _ => unknown_path(&req),
    }
}

async fn list_requests(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Vec<requests::ServiceRequest>, Open311Error> {
    let p = requests::params(query_params(req)?)?;
    let q = requests::parse_query(&p, &state.catalog, chrono::Utc::now())?;
    let mut conn = state.conn().await?;
    let found = requests::load(&mut conn, &q).await?;
    Ok(requests::describe(
        &mut conn,
        &state.catalog,
        state.settings.public_base(),
        &found,
    )
    .await?)
}

/// `GET /open311/v2/services/{code}.{json,xml}`
pub async fn service_definition(
    state: web::Data<AppState>,
    file: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    let Some((code, format)) = Format::split(&file) else {
        return unknown_path(&req);
    };
    match services::definition(&state.catalog, &state.open311, code) {
        Ok(d) => respond(format, 200, render::definition(format, &d)),
        Err(e) => error(format, &e),
    }
}

/// `GET /open311/v2/requests/{id}.{json,xml}`: a list of one, or 404.
pub async fn request(
    state: web::Data<AppState>,
    file: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    let Some((id, format)) = Format::split(&file) else {
        return unknown_path(&req);
    };
    let found = async {
        let q = requests::Query::Ids(crate::codes::token::normalize(id).into_iter().collect());
        let mut conn = state.conn().await?;
        let found = requests::load(&mut conn, &q).await?;
        requests::describe(
            &mut conn,
            &state.catalog,
            state.settings.public_base(),
            &found,
        )
        .await
    }
    .await;
    match found {
        Ok(list) if !list.is_empty() => respond(format, 200, render::requests(format, &list)),
        Ok(_) => error(format, &Open311Error::not_found("no such service request")),
        Err(e) => error(format, &Open311Error::from(e)),
    }
}

/// `GET /open311/v2/tokens/{token}.{json,xml}`: tokens are for servers that answer a POST
/// before the request has an id; ours answers with the `service_request_id` at once, so it
/// never issues one and every token is unknown (404, as the specification has it).
pub async fn token(req: HttpRequest) -> HttpResponse {
    error(
        guess_format(&req),
        &Open311Error::not_found(
            "no such token: this server never issues tokens; POST requests answers with the service_request_id",
        ),
    )
}

/// `POST /open311/v2/requests.{json,xml}` (form-encoded; `api_key` required).
pub async fn post_requests(
    state: web::Data<AppState>,
    file: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let format = match Format::split(&file) {
        Some(("requests", f)) => f,
        _ => return unknown_path(&req),
    };
    let ip = client_ip(&req, &state.settings.server.trusted_proxy);
    let result = async {
        let body = read_body(payload).await?;
        let mut pairs: Vec<(String, String)> = serde_html_form::from_bytes(&body)
            .map_err(|_| Open311Error::bad("the body is not valid form encoding (UTF-8)"))?;
        // A key or jurisdiction in the query string counts too (some clients put it there).
        pairs.extend(query_params(&req)?);
        let (attributes, rest): (Vec<_>, Vec<_>) = pairs
            .into_iter()
            .partition(|(k, _)| k.starts_with("attribute["));
        let attributes: Vec<(String, String)> = attributes
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .collect();
        let p = requests::params(rest)?;
        post::handle(state.reports(), &state.open311, &p, &attributes, &ip).await
    }
    .await;
    match result {
        Ok(posted) => respond(format, 200, render::posted(format, &posted)),
        Err(e) => error(format, &e),
    }
}

async fn read_body(mut payload: web::Payload) -> Result<Vec<u8>, Open311Error> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Open311Error::bad("the body could not be read"))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(Open311Error::bad(format!(
                "the body is larger than {MAX_BODY} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The Open311 routes, mounted by `web::routes` under [`crate::open311::BASE_PATH`].
pub fn scope() -> actix_web::Scope {
    web::scope(crate::open311::BASE_PATH)
        .service(
            web::resource("/{file}")
                .route(web::get().to(get_root))
                .route(web::post().to(post_requests))
                .default_service(web::to(unknown)),
        )
        .service(
            web::resource("/services/{file}")
                .route(web::get().to(service_definition))
                .default_service(web::to(unknown)),
        )
        .service(
            web::resource("/requests/{file}")
                .route(web::get().to(request))
                .default_service(web::to(unknown)),
        )
        .service(
            web::resource("/tokens/{file}")
                .route(web::get().to(token))
                .default_service(web::to(unknown)),
        )
        .default_service(web::to(unknown))
}
