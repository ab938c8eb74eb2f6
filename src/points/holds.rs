//! Redemption at the counter: a resident sets points aside for a shop (a hold, resident →
//! hold account), the shop's cashier confirms it (capture: hold → merchant) or rejects it
//! (void: hold → resident), and an unconfirmed hold expires (void) when its time runs out.

use super::account::Account;
use super::ledger::{self, NewTransfer, Transfer};
use super::rules::{
    self, decide_hold, request_hash, HoldAction, HoldState, PointsError, SpendLimits,
};
use crate::config::PointsSettings;
use crate::db::schema::{points_holds, shops};
use crate::db::DbPool;
use crate::error::AppResult;
use crate::grids::scope::path_ids;
use crate::redis_store::RedisStore;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use super::ledger::with_retry;

/// A redemption hold.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = points_holds)]
pub struct Hold {
    pub id: String,
    pub resident_id: i64,
    pub shop_id: i64,
    pub amount: i64,
    pub confirmation: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<i64>,
    pub outcome_transfer: Option<String>,
}

/// A hold as asked for by a resident at a shop's counter.
#[derive(Debug, Clone)]
pub struct HoldRequest {
    /// The idempotency key (also the hold's id).
    pub id: String,
    pub resident_id: i64,
    pub shop_id: i64,
    pub amount: i64,
}

impl Hold {
    /// The state.
    pub fn state(&self) -> HoldState {
        HoldState::parse(&self.status).unwrap_or(HoldState::Expired)
    }

