//! The append-only record of what staff did.

use crate::db::schema::audit_events;
use crate::error::AppResult;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Record one action on a subject. Call inside the transaction that did it, so the record
/// and the change land together or not at all.
pub async fn record(
    conn: &mut AsyncPgConnection,
    staff_id: Option<i64>,
    action: &str,
    subject_type: &str,
    subject_id: i64,
    detail: serde_json::Value,
) -> AppResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::staff_id.eq(staff_id),
            audit_events::action.eq(action),
            audit_events::subject_type.eq(subject_type),
            audit_events::subject_id.eq(subject_id),
            audit_events::detail.eq(detail),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
