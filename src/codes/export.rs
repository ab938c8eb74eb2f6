//! The print-shop export: every active code with its label and place, by grid.

use super::model::{Code, CodeKind};
use crate::error::AppResult;
use diesel::sql_types::{Array, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// A row of the print-shop export.
#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct ExportRow {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub label: String,
    #[diesel(sql_type = Text)]
    pub grid_path: String,
    #[diesel(sql_type = Text)]
    pub token: String,
    #[diesel(sql_type = Text)]
    pub check_code: String,
    #[diesel(sql_type = Text)]
    pub grid_code: String,
}

impl Code {
    /// Active codes for the print shop, optionally limited to grids (by code, any level,
    /// including their subtrees) and a kind. Ordered by grid, then address.
    pub async fn export_rows(
        conn: &mut AsyncPgConnection,
        grid_codes: &[String],
        kind: Option<CodeKind>,
    ) -> AppResult<Vec<ExportRow>> {
        Ok(diesel::sql_query(
            "WITH roots AS (SELECT path FROM grids WHERE code = ANY($1))
             SELECT c.kind,
                    CASE WHEN c.kind = 'shop' THEN s.name
                         ELSE concat_ws(' ', h.building, NULLIF(h.unit, ''), h.room) END AS label,
                    concat_ws(' / ', pp.name, p.name, g.name) AS grid_path,
                    c.token, c.check_code, g.code AS grid_code
             FROM codes c
             LEFT JOIN households h ON h.id = c.household_id
             LEFT JOIN shops s ON s.id = c.shop_id
             JOIN grids g ON g.id = COALESCE(h.grid_id, s.grid_id)
             JOIN grids p ON p.id = g.parent_id
             JOIN grids pp ON pp.id = p.parent_id
             WHERE c.status = 'active'
               AND ($2::text IS NULL OR c.kind = $2)
               AND (cardinality($1) = 0 OR EXISTS (SELECT 1 FROM roots r WHERE g.path LIKE r.path || '%'))
             ORDER BY g.path, c.kind, h.building, h.unit, h.room, s.name",
        )
        .bind::<Array<Text>, _>(grid_codes)
        .bind::<Nullable<Text>, _>(kind.map(|k| k.as_str()))
        .load(conn)
        .await?)
    }
}
