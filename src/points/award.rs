//! Earning and settling: staff award points to a resident (an activity, or a correction in
//! the resident's favour), take back an award by a reversing transfer (never an edit), and
//! pay merchants (merchant → settled).

use super::account::Account;
use super::ledger::with_retry;
use super::ledger::{self, NewTransfer, Transfer};
use super::rules::{self, request_hash, PointsError};
use crate::config::PointsSettings;
use crate::db::schema::points_transfers;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// Why points are awarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwardKind {
    /// A volunteer activity.
    Activity,
    /// A correction in the resident's favour.
    Correction,
}

impl AwardKind {
    /// Parse the form value.
    pub fn parse(s: &str) -> Option<AwardKind> {
        match s {
            "award" | "activity" => Some(AwardKind::Activity),
            "correction" => Some(AwardKind::Correction),
            _ => None,
        }
    }

    fn journal_kind(self) -> &'static str {
        match self {
            AwardKind::Activity => "award",
            AwardKind::Correction => "correction",
        }
    }
}

/// An award as asked for.
#[derive(Debug, Clone)]
pub struct AwardRequest {
    /// The idempotency key.
    pub id: String,
    pub kind: AwardKind,
    pub community_id: i64,
    pub resident_id: i64,
    pub amount: i64,
    pub reason: String,
    /// Who asked: `staff:<id>`, or `system` for points earned by a rule.
    pub actor: String,
}

/// Award points: issuer of the community → resident, within the daily cap. Returns the
/// transfer (the first one, for a retried key).
pub async fn award(
    conn: &mut AsyncPgConnection,
    cfg: &PointsSettings,
    req: &AwardRequest,
    now: DateTime<Utc>,
) -> AppResult<Result<Transfer, PointsError>> {
    let reason = req.reason.trim().to_owned();
    let hash = request_hash(&[
        req.kind.journal_kind(),
        &req.community_id.to_string(),
        &req.resident_id.to_string(),
        &req.amount.to_string(),
        &reason,
    ]);
    if let Some(t) = Transfer::find(conn, &req.id).await? {
        return Ok(t.replay(&hash));
    }
    if reason.is_empty() {
        return Ok(Err(PointsError::ReasonRequired));
    }
    if let Err(e) = rules::check_amount(req.amount, cfg.max_award) {
        return Ok(Err(e));
    }
    if let Err(e) = crate::people::residents::check_can_use_points(conn, req.resident_id).await? {
        return Ok(Err(e));
    }
    let resident = Account::Resident(req.resident_id);
    let issuer = Account::issuer(req.community_id, &req.id);
    with_retry!(conn, async |conn| {
        ledger::lock(conn, &[issuer, resident]).await?;
        if let Some(t) = Transfer::find(conn, &req.id).await? {
            return Ok(t.replay(&hash));
        }
        let today = ledger::sum_into_since(
            conn,
            &resident,
            &["award", "correction"],
            rules::day_start(now),
        )
        .await?;
        if let Err(e) = rules::check_award(req.amount, cfg.max_award, today, cfg.daily_award_cap) {
            return Ok(Err(e));
        }
        ledger::write(
            conn,
            &NewTransfer {
                id: req.id.clone(),
                kind: req.kind.journal_kind(),
                from: issuer,
                to: resident,
                amount: req.amount,
                reason: reason.clone(),
                actor: req.actor.clone(),
                community_id: Some(req.community_id),
                reverses: None,
                request_hash: hash.clone(),
            },
            now,
        )
        .await
    })
}

/// Take back (part of) an award: resident → issuer, linked to the award. Refused if the
/// resident has already spent the points (a balance never goes below zero).
pub async fn reverse(
    conn: &mut AsyncPgConnection,
    id: &str,
    award_id: &str,
    amount: i64,
    reason: &str,
    staff_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Result<Transfer, PointsError>> {
    let reason = reason.trim().to_owned();
    let hash = request_hash(&["reversal", award_id, &amount.to_string(), &reason]);
    if let Some(t) = Transfer::find(conn, id).await? {
        return Ok(t.replay(&hash));
    }
    if reason.is_empty() {
        return Ok(Err(PointsError::ReasonRequired));
    }
    let Some(original) = Transfer::find(conn, award_id).await? else {
        return Ok(Err(PointsError::NoSuchAward));
    };
    if !matches!(original.kind.as_str(), "award" | "correction") {
        return Ok(Err(PointsError::NoSuchAward));
    }
    if amount <= 0 {
        return Ok(Err(PointsError::InvalidAmount));
    }
    let (Some(resident), Some(issuer)) = (
        Account::parse(&original.to_account),
        Account::parse(&original.from_account),
    ) else {
        return Ok(Err(PointsError::NoSuchAward));
    };
    with_retry!(conn, async |conn| {
        ledger::lock(conn, &[issuer, resident]).await?;
        if let Some(t) = Transfer::find(conn, id).await? {
            return Ok(t.replay(&hash));
        }
        let reversed: Option<i64> = points_transfers::table
            .filter(points_transfers::reverses.eq(award_id))
            .select(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
            >("sum(amount)::bigint"))
            .first(conn)
            .await?;
        if reversed.unwrap_or(0) + amount > original.amount {
            return Ok(Err(PointsError::ReversalTooLarge));
        }
        ledger::write(
            conn,
            &NewTransfer {
                id: id.to_owned(),
                kind: "reversal",
                from: resident,
                to: issuer,
                amount,
                reason: reason.clone(),
                actor: format!("staff:{staff_id}"),
                community_id: original.community_id,
                reverses: Some(award_id.to_owned()),
                request_hash: hash.clone(),
            },
            now,
        )
        .await
    })
}

/// Pay a merchant: merchant → settled.
pub async fn settle(
    conn: &mut AsyncPgConnection,
    id: &str,
    shop_id: i64,
    amount: i64,
    staff_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Result<Transfer, PointsError>> {
    let hash = request_hash(&["settle", &shop_id.to_string(), &amount.to_string()]);
    if let Some(t) = Transfer::find(conn, id).await? {
        return Ok(t.replay(&hash));
    }
    if amount <= 0 {
        return Ok(Err(PointsError::InvalidAmount));
    }
    let merchant = Account::Merchant(shop_id);
    with_retry!(conn, async |conn| {
        ledger::lock(conn, &[merchant, Account::Settled]).await?;
        if let Some(t) = Transfer::find(conn, id).await? {
            return Ok(t.replay(&hash));
        }
        ledger::write(
            conn,
            &NewTransfer {
                id: id.to_owned(),
                kind: "settle",
                from: merchant,
                to: Account::Settled,
                amount,
                reason: "settlement".into(),
                actor: format!("staff:{staff_id}"),
                community_id: None,
                reverses: None,
                request_hash: hash.clone(),
            },
            now,
        )
        .await
    })
}
