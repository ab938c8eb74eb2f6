//! What a new poll and a ballot must satisfy (pure), and why a ballot is refused.

use super::{NewPoll, Question};
use crate::error::{ErrorCode, Refusal};
use std::collections::HashMap;

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
