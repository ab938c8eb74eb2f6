//! Codes: issue, revoke, reissue, look up a scan, export for printing.

use super::token::{new_check_code, new_token};
use crate::audit;
use crate::db::schema::codes;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// What a code is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    Household,
    Shop,
}

impl CodeKind {
    /// Parse "household" / "shop".
    pub fn parse(s: &str) -> Option<CodeKind> {
        match s {
            "household" => Some(CodeKind::Household),
            "shop" => Some(CodeKind::Shop),
            _ => None,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeKind::Household => "household",
            CodeKind::Shop => "shop",
        }
    }
}

/// A code row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = codes)]
pub struct Code {
    pub id: i64,
    pub token: String,
    pub check_code: String,
    pub household_id: Option<i64>,
    pub shop_id: Option<i64>,
    pub kind: String,
    pub status: String,
    pub issued_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What a scan of an active code is about: the place, without anything personal.
#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct ScanTarget {
    #[diesel(sql_type = BigInt)]
    pub code_id: i64,
    #[diesel(sql_type = Text)]
    pub token: String,
    #[diesel(sql_type = Text)]
    pub check_code: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub household_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub door: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub shop_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub shop_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub shop_address: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub shop_accepts_points: Option<bool>,
    #[diesel(sql_type = BigInt)]
    pub grid_id: i64,
    #[diesel(sql_type = Text)]
    pub grid_path: String,
    #[diesel(sql_type = Text)]
    pub compound: String,
    #[diesel(sql_type = Text)]
    pub community: String,
    #[diesel(sql_type = Text)]
    pub street: String,
}

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

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

impl Code {
    /// One code by id.
    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Code> {
        Ok(codes::table
            .find(id)
            .select(Code::as_select())
            .first(conn)
            .await?)
    }

    /// The active code of a household or shop.
    pub async fn active_for(
        conn: &mut AsyncPgConnection,
        kind: CodeKind,
        subject_id: i64,
    ) -> AppResult<Option<Code>> {
        let q = codes::table
            .filter(codes::status.eq("active"))
            .select(Code::as_select());
        Ok(match kind {
            CodeKind::Household => {
                q.filter(codes::household_id.eq(subject_id))
                    .first(conn)
                    .await
            }
            CodeKind::Shop => q.filter(codes::shop_id.eq(subject_id)).first(conn).await,
        }
        .optional()?)
    }

    /// The grid path of the household or shop the code is on (for scope checks).
    pub async fn grid_path(&self, conn: &mut AsyncPgConnection) -> AppResult<String> {
        use crate::db::schema::{grids, households, shops};
        Ok(match (self.household_id, self.shop_id) {
            (Some(h), _) => {
                households::table
                    .inner_join(grids::table)
                    .filter(households::id.eq(h))
                    .select(grids::path)
                    .first(conn)
                    .await?
            }
            (_, Some(s)) => {
                shops::table
                    .inner_join(grids::table)
                    .filter(shops::id.eq(s))
                    .select(grids::path)
                    .first(conn)
                    .await?
            }
            _ => return Err(AppError::internal(anyhow::anyhow!("code without subject"))),
        })
    }

