//! Shops: the counters of a level-3 grid.

use crate::db::schema::{codes, shops};
use crate::error::AppResult;
use crate::grids::households::UpsertCounts;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// (id, token, check code) of an active code, as joined into listings.
type ActiveCode = (i64, String, String);

/// A shop.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = shops)]
pub struct Shop {
    pub id: i64,
    pub grid_id: i64,
    pub name: String,
    pub address: String,
    pub accepts_points: bool,
    pub contact_phone: Option<String>,
}

/// A shop as listed in the console: with its active code, if any.
#[derive(Debug, Clone, Serialize)]
pub struct ShopWithCode {
    pub shop: Shop,
    pub code_id: Option<i64>,
    pub token: Option<String>,
    pub check_code: Option<String>,
}

/// One shop to import (already validated).
pub struct ShopInput {
    pub grid_id: i64,
    pub name: String,
    pub address: String,
    pub accepts_points: bool,
    pub contact_phone: Option<String>,
}

#[derive(QueryableByName)]
struct Upserted {
    #[diesel(sql_type = Bool)]
    inserted: bool,
}

impl Shop {
    /// Shops of a grid with their active codes.
    pub async fn list_for_grid(
        conn: &mut AsyncPgConnection,
        grid_id: i64,
    ) -> AppResult<Vec<ShopWithCode>> {
        let rows: Vec<(Shop, Option<ActiveCode>)> = shops::table
            .left_join(
                codes::table.on(codes::shop_id
                    .eq(shops::id.nullable())
                    .and(codes::status.eq("active"))),
            )
            .filter(shops::grid_id.eq(grid_id))
            .order(shops::name)
            .select((
                Shop::as_select(),
                (codes::id, codes::token, codes::check_code).nullable(),
            ))
            .load(conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(shop, code)| ShopWithCode {
                shop,
                code_id: code.as_ref().map(|c| c.0),
                token: code.as_ref().map(|c| c.1.clone()),
                check_code: code.map(|c| c.2),
            })
            .collect())
    }

    /// Shops that accept points in the community of the grid at `near_path` (a resident's
    /// compound), with their compound's name: the same compound first, then by name.
    pub async fn accepting_points_near(
        conn: &mut AsyncPgConnection,
        near_path: &str,
        limit: i64,
    ) -> AppResult<Vec<(Shop, String)>> {
        use crate::db::schema::grids;
        let ids = crate::grids::scope::path_ids(near_path);
        let [street, community, ..] = ids[..] else {
            return Ok(Vec::new());
        };
        let near_grid = ids.last().copied().unwrap_or_default();
        Ok(shops::table
            .inner_join(grids::table)
            .filter(shops::accepts_points.eq(true))
            .filter(grids::path.like(format!("/{street}/{community}/%")))
            .order((shops::grid_id.eq(near_grid).desc(), shops::name, shops::id))
            .limit(limit)
            .select((Shop::as_select(), grids::name))
            .load(conn)
            .await?)
    }

    /// One shop.
    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Shop> {
        Ok(shops::table
            .find(id)
            .select(Shop::as_select())
            .first(conn)
            .await?)
    }

    /// One shop by grid and name (demo set-up: cashiers name their shop).
    pub async fn by_name(
        conn: &mut AsyncPgConnection,
        grid_id: i64,
        name: &str,
    ) -> AppResult<Option<Shop>> {
        Ok(shops::table
            .filter(shops::grid_id.eq(grid_id).and(shops::name.eq(name)))
            .select(Shop::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// Insert new shops; update `accepts_points` and a given phone where they differ; leave
    /// identical rows alone.
    pub async fn upsert_many(
        conn: &mut AsyncPgConnection,
        rows: &[ShopInput],
    ) -> AppResult<UpsertCounts> {
        if rows.is_empty() {
            return Ok(UpsertCounts::default());
        }
        let returned: Vec<Upserted> = diesel::sql_query(
            "INSERT INTO shops (grid_id, name, address, accepts_points, contact_phone)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::bool[], $5::text[])
             ON CONFLICT (grid_id, name, address) DO UPDATE SET
                 accepts_points = EXCLUDED.accepts_points,
                 contact_phone = COALESCE(EXCLUDED.contact_phone, shops.contact_phone),
                 updated_at = now()
             WHERE EXCLUDED.accepts_points IS DISTINCT FROM shops.accepts_points
                OR (EXCLUDED.contact_phone IS NOT NULL AND EXCLUDED.contact_phone IS DISTINCT FROM shops.contact_phone)
             RETURNING (xmax = 0) AS inserted",
        )
        .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.grid_id).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(rows.iter().map(|r| r.address.as_str()).collect::<Vec<_>>())
        .bind::<Array<Bool>, _>(rows.iter().map(|r| r.accepts_points).collect::<Vec<_>>())
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
