//! The one route list.

use super::{activities, merchant, points};
use super::{
    api, console, error_pages, health, landing, open311, openapi, polls, report, resident,
};
use crate::error::{AppError, ErrorCode};
use crate::web::state::AppState;
use actix_web::middleware::{ErrorHandlers, NormalizePath, TrailingSlash};
use actix_web::{web, App};

/// Mount every route, with the body limits from configuration.
pub fn configure(cfg: &mut web::ServiceConfig, state: &AppState) {
    let limits = &state.settings.server;
    cfg.app_data(web::PayloadConfig::new(limits.max_body_bytes))
        .app_data(
            web::JsonConfig::default()
                .limit(limits.max_body_bytes)
                .error_handler(|err, _| {
                    let code = match &err {
                        actix_web::error::JsonPayloadError::Overflow { .. }
                        | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                            ErrorCode::PayloadTooLarge
                        }
                        _ => ErrorCode::BadRequest,
                    };
                    AppError::with_detail(code, err.to_string()).into()
                }),
        )
        .app_data(web::FormConfig::default().limit(limits.max_body_bytes))
        .app_data(console::imports::multipart_config(limits.max_upload_bytes))
        // Operations
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        // Residents and passers-by
        .route("/", web::get().to(landing::home))
        .route("/lang/{tag}", web::get().to(landing::switch_language))
        .route("/news/{id}", web::get().to(landing::news_item))
        // Codes are printed upper case; match the path either way.
        .route("/C/{token}/news", web::get().to(landing::news_for_code))
        .route("/C/{token}/polls", web::get().to(polls::for_code))
        .route("/C/{token}/bind", web::get().to(resident::bind_page))
        .route("/C/{token}/bind", web::post().to(resident::bind))
        .route(
            "/C/{token}/bind/request",
            web::post().to(resident::request_binding),
        )
        .route("/C/{tail}", web::get().to(landing::scan))
        // Residents: sign-in, my page, polls
        .route("/me", web::get().to(resident::me))
        .route("/me/sign-in", web::get().to(resident::sign_in_form))
        .route("/me/sign-in", web::post().to(resident::send_code))
        .route("/me/verify", web::post().to(resident::verify))
        .route("/me/settings", web::post().to(resident::settings))
        .route("/me/sign-out", web::post().to(resident::sign_out))
        .route(
            "/me/sign-out-everywhere",
            web::post().to(resident::sign_out_everywhere),
        )
        .route("/polls/{id}", web::get().to(polls::show))
        .route("/polls/{id}/vote", web::post().to(polls::vote))
        // Snap-reports
        .service(
            web::resource("/report")
                .app_data(console::imports::multipart_config(
                    state.settings.reports.max_upload_bytes,
                ))
                .route(web::get().to(report::form))
                .route(web::post().to(report::submit)),
        )
        .route("/report/suggest", web::get().to(report::suggest))
        .route("/r/{public_id}", web::get().to(report::track))
        .route("/r/{public_id}/rate", web::post().to(report::rate))
        .route("/r/{public_id}/follow", web::post().to(report::follow))
        .route(
            "/r/{public_id}/follow/confirm",
            web::get().to(report::confirm_follow_page),
        )
        .route(
            "/r/{public_id}/follow/confirm",
            web::post().to(report::confirm_follow),
        )
        .route(
            "/r/{public_id}/photos/{photo}",
            web::get().to(report::photo),
        )
        .route(
            "/r/{public_id}/photos/{photo}/thumb",
            web::get().to(report::photo),
        )
        // Staff console
        .route("/console/login", web::get().to(console::login::form))
        .route("/console/login", web::post().to(console::login::submit))
        .route("/console/logout", web::post().to(console::login::logout))
        .route(
            "/console/sign-out-everywhere",
            web::post().to(console::login::sign_out_everywhere),
        )
        .route("/console/me", web::get().to(console::login::me))
        .route("/console", web::get().to(console::grids::tree))
        .route("/console/grids/{id}", web::get().to(console::grids::show))
        .route(
            "/console/grids/{id}/children",
            web::post().to(console::grids::create_child),
        )
        .route(
            "/console/grids/{id}/rename",
            web::post().to(console::grids::rename),
        )
        .route(
            "/console/grids/{id}/boundary",
            web::post().to(console::grids::set_boundary),
        )
        .route(
            "/console/codes/{id}/revoke",
            web::post().to(console::codes::revoke),
        )
        .route(
            "/console/codes/{id}/reissue",
            web::post().to(console::codes::reissue),
        )
        .service(
            web::resource("/console/file")
                .app_data(console::imports::multipart_config(
                    state.settings.reports.max_upload_bytes,
                ))
                .route(web::get().to(console::filing::index))
                .route(web::post().to(console::filing::submit)),
        )
        .route(
            "/console/file/inspection",
            web::get().to(console::filing::inspection),
        )
        .route(
            "/console/file/{token}",
            web::get().to(console::filing::for_code),
        )
        .route(
            "/console/cases/{id}/rate",
            web::post().to(console::filing::rate),
        )
        .route("/console/cases", web::get().to(console::my_cases::queue))
        .route("/console/cases/{id}", web::get().to(console::cases::show))
        .service(
            web::resource("/console/cases/{id}/step")
                .app_data(console::imports::multipart_config(
                    state.settings.reports.max_upload_bytes,
                ))
                .route(web::post().to(console::cases::step)),
        )
        .route(
            "/console/cases/{id}/photos/{photo}",
            web::get().to(console::cases::photo),
        )
        .route(
            "/console/cases/{id}/photos/{photo}/thumb",
            web::get().to(console::cases::photo),
        )
        .route(
            "/console/figures",
            web::get().to(console::figures::dashboard),
        )
        .route(
            "/console/figures/cases",
            web::get().to(console::figures::drill_down),
        )
        .route(
            "/console/figures/export.xlsx",
            web::get().to(console::figures::export),
        )
        .route(
            "/console/figures/workers",
            web::get().to(console::figures::workers),
        )
        .route(
            "/console/figures/workers/export.xlsx",
            web::get().to(console::figures::workers_export),
        )
        .route("/console/polls", web::get().to(console::polls::index))
        .route("/console/polls", web::post().to(console::polls::create))
        .route("/console/polls/{id}", web::get().to(console::polls::show))
        .route(
            "/console/polls/{id}/export.xlsx",
            web::get().to(console::polls::export),
        )
        .route("/console/bindings", web::get().to(console::bindings::index))
        .route(
            "/console/bindings/{id}",
            web::post().to(console::bindings::decide),
        )
        .route(
            "/console/households/{id}",
            web::get().to(console::bindings::household),
        )
        .route(
            "/console/households/{id}/unbind",
            web::post().to(console::bindings::unbind),
        )
        .route("/console/import", web::get().to(console::imports::form))
        .route("/console/import", web::post().to(console::imports::upload))
        .route("/console/news", web::get().to(console::news::index))
        .route("/console/news", web::post().to(console::news::publish))
        .route("/console/print", web::get().to(console::print::index))
        .route("/console/print", web::post().to(console::print::print))
        .route("/console/staff", web::get().to(console::staff::index))
        .route("/console/staff", web::post().to(console::staff::create))
        .route("/console/open311", web::get().to(console::open311::index))
        .route("/console/open311", web::post().to(console::open311::create))
        .route(
            "/console/open311/{id}/revoke",
            web::post().to(console::open311::revoke),
        )
        // Points: residents (spend at a shop's counter code), cashiers, staff
        .route("/points", web::get().to(points::wallet))
        .route("/points/holds/{id}", web::get().to(points::hold_page))
        .route("/C/{token}/spend", web::get().to(points::spend_form))
        .route("/C/{token}/spend", web::post().to(points::spend))
        .route("/merchant", web::get().to(merchant::index))
        .route(
            "/merchant/holds/{id}/confirm",
            web::post().to(merchant::confirm),
        )
        .route(
            "/merchant/holds/{id}/reject",
            web::post().to(merchant::reject),
        )
        .route(
            "/console/points",
            web::get().to(console::points_page::index),
        )
        .route(
            "/console/points/award",
            web::post().to(console::points::award),
        )
        .route(
            "/console/points/reverse",
            web::post().to(console::points::reverse),
        )
        .route(
            "/console/points/settle",
            web::post().to(console::points::settle),
        )
        .route(
            "/console/points/settlement.xlsx",
            web::get().to(console::points::settlement_xlsx),
        )
        // Volunteer activities: the check-in poster's page, and the organiser's console
        .route("/A/{token}", web::get().to(activities::show))
        .route("/A/{token}/check-in", web::post().to(activities::check_in))
        .route(
            "/console/activities",
            web::get().to(console::activities::index),
        )
        .route(
            "/console/activities",
            web::post().to(console::activities::create),
        )
        .route(
            "/console/activities/{id}",
            web::get().to(console::activities::show),
        )
        .route(
            "/console/activities/{id}/decide",
            web::post().to(console::activities::decide),
        )
        .route(
            "/console/activities/{id}/poster.pdf",
            web::get().to(console::activities::poster),
        )
        .route(
            "/console/activities/{id}/cancel",
            web::post().to(console::activities::cancel),
        )
        // JSON API, its OpenAPI document and the page to browse it (issue 13)
        .route(openapi::DOCUMENT_PATH, web::get().to(openapi::openapi_json))
        .route(openapi::DOCS_PATH, web::get().to(openapi::docs_page))
        .route("/api/docs/{file}", web::get().to(openapi::docs_asset))
        .route("/api/v1/me", web::get().to(api::me))
        .route("/api/v1/reports", web::post().to(api::reports::submit))
        .route("/api/v1/grids", web::get().to(api::grids))
        .route("/api/v1/figures", web::get().to(api::figures::figures))
        .route(
            "/api/v1/figures/workers",
            web::get().to(api::figures::workers),
        )
        .route("/api/v1/grids/{id}", web::get().to(api::grid))
        .route(
            "/api/v1/grids/{id}/households",
            web::get().to(api::households),
        )
        .route(
            "/api/v1/grids/{id}/boundary",
            web::put().to(api::put_boundary),
        )
        .route("/api/v1/codes/{id}", web::get().to(api::code))
        .route("/api/v1/codes/{id}/revoke", web::post().to(api::revoke))
        .route("/api/v1/codes/{id}/reissue", web::post().to(api::reissue))
        // Open311 GeoReport v2 for integrators (its own errors for unknown paths beneath)
        .service(open311::scope())
        .route("/favicon.ico", web::get().to(favicon))
        .service(
            actix_files::Files::new("/static", state.settings.assets.dir.join("static"))
                .use_etag(true)
                .use_last_modified(true),
        );
}

/// `GET /favicon.ico`: browsers ask for it by itself; the installable app's other icons and
/// its manifest are under `/static/icons`.
async fn favicon(state: web::Data<AppState>) -> actix_web::Result<actix_files::NamedFile> {
    Ok(actix_files::NamedFile::open(
        state.settings.assets.dir.join("static/icons/favicon.ico"),
    )?)
}

/// The application with its middleware (outermost last): error pages, trailing-slash
/// tolerance, request tracing and metrics.
pub fn app(
    state: AppState,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state.clone()))
        .configure(|cfg| configure(cfg, &state))
        .wrap(actix_web::middleware::from_fn(super::input::bound_query))
        .wrap(actix_web::middleware::from_fn(super::input::body_timeout))
        .wrap(actix_web::middleware::from_fn(super::shed::limit))
        .wrap(ErrorHandlers::new().default_handler(error_pages::render))
        .wrap(actix_web::middleware::from_fn(super::code_paths::normalise))
        .wrap(NormalizePath::new(TrailingSlash::Trim))
        .wrap(actix_web::middleware::from_fn(health::track))
        .wrap(actix_web::middleware::from_fn(super::security_headers::add))
}
