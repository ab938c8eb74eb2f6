//! Mail sent at once, outside the outbox: only for what must never be stored and is worthless
//! minutes later (a sign-in code). If the mail server is down the person asks again; a code
//! kept in a table to be retried would be a code anyone with a database read could use.

use super::{MailTemplates, Mailer};

/// Tries before giving up, and the pause before each retry.
const RETRY_PAUSES_MS: [u64; 2] = [500, 2_000];

/// Render and send `template` to `to`, retrying briefly. Errors are logged, never returned:
/// the caller has answered the person already.
pub async fn send(
    mailer: &Mailer,
    templates: &MailTemplates,
    to: &str,
    template: &str,
    locale: &str,
    params: &serde_json::Value,
) {
    let rendered = match templates.render(template, locale, params) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(template, error = %e, "mail template failed");
            return;
        }
    };
    let mut pauses = RETRY_PAUSES_MS.iter();
    loop {
        match mailer
            .send(
                to,
                &rendered.subject,
                rendered.text.clone(),
                rendered.html.clone(),
            )
            .await
        {
            Ok(()) => return,
            Err(error) => match pauses.next() {
                Some(ms) => tokio::time::sleep(std::time::Duration::from_millis(*ms)).await,
                None => {
                    tracing::warn!(template, %error, "direct mail not sent");
                    return;
                }
            },
        }
    }
}
