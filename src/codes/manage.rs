//! Staff operations on one code, shared by the console and the JSON API: find it within the
//! caller's scope, revoke it, reissue it. A change tells the scan pages itself.

use super::landing::LandingCache;
use super::Code;
use crate::db::DbPool;
use crate::error::{AppError, AppResult};
use crate::grids::scope::Scope;
use diesel_async::AsyncPgConnection;

/// A code and the path of its grid, if the grid is within `scope` (`not_found` for a
/// missing code, `forbidden` for another's).
pub async fn in_scope(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: i64,
) -> AppResult<(Code, String)> {
    let code = Code::find(conn, id).await?;
    let path = code.grid_path(conn).await?;
    if !scope.contains_path(&path) {
        return Err(AppError::forbidden());
    }
    Ok((code, path))
}

/// Revoke a code within `scope`; returns the revoked code and its grid's path.
pub async fn revoke(
    db: &DbPool,
    landing: &LandingCache,
    scope: &Scope,
    staff_id: i64,
    id: i64,
    reason: &str,
) -> AppResult<(Code, String)> {
    let mut conn = db.get().await?;
    let (code, path) = in_scope(&mut conn, scope, id).await?;
    let revoked = Code::revoke(&mut conn, code.id, staff_id, reason).await?;
    drop(conn);
    landing.changed(Some(&code.token)).await?;
    Ok((revoked, path))
}

/// Reissue a code within `scope` (the old one is revoked); returns the new code and its
/// grid's path.
pub async fn reissue(
    db: &DbPool,
    landing: &LandingCache,
    scope: &Scope,
    staff_id: i64,
    id: i64,
    reason: &str,
) -> AppResult<(Code, String)> {
    let mut conn = db.get().await?;
    let (code, path) = in_scope(&mut conn, scope, id).await?;
    let new = Code::reissue(&mut conn, code.id, staff_id, reason).await?;
    drop(conn);
    landing.changed(Some(&code.token)).await?;
    Ok((new, path))
}
