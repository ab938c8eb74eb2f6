//! The live points in Redis: a projection of the journal, rebuilt from it at any time.
//!
//! Keys (all through `RedisStore::key`), grouped by projection unit with a hash tag so every
//! script touches one hash slot (Redis Cluster ready):
//! - `pts:{r:<resident>}:bal` hash: `a:bal`/`a:ver` (spendable), `h:bal`/`h:ver` (held);
//!   `pts:{m:<shop>}:bal`, `pts:{i:<community>}:bal`, `pts:{s}:bal` likewise with `a:`.
//! - `pts:{<unit>}:holds` hash: pending hold id → amount (residents).
//! - `pts:{<unit>}:day:<YYYYMMDD>` hash: `earned`, `spent` (residents), `taken` (merchants).
//! - `pts:{lb:<community>:<YYYYMM>}:board` zset: net points awarded per resident that month,
//!   with `...:seen`, the transfer ids already counted.
//!
//! Applying a transfer is idempotent: each account side carries the account's version after
//! the transfer; a side whose version Redis already has is skipped, and a gap (Redis missed
//! an entry, or lost the key) rebuilds the unit from the journal.

use super::account::Account;
use super::holds::Hold;
use super::ledger::{AccountRow, Transfer};
use super::rules;
use crate::db::schema::points_transfers;
use crate::db::DbPool;
use crate::error::AppResult;
use crate::redis_store::RedisStore;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use redis::Script;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Daily counters live a few days (they are for display; the database enforces limits).
const DAY_TTL_SECONDS: i64 = 3 * 86400;
/// Leaderboards live about thirteen months.
const BOARD_TTL_SECONDS: i64 = 400 * 86400;

/// Apply one side of a transfer to an account. Returns 1 applied, 0 already applied, -1 gap.
/// KEYS: the unit's balances, day counters, pending holds. ARGV: field, version, delta,
/// counter field, counter delta, hold op, hold id, hold amount, counter TTL. Public so the
/// benchmark can run the very same script under `redis-benchmark`.
pub const APPLY_LUA: &str = r#"
local f = ARGV[1]
local v = tonumber(ARGV[2])
local cur = redis.call('HGET', KEYS[1], f .. ':ver')
if not cur then
  if v ~= 1 then return -1 end
  cur = 0
else
  cur = tonumber(cur)
end
if cur >= v then return 0 end
if cur ~= v - 1 then return -1 end
redis.call('HINCRBY', KEYS[1], f .. ':bal', ARGV[3])
redis.call('HSET', KEYS[1], f .. ':ver', v)
if ARGV[4] ~= '' then
  redis.call('HINCRBY', KEYS[2], ARGV[4], ARGV[5])
  redis.call('EXPIRE', KEYS[2], ARGV[9])
end
if ARGV[6] == 'add' then
  redis.call('HSET', KEYS[3], ARGV[7], ARGV[8])
elseif ARGV[6] == 'del' then
  redis.call('HDEL', KEYS[3], ARGV[7])
end
return 1
"#;

static APPLY: LazyLock<Script> = LazyLock::new(|| Script::new(APPLY_LUA));

/// Write a unit rebuilt from the journal, field by field unless Redis is already at (or
/// past) the journal's version; `force` overwrites regardless (after a wipe, or a repair).
static REBUILD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local p = cjson.decode(ARGV[1])
local changed = false
for _, a in ipairs(p.accts) do
  local cur = redis.call('HGET', KEYS[1], a[1] .. ':ver')
  if p.force or (not cur) or tonumber(cur) < a[3] then
    redis.call('HSET', KEYS[1], a[1] .. ':bal', a[2], a[1] .. ':ver', a[3])
    changed = true
  end
end
if changed then
  redis.call('DEL', KEYS[3])
  for id, amt in pairs(p.holds) do redis.call('HSET', KEYS[3], id, amt) end
  redis.call('DEL', KEYS[2])
  for k, n in pairs(p.day) do redis.call('HSET', KEYS[2], k, n) end
  redis.call('EXPIRE', KEYS[2], p.ttl)
end
return changed and 1 or 0
"#,
    )
});

/// Count a transfer on a leaderboard once.
static BOARD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('ZINCRBY', KEYS[1], ARGV[3], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
  return 1
end
return 0
"#,
    )
});

/// Replace a leaderboard with one rebuilt from the journal.
static BOARD_REBUILD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local p = cjson.decode(ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2])
for _, e in ipairs(p.scores) do redis.call('ZADD', KEYS[1], e[2], e[1]) end
for _, id in ipairs(p.ids) do redis.call('SADD', KEYS[2], id) end
redis.call('EXPIRE', KEYS[1], p.ttl)
redis.call('EXPIRE', KEYS[2], p.ttl)
return 1
"#,
    )
});

