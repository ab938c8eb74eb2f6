//! Residents' points pages: the wallet, spending at a shop's counter code (a hold), and the
//! hold's page with its confirmation number and countdown. The resident comes from their
//! session only, never from a form field.

use super::form_csrf;
use super::landing::neutral;
use super::locale::Locale;
use super::resident_auth::CurrentResident;
use crate::codes::{token, Code};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::points::earn::EarningRow;
use crate::points::holds::{Hold, HoldRequest};
use crate::points::{board, history, ops, projection, rules, Account, PointsError};
use crate::web::state::AppState;
use actix_web::http::header;
use actix_web::FromRequest;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use minijinja::value::Serde;
use serde::Deserialize;

/// The signed-in resident's id (401 → the sign-in page otherwise).
async fn resident(req: &HttpRequest) -> AppResult<i64> {
    Ok(CurrentResident::extract(req).await?.resident.id)
}

/// A client's idempotency key: 8 to 100 letters, digits, `-` or `_`.
pub fn valid_key(k: &str) -> bool {
    (8..=100).contains(&k.len())
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn bad_key() -> AppError {
    AppError::with_detail(ErrorCode::InvalidInput, "idempotency_key")
        .with_reason("invalid_idempotency_key")
}

/// `GET /points`: the signed-in resident's balance and pending holds (from Redis), their place
/// on the community's and the compound's board this month, their history (from the journal),
/// earnings not paid yet, the shops near them that take points, and upcoming activities.
pub async fn wallet(
    state: web::Data<AppState>,
    locale: Locale,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let me = CurrentResident::extract(&req).await?.resident;
    let now = Utc::now();
    let balance = projection::balance(&state.db, &state.redis, &Account::Resident(me.id)).await?;
    let held = projection::balance(&state.db, &state.redis, &Account::Hold(me.id)).await?;
    let pending: Vec<(String, i64)> = projection::pending_holds(&state.redis, me.id)
        .await?
        .into_iter()
        .collect();
    let mut conn = state.conn().await?;
    let history = history::for_resident(&mut conn, me.id, 50).await?;
    let unpaid: Vec<_> = EarningRow::for_resident(&mut conn, me.id, 50)
        .await?
        .into_iter()
        .filter(|e| e.status != "paid")
        .collect();
    let home = me.memberships(&mut conn).await?.into_iter().next();
    let mut near = minijinja::Value::UNDEFINED;
    if let Some(home) = &home {
        let community = crate::grids::scope::path_ids(&home.grid_path)
            .get(1)
            .copied();
        if let Some(community) = community {
            let grid = crate::grids::Grid::find(&mut conn, community).await?;
            let place = board::position(&state.redis, community, now, me.id).await?;
            let top = projection::leaderboard(&state.redis, community, now, 10).await?;
            let neighbours = crate::people::residents::in_grid(&mut conn, home.grid_id).await?;
            let compound = board::among(&state.redis, community, now, &neighbours).await?;
            let compound_place = compound
                .iter()
                .position(|(r, _)| *r == me.id)
                .map(|i| i + 1);
            let names = names(&mut conn, top.iter().map(|(r, _)| *r)).await?;
            let top: Vec<_> = top
                .iter()
                .map(|(r, p)| (names.get(r).cloned().unwrap_or_default(), *p, *r == me.id))
                .collect();
            let shops =
                crate::grids::shops::Shop::accepting_points_near(&mut conn, &home.grid_path, 20)
                    .await?;
            let activities =
                crate::activities::Activity::upcoming_for_community(&mut conn, community, now, 5)
                    .await?;
            let activities: Vec<_> = activities
                .into_iter()
                .map(|a| (a.title, a.place, a.starts_at, a.points))
                .collect();
            near = minijinja::context! {
                community => grid.name,
                compound => &home.compound,
                rate => state.settings.points.rate_for(&grid.code),
                place => place,
                top => top,
                compound_place => compound_place,
                compound_size => compound.len(),
                shops => Serde(&shops),
                activities => Serde(&activities),
            };
        }
    }
    state.pages.page(
        "points/wallet.html",
        locale,
        minijinja::context! {
            balance, held, pending, near, bound => home.is_some(),
            history => Serde(&history), unpaid => Serde(&unpaid),
            self_path => "/points",
        },
    )
}

/// Masked names of residents on a board.
async fn names(
    conn: &mut diesel_async::AsyncPgConnection,
    ids: impl Iterator<Item = i64>,
) -> AppResult<std::collections::HashMap<i64, String>> {
    let ids: Vec<i64> = ids.collect();
    Ok(crate::people::residents::Resident::many(conn, &ids)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.id,
                board::masked_name(r.display_name.as_deref(), &r.email),
            )
        })
        .collect())
}

