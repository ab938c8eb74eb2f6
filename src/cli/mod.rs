//! Command-line entry points (thin: they call the domain and print).

pub mod codes_export;
pub mod demo;
pub mod import;
pub mod open311;
pub mod points;
pub mod print;

use crate::config::Settings;
use crate::db::DbConn;

/// One database connection for a command.
pub async fn connect(settings: &Settings) -> anyhow::Result<DbConn> {
    let pool = crate::db::pool(&settings.database.url, 2)?;
    pool.get()
        .await
        .map_err(|e| anyhow::anyhow!("PostgreSQL at {}: {e}", settings.database.url))
}
