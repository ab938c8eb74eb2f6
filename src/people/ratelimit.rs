//! Fixed-window rate limits in Redis, shared by every app instance.
//!
//! A bucket names who is counted (`login:user:alice`, `report:code:ABCD`). Buckets are built
//! from request input, so the key never holds that input: it holds the bucket's kind (the
//! part before the first `:`, written by us) and a fixed-length hash of the rest. Whatever a
//! client sends, one bucket costs one small key, and a refused attempt costs nothing more.

use crate::redis_store::RedisStore;
use redis::Script;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Count an attempt unless the bucket is already full: a refused attempt does not extend or
/// grow anything. The window starts at the first attempt (EXPIRE NX); the whole script is one
/// command on one key, so it is atomic and works unchanged on Redis Cluster.
const HIT_LUA: &str = r"
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX')
return 1
";

static HIT: LazyLock<Script> = LazyLock::new(|| Script::new(HIT_LUA));

/// The key suffix of a bucket: `rl:{kind}:{hash of the rest}`, bounded whatever the input.
fn bucket_suffix(bucket: &str) -> String {
    let (kind, rest) = bucket.split_once(':').unwrap_or(("misc", bucket));
    // The kind is ours (a literal in the caller); clamp it anyway so a mistake cannot leak input.
    let kind: String = kind
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(24)
        .collect();
    let digest = Sha256::digest(rest.as_bytes());
    format!("rl:{kind}:{}", hex::encode(&digest[..16]))
}

fn bucket_key(redis: &RedisStore, bucket: &str) -> String {
    redis.key(&bucket_suffix(bucket))
}

/// Count one attempt against `bucket` and say whether it is within `limit` per
/// `window_seconds`. Once the limit is reached, further attempts are refused without being
/// counted, so a client hammering a full bucket does not keep it alive longer.
pub async fn hit(
    redis: &RedisStore,
    bucket: &str,
    limit: u32,
    window_seconds: u64,
) -> redis::RedisResult<bool> {
    let mut c = redis.conn();
    let allowed: i64 = HIT
        .key(bucket_key(redis, bucket))
        .arg(limit)
        .arg(window_seconds)
        .invoke_async(&mut c)
        .await?;
    Ok(allowed == 1)
}

/// Whether `bucket` has reached `limit` already (nothing is counted).
pub async fn full(redis: &RedisStore, bucket: &str, limit: u32) -> redis::RedisResult<bool> {
    let mut c = redis.conn();
    let n: Option<u64> = redis::cmd("GET")
        .arg(bucket_key(redis, bucket))
        .query_async(&mut c)
        .await?;
    Ok(n.unwrap_or(0) >= u64::from(limit))
}

/// Forget a bucket (after a successful sign-in, the user's failures no longer count).
pub async fn reset(redis: &RedisStore, bucket: &str) -> redis::RedisResult<()> {
    let mut c = redis.conn();
    let _: () = redis::cmd("DEL")
        .arg(bucket_key(redis, bucket))
        .query_async(&mut c)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::bucket_suffix;

    #[test]
    fn the_key_is_bounded_whatever_the_input() {
        let huge = format!("report:code:{}", "x".repeat(5_000_000));
        let key = bucket_suffix(&huge);
        assert!(key.starts_with("rl:report:"), "{key}");
        assert_eq!(key.len(), "rl:report:".len() + 32);
        assert!(!key.contains("xxxx"));
    }

    #[test]
    fn buckets_stay_apart_and_stable() {
        assert_eq!(
            bucket_suffix("login:user:alice"),
            bucket_suffix("login:user:alice")
        );
        assert_ne!(
            bucket_suffix("login:user:alice"),
            bucket_suffix("login:user:bob")
        );
        assert_ne!(bucket_suffix("login:ip:1"), bucket_suffix("otp:ip:1"));
        let weird = bucket_suffix("lo\ngin\r\n:x");
        assert!(weird.starts_with("rl:login:"), "{weird}");
    }
}
