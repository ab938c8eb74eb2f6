//! Community polls (投票): creation, casting ballots, tallies and turnout.
//!
//! One ballot per household (or per bound resident) is enforced by the primary key of
//! `poll_participation`, inserted in the same transaction as the ballot: of two members
//! voting at once, one insert fails and nothing of that ballot is stored. In a secret poll
//! the ballot carries no voter, no time and a random id, so who voted cannot be joined to
//! what was chosen.//!
//! The parts: [`rules`] (what a new poll and a ballot must satisfy, and why a ballot is
//! refused), [`model`] (polls, their questions and grids), [`ballots`] (casting, one per
//! household), [`results`] (tallies and turnout) and [`export`] (the XLSX of the results).

pub mod ballots;
pub mod export;
pub mod model;
pub mod results;
pub mod rules;

pub use rules::{check_choices, validate, VoteError};

use crate::db::schema::polls;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
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
