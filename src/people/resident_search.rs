//! Finding bound residents by what staff know of them (door, householder's name, email),
//! within the staff member's grids, so awarding points never asks for an internal number.

use crate::error::AppResult;
use crate::grids::scope::Scope;
use diesel::sql_types::{Array, BigInt, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// Longest search text, in characters.
pub const MAX_QUERY_CHARS: usize = 50;
/// Most residents one search lists.
pub const MAX_RESULTS: i64 = 20;

/// A resident bound to a household in scope.
#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct FoundResident {
    #[diesel(sql_type = BigInt)]
    pub resident_id: i64,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub compound: String,
    #[diesel(sql_type = Text)]
    pub door: String,
    /// The community grid (points are awarded from its issuer).
    #[diesel(sql_type = BigInt)]
    pub grid_id: i64,
}

/// Bound residents whose email, door (compound, building, unit, room) or household contact
/// name contains `text`, in `scope`, by door order. An empty text finds nobody.
pub async fn search(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    text: &str,
) -> AppResult<Vec<FoundResident>> {
    let text: String = text.trim().chars().take(MAX_QUERY_CHARS).collect();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    // LIKE's own characters are taken literally.
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let compact = format!("%{}%", escaped.replace(' ', ""));
    Ok(diesel::sql_query(
        "SELECT r.id AS resident_id, r.email, g.name AS compound,
                concat_ws(' ', h.building, NULLIF(h.unit, ''), h.room) AS door, h.grid_id
         FROM household_members m
         JOIN residents r ON r.id = m.resident_id
         JOIN households h ON h.id = m.household_id
         JOIN grids g ON g.id = h.grid_id
         WHERE ($1::text[] IS NULL OR g.path LIKE ANY($1))
           AND (r.email ILIKE $2 OR h.contact_name ILIKE $2
                OR concat_ws(' ', g.name, h.building, h.unit, h.room) ILIKE $2
                OR concat(g.name, h.building, h.unit, h.room) ILIKE $3)
         ORDER BY g.path, h.building, h.unit, h.room, r.id
         LIMIT $4",
    )
    .bind::<Nullable<Array<Text>>, _>(scope.like_patterns())
    .bind::<Text, _>(&pattern)
    .bind::<Text, _>(&compact)
    .bind::<BigInt, _>(MAX_RESULTS)
    .load(conn)
    .await?)
}