    /// A hold by id.
    pub async fn find(conn: &mut AsyncPgConnection, id: &str) -> AppResult<Option<Hold>> {
        Ok(points_holds::table
            .find(id)
            .select(Hold::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// A shop's pending holds, oldest first (the cashier's list).
    pub async fn pending_for_shop(
        conn: &mut AsyncPgConnection,
        shop_id: i64,
    ) -> AppResult<Vec<Hold>> {
        Ok(points_holds::table
            .filter(points_holds::shop_id.eq(shop_id))
            .filter(points_holds::status.eq("pending"))
            .order(points_holds::created_at)
            .select(Hold::as_select())
            .load(conn)
            .await?)
    }

    /// Every pending hold (audit, rebuild).
    pub async fn all_pending(conn: &mut AsyncPgConnection) -> AppResult<Vec<Hold>> {
        Ok(points_holds::table
            .filter(points_holds::status.eq("pending"))
            .select(Hold::as_select())
            .load(conn)
            .await?)
    }

    /// Every hold (audit).
    pub async fn all(conn: &mut AsyncPgConnection) -> AppResult<Vec<Hold>> {
        Ok(points_holds::table
            .order(points_holds::created_at)
            .select(Hold::as_select())
            .load(conn)
            .await?)
    }
}

fn limits(cfg: &PointsSettings) -> SpendLimits {
    SpendLimits {
        max_spend: cfg.max_spend,
        resident_daily: cfg.resident_daily_spend_limit,
        merchant_daily: cfg.merchant_daily_limit,
    }
}

async fn sum_holds_since(
    conn: &mut AsyncPgConnection,
    resident: Option<i64>,
    shop: Option<i64>,
    since: DateTime<Utc>,
) -> AppResult<i64> {
    let mut q = points_holds::table
        .filter(points_holds::created_at.ge(since))
        .filter(points_holds::status.eq_any(["pending", "captured"]))
        .into_boxed();
    if let Some(r) = resident {
        q = q.filter(points_holds::resident_id.eq(r));
    }
    if let Some(s) = shop {
        q = q.filter(points_holds::shop_id.eq(s));
    }
    let total: Option<i64> = q
        .select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        >("sum(amount)::bigint"))
        .first(conn)
        .await?;
    Ok(total.unwrap_or(0))
}

/// Set points aside for a shop. Returns the hold (the first one, for a retried key).
pub async fn place(
    conn: &mut AsyncPgConnection,
    cfg: &PointsSettings,
    req: &HoldRequest,
    now: DateTime<Utc>,
) -> AppResult<Result<Hold, PointsError>> {
    let hash = request_hash(&[
        "hold",
        &req.resident_id.to_string(),
        &req.shop_id.to_string(),
        &req.amount.to_string(),
    ]);
    if let Some(t) = Transfer::find(conn, &req.id).await? {
        return Ok(match t.replay(&hash) {
            Ok(_) => Ok(Hold::find(conn, &req.id)
                .await?
                .ok_or(PointsError::KeyReused)?),
            Err(e) => Err(e),
        });
    }
    if let Err(e) = rules::check_amount(req.amount, cfg.max_spend) {
        return Ok(Err(e));
    }
    let shop: Option<(bool, String)> = shops::table
        .inner_join(crate::db::schema::grids::table)
        .filter(shops::id.eq(req.shop_id))
        .select((shops::accepts_points, crate::db::schema::grids::path))
        .first(conn)
        .await
        .optional()?;
    let Some((accepts, grid_path)) = shop else {
        return Ok(Err(PointsError::ShopNotAccepting));
    };
    if !accepts {
        return Ok(Err(PointsError::ShopNotAccepting));
    }
    // The shop's community: the level-2 grid on its path.
    let community_id = path_ids(&grid_path).get(1).copied();
    if let Err(e) = crate::people::residents::check_can_use_points(conn, req.resident_id).await? {
        return Ok(Err(e));
    }
    let resident = Account::Resident(req.resident_id);
    let hold = Account::Hold(req.resident_id);
    let merchant = Account::Merchant(req.shop_id);
    let ttl = chrono::Duration::seconds(cfg.hold_ttl_seconds);
    with_retry!(conn, async |conn| {
        // The merchant's row is locked too: it serialises the shop's daily limit and its
        // confirmation numbers.
        let rows = ledger::lock(conn, &[resident, hold, merchant]).await?;
        if let Some(t) = Transfer::find(conn, &req.id).await? {
            return Ok(match t.replay(&hash) {
                Ok(_) => Ok(Hold::find(conn, &req.id)
                    .await?
                    .ok_or(PointsError::KeyReused)?),
                Err(e) => Err(e),
            });
        }
        let since = rules::day_start(now);
        let spent = sum_holds_since(conn, Some(req.resident_id), None, since).await?;
        let taken = sum_holds_since(conn, None, Some(req.shop_id), since).await?;
        if let Err(e) = rules::check_spend(req.amount, rows[0].balance, spent, taken, limits(cfg)) {
            return Ok(Err(e));
        }
        let written = ledger::write(
            conn,
            &NewTransfer {
                id: req.id.clone(),
                kind: "hold",
                from: resident,
                to: hold,
                amount: req.amount,
                reason: format!("shop:{}", req.shop_id),
                actor: format!("resident:{}", req.resident_id),
                community_id,
                reverses: None,
                request_hash: hash.clone(),
            },
            now,
        )
        .await?;
        if let Err(e) = written {
            return Ok(Err(e));
        }
        let confirmation = loop {
            let c = rules::confirmation_number(rand::random());
            let taken: bool = diesel::select(diesel::dsl::exists(
                points_holds::table
                    .filter(points_holds::shop_id.eq(req.shop_id))
                    .filter(points_holds::confirmation.eq(&c))
                    .filter(points_holds::status.eq("pending")),
            ))
            .get_result(conn)
            .await?;
            if !taken {
                break c;
            }
        };
        let h: Hold = diesel::insert_into(points_holds::table)
            .values((
                points_holds::id.eq(&req.id),
                points_holds::resident_id.eq(req.resident_id),
                points_holds::shop_id.eq(req.shop_id),
                points_holds::amount.eq(req.amount),
                points_holds::confirmation.eq(&confirmation),
                points_holds::created_at.eq(now),
                points_holds::expires_at.eq(now + ttl),
            ))
            .returning(Hold::as_returning())
            .get_result(conn)
            .await?;
        Ok::<_, crate::error::AppError>(Ok(h))
    })
}

/// Capture, reject or expire a hold, under its row lock. Returns the hold as decided and
/// the outcome transfer (for the projection).
pub async fn decide(
    conn: &mut AsyncPgConnection,
    hold_id: &str,
    action: HoldAction,
    staff_id: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<Result<(Hold, Transfer), PointsError>> {
    with_retry!(conn, async |conn| {
        let Some(h) = points_holds::table
            .find(hold_id)
            .for_update()
            .select(Hold::as_select())
            .first(conn)
            .await
            .optional()?
        else {
            return Ok(Err(PointsError::NoSuchHold));
        };
        let next = match decide_hold(h.state(), h.shop_id, h.expires_at, action, now) {
            Ok(n) => n,
            Err(e) => return Ok(Err(e)),
        };
        let held = Account::Hold(h.resident_id);
        let (kind, to, suffix) = match next {
            HoldState::Captured => ("capture", Account::Merchant(h.shop_id), "capture"),
            _ => ("void", Account::Resident(h.resident_id), "void"),
        };
        ledger::lock(conn, &[held, to]).await?;
        let id = format!("{}:{suffix}", h.id);
        let hash = request_hash(&[kind, &h.id]);
        let actor = match staff_id {
            Some(s) => format!("staff:{s}"),
            None => "system".into(),
        };
        let t = match ledger::write(
            conn,
            &NewTransfer {
                id,
                kind,
                from: held,
                to,
                amount: h.amount,
                reason: next.as_str().into(),
                actor,
                community_id: None,
                reverses: None,
                request_hash: hash,
            },
            now,
        )
        .await?
        {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let h: Hold = diesel::update(points_holds::table.find(&h.id))
            .set((
                points_holds::status.eq(next.as_str()),
                points_holds::decided_at.eq(now),
                points_holds::decided_by.eq(staff_id),
                points_holds::outcome_transfer.eq(&t.id),
            ))
            .returning(Hold::as_returning())
            .get_result(conn)
            .await?;
        Ok::<_, crate::error::AppError>(Ok((h, t)))
    })
}

/// Void every pending hold whose time ran out by `now` (the expiry job; safe to run on
/// several instances: each hold is decided under its row lock). Returns how many expired.
pub async fn expire_holds(db: &DbPool, redis: &RedisStore, now: DateTime<Utc>) -> AppResult<usize> {
    let mut conn = db.get().await?;
    let due: Vec<String> = points_holds::table
        .filter(points_holds::status.eq("pending"))
        .filter(points_holds::expires_at.le(now))
        .order(points_holds::expires_at)
        .limit(500)
        .select(points_holds::id)
        .load(&mut conn)
        .await?;
    let mut done = 0;
    for id in due {
        let decided = super::ops::decide_hold(&mut conn, redis, &id, HoldAction::Expire, None, now);
        if decided.await?.is_ok() {
            done += 1;
        }
    }
    Ok(done)
}
