//! `mashang demo` as one operation: the district, five weeks of cases through the real
//! intake and ledger, a poll, and then the scan pages told (other instances may be serving
//! the same database).

use super::Summary;
use crate::codes::landing::LandingCache;
use crate::config::Settings;
use crate::error::{AppError, AppResult};
use crate::grids::Grid;
use diesel_async::AsyncPgConnection;

/// What installing the demo did.
#[derive(Debug)]
pub struct Installed {
    pub district: Summary,
    /// Cases reported (none when the demo has them already).
    pub cases: usize,
    /// Whether the poll was opened now.
    pub poll: bool,
}

/// Load the demo district, its cases and its poll (each idempotent), then tell the scan
/// pages. Errors name the part that failed.
pub async fn install(
    conn: &mut AsyncPgConnection,
    settings: &Settings,
    landing: &LandingCache,
) -> anyhow::Result<Installed> {
    let district = super::load(conn, settings.public_base())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cases = cases(settings, conn)
        .await
        .map_err(|e| anyhow::anyhow!("demo cases: {e}"))?;
    let poll = super::poll::load(conn, chrono::Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("demo poll: {e}"))?;
    landing
        .changed(None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Installed {
        district,
        cases,
        poll,
    })
}

/// The demo's five weeks of cases, through the real intake and ledger.
async fn cases(settings: &Settings, conn: &mut AsyncPgConnection) -> AppResult<usize> {
    let catalog = crate::reports::categories::Catalog::load(&settings.reports.categories)
        .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?;
    let locator = crate::reports::routing::GridLocator::default()
        .current(conn)
        .await?;
    let grids = Grid::all(conn).await?;
    let Some(top) = grids.iter().find(|g| g.parent_id.is_none()) else {
        return Ok(0);
    };
    let compounds: Vec<Grid> = grids.iter().filter(|g| g.level == 3).cloned().collect();
    let ctx = crate::reports::intake::IntakeContext {
        catalog: &catalog,
        locator: &locator,
        fallback_grid: top.id,
        links: crate::reports::Links::of(settings),
        similar_radius_m: settings.reports.similar_radius_m,
    };
    super::cases::load(conn, &ctx, &compounds, chrono::Utc::now()).await
}
