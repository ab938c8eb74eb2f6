//! Casting a ballot: one per household (or per resident, as the poll says), enforced by the
//! primary key of `poll_participation` in the ballot's own transaction.

use super::{check_choices, participation_source, Poll, VoteError, Voter};
use crate::db::schema::{poll_ballot_choices, poll_ballots, poll_participation};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

impl Poll {
    /// The voter key for a ballot unit.
    pub fn voter_key(&self, v: &Voter) -> String {
        if self.ballot_unit == "resident" {
            format!("resident:{}", v.resident_id)
        } else {
            format!("household:{}", v.household_id)
        }
    }

    /// Whether this voter's household (or this resident) has voted.
    pub async fn has_voted(&self, conn: &mut AsyncPgConnection, v: &Voter) -> AppResult<bool> {
        Ok(diesel::select(diesel::dsl::exists(
            poll_participation::table.filter(
                poll_participation::poll_id
                    .eq(self.id)
                    .and(poll_participation::voter_key.eq(self.voter_key(v))),
            ),
        ))
        .get_result(conn)
        .await?)
    }

    /// Cast a ballot (the caller has checked that the resident belongs to the household).
    pub async fn cast(
        &self,
        conn: &mut AsyncPgConnection,
        v: &Voter,
        chosen: &[i64],
        now: DateTime<Utc>,
    ) -> AppResult<Result<(), VoteError>> {
        if now < self.opens_at {
            return Ok(Err(VoteError::NotOpenYet));
        }
        if now >= self.closes_at {
            return Ok(Err(VoteError::Closed));
        }
        if !self.covers(conn, &v.grid_path).await? {
            return Ok(Err(VoteError::NotInPollGrids));
        }
        let questions = self.questions(conn).await?;
        if let Err(e) = check_choices(&questions, chosen) {
            return Ok(Err(e));
        }
        let key = self.voter_key(v);
        let secret = self.secrecy == "secret";
        let mut chosen: Vec<i64> = chosen.to_vec();
        chosen.sort_unstable();
        chosen.dedup();
        let poll_id = self.id;
        let title = self.title.clone();
        conn.transaction(async |conn| {
            let inserted = diesel::insert_into(poll_participation::table)
                .values((
                    poll_participation::poll_id.eq(poll_id),
                    poll_participation::voter_key.eq(&key),
                    poll_participation::household_id.eq(v.household_id),
                    poll_participation::resident_id.eq(v.resident_id),
                    poll_participation::grid_id.eq(v.grid_id),
                    poll_participation::cast_at.eq(now),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            if inserted == 0 {
                return Ok(Err(VoteError::AlreadyVoted));
            }
            let ballot = uuid::Uuid::new_v4();
            diesel::insert_into(poll_ballots::table)
                .values((
                    poll_ballots::id.eq(ballot),
                    poll_ballots::poll_id.eq(poll_id),
                    poll_ballots::voter_key.eq((!secret).then_some(&key)),
                    poll_ballots::grid_id.eq((!secret).then_some(v.grid_id)),
                ))
                .execute(conn)
                .await?;
            let rows: Vec<_> = chosen
                .iter()
                .map(|o| {
                    (
                        poll_ballot_choices::ballot_id.eq(ballot),
                        poll_ballot_choices::option_id.eq(*o),
                    )
                })
                .collect();
            diesel::insert_into(poll_ballot_choices::table)
                .values(rows)
                .execute(conn)
                .await?;
            // Taking part earns points (recorded with the ballot, paid after the commit).
            if let Some(community_id) = crate::grids::scope::path_ids(&v.grid_path).get(1) {
                let e = crate::points::earn::Earning {
                    source: participation_source(poll_id, v.resident_id),
                    rule: crate::points::earn::Rule::PollParticipation,
                    resident_id: v.resident_id,
                    community_id: *community_id,
                    amount: None,
                    label: title.clone(),
                };
                crate::points::earn::record(conn, &e, now).await?;
            }
            Ok::<_, AppError>(Ok(()))
        })
        .await
    }
}
