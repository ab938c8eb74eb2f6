//! The Redis handle: one multiplexed, auto-reconnecting connection and the key prefix.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// A cheap-to-clone Redis handle. Every key goes through [`RedisStore::key`] so that one Redis
/// can serve several deployments (and every test its own namespace).
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
}

impl RedisStore {
    /// Connect lazily: the service starts (and reports itself not ready) while Redis is down.
    pub fn connect(url: &str, prefix: &str) -> anyhow::Result<RedisStore> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(RedisStore {
            conn,
            prefix: prefix.to_owned(),
        })
    }

    /// The full key for `suffix`.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}{}", self.prefix, suffix)
    }

    /// A connection to run commands on (clones share one multiplexed connection).
    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// PING with a short deadline, for `/readyz`.
    pub async fn ping(&self) -> Result<(), String> {
        let mut c = self.conn();
        let ping = redis::cmd("PING");
        let fut = ping.query_async::<String>(&mut c);
        match tokio::time::timeout(Duration::from_secs(2), fut).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out".into()),
        }
    }
}
