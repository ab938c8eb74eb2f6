//! Fixed-window rate limits in Redis, shared by every app instance.

use crate::redis_store::RedisStore;

/// Count one attempt against `bucket` and say whether it is within `limit` per
/// `window_seconds`. One key per bucket, so it works unchanged on Redis Cluster.
pub async fn hit(
    redis: &RedisStore,
    bucket: &str,
    limit: u32,
    window_seconds: u64,
) -> redis::RedisResult<bool> {
    let key = redis.key(&format!("rl:{bucket}"));
    let mut c = redis.conn();
    // INCR and EXPIRE NX in one MULTI: the window starts at the first attempt and a crash
    // between the two commands cannot leave a counter that never expires.
    let (count,): (u64,) = redis::pipe()
        .atomic()
        .incr(&key, 1u64)
        .cmd("EXPIRE")
        .arg(&key)
        .arg(window_seconds)
        .arg("NX")
        .ignore()
        .query_async(&mut c)
        .await?;
    Ok(count <= u64::from(limit))
}

/// Forget a bucket (after a successful sign-in, the user's failures no longer count).
pub async fn reset(redis: &RedisStore, bucket: &str) -> redis::RedisResult<()> {
    let mut c = redis.conn();
    let _: () = redis::cmd("DEL")
        .arg(redis.key(&format!("rl:{bucket}")))
        .query_async(&mut c)
        .await?;
    Ok(())
}
