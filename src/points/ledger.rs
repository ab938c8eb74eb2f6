//! The journal of record: transfers between accounts, written in one transaction with the
//! balances they move. Callers lock the accounts first ([`lock`]), check their rules, then
//! [`write`]; the database's CHECK (balance >= 0 for residents, holds and merchants) is the
//! last word even if a rule were wrong.

use super::account::Account;
use super::rules::{check_replay, PointsError};
use crate::db::schema::{points_accounts, points_transfers};
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// Run a journal step in a transaction, retried (up to three more times) when PostgreSQL
/// refuses it for a concurrent commit (serialization failure or deadlock, see [`is_retry`]):
/// the step re-reads the accounts and, for a retried key, finds the first commit.
macro_rules! with_retry {
    ($conn:expr, $body:expr) => {{
        let mut attempt = 0;
        loop {
            let r = $conn.transaction($body).await;
            match r {
                Err(e) if $crate::points::ledger::is_retry(&e) && attempt < 3 => attempt += 1,
                other => break other,
            }
        }
    }};
}
pub(crate) use with_retry;

/// A journal entry.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = points_transfers)]
pub struct Transfer {
    pub id: String,
    pub seq: i64,
    pub kind: String,
    pub from_account: String,
    pub to_account: String,
    pub amount: i64,
    pub from_version: i64,
    pub to_version: i64,
    pub reason: String,
    pub actor: String,
    pub community_id: Option<i64>,
    pub reverses: Option<String>,
    pub request_hash: String,
    pub created_at: DateTime<Utc>,
}

/// A transfer to write.
#[derive(Debug, Clone)]
pub struct NewTransfer {
    pub id: String,
    pub kind: &'static str,
    pub from: Account,
    pub to: Account,
    pub amount: i64,
    pub reason: String,
    pub actor: String,
    pub community_id: Option<i64>,
    pub reverses: Option<String>,
    pub request_hash: String,
}

/// An account row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = points_accounts)]
pub struct AccountRow {
    pub id: String,
    pub kind: String,
    pub balance: i64,
    pub version: i64,
}

/// The reason code of an error that means "run the transaction again": a concurrent request
/// with the same idempotency key committed first (the retry then replays or refuses it).
pub const RETRY: &str = "retry_transaction";

