//! `mashang print --template NAME [--grid CODE]... [--script zh|bilingual] --out FILE.pdf`

use crate::config::Settings;
use crate::grids::Grid;
use crate::print::batch::parse_template;
use crate::print::{BatchRequest, PrintEngine, PrintedBy};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

/// Print a batch as the district (no scope limit; no grid = every street), with a progress
/// bar. The PDF is written as it is made (to `FILE.pdf.part`, renamed when complete), so a
/// district's labels never sit in memory at once. A batch that breaks off is recorded as
/// `failed` and its partial file removed.
pub async fn run(
    settings: &Settings,
    template: &str,
    grid_codes: &[String],
    out: &Path,
    script: &str,
) -> anyhow::Result<()> {
    let template = parse_template(template).map_err(explain)?;
    let script = crate::print::Script::parse(script.trim())
        .ok_or_else(|| anyhow::anyhow!("--script is zh or bilingual, not {script:?}"))?;
    let mut conn = super::connect(settings).await?;
    let grids = if grid_codes.is_empty() {
        // The whole district: every top-level grid.
        Grid::all(&mut conn)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .into_iter()
            .filter(|g| g.parent_id.is_none())
            .collect()
    } else {
        let mut grids = Vec::new();
        for code in grid_codes {
            let code = code.trim().to_ascii_uppercase();
            let grid = Grid::by_code(&mut conn, &code)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .ok_or_else(|| anyhow::anyhow!("no grid with code {code}"))?;
            grids.push(grid);
        }
        grids
    };
    let engine = {
        let settings = settings.print.clone();
        tokio::task::spawn_blocking(move || PrintEngine::load(&settings)).await??
    };
    let partial = out.with_extension("pdf.part");
    let file = BufWriter::new(std::fs::File::create(&partial)?);
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} codes ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(template.name());
    let os_user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let result = crate::print::print_batch(
        &mut conn,
        Arc::new(engine),
        BatchRequest {
            template,
            grids: &grids,
            by: PrintedBy::Command { os_user },
            public_base: settings.public_base(),
            limit: settings.print.max_codes_per_batch,
            script,
        },
        file,
        {
            let bar = bar.clone();
            move |total| bar.set_length(total as u64)
        },
        {
            let bar = bar.clone();
            move |done| bar.set_position(done as u64)
        },
    )
    .await;
    let printed = match result {
        Ok(p) => p,
        Err(e) => {
            bar.abandon();
            let _ = std::fs::remove_file(&partial);
            return Err(explain(e));
        }
    };
    bar.finish_and_clear();
    printed
        .out
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    std::fs::rename(&partial, out)?;
    println!(
        "batch {}: {} {} codes on {} pages written to {}",
        printed.batch.id,
        printed.rendered.items,
        template.name(),
        printed.rendered.pages,
        out.display()
    );
    Ok(())
}

/// An error for the terminal, led by its stable reason when it has one.
fn explain(e: crate::error::AppError) -> anyhow::Error {
    match e.reason {
        Some(reason) => anyhow::anyhow!("{reason}: {e}"),
        None => anyhow::anyhow!("{e}"),
    }
}
