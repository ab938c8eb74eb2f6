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
    /// Unix seconds when the session started.
    pub created_at: i64,
    /// Unix milliseconds when the session started (0 in sessions made before it existed).
    #[serde(default)]
    pub created_ms: i64,
}

impl SessionData {
    /// When the session started, in milliseconds.
    fn started_ms(&self) -> i64 {
        if self.created_ms > 0 {
            self.created_ms
        } else {
            self.created_at.saturating_mul(1000)
        }
    }

    /// Whether the session may still be used: started after the account's last "sign out
    /// everywhere" and within its absolute lifetime. (The idle lifetime is Redis's expiry.)
    pub fn is_current(
        &self,
        valid_after: chrono::DateTime<chrono::Utc>,
        absolute_lifetime_seconds: u64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        let started = self.started_ms();
        let lifetime_ms = i64::try_from(absolute_lifetime_seconds)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000);
        started > valid_after.timestamp_millis()
            && now.timestamp_millis().saturating_sub(started) < lifetime_ms
    }
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
    let now = chrono::Utc::now();
    let data = SessionData {
        subject_id,
        csrf: random_secret(),
        created_at: now.timestamp(),
        created_ms: now.timestamp_millis(),
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

#[cfg(test)]
mod tests {
    use super::SessionData;
    use chrono::{Duration, TimeZone, Utc};

    fn started(ms: i64) -> SessionData {
        SessionData {
            subject_id: 1,
            csrf: String::new(),
            created_at: ms / 1000,
            created_ms: ms,
        }
    }

    #[test]
    fn sign_out_everywhere_ends_every_older_session() {
        let t = Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap();
        let never = Utc.timestamp_opt(0, 0).unwrap();
        let s = started(t.timestamp_millis());
        assert!(s.is_current(never, 3600, t + Duration::seconds(10)));
        assert!(
            !s.is_current(t, 3600, t + Duration::seconds(10)),
            "same instant ends it"
        );
        assert!(!s.is_current(t + Duration::seconds(5), 3600, t + Duration::seconds(10)));
        assert!(s.is_current(
            t - Duration::milliseconds(1),
            3600,
            t + Duration::seconds(10)
        ));
    }

    #[test]
    fn the_absolute_lifetime_ends_a_session_in_use() {
        let t = Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap();
        let never = Utc.timestamp_opt(0, 0).unwrap();
        let s = started(t.timestamp_millis());
        assert!(s.is_current(never, 3600, t + Duration::seconds(3599)));
        assert!(!s.is_current(never, 3600, t + Duration::seconds(3600)));
    }

    #[test]
    fn sessions_from_before_milliseconds_use_seconds() {
        let t = Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap();
        let old = SessionData {
            subject_id: 1,
            csrf: String::new(),
            created_at: t.timestamp(),
            created_ms: 0,
        };
        let never = Utc.timestamp_opt(0, 0).unwrap();
        assert!(old.is_current(never, 3600, t));
        assert!(!old.is_current(t, 3600, t));
    }
}
