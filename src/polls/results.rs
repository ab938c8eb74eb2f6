//! A poll's outcome: when residents may see it, the votes per option and the turnout per
//! compound.

use super::{Poll, Results};
use crate::db::schema::{grids, households, poll_ballot_choices, poll_ballots, poll_participation};
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;

impl Poll {
    /// Whether results may be shown to residents at `now`.
    pub fn results_visible(&self, now: DateTime<Utc>) -> bool {
        self.results == "live" || now >= self.closes_at
    }

    /// Votes per option.
    pub async fn tally(&self, conn: &mut AsyncPgConnection) -> AppResult<HashMap<i64, i64>> {
        let rows: Vec<(i64, i64)> = poll_ballot_choices::table
            .inner_join(poll_ballots::table)
            .filter(poll_ballots::poll_id.eq(self.id))
            .group_by(poll_ballot_choices::option_id)
            .select((poll_ballot_choices::option_id, diesel::dsl::count_star()))
            .load(conn)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// Questions, tally and turnout together (console page and export).
    pub async fn results(&self, conn: &mut AsyncPgConnection) -> AppResult<Results> {
        Ok(Results {
            questions: self.questions(conn).await?,
            tally: self.tally(conn).await?,
            turnout: self.turnout(conn).await?,
        })
    }

    /// Turnout per compound under the poll's grids: (compound, ballots, households).
    pub async fn turnout(
        &self,
        conn: &mut AsyncPgConnection,
    ) -> AppResult<Vec<(String, i64, i64)>> {
        let roots = self.grid_paths(conn).await?;
        let compounds: Vec<(i64, String, String)> = grids::table
            .filter(grids::level.eq(3))
            .select((grids::id, grids::path, grids::name))
            .order(grids::code)
            .load(conn)
            .await?;
        let voted: HashMap<i64, i64> = poll_participation::table
            .filter(poll_participation::poll_id.eq(self.id))
            .group_by(poll_participation::grid_id)
            .select((poll_participation::grid_id, diesel::dsl::count_star()))
            .load::<(i64, i64)>(conn)
            .await?
            .into_iter()
            .collect();
        let sizes: HashMap<i64, i64> = households::table
            .group_by(households::grid_id)
            .select((households::grid_id, diesel::dsl::count_star()))
            .load::<(i64, i64)>(conn)
            .await?
            .into_iter()
            .collect();
        Ok(compounds
            .into_iter()
            .filter(|(_, p, _)| roots.iter().any(|(_, r, _)| p.starts_with(r.as_str())))
            .map(|(id, _, name)| {
                (
                    name,
                    voted.get(&id).copied().unwrap_or(0),
                    sizes.get(&id).copied().unwrap_or(0),
                )
            })
            .collect())
    }
}
