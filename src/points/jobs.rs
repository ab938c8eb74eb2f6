//! The points jobs on a timer: expire holds, pay pending earnings, and relay the journal to
//! Redis. All are
//! idempotent and safe with several instances running.

use crate::state::Services;
use chrono::Utc;
use std::time::Duration;

/// Run the points jobs until the process ends (if `jobs.enabled`).
pub fn spawn(state: Services) {
    if !state.settings.jobs.enabled {
        return;
    }
    tokio::spawn(async move {
        let every = Duration::from_secs(state.settings.points.job_interval_seconds.max(1));
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = super::expire_holds(&state.db, &state.redis, Utc::now()).await {
                tracing::warn!(error = %e, "hold expiry job failed");
            }
            if let Err(e) = super::earn::pay_pending(
                &state.db,
                &state.redis,
                &state.settings.points,
                Utc::now(),
                500,
            )
            .await
            {
                tracing::warn!(error = %e, "paying earnings failed");
            }
            let relay = async {
                let mut conn = state.conn().await?;
                super::relay::catch_up(&mut conn, &state.redis, Utc::now()).await
            };
            if let Err(e) = relay.await {
                tracing::warn!(error = %e, "points relay failed");
            }
        }
    });
}
