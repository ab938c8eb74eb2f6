//! What a scan page shows (the place and the news that reaches it), cached per instance, and
//! the one way to say it changed.
//!
//! Scans are bursty (a whole compound scans its new stickers the same evening) and a view
//! changes only when something is changed on purpose: a code revoked or reissued, news
//! published, a grid renamed, an import, the demo loaded. Each of those operations calls
//! [`LandingCache::changed`], which drops the view here at once and bumps a change counter in
//! Redis; every serving instance polls that counter each second ([`LandingCache::watch`]) and
//! clears its cache when it moved. So a scan costs no database work in steady state, other
//! instances follow a change within about a second, and a command-line run (which has no
//! cache of its own) reaches the serving instances the same way.

use crate::codes::model::ScanTarget;
use crate::codes::Code;
use crate::db::DbPool;
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::news::News;
use crate::redis_store::RedisStore;
use bytes::Bytes;
use quick_cache::sync::Cache;
use serde::Serialize;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// What the landing page shows for a token: the place and the news that reaches it.
#[derive(Debug, Serialize)]
pub struct LandingView {
    pub target: ScanTarget,
    pub news: Vec<News>,
    /// The page as an anonymous visitor sees it, rendered by the web layer once per language
    /// while the view is cached (in `Locale::ALL` order, then the bilingual Mongolian–Chinese
    /// page): a burst of scans costs one render, not one per request.
    #[serde(skip)]
    pub rendered: [OnceLock<Bytes>; Locale::ALL.len() + 1],
}

/// The per-instance cache of landing views and the change signal shared by all instances.
pub struct LandingCache {
    /// (expires at, view); `None` for a process that serves no pages (a command).
    local: Option<Cache<String, (Instant, Arc<LandingView>)>>,
    ttl: Duration,
    /// `None` when no instance can be showing the data (building a test template).
    redis: Option<RedisStore>,
}

impl LandingCache {
    /// A serving instance's cache: at most `capacity` views, each kept for up to `ttl`.
    pub fn new(redis: RedisStore, capacity: usize, ttl: Duration) -> Self {
        LandingCache {
            local: Some(Cache::new(capacity)),
            ttl,
            redis: Some(redis),
        }
    }

    /// For a command that changes data (`mashang import`, `mashang demo`): no views of its
    /// own, only the signal to the serving instances.
    pub fn announcer(redis: RedisStore) -> Self {
        LandingCache {
            local: None,
            ttl: Duration::ZERO,
            redis: Some(redis),
        }
    }

    /// For data no instance serves yet (a database being built): changes tell no one.
    pub fn offline() -> Self {
        LandingCache {
            local: None,
            ttl: Duration::ZERO,
            redis: None,
        }
    }

    fn get(&self, token: &str) -> Option<Arc<LandingView>> {
        self.local
            .as_ref()?
            .get(token)
            .filter(|(expires, _)| Instant::now() < *expires)
            .map(|(_, v)| v)
    }

    /// Keep a view until a jittered expiry between half and all of the TTL: views cached in
    /// the same burst (a warm-up, a whole compound scanning new stickers) would otherwise all
    /// expire in the same instant and be re-read and re-rendered at once, a visible stall.
    fn put(&self, token: String, view: Arc<LandingView>) {
        if let Some(local) = &self.local {
            if !self.ttl.is_zero() {
                let ttl = self.ttl.mul_f64(0.5 + rand::random::<f64>() * 0.5);
                local.insert(token, (Instant::now() + ttl, view));
            }
        }
    }

    fn clear(&self) {
        if let Some(local) = &self.local {
            local.clear();
        }
    }

    /// The view for a (normalised) token, from the cache or read through it; `None` for an
    /// unknown or revoked code.
    pub async fn view(
        &self,
        db: &DbPool,
        token: &str,
        news_items: i64,
    ) -> AppResult<Option<Arc<LandingView>>> {
        if let Some(v) = self.get(token) {
            return Ok(Some(v));
        }
        let mut conn = db.get().await?;
        let Some(target) = Code::scan(&mut conn, token).await? else {
            return Ok(None);
        };
        let news = News::for_grid_path(&mut conn, &target.grid_path, news_items).await?;
        let v = Arc::new(LandingView {
            target,
            news,
            rendered: Default::default(),
        });
        self.put(token.to_owned(), v.clone());
        Ok(Some(v))
    }

    /// Something shown on scan pages changed (`token`: just that code; `None`: anything):
    /// drop it here at once and tell every instance. Call it after the change committed.
    pub async fn changed(&self, token: Option<&str>) -> AppResult<()> {
        match (token, &self.local) {
            (Some(t), Some(local)) => {
                local.remove(t);
            }
            _ => self.clear(),
        }
        let Some(redis) = &self.redis else {
            return Ok(());
        };
        let mut c = redis.conn();
        let bumped: redis::RedisResult<i64> = redis::cmd("INCR")
            .arg(redis.key(EPOCH))
            .query_async(&mut c)
            .await;
        match bumped {
            Ok(_) => Ok(()),
            // A command's change is committed already: failing it now would mislead, and the
            // serving instances' views expire by their TTL anyway.
            Err(e) if self.local.is_none() => {
                tracing::warn!(error = %e, "scan pages not told of the change (Redis)");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Poll the change counter every second and clear this instance's cache when another
    /// process changed something. A Redis outage only delays this (views still expire by
    /// their TTL).
    pub fn watch(self: Arc<Self>) {
        let Some(redis) = self.redis.clone() else {
            return;
        };
        tokio::spawn(async move {
            let mut last: Option<i64> = None;
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let mut c = redis.conn();
                let now: Result<Option<i64>, _> = redis::cmd("GET")
                    .arg(redis.key(EPOCH))
                    .query_async(&mut c)
                    .await;
                if let Ok(now) = now {
                    let now = now.unwrap_or(0);
                    if last.is_some_and(|l| l != now) {
                        self.clear();
                    }
                    last = Some(now);
                }
            }
        });
    }
}

/// The change counter's key (under the instance's prefix).
const EPOCH: &str = "landing_epoch";
