//! Each points operation as one call: commit the journal step, bring the Redis projection up
//! to date, return what was decided. Handlers, commands and jobs call these; the journal steps
//! underneath (`holds::place`, `award::award`, …) stay callable on their own for code that
//! works inside a larger transaction (the demo loader) and for the model tests.
//!
//! The projection is updated on the same connection, after the commit: the journal is the
//! record, so a Redis failure is logged and left to the relay and the read path (which rebuild
//! from the journal), never reported as a failed operation.

use super::award::{self, AwardRequest};
use super::holds::{self, Hold, HoldRequest};
use super::ledger::Transfer;
use super::rules::{HoldAction, PointsError};
use crate::config::PointsSettings;
use crate::error::AppResult;
use crate::redis_store::RedisStore;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

/// Apply a committed transfer to Redis, logging (not returning) a failure.
pub async fn project(conn: &mut AsyncPgConnection, redis: &RedisStore, t: &Transfer) {
    if let Err(e) = super::projection::apply(conn, redis, t).await {
        tracing::warn!(transfer = %t.id, error = %e, "points projection lagging");
    }
}

/// Set points aside for a shop (a retried key returns the first hold).
pub async fn place_hold(
    conn: &mut AsyncPgConnection,
    redis: &RedisStore,
    cfg: &PointsSettings,
    req: &HoldRequest,
    now: DateTime<Utc>,
) -> AppResult<Result<Hold, PointsError>> {
    let placed = holds::place(conn, cfg, req, now).await?;
    if let Ok(hold) = &placed {
        // The hold's transfer carries the hold's id.
        if let Some(t) = Transfer::find(conn, &hold.id).await? {
            project(conn, redis, &t).await;
        }
    }
    Ok(placed)
}

/// Capture, reject or expire a hold; returns the hold as decided and its outcome transfer.
pub async fn decide_hold(
    conn: &mut AsyncPgConnection,
    redis: &RedisStore,
    hold_id: &str,
    action: HoldAction,
    staff_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<Result<(Hold, Transfer), PointsError>> {
    let decided = holds::decide(conn, hold_id, action, staff_id, now).await?;
    if let Ok((_, t)) = &decided {
        project(conn, redis, t).await;
    }
    Ok(decided)
}

/// Award points to a resident (within the daily cap).
pub async fn award(
    conn: &mut AsyncPgConnection,
    redis: &RedisStore,
    cfg: &PointsSettings,
    req: &AwardRequest,
    now: DateTime<Utc>,
) -> AppResult<Result<Transfer, PointsError>> {
    let r = award::award(conn, cfg, req, now).await?;
    projected(conn, redis, r).await
}

/// Take back (part of) an award.
#[allow(clippy::too_many_arguments)]
pub async fn reverse(
    conn: &mut AsyncPgConnection,
    redis: &RedisStore,
    id: &str,
    award_id: &str,
    amount: i64,
    reason: &str,
    staff_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Result<Transfer, PointsError>> {
    let r = award::reverse(conn, id, award_id, amount, reason, staff_id, now).await?;
    projected(conn, redis, r).await
}

/// Record that the community paid a merchant.
pub async fn settle(
    conn: &mut AsyncPgConnection,
    redis: &RedisStore,
    id: &str,
    shop_id: i64,
    amount: i64,
    staff_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Result<Transfer, PointsError>> {
    let r = award::settle(conn, id, shop_id, amount, staff_id, now).await?;
    projected(conn, redis, r).await
}

async fn projected(
    conn: &mut AsyncPgConnection,
    redis: &RedisStore,
    r: Result<Transfer, PointsError>,
) -> AppResult<Result<Transfer, PointsError>> {
    if let Ok(t) = &r {
        project(conn, redis, t).await;
    }
    Ok(r)
}
