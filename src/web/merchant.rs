//! The merchant console: a cashier sees their shop's pending redemptions and confirms
//! (capture) or rejects (void) them. Only `merchant_cashier` accounts with a shop.

use super::auth::{CurrentStaff, StaffForm};
use super::locale::Locale;
use crate::error::{AppError, AppResult};
use crate::people::roles::Role;
use crate::points::holds::Hold;
use crate::points::rules::HoldAction;
use crate::points::{ops, projection, Account};
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use minijinja::value::Serde;
use serde::Deserialize;

fn cashier_shop(me: &CurrentStaff) -> AppResult<i64> {
    match (me.staff.role(), me.staff.shop_id) {
        (Role::MerchantCashier, Some(shop)) => Ok(shop),
        _ => Err(AppError::forbidden()),
    }
}

/// `?done=<hold>` after a decision: the page says what was just confirmed or rejected.
#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// `GET /merchant`: pending holds, today's takings and the shop's unsettled points (the
/// list refreshes itself while the page is open, see `assets/static/live.js`).
pub async fn index(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    let shop_id = cashier_shop(&me)?;
    let mut conn = state.conn().await?;
    let shop = crate::grids::shops::Shop::find(&mut conn, shop_id).await?;
    // Only this shop's decided holds are told back (ids are bounded like idempotency keys).
    let done = match q.done.as_deref().filter(|id| id.len() <= 64) {
        Some(id) => Hold::find(&mut conn, id)
            .await?
            .filter(|h| h.shop_id == shop_id && h.status != "pending")
            .map(|h| {
                minijinja::context! {
                    captured => h.status == "captured",
                    confirmation => h.confirmation,
                    amount => h.amount,
                }
            }),
        None => None,
    };
    let pending = Hold::pending_for_shop(&mut conn, shop_id).await?;
    drop(conn);
    let merchant = Account::Merchant(shop_id);
    let balance = projection::balance(&state.db, &state.redis, &merchant).await?;
    let today = projection::day_counters(&state.redis, &merchant, Utc::now())
        .await?
        .get("taken")
        .copied()
        .unwrap_or(0);
    let now = Utc::now();
    let pending: Vec<_> = pending
        .into_iter()
        .map(|h| {
            let left = (h.expires_at - now).num_seconds().max(0);
            (h, left)
        })
        .collect();
    let ctx = minijinja::context! {
        shop => Serde(&shop),
        pending => Serde(&pending),
        balance,
        today,
        done,
        ..super::console::base(&me, "/merchant")
    };
    state.pages.page("merchant/index.html", locale, ctx)
}

/// A form with only its CSRF token.
#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
}
crate::csrf_form!(DecideForm);

async fn decide(
    state: &AppState,
    f: &StaffForm<DecideForm>,
    hold_id: &str,
    capture: bool,
) -> AppResult<HttpResponse> {
    let shop = cashier_shop(&f.staff)?;
    let action = if capture {
        HoldAction::Capture { shop }
    } else {
        HoldAction::Reject { shop }
    };
    let mut conn = state.conn().await?;
    let (hold, _) = ops::decide_hold(
        &mut conn,
        &state.redis,
        hold_id,
        action,
        Some(f.staff.staff.id),
        Utc::now(),
    )
    .await??;
    let done = url::form_urlencoded::byte_serialize(hold.id.as_bytes()).collect::<String>();
    Ok(super::see_other(&format!("/merchant?done={done}")))
}

/// `POST /merchant/holds/{id}/confirm`: capture (points go to the shop).
pub async fn confirm(
    state: web::Data<AppState>,
    id: web::Path<String>,
    f: StaffForm<DecideForm>,
) -> AppResult<HttpResponse> {
    decide(&state, &f, &id, true).await
}

/// `POST /merchant/holds/{id}/reject`: void (points go back to the resident).
pub async fn reject(
    state: web::Data<AppState>,
    id: web::Path<String>,
    f: StaffForm<DecideForm>,
) -> AppResult<HttpResponse> {
    decide(&state, &f, &id, false).await
}
