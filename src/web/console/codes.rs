//! Revoke and reissue codes.

use super::see_other;
use crate::codes::manage;
use crate::error::AppResult;
use crate::people::Permission;
use crate::web::auth::StaffForm;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}
crate::csrf_form!(CodeForm);

fn back_to(path: &str) -> String {
    let id = crate::grids::scope::path_ids(path)
        .last()
        .copied()
        .unwrap_or_default();
    format!("/console/grids/{id}")
}

/// `POST /console/codes/{id}/revoke`
pub async fn revoke(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    f: StaffForm<CodeForm>,
) -> AppResult<HttpResponse> {
    let me = &f.staff;
    me.require(Permission::ManageCodes)?;
    let (_, path) = manage::revoke(
        &state.db,
        &state.landing,
        &me.scope,
        me.staff.id,
        *id,
        &f.form.reason,
    )
    .await?;
    Ok(see_other(&back_to(&path)))
}

/// `POST /console/codes/{id}/reissue`
pub async fn reissue(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    f: StaffForm<CodeForm>,
) -> AppResult<HttpResponse> {
    let me = &f.staff;
    me.require(Permission::ManageCodes)?;
    let (_, path) = manage::reissue(
        &state.db,
        &state.landing,
        &me.scope,
        me.staff.id,
        *id,
        &f.form.reason,
    )
    .await?;
    Ok(see_other(&back_to(&path)))
}