impl Transfer {
    /// A transfer by id.
    pub async fn find(conn: &mut AsyncPgConnection, id: &str) -> AppResult<Option<Transfer>> {
        Ok(points_transfers::table
            .find(id)
            .select(Transfer::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// A retried key: the stored transfer if the request is the same, else refused.
    pub fn replay(self, request_hash: &str) -> Result<Transfer, PointsError> {
        check_replay(&self.request_hash, request_hash).map(|_| self)
    }

    /// The journal after `seq`, in order (the relay).
    pub async fn after(
        conn: &mut AsyncPgConnection,
        seq: i64,
        limit: i64,
    ) -> AppResult<Vec<Transfer>> {
        Ok(points_transfers::table
            .filter(points_transfers::seq.gt(seq))
            .order(points_transfers::seq)
            .limit(limit)
            .select(Transfer::as_select())
            .load(conn)
            .await?)
    }

    /// Recent transfers touching an account, newest first.
    pub async fn for_account(
        conn: &mut AsyncPgConnection,
        account: &Account,
        limit: i64,
    ) -> AppResult<Vec<Transfer>> {
        let id = account.id();
        Ok(points_transfers::table
            .filter(
                points_transfers::from_account
                    .eq(&id)
                    .or(points_transfers::to_account.eq(&id)),
            )
            .order(points_transfers::seq.desc())
            .limit(limit)
            .select(Transfer::as_select())
            .load(conn)
            .await?)
    }

    /// The most recent transfers, newest first (console).
    /// The latest transfers a staff member may see: with a district-wide scope all of them;
    /// otherwise those of communities wholly inside the scope, and those the actor made.
    pub async fn recent_visible(
        conn: &mut AsyncPgConnection,
        scope: &crate::grids::scope::Scope,
        actor: &str,
        limit: i64,
    ) -> AppResult<Vec<Transfer>> {
        use crate::db::schema::grids;
        let Some(patterns) = scope.like_patterns() else {
            return Self::recent(conn, limit).await;
        };
        // Communities are few (dozens per district): fetch their ids, then filter by them.
        let mut communities: Vec<i64> = Vec::new();
        for pattern in patterns {
            let ids: Vec<i64> = grids::table
                .filter(grids::level.eq(2))
                .filter(grids::path.like(pattern))
                .select(grids::id)
                .load(conn)
                .await?;
            communities.extend(ids);
        }
        Ok(points_transfers::table
            .filter(
                points_transfers::community_id
                    .eq_any(communities.into_iter().map(Some).collect::<Vec<_>>())
                    .or(points_transfers::actor.eq(actor)),
            )
            .order(points_transfers::seq.desc())
            .limit(limit)
            .select(Transfer::as_select())
            .load(conn)
            .await?)
    }

    /// The latest transfers, district-wide.
    pub async fn recent(conn: &mut AsyncPgConnection, limit: i64) -> AppResult<Vec<Transfer>> {
        Ok(points_transfers::table
            .order(points_transfers::seq.desc())
            .limit(limit)
            .select(Transfer::as_select())
            .load(conn)
            .await?)
    }
}

impl AccountRow {
    /// One account (None if it never moved).
    pub async fn find(conn: &mut AsyncPgConnection, a: &Account) -> AppResult<Option<AccountRow>> {
        Ok(points_accounts::table
            .find(a.id())
            .select(AccountRow::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// Every account.
    pub async fn all(conn: &mut AsyncPgConnection) -> AppResult<Vec<AccountRow>> {
        Ok(points_accounts::table
            .order(points_accounts::id)
            .select(AccountRow::as_select())
            .load(conn)
            .await?)
    }
}

/// Create the accounts if new and lock them, in name order so that two transfers over the
/// same accounts never deadlock. Returns the rows in the order given.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    accounts: &[Account],
) -> AppResult<Vec<AccountRow>> {
    let mut ids: Vec<String> = accounts.iter().map(Account::id).collect();
    ids.sort();
    ids.dedup();
    for (id, a) in ids
        .iter()
        .map(|id| (id, Account::parse(id).expect("valid account")))
    {
        diesel::insert_into(points_accounts::table)
            .values((
                points_accounts::id.eq(id),
                points_accounts::kind.eq(a.kind()),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    let rows: Vec<AccountRow> = points_accounts::table
        .filter(points_accounts::id.eq_any(&ids))
        .order(points_accounts::id)
        .for_update()
        .select(AccountRow::as_select())
        .load(conn)
        .await?;
    Ok(accounts
        .iter()
        .map(|a| {
            let id = a.id();
            rows.iter()
                .find(|r| r.id == id)
                .cloned()
                .expect("locked row exists")
        })
        .collect())
}

/// Move the points and journal the transfer. The accounts must be locked ([`lock`]). A
/// debit the account cannot cover is refused here too, and the CHECK constraint refuses it
/// again if this check were ever wrong.
pub async fn write(
    conn: &mut AsyncPgConnection,
    t: &NewTransfer,
    now: DateTime<Utc>,
) -> AppResult<Result<Transfer, PointsError>> {
    if t.amount <= 0 {
        return Ok(Err(PointsError::InvalidAmount));
    }
    let from_id = t.from.id();
    let debit = diesel::update(
        points_accounts::table.find(&from_id).filter(
            points_accounts::kind
                .eq_any(["issuer", "settled"])
                .or(points_accounts::balance.ge(t.amount)),
        ),
    )
    .set((
        points_accounts::balance.eq(points_accounts::balance - t.amount),
        points_accounts::version.eq(points_accounts::version + 1),
        points_accounts::updated_at.eq(now),
    ))
    .returning(points_accounts::version)
    .get_result::<i64>(conn)
    .await
    .optional()?;
    let Some(from_version) = debit else {
        return Ok(Err(PointsError::InsufficientPoints));
    };
    let to_version: i64 = diesel::update(points_accounts::table.find(t.to.id()))
        .set((
            points_accounts::balance.eq(points_accounts::balance + t.amount),
            points_accounts::version.eq(points_accounts::version + 1),
            points_accounts::updated_at.eq(now),
        ))
        .returning(points_accounts::version)
        .get_result(conn)
        .await?;
    let inserted = diesel::insert_into(points_transfers::table)
        .values((
            points_transfers::id.eq(&t.id),
            points_transfers::kind.eq(t.kind),
            points_transfers::from_account.eq(&from_id),
            points_transfers::to_account.eq(t.to.id()),
            points_transfers::amount.eq(t.amount),
            points_transfers::from_version.eq(from_version),
            points_transfers::to_version.eq(to_version),
            points_transfers::reason.eq(&t.reason),
            points_transfers::actor.eq(&t.actor),
            points_transfers::community_id.eq(t.community_id),
            points_transfers::reverses.eq(&t.reverses),
            points_transfers::request_hash.eq(&t.request_hash),
            points_transfers::created_at.eq(now),
        ))
        .returning(Transfer::as_returning())
        .get_result(conn)
        .await;
    match inserted {
        Ok(row) => Ok(Ok(row)),
        // The same key committed by a concurrent request over other accounts: run again.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Err(AppError::new(ErrorCode::Conflict).with_reason(RETRY)),
        Err(e) => Err(e.into()),
    }
}

/// Whether an error asks for the transaction to be run again.
pub fn is_retry(e: &AppError) -> bool {
    e.reason == Some(RETRY)
}

/// Sum of transfers of `kinds` into `to` since `since` (daily caps and limits).
pub async fn sum_into_since(
    conn: &mut AsyncPgConnection,
    to: &Account,
    kinds: &[&str],
    since: DateTime<Utc>,
) -> AppResult<i64> {
    let total: Option<i64> = points_transfers::table
        .filter(points_transfers::to_account.eq(to.id()))
        .filter(points_transfers::kind.eq_any(kinds))
        .filter(points_transfers::created_at.ge(since))
        .select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        >("sum(amount)::bigint"))
        .first(conn)
        .await?;
    Ok(total.unwrap_or(0))
}
