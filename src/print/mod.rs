//! Printed sheets: door labels, shop counter cards, household binding slips and activity
//! check-in posters, as print-ready PDFs laid out by typst from `print-templates/*.typ`.
//!
//! A batch is the active codes of the chosen grids' subtrees, checked (known template, every
//! grid has codes, within `[print] max_codes_per_batch`) and recorded with its codes
//! (`print_batches`, status `printing`), then rendered a few sheets at a time into one PDF
//! that is written out as it grows (`pdf_stream`): to a file by `mashang print`, through a
//! bounded pipe (`pipe`) into the response by the console. The record then says `done` with
//! its pages, or `failed` with why.
//! Scope is the caller's check: the console allows only grids in the staff member's scope.

pub mod activity;
pub mod batch;
pub mod engine;
pub mod pdf_stream;
pub mod pipe;
#[cfg(test)]
pub mod raster;
#[cfg(test)]
#[path = "tests/shaping.rs"]
mod shaping;
pub mod templates;

pub use activity::{activity_poster, ActivityPoster};
pub use batch::{BatchCode, PrintBatch, PrintedBy};
pub use engine::{PrintEngine, Rendered, SheetItem};
pub use templates::{Script, Template};

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
    /// Chinese only, or Mongolian beside Chinese.
    pub script: Script,
}

/// A batch that has been checked and recorded (`printing`), with what its sheets carry, in
/// print order; rendering it is the next step.
pub struct StartedBatch {
    pub batch: PrintBatch,
    template: Template,
    items: Vec<SheetItem>,
}

/// Find and check a batch's codes, and record the batch with them. Refusals (unknown
/// template, a grid without codes, over the limit) record nothing.
pub async fn start_batch(
    conn: &mut AsyncPgConnection,
    request: BatchRequest<'_>,
) -> AppResult<StartedBatch> {
    let template = request.template;
    let codes = batch::codes_for(conn, template, request.grids, request.limit).await?;
    let code_ids: Vec<i64> = codes.iter().map(|c| c.code_id).collect();
    let items: Vec<SheetItem> = codes
        .iter()
        .map(|c| {
            let mut item = c.sheet_item(template, request.public_base);
            // The template reads the script per sheet item (`item.script`).
            item.fields.insert(
                "script".into(),
                serde_json::Value::String(request.script.name().to_owned()),
            );
            item
        })
        .collect();
    drop(codes);
    let grid_ids: Vec<i64> = request.grids.iter().map(|g| g.id).collect();
    let batch = PrintBatch::record(conn, template, &grid_ids, &request.by, &code_ids).await?;
    Ok(StartedBatch {
        batch,
        template,
        items,
    })
}

impl StartedBatch {
    /// How many codes the batch prints.
    pub fn total(&self) -> usize {
        self.items.len()
    }

    /// Render the sheets into `out` (CPU-bound: call it off the async threads), telling
    /// `progress` how many codes are done.
    pub fn render<W: Write>(
        self,
        engine: &PrintEngine,
        out: W,
        progress: impl FnMut(usize),
    ) -> anyhow::Result<(W, Rendered)> {
        engine.render(self.template, &self.items, out, progress)
    }
}

/// Print a batch into `out` (a file): start it, tell `on_total` how many codes, render them
/// off the async threads telling `progress` how many are done, and record how it ended.
pub async fn print_batch<W: Write + Send + 'static>(
    conn: &mut AsyncPgConnection,
    engine: Arc<PrintEngine>,
    request: BatchRequest<'_>,
    out: W,
    on_total: impl FnOnce(usize),
    progress: impl FnMut(usize) + Send + 'static,
) -> AppResult<Printed<W>> {
    let started = start_batch(conn, request).await?;
    on_total(started.total());
    let batch_id = started.batch.id;
    let rendered = tokio::task::spawn_blocking(move || started.render(&engine, out, progress))
        .await
        .map_err(AppError::internal)
        .and_then(|r| r.map_err(AppError::internal));
    let outcome = match &rendered {
        Ok((_, r)) => Ok(r.pages),
        Err(e) => Err(e.to_string()),
    };
    PrintBatch::finish(conn, batch_id, outcome).await?;
    let (out, rendered) = rendered?;
    Ok(Printed {
        out,
        batch: PrintBatch::find(conn, batch_id).await?,
        rendered,
    })
}

/// Render a started batch into a pipe on a blocking thread, and record how it ended once it
/// has; the receiver is the PDF as it is made, for a response body. A download cancelled
/// half-way stops the renderer and leaves the batch `failed`; a render that fails ends the
/// body with an error, so the browser reports a broken download rather than keeping a
/// truncated PDF.
pub fn stream_batch(
    started: StartedBatch,
    engine: Arc<PrintEngine>,
    db: crate::db::DbPool,
) -> tokio::sync::mpsc::Receiver<pipe::Chunk> {
    // A few chunks in flight keep the renderer busy without holding the document.
    let (writer, rx) = pipe::pipe(4);
    let aborter = writer.aborter();
    let batch_id = started.batch.id;
    tokio::spawn(async move {
        let rendered = tokio::task::spawn_blocking(move || started.render(&engine, writer, |_| {}))
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r);
        // The writer is kept until the record is updated: the body ends only after the batch
        // says `done`, so whoever has the whole PDF also sees it recorded.
        let (writer, outcome) = match rendered {
            Ok((w, r)) => (Some(w), Ok(r.pages)),
            Err(e) => {
                let why = e.to_string();
                tracing::warn!(batch = batch_id, error = %why, "print batch broke off");
                aborter.abort(why.clone()).await;
                (None, Err(why))
            }
        };
        let finished = match db.get().await {
            Ok(mut conn) => PrintBatch::finish(&mut conn, batch_id, outcome)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = finished {
            tracing::error!(batch = batch_id, error = %e, "could not record how a print batch ended");
        }
        drop(writer);
    });
    rx
}
