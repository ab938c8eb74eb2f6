//! Background work: escalating overdue cases, closing unrated resolved cases, sending mail.
//!
//! Every job is a `run_once(state, now)` that tests call with a controllable clock; `spawn`
//! runs them on a timer. Each is idempotent and safe with several app instances running:
//! cases are changed through the state machine under a row lock (a second instance finds the
//! step already done and the machine refuses it), and mail rows are claimed with
//! `FOR UPDATE SKIP LOCKED`.

use crate::error::AppResult;
use crate::reports::handling::{self, By};
use crate::reports::ledger::{self, Action, Actor};
use crate::reports::Report;
use crate::state::Services;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Escalate every case whose deadline passed: not accepted in time → level 2, overdue →
/// level 1. Returns how many escalations were made.
pub async fn escalate_due(state: &Services, now: DateTime<Utc>) -> AppResult<usize> {
    let mut conn = state.conn().await?;
    let candidates = Report::past_a_deadline(&mut conn, now, 500).await?;
    let mut done = 0;
    for r in candidates {
        let Some(level) =
            ledger::escalation_due(r.case_state(), &r.deadlines(), r.escalation_level, now)
        else {
            continue;
        };
        let outcome = handling::act(
            &mut conn,
            &state.catalog,
            crate::reports::Links::of(&state.settings),
            r.id,
            By {
                actor: Actor::System,
                staff_id: None,
            },
            Action::Escalate { to_level: level },
            &[],
            now,
        )
        .await?;
        match outcome {
            Ok(_) => done += 1,
            // Another instance escalated it first: nothing to do.
            Err(e) => tracing::debug!(report_id = r.id, reason = e.code(), "escalation skipped"),
        }
    }
    Ok(done)
}

/// Close resolved cases the reporter did not rate within `jobs.auto_close_days`.
pub async fn auto_close_due(state: &Services, now: DateTime<Utc>) -> AppResult<usize> {
    let days = state.settings.jobs.auto_close_days;
    let mut conn = state.conn().await?;
    let cutoff = now - chrono::Duration::days(i64::from(days));
    let ids = Report::resolved_before(&mut conn, cutoff, 500).await?;
    let mut done = 0;
    for id in ids {
        let r = handling::act(
            &mut conn,
            &state.catalog,
            crate::reports::Links::of(&state.settings),
            id,
            By {
                actor: Actor::System,
                staff_id: None,
            },
            Action::AutoClose,
            &[],
            now,
        )
        .await?;
        done += usize::from(r.is_ok());
    }
    Ok(done)
}

/// Send the mail that is due.
pub async fn send_mail(
    state: &Services,
    now: DateTime<Utc>,
) -> AppResult<crate::notify::outbox::SendReport> {
    let mut conn = state.conn().await?;
    crate::notify::outbox::send_due(&mut conn, &state.mailer, &state.mail_templates, now, 50).await
}

/// Run the jobs on timers until the process ends. A failing run (PostgreSQL down) is logged
/// and retried at the next tick.
pub fn spawn(state: Services) {
    let cfg = state.settings.jobs.clone();
    if !cfg.enabled {
        return;
    }
    let s = state.clone();
    tokio::spawn(async move {
        let mut tick =
            tokio::time::interval(Duration::from_secs(cfg.escalation_interval_seconds.max(1)));
        loop {
            tick.tick().await;
            if let Err(e) = escalate_due(&s, Utc::now()).await {
                tracing::warn!(error = %e, "escalation job failed");
            }
            if let Err(e) = auto_close_due(&s, Utc::now()).await {
                tracing::warn!(error = %e, "auto-close job failed");
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(cfg.mail_interval_seconds.max(1)));
        loop {
            tick.tick().await;
            match send_mail(&state, Utc::now()).await {
                Ok(r) if r.sent + r.failed > 0 => {
                    tracing::info!(sent = r.sent, failed = r.failed, "mail job")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail job failed"),
            }
        }
    });
}
