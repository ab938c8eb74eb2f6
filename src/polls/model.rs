//! Polls as stored: creating one with its grids, questions and options, finding them, and
//! which polls a place is asked.

use super::{validate, NewPoll, Poll, PollOption, Question};
use crate::db::schema::{grids, poll_grids, poll_options, poll_questions, polls};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

impl Poll {
    /// Create a poll with its grids, questions and options.
    pub async fn create(conn: &mut AsyncPgConnection, new: NewPoll, by: i64) -> AppResult<Poll> {
        validate(&new).map_err(AppError::invalid)?;
        conn.transaction(async |conn| {
            let poll: Poll = diesel::insert_into(polls::table)
                .values((
                    polls::title.eq(new.title.trim()),
                    polls::description.eq(new.description.trim()),
                    polls::ballot_unit.eq(&new.ballot_unit),
                    polls::results.eq(&new.results),
                    polls::secrecy.eq(&new.secrecy),
                    polls::opens_at.eq(new.opens_at),
                    polls::closes_at.eq(new.closes_at),
                    polls::created_by.eq(by),
                ))
                .returning(Poll::as_returning())
                .get_result(conn)
                .await?;
            let rows: Vec<_> = new
                .grid_ids
                .iter()
                .map(|g| (poll_grids::poll_id.eq(poll.id), poll_grids::grid_id.eq(*g)))
                .collect();
            diesel::insert_into(poll_grids::table)
                .values(rows)
                .execute(conn)
                .await?;
            for (i, (text, max, options)) in new.questions.iter().enumerate() {
                let qid: i64 = diesel::insert_into(poll_questions::table)
                    .values((
                        poll_questions::poll_id.eq(poll.id),
                        poll_questions::position.eq(i as i16),
                        poll_questions::text.eq(text.trim()),
                        poll_questions::max_choices.eq(*max),
                    ))
                    .returning(poll_questions::id)
                    .get_result(conn)
                    .await?;
                let rows: Vec<_> = options
                    .iter()
                    .enumerate()
                    .map(|(j, o)| {
                        (
                            poll_options::question_id.eq(qid),
                            poll_options::position.eq(j as i16),
                            poll_options::text.eq(o.trim()),
                        )
                    })
                    .collect();
                diesel::insert_into(poll_options::table)
                    .values(rows)
                    .execute(conn)
                    .await?;
            }
            crate::audit::record(
                conn,
                Some(by),
                "poll.create",
                "poll",
                poll.id,
                serde_json::json!({ "grids": new.grid_ids }),
            )
            .await?;
            Ok(poll)
        })
        .await
    }

    /// One poll.
    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> AppResult<Poll> {
        Ok(polls::table
            .find(id)
            .select(Poll::as_select())
            .first(conn)
            .await?)
    }

    /// Every poll, newest first (console; the caller filters by scope).
    pub async fn all(conn: &mut AsyncPgConnection) -> AppResult<Vec<Poll>> {
        Ok(polls::table
            .order(polls::opens_at.desc())
            .select(Poll::as_select())
            .load(conn)
            .await?)
    }

    /// Questions with their options, in order.
    pub async fn questions(&self, conn: &mut AsyncPgConnection) -> AppResult<Vec<Question>> {
        let qs: Vec<(i64, String, i16)> = poll_questions::table
            .filter(poll_questions::poll_id.eq(self.id))
            .order(poll_questions::position)
            .select((
                poll_questions::id,
                poll_questions::text,
                poll_questions::max_choices,
            ))
            .load(conn)
            .await?;
        let ids: Vec<i64> = qs.iter().map(|q| q.0).collect();
        let opts: Vec<PollOption> = poll_options::table
            .filter(poll_options::question_id.eq_any(&ids))
            .order((poll_options::question_id, poll_options::position))
            .select((
                poll_options::id,
                poll_options::question_id,
                poll_options::position,
                poll_options::text,
            ))
            .load(conn)
            .await?;
        Ok(qs
            .into_iter()
            .map(|(id, text, max_choices)| Question {
                id,
                text,
                max_choices,
                options: opts
                    .iter()
                    .filter(|o| o.question_id == id)
                    .cloned()
                    .collect(),
            })
            .collect())
    }

    /// The paths of the grids the poll is for.
    pub async fn grid_paths(
        &self,
        conn: &mut AsyncPgConnection,
    ) -> AppResult<Vec<(i64, String, String)>> {
        Ok(poll_grids::table
            .inner_join(grids::table)
            .filter(poll_grids::poll_id.eq(self.id))
            .select((grids::id, grids::path, grids::name))
            .load(conn)
            .await?)
    }

    /// Whether the poll covers the grid at `path`.
    pub async fn covers(&self, conn: &mut AsyncPgConnection, path: &str) -> AppResult<bool> {
        Ok(self
            .grid_paths(conn)
            .await?
            .iter()
            .any(|(_, p, _)| path.starts_with(p.as_str())))
    }

    /// Polls open at `now` that cover the grid at `path`.
    pub async fn open_for(
        conn: &mut AsyncPgConnection,
        path: &str,
        now: DateTime<Utc>,
    ) -> AppResult<Vec<Poll>> {
        let rows: Vec<(Poll, String)> = polls::table
            .inner_join(poll_grids::table.inner_join(grids::table))
            .filter(polls::opens_at.le(now).and(polls::closes_at.gt(now)))
            .select((Poll::as_select(), grids::path))
            .order(polls::closes_at)
            .load(conn)
            .await?;
        let mut out: Vec<Poll> = Vec::new();
        for (p, gp) in rows {
            if path.starts_with(gp.as_str()) && !out.iter().any(|o| o.id == p.id) {
                out.push(p);
            }
        }
        Ok(out)
    }
}
