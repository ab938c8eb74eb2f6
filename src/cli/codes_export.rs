//! `mashang codes export [--grid CODE]... [--kind household|shop] --out FILE.csv`

use crate::codes::{token, Code, CodeKind};
use crate::config::Settings;
use std::path::Path;

/// Write active codes as CSV (UTF-8 with BOM, so Excel opens the Chinese correctly).
pub async fn run(
    settings: &Settings,
    grids: &[String],
    kind: Option<&str>,
    out: &Path,
) -> anyhow::Result<()> {
    let kind = match kind {
        Some(k) => {
            Some(CodeKind::parse(k).ok_or_else(|| anyhow::anyhow!("--kind is household or shop"))?)
        }
        None => None,
    };
    let mut conn = super::connect(settings).await?;
    let grids: Vec<String> = grids
        .iter()
        .map(|g| g.trim().to_ascii_uppercase())
        .collect();
    for g in &grids {
        if crate::grids::Grid::by_code(&mut conn, g)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .is_none()
        {
            anyhow::bail!("no grid with code {g}");
        }
    }
    let rows = Code::export_rows(&mut conn, &grids, kind)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let n = write_csv(out, settings.public_base(), &rows)?;
    println!("wrote {n} codes to {}", out.display());
    Ok(())
}

/// Write the rows; returns how many.
pub fn write_csv(
    out: &Path,
    public_base: &str,
    rows: &[crate::codes::export::ExportRow],
) -> anyhow::Result<usize> {
    let mut file = std::fs::File::create(out)?;
    std::io::Write::write_all(&mut file, "\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(file);
    w.write_record([
        "kind",
        "label",
        "grid_code",
        "grid_path",
        "url",
        "check_code",
    ])?;
    for r in rows {
        w.write_record([
            r.kind.as_str(),
            r.label.as_str(),
            r.grid_code.as_str(),
            r.grid_path.as_str(),
            token::code_url(public_base, &r.token).as_str(),
            r.check_code.as_str(),
        ])?;
    }
    w.flush()?;
    Ok(rows.len())
}
