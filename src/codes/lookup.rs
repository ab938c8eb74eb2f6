//! Finding a door or shop without scanning its code: staff filing for a household (代办) look
//! it up by building / unit / room or by the shop's name, within their scope only.

use super::model::ScanTarget;
use crate::error::AppResult;
use crate::grids::scope::Scope;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;

/// Longest search term per field (characters); a door's parts are short.
pub const MAX_TERM: usize = 40;
/// Most places one search lists.
pub const MAX_RESULTS: i64 = 30;

/// What to look for: a household by its door, or a shop by its name (empty = any).
#[derive(Debug, Default, Clone)]
pub struct PlaceQuery {
    pub building: String,
    pub unit: String,
    pub room: String,
    pub shop: String,
}

impl PlaceQuery {
    /// Whether anything was asked (an empty search lists nothing rather than a whole district).
    pub fn is_empty(&self) -> bool {
        [&self.building, &self.unit, &self.room, &self.shop]
            .iter()
            .all(|s| s.trim().is_empty())
    }

    /// Whether every term is within [`MAX_TERM`].
    pub fn is_bounded(&self) -> bool {
        [&self.building, &self.unit, &self.room, &self.shop]
            .iter()
            .all(|s| s.chars().count() <= MAX_TERM)
    }
}

/// `%term%` for `ILIKE`, with the pattern characters taken literally.
fn contains_pattern(term: &str) -> Option<String> {
    let t = term.trim();
    if t.is_empty() {
        return None;
    }
    let escaped: String = t
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Some(format!("%{escaped}%"))
}

/// Doors (a household query) or shops (a shop name) with an active code in `scope`, as a scan
/// of their code would show them; at most [`MAX_RESULTS`], by compound and door.
pub async fn places(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    q: &PlaceQuery,
) -> AppResult<Vec<ScanTarget>> {
    if q.is_empty() {
        return Ok(vec![]);
    }
    let shop = contains_pattern(&q.shop);
    let (building, unit, room) = (
        contains_pattern(&q.building),
        contains_pattern(&q.unit),
        contains_pattern(&q.room),
    );
    let household_search = building.is_some() || unit.is_some() || room.is_some();
    Ok(diesel::sql_query(
        "SELECT c.id AS code_id, c.token, c.check_code, c.kind,
                h.id AS household_id,
                CASE WHEN h.id IS NULL THEN NULL
                     ELSE concat_ws(' ', h.building, NULLIF(h.unit, ''), h.room) END AS door,
                s.id AS shop_id, s.name AS shop_name, s.address AS shop_address,
                s.accepts_points AS shop_accepts_points,
                g.id AS grid_id, g.path AS grid_path, g.name AS compound,
                p.name AS community, pp.name AS street
         FROM codes c
         LEFT JOIN households h ON h.id = c.household_id
         LEFT JOIN shops s ON s.id = c.shop_id
         JOIN grids g ON g.id = COALESCE(h.grid_id, s.grid_id)
         JOIN grids p ON p.id = g.parent_id
         JOIN grids pp ON pp.id = p.parent_id
         WHERE c.status = 'active'
           AND ($1::text[] IS NULL OR g.path LIKE ANY($1))
           AND (($2 AND h.id IS NOT NULL
                 AND ($3::text IS NULL OR h.building ILIKE $3)
                 AND ($4::text IS NULL OR h.unit ILIKE $4)
                 AND ($5::text IS NULL OR h.room ILIKE $5))
             OR ($6::text IS NOT NULL AND s.name ILIKE $6))
         ORDER BY g.code, s.name NULLS FIRST, h.building, h.unit, h.room
         LIMIT $7",
    )
    .bind::<Nullable<Array<Text>>, _>(scope.like_patterns())
    .bind::<diesel::sql_types::Bool, _>(household_search)
    .bind::<Nullable<Text>, _>(building)
    .bind::<Nullable<Text>, _>(unit)
    .bind::<Nullable<Text>, _>(room)
    .bind::<Nullable<Text>, _>(shop)
    .bind::<BigInt, _>(MAX_RESULTS)
    .load(conn)
    .await?)
}

/// The door ("3号楼 1单元 101") or shop name of codes, by code id (revoked codes too: a case
/// keeps the code it was made from).
pub async fn labels(
    conn: &mut AsyncPgConnection,
    code_ids: &[i64],
) -> AppResult<HashMap<i64, String>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        label: String,
    }
    if code_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT c.id, COALESCE(s.name, concat_ws(' ', h.building, NULLIF(h.unit, ''), h.room)) AS label
         FROM codes c
         LEFT JOIN households h ON h.id = c.household_id
         LEFT JOIN shops s ON s.id = c.shop_id
         WHERE c.id = ANY($1)",
    )
    .bind::<Array<BigInt>, _>(code_ids)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.label)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("  "), None);
        assert_eq!(contains_pattern(" 3号楼 ").as_deref(), Some("%3号楼%"));
        assert_eq!(contains_pattern("5%_").as_deref(), Some("%5\\%\\_%"));
    }

    #[test]
    fn empty_and_long_queries() {
        assert!(PlaceQuery::default().is_empty());
        let q = PlaceQuery {
            room: "101".into(),
            ..Default::default()
        };
        assert!(!q.is_empty() && q.is_bounded());
        let long = PlaceQuery {
            shop: "店".repeat(MAX_TERM + 1),
            ..Default::default()
        };
        assert!(!long.is_bounded());
    }
}