    /// The place an active token opens, or `None` for an unknown or revoked token (the
    /// caller shows both the same way).
    pub async fn scan(conn: &mut AsyncPgConnection, token: &str) -> AppResult<Option<ScanTarget>> {
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
             WHERE c.token = $1 AND c.status = 'active'",
        )
        .bind::<Text, _>(token)
        .get_result(conn)
        .await
        .optional()?)
    }

    /// Give every household and shop without an active code a new one. Returns how many
    /// codes were issued. Safe to run concurrently: the partial unique indexes refuse a
    /// second active code, and such rows are skipped.
    pub async fn issue_missing(conn: &mut AsyncPgConnection, by: Option<i64>) -> AppResult<usize> {
        let households: Vec<Id> = diesel::sql_query(
            "SELECT h.id FROM households h WHERE NOT EXISTS
               (SELECT 1 FROM codes c WHERE c.household_id = h.id AND c.status = 'active')",
        )
        .load(conn)
        .await?;
        let shops: Vec<Id> = diesel::sql_query(
            "SELECT s.id FROM shops s WHERE NOT EXISTS
               (SELECT 1 FROM codes c WHERE c.shop_id = s.id AND c.status = 'active')",
        )
        .load(conn)
        .await?;
        let mut issued = 0;
        for chunk in households.chunks(2000) {
            issued += insert_codes(conn, chunk.iter().map(|i| i.id).collect(), vec![], by).await?;
        }
        for chunk in shops.chunks(2000) {
            issued += insert_codes(conn, vec![], chunk.iter().map(|i| i.id).collect(), by).await?;
        }
        // Every door also gets the secret binding code for its household's slip.
        crate::people::residents::ensure_binding_codes(conn).await?;
        Ok(issued)
    }

    /// Revoke an active code. The page it opens becomes the neutral "no longer valid" page.
    pub async fn revoke(
        conn: &mut AsyncPgConnection,
        id: i64,
        by: i64,
        reason: &str,
    ) -> AppResult<Code> {
        let reason = clean_reason(reason)?;
        conn.transaction(async move |conn| {
            let code = revoke_in_tx(conn, id, by, &reason).await?;
            audit::record(
                conn,
                Some(by),
                "code.revoke",
                "code",
                id,
                serde_json::json!({ "reason": reason }),
            )
            .await?;
            Ok(code)
        })
        .await
    }

    /// Revoke the code (if still active) and issue a new one for the same door or shop.
    /// Used for damaged or leaked codes; an intact code is simply reprinted instead.
    pub async fn reissue(
        conn: &mut AsyncPgConnection,
        id: i64,
        by: i64,
        reason: &str,
    ) -> AppResult<Code> {
        let reason = clean_reason(reason)?;
        conn.transaction(async move |conn| {
            let old = codes::table
                .find(id)
                .select(Code::as_select())
                .for_update()
                .first(conn)
                .await?;
            if old.status == "active" {
                revoke_in_tx(conn, id, by, &reason).await?;
            }
            let (kind, subject) = match (old.household_id, old.shop_id) {
                (Some(h), _) => (CodeKind::Household, h),
                (_, Some(s)) => (CodeKind::Shop, s),
                _ => return Err(AppError::internal(anyhow::anyhow!("code without subject"))),
            };
            if Code::active_for(conn, kind, subject).await?.is_some() {
                // Another code was issued meanwhile (an older code was reissued twice):
                // the subject already has its one active code.
                return Err(AppError::with_detail(
                    crate::error::ErrorCode::Conflict,
                    "this door or shop already has an active code",
                ));
            }
            let (h, s) = match kind {
                CodeKind::Household => (vec![subject], vec![]),
                CodeKind::Shop => (vec![], vec![subject]),
            };
            insert_codes(conn, h, s, Some(by)).await?;
            let new = Code::active_for(conn, kind, subject)
                .await?
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("reissued code missing")))?;
            audit::record(
                conn,
                Some(by),
                "code.reissue",
                "code",
                id,
                serde_json::json!({ "reason": reason, "new_code_id": new.id }),
            )
            .await?;
            Ok(new)
        })
        .await
    }

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

fn clean_reason(reason: &str) -> AppResult<String> {
    let reason = reason.trim();
    if reason.chars().count() > 200 {
        return Err(AppError::invalid("reason: at most 200 characters"));
    }
    Ok(reason.to_owned())
}

async fn revoke_in_tx(
    conn: &mut AsyncPgConnection,
    id: i64,
    by: i64,
    reason: &str,
) -> AppResult<Code> {
    let updated = diesel::update(codes::table.find(id).filter(codes::status.eq("active")))
        .set((
            codes::status.eq("revoked"),
            codes::revoked_at.eq(diesel::dsl::now),
            codes::revoked_by.eq(by),
            codes::revoke_reason.eq((!reason.is_empty()).then_some(reason)),
        ))
        .returning(Code::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    match updated {
        Some(code) => Ok(code),
        None => {
            // Tell "no such code" from "already revoked".
            Code::find(conn, id).await?;
            Err(AppError::with_detail(
                crate::error::ErrorCode::Conflict,
                "the code is already revoked",
            ))
        }
    }
}

/// Insert one new code per household id and per shop id; rows that meanwhile got an active
/// code are skipped (`ON CONFLICT DO NOTHING` on the partial unique indexes).
async fn insert_codes(
    conn: &mut AsyncPgConnection,
    household_ids: Vec<i64>,
    shop_ids: Vec<i64>,
    by: Option<i64>,
) -> AppResult<usize> {
    let n = household_ids.len() + shop_ids.len();
    if n == 0 {
        return Ok(0);
    }
    let tokens: Vec<String> = (0..n).map(|_| new_token()).collect();
    let checks: Vec<String> = (0..n).map(|_| new_check_code()).collect();
    let hh: Vec<Option<i64>> = household_ids
        .iter()
        .map(|h| Some(*h))
        .chain(shop_ids.iter().map(|_| None))
        .collect();
    let ss: Vec<Option<i64>> = household_ids
        .iter()
        .map(|_| None)
        .chain(shop_ids.iter().map(|s| Some(*s)))
        .collect();
    Ok(diesel::sql_query(
        "INSERT INTO codes (token, check_code, household_id, shop_id, issued_by)
         SELECT t, c, h, s, $5 FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS u(t, c, h, s)
         ON CONFLICT DO NOTHING",
    )
    .bind::<Array<Text>, _>(tokens)
    .bind::<Array<Text>, _>(checks)
    .bind::<Array<Nullable<BigInt>>, _>(hh)
    .bind::<Array<Nullable<BigInt>>, _>(ss)
    .bind::<Nullable<BigInt>, _>(by)
    .execute(conn)
    .await?)
}
