//! Codes: what a code is, finding one and looking up a scan. Issuing, revoking and
//! reissuing are in `lifecycle`, the print-shop export in `export`.

use crate::db::schema::codes;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
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
}
