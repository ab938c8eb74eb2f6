//! The JSON API (`/api/v1`): the same operations as the console, for scripts and apps.
//! Errors are `{"error": code, "message"}`; writes need the `X-CSRF-Token` header.

use crate::codes::manage;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::grids::households::Household;
use crate::grids::Grid;
use crate::people::Permission;
use crate::web::auth::CurrentStaff;
use crate::web::console::grids::{apply_boundary, grid_in_scope};
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

/// `GET /api/v1/me`: the signed-in account and its CSRF token (for API writes).
pub async fn me(me: CurrentStaff) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "staff": me.staff,
        "csrf": me.session.csrf,
    }))
}

/// `GET /api/v1/grids`: the grids in scope.
pub async fn grids(state: web::Data<AppState>, me: CurrentStaff) -> AppResult<HttpResponse> {
    me.require(crate::people::Permission::ViewGrids)?;
    let mut conn = state.conn().await?;
    let grids: Vec<Grid> = Grid::all(&mut conn)
        .await?
        .into_iter()
        .filter(|g| me.scope.contains_path(&g.path))
        .collect();
    Ok(HttpResponse::Ok().json(grids))
}

/// `GET /api/v1/grids/{id}`: one grid and its children.
pub async fn grid(
    state: web::Data<AppState>,
    me: CurrentStaff,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let grid = grid_in_scope(&mut conn, &me, *id).await?;
    let children = grid.children(&mut conn).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "grid": grid, "children": children })))
}

/// `GET /api/v1/grids/{id}/households`: the households of a compound with their codes.
pub async fn households(
    state: web::Data<AppState>,
    me: CurrentStaff,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    me.require(Permission::ViewHouseholds)?;
    let mut conn = state.conn().await?;
    let grid = grid_in_scope(&mut conn, &me, *id).await?;
    let list = Household::list_for_grid(&mut conn, grid.id, 0, 10_000).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Deserialize)]
pub struct DatumQuery {
    #[serde(default)]
    datum: String,
}

/// `PUT /api/v1/grids/{id}/boundary[?datum=gcj02]`: body is GeoJSON (Polygon, MultiPolygon,
/// or a Feature/FeatureCollection holding one); `null` clears it. Stored as WGS-84.
pub async fn put_boundary(
    state: web::Data<AppState>,
    me: CurrentStaff,
    id: web::Path<i64>,
    q: web::Query<DatumQuery>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::with_detail(ErrorCode::InvalidGeojson, "not UTF-8"))?;
    let text = if text.trim() == "null" { "" } else { text };
    let grid = apply_boundary(&state, &me, *id, text, &q.datum).await?;
    Ok(HttpResponse::Ok().json(grid))
}

#[derive(Deserialize)]
pub struct ReasonBody {
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/codes/{id}/revoke`
pub async fn revoke(
    state: web::Data<AppState>,
    me: CurrentStaff,
    id: web::Path<i64>,
    body: crate::web::input::Json<ReasonBody>,
) -> AppResult<HttpResponse> {
    me.require(Permission::ManageCodes)?;
    let (code, _) = manage::revoke(
        &state.db,
        &state.landing,
        &me.scope,
        me.staff.id,
        *id,
        &body.0.reason,
    )
    .await?;
    Ok(HttpResponse::Ok().json(code))
}

/// `POST /api/v1/codes/{id}/reissue`: returns the new code.
pub async fn reissue(
    state: web::Data<AppState>,
    me: CurrentStaff,
    id: web::Path<i64>,
    body: crate::web::input::Json<ReasonBody>,
) -> AppResult<HttpResponse> {
    me.require(Permission::ManageCodes)?;
    let (code, _) = manage::reissue(
        &state.db,
        &state.landing,
        &me.scope,
        me.staff.id,
        *id,
        &body.0.reason,
    )
    .await?;
    Ok(HttpResponse::Ok().json(code))
}

/// `GET /api/v1/codes/{id}`
pub async fn code(
    state: web::Data<AppState>,
    me: CurrentStaff,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    me.require(Permission::ManageCodes)?;
    let mut conn = state.conn().await?;
    let (code, _) = manage::in_scope(&mut conn, &me.scope, *id).await?;
    Ok(HttpResponse::Ok().json(code))
}
