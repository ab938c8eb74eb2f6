//! Household and shop imports from the console (CSV or XLSX upload).

use super::base;
use crate::error::{AppError, AppResult, ErrorCode, Refusal};
use crate::grids::import::{self, ImportRequest, Outcome};
use crate::people::Permission;
use crate::web::auth::CurrentStaff;
use crate::web::error_response::http_status;
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_multipart::form::{bytes::Bytes as FileBytes, text::Text, MultipartForm};
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::Serialize;

/// The upload form.
#[derive(MultipartForm)]
pub struct Upload {
    file: FileBytes,
    csrf: Text<String>,
    kind: Option<Text<String>>,
    skip_bad_rows: Option<Text<String>>,
}

#[derive(Serialize)]
struct ErrorLine {
    line: usize,
    code: &'static str,
    message: String,
}

/// `GET /console/import`
pub async fn form(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
) -> AppResult<HttpResponse> {
    me.require(Permission::Import)?;
    state
        .pages
        .page("console/import.html", locale, base(&me, "/console/import"))
}

/// `POST /console/import`: refused whole with every bad row named (422), or stored.
pub async fn upload(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    MultipartForm(f): MultipartForm<Upload>,
) -> AppResult<HttpResponse> {
    me.check_csrf(&f.csrf)?;
    me.require(Permission::Import)?;
    let kind = match f
        .kind
        .as_ref()
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
    {
        None => None,
        Some(k) => Some(
            import::parse_kind(&k).ok_or_else(|| AppError::invalid("kind: household or shop"))?,
        ),
    };
    let skip = f
        .skip_bad_rows
        .as_ref()
        .is_some_and(|v| matches!(v.as_str(), "on" | "true" | "1"));
    let file_name = f.file.file_name.clone().unwrap_or_else(|| "upload".into());
    let mut conn = state.conn().await?;
    let outcome = import::run(
        &mut conn,
        ImportRequest {
            file_name: &file_name,
            bytes: &f.file.data,
            kind,
            skip_bad_rows: skip,
            limits: state.settings.import.limits(),
            scope: &me.scope,
            staff_id: Some(me.staff.id),
            source: "console",
            landing: &state.landing,
        },
        &|_, _| {},
    )
    .await?;
    let lines = |errors: &[crate::grids::import_parse::RowError]| -> Vec<ErrorLine> {
        errors
            .iter()
            .map(|e| ErrorLine {
                line: e.line,
                code: e.problem.code(),
                message: e.words(locale),
            })
            .collect()
    };
    let (status, ctx) = match &outcome {
        Outcome::FileRejected(e) => (
            http_status(e.error_code()),
            minijinja::context! { file_error => e.words(locale), file_error_code => e.code() },
        ),
        Outcome::RowsRejected {
            kind,
            total,
            errors,
        } => (
            http_status(ErrorCode::ImportRejected),
            minijinja::context! { rejected => true, kind => import::kind_name(*kind), total, errors => Serde(lines(errors)) },
        ),
        Outcome::Applied(a) => (
            actix_web::http::StatusCode::OK,
            minijinja::context! { applied => Serde(a), kind => import::kind_name(a.kind), errors => Serde(lines(&a.errors)) },
        ),
    };
    let body = state.pages.render(
        "console/import.html",
        locale,
        minijinja::context! { file_name, ..minijinja::value::merge_maps([ctx, base(&me, "/console/import")]) },
    )?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// The multipart limits: an upload over `max_upload_bytes` is 413, a malformed one 400.
pub fn multipart_config(max_upload_bytes: usize) -> actix_multipart::form::MultipartFormConfig {
    actix_multipart::form::MultipartFormConfig::default()
        .total_limit(max_upload_bytes)
        .memory_limit(max_upload_bytes)
        .error_handler(|err, _req| {
            // The form reader reports every exceeded limit as a payload overflow.
            if matches!(
                err,
                actix_multipart::MultipartError::Payload(actix_web::error::PayloadError::Overflow)
            ) {
                return AppError::with_detail(
                    ErrorCode::PayloadTooLarge,
                    "the upload is larger than allowed",
                )
                .with_reason("upload_too_large")
                .into();
            }
            AppError::with_detail(ErrorCode::BadRequest, format!("upload: {err}")).into()
        })
}
