//! Revoke and reissue codes.

use super::see_other;
use crate::codes::Code;
use crate::error::AppResult;
use crate::people::Permission;
use crate::state::AppState;
use crate::web::auth::{CurrentStaff, StaffForm};
use actix_web::{web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}
crate::csrf_form!(CodeForm);

/// What a revoke or reissue may touch: a code in the staff member's scope.
pub async fn code_in_scope(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
) -> AppResult<(crate::db::DbConn, Code, String)> {
    me.require(Permission::ManageCodes)?;
    let mut conn = state.conn().await?;
    let code = Code::find(&mut conn, id).await?;
    let path = code.grid_path(&mut conn).await?;
    me.require_path(&path)?;
    Ok((conn, code, path))
}

/// Revoke; returns the code and the grid id to go back to.
pub async fn do_revoke(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    reason: &str,
) -> AppResult<(Code, String)> {
    let (mut conn, code, path) = code_in_scope(state, me, id).await?;
    let revoked = Code::revoke(&mut conn, code.id, me.staff.id, reason).await?;
    crate::web::landing::changed(state, Some(&code.token)).await?;
    Ok((revoked, path))
}

/// Reissue; returns the new code.
pub async fn do_reissue(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    reason: &str,
) -> AppResult<(Code, String)> {
    let (mut conn, code, path) = code_in_scope(state, me, id).await?;
    let new = Code::reissue(&mut conn, code.id, me.staff.id, reason).await?;
    crate::web::landing::changed(state, Some(&code.token)).await?;
    Ok((new, path))
}

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
    let (_, path) = do_revoke(&state, &f.staff, *id, &f.form.reason).await?;
    Ok(see_other(&back_to(&path)))
}

/// `POST /console/codes/{id}/reissue`
pub async fn reissue(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    f: StaffForm<CodeForm>,
) -> AppResult<HttpResponse> {
    let (_, path) = do_reissue(&state, &f.staff, *id, &f.form.reason).await?;
    Ok(see_other(&back_to(&path)))
}
