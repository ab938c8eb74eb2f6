//! Activities and check-ins in PostgreSQL: queries as methods on the models.

use super::rules::{self, ActivityError, Draft};
use crate::db::schema::{activities, grids};
use crate::error::AppResult;
use crate::grids::scope::Scope;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
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

    /// Cancel an activity: no more check-ins (what was confirmed stays earned).
    pub async fn cancel(&self, conn: &mut AsyncPgConnection) -> AppResult<()> {
        diesel::update(activities::table.find(self.id))
            .set(activities::status.eq("cancelled"))
            .execute(conn)
            .await?;
        Ok(())
    }
}
