//! `/healthz` (the process is up), `/readyz` (PostgreSQL and Redis answer), `/metrics`.

use crate::state::AppState;
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

/// Ready when both PostgreSQL and Redis answer; 503 naming the one that does not.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (pg, redis) = tokio::join!(check_postgres(&state), state.redis.ping());
    let describe = |r: &Result<(), String>| match r {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("down: {e}"),
    };
    let body = serde_json::json!({
        "status": if pg.is_ok() && redis.is_ok() { "ready" } else { "not_ready" },
        "postgres": describe(&pg),
        "redis": describe(&redis),
    });
    if pg.is_ok() && redis.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text: request counts and latencies (from the middleware) and pool use.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let status = state.db.status();
    metrics::gauge!("db_pool_size").set(status.size as f64);
    metrics::gauge!("db_pool_available").set(status.available as f64);
    metrics::gauge!("db_pool_max_size").set(status.max_size as f64);
    metrics::gauge!("db_pool_waiting").set(status.waiting as f64);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// Middleware: count requests and time them, labelled by route pattern (not raw path, so
/// tokens do not explode the label set).
pub async fn track(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let start = std::time::Instant::now();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    Ok(res)
}