async fn shop_target(
    state: &AppState,
    raw: &str,
) -> AppResult<Option<crate::codes::model::ScanTarget>> {
    let Some(token) = token::normalize(raw) else {
        return Ok(None);
    };
    let mut conn = state.conn().await?;
    Ok(Code::scan(&mut conn, &token)
        .await?
        .filter(|t| t.shop_id.is_some()))
}

fn community_code_rate(state: &AppState, community: &str) -> f64 {
    // The scan target names the community; its code is looked up by name in config rates.
    state.settings.points.rate_for(community)
}

/// `GET /C/{token}/spend`: how many points to spend at this shop.
pub async fn spend_form(
    state: web::Data<AppState>,
    locale: Locale,
    req: HttpRequest,
    raw: web::Path<String>,
) -> AppResult<HttpResponse> {
    let me = resident(&req).await?;
    let Some(target) = shop_target(&state, &raw).await? else {
        return neutral(&state, locale);
    };
    if target.shop_accepts_points != Some(true) {
        return Err(PointsError::ShopNotAccepting.into());
    }
    spend_view(
        &state,
        locale,
        &req,
        me,
        &target,
        None,
        "",
        actix_web::http::StatusCode::OK,
    )
    .await
}

/// The spend page; after a refusal, with the reason beside the field and the amount kept.
#[allow(clippy::too_many_arguments)]
async fn spend_view(
    state: &AppState,
    locale: Locale,
    req: &HttpRequest,
    me: i64,
    target: &crate::codes::model::ScanTarget,
    error: Option<String>,
    typed: &str,
    status: actix_web::http::StatusCode,
) -> AppResult<HttpResponse> {
    let balance = projection::balance(&state.db, &state.redis, &Account::Resident(me)).await?;
    let (csrf, cookie) = form_csrf::token(req, state.settings.session.cookie_secure);
    let rate = community_rate(state, target).await?;
    let body = state.pages.render(
        "points/spend.html",
        locale,
        minijinja::context! {
            place => Serde(target),
            balance,
            rate,
            csrf,
            error,
            typed,
            idempotency_key => crate::people::sessions::random_secret(),
            max_spend => state.settings.points.max_spend,
            self_path => format!("/C/{}/spend", target.token),
        },
    )?;
    let mut r = HttpResponse::build(status);
    r.content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(c) = cookie {
        r.cookie(c);
    }
    Ok(r.body(body))
}

async fn community_rate(
    state: &AppState,
    target: &crate::codes::model::ScanTarget,
) -> AppResult<f64> {
    let mut conn = state.conn().await?;
    let ids = crate::grids::scope::path_ids(&target.grid_path);
    let code = match ids.get(1) {
        Some(id) => crate::grids::Grid::find(&mut conn, *id).await?.code,
        None => String::new(),
    };
    Ok(community_code_rate(state, &code))
}

/// The spend form.
#[derive(Deserialize)]
pub struct SpendForm {
    csrf: String,
    idempotency_key: String,
    amount: String,
    /// Never needed: present only if someone edited the form to spend another's points.
    #[serde(default)]
    resident_id: Option<String>,
}

