//! Sessions in Redis, for staff and for residents.
//!
//! The browser holds a random 256-bit session id; Redis holds the session under the
//! SHA-256 of that id, so a Redis dump does not hand out live sessions. Each session has its
//! own CSRF token. Sessions slide: every use pushes the expiry out by the TTL. Each person's
//! sessions are also listed in a set, so "sign out everywhere" can end them all (one key per
//! command: it works unchanged on Redis Cluster).

use crate::redis_store::RedisStore;
use rand::RngCore;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Whose session it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Staff,
    Resident,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Staff => "session",
            Kind::Resident => "rsession",
        }
    }
}

/// What a session knows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionData {
    /// The staff or resident id.
    #[serde(alias = "staff_id")]
    pub subject_id: i64,
    pub csrf: String,
    pub created_at: i64,
}

/// A random URL-safe secret (256 bits, hex).
pub fn random_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Compare secrets without leaking how much of them matched.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn digest(sid: &str) -> String {
    hex::encode(Sha256::digest(sid.as_bytes()))
}

fn key(redis: &RedisStore, kind: Kind, hash: &str) -> String {
    redis.key(&format!("{}:{hash}", kind.prefix()))
}

fn index(redis: &RedisStore, kind: Kind, subject_id: i64) -> String {
    redis.key(&format!("{}s_of:{subject_id}", kind.prefix()))
}

/// Start a session; returns the id for the cookie.
pub async fn create(
    redis: &RedisStore,
    kind: Kind,
    subject_id: i64,
    ttl_seconds: u64,
) -> redis::RedisResult<(String, SessionData)> {
    let sid = random_secret();
    let data = SessionData {
        subject_id,
        csrf: random_secret(),
        created_at: chrono::Utc::now().timestamp(),
    };
    let json = serde_json::to_string(&data).expect("session data serialises");
    let hash = digest(&sid);
    let mut c = redis.conn();
    let _: () = c.set_ex(key(redis, kind, &hash), json, ttl_seconds).await?;
    let idx = index(redis, kind, subject_id);
    let _: () = c.sadd(&idx, &hash).await?;
    let _: () = c.expire(&idx, ttl_seconds as i64).await?;
    Ok((sid, data))
}

/// Load a session and slide its expiry. `None` when unknown or expired.
pub async fn load(
    redis: &RedisStore,
    kind: Kind,
    sid: &str,
    ttl_seconds: u64,
) -> redis::RedisResult<Option<SessionData>> {
    if sid.len() != 64 || !sid.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let mut c = redis.conn();
    let raw: Option<String> = redis::cmd("GETEX")
        .arg(key(redis, kind, &digest(sid)))
        .arg("EX")
        .arg(ttl_seconds)
        .query_async(&mut c)
        .await?;
    Ok(raw.and_then(|s| serde_json::from_str(&s).ok()))
}

/// End one session.
pub async fn destroy(redis: &RedisStore, kind: Kind, sid: &str) -> redis::RedisResult<()> {
    let mut c = redis.conn();
    let _: () = c.del(key(redis, kind, &digest(sid))).await?;
    Ok(())
}

/// End every session of a person (sign out everywhere). Returns how many there were.
pub async fn destroy_all(
    redis: &RedisStore,
    kind: Kind,
    subject_id: i64,
) -> redis::RedisResult<usize> {
    let mut c = redis.conn();
    let idx = index(redis, kind, subject_id);
    let hashes: Vec<String> = c.smembers(&idx).await?;
    let mut ended = 0;
    for h in &hashes {
        let n: usize = c.del(key(redis, kind, h)).await?;
        ended += n;
    }
    let _: () = c.del(&idx).await?;
    Ok(ended)
}