/// The keys of an account's unit: (balances, daily counters of `day`, pending holds).
pub fn unit_keys(redis: &RedisStore, a: &Account, day: &str) -> (String, String, String) {
    let tag = a.tag();
    (
        redis.key(&format!("pts:{{{tag}}}:bal")),
        redis.key(&format!("pts:{{{tag}}}:day:{day}")),
        redis.key(&format!("pts:{{{tag}}}:holds")),
    )
}

pub(crate) fn board_keys(redis: &RedisStore, community: i64, month: &str) -> (String, String) {
    (
        redis.key(&format!("pts:{{lb:{community}:{month}}}:board")),
        redis.key(&format!("pts:{{lb:{community}:{month}}}:seen")),
    )
}

/// A side's daily counter change, and its pending-holds change ("add"/"del", hold id).
type SideEffects = (Option<(&'static str, i64)>, Option<(&'static str, String)>);

/// What one side of a transfer does besides the balance: (daily counter, delta), hold op.
fn side_effects(t: &Transfer, credit: bool) -> SideEffects {
    let hold_id =
        t.id.rsplit_once(':')
            .map(|(h, _)| h.to_owned())
            .unwrap_or_default();
    match (t.kind.as_str(), credit) {
        ("award" | "correction", true) => (Some(("earned", t.amount)), None),
        ("hold", false) => (Some(("spent", t.amount)), None),
        ("hold", true) => (None, Some(("add", t.id.clone()))),
        ("capture", false) | ("void", false) => (None, Some(("del", hold_id))),
        ("capture", true) => (Some(("taken", t.amount)), None),
        ("void", true) => (Some(("spent", -t.amount)), None),
        _ => (None, None),
    }
}

/// Apply a committed transfer to Redis (both accounts, and the leaderboard). A gap on an
/// account rebuilds that account's unit from the journal.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    redis: &RedisStore,
    t: &Transfer,
) -> AppResult<()> {
    let day = rules::day_key(t.created_at);
    for (name, version, delta, credit) in [
        (&t.from_account, t.from_version, -t.amount, false),
        (&t.to_account, t.to_version, t.amount, true),
    ] {
        let Some(a) = Account::parse(name) else {
            continue;
        };
        let (bal, dayk, holds) = unit_keys(redis, &a, &day);
        let (counter, hold_op) = side_effects(t, credit);
        let (cf, cd) = counter.unwrap_or(("", 0));
        let (op, hid) = hold_op.unwrap_or(("", String::new()));
        let mut c = redis.conn();
        let r: i64 = APPLY
            .key(&bal)
            .key(&dayk)
            .key(&holds)
            .arg(a.field())
            .arg(version)
            .arg(delta)
            .arg(cf)
            .arg(cd)
            .arg(op)
            .arg(&hid)
            .arg(t.amount)
            .arg(DAY_TTL_SECONDS)
            .invoke_async(&mut c)
            .await?;
        if r < 0 {
            rebuild_unit(conn, redis, &a, Utc::now(), false).await?;
        }
    }
    if let (Some(community), Some(sign)) = (
        t.community_id,
        match t.kind.as_str() {
            "award" | "correction" => Some(1),
            "reversal" => Some(-1),
            _ => None,
        },
    ) {
        let resident = if sign > 0 {
            &t.to_account
        } else {
            &t.from_account
        };
        let member = resident.trim_start_matches("resident:");
        let (board, seen) = board_keys(redis, community, &rules::month_key(t.created_at));
        let mut c = redis.conn();
        let _: i64 = BOARD
            .key(&board)
            .key(&seen)
            .arg(&t.id)
            .arg(member)
            .arg(sign * t.amount)
            .arg(BOARD_TTL_SECONDS)
            .invoke_async(&mut c)
            .await?;
    }
    Ok(())
}

/// Apply after a commit, from a request: the journal already has the transfer, so a Redis
/// failure is logged, not reported (the relay and the read path catch up).
pub async fn apply_logged(db: &DbPool, redis: &RedisStore, t: &Transfer) {
    let r = async {
        let mut conn = db.get().await?;
        apply(&mut conn, redis, t).await
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(transfer = %t.id, error = %e, "points projection lagging");
    }
}

async fn sum_since(
    conn: &mut AsyncPgConnection,
    col_to: bool,
    account: &Account,
    kinds: &[&str],
    since: DateTime<Utc>,
) -> AppResult<i64> {
    let id = account.id();
    let mut q = points_transfers::table
        .filter(points_transfers::kind.eq_any(kinds))
        .filter(points_transfers::created_at.ge(since))
        .into_boxed();
    q = if col_to {
        q.filter(points_transfers::to_account.eq(id))
    } else {
        q.filter(points_transfers::from_account.eq(id))
    };
    let total: Option<i64> = q
        .select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        >("sum(amount)::bigint"))
        .first(conn)
        .await?;
    Ok(total.unwrap_or(0))
}

