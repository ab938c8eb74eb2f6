//! `mashang demo`

use crate::codes::landing::LandingCache;
use crate::config::Settings;
use crate::demo::install::Installed;
use crate::redis_store::RedisStore;

/// Load the demo district and print how to try it.
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let mut conn = super::connect(settings).await?;
    let landing = LandingCache::announcer(RedisStore::connect(
        &settings.redis.url,
        &settings.redis.key_prefix,
    )?);
    let Installed {
        district: s,
        cases,
        poll,
    } = crate::demo::install::install(&mut conn, settings, &landing).await?;
    let residents = crate::demo::residents::load(&mut conn, &settings.points, chrono::Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("demo residents: {e}"))?;
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
    if let Some(r) = &residents {
        println!(
            "  {} residents of 邮电小区 bound to their households, with points; {} ballots cast",
            r.residents, r.ballots
        );
        if let Some(n) = &r.pending_hold {
            println!("  a redemption waits at 惠民超市's till: number {n} (cashier-huimin confirms it at /merchant)");
        }
    }
    println!(
        "\nResidents sign in at {}/me/sign-in with an emailed code, e.g. as {} (all {}: resident01..{:02}@demo.mashang.cn)",
        settings.public_base(),
        crate::demo::residents::email(1),
        crate::demo::residents::RESIDENTS,
        crate::demo::residents::RESIDENTS
    );
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
