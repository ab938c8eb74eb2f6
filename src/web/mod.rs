//! HTTP: the one route list, extractors, pages, and handlers by audience (scan pages for
//! residents, the console for staff, the JSON API).

pub mod activities;
pub mod api;
pub mod auth;
pub mod client_ip;
pub mod code_paths;
pub mod console;
pub mod error_pages;
pub mod error_response;
pub mod form_csrf;
pub mod health;
pub mod input;
pub mod landing;
pub mod local_path;
pub mod locale;
#[cfg(test)]
mod locale_keys;
pub mod merchant;
pub mod open311;
pub mod openapi;
pub mod pages;
pub mod points;
pub mod polls;
pub mod report;
pub mod resident;
pub mod resident_auth;
pub mod routes;
pub mod security_headers;
pub mod shed;
pub mod state;

/// Redirect after a successful POST (303, so a reload does not resubmit).
pub fn see_other(location: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}
