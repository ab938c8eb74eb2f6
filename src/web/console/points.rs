//! Staff and points: award (an activity or a correction in the resident's favour), reverse
//! an award (a new transfer, never an edit) and settle merchants (admins).

use super::see_other;
use crate::error::{AppError, AppResult};
use crate::grids::scope::path_ids;
use crate::grids::Grid;
use crate::people::residents::Resident;
use crate::people::Role;
use crate::points::award::{AwardKind, AwardRequest};
use crate::points::ledger::Transfer;
use crate::points::{ops, rules, settlement, PointsError};
use crate::web::auth::{CurrentStaff, StaffForm};
use crate::web::locale::Locale;
use crate::web::points::valid_key;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

/// Who may award and reverse points and organise volunteer activities: admins, grid heads and
/// grid workers, in their scope.
pub fn may_award(me: &CurrentStaff) -> AppResult<()> {
    match me.staff.role() {
        Role::Admin | Role::GridHead | Role::GridWorker if me.staff.active => Ok(()),
        _ => Err(AppError::forbidden()),
    }
}

fn bad_key() -> AppError {
    AppError::with_detail(crate::error::ErrorCode::InvalidInput, "idempotency_key")
        .with_reason("invalid_idempotency_key")
}

/// The community (level-2 grid) of a grid, if it is at or below one.
fn community_of(grid: &Grid) -> Option<i64> {
    path_ids(&grid.path).get(1).copied()
}

/// The award form.
#[derive(Deserialize)]
pub struct AwardForm {
    csrf: String,
    idempotency_key: String,
    grid_id: i64,
    resident_id: i64,
    amount: String,
    kind: String,
    reason: String,
}
crate::csrf_form!(AwardForm);

/// `POST /console/points/award`.
pub async fn award(state: web::Data<AppState>, f: StaffForm<AwardForm>) -> AppResult<HttpResponse> {
    let me = &f.staff;
    may_award(me)?;
    if !valid_key(&f.form.idempotency_key) {
        return Err(bad_key());
    }
    let kind = AwardKind::parse(&f.form.kind).ok_or_else(|| AppError::invalid("kind"))?;
    let amount = rules::parse_amount(&f.form.amount)?;
    let mut conn = state.conn().await?;
    let grid = Grid::find(&mut conn, f.form.grid_id)
        .await
        .map_err(|_| AppError::invalid("grid_id"))?;
    me.require_grid(&grid)?;
    // The grid is the actor's; the resident must live in it too, or any worker could award
    // points to anyone in the district by naming a grid of their own.
    if !Resident::is_member_within(&mut conn, f.form.resident_id, &grid.path).await? {
        return Err(PointsError::NoSuchResident.into());
    }
    let community_id = community_of(&grid).ok_or_else(|| AppError::invalid("grid_id"))?;
    let t = ops::award(
        &mut conn,
        &state.redis,
        &state.settings.points,
        &AwardRequest {
            id: f.form.idempotency_key.clone(),
            kind,
            community_id,
            resident_id: f.form.resident_id,
            amount,
            reason: f.form.reason.clone(),
            actor: format!("staff:{}", me.staff.id),
        },
        Utc::now(),
    )
    .await??;
    Ok(see_other(&format!("/console/points?done={}", t.id)))
}

/// The reversal form.
#[derive(Deserialize)]
pub struct ReverseForm {
    csrf: String,
    idempotency_key: String,
    award_id: String,
    amount: String,
    reason: String,
}
crate::csrf_form!(ReverseForm);

/// `POST /console/points/reverse`: take back (part of) an award of a community in scope.
pub async fn reverse(
    state: web::Data<AppState>,
    f: StaffForm<ReverseForm>,
) -> AppResult<HttpResponse> {
    let me = &f.staff;
    may_award(me)?;
    if !valid_key(&f.form.idempotency_key) {
        return Err(bad_key());
    }
    let amount = rules::parse_amount(&f.form.amount)?;
    let mut conn = state.conn().await?;
    let original = Transfer::find(&mut conn, &f.form.award_id)
        .await?
        .ok_or(PointsError::NoSuchAward)?;
    let community = Grid::find(
        &mut conn,
        original.community_id.ok_or(PointsError::NoSuchAward)?,
    )
    .await?;
    me.require_grid(&community)?;
    let t = ops::reverse(
        &mut conn,
        &state.redis,
        &f.form.idempotency_key,
        &f.form.award_id,
        amount,
        &f.form.reason,
        me.staff.id,
        Utc::now(),
    )
    .await??;
    Ok(see_other(&format!("/console/points?done={}", t.id)))
}

/// The settlement form.
#[derive(Deserialize)]
pub struct SettleForm {
    csrf: String,
    idempotency_key: String,
    shop_id: i64,
    amount: String,
}
crate::csrf_form!(SettleForm);

/// `POST /console/points/settle`: the community paid a merchant (admins only).
pub async fn settle(
    state: web::Data<AppState>,
    f: StaffForm<SettleForm>,
) -> AppResult<HttpResponse> {
    let me = &f.staff;
    if me.staff.role() != Role::Admin {
        return Err(AppError::forbidden());
    }
    if !valid_key(&f.form.idempotency_key) {
        return Err(bad_key());
    }
    let amount = rules::parse_amount(&f.form.amount)?;
    let mut conn = state.conn().await?;
    let t = ops::settle(
        &mut conn,
        &state.redis,
        &f.form.idempotency_key,
        f.form.shop_id,
        amount,
        me.staff.id,
        Utc::now(),
    )
    .await??;
    Ok(see_other(&format!("/console/points?done={}", t.id)))
}

/// The settlement period.
#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: Option<String>,
}

/// `GET /console/points/settlement.xlsx?month=YYYY-MM`: the merchants' settlement statement
/// (admins; the current month by default).
pub async fn settlement_xlsx(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    if me.staff.role() != Role::Admin {
        return Err(AppError::forbidden());
    }
    let month = q
        .month
        .clone()
        .unwrap_or_else(|| rules::month_label(Utc::now()));
    let (from, to) = rules::month_range(&month).ok_or_else(|| AppError::invalid("month"))?;
    let mut conn = state.conn().await?;
    let lines = settlement::statement(&mut conn, &state.settings.points, from, to).await?;
    let bytes = settlement::xlsx(&lines, &month, locale).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"settlement-{month}.xlsx\""),
        ))
        .body(bytes))
}