/// `POST /C/{token}/spend`: place the hold and show it.
pub async fn spend(
    state: web::Data<AppState>,
    locale: Locale,
    req: HttpRequest,
    raw: web::Path<String>,
    super::input::Form(form): super::input::Form<SpendForm>,
) -> AppResult<HttpResponse> {
    let me = resident(&req).await?;
    form_csrf::check(&req, &form.csrf)?;
    if let Some(other) = form.resident_id.as_deref() {
        if other.trim() != me.to_string() {
            return Err(PointsError::NotYourAccount.into());
        }
    }
    if !valid_key(&form.idempotency_key) {
        return Err(bad_key());
    }
    let Some(target) = shop_target(&state, &raw).await? else {
        return Err(AppError::not_found());
    };
    // A person gets the form back with the reason beside the field; a JSON client the code.
    let refuse = |e: PointsError| {
        let (state, req, target) = (&state, &req, &target);
        let typed: String = form.amount.chars().take(12).collect();
        async move {
            if super::error_pages::wants_json(req) {
                return Err(e.into());
            }
            let text = crate::error::Refusal::words(&e, locale);
            // The form again with the words beside the amount: 422 whatever the refusal (the
            // page's status has always been that; JSON clients get the refusal's own status).
            let status = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            spend_view(state, locale, req, me, target, Some(text), &typed, status).await
        }
    };
    let amount = match rules::parse_amount(&form.amount) {
        Ok(a) => a,
        Err(e) => return refuse(e).await,
    };
    let shop_id = target.shop_id.expect("shop target");
    let mut conn = state.conn().await?;
    let placed = ops::place_hold(
        &mut conn,
        &state.redis,
        &state.settings.points,
        &HoldRequest {
            id: form.idempotency_key.clone(),
            resident_id: me,
            shop_id,
            amount,
        },
        Utc::now(),
    )
    .await?;
    let hold = match placed {
        Ok(h) => h,
        Err(e) => {
            drop(conn);
            return refuse(e).await;
        }
    };
    Ok(super::see_other(&format!("/points/holds/{}", hold.id)))
}

/// `GET /points/holds/{id}`: the hold's confirmation number, state and countdown (only to
/// the resident who placed it).
pub async fn hold_page(
    state: web::Data<AppState>,
    locale: Locale,
    req: HttpRequest,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let me = resident(&req).await?;
    let mut conn = state.conn().await?;
    let hold = Hold::find(&mut conn, &id)
        .await?
        .filter(|h| h.resident_id == me)
        .ok_or(PointsError::NoSuchHold)?;
    let shop = crate::grids::shops::Shop::find(&mut conn, hold.shop_id).await?;
    let seconds_left = (hold.expires_at - Utc::now()).num_seconds().max(0);
    state.pages.page(
        "points/hold.html",
        locale,
        minijinja::context! {
            hold => Serde(&hold),
            shop_name => shop.name,
            seconds_left,
            self_path => format!("/points/holds/{}", hold.id),
        },
    )
}

#[cfg(test)]
mod tests {
    use crate::points::PointsError;
    use crate::web::locale::Locale;
    use crate::web::pages::translate;

    #[test]
    fn every_refusal_has_a_message_in_both_languages() {
        let codes = PointsError::ALL
            .iter()
            .map(|e| e.code())
            .chain(["invalid_idempotency_key"]);
        for code in codes {
            let key = format!("reason.{code}");
            for locale in [Locale::ZhCn, Locale::En] {
                let text = translate(locale, &key, &[]);
                assert_ne!(text, key, "{code} has no {} message", locale.tag());
            }
        }
        // A missing message comes back as its key (so the check above can fail).
        assert_eq!(translate(Locale::En, "reason.nope", &[]), "reason.nope");
        assert!(super::valid_key("hold-0001_x"));
        assert!(!super::valid_key("short"));
        assert!(!super::valid_key("has.dot-0001"));
    }
}
