//! Grids: queries as methods.

use crate::db::schema::grids;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// A grid: level 1 street/town, 2 community/village, 3 compound.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = grids)]
pub struct Grid {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: i16,
    pub parent_id: Option<i64>,
    pub path: String,
    pub boundary: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new grid (path and timestamps come from the database).
#[derive(Debug, Insertable)]
#[diesel(table_name = grids)]
pub struct NewGrid<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub level: i16,
    pub parent_id: Option<i64>,
    pub boundary: Option<serde_json::Value>,
}

/// The check every grid code passes (also enforced by the database).
pub fn valid_code(code: &str) -> bool {
    let b = code.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_')
}

/// A filter on `grids.path` that keeps the grids in `scope` (`None`: everything), for any
/// query that joins `grids`: in SQL, so a limit counts only the rows the person may see.
pub fn path_in_scope<QS: 'static>(
    scope: &crate::grids::scope::Scope,
) -> Option<Box<dyn BoxableExpression<QS, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>>> {
    scope.like_patterns().map(|patterns| {
        Box::new(
            diesel::dsl::sql::<diesel::sql_types::Bool>("grids.path LIKE ANY(")
                .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(patterns)
                .sql(")"),
        )
            as Box<dyn BoxableExpression<QS, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>>
    })
}

impl Grid {
    /// Every grid, ordered by path (a depth-first walk of the tree).
    pub async fn all(conn: &mut AsyncPgConnection) -> AppResult<Vec<Grid>> {
        Ok(grids::table
            .select(Grid::as_select())
            .order(grids::path)
            .load(conn)
            .await?)
    }

    /// The grids of a staff member's scope at `min_level` or deeper, ordered by path (what
    /// their forms offer to choose from).
    pub async fn in_scope(
        conn: &mut AsyncPgConnection,
        scope: &crate::grids::scope::Scope,
        min_level: i16,
    ) -> AppResult<Vec<Grid>> {
        let mut q = grids::table
            .filter(grids::level.ge(min_level))
            .select(Grid::as_select())
            .order(grids::path)
            .into_boxed();
        if let Some(in_scope) = path_in_scope(scope) {
            q = q.filter(in_scope);
        }
        Ok(q.load(conn).await?)
    }

    /// One grid by id.
    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Grid> {
        Ok(grids::table
            .find(id)
            .select(Grid::as_select())
            .first(conn)
            .await?)
    }

    /// One grid by code, if any.
    pub async fn by_code(conn: &mut AsyncPgConnection, code: &str) -> AppResult<Option<Grid>> {
        Ok(grids::table
            .filter(grids::code.eq(code))
            .select(Grid::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// Grids by code (for imports: one round trip).
    pub async fn by_codes(conn: &mut AsyncPgConnection, codes: &[String]) -> AppResult<Vec<Grid>> {
        Ok(grids::table
            .filter(grids::code.eq_any(codes))
            .select(Grid::as_select())
            .load(conn)
            .await?)
    }

    /// The grid's ancestors and itself, root first.
    pub async fn lineage(&self, conn: &mut AsyncPgConnection) -> AppResult<Vec<Grid>> {
        let ids = crate::grids::scope::path_ids(&self.path);
        let mut found: Vec<Grid> = grids::table
            .filter(grids::id.eq_any(&ids))
            .select(Grid::as_select())
            .load(conn)
            .await?;
        found.sort_by_key(|g| g.level);
        Ok(found)
    }

    /// Direct children, by code.
    pub async fn children(&self, conn: &mut AsyncPgConnection) -> AppResult<Vec<Grid>> {
        Ok(grids::table
            .filter(grids::parent_id.eq(self.id))
            .select(Grid::as_select())
            .order(grids::code)
            .load(conn)
            .await?)
    }

    /// Create a grid. A duplicate code is a `conflict`; a parent of the wrong level is refused
    /// by the database trigger and reported as `invalid_input`.
    pub async fn create(conn: &mut AsyncPgConnection, new: NewGrid<'_>) -> AppResult<Grid> {
        if !valid_code(new.code) {
            return Err(AppError::invalid(
                "grid code: 1-32 upper-case letters, digits, '-' or '_'",
            ));
        }
        diesel::insert_into(grids::table)
            .values(&new)
            .returning(Grid::as_returning())
            .get_result(conn)
            .await
            .map_err(|e| match e {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ) => AppError::with_detail(
                    crate::error::ErrorCode::Conflict,
                    format!("grid code {} is taken", new.code),
                ),
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::CheckViolation,
                    info,
                ) => AppError::invalid(info.message().to_owned()),
                other => other.into(),
            })
    }

    /// Upsert by code (demo and scripted set-ups): name and boundary follow the input.
    pub async fn upsert(conn: &mut AsyncPgConnection, new: NewGrid<'_>) -> AppResult<Grid> {
        Ok(diesel::insert_into(grids::table)
            .values(&new)
            .on_conflict(grids::code)
            .do_update()
            .set((grids::name.eq(new.name), grids::boundary.eq(&new.boundary)))
            .returning(Grid::as_returning())
            .get_result(conn)
            .await?)
    }

    /// Replace (or clear) the boundary with an already validated GeoJSON geometry.
    pub async fn set_boundary(
        &self,
        conn: &mut AsyncPgConnection,
        boundary: Option<serde_json::Value>,
    ) -> AppResult<Grid> {
        Ok(diesel::update(grids::table.find(self.id))
            .set((
                grids::boundary.eq(boundary),
                grids::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Grid::as_returning())
            .get_result(conn)
            .await?)
    }

    /// Rename.
    pub async fn rename(&self, conn: &mut AsyncPgConnection, name: &str) -> AppResult<Grid> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid("grid name: 1-100 characters"));
        }
        Ok(diesel::update(grids::table.find(self.id))
            .set((grids::name.eq(name), grids::updated_at.eq(diesel::dsl::now)))
            .returning(Grid::as_returning())
            .get_result(conn)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn grid_codes() {
        assert!(super::valid_code("GY-01-02"));
        assert!(super::valid_code("A"));
        assert!(!super::valid_code(""));
        assert!(!super::valid_code("-GY"));
        assert!(!super::valid_code("gy"));
        assert!(!super::valid_code("网格"));
        assert!(!super::valid_code(&"A".repeat(33)));
    }
}
