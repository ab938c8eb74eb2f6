//! Households: the doors of a level-3 grid.

use crate::db::schema::{codes, households};
use crate::error::AppResult;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// (id, token, check code) of an active code, as joined into listings.
type ActiveCode = (i64, String, String);

/// A household (one door).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = households)]
pub struct Household {
    pub id: i64,
    pub grid_id: i64,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

impl Household {
    /// The door's address line: 3号楼 2单元 501.
    pub fn address(&self) -> String {
        address_line(&self.building, &self.unit, &self.room)
    }
}

/// "building unit room", skipping an empty unit (bungalow areas have none).
pub fn address_line(building: &str, unit: &str, room: &str) -> String {
    [building, unit, room]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A household as listed in the console: with its active code, if any.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdWithCode {
    pub household: Household,
    pub code_id: Option<i64>,
    pub token: Option<String>,
    pub check_code: Option<String>,
}

/// One household to import (already validated).
pub struct HouseholdInput {
    pub grid_id: i64,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// What an upsert did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UpsertCounts {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl UpsertCounts {
    /// Sum two counts.
    pub fn add(&mut self, other: UpsertCounts) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

#[derive(QueryableByName)]
struct Upserted {
    #[diesel(sql_type = Bool)]
    inserted: bool,
}

impl Household {
    /// Households of a grid with their active codes, in address order, one page.
    pub async fn list_for_grid(
        conn: &mut AsyncPgConnection,
        grid_id: i64,
        offset: i64,
        limit: i64,
    ) -> AppResult<Vec<HouseholdWithCode>> {
        let rows: Vec<(Household, Option<ActiveCode>)> = households::table
            .left_join(
                codes::table.on(codes::household_id
                    .eq(households::id.nullable())
                    .and(codes::status.eq("active"))),
            )
            .filter(households::grid_id.eq(grid_id))
            .order((households::building, households::unit, households::room))
            .offset(offset)
            .limit(limit)
            .select((
                Household::as_select(),
                (codes::id, codes::token, codes::check_code).nullable(),
            ))
            .load(conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(household, code)| HouseholdWithCode {
                household,
                code_id: code.as_ref().map(|c| c.0),
                token: code.as_ref().map(|c| c.1.clone()),
                check_code: code.map(|c| c.2),
            })
            .collect())
    }

    /// How many households a grid has.
    pub async fn count_for_grid(conn: &mut AsyncPgConnection, grid_id: i64) -> AppResult<i64> {
        Ok(households::table
            .filter(households::grid_id.eq(grid_id))
            .count()
            .get_result(conn)
            .await?)
    }

    /// One household.
    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Household> {
        Ok(households::table
            .find(id)
            .select(Household::as_select())
            .first(conn)
            .await?)
    }

    /// Insert new households and update contacts that the input gives and that differ;
    /// a row identical to what is stored is left alone (so re-importing a file changes
    /// nothing). An empty contact in the input keeps the stored one.
    pub async fn upsert_many(
        conn: &mut AsyncPgConnection,
        rows: &[HouseholdInput],
    ) -> AppResult<UpsertCounts> {
        if rows.is_empty() {
            return Ok(UpsertCounts::default());
        }
        let returned: Vec<Upserted> = diesel::sql_query(
            "INSERT INTO households (grid_id, building, unit, room, contact_name, contact_phone)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
             ON CONFLICT (grid_id, building, unit, room) DO UPDATE SET
                 contact_name = COALESCE(EXCLUDED.contact_name, households.contact_name),
                 contact_phone = COALESCE(EXCLUDED.contact_phone, households.contact_phone),
                 updated_at = now()
             WHERE (EXCLUDED.contact_name IS NOT NULL AND EXCLUDED.contact_name IS DISTINCT FROM households.contact_name)
                OR (EXCLUDED.contact_phone IS NOT NULL AND EXCLUDED.contact_phone IS DISTINCT FROM households.contact_phone)
             RETURNING (xmax = 0) AS inserted",
        )
        .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.grid_id).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(rows.iter().map(|r| r.building.as_str()).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(rows.iter().map(|r| r.unit.as_str()).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(rows.iter().map(|r| r.room.as_str()).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(
            rows.iter().map(|r| r.contact_name.as_deref()).collect::<Vec<_>>(),
        )
        .bind::<Array<Nullable<Text>>, _>(
            rows.iter().map(|r| r.contact_phone.as_deref()).collect::<Vec<_>>(),
        )
        .load(conn)
        .await?;
        let inserted = returned.iter().filter(|r| r.inserted).count();
        let updated = returned.len() - inserted;
        Ok(UpsertCounts {
            inserted,
            updated,
            unchanged: rows.len() - returned.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn address_skips_empty_unit() {
        assert_eq!(
            super::address_line("3号楼", "2单元", "501"),
            "3号楼 2单元 501"
        );
        assert_eq!(super::address_line("1排", "", "12号"), "1排 12号");
    }
}
