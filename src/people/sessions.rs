//! Staff sessions in Redis.
//!
//! The browser holds a random 256-bit session id; Redis holds the session under the
//! SHA-256 of that id, so a Redis dump does not hand out live sessions. Each session has its
//! own CSRF token. Sessions slide: every use pushes the expiry out by the TTL.

use crate::redis_store::RedisStore;
use rand::RngCore;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a session knows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionData {
    pub staff_id: i64,
    pub csrf: String,
    pub created_at: i64,
}

/// A random URL-safe secret (256 bits, hex).
pub fn random_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn key(redis: &RedisStore, sid: &str) -> String {
    redis.key(&format!(
        "session:{}",
        hex::encode(Sha256::digest(sid.as_bytes()))
    ))
}

/// Start a session; returns the id for the cookie.
pub async fn create(
    redis: &RedisStore,
    staff_id: i64,
    ttl_seconds: u64,
) -> redis::RedisResult<(String, SessionData)> {
    let sid = random_secret();
    let data = SessionData {
        staff_id,
        csrf: random_secret(),
        created_at: chrono::Utc::now().timestamp(),
    };
    let json = serde_json::to_string(&data).expect("session data serialises");
    let mut c = redis.conn();
    let _: () = c.set_ex(key(redis, &sid), json, ttl_seconds).await?;
    Ok((sid, data))
}

/// Load a session and slide its expiry. `None` when unknown or expired.
pub async fn load(
    redis: &RedisStore,
    sid: &str,
    ttl_seconds: u64,
) -> redis::RedisResult<Option<SessionData>> {
    if sid.len() != 64 || !sid.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let mut c = redis.conn();
    let raw: Option<String> = redis::cmd("GETEX")
        .arg(key(redis, sid))
        .arg("EX")
        .arg(ttl_seconds)
        .query_async(&mut c)
        .await?;
    Ok(raw.and_then(|s| serde_json::from_str(&s).ok()))
}

/// End a session.
pub async fn destroy(redis: &RedisStore, sid: &str) -> redis::RedisResult<()> {
    let mut c = redis.conn();
    let _: () = c.del(key(redis, sid)).await?;
    Ok(())
}
