//! PostgreSQL: the connection pool, the embedded migrations and the schema.

pub mod schema;

use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// The pool every request borrows from.
pub type DbPool = Pool<AsyncPgConnection>;

/// A borrowed connection.
pub type DbConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

/// Every migration in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Build the pool (connections are opened lazily, so this succeeds while PostgreSQL is down;
/// `/readyz` reports it).
pub fn pool(url: &str, size: usize) -> anyhow::Result<DbPool> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
    Ok(Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(std::time::Duration::from_secs(5)))
        .create_timeout(Some(std::time::Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()?)
}

/// Run pending migrations and return the names of those applied.
///
/// Runs on a plain thread with diesel-async's sync wrapper: the migration harness is
/// synchronous and must not run inside actix's single-threaded runtimes.
pub fn run_migrations(url: &str) -> anyhow::Result<Vec<String>> {
    let url = url.to_owned();
    std::thread::spawn(move || -> anyhow::Result<Vec<String>> {
        use diesel::Connection;
        use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.iter().map(|v| v.to_string()).collect())
    })
    .join()
    .map_err(|_| anyhow::anyhow!("migration thread panicked"))?
}

/// Create the database named in `url` if it does not exist (connects to `postgres`).
pub fn create_database_if_missing(url: &str) -> anyhow::Result<()> {
    let mut parsed = url::Url::parse(url)?;
    let name = parsed.path().trim_start_matches('/').to_owned();
    anyhow::ensure!(
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "database name {name:?} must be plain ASCII letters, digits and underscores"
    );
    parsed.set_path("/postgres");
    let admin_url = parsed.to_string();
    std::thread::spawn(move || -> anyhow::Result<()> {
        use diesel::{Connection, RunQueryDsl};
        use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&admin_url)?;
        #[derive(diesel::QueryableByName)]
        struct Exists {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            exists: bool,
        }
        let found: Exists = diesel::sql_query(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists",
        )
        .bind::<diesel::sql_types::Text, _>(&name)
        .get_result(&mut conn)?;
        if !found.exists {
            // The name was checked above: identifiers cannot be bound as parameters.
            diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut conn)?;
        }
        Ok(())
    })
    .join()
    .map_err(|_| anyhow::anyhow!("database creation thread panicked"))?
}
