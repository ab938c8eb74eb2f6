//! `/healthz` (the process is up), `/readyz` (PostgreSQL and Redis answer), `/metrics`.

use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use diesel_async::RunQueryDsl;
use std::time::Duration;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

async fn check_postgres(state: &AppState) -> Result<(), String> {
    let check = async {
        let mut conn = state.db.get().await.map_err(|e| e.to_string())?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<(), String>(())
    };
    tokio::time::timeout(Duration::from_secs(3), check)
        .await
        .unwrap_or_else(|_| Err("timed out".into()))
}

/// Ready when both PostgreSQL and Redis answer, else 503. Only operations networks are told
/// which one is down and why (an error text can name hosts and ports).
pub async fn readyz(state: web::Data<AppState>, req: actix_web::HttpRequest) -> HttpResponse {
    let ops = operations_client(&state, &req);
    let (pg, redis) = tokio::join!(check_postgres(&state), state.redis.ping());
    let describe = |r: &Result<(), String>| match r {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("down: {e}"),
    };
    let status = if pg.is_ok() && redis.is_ok() {
        "ready"
    } else {
        "not_ready"
    };
    let body = if ops {
        serde_json::json!({ "status": status, "postgres": describe(&pg), "redis": describe(&redis) })
    } else {
        serde_json::json!({ "status": status })
    };
    if pg.is_ok() && redis.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

fn operations_client(state: &AppState, req: &actix_web::HttpRequest) -> bool {
    let ip = super::client_ip::client_ip(req, &state.settings.server.trusted_proxy);
    state.settings.server.is_operations_client(&ip)
}

/// Prometheus text: request counts and latencies (from the middleware) and pool use. Only
/// for operations networks; anyone else is told there is no such page.
pub async fn metrics(state: web::Data<AppState>, req: actix_web::HttpRequest) -> HttpResponse {
    if !operations_client(&state, &req) {
        return HttpResponse::NotFound().finish();
    }
    let status = state.db.status();
    metrics::gauge!("db_pool_size").set(status.size as f64);
    metrics::gauge!("db_pool_available").set(status.available as f64);
    metrics::gauge!("db_pool_max_size").set(status.max_size as f64);
    metrics::gauge!("db_pool_waiting").set(status.waiting as f64);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// Middleware: a tracing span per request (free when INFO is off), and request counts and
/// latencies labelled by route pattern (not raw path, so tokens do not explode the label set).
/// It replaces tracing-actix-web, which makes a UUID (a getrandom call) and parses connection
/// info on every request even when nothing is logged: on the scan page that was a large part
/// of the per-request cost.
pub async fn track(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use tracing::Instrument;
    let start = std::time::Instant::now();
    let method = method_label(req.method());
    let span =
        tracing::info_span!("http", method, path = %req.path(), status = tracing::field::Empty);
    let res = next.call(req).instrument(span.clone()).await?;
    let status = res.status();
    span.record("status", status.as_u16());
    let shed = super::shed::was_shed(res.request());
    if status.is_server_error() && !shed {
        tracing::error!(parent: &span, "request failed");
    } else {
        tracing::info!(parent: &span, elapsed_ms = start.elapsed().as_secs_f64() * 1000.0, "request");
    }
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let labels = [
        ("method", metrics::SharedString::const_str(method)),
        ("route", route.into()),
        ("status", status_label(status)),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    Ok(res)
}

fn method_label(m: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

fn status_label(s: actix_web::http::StatusCode) -> metrics::SharedString {
    match s.as_u16() {
        200 => metrics::SharedString::const_str("200"),
        303 => metrics::SharedString::const_str("303"),
        404 => metrics::SharedString::const_str("404"),
        n => n.to_string().into(),
    }
}
