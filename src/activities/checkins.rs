//! Check-ins: a volunteer scans the activity's code, the organiser confirms or declines,
//! and a confirmation earns the activity's points (one earning per activity and resident).

use super::model::Activity;
use super::rules::{self, ActivityError};
use crate::db::schema::{activities, activity_checkins, residents};
use crate::error::AppResult;
use crate::points::earn::{self, Earning, Rule};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// A volunteer's check-in, with who they are (for the organiser only).
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Checkin {
    pub resident_id: i64,
    pub email: String,
    pub display_name: Option<String>,
    pub checked_in_at: DateTime<Utc>,
    pub status: String,
    pub decided_at: Option<DateTime<Utc>>,
}

impl Activity {
    /// Everyone who checked in, in order of arrival.
    pub async fn checkins(&self, conn: &mut AsyncPgConnection) -> AppResult<Vec<Checkin>> {
        Ok(activity_checkins::table
            .inner_join(residents::table)
            .filter(activity_checkins::activity_id.eq(self.id))
            .order(activity_checkins::checked_in_at.asc())
            .select((
                activity_checkins::resident_id,
                residents::email,
                residents::display_name,
                activity_checkins::checked_in_at,
                activity_checkins::status,
                activity_checkins::decided_at,
            ))
            .load(conn)
            .await?)
    }

    /// A resident's check-in status here, if they checked in.
    pub async fn checkin_status(
        &self,
        conn: &mut AsyncPgConnection,
        resident_id: i64,
    ) -> AppResult<Option<String>> {
        Ok(activity_checkins::table
            .find((self.id, resident_id))
            .select(activity_checkins::status)
            .first(conn)
            .await
            .optional()?)
    }

    /// Check a volunteer in (scanning the poster on site). Checking in twice keeps the first
    /// check-in. Only residents bound to a household may earn points, so others are told at
    /// once rather than after the organiser confirms.
    pub async fn check_in(
        &self,
        conn: &mut AsyncPgConnection,
        resident_id: i64,
        early: Duration,
        now: DateTime<Utc>,
    ) -> AppResult<Result<String, CheckinRefusal>> {
        if let Some(status) = self.checkin_status(conn, resident_id).await? {
            return Ok(Ok(status));
        }
        if self.status == "cancelled" {
            return Ok(Err(ActivityError::Cancelled.into()));
        }
        if let Err(e) = rules::check_window(self.starts_at, self.ends_at, early, now) {
            return Ok(Err(e.into()));
        }
        if let Err(e) = crate::people::residents::check_can_use_points(conn, resident_id).await? {
            return Ok(Err(CheckinRefusal::Points(e)));
        }
        diesel::insert_into(activity_checkins::table)
            .values((
                activity_checkins::activity_id.eq(self.id),
                activity_checkins::resident_id.eq(resident_id),
                activity_checkins::checked_in_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(Ok(self
            .checkin_status(conn, resident_id)
            .await?
            .unwrap_or_else(|| "pending".into())))
    }

    /// The organiser confirms (or refuses) the attendance of some volunteers. Confirming
    /// records each volunteer's earning in the same transaction, within the activity's cap;
    /// the activity row is locked so two organisers confirming at once cannot exceed it.
    /// Returns the earning sources to pay.
    pub async fn decide(
        &self,
        conn: &mut AsyncPgConnection,
        resident_ids: &[i64],
        confirm: bool,
        by: i64,
        now: DateTime<Utc>,
    ) -> AppResult<Result<Vec<String>, ActivityError>> {
        let id = self.id;
        let this = self.clone();
        conn.transaction(async |conn| {
            let _lock: i64 = activities::table
                .find(id)
                .select(activities::id)
                .for_update()
                .first(conn)
                .await?;
            let pending: Vec<i64> = activity_checkins::table
                .filter(activity_checkins::activity_id.eq(id))
                .filter(activity_checkins::resident_id.eq_any(resident_ids))
                .filter(activity_checkins::status.eq("pending"))
                .select(activity_checkins::resident_id)
                .load(conn)
                .await?;
            if pending.is_empty() {
                let any: i64 = activity_checkins::table
                    .filter(activity_checkins::activity_id.eq(id))
                    .filter(activity_checkins::resident_id.eq_any(resident_ids))
                    .count()
                    .get_result(conn)
                    .await?;
                return Ok(Err(if any > 0 {
                    ActivityError::AlreadyDecided
                } else {
                    ActivityError::NoSuchCheckin
                }));
            }
            if confirm {
                let confirmed: i64 = activity_checkins::table
                    .filter(activity_checkins::activity_id.eq(id))
                    .filter(activity_checkins::status.eq("confirmed"))
                    .count()
                    .get_result(conn)
                    .await?;
                if let Err(e) =
                    rules::check_cap(confirmed, pending.len() as i64, this.max_volunteers)
                {
                    return Ok(Err(e));
                }
            }
            diesel::update(
                activity_checkins::table
                    .filter(activity_checkins::activity_id.eq(id))
                    .filter(activity_checkins::resident_id.eq_any(&pending)),
            )
            .set((
                activity_checkins::status.eq(if confirm { "confirmed" } else { "rejected" }),
                activity_checkins::decided_at.eq(now),
                activity_checkins::decided_by.eq(by),
            ))
            .execute(conn)
            .await?;
            let mut sources = Vec::new();
            if confirm {
                for resident_id in &pending {
                    let e = Earning {
                        source: format!("activity:{id}:resident:{resident_id}"),
                        rule: Rule::Activity,
                        resident_id: *resident_id,
                        community_id: this.community_id,
                        amount: Some(this.points),
                        label: this.title.clone(),
                    };
                    earn::record(conn, &e, now).await?;
                    sources.push(e.source);
                }
            }
            Ok::<_, crate::error::AppError>(Ok(sources))
        })
        .await
    }
}

/// Why a check-in was refused: a rule of the activity, or of points (not bound).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckinRefusal {
    Activity(ActivityError),
    Points(crate::points::PointsError),
}

impl From<ActivityError> for CheckinRefusal {
    fn from(e: ActivityError) -> Self {
        CheckinRefusal::Activity(e)
    }
}

impl crate::error::Refusal for CheckinRefusal {
    fn code(&self) -> &'static str {
        match self {
            CheckinRefusal::Activity(e) => e.code(),
            CheckinRefusal::Points(e) => e.code(),
        }
    }

    fn error_code(&self) -> crate::error::ErrorCode {
        match self {
            CheckinRefusal::Activity(e) => e.error_code(),
            CheckinRefusal::Points(e) => e.error_code(),
        }
    }

    fn examples() -> Vec<Self> {
        let activity = ActivityError::examples().into_iter().map(Self::Activity);
        activity
            .chain([CheckinRefusal::Points(crate::points::PointsError::NotBound)])
            .collect()
    }
}

impl From<CheckinRefusal> for crate::error::AppError {
    fn from(r: CheckinRefusal) -> Self {
        match r {
            CheckinRefusal::Activity(e) => e.into(),
            CheckinRefusal::Points(e) => e.into(),
        }
    }
}
