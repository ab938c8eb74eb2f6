//! Staff accounts: queries as methods.

use super::roles::{Permission, Role};
use crate::db::schema::{grids, staff, staff_grids};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::grids::scope::Scope;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// A staff account.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = staff)]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: String,
    pub department: Option<String>,
    pub shop_id: Option<i64>,
    #[serde(skip)]
    pub password_hash: String,
    pub active: bool,
    /// Sessions started at or before this instant are dead (sign out everywhere).
    #[serde(skip)]
    pub sessions_valid_after: chrono::DateTime<chrono::Utc>,
}

/// A new account (the password is hashed by [`Staff::create`]).
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub department: Option<String>,
    pub shop_id: Option<i64>,
    pub password: String,
    pub grid_ids: Vec<i64>,
}

/// The check every user name passes (also enforced by the database).
pub fn valid_username(u: &str) -> bool {
    let b = u.as_bytes();
    (2..=64).contains(&b.len())
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
}

impl Staff {
    /// Sign out everywhere: every session of this account started before now is dead.
    pub async fn end_all_sessions(conn: &mut AsyncPgConnection, id: i64) -> AppResult<()> {
        diesel::update(staff::table.find(id))
            .set(staff::sessions_valid_after.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
        Ok(())
    }

    /// The role (the database allows only known names).
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::MerchantCashier)
    }

    /// Whether the role allows `p`.
    pub fn can(&self, p: Permission) -> bool {
        self.active && self.role().allows(p)
    }

    /// An active account by user name.
    pub async fn by_username(
        conn: &mut AsyncPgConnection,
        username: &str,
    ) -> AppResult<Option<Staff>> {
        Ok(staff::table
            .filter(staff::username.eq(username).and(staff::active.eq(true)))
            .select(Staff::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// An active account by id.
    pub async fn find_active(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Option<Staff>> {
        Ok(staff::table
            .filter(staff::id.eq(id).and(staff::active.eq(true)))
            .select(Staff::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// An account by id, active or not (who filed a case stays named after they leave).
    pub async fn find_any(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Option<Staff>> {
        Ok(staff::table
            .find(id)
            .select(Staff::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// Every account, by role then name.
    pub async fn all(conn: &mut AsyncPgConnection) -> AppResult<Vec<Staff>> {
        Ok(staff::table
            .select(Staff::as_select())
            .order((staff::role, staff::username))
            .load(conn)
            .await?)
    }

    /// The grids this account is responsible for (id, code, name).
    pub async fn grids(
        &self,
        conn: &mut AsyncPgConnection,
    ) -> AppResult<Vec<(i64, String, String)>> {
        Ok(staff_grids::table
            .inner_join(grids::table)
            .filter(staff_grids::staff_id.eq(self.id))
            .select((grids::id, grids::code, grids::name))
            .order(grids::code)
            .load(conn)
            .await?)
    }

    /// Who is responsible for a grid (shown on the grid's page).
    pub async fn responsible_for(
        conn: &mut AsyncPgConnection,
        grid_id: i64,
    ) -> AppResult<Vec<Staff>> {
        Ok(staff_grids::table
            .inner_join(staff::table)
            .filter(staff_grids::grid_id.eq(grid_id).and(staff::active.eq(true)))
            .select(Staff::as_select())
            .order(staff::role)
            .load(conn)
            .await?)
    }

    /// The account's scope: the whole district for admins, else its grids' subtrees.
    pub async fn scope(&self, conn: &mut AsyncPgConnection) -> AppResult<Scope> {
        if self.role() == Role::Admin {
            return Ok(Scope::All);
        }
        let paths: Vec<String> = staff_grids::table
            .inner_join(grids::table)
            .filter(staff_grids::staff_id.eq(self.id))
            .select(grids::path)
            .load(conn)
            .await?;
        Ok(Scope::Subtrees(paths))
    }

    /// Create an account with its grids, or (with `upsert`) bring an existing one of the
    /// same user name to this state (demo set-up).
    pub async fn create(
        conn: &mut AsyncPgConnection,
        new: NewStaff,
        upsert: bool,
    ) -> AppResult<Staff> {
        if !valid_username(&new.username) {
            return Err(AppError::invalid(
                "user name: 2-64 lower-case letters, digits, '.', '_' or '-'",
            ));
        }
        let display_name = new.display_name.trim().to_owned();
        if display_name.is_empty() || display_name.chars().count() > 64 {
            return Err(AppError::invalid("display name: 1-64 characters"));
        }
        super::password::acceptable(&new.password)
            .map_err(|m| AppError::invalid(format!("password: {m}")))?;
        // An informant is nothing without the grids they report from.
        if new.role == Role::Informant && new.grid_ids.is_empty() {
            return Err(AppError::invalid("an informant needs at least one grid"));
        }
        if (new.role == Role::MerchantCashier) != new.shop_id.is_some() {
            return Err(AppError::invalid(
                "a merchant cashier (and only a cashier) belongs to a shop",
            ));
        }
        let hash = super::password::hash(new.password.clone())
            .await
            .map_err(AppError::internal)?;
        conn.transaction(async move |conn| {
            let values = (
                staff::username.eq(&new.username),
                staff::display_name.eq(&display_name),
                staff::email.eq(&new.email),
                staff::role.eq(new.role.as_str()),
                staff::department.eq(&new.department),
                staff::shop_id.eq(new.shop_id),
                staff::password_hash.eq(&hash),
            );
            let insert = diesel::insert_into(staff::table).values(values);
            let account: Staff = if upsert {
                insert
                    .on_conflict(staff::username)
                    .do_update()
                    .set((
                        staff::display_name.eq(&display_name),
                        staff::email.eq(&new.email),
                        staff::role.eq(new.role.as_str()),
                        staff::department.eq(&new.department),
                        staff::shop_id.eq(new.shop_id),
                        staff::active.eq(true),
                    ))
                    .returning(Staff::as_returning())
                    .get_result(conn)
                    .await?
            } else {
                insert
                    .returning(Staff::as_returning())
                    .get_result(conn)
                    .await
                    .map_err(|e| match e {
                        diesel::result::Error::DatabaseError(
                            diesel::result::DatabaseErrorKind::UniqueViolation,
                            _,
                        ) => AppError::with_detail(
                            ErrorCode::Conflict,
                            format!("user name {} is taken", new.username),
                        ),
                        other => other.into(),
                    })?
            };
            diesel::delete(staff_grids::table.filter(staff_grids::staff_id.eq(account.id)))
                .execute(conn)
                .await?;
            let rows: Vec<_> = new
                .grid_ids
                .iter()
                .map(|g| {
                    (
                        staff_grids::staff_id.eq(account.id),
                        staff_grids::grid_id.eq(*g),
                    )
                })
                .collect();
            diesel::insert_into(staff_grids::table)
                .values(rows)
                .execute(conn)
                .await?;
            Ok(account)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn usernames() {
        assert!(super::valid_username("worker-gy-01-01"));
        assert!(super::valid_username("a.b"));
        assert!(!super::valid_username("A"));
        assert!(!super::valid_username("Admin"));
        assert!(!super::valid_username("-x"));
        assert!(!super::valid_username("张三"));
    }
}
