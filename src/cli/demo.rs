//! `mashang demo`

use crate::config::Settings;

/// Load the demo district and print how to try it.
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let mut conn = super::connect(settings).await?;
    let s = crate::demo::load(&mut conn, settings.public_base())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cases = demo_cases(settings, &mut conn)
        .await
        .map_err(|e| anyhow::anyhow!("demo cases: {e}"))?;
    let poll = crate::demo::poll::load(&mut conn, chrono::Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("demo poll: {e}"))?;
    println!("演示辖区 demo district: 达拉特旗 工业街道");
    println!(
        "  {} grids; households: {} new, {} updated, {} unchanged; shops: {} new, {} unchanged; {} codes issued; {} news items published",
        s.grids, s.households.inserted, s.households.updated, s.households.unchanged,
        s.shops.inserted, s.shops.unchanged, s.codes_issued, s.news_published
    );
    println!(
        "  {cases} cases reported over the past five weeks (none when the demo has them already)"
    );
    if poll {
        println!("  poll opened: {}", crate::demo::poll::TITLE);
    }
    println!("\nCodes to scan or open:");
    for (what, url, check) in &s.sample_codes {
        println!("  {what}  {url}  (check code {check})");
    }
    println!(
        "\nStaff sign-in at {}/console/login (demo passwords):",
        settings.public_base()
    );
    for (user, pass, role, name) in &s.staff {
        println!("  {user:<18} {pass:<28} {role:<19} {name}");
    }
    Ok(())
}

/// The demo's five weeks of cases, through the real intake and ledger.
async fn demo_cases(
    settings: &Settings,
    conn: &mut diesel_async::AsyncPgConnection,
) -> crate::error::AppResult<usize> {
    use crate::grids::Grid;
    let catalog = crate::reports::categories::Catalog::load(&settings.reports.categories)
        .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("{e}")))?;
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
        public_base: settings.public_base(),
        similar_radius_m: settings.reports.similar_radius_m,
    };
    crate::demo::cases::load(conn, &ctx, &compounds, chrono::Utc::now()).await
}
