//! Community polls (投票): creation, casting ballots, tallies and turnout.
//!
//! One ballot per household (or per bound resident) is enforced by the primary key of
//! `poll_participation`, inserted in the same transaction as the ballot: of two members
//! voting at once, one insert fails and nothing of that ballot is stored. In a secret poll
//! the ballot carries no voter, no time and a random id, so who voted cannot be joined to
//! what was chosen.

pub mod export;

use crate::db::schema::{
    grids, households, poll_ballot_choices, poll_ballots, poll_grids, poll_options,
    poll_participation, poll_questions, polls,
};
use crate::error::{AppError, AppResult, ErrorCode, Refusal};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use std::collections::HashMap;

/// A poll.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = polls)]
pub struct Poll {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub ballot_unit: String,
    pub results: String,
    pub secrecy: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// A question with its options.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: i64,
    pub text: String,
    pub max_choices: i16,
    pub options: Vec<PollOption>,
}

/// An option.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct PollOption {
    pub id: i64,
    pub question_id: i64,
    pub position: i16,
    pub text: String,
}

/// What staff fill in.
#[derive(Debug, Clone)]
pub struct NewPoll {
    pub title: String,
    pub description: String,
    pub ballot_unit: String,
    pub results: String,
    pub secrecy: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub grid_ids: Vec<i64>,
    /// (question, max choices, options)
    pub questions: Vec<(String, i16, Vec<String>)>,
}

/// Why a ballot was refused (words: `reason.<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteError {
    NotOpenYet,
    Closed,
    NotBound,
    NotInPollGrids,
    UnknownOption,
    WrongNumberOfChoices,
    AlreadyVoted,
}

impl VoteError {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            VoteError::NotOpenYet => "poll_not_open_yet",
            VoteError::Closed => "poll_closed",
            VoteError::NotBound => "not_a_member",
            VoteError::NotInPollGrids => "not_in_poll_grids",
            VoteError::UnknownOption => "unknown_option",
            VoteError::WrongNumberOfChoices => "wrong_number_of_choices",
            VoteError::AlreadyVoted => "already_voted",
        }
    }
}

impl Refusal for VoteError {
    fn code(&self) -> &'static str {
        VoteError::code(*self)
    }

    fn error_code(&self) -> ErrorCode {
        match self {
            VoteError::AlreadyVoted | VoteError::NotOpenYet | VoteError::Closed => {
                ErrorCode::Conflict
            }
            VoteError::NotInPollGrids | VoteError::NotBound => ErrorCode::Forbidden,
            VoteError::UnknownOption | VoteError::WrongNumberOfChoices => ErrorCode::InvalidInput,
        }
    }

    fn examples() -> Vec<Self> {
        use VoteError::*;
        vec![
            NotOpenYet,
            Closed,
            NotBound,
            NotInPollGrids,
            UnknownOption,
            WrongNumberOfChoices,
            AlreadyVoted,
        ]
    }
}

/// Validate a new poll (pure): the message names the problem.
pub fn validate(p: &NewPoll) -> Result<(), String> {
    let t = p.title.trim().chars().count();
    if t == 0 || t > 120 {
        return Err("title: 1-120 characters".into());
    }
    if p.closes_at <= p.opens_at {
        return Err("the poll must close after it opens".into());
    }
    if !matches!(p.ballot_unit.as_str(), "household" | "resident")
        || !matches!(p.results.as_str(), "live" | "after_close")
        || !matches!(p.secrecy.as_str(), "open" | "secret")
    {
        return Err("unknown ballot unit, results or secrecy setting".into());
    }
    if p.grid_ids.is_empty() {
        return Err("choose at least one grid".into());
    }
    if p.questions.is_empty() || p.questions.len() > 10 {
        return Err("1-10 questions".into());
    }
    for (q, max, options) in &p.questions {
        if q.trim().is_empty() || q.chars().count() > 300 {
            return Err("each question: 1-300 characters".into());
        }
        if options.len() < 2
            || options.len() > 20
            || options
                .iter()
                .any(|o| o.trim().is_empty() || o.chars().count() > 200)
        {
            return Err(format!("question {q:?}: 2-20 options of 1-200 characters"));
        }
        if *max < 1 || *max as usize > options.len() {
            return Err(format!(
                "question {q:?}: choose between 1 and {} options",
                options.len()
            ));
        }
    }
    Ok(())
}

