//! The JSON API (`/api/v1`): the same operations as the console, for scripts and apps.
//! Errors are one object (`ErrorBody`: `{"error": code, "reason", "message"}`); writes need
//! the `X-CSRF-Token` header. Each handler carries its OpenAPI description
//! (`#[utoipa::path]`), collected by `web::openapi`.

pub mod figures;
pub mod reports;

use crate::codes::{manage, Code};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::grids::edit;
use crate::grids::households::{Household, HouseholdWithCode};
use crate::grids::Grid;
use crate::people::Permission;
use crate::web::auth::CurrentStaff;
use crate::web::error_response::ErrorBody;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

/// The signed-in account.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub staff: crate::people::Staff,
    /// The session's CSRF token: send it as `X-CSRF-Token` with every write.
    pub csrf: String,
}

/// A grid and its children.
#[derive(Serialize, utoipa::ToSchema)]
pub struct GridDetail {
    pub grid: Grid,
    pub children: Vec<Grid>,
}

/// `GET /api/v1/me`: the signed-in account and its CSRF token (for API writes).
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "session",
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "The account and the CSRF token for writes", body = Me),
        (status = 401, description = "`unauthenticated`: no staff session (sign in at `/console/login`)", body = ErrorBody),
        (status = 503, description = "`database_unavailable` / `redis_unavailable`", body = ErrorBody),
    )
)]
pub async fn me(me: CurrentStaff) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        staff: me.staff,
        csrf: me.session.csrf,
    })
}

/// `GET /api/v1/grids`: the grids in scope.
#[utoipa::path(
    get,
    path = "/api/v1/grids",
    tag = "grids",
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "Every grid in the account's scope", body = Vec<Grid>),
        (status = 401, description = "`unauthenticated`: no staff session", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not see grids", body = ErrorBody),
        (status = 503, description = "`database_unavailable` / `redis_unavailable`", body = ErrorBody),
    )
)]
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
#[utoipa::path(
    get,
    path = "/api/v1/grids/{id}",
    tag = "grids",
    params(("id" = i64, Path, description = "The grid's id")),
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "The grid and its children", body = GridDetail),
        (status = 401, description = "`unauthenticated`: no staff session", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not, or the grid is out of the account's scope", body = ErrorBody),
        (status = 404, description = "`not_found`: no such grid", body = ErrorBody),
        (status = 503, description = "`database_unavailable` / `redis_unavailable`", body = ErrorBody),
    )
)]
pub async fn grid(
    state: web::Data<AppState>,
    me: CurrentStaff,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let grid = edit::visible(&mut conn, &me.staff, &me.scope, *id).await?;
    let children = grid.children(&mut conn).await?;
    Ok(HttpResponse::Ok().json(GridDetail { grid, children }))
}

/// `GET /api/v1/grids/{id}/households`: the households of a compound (at most 10,000).
#[utoipa::path(
    get,
    path = "/api/v1/grids/{id}/households",
    tag = "grids",
    params(("id" = i64, Path, description = "The grid's id (a compound)")),
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "The grid's households, each with its active code if any", body = Vec<HouseholdWithCode>),
        (status = 401, description = "`unauthenticated`: no staff session", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not, or the grid is out of the account's scope", body = ErrorBody),
        (status = 404, description = "`not_found`: no such grid", body = ErrorBody),
        (status = 503, description = "`database_unavailable` / `redis_unavailable`", body = ErrorBody),
    )
)]
pub async fn households(
    state: web::Data<AppState>,
    me: CurrentStaff,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    me.require(Permission::ViewHouseholds)?;
    let mut conn = state.conn().await?;
    let grid = edit::visible(&mut conn, &me.staff, &me.scope, *id).await?;
    let list = Household::list_for_grid(&mut conn, grid.id, 0, 10_000).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The datum of a boundary's coordinates.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DatumQuery {
    /// `wgs84` (default, also when empty) or `gcj02` (China's offset maps); stored as WGS-84.
    #[serde(default)]
    #[param(max_length = 256)]
    datum: String,
}

