//! Staff operations on the grid tree, shared by the console and the JSON API: find a grid
//! within the caller's scope, add a child, rename, set or clear a boundary. Each records an
//! audit row; a change that scan pages show tells them itself.

use super::boundary;
use super::model::NewGrid;
use super::scope::Scope;
use super::Grid;
use crate::codes::landing::LandingCache;
use crate::db::DbPool;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::people::{Permission, Staff};
use diesel_async::AsyncPgConnection;

/// A grid, if it is within `scope` (`not_found` for a missing grid, `forbidden` for
/// another's).
pub async fn in_scope(conn: &mut AsyncPgConnection, scope: &Scope, id: i64) -> AppResult<Grid> {
    let grid = Grid::find(conn, id).await?;
    if !scope.contains_path(&grid.path) {
        return Err(AppError::forbidden());
    }
    Ok(grid)
}

/// A grid for `staff` to read: the role may view grids and the grid is within `scope`
/// (`forbidden` otherwise, `not_found` for a missing grid). The console's page and the API's
/// `GET` share it.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    staff: &Staff,
    scope: &Scope,
    id: i64,
) -> AppResult<Grid> {
    require(staff, Permission::ViewGrids)?;
    in_scope(conn, scope, id).await
}

/// Parse the datum (`wgs84`, `gcj02`; empty is WGS-84), check that `staff` may edit grids, and
/// store the boundary (the console's form and the API's `PUT` share it).
pub async fn set_boundary_as(
    db: &DbPool,
    staff: &Staff,
    scope: &Scope,
    id: i64,
    text: &str,
    datum: &str,
) -> AppResult<Grid> {
    let datum =
        boundary::Datum::parse(datum).ok_or_else(|| AppError::invalid("datum: wgs84 or gcj02"))?;
    require(staff, Permission::EditGrids)?;
    require(staff, Permission::ViewGrids)?;
    set_boundary(db, scope, staff.id, id, text, datum).await
}

fn require(staff: &Staff, p: Permission) -> AppResult<()> {
    if staff.can(p) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// Add a grid one level below `parent_id` (a compound, level 3, has none).
pub async fn create_child(
    db: &DbPool,
    scope: &Scope,
    staff_id: i64,
    parent_id: i64,
    code: &str,
    name: &str,
) -> AppResult<Grid> {
    let mut conn = db.get().await?;
    let parent = in_scope(&mut conn, scope, parent_id).await?;
    if parent.level >= 3 {
        return Err(AppError::invalid("a compound (level 3) has no child grids"));
    }
    let code = code.trim().to_ascii_uppercase();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("grid name: 1-100 characters"));
    }
    let child = Grid::create(
        &mut conn,
        NewGrid {
            code: &code,
            name,
            level: parent.level + 1,
            parent_id: Some(parent.id),
            boundary: None,
        },
    )
    .await?;
    crate::audit::record(
        &mut conn,
        Some(staff_id),
        "grid.create",
        "grid",
        child.id,
        serde_json::json!({ "code": code }),
    )
    .await?;
    Ok(child)
}

/// Rename a grid (scan pages show the name).
pub async fn rename(
    db: &DbPool,
    landing: &LandingCache,
    scope: &Scope,
    staff_id: i64,
    id: i64,
    name: &str,
) -> AppResult<Grid> {
    let mut conn = db.get().await?;
    let grid = in_scope(&mut conn, scope, id).await?;
    let renamed = grid.rename(&mut conn, name).await?;
    crate::audit::record(
        &mut conn,
        Some(staff_id),
        "grid.rename",
        "grid",
        grid.id,
        serde_json::json!({ "name": name.trim() }),
    )
    .await?;
    drop(conn);
    landing.changed(None).await?;
    Ok(renamed)
}

/// Validate and store a boundary drawn in `datum` (stored as WGS-84); empty text clears it.
pub async fn set_boundary(
    db: &DbPool,
    scope: &Scope,
    staff_id: i64,
    id: i64,
    text: &str,
    datum: boundary::Datum,
) -> AppResult<Grid> {
    let mut conn = db.get().await?;
    let grid = in_scope(&mut conn, scope, id).await?;
    let value = if text.trim().is_empty() {
        None
    } else {
        let mut v = boundary::validate(text)
            .map_err(|e| AppError::with_detail(ErrorCode::InvalidGeojson, e.0))?;
        boundary::to_wgs84(&mut v, datum);
        Some(v)
    };
    let updated = grid.set_boundary(&mut conn, value).await?;
    crate::audit::record(
        &mut conn,
        Some(staff_id),
        "grid.boundary",
        "grid",
        grid.id,
        serde_json::json!({ "cleared": updated.boundary.is_none() }),
    )
    .await?;
    Ok(updated)
}