/// Check chosen options against the questions (pure): every option belongs to the poll and
/// each question gets between 1 and its maximum.
pub fn check_choices(questions: &[Question], chosen: &[i64]) -> Result<(), VoteError> {
    let owner: HashMap<i64, i64> = questions
        .iter()
        .flat_map(|q| q.options.iter().map(move |o| (o.id, q.id)))
        .collect();
    let mut per_question: HashMap<i64, usize> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for id in chosen {
        let q = owner.get(id).ok_or(VoteError::UnknownOption)?;
        if seen.insert(*id) {
            *per_question.entry(*q).or_default() += 1;
        }
    }
    for q in questions {
        let n = per_question.get(&q.id).copied().unwrap_or(0);
        if n == 0 || n > q.max_choices as usize {
            return Err(VoteError::WrongNumberOfChoices);
        }
    }
    Ok(())
}

/// Everything staff see of a poll's outcome.
#[derive(Debug, Clone)]
pub struct Results {
    pub questions: Vec<Question>,
    /// Votes per option id.
    pub tally: HashMap<i64, i64>,
    /// (compound, ballots, households) per compound under the poll's grids.
    pub turnout: Vec<(String, i64, i64)>,
}

/// A household that votes: who, which household, where.
#[derive(Debug, Clone)]
pub struct Voter {
    pub resident_id: i64,
    pub household_id: i64,
    pub grid_id: i64,
    pub grid_path: String,
}

/// The earning a ballot records: one per poll and resident.
pub fn participation_source(poll_id: i64, resident_id: i64) -> String {
    format!("poll:{poll_id}:resident:{resident_id}")
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: i64, max: i16, opts: &[i64]) -> Question {
        Question {
            id,
            text: "q".into(),
            max_choices: max,
            options: opts
                .iter()
                .map(|o| PollOption {
                    id: *o,
                    question_id: id,
                    position: 0,
                    text: "o".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn choices() {
        let qs = [q(1, 1, &[10, 11]), q(2, 2, &[20, 21, 22])];
        assert_eq!(check_choices(&qs, &[10, 20]), Ok(()));
        assert_eq!(check_choices(&qs, &[10, 20, 21]), Ok(()));
        assert_eq!(
            check_choices(&qs, &[10, 11, 20]),
            Err(VoteError::WrongNumberOfChoices)
        );
        assert_eq!(
            check_choices(&qs, &[10]),
            Err(VoteError::WrongNumberOfChoices)
        );
        assert_eq!(
            check_choices(&qs, &[10, 20, 21, 22]),
            Err(VoteError::WrongNumberOfChoices)
        );
        assert_eq!(check_choices(&qs, &[10, 99]), Err(VoteError::UnknownOption));
        assert_eq!(
            check_choices(&qs, &[10, 10, 20]),
            Ok(()),
            "a repeated option counts once"
        );
    }

    #[test]
    fn poll_validation() {
        let now = Utc::now();
        let ok = NewPoll {
            title: "改造菜单".into(),
            description: String::new(),
            ballot_unit: "household".into(),
            results: "live".into(),
            secrecy: "secret".into(),
            opens_at: now,
            closes_at: now + chrono::Duration::days(7),
            grid_ids: vec![1],
            questions: vec![(
                "选哪些项目？".into(),
                2,
                vec!["加装电梯".into(), "外墙保温".into(), "停车位".into()],
            )],
        };
        assert!(validate(&ok).is_ok());
        let mut bad = ok.clone();
        bad.closes_at = bad.opens_at;
        assert!(validate(&bad).unwrap_err().contains("close"));
        let mut bad = ok.clone();
        bad.questions[0].1 = 4;
        assert!(validate(&bad).is_err());
        let mut bad = ok;
        bad.questions[0].2.truncate(1);
        assert!(validate(&bad).is_err());
    }
}
