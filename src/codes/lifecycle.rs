//! A code's life: issued to every household and shop without one, revoked (a lost or
//! defaced label), reissued (a new token for the same door). Each change is audited and
//! safe to run concurrently (the partial unique indexes refuse a second active code).

use super::model::{Code, CodeKind};
use super::token::{new_check_code, new_token};
use crate::audit;
use crate::db::schema::codes;
use crate::error::{AppError, AppResult};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

impl Code {
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
