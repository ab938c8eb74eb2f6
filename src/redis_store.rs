//! The Redis handle: one multiplexed, auto-reconnecting connection (to a single Redis or to
//! a Redis Cluster) and the key prefix.
//!
//! A cluster is chosen by the URL's scheme: `redis+cluster://host:port,host:port,...` names
//! seed nodes (the client learns the rest). On a cluster every command and script must keep
//! its keys in one hash slot; the app does so by giving the keys of one unit a hash tag (see
//! `points::projection`), and everything else uses one key per command. Commands that are
//! node-local on a cluster (SCAN) go through [`RedisStore::scan`], which visits every primary.

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClientBuilder, ClusterConfig};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{MultipleNodeRoutingInfo, RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Value};
use std::time::Duration;

/// The URL scheme that selects Redis Cluster (`rediss+cluster://` for TLS seeds).
pub const CLUSTER_SCHEME: &str = "redis+cluster://";
const CLUSTER_TLS_SCHEME: &str = "rediss+cluster://";

/// Where Redis is, as `redis.url` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisTarget {
    /// One Redis (`redis://...`, `rediss://...`, `unix://...`).
    Single(String),
    /// A Redis Cluster: one `redis://` URL per seed node.
    Cluster(Vec<String>),
}

impl RedisTarget {
    /// Read `redis.url`: `redis+cluster://[user:password@]host:port[,host:port...][/]`
    /// is a cluster, anything else one Redis.
    pub fn parse(url: &str) -> anyhow::Result<RedisTarget> {
        let (rest, scheme) = if let Some(r) = url.strip_prefix(CLUSTER_SCHEME) {
            (r, "redis://")
        } else if let Some(r) = url.strip_prefix(CLUSTER_TLS_SCHEME) {
            (r, "rediss://")
        } else {
            return Ok(RedisTarget::Single(url.to_owned()));
        };
        let rest = rest.trim_end_matches('/');
        // Credentials (if any) apply to every node; they may not contain '@' unescaped.
        let (auth, hosts) = match rest.rsplit_once('@') {
            Some((a, h)) => (format!("{a}@"), h),
            None => (String::new(), rest),
        };
        let seeds: Vec<String> = hosts
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| format!("{scheme}{auth}{h}"))
            .collect();
        if seeds.is_empty() {
            anyhow::bail!("redis.url names no cluster node (expected {CLUSTER_SCHEME}host:port,host:port,...)");
        }
        Ok(RedisTarget::Cluster(seeds))
    }
}

/// A connection to run commands on: clones share one multiplexed connection (to the one
/// Redis, or to each cluster node). Implements [`ConnectionLike`], so commands, pipelines
/// and scripts run on it unchanged; on a cluster the client routes each by its key's slot.
#[derive(Clone)]
pub enum RedisConn {
    /// One Redis, reconnecting on its own.
    Single(ConnectionManager),
    /// A Redis Cluster (follows MOVED/ASK, refreshes its slot map, reconnects nodes).
    Cluster(ClusterConnection),
}

impl ConnectionLike for RedisConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            RedisConn::Single(c) => c.req_packed_command(cmd),
            RedisConn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            RedisConn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            RedisConn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            RedisConn::Single(c) => c.get_db(),
            RedisConn::Cluster(c) => c.get_db(),
        }
    }
}

/// A cheap-to-clone Redis handle. Every key goes through [`RedisStore::key`] so that one Redis
/// can serve several deployments (and every test its own namespace).
#[derive(Clone)]
pub struct RedisStore {
    conn: RedisConn,
    prefix: String,
}

const TIMEOUT: Duration = Duration::from_secs(2);

