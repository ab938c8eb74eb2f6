//! `GET /console/points`: staff find a resident by door, name or email (never by an internal
//! number), award points, take back an award from the list of recent transfers, and (admins)
//! settle a shop chosen by name. Journal rows are shown in words: who gave whom how much.

use super::base;
use super::points::may_award;
use crate::error::AppResult;
use crate::grids::Grid;
use crate::people::resident_search;
use crate::people::Role;
use crate::points::ledger::Transfer;
use crate::points::{rules, settlement, Account};
use crate::web::auth::CurrentStaff;
use crate::web::locale::Locale;
use crate::web::pages::translate;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the page was asked for.
#[derive(Deserialize)]
pub struct PointsQuery {
    /// Search text (door, householder's name, email).
    q: Option<String>,
    /// The resident chosen from the search results.
    resident: Option<i64>,
    /// The award to take back.
    reverse: Option<String>,
    /// The transfer just made (the page says so).
    done: Option<String>,
}

/// A journal row in words.
#[derive(Serialize)]
struct Row {
    id: String,
    kind: String,
    from: String,
    to: String,
    amount: i64,
    reason: String,
    at: chrono::DateTime<Utc>,
    reversible: bool,
}

/// Names for the accounts of the recent transfers: communities, residents (masked), shops.
struct Names {
    grids: HashMap<i64, String>,
    residents: HashMap<i64, String>,
    shops: HashMap<i64, String>,
}

impl Names {
    fn label(&self, locale: Locale, account: &str) -> String {
        let named = |map: &HashMap<i64, String>, n: &i64| {
            map.get(n).cloned().unwrap_or_else(|| n.to_string())
        };
        let (key, name) = match Account::parse(account) {
            Some(Account::Issuer { community, .. }) => ("issuer", named(&self.grids, &community)),
            Some(Account::Resident(n)) => ("resident", named(&self.residents, &n)),
            Some(Account::Hold(n)) => ("hold", named(&self.residents, &n)),
            Some(Account::Merchant(n)) => ("merchant", named(&self.shops, &n)),
            Some(Account::Settled) => ("settled", String::new()),
            None => return account.to_owned(),
        };
        translate(locale, &format!("points.account.{key}"), &[("name", name)])
    }
}

async fn names(
    conn: &mut diesel_async::AsyncPgConnection,
    recent: &[Transfer],
) -> AppResult<Names> {
    use crate::db::schema::shops;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let accounts: Vec<Account> = recent
        .iter()
        .flat_map(|t| {
            [
                Account::parse(&t.from_account),
                Account::parse(&t.to_account),
            ]
        })
        .flatten()
        .collect();
    let resident_ids: Vec<i64> = accounts
        .iter()
        .filter_map(|a| match a {
            Account::Resident(n) | Account::Hold(n) => Some(*n),
            _ => None,
        })
        .collect();
    let shop_ids: Vec<i64> = accounts
        .iter()
        .filter_map(|a| match a {
            Account::Merchant(n) => Some(*n),
            _ => None,
        })
        .collect();
    let residents = crate::people::residents::Resident::many(conn, &resident_ids)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.id,
                crate::points::board::masked_name(r.display_name.as_deref(), &r.email),
            )
        })
        .collect();
    let shops = shops::table
        .filter(shops::id.eq_any(&shop_ids))
        .select((shops::id, shops::name))
        .load::<(i64, String)>(conn)
        .await?
        .into_iter()
        .collect();
    let grids = Grid::all(conn)
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    Ok(Names {
        grids,
        residents,
        shops,
    })
}

/// What a transfer was, for its label: points earned by a rule are named after the rule
/// (voting is not a volunteer activity), everything else by its journal kind.
fn kind_of(t: &Transfer) -> &str {
    match t.id.strip_prefix("earn:") {
        Some(source) if source.starts_with("poll:") => "earned_vote",
        Some(source) if source.starts_with("report:") => "earned_report",
        Some(source) if source.starts_with("rating:") => "earned_rating",
        Some(_) => "award",
        None => &t.kind,
    }
}

/// `GET /console/points`
pub async fn index(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<PointsQuery>,
) -> AppResult<HttpResponse> {
    may_award(&me)?;
    let mut conn = state.conn().await?;
    let search = q.q.as_deref().unwrap_or_default();
    let found = resident_search::search(&mut conn, &me.scope, search).await?;
    let chosen = q
        .resident
        .and_then(|id| found.iter().find(|f| f.resident_id == id).cloned());
    let recent =
        Transfer::recent_visible(&mut conn, &me.scope, &format!("staff:{}", me.staff.id), 50)
            .await?;
    let names = names(&mut conn, &recent).await?;
    let rows: Vec<Row> = recent
        .iter()
        .map(|t| Row {
            id: t.id.clone(),
            kind: kind_of(t).to_owned(),
            from: names.label(locale, &t.from_account),
            to: names.label(locale, &t.to_account),
            amount: t.amount,
            // A redemption's journal reason is technical (`shop:3`, `captured`): the
            // accounts already say which shop.
            reason: if matches!(t.kind.as_str(), "hold" | "capture" | "void") {
                String::new()
            } else {
                t.reason.clone()
            },
            at: t.created_at,
            reversible: t.kind == "award",
        })
        .collect();
    let find_row = |id: &str| rows.iter().position(|r| r.id == id);
    let reverse = q
        .reverse
        .as_deref()
        .filter(|id| id.len() <= 100)
        .and_then(find_row);
    let done = q
        .done
        .as_deref()
        .filter(|id| id.len() <= 100)
        .and_then(find_row);
    let month = rules::month_label(Utc::now());
    let is_admin = me.staff.role() == Role::Admin;
    let (statement, shops) = if is_admin {
        use crate::db::schema::shops;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let (from, to) = rules::month_range(&month).expect("a label is a month");
        let statement = settlement::statement(&mut conn, &state.settings.points, from, to).await?;
        let shops: Vec<(i64, String)> = shops::table
            .filter(shops::accepts_points.eq(true))
            .order(shops::name)
            .select((shops::id, shops::name))
            .load(&mut conn)
            .await?;
        (statement, shops)
    } else {
        (Vec::new(), Vec::new())
    };
    let ctx = minijinja::context! {
        statement => Serde(&statement),
        month,
        search,
        found => Serde(&found),
        chosen => Serde(&chosen),
        reverse => reverse.map(|i| Serde(&rows[i])),
        done => done.map(|i| Serde(&rows[i])),
        recent => Serde(&rows),
        shops,
        idempotency_key => crate::people::sessions::random_secret(),
        is_admin,
        rate => state.settings.points.rate_default,
        cap => state.settings.points.daily_award_cap,
        ..base(&me, "/console/points")
    };
    state.pages.page("console/points.html", locale, ctx)
}