/// Rebuild one account's unit (balances, pending holds, today's counters) from the journal.
pub async fn rebuild_unit(
    conn: &mut AsyncPgConnection,
    redis: &RedisStore,
    a: &Account,
    now: DateTime<Utc>,
    force: bool,
) -> AppResult<()> {
    let mut accts = Vec::new();
    for u in a.unit() {
        let row = AccountRow::find(conn, &u).await?;
        let (bal, ver) = row.map(|r| (r.balance, r.version)).unwrap_or((0, 0));
        accts.push(serde_json::json!([u.field(), bal, ver]));
    }
    let since = rules::day_start(now);
    let mut day = serde_json::Map::new();
    let mut holds = serde_json::Map::new();
    match *a {
        Account::Resident(r) | Account::Hold(r) => {
            let res = Account::Resident(r);
            day.insert(
                "earned".into(),
                sum_since(conn, true, &res, &["award", "correction"], since)
                    .await?
                    .into(),
            );
            let spent = sum_since(conn, false, &res, &["hold"], since).await?
                - sum_since(conn, true, &res, &["void"], since).await?;
            day.insert("spent".into(), spent.into());
            for h in pending_of(conn, r).await? {
                holds.insert(h.id, h.amount.into());
            }
        }
        Account::Merchant(_) => {
            day.insert(
                "taken".into(),
                sum_since(conn, true, a, &["capture"], since).await?.into(),
            );
        }
        _ => {}
    }
    let payload = serde_json::json!({
        "accts": accts, "day": day, "holds": holds, "ttl": DAY_TTL_SECONDS, "force": force,
    });
    let (bal, dayk, holdk) = unit_keys(redis, a, &rules::day_key(now));
    let mut c = redis.conn();
    let _: i64 = REBUILD
        .key(&bal)
        .key(&dayk)
        .key(&holdk)
        .arg(payload.to_string())
        .invoke_async(&mut c)
        .await?;
    Ok(())
}

async fn pending_of(conn: &mut AsyncPgConnection, resident: i64) -> AppResult<Vec<Hold>> {
    use crate::db::schema::points_holds;
    Ok(points_holds::table
        .filter(points_holds::resident_id.eq(resident))
        .filter(points_holds::status.eq("pending"))
        .select(Hold::as_select())
        .load(conn)
        .await?)
}

/// What Redis holds for an account: (balance, version), None if the unit is missing.
pub async fn read(redis: &RedisStore, a: &Account) -> AppResult<Option<(i64, i64)>> {
    let (bal, _, _) = unit_keys(redis, a, "");
    let f = a.field();
    let mut c = redis.conn();
    let (b, v): (Option<i64>, Option<i64>) = redis::cmd("HMGET")
        .arg(&bal)
        .arg(format!("{f}:bal"))
        .arg(format!("{f}:ver"))
        .query_async(&mut c)
        .await?;
    Ok(match (b, v) {
        (Some(b), Some(v)) => Some((b, v)),
        _ => None,
    })
}

/// An account's balance as pages show it: from Redis, rebuilt from the journal on a miss.
pub async fn balance(db: &DbPool, redis: &RedisStore, a: &Account) -> AppResult<i64> {
    if let Some((b, _)) = read(redis, a).await? {
        return Ok(b);
    }
    let mut conn = db.get().await?;
    rebuild_unit(&mut conn, redis, a, Utc::now(), false).await?;
    Ok(read(redis, a).await?.map(|(b, _)| b).unwrap_or(0))
}

/// A resident's pending holds as Redis has them: hold id → amount.
pub async fn pending_holds(redis: &RedisStore, resident: i64) -> AppResult<BTreeMap<String, i64>> {
    let (_, _, holds) = unit_keys(redis, &Account::Hold(resident), "");
    let mut c = redis.conn();
    Ok(redis::cmd("HGETALL")
        .arg(&holds)
        .query_async(&mut c)
        .await?)
}

/// A unit's daily counters.
pub async fn day_counters(
    redis: &RedisStore,
    a: &Account,
    now: DateTime<Utc>,
) -> AppResult<BTreeMap<String, i64>> {
    let (_, day, _) = unit_keys(redis, a, &rules::day_key(now));
    let mut c = redis.conn();
    Ok(redis::cmd("HGETALL").arg(&day).query_async(&mut c).await?)
}

