//! Printed sheets: door labels, shop counter cards, household binding slips and activity
//! check-in posters, as print-ready PDFs laid out by typst from `print-templates/*.typ`.
//!
//! A batch is the active codes of the chosen grids' subtrees, checked (known template, every
//! grid has codes, within `[print] max_codes_per_batch`), rendered a few sheets at a time and
//! streamed into one PDF (`pdf_stream`), then recorded with its codes (`print_batches`).
//! Scope is the caller's check: the console allows only grids in the staff member's scope.

pub mod activity;
pub mod batch;
pub mod engine;
pub mod pdf_stream;
#[cfg(test)]
pub mod raster;
pub mod templates;

pub use activity::{activity_poster, ActivityPoster};
pub use batch::{BatchCode, PrintBatch, PrintedBy};
pub use engine::{PrintEngine, Rendered, SheetItem};
pub use templates::Template;

use crate::error::{AppError, AppResult};
use crate::grids::Grid;
use diesel_async::AsyncPgConnection;
use std::io::Write;
use std::sync::Arc;

/// A batch that was printed and recorded.
#[derive(Debug)]
pub struct Printed<W> {
    pub out: W,
    pub batch: PrintBatch,
    pub rendered: Rendered,
}

/// Where a batch goes and who asks for it.
pub struct BatchRequest<'a> {
    pub template: Template,
    pub grids: &'a [Grid],
    pub by: PrintedBy,
    pub public_base: &'a str,
    pub limit: usize,
}

/// Print a batch: find and check its codes, tell `on_total` how many, render them (off the
/// async threads) into `out`, telling `progress` how many are done, then record the batch
/// with its codes. Nothing is recorded if rendering fails.
pub async fn print_batch<W: Write + Send + 'static>(
    conn: &mut AsyncPgConnection,
    engine: Arc<PrintEngine>,
    request: BatchRequest<'_>,
    out: W,
    on_total: impl FnOnce(usize),
    progress: impl FnMut(usize) + Send + 'static,
) -> AppResult<Printed<W>> {
    let template = request.template;
    let codes = batch::codes_for(conn, template, request.grids, request.limit).await?;
    on_total(codes.len());
    let code_ids: Vec<i64> = codes.iter().map(|c| c.code_id).collect();
    let items: Vec<SheetItem> = codes
        .iter()
        .map(|c| c.sheet_item(template, request.public_base))
        .collect();
    drop(codes);
    let (out, rendered) =
        tokio::task::spawn_blocking(move || engine.render(template, &items, out, progress))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
    let grid_ids: Vec<i64> = request.grids.iter().map(|g| g.id).collect();
    let batch = PrintBatch::record(
        conn,
        template,
        &grid_ids,
        &request.by,
        &code_ids,
        rendered.pages,
    )
    .await?;
    Ok(Printed {
        out,
        batch,
        rendered,
    })
}
