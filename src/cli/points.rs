//! `mashang points rebuild | audit`: restore the Redis projection from the journal, and check
//! the invariants (exits non-zero naming the accounts when one fails).

use crate::config::Settings;
use crate::points::{audit, projection, relay};
use crate::redis_store::RedisStore;
use chrono::Utc;

/// Restore Redis from the journal.
pub async fn rebuild(settings: &Settings) -> anyhow::Result<()> {
    let mut conn = super::connect(settings).await?;
    let redis = RedisStore::connect(&settings.redis.url, &settings.redis.key_prefix)?;
    let n = projection::rebuild_all(&mut conn, &redis, Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("points projection rebuilt: {n} account(s)");
    Ok(())
}

/// Check the invariants; an error (non-zero exit) lists every failed one.
pub async fn audit(settings: &Settings, catch_up: bool) -> anyhow::Result<()> {
    let mut conn = super::connect(settings).await?;
    let redis = RedisStore::connect(&settings.redis.url, &settings.redis.key_prefix)?;
    if catch_up {
        relay::catch_up(&mut conn, &redis, Utc::now())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let report = audit::run(&mut conn, &redis, true)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "points audit: {} account(s), {} transfer(s)",
        report.accounts, report.transfers
    );
    if report.ok() {
        println!("all invariants hold");
        return Ok(());
    }
    for p in &report.problems {
        eprintln!("FAIL {}: {}", p.subject, p.what);
    }
    let mut names: Vec<&str> = report.problems.iter().map(|p| p.subject.as_str()).collect();
    names.dedup();
    anyhow::bail!("points audit failed for: {}", names.join(", "))
}
