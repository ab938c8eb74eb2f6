//! Residents and their households: queries as methods, binding by code or by approval.

use crate::db::schema::{binding_requests, grids, household_members, households, residents};
use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// A resident.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = residents)]
pub struct Resident {
    pub id: i64,
    pub email: String,
    pub display_name: Option<String>,
    pub locale: String,
    pub notify_email: bool,
    pub created_at: DateTime<Utc>,
    /// Sessions started at or before this instant are dead (sign out everywhere).
    #[serde(skip)]
    pub sessions_valid_after: DateTime<Utc>,
}

/// A household a resident belongs to, with where it is.
#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    pub household_id: i64,
    pub door: String,
    pub grid_id: i64,
    pub grid_path: String,
    pub compound: String,
    pub bound_via: String,
}

/// How a binding attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindOutcome {
    Bound,
    AlreadyMember,
    WrongCode,
}

/// Normalise an email address for identity (trim, lower-case).
pub fn normalize_email(e: &str) -> String {
    e.trim().to_lowercase()
}

impl Resident {
    /// Whether the resident belongs to a household in the grid at `path` or below it: an award
    /// or anything else done to a resident "in a grid" needs this, not just the grid.
    pub async fn is_member_within(
        conn: &mut AsyncPgConnection,
        resident_id: i64,
        path: &str,
    ) -> AppResult<bool> {
        let n: i64 = household_members::table
            .inner_join(households::table.on(households::id.eq(household_members::household_id)))
            .inner_join(grids::table.on(grids::id.eq(households::grid_id)))
            .filter(household_members::resident_id.eq(resident_id))
            .filter(grids::path.like(format!("{path}%")))
            .count()
            .get_result(conn)
            .await?;
        Ok(n > 0)
    }

