//! A resident's points history from the journal: what each movement was for, when, and
//! where (the community that awarded it, the shop where it was spent).

use super::account::Account;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// One line of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub transfer_id: String,
    /// `earned`, `correction`, `reversed`, `spent` (a redemption set aside) or `returned`
    /// (a redemption rejected or expired).
    pub what: &'static str,
    /// Points in (+) or out (−) of the spendable balance.
    pub amount: i64,
    /// The earning rule (`activity`, `report_accepted`, ...) when a rule earned it.
    pub rule: Option<String>,
    /// The activity's title, the report's number, the poll's title, or the staff's reason.
    pub detail: String,
    /// The community or the shop.
    pub place: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    to_account: String,
    #[diesel(sql_type = BigInt)]
    amount: i64,
    #[diesel(sql_type = Text)]
    reason: String,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    community_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    shop_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    rule: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    label: Option<String>,
}

/// What a journal kind is to the resident whose spendable account it touches, and the sign
/// (pure).
pub fn classify(kind: &str, credit: bool) -> (&'static str, i64) {
    match (kind, credit) {
        ("award", _) => ("earned", 1),
        ("correction", _) => ("correction", 1),
        ("reversal", _) => ("reversed", -1),
        ("hold", _) => ("spent", -1),
        ("void", _) => ("returned", 1),
        (_, true) => ("earned", 1),
        (_, false) => ("spent", -1),
    }
}

/// The newest `limit` movements of a resident's spendable points.
pub async fn for_resident(
    conn: &mut AsyncPgConnection,
    resident_id: i64,
    limit: i64,
) -> AppResult<Vec<Entry>> {
    let account = Account::Resident(resident_id).id();
    // A hold's transfers are '<hold id>' (hold) and '<hold id>:void' / ':capture'.
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT t.id, t.kind, t.to_account, t.amount, t.reason, t.created_at, \
                c.name AS community_name, s.name AS shop_name, e.rule, e.label \
         FROM points_transfers t \
         LEFT JOIN grids c ON c.id = t.community_id \
         LEFT JOIN points_holds h ON h.id = regexp_replace(t.id, ':(void|capture)$', '') \
         LEFT JOIN shops s ON s.id = h.shop_id \
         LEFT JOIN points_earnings e ON t.id = 'earn:' || e.source \
         WHERE t.from_account = $1 OR t.to_account = $1 \
         ORDER BY t.seq DESC LIMIT $2",
    )
    .bind::<Text, _>(&account)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (what, sign) = classify(&r.kind, r.to_account == account);
            Entry {
                transfer_id: r.id,
                what,
                amount: sign * r.amount,
                rule: r.rule,
                detail: r.label.unwrap_or(r.reason),
                place: r.shop_name.or(r.community_name),
                at: r.created_at,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn each_kind_reads_as_the_resident_sees_it() {
        assert_eq!(classify("award", true), ("earned", 1));
        assert_eq!(classify("correction", true), ("correction", 1));
        assert_eq!(classify("reversal", false), ("reversed", -1));
        assert_eq!(classify("hold", false), ("spent", -1));
        assert_eq!(classify("void", true), ("returned", 1));
    }
}
