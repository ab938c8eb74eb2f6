//! The figures pages: the dashboard (`/console/figures`, [`dashboard`]) with its export, the
//! drill-down to the cases behind each number ([`drill`]) and the worker assessment
//! (`/console/figures/workers`, [`workers`]). What a request may see and its numbers come
//! from `crate::figures` (`figures::request` checks and loads); these modules pick the page's
//! links and render.

mod dashboard;
mod drill;
mod workers;

pub use dashboard::{dashboard, export};
pub use drill::drill_down;
pub use workers::{workers, workers_export};

use crate::web::locale::Locale;
use actix_web::HttpResponse;
use serde::Serialize;

/// A count on a page, linked to the cases behind it.
#[derive(Serialize)]
struct CountCell {
    n: u32,
    href: String,
}

/// A rate on a page with its numerator and denominator, each linked to its cases.
#[derive(Serialize)]
struct RatioCell {
    rate: String,
    num: u32,
    den: u32,
    num_href: String,
    den_href: String,
}

fn hours(h: Option<f64>) -> String {
    h.map(|h| format!("{h:.1}"))
        .unwrap_or_else(|| "—".to_owned())
}

fn t(locale: Locale, key: &str) -> String {
    crate::web::pages::translate(locale, key, &[])
}

fn xlsx_response(bytes: Vec<u8>, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes)
}