    /// Sign out everywhere: every session of this resident started before now is dead.
    pub async fn end_all_sessions(conn: &mut AsyncPgConnection, id: i64) -> AppResult<()> {
        diesel::update(residents::table.find(id))
            .set(residents::sessions_valid_after.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Find or create by email (sign-in is sign-up), recording the sign-in time.
    pub async fn sign_in(
        conn: &mut AsyncPgConnection,
        email: &str,
        locale: &str,
    ) -> AppResult<Resident> {
        Ok(diesel::insert_into(residents::table)
            .values((
                residents::email.eq(email),
                residents::locale.eq(locale),
                residents::last_sign_in_at.eq(Utc::now()),
            ))
            .on_conflict(residents::email)
            .do_update()
            .set(residents::last_sign_in_at.eq(Utc::now()))
            .returning(Resident::as_returning())
            .get_result(conn)
            .await?)
    }

    /// One resident.
    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Option<Resident>> {
        Ok(residents::table
            .find(id)
            .select(Resident::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// Several residents by id (for boards; unknown ids are left out).
    pub async fn many(conn: &mut AsyncPgConnection, ids: &[i64]) -> AppResult<Vec<Resident>> {
        Ok(residents::table
            .filter(residents::id.eq_any(ids))
            .select(Resident::as_select())
            .load(conn)
            .await?)
    }

    /// Mail preferences.
    pub async fn set_notify(&self, conn: &mut AsyncPgConnection, notify: bool) -> AppResult<()> {
        diesel::update(residents::table.find(self.id))
            .set(residents::notify_email.eq(notify))
            .execute(conn)
            .await?;
        Ok(())
    }

    /// The households this resident belongs to.
    pub async fn memberships(&self, conn: &mut AsyncPgConnection) -> AppResult<Vec<Membership>> {
        #[derive(Queryable)]
        struct Row(i64, String, String, String, i64, String, String, String);
        let rows: Vec<Row> = household_members::table
            .inner_join(households::table.inner_join(grids::table))
            .filter(household_members::resident_id.eq(self.id))
            .select((
                households::id,
                households::building,
                households::unit,
                households::room,
                grids::id,
                grids::path,
                grids::name,
                household_members::bound_via,
            ))
            .order(households::id)
            .load(conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |Row(household_id, b, u, r, grid_id, grid_path, compound, bound_via)| Membership {
                    household_id,
                    door: crate::grids::households::address_line(&b, &u, &r),
                    grid_id,
                    grid_path,
                    compound,
                    bound_via,
                },
            )
            .collect())
    }

    /// Whether this resident belongs to the household.
    pub async fn is_member(
        &self,
        conn: &mut AsyncPgConnection,
        household_id: i64,
    ) -> AppResult<bool> {
        Ok(diesel::select(diesel::dsl::exists(
            household_members::table.filter(
                household_members::household_id
                    .eq(household_id)
                    .and(household_members::resident_id.eq(self.id)),
            ),
        ))
        .get_result(conn)
        .await?)
    }

    /// Bind with the household's binding code (compared in constant time).
    pub async fn bind_with_code(
        &self,
        conn: &mut AsyncPgConnection,
        household_id: i64,
        code: &str,
    ) -> AppResult<BindOutcome> {
        if self.is_member(conn, household_id).await? {
            return Ok(BindOutcome::AlreadyMember);
        }
        let stored: Option<String> = households::table
            .find(household_id)
            .select(households::binding_code)
            .first(conn)
            .await?;
        let given = code.trim().to_ascii_uppercase().replace(['-', ' '], "");
        let Some(stored) = stored else {
            return Ok(BindOutcome::WrongCode);
        };
        if !crate::people::sessions::constant_time_eq(&given, &stored) {
            return Ok(BindOutcome::WrongCode);
        }
        diesel::insert_into(household_members::table)
            .values((
                household_members::household_id.eq(household_id),
                household_members::resident_id.eq(self.id),
                household_members::bound_via.eq("binding_code"),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(BindOutcome::Bound)
    }

    /// Ask the grid worker to approve "I live here" (one pending request at a time).
    pub async fn request_binding(
        &self,
        conn: &mut AsyncPgConnection,
        household_id: i64,
        note: &str,
    ) -> AppResult<bool> {
        let n = diesel::insert_into(binding_requests::table)
            .values((
                binding_requests::household_id.eq(household_id),
                binding_requests::resident_id.eq(self.id),
                binding_requests::note.eq(Some(note.trim()).filter(|n| !n.is_empty())),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(n > 0)
    }
}

/// Whether a resident may earn and spend points: `Err(NoSuchResident)` if there is no such
/// resident, `Err(NotBound)` if they belong to no household yet (binding is what lets a
/// resident act for a household).
pub async fn check_can_use_points(
    conn: &mut AsyncPgConnection,
    resident_id: i64,
) -> AppResult<Result<(), crate::points::PointsError>> {
    let exists: bool = diesel::select(diesel::dsl::exists(residents::table.find(resident_id)))
        .get_result(conn)
        .await?;
    if !exists {
        return Ok(Err(crate::points::PointsError::NoSuchResident));
    }
    let bound: bool = diesel::select(diesel::dsl::exists(
        household_members::table.filter(household_members::resident_id.eq(resident_id)),
    ))
    .get_result(conn)
    .await?;
    Ok(if bound {
        Ok(())
    } else {
        Err(crate::points::PointsError::NotBound)
    })
}

/// A pending request, for the console.
#[derive(Debug, Clone, Serialize)]
pub struct PendingRequest {
    pub id: i64,
    pub household_id: i64,
    pub door: String,
    pub compound: String,
    pub grid_path: String,
    pub email: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Pending binding requests (the caller filters by scope).
pub async fn pending_requests(conn: &mut AsyncPgConnection) -> AppResult<Vec<PendingRequest>> {
    #[derive(Queryable)]
    struct Row(
        i64,
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        DateTime<Utc>,
    );
    let rows: Vec<Row> = binding_requests::table
        .inner_join(households::table.inner_join(grids::table))
        .inner_join(residents::table)
        .filter(binding_requests::status.eq("pending"))
        .select((
            binding_requests::id,
            households::id,
            households::building,
            households::unit,
            households::room,
            grids::name,
            grids::path,
            residents::email,
            binding_requests::note,
            binding_requests::created_at,
        ))
        .order(binding_requests::created_at)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |Row(id, household_id, b, u, r, compound, grid_path, email, note, created_at)| {
                PendingRequest {
                    id,
                    household_id,
                    door: crate::grids::households::address_line(&b, &u, &r),
                    compound,
                    grid_path,
                    email,
                    note,
                    created_at,
                }
            },
        )
        .collect())
}

/// The grid path of a binding request's household (for scope checks).
pub async fn request_path(conn: &mut AsyncPgConnection, request_id: i64) -> AppResult<String> {
    Ok(binding_requests::table
        .inner_join(households::table.inner_join(grids::table))
        .filter(binding_requests::id.eq(request_id))
        .select(grids::path)
        .first(conn)
        .await?)
}

/// Approve or reject a pending request.
pub async fn decide_request(
    conn: &mut AsyncPgConnection,
    request_id: i64,
    approve: bool,
    staff_id: i64,
) -> AppResult<()> {
    conn.transaction(async |conn| {
        let req: Option<(i64, i64)> = binding_requests::table
            .filter(
                binding_requests::id
                    .eq(request_id)
                    .and(binding_requests::status.eq("pending")),
            )
            .select((
                binding_requests::household_id,
                binding_requests::resident_id,
            ))
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let Some((household_id, resident_id)) = req else {
            return Err(AppError::with_detail(
                ErrorCode::Conflict,
                "the request was already decided",
            ));
        };
        diesel::update(binding_requests::table.find(request_id))
            .set((
                binding_requests::status.eq(if approve { "approved" } else { "rejected" }),
                binding_requests::decided_at.eq(Utc::now()),
                binding_requests::decided_by.eq(staff_id),
            ))
            .execute(conn)
            .await?;
        if approve {
            diesel::insert_into(household_members::table)
                .values((
                    household_members::household_id.eq(household_id),
                    household_members::resident_id.eq(resident_id),
                    household_members::bound_via.eq("worker_approval"),
                    household_members::approved_by.eq(staff_id),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
        crate::audit::record(
            conn,
            Some(staff_id),
            if approve {
                "binding.approve"
            } else {
                "binding.reject"
            },
            "binding_request",
            request_id,
            serde_json::json!({ "household_id": household_id, "resident_id": resident_id }),
        )
        .await
    })
    .await
}

/// The residents bound to any household of a grid (a compound's board).
pub async fn in_grid(conn: &mut AsyncPgConnection, grid_id: i64) -> AppResult<Vec<i64>> {
    Ok(household_members::table
        .inner_join(households::table)
        .filter(households::grid_id.eq(grid_id))
        .select(household_members::resident_id)
        .distinct()
        .load(conn)
        .await?)
}

/// Members of a household (console).
pub async fn members(
    conn: &mut AsyncPgConnection,
    household_id: i64,
) -> AppResult<Vec<(i64, String, String, DateTime<Utc>)>> {
    Ok(household_members::table
        .inner_join(residents::table)
        .filter(household_members::household_id.eq(household_id))
        .select((
            residents::id,
            residents::email,
            household_members::bound_via,
            household_members::bound_at,
        ))
        .order(household_members::bound_at)
        .load(conn)
        .await?)
}

/// Staff remove a member from a household.
pub async fn unbind(
    conn: &mut AsyncPgConnection,
    household_id: i64,
    resident_id: i64,
    staff_id: i64,
) -> AppResult<bool> {
    let n = diesel::delete(
        household_members::table.filter(
            household_members::household_id
                .eq(household_id)
                .and(household_members::resident_id.eq(resident_id)),
        ),
    )
    .execute(conn)
    .await?;
    if n > 0 {
        crate::audit::record(
            conn,
            Some(staff_id),
            "binding.remove",
            "household",
            household_id,
            serde_json::json!({ "resident_id": resident_id }),
        )
        .await?;
    }
    Ok(n > 0)
}

/// Give every household without a binding code a new one (10 Crockford characters, ~50 bits:
/// guessing is also rate-limited per resident and household).
pub async fn ensure_binding_codes(conn: &mut AsyncPgConnection) -> AppResult<usize> {
    use diesel::sql_types::{Array, BigInt, Text};
    let ids: Vec<i64> = households::table
        .filter(households::binding_code.is_null())
        .select(households::id)
        .load(conn)
        .await?;
    let codes: Vec<String> = ids
        .iter()
        .map(|_| crate::codes::token::new_token()[..10].to_owned())
        .collect();
    diesel::sql_query("UPDATE households h SET binding_code = v.c FROM UNNEST($1::bigint[], $2::text[]) AS v(id, c) WHERE h.id = v.id")
        .bind::<Array<BigInt>, _>(&ids)
        .bind::<Array<Text>, _>(&codes)
        .execute(conn)
        .await?;
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn emails_normalise() {
        assert_eq!(
            super::normalize_email("  Zhang.San@Example.CN "),
            "zhang.san@example.cn"
        );
    }
}