impl RedisStore {
    /// Connect lazily: the service starts (and reports itself not ready) while Redis is down.
    /// Must be called inside the Tokio runtime (a cluster connection starts a task).
    pub fn connect(url: &str, prefix: &str) -> anyhow::Result<RedisStore> {
        // A brace in the prefix would become (part of) every key's hash tag and change which
        // keys share a slot; keys carry their own tags.
        if prefix.contains(['{', '}']) {
            anyhow::bail!(
                "redis.key_prefix must not contain '{{' or '}}' (Redis Cluster hash tags)"
            );
        }
        let conn = match RedisTarget::parse(url)? {
            RedisTarget::Single(url) => {
                let client = redis::Client::open(url)?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(TIMEOUT))
                    .set_response_timeout(Some(TIMEOUT))
                    .set_number_of_retries(2)
                    .set_max_delay(Duration::from_millis(500));
                RedisConn::Single(ConnectionManager::new_lazy_with_config(client, config)?)
            }
            RedisTarget::Cluster(seeds) => {
                let client = ClusterClientBuilder::new(seeds)
                    .retries(2)
                    .max_retry_wait(500)
                    .build()?;
                let config = ClusterConfig::new()
                    .set_connection_timeout(TIMEOUT)
                    .set_response_timeout(TIMEOUT);
                RedisConn::Cluster(client.get_pending_async_connection_with_config(config))
            }
        };
        Ok(RedisStore {
            conn,
            prefix: prefix.to_owned(),
        })
    }

    /// The full key for `suffix`.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}{}", self.prefix, suffix)
    }

    /// The key prefix of this deployment.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A connection to run commands on (clones share one multiplexed connection).
    pub fn conn(&self) -> RedisConn {
        self.conn.clone()
    }

    /// Whether this is a Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.conn, RedisConn::Cluster(_))
    }

    /// PING with a short deadline, for `/readyz`. On a cluster every primary must answer.
    pub async fn ping(&self) -> Result<(), String> {
        let mut c = self.conn();
        let ping = redis::cmd("PING");
        let fut = ping.query_async::<String>(&mut c);
        match tokio::time::timeout(TIMEOUT, fut).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out".into()),
        }
    }

    /// Every key matching `pattern` (SCAN, so no node is blocked; on a cluster, SCAN of
    /// every primary, since each holds only its own slots). Keys added meanwhile may or may
    /// not be included.
    pub async fn scan(&self, pattern: &str) -> RedisResult<Vec<String>> {
        let mut keys = Vec::new();
        match &self.conn {
            RedisConn::Single(c) => {
                let mut c = c.clone();
                scan_node(pattern, &mut keys, async |cmd| {
                    cmd.query_async(&mut c).await
                })
                .await?;
            }
            RedisConn::Cluster(c) => {
                let mut c = c.clone();
                for (host, port) in primaries(&mut c).await? {
                    let route = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                        host: host.clone(),
                        port,
                    });
                    scan_node(pattern, &mut keys, async |cmd| {
                        let v = c.route_command(cmd, route.clone()).await?;
                        redis::from_redis_value(v).map_err(Into::into)
                    })
                    .await?;
                }
            }
        }
        Ok(keys)
    }
}

/// SCAN one node to the end, adding the keys found.
async fn scan_node(
    pattern: &str,
    keys: &mut Vec<String>,
    mut run: impl AsyncFnMut(Cmd) -> RedisResult<(u64, Vec<String>)>,
) -> RedisResult<()> {
    let mut cursor = 0u64;
    loop {
        let mut cmd = redis::cmd("SCAN");
        cmd.arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(500);
        let (next, found) = run(cmd).await?;
        keys.extend(found);
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

/// The cluster's primaries as the client addresses them (host, port): a PING to every
/// primary answers with one reply per node address.
async fn primaries(c: &mut ClusterConnection) -> RedisResult<Vec<(String, u16)>> {
    let replies = c
        .route_command(
            redis::cmd("PING"),
            RoutingInfo::MultiNode((MultipleNodeRoutingInfo::AllMasters, None)),
        )
        .await?;
    let Value::Map(replies) = replies else {
        return Err(redis::RedisError::from((
            redis::ErrorKind::Client,
            "unexpected reply to a PING of every primary",
        )));
    };
    Ok(replies
        .into_iter()
        .filter_map(|(addr, _)| {
            let addr: String = redis::from_redis_value(addr).ok()?;
            let (host, port) = addr.rsplit_once(':')?;
            Some((host.to_owned(), port.parse().ok()?))
        })
        .collect())
}

/// The hash tag Redis Cluster hashes a key by (the part between the first `{` and the next
/// `}`, if not empty), else the whole key. Keys with the same tag share a slot.
pub fn hash_tag(key: &str) -> &str {
    if let Some(open) = key.find('{') {
        if let Some(len) = key[open + 1..].find('}') {
            if len > 0 {
                return &key[open + 1..open + 1 + len];
            }
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_single_or_cluster() {
        assert_eq!(
            RedisTarget::parse("redis://127.0.0.1:6379").unwrap(),
            RedisTarget::Single("redis://127.0.0.1:6379".into())
        );
        assert_eq!(
            RedisTarget::parse("redis+cluster://127.0.0.1:7101,127.0.0.1:7102/").unwrap(),
            RedisTarget::Cluster(vec![
                "redis://127.0.0.1:7101".into(),
                "redis://127.0.0.1:7102".into()
            ])
        );
        assert_eq!(
            RedisTarget::parse("rediss+cluster://u:p@a:1, b:2").unwrap(),
            RedisTarget::Cluster(vec!["rediss://u:p@a:1".into(), "rediss://u:p@b:2".into()])
        );
        assert!(RedisTarget::parse("redis+cluster://").is_err());
    }

    #[test]
    fn hash_tags_follow_the_cluster_rule() {
        assert_eq!(hash_tag("p:pts:{r:7}:bal"), "r:7");
        assert_eq!(hash_tag("p:pts:{r:7}:day:{x}"), "r:7");
        assert_eq!(hash_tag("p:{}:x"), "p:{}:x");
        assert_eq!(hash_tag("plain"), "plain");
        assert_eq!(hash_tag("a{b"), "a{b");
    }

    #[tokio::test]
    async fn a_brace_in_the_prefix_is_refused() {
        assert!(RedisStore::connect("redis://127.0.0.1:1", "a{b}:").is_err());
        assert!(RedisStore::connect("redis://127.0.0.1:1", "mashang:").is_ok());
    }
}
