//! Logs (tracing) and metrics (Prometheus).

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use tracing_subscriber::EnvFilter;

/// Install the tracing subscriber once per process (pretty or JSON lines, filter from config
/// or `RUST_LOG`). Later calls (tests spawn many apps in one process) are no-ops.
pub fn init_tracing(format: &str, filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

/// The Prometheus recorder. The `metrics` facade has exactly one recorder per process by
/// design, so it is installed once and every app instance in the process shares its handle.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Full(
                        "http_request_duration_seconds".into(),
                    ),
                    &[
                        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    ],
                )
                .expect("static bucket list is non-empty")
                .build_recorder();
            let handle = recorder.handle();
            // Another library may have installed a recorder first; then ours still renders
            // (empty) rather than failing start-up.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}
