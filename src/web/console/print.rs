//! Printing code sheets: choose a template and grids in scope, get the PDF; every batch is
//! recorded and listed here.

use super::base;
use crate::error::{AppError, AppResult};
use crate::grids::Grid;
use crate::people::Permission;
use crate::print::batch::parse_template;
use crate::print::{BatchRequest, PrintBatch, PrintedBy, Template};
use crate::web::auth::{CurrentStaff, StaffForm};
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::Deserialize;

/// `GET /console/print`: the form (grids in scope) and the recent batches over grids in scope.
pub async fn index(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
) -> AppResult<HttpResponse> {
    me.require(Permission::PrintCodes)?;
    let mut conn = state.conn().await?;
    let grids = Grid::in_scope(&mut conn, &me.scope, 1).await?;
    let batches: Vec<_> = PrintBatch::recent(&mut conn, 200)
        .await?
        .into_iter()
        .filter(|b| {
            !b.grid_paths.is_empty() && b.grid_paths.iter().all(|p| me.scope.contains_path(p))
        })
        .take(30)
        .collect();
    let templates: Vec<&str> = Template::for_batches().map(Template::name).collect();
    let scripts: Vec<&str> = crate::print::Script::ALL.iter().map(|s| s.name()).collect();
    let ctx = minijinja::context! {
        grids => Serde(&grids),
        batches => Serde(&batches),
        templates,
        scripts,
        limit => state.settings.print.max_codes_per_batch,
        ..base(&me, "/console/print")
    };
    state.pages.page("console/print.html", locale, ctx)
}

#[derive(Deserialize)]
pub struct PrintForm {
    csrf: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    grid_ids: Vec<i64>,
    /// `zh` or `bilingual`; Chinese only when absent.
    #[serde(default)]
    script: String,
}
crate::csrf_form!(PrintForm);

/// `POST /console/print`: the PDF as a download, sent while it is made (a district's labels
/// never sit in memory). Every grid must be in the staff member's scope (a forged id is
/// refused, naming the grid, not dropped).
pub async fn print(state: web::Data<AppState>, f: StaffForm<PrintForm>) -> AppResult<HttpResponse> {
    let me = &f.staff;
    me.require(Permission::PrintCodes)?;
    let template = parse_template(&f.form.template)?;
    let script = match f.form.script.trim() {
        "" => crate::print::Script::Chinese,
        name => crate::print::Script::parse(name)
            .ok_or_else(|| AppError::invalid(format!("no script {name:?}")))?,
    };
    let mut conn = state.conn().await?;
    let mut grids = Vec::new();
    for id in &f.form.grid_ids {
        let grid = Grid::find(&mut conn, *id)
            .await
            .map_err(|_| AppError::invalid(format!("no grid {id}")).with_reason("no_such_grid"))?;
        if !me.scope.contains_path(&grid.path) {
            return Err(AppError::with_detail(
                crate::error::ErrorCode::Forbidden,
                format!("grid {} is outside your grids", grid.code),
            )
            .with_reason("grid_out_of_scope")
            .with_arg("grid", format!("{} {}", grid.code, grid.name)));
        }
        if !grids.iter().any(|g: &Grid| g.id == grid.id) {
            grids.push(grid);
        }
    }
    let engine = state.print.get().await?;
    let started = crate::print::start_batch(
        &mut conn,
        BatchRequest {
            template,
            grids: &grids,
            by: PrintedBy::Staff {
                id: me.staff.id,
                username: me.staff.username.clone(),
            },
            public_base: state.settings.public_base(),
            limit: state.settings.print.max_codes_per_batch,
            script,
        },
    )
    .await?;
    drop(conn);
    let batch = started.batch.id;
    let file = format!("mashang-{}-{batch}.pdf", template.name());
    let mut body = crate::print::stream_batch(started, engine, state.db.clone());
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .insert_header(("X-Print-Batch", batch.to_string()))
        .streaming(futures_util::stream::poll_fn(move |cx| body.poll_recv(cx))))
}
