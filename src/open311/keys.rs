//! Integrators' API keys: named, shown once when created, stored as their SHA-256,
//! revocable. A revoked key's name may be given to a new key.

use crate::error::{AppError, AppResult, ErrorCode};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};

diesel::table! {
    /// Migration 2026-12-03-000002_open311.
    open311_keys (id) {
        id -> Int8,
        name -> Text,
        key_sha256 -> Text,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
    }
}

/// Every key starts with this, so a leaked one is recognisable in logs and scanners.
pub const PREFIX: &str = "m311_";
/// Longest api_key parameter looked up (longer ones are refused unread).
pub const MAX_KEY_LEN: usize = 128;

/// A key as listed (never the key itself).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = open311_keys)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    #[serde(skip)]
    pub key_sha256: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Whether a name is acceptable: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Create a key named `name`; the key itself is returned once and never stored.
/// `invalid_input` for a bad name, `conflict` when a live key has that name.
pub async fn create(
    conn: &mut AsyncPgConnection,
    name: &str,
    created_by: Option<i64>,
) -> AppResult<(ApiKey, String)> {
    let name = name.trim();
    if !valid_name(name) {
        return Err(AppError::invalid(
            "key name: 1-64 letters, digits, '.', '_' or '-'",
        ));
    }
    let key = format!("{PREFIX}{}", crate::people::sessions::random_secret());
    let inserted = diesel::insert_into(open311_keys::table)
        .values((
            open311_keys::name.eq(name),
            open311_keys::key_sha256.eq(hash(&key)),
            open311_keys::created_by.eq(created_by),
        ))
        .returning(ApiKey::as_returning())
        .get_result(conn)
        .await;
    match inserted {
        Ok(k) => Ok((k, key)),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Err(AppError::with_detail(
            ErrorCode::Conflict,
            format!("a key named {name} exists; revoke it first"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Every key, live ones first, newest first.
pub async fn list(conn: &mut AsyncPgConnection) -> AppResult<Vec<ApiKey>> {
    Ok(open311_keys::table
        .order((
            open311_keys::revoked_at.is_not_null(),
            open311_keys::id.desc(),
        ))
        .select(ApiKey::as_select())
        .load(conn)
        .await?)
}

/// Revoke the live key named `name`; `not_found` when there is none.
pub async fn revoke(conn: &mut AsyncPgConnection, name: &str) -> AppResult<ApiKey> {
    diesel::update(
        open311_keys::table
            .filter(open311_keys::name.eq(name.trim()))
            .filter(open311_keys::revoked_at.is_null()),
    )
    .set(open311_keys::revoked_at.eq(Utc::now()))
    .returning(ApiKey::as_returning())
    .get_result(conn)
    .await
    .optional()?
    .ok_or_else(AppError::not_found)
}

/// Revoke a live key by id (the console's button); `not_found` when there is none.
pub async fn revoke_id(conn: &mut AsyncPgConnection, id: i64) -> AppResult<ApiKey> {
    diesel::update(
        open311_keys::table
            .filter(open311_keys::id.eq(id))
            .filter(open311_keys::revoked_at.is_null()),
    )
    .set(open311_keys::revoked_at.eq(Utc::now()))
    .returning(ApiKey::as_returning())
    .get_result(conn)
    .await
    .optional()?
    .ok_or_else(AppError::not_found)
}

/// The live key an `api_key` parameter names, noting its use; `None` for a wrong, revoked or
/// oversized one. The lookup is by hash, so no comparison leaks how much of a key matched.
pub async fn verify(conn: &mut AsyncPgConnection, key: &str) -> AppResult<Option<ApiKey>> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Ok(None);
    }
    Ok(diesel::update(
        open311_keys::table
            .filter(open311_keys::key_sha256.eq(hash(key)))
            .filter(open311_keys::revoked_at.is_null()),
    )
    .set(open311_keys::last_used_at.eq(Utc::now()))
    .returning(ApiKey::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("fixmystreet"));
        assert!(valid_name("city-311.app_2"));
        assert!(!valid_name(""));
        assert!(!valid_name("-x"));
        assert!(!valid_name("有空格 的"));
        assert!(!valid_name(&"a".repeat(65)));
    }
}
