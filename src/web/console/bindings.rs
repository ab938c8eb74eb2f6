//! Household binding requests ("I live here" without the slip) and members.

use super::{base, see_other};
use crate::error::AppResult;
use crate::people::residents;
use crate::people::Permission;
use crate::web::auth::{CurrentStaff, StaffForm};
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::Deserialize;

/// `GET /console/bindings`: pending requests in my grids.
pub async fn index(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
) -> AppResult<HttpResponse> {
    me.require(Permission::ManageCodes)?;
    let mut conn = state.conn().await?;
    let pending: Vec<_> = residents::pending_requests(&mut conn)
        .await?
        .into_iter()
        .filter(|r| me.scope.contains_path(&r.grid_path))
        .collect();
    let ctx = minijinja::context! { pending => Serde(&pending), ..base(&me, "/console/bindings") };
    state.pages.page("console/bindings.html", locale, ctx)
}

#[derive(Deserialize)]
pub struct DecideForm {
    csrf: String,
    decision: String,
}
crate::csrf_form!(DecideForm);

/// `POST /console/bindings/{id}`: approve or reject (only in my grids).
pub async fn decide(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    f: StaffForm<DecideForm>,
) -> AppResult<HttpResponse> {
    f.staff.require(Permission::ManageCodes)?;
    let mut conn = state.conn().await?;
    let path = residents::request_path(&mut conn, *id).await?;
    f.staff.require_path(&path)?;
    residents::decide_request(
        &mut conn,
        *id,
        f.form.decision == "approve",
        f.staff.staff.id,
    )
    .await?;
    Ok(see_other("/console/bindings"))
}

/// `GET /console/households/{id}`: members, binding code, unbinding.
pub async fn household(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    me.require(Permission::ViewGrids)?;
    let mut conn = state.conn().await?;
    let h = crate::grids::households::Household::find(&mut conn, *id).await?;
    let grid = crate::grids::Grid::find(&mut conn, h.grid_id).await?;
    me.require_grid(&grid)?;
    let members = residents::members(&mut conn, h.id).await?;
    let binding_code: Option<String> = {
        use crate::db::schema::households;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        households::table
            .find(h.id)
            .select(households::binding_code)
            .first(&mut conn)
            .await?
    };
    let self_path = format!("/console/households/{}", h.id);
    let ctx = minijinja::context! {
        household => Serde(&h), grid => Serde(&grid), members => Serde(&members),
        binding_code => binding_code.filter(|_| me.staff.can(Permission::ManageCodes)),
        can_unbind => me.staff.can(Permission::ManageCodes),
        ..base(&me, &self_path)
    };
    state.pages.page("console/household.html", locale, ctx)
}

#[derive(Deserialize)]
pub struct UnbindForm {
    csrf: String,
    resident_id: i64,
}
crate::csrf_form!(UnbindForm);

/// `POST /console/households/{id}/unbind`
pub async fn unbind(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    f: StaffForm<UnbindForm>,
) -> AppResult<HttpResponse> {
    f.staff.require(Permission::ManageCodes)?;
    let mut conn = state.conn().await?;
    let h = crate::grids::households::Household::find(&mut conn, *id).await?;
    let grid = crate::grids::Grid::find(&mut conn, h.grid_id).await?;
    f.staff.require_grid(&grid)?;
    residents::unbind(&mut conn, h.id, f.form.resident_id, f.staff.staff.id).await?;
    Ok(see_other(&format!("/console/households/{}", h.id)))
}
