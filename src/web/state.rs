//! What every request can reach: the shared [`Services`] and the page templates.
//!
//! Handlers take `web::Data<AppState>` and reach the services through it (`state.db`,
//! `state.settings`, … by `Deref`); domain code never sees this type, only [`Services`] or the
//! handles it holds.

use super::pages::Pages;
use crate::config::Settings;
use crate::state::Services;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Shared request state, cloned into each actix worker (everything inside is a handle).
#[derive(Clone)]
pub struct AppState {
    /// The domain's services (pools, caches, settings, mailer, print engine).
    pub services: Services,
    /// The page templates.
    pub pages: Arc<Pages>,
    /// The Prometheus recorder `/metrics` renders.
    pub metrics: PrometheusHandle,
    /// How many requests may be handled at once (`server.max_in_flight`, see `web::shed`).
    pub in_flight: super::shed::InFlight,
}

impl AppState {
    /// Build the services and load the templates (connections open lazily).
    pub fn build(settings: Settings) -> anyhow::Result<AppState> {
        let pages = Pages::load(&settings.assets.dir.join("templates"))?;
        let in_flight = super::shed::InFlight::new(settings.server.max_in_flight);
        Ok(AppState {
            in_flight,
            services: Services::build(settings)?,
            pages: Arc::new(pages),
            metrics: crate::telemetry::metrics_handle(),
        })
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.services
    }
}
