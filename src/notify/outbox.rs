//! The mail outbox: enqueue inside a transaction, send what is due with retries.

use super::{MailTemplates, Mailer};
use crate::error::AppResult;
use chrono::{DateTime, Duration, Utc};
use diesel::sql_types::{BigInt, Integer, Jsonb, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// Queue a mail. A second call with the same `dedupe_key` does nothing, so callers can
/// enqueue from retried or concurrent code paths safely.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    dedupe_key: &str,
    to: &str,
    template: &str,
    locale: &str,
    params: serde_json::Value,
) -> AppResult<()> {
    diesel::sql_query(
        "INSERT INTO mail_outbox (dedupe_key, to_address, template, locale, params)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind::<Text, _>(dedupe_key)
    .bind::<Text, _>(to)
    .bind::<Text, _>(template)
    .bind::<Text, _>(locale)
    .bind::<Jsonb, _>(params)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct LastId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The id of the newest queued mail (0 if none): a mark for [`discard_unsent_after`].
pub async fn last_id(conn: &mut AsyncPgConnection) -> AppResult<i64> {
    let r: LastId = diesel::sql_query("SELECT COALESCE(max(id), 0) AS id FROM mail_outbox")
        .get_result(conn)
        .await?;
    Ok(r.id)
}

/// Drop the mails queued after `mark` that have not gone out. For work that is made up
/// rather than done (the demo's history), which nobody is to be told about. Returns how many.
pub async fn discard_unsent_after(conn: &mut AsyncPgConnection, mark: i64) -> AppResult<usize> {
    Ok(
        diesel::sql_query("DELETE FROM mail_outbox WHERE id > $1 AND sent_at IS NULL")
            .bind::<BigInt, _>(mark)
            .execute(conn)
            .await?,
    )
}

#[derive(diesel::QueryableByName)]
struct Due {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    to_address: String,
    #[diesel(sql_type = Text)]
    template: String,
    #[diesel(sql_type = Text)]
    locale: String,
    #[diesel(sql_type = Jsonb)]
    params: serde_json::Value,
    #[diesel(sql_type = Integer)]
    attempts: i32,
}

/// How long to wait before the next try after `attempts` failures: 30 s doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 7));
    Duration::seconds(secs.min(3600))
}

/// What one run of the sender did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub failed: usize,
}

/// Send up to `batch` due mails. Rows are claimed with `FOR UPDATE SKIP LOCKED` inside one
/// transaction, so concurrent senders (other instances) take other rows.
pub async fn send_due(
    conn: &mut AsyncPgConnection,
    mailer: &Mailer,
    templates: &MailTemplates,
    now: DateTime<Utc>,
    batch: i64,
) -> AppResult<SendReport> {
    conn.transaction(async |conn| {
        let due: Vec<Due> = diesel::sql_query(
            "SELECT id, to_address, template, locale, params, attempts FROM mail_outbox
             WHERE sent_at IS NULL AND next_attempt_at <= $1
             ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
        )
        .bind::<Timestamptz, _>(now)
        .bind::<BigInt, _>(batch)
        .load(conn)
        .await?;
        let mut report = SendReport::default();
        for mail in due {
            let result = match templates.render(&mail.template, &mail.locale, &mail.params) {
                Ok(r) => mailer.send(&mail.to_address, &r.subject, r.text, r.html).await,
                Err(e) => Err(format!("template: {e}")),
            };
            match result {
                Ok(()) => {
                    report.sent += 1;
                    diesel::sql_query("UPDATE mail_outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1")
                        .bind::<BigInt, _>(mail.id)
                        .bind::<Timestamptz, _>(now)
                        .execute(conn)
                        .await?;
                }
                Err(error) => {
                    report.failed += 1;
                    tracing::warn!(mail_id = mail.id, attempts = mail.attempts + 1, %error, "mail not sent; will retry");
                    diesel::sql_query("UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1")
                        .bind::<BigInt, _>(mail.id)
                        .bind::<Text, _>(error.chars().take(500).collect::<String>())
                        .bind::<Timestamptz, _>(now + backoff(mail.attempts))
                        .execute(conn)
                        .await?;
                }
            }
        }
        Ok::<_, crate::error::AppError>(report)
    })
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(super::backoff(0).num_seconds(), 30);
        assert_eq!(super::backoff(1).num_seconds(), 60);
        assert_eq!(super::backoff(3).num_seconds(), 240);
        assert_eq!(super::backoff(20).num_seconds(), 3600);
    }
}
