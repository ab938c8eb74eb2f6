//! Activities and check-ins in PostgreSQL: queries as methods on the models.

use super::rules::{self, ActivityError, Draft};
use crate::db::schema::{activities, activity_checkins, grids, residents};
use crate::error::AppResult;
use crate::grids::scope::Scope;
use crate::points::earn::{self, Earning, Rule};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

/// A volunteer activity.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = activities)]
pub struct Activity {
    pub id: i64,
    pub grid_id: i64,
    pub community_id: i64,
    pub title: String,
    pub place: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub points: i64,
    pub max_volunteers: i32,
    pub checkin_token: String,
    pub check_code: String,
    pub status: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

/// What staff fill in to create an activity.
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub grid_id: i64,
    pub title: String,
    pub place: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub points: i64,
    pub max_volunteers: i32,
}

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

/// An activity with its grid's name and path, for lists.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub activity: Activity,
    pub grid_name: String,
    pub grid_path: String,
}

impl Activity {
    /// Create an activity in `grid` (a community or compound) with a fresh check-in code.
    /// The grid must be at or below a community: its community's issuer pays the points.
    pub async fn create(
        conn: &mut AsyncPgConnection,
        new: &NewActivity,
        max_award: i64,
        by: i64,
        now: DateTime<Utc>,
    ) -> AppResult<Result<Activity, ActivityError>> {
        let draft = Draft {
            title: &new.title,
            place: &new.place,
            description: &new.description,
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            points: new.points,
            max_volunteers: new.max_volunteers,
        };
        if let Err(e) = rules::validate(&draft, max_award) {
            return Ok(Err(e));
        }
        let path: Option<String> = grids::table
            .find(new.grid_id)
            .select(grids::path)
            .first(conn)
            .await
            .optional()?;
        let Some(community_id) = path
            .as_deref()
            .and_then(|p| crate::grids::scope::path_ids(p).get(1).copied())
        else {
            return Ok(Err(ActivityError::Invalid("grid_id")));
        };
        let a = diesel::insert_into(activities::table)
            .values((
                activities::grid_id.eq(new.grid_id),
                activities::community_id.eq(community_id),
                activities::title.eq(new.title.trim()),
                activities::place.eq(new.place.trim()),
                activities::description.eq(new.description.trim()),
                activities::starts_at.eq(new.starts_at),
                activities::ends_at.eq(new.ends_at),
                activities::points.eq(new.points),
                activities::max_volunteers.eq(new.max_volunteers),
                activities::checkin_token.eq(crate::codes::token::new_token()),
                activities::check_code.eq(crate::codes::token::new_check_code()),
                activities::created_by.eq(by),
                activities::created_at.eq(now),
            ))
            .returning(Activity::as_returning())
            .get_result(conn)
            .await?;
        Ok(Ok(a))
    }

    /// One activity by id.
    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Option<Activity>> {
        Ok(activities::table
            .find(id)
            .select(Activity::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// One activity by its check-in token (already normalised).
    pub async fn by_token(
        conn: &mut AsyncPgConnection,
        token: &str,
    ) -> AppResult<Option<Activity>> {
        Ok(activities::table
            .filter(activities::checkin_token.eq(token))
            .select(Activity::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// An activity of a grid by title (the demo loads its activity once).
    pub async fn by_title_in_grid(
        conn: &mut AsyncPgConnection,
        grid_id: i64,
        title: &str,
    ) -> AppResult<Option<Activity>> {
        Ok(activities::table
            .filter(activities::grid_id.eq(grid_id))
            .filter(activities::title.eq(title))
            .select(Activity::as_select())
            .first(conn)
            .await
            .optional()?)
    }

    /// The path of the activity's grid (for scope checks).
    pub async fn grid_path(&self, conn: &mut AsyncPgConnection) -> AppResult<String> {
        Ok(grids::table
            .find(self.grid_id)
            .select(grids::path)
            .first(conn)
            .await?)
    }

    /// The most recent activities in a staff member's scope, newest first.
    pub async fn in_scope(
        conn: &mut AsyncPgConnection,
        scope: &Scope,
        limit: i64,
    ) -> AppResult<Vec<Listed>> {
        let mut q = activities::table
            .inner_join(grids::table.on(grids::id.eq(activities::grid_id)))
            .select((Activity::as_select(), grids::name, grids::path))
            .order(activities::starts_at.desc())
            .limit(limit)
            .into_boxed();
        if let Some(in_scope) = crate::grids::model::path_in_scope(scope) {
            q = q.filter(in_scope);
        }
        let rows: Vec<(Activity, String, String)> = q.load(conn).await?;
        Ok(rows
            .into_iter()
            .map(|(activity, grid_name, grid_path)| Listed {
                activity,
                grid_name,
                grid_path,
            })
            .collect())
    }

    /// A community's open activities that have not ended, soonest first (what a resident of
    /// the community is offered).
    pub async fn upcoming_for_community(
        conn: &mut AsyncPgConnection,
        community_id: i64,
        now: DateTime<Utc>,
        limit: i64,
    ) -> AppResult<Vec<Activity>> {
        Ok(activities::table
            .filter(activities::community_id.eq(community_id))
            .filter(activities::status.eq("open"))
            .filter(activities::ends_at.gt(now))
            .order(activities::starts_at.asc())
            .limit(limit)
            .select(Activity::as_select())
            .load(conn)
            .await?)
    }

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

    /// Cancel an activity: no more check-ins (what was confirmed stays earned).
    pub async fn cancel(&self, conn: &mut AsyncPgConnection) -> AppResult<()> {
        diesel::update(activities::table.find(self.id))
            .set(activities::status.eq("cancelled"))
            .execute(conn)
            .await?;
        Ok(())
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