/// `PUT /api/v1/grids/{id}/boundary[?datum=gcj02]`: body is GeoJSON (Polygon, MultiPolygon,
/// or a Feature/FeatureCollection holding one); `null` clears it. Stored as WGS-84.
#[utoipa::path(
    put,
    path = "/api/v1/grids/{id}/boundary",
    tag = "grids",
    params(("id" = i64, Path, description = "The grid's id"), DatumQuery),
    request_body(
        content = serde_json::Value,
        content_type = "application/json",
        description = "GeoJSON: a Polygon or MultiPolygon, or a Feature / FeatureCollection holding one; `null` clears the boundary",
    ),
    security(("staff_session" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "The grid with its new boundary", body = Grid),
        (status = 401, description = "`unauthenticated`: no staff session", body = ErrorBody),
        (status = 403, description = "`csrf_rejected`: no or a wrong `X-CSRF-Token`; `forbidden`: the role may not edit grids, or the grid is out of scope", body = ErrorBody),
        (status = 404, description = "`not_found`: no such grid", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the body is over the limit", body = ErrorBody),
        (status = 422, description = "`invalid_geojson`: not UTF-8 or not a usable polygon; `invalid_input`: an unknown `datum`", body = ErrorBody),
        (status = 503, description = "`database_unavailable` / `redis_unavailable`", body = ErrorBody),
    )
)]
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
    let grid = edit::set_boundary_as(&state.db, &me.staff, &me.scope, *id, text, &q.datum).await?;
    Ok(HttpResponse::Ok().json(grid))
}

/// Why a code is revoked or reissued (kept in the audit log).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReasonBody {
    /// Optional.
    #[serde(default)]
    #[schema(max_length = 2000)]
    reason: String,
}

/// `POST /api/v1/codes/{id}/revoke`: the code stops working at once.
#[utoipa::path(
    post,
    path = "/api/v1/codes/{id}/revoke",
    tag = "codes",
    params(("id" = i64, Path, description = "The code's id")),
    request_body(content = ReasonBody, content_type = "application/json"),
    security(("staff_session" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "The revoked code", body = Code),
        (status = 400, description = "`bad_request`: the body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no staff session", body = ErrorBody),
        (status = 403, description = "`csrf_rejected`: no or a wrong `X-CSRF-Token`; `forbidden`: the role may not manage codes, or the code is out of scope", body = ErrorBody),
        (status = 404, description = "`not_found`: no such code", body = ErrorBody),
        (status = 409, description = "`conflict`: the code is not active", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the body is over the limit", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `reason` too long or with a control character", body = ErrorBody),
        (status = 503, description = "`database_unavailable` / `redis_unavailable`", body = ErrorBody),
    )
)]
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

/// `POST /api/v1/codes/{id}/reissue`: revokes the code and returns its replacement.
#[utoipa::path(
    post,
    path = "/api/v1/codes/{id}/reissue",
    tag = "codes",
    params(("id" = i64, Path, description = "The code's id")),
    request_body(content = ReasonBody, content_type = "application/json"),
    security(("staff_session" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "The new code", body = Code),
        (status = 400, description = "`bad_request`: the body is not JSON of this shape", body = ErrorBody),
        (status = 401, description = "`unauthenticated`: no staff session", body = ErrorBody),
        (status = 403, description = "`csrf_rejected`: no or a wrong `X-CSRF-Token`; `forbidden`: the role may not manage codes, or the code is out of scope", body = ErrorBody),
        (status = 404, description = "`not_found`: no such code", body = ErrorBody),
        (status = 409, description = "`conflict`: the code is not active", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the body is over the limit", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `reason` too long or with a control character", body = ErrorBody),
        (status = 503, description = "`database_unavailable` / `redis_unavailable`", body = ErrorBody),
    )
)]
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

/// `GET /api/v1/codes/{id}`: one printed code.
#[utoipa::path(
    get,
    path = "/api/v1/codes/{id}",
    tag = "codes",
    params(("id" = i64, Path, description = "The code's id")),
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "The code", body = Code),
        (status = 401, description = "`unauthenticated`: no staff session", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role may not manage codes, or the code is out of scope", body = ErrorBody),
        (status = 404, description = "`not_found`: no such code", body = ErrorBody),
        (status = 503, description = "`database_unavailable` / `redis_unavailable`", body = ErrorBody),
    )
)]
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
