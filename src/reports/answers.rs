//! Answers to a category's questions (Open311 service attributes, `config/open311.toml`),
//! stored with the case and shown to the staff who handle it.

use crate::error::AppResult;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};

diesel::table! {
    /// One answer per question, in the order asked (migration 2026-12-03-000002_open311).
    report_answers (report_id, position) {
        report_id -> Int8,
        position -> Int2,
        code -> Text,
        question -> Text,
        answer -> Text,
    }
}

/// One answered question: the question's code and wording as asked, and the answer as text
/// (list answers by their names, joined with "、").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Queryable)]
pub struct Answer {
    pub code: String,
    pub question: String,
    pub answer: String,
}

/// Store a new case's answers (inside intake's transaction).
pub async fn insert(
    conn: &mut AsyncPgConnection,
    report_id: i64,
    answers: &[Answer],
) -> AppResult<()> {
    if answers.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = answers
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                report_answers::report_id.eq(report_id),
                report_answers::position.eq(i16::try_from(i).unwrap_or(i16::MAX)),
                report_answers::code.eq(&a.code),
                report_answers::question.eq(&a.question),
                report_answers::answer.eq(&a.answer),
            )
        })
        .collect();
    diesel::insert_into(report_answers::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// A case's answers in the order asked.
pub async fn for_report(conn: &mut AsyncPgConnection, report_id: i64) -> AppResult<Vec<Answer>> {
    Ok(report_answers::table
        .filter(report_answers::report_id.eq(report_id))
        .order(report_answers::position)
        .select((
            report_answers::code,
            report_answers::question,
            report_answers::answer,
        ))
        .load(conn)
        .await?)
}
