//! The invariants, checked against the journal and the Redis projection: the sum over all
//! accounts is zero; every balance and version equals what the journal adds up to; no
//! resident, hold or merchant is below zero; every hold's fate is paired with its transfer
//! (captured → the merchant's credit, rejected/expired → the resident's refund) and each
//! resident's held balance equals their pending holds; Redis equals the journal.

use super::account::Account;
use super::holds::Hold;
use super::ledger::{AccountRow, Transfer};
use super::projection;
use crate::db::schema::points_transfers;
use crate::error::AppResult;
use crate::redis_store::RedisStore;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::BTreeMap;

/// One failed invariant, naming the account (or hold) it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The account (`resident:7`), the hold (`hold-id`) or `*` for the whole ledger.
    pub subject: String,
    pub what: String,
}

/// The audit's findings (empty = all invariants hold).
#[derive(Debug, Default)]
pub struct Report {
    pub accounts: usize,
    pub transfers: usize,
    pub problems: Vec<Problem>,
}

impl Report {
    /// Whether every invariant holds.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Whether a problem names `subject`.
    pub fn names(&self, subject: &str) -> bool {
        self.problems.iter().any(|p| p.subject == subject)
    }

    fn fail(&mut self, subject: impl Into<String>, what: impl Into<String>) {
        self.problems.push(Problem {
            subject: subject.into(),
            what: what.into(),
        });
    }
}

/// Run every check. `check_redis = false` checks the journal alone.
pub async fn run(
    conn: &mut AsyncPgConnection,
    redis: &RedisStore,
    check_redis: bool,
) -> AppResult<Report> {
    let mut report = Report::default();
    let accounts = AccountRow::all(conn).await?;
    let transfers: Vec<Transfer> = points_transfers::table
        .order(points_transfers::seq)
        .select(Transfer::as_select())
        .load(conn)
        .await?;
    report.accounts = accounts.len();
    report.transfers = transfers.len();

    // The journal, added up per account: (balance, number of transfers).
    let mut sums: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for t in &transfers {
        let f = sums.entry(&t.from_account).or_default();
        f.0 -= t.amount;
        f.1 += 1;
        let to = sums.entry(&t.to_account).or_default();
        to.0 += t.amount;
        to.1 += 1;
    }
    let total: i64 = accounts.iter().map(|a| a.balance).sum();
    if total != 0 {
        report.fail("*", format!("balances sum to {total}, not 0"));
    }
    for a in &accounts {
        let (bal, n) = sums.get(a.id.as_str()).copied().unwrap_or((0, 0));
        if a.balance != bal || a.version != n {
            report.fail(
                &a.id,
                format!(
                    "balance {} (version {}) but the journal adds up to {bal} ({n} transfers)",
                    a.balance, a.version
                ),
            );
        }
        let may_go_negative = Account::parse(&a.id).is_some_and(|x| x.may_go_negative());
        if !may_go_negative && a.balance < 0 {
            report.fail(&a.id, format!("below zero: {}", a.balance));
        }
    }

    // Holds and their transfers.
    let holds = Hold::all(conn).await?;
    let by_id: BTreeMap<&str, &Transfer> = transfers.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut pending: BTreeMap<i64, i64> = BTreeMap::new();
    for h in &holds {
        let placed = by_id.get(h.id.as_str());
        if !placed.is_some_and(|t| {
            t.kind == "hold"
                && t.amount == h.amount
                && t.to_account == Account::Hold(h.resident_id).id()
        }) {
            report.fail(&h.id, "hold without its hold transfer");
        }
        let outcome = h.outcome_transfer.as_deref().and_then(|id| by_id.get(id));
        let (kind, to) = match h.status.as_str() {
            "pending" => {
                *pending.entry(h.resident_id).or_default() += h.amount;
                continue;
            }
            "captured" => ("capture", Account::Merchant(h.shop_id)),
            _ => ("void", Account::Resident(h.resident_id)),
        };
        if !outcome.is_some_and(|t| {
            t.kind == kind
                && t.amount == h.amount
                && t.from_account == Account::Hold(h.resident_id).id()
                && t.to_account == to.id()
        }) {
            report.fail(
                &h.id,
                format!("{} hold without its {kind} transfer", h.status),
            );
        }
    }
    for a in &accounts {
        if let Some(Account::Hold(r)) = Account::parse(&a.id) {
            let p = pending.get(&r).copied().unwrap_or(0);
            if a.balance != p {
                report.fail(
                    &a.id,
                    format!("holds {} but pending holds add up to {p}", a.balance),
                );
            }
        }
    }

    if check_redis {
        for a in &accounts {
            let Some(acct) = Account::parse(&a.id) else {
                continue;
            };
            match projection::read(redis, &acct).await? {
                Some((b, v)) if b == a.balance && v == a.version => {}
                Some((b, v)) => report.fail(
                    &a.id,
                    format!(
                        "Redis has {b} (version {v}), the journal {} (version {})",
                        a.balance, a.version
                    ),
                ),
                // An account locked but never moved has nothing to project.
                None if a.version == 0 && a.balance == 0 => {}
                None => report.fail(&a.id, "missing from Redis"),
            }
            if let Account::Hold(r) = acct {
                let in_redis = projection::pending_holds(redis, r).await?;
                let in_db: BTreeMap<String, i64> = holds
                    .iter()
                    .filter(|h| h.resident_id == r && h.status == "pending")
                    .map(|h| (h.id.clone(), h.amount))
                    .collect();
                if in_redis != in_db {
                    report.fail(&a.id, "Redis pending holds differ from the journal");
                }
            }
        }
    }
    Ok(report)
}
