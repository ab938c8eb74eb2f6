//! The services every domain operation, job and command may be handed: configuration, pools,
//! caches, the mailer, the print engine. No templates and nothing of the web: the web layer
//! wraps this in its own `web::state::AppState` (which adds the page templates), so imports
//! keep pointing one way.

use crate::codes::cache::SymbolCache;
use crate::codes::landing::LandingCache;
use crate::config::Settings;
use crate::db::DbPool;
use crate::notify::{MailTemplates, Mailer};
use crate::redis_store::RedisStore;
use crate::reports::categories::Catalog;
use crate::reports::routing::GridLocator;
use crate::storage::Storage;
use std::sync::Arc;

/// The shared services, cloned into each worker and job (everything inside is a handle).
#[derive(Clone)]
pub struct Services {
    pub settings: Arc<Settings>,
    pub db: DbPool,
    pub redis: RedisStore,
    pub symbols: Arc<SymbolCache>,
    pub landing: Arc<LandingCache>,
    pub catalog: Arc<Catalog>,
    pub locator: Arc<GridLocator>,
    pub storage: Storage,
    pub mailer: Mailer,
    pub mail_templates: Arc<MailTemplates>,
    /// Photo checks and decoding within the process-wide memory allowance.
    pub photos: Arc<crate::reports::photos::PhotoIntake>,
    /// The typst engine for printed sheets (loaded on first use).
    pub print: crate::print::engine::SharedEngine,
    /// Open311's questions and limits (`open311.toml`, next to the categories file).
    pub open311: Arc<crate::open311::Open311Config>,
}

impl Services {
    /// Build the services from settings (connections open lazily).
    pub fn build(settings: Settings) -> anyhow::Result<Services> {
        let db = crate::db::pool(&settings.database.url, settings.database.pool_size)?;
        let redis = RedisStore::connect(&settings.redis.url, &settings.redis.key_prefix)?;
        let catalog = Catalog::load(&settings.reports.categories)?;
        let open311 = crate::open311::Open311Config::load(
            &settings.reports.categories.with_file_name("open311.toml"),
            &catalog,
        )?;
        let mail_templates = MailTemplates::load(&settings.assets.dir.join("email"))?;
        let mailer = Mailer::new(&settings.mail)?;
        Ok(Services {
            db,
            symbols: Arc::new(SymbolCache::new(4096)),
            landing: Arc::new(LandingCache::new(
                redis.clone(),
                16384,
                std::time::Duration::from_secs(settings.landing.cache_seconds),
            )),
            catalog: Arc::new(catalog),
            open311: Arc::new(open311),
            locator: Arc::new(GridLocator::default()),
            redis,
            storage: Storage::new(settings.storage.dir.clone()),
            mailer,
            mail_templates: Arc::new(mail_templates),
            print: crate::print::engine::SharedEngine::new(settings.print.clone()),
            photos: Arc::new(crate::reports::photos::PhotoIntake::new(
                crate::reports::photos::PhotoLimits {
                    max_bytes: settings.reports.max_photo_bytes,
                    memory_budget: settings.reports.photo_memory_budget,
                    ..Default::default()
                },
                settings.reports.photo_decodes_at_once,
            )),
            settings: Arc::new(settings),
        })
    }

    /// What the reports operations use.
    pub fn reports(&self) -> crate::reports::ReportDeps<'_> {
        crate::reports::ReportDeps {
            db: &self.db,
            redis: &self.redis,
            storage: &self.storage,
            photos: &self.photos,
            catalog: &self.catalog,
            locator: &self.locator,
            settings: &self.settings,
        }
    }

    /// Borrow a database connection.
    pub async fn conn(&self) -> crate::error::AppResult<crate::db::DbConn> {
        Ok(self.db.get().await?)
    }
}
