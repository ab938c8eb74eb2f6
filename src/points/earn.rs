//! Points residents earn by taking part: a confirmed volunteer activity, a report that staff
//! accepted as valid, rating a resolved case, taking part in a poll.
//!
//! What earned the points is recorded as a `points_earnings` row in the same transaction as
//! the step that earned them ([`record`]), so an earning is never lost between the two; it is
//! then paid ([`pay`]) as an award from the community's issuer, whose transfer id is
//! `earn:<source>`: paying the same earning twice is impossible, and a payment interrupted
//! half-way is finished by the next [`pay_pending`] run. The award goes through the same
//! checks as a staff award (binding, the largest single award, the daily cap), so a refused
//! earning is kept with its reason rather than retried for ever.

use super::award::{self, AwardKind, AwardRequest};
use super::ledger::Transfer;
use crate::config::PointsSettings;
use crate::db::schema::points_earnings;
use crate::db::DbPool;
use crate::error::AppResult;
use crate::redis_store::RedisStore;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// Why points were earned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The organiser confirmed the resident's attendance at a volunteer activity.
    Activity,
    /// Staff accepted the resident's report as a valid case.
    ReportAccepted,
    /// The resident rated the handling of their resolved case.
    CaseRated,
    /// The resident cast a ballot in a poll.
    PollParticipation,
}