/// A community's leaderboard for the month of `at`: (resident id, points), best first.
pub async fn leaderboard(
    redis: &RedisStore,
    community: i64,
    at: DateTime<Utc>,
    n: isize,
) -> AppResult<Vec<(i64, i64)>> {
    let (board, _) = board_keys(redis, community, &rules::month_key(at));
    let mut c = redis.conn();
    let rows: Vec<(String, f64)> = redis::cmd("ZREVRANGE")
        .arg(&board)
        .arg(0)
        .arg(n - 1)
        .arg("WITHSCORES")
        .query_async(&mut c)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, s)| Some((m.parse().ok()?, s as i64)))
        .collect())
}

/// Delete every points key of this deployment (this prefix only; never FLUSHALL).
pub async fn wipe(redis: &RedisStore) -> AppResult<usize> {
    let keys = redis.scan(&redis.key("pts:*")).await?;
    let mut c = redis.conn();
    // On a cluster the client splits a many-key DEL by slot, so batches work on both.
    for batch in keys.chunks(500) {
        let _: i64 = redis::cmd("DEL").arg(batch).query_async(&mut c).await?;
    }
    Ok(keys.len())
}

/// Restore the whole projection from the journal: wipe, every account's unit, every
/// leaderboard, and the relay cursor. Returns the number of accounts restored.
pub async fn rebuild_all(
    conn: &mut AsyncPgConnection,
    redis: &RedisStore,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    wipe(redis).await?;
    let accounts = AccountRow::all(conn).await?;
    for row in &accounts {
        if let Some(a) = Account::parse(&row.id) {
            rebuild_unit(conn, redis, &a, now, true).await?;
        }
    }
    // Leaderboards: net awards per (community, month, resident).
    let entries: Vec<Transfer> = points_transfers::table
        .filter(points_transfers::kind.eq_any(["award", "correction", "reversal"]))
        .filter(points_transfers::community_id.is_not_null())
        .order(points_transfers::seq)
        .select(Transfer::as_select())
        .load(conn)
        .await?;
    type Board = (BTreeMap<String, i64>, Vec<String>);
    let mut boards: BTreeMap<(i64, String), Board> = BTreeMap::new();
    for t in entries {
        let (sign, resident) = if t.kind == "reversal" {
            (-1, &t.from_account)
        } else {
            (1, &t.to_account)
        };
        let b = boards
            .entry((t.community_id.unwrap_or(0), rules::month_key(t.created_at)))
            .or_default();
        *b.0.entry(resident.trim_start_matches("resident:").to_owned())
            .or_default() += sign * t.amount;
        b.1.push(t.id.clone());
    }
    for ((community, month), (scores, ids)) in boards {
        let (board, seen) = board_keys(redis, community, &month);
        let payload = serde_json::json!({
            "scores": scores.into_iter().collect::<Vec<_>>(), "ids": ids, "ttl": BOARD_TTL_SECONDS,
        });
        let mut c = redis.conn();
        let _: i64 = BOARD_REBUILD
            .key(&board)
            .key(&seen)
            .arg(payload.to_string())
            .invoke_async(&mut c)
            .await?;
    }
    let last: Option<i64> = points_transfers::table
        .select(diesel::dsl::max(points_transfers::seq))
        .first(conn)
        .await?;
    super::relay::set_cursor(redis, last.unwrap_or(0)).await?;
    Ok(accounts.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis_store::hash_tag;

    /// APPLY and REBUILD take a unit's three keys, BOARD and BOARD_REBUILD a leaderboard's
    /// two: each set must share one hash tag (one slot on Redis Cluster). The cluster run of
    /// the black-box tests checks the same against a real cluster.
    #[tokio::test]
    async fn each_script_keeps_its_keys_in_one_slot() {
        let redis = RedisStore::connect("redis://127.0.0.1:1", "mashang:").unwrap();
        for a in [
            Account::Issuer {
                community: 3,
                stripe: 5,
            },
            Account::Resident(7),
            Account::Hold(7),
            Account::Merchant(9),
            Account::Settled,
        ] {
            let (bal, day, holds) = unit_keys(&redis, &a, "20261121");
            assert_eq!(hash_tag(&bal), a.tag(), "{bal}");
            assert_eq!(hash_tag(&day), a.tag(), "{day}");
            assert_eq!(hash_tag(&holds), a.tag(), "{holds}");
        }
        let (board, seen) = board_keys(&redis, 3, "202611");
        assert_eq!(hash_tag(&board), "lb:3:202611");
        assert_eq!(hash_tag(&seen), hash_tag(&board));
        // Different units are different tags (they spread over the cluster).
        assert_ne!(Account::Resident(7).tag(), Account::Resident(8).tag());
    }
}
