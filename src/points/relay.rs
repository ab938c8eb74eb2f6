//! The relay: applies journal entries to Redis. Requests apply their own transfer right after
//! commit; the relay catches up with whatever that missed (Redis down, a crash in between).
//!
//! Sequence numbers are taken in insert order but transactions commit in their own order, so
//! the cursor only moves past entries older than [`SETTLE_SECONDS`]; newer ones are applied
//! again on the next run, which is harmless: applying is idempotent per account version.

use super::ledger::Transfer;
use super::projection;
use crate::error::AppResult;
use crate::redis_store::RedisStore;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

/// Entries younger than this may still have an uncommitted predecessor.
pub const SETTLE_SECONDS: i64 = 60;

fn cursor_key(redis: &RedisStore) -> String {
    redis.key("pts:relay:cursor")
}

/// The journal position everything up to which is in Redis.
pub async fn cursor(redis: &RedisStore) -> AppResult<i64> {
    let mut c = redis.conn();
    let v: Option<i64> = redis::cmd("GET")
        .arg(cursor_key(redis))
        .query_async(&mut c)
        .await?;
    Ok(v.unwrap_or(0))
}

/// Set the cursor.
pub async fn set_cursor(redis: &RedisStore, seq: i64) -> AppResult<()> {
    let mut c = redis.conn();
    let _: () = redis::cmd("SET")
        .arg(cursor_key(redis))
        .arg(seq)
        .query_async(&mut c)
        .await?;
    Ok(())
}

/// Apply the journal after the cursor to Redis. Returns how many entries were looked at.
pub async fn catch_up(
    conn: &mut AsyncPgConnection,
    redis: &RedisStore,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let mut from = cursor(redis).await?;
    let mut seen = 0;
    let mut blocked = false;
    loop {
        let batch = Transfer::after(conn, from, 500).await?;
        if batch.is_empty() {
            break;
        }
        let mut settled_to = None;
        for t in &batch {
            projection::apply(conn, redis, t).await?;
            // The cursor moves only through an unbroken run of settled entries.
            if !blocked && (now - t.created_at).num_seconds() >= SETTLE_SECONDS {
                settled_to = Some(t.seq);
            } else {
                blocked = true;
            }
            from = t.seq;
        }
        seen += batch.len();
        if let Some(s) = settled_to {
            if s > cursor(redis).await? {
                set_cursor(redis, s).await?;
            }
        }
    }
    Ok(seen)
}