impl Rule {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Activity => "activity",
            Rule::ReportAccepted => "report_accepted",
            Rule::CaseRated => "case_rated",
            Rule::PollParticipation => "poll_participation",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Rule> {
        [
            Rule::Activity,
            Rule::ReportAccepted,
            Rule::CaseRated,
            Rule::PollParticipation,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// Points for this rule when the earning does not fix them (0: the rule is off).
    pub fn configured_amount(self, cfg: &PointsSettings) -> i64 {
        match self {
            Rule::Activity => 0,
            Rule::ReportAccepted => cfg.earn.report_accepted,
            Rule::CaseRated => cfg.earn.case_rated,
            Rule::PollParticipation => cfg.earn.poll_participation,
        }
    }
}

/// An earning to record.
#[derive(Debug, Clone)]
pub struct Earning {
    /// What earned it, once: `report:17`, `rating:17`, `poll:3:resident:9`,
    /// `activity:4:resident:9`.
    pub source: String,
    pub rule: Rule,
    pub resident_id: i64,
    /// The community whose issuer pays (and whose leaderboard counts it).
    pub community_id: i64,
    /// Fixed points (an activity's), or `None` for the rule's configured amount.
    pub amount: Option<i64>,
    /// What the resident sees in their history.
    pub label: String,
}

/// The transfer id that pays an earning.
pub fn transfer_id(source: &str) -> String {
    format!("earn:{source}")
}

/// Record an earning inside the caller's transaction. Recording the same source again
/// changes nothing. Returns whether it was new.
pub async fn record(
    conn: &mut AsyncPgConnection,
    e: &Earning,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let label: String = e.label.trim().chars().take(200).collect();
    let n = diesel::insert_into(points_earnings::table)
        .values((
            points_earnings::source.eq(&e.source),
            points_earnings::rule.eq(e.rule.as_str()),
            points_earnings::resident_id.eq(e.resident_id),
            points_earnings::community_id.eq(e.community_id),
            points_earnings::amount.eq(e.amount),
            points_earnings::label.eq(if label.is_empty() {
                e.rule.as_str().to_owned()
            } else {
                label
            }),
            points_earnings::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// An earning as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = points_earnings)]
pub struct EarningRow {
    pub source: String,
    pub rule: String,
    pub resident_id: i64,
    pub community_id: i64,
    pub amount: Option<i64>,
    pub label: String,
    pub status: String,
    pub outcome: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl EarningRow {
    /// One earning by source.
    pub async fn find(conn: &mut AsyncPgConnection, source: &str) -> AppResult<Option<EarningRow>> {
        Ok(points_earnings::table
            .find(source)
            .select(EarningRow::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// A resident's earnings, newest first (the history shows refused ones with the reason).
    pub async fn for_resident(
        conn: &mut AsyncPgConnection,
        resident_id: i64,
        limit: i64,
    ) -> AppResult<Vec<EarningRow>> {
        Ok(points_earnings::table
            .filter(points_earnings::resident_id.eq(resident_id))
            .order(points_earnings::created_at.desc())
            .limit(limit)
            .select(EarningRow::as_select())
            .load(conn)
            .await?)
    }
}

/// What paying an earning came to.
#[derive(Debug, Clone)]
pub enum Paid {
    /// Paid by this transfer (now or earlier).
    Transfer(Box<Transfer>),
    /// Refused for good, with the stable reason.
    Refused(&'static str),
    /// Nothing to do (no such earning, or decided before).
    Nothing,
}

fn refused_reason(code: &str) -> &'static str {
    super::PointsError::ALL
        .iter()
        .map(|e| e.code())
        .find(|c| *c == code)
        .unwrap_or("refused")
}

/// Pay one pending earning: an award issuer → resident with the transfer id
/// `earn:<source>`, then mark the earning paid or refused (with the reason).
pub async fn pay(
    conn: &mut AsyncPgConnection,
    cfg: &PointsSettings,
    source: &str,
    now: DateTime<Utc>,
) -> AppResult<Paid> {
    let Some(row) = EarningRow::find(conn, source).await? else {
        return Ok(Paid::Nothing);
    };
    if row.status != "pending" {
        return Ok(Paid::Nothing);
    }
    let id = transfer_id(source);
    // Paid before the row was marked (the process stopped in between): finish the marking.
    let outcome = if let Some(t) = Transfer::find(conn, &id).await? {
        Ok(t)
    } else {
        let rule = Rule::parse(&row.rule).unwrap_or(Rule::Activity);
        let amount = row.amount.unwrap_or_else(|| rule.configured_amount(cfg));
        if amount <= 0 {
            mark(conn, source, "refused", Some("rule_disabled"), now).await?;
            return Ok(Paid::Refused("rule_disabled"));
        }
        award::award(
            conn,
            cfg,
            &AwardRequest {
                id,
                kind: AwardKind::Activity,
                community_id: row.community_id,
                resident_id: row.resident_id,
                amount,
                reason: row.label.clone(),
                actor: "system".into(),
            },
            now,
        )
        .await?
    };
    match outcome {
        Ok(t) => {
            mark(conn, source, "paid", None, now).await?;
            Ok(Paid::Transfer(Box::new(t)))
        }
        Err(e) => {
            let reason = refused_reason(e.code());
            mark(conn, source, "refused", Some(reason), now).await?;
            Ok(Paid::Refused(reason))
        }
    }
}

async fn mark(
    conn: &mut AsyncPgConnection,
    source: &str,
    status: &str,
    outcome: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::update(
        points_earnings::table
            .find(source)
            .filter(points_earnings::status.eq("pending")),
    )
    .set((
        points_earnings::status.eq(status),
        points_earnings::outcome.eq(outcome),
        points_earnings::decided_at.eq(now),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// Pay the given earnings right after the step that recorded them committed, and show the
/// new balance at once. Failures are logged: the earnings stay pending for [`pay_pending`].
pub async fn pay_now(
    db: &DbPool,
    redis: &RedisStore,
    settings: &PointsSettings,
    sources: &[String],
) {
    for source in sources {
        let r = async {
            let mut conn = db.get().await?;
            if let Paid::Transfer(t) = pay(&mut conn, settings, source, Utc::now()).await? {
                super::ops::project(&mut conn, redis, &t).await;
            }
            Ok::<_, crate::error::AppError>(())
        }
        .await;
        if let Err(e) = r {
            tracing::warn!(%source, error = %e, "earning left pending");
        }
    }
}

/// Pay every pending earning, oldest first (the points job). Returns how many were decided.
pub async fn pay_pending(
    db: &DbPool,
    redis: &RedisStore,
    settings: &PointsSettings,
    now: DateTime<Utc>,
    limit: i64,
) -> AppResult<usize> {
    let sources: Vec<String> = {
        let mut conn = db.get().await?;
        points_earnings::table
            .filter(points_earnings::status.eq("pending"))
            .order(points_earnings::created_at.asc())
            .limit(limit)
            .select(points_earnings::source)
            .load(&mut conn)
            .await?
    };
    let mut n = 0;
    for source in &sources {
        let mut conn = db.get().await?;
        match pay(&mut conn, settings, source, now).await? {
            Paid::Transfer(t) => {
                super::ops::project(&mut conn, redis, &t).await;
                n += 1;
            }
            Paid::Refused(_) => n += 1,
            Paid::Nothing => {}
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_round_trip_and_amounts_come_from_configuration() {
        for r in [
            Rule::Activity,
            Rule::ReportAccepted,
            Rule::CaseRated,
            Rule::PollParticipation,
        ] {
            assert_eq!(Rule::parse(r.as_str()), Some(r));
        }
        assert_eq!(Rule::parse("bogus"), None);
        assert_eq!(transfer_id("report:17"), "earn:report:17");
    }

    #[test]
    fn refusal_reasons_are_the_stable_points_codes() {
        assert_eq!(refused_reason("daily_award_cap"), "daily_award_cap");
        assert_eq!(
            refused_reason("not_bound_to_household"),
            "not_bound_to_household"
        );
        assert_eq!(refused_reason("something else"), "refused");
    }
}
