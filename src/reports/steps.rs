//! Steps on a case as one operation each, for the reporter's page and the console alike:
//! the photos they bring, the step itself ([`super::handling::act`]) and the points it earns,
//! paid at once. Also what the public tracking page shows of a case.

use super::handling::{self, By};
use super::ledger::{Action, Actor, Rating};
use super::model::{CaseEvent, Photo, Report};
use super::{photo_store, submit, ReportDeps, ReportError};
use crate::error::{AppError, AppResult};

/// The reporter rates a resolved case (by its tracking link); the rating's points are paid
/// at once.
pub async fn rate(
    d: ReportDeps<'_>,
    public_id: &str,
    proof: &super::RaterProof,
    rating: &str,
    comment: &str,
) -> AppResult<Result<Report, ReportError>> {
    let report = submit::find_public(d, public_id).await?;
    // Only the reporter rates: the figures count this rating for the grid and its worker.
    if !proof.is_reporter(d.settings, &report) {
        return Ok(Err(ReportError::NotTheReporter));
    }
    let rating = Rating::parse(rating).ok_or_else(|| AppError::invalid("rating"))?;
    let comment = Some(comment.trim().to_owned()).filter(|c| !c.is_empty());
    let by = By {
        actor: Actor::Reporter,
        staff_id: None,
    };
    let mut conn = d.db.get().await?;
    let done = handling::act(
        &mut conn,
        d.catalog,
        super::Links::of(d.settings),
        report.id,
        by,
        Action::Rate { rating, comment },
        &[],
        chrono::Utc::now(),
    )
    .await?;
    drop(conn);
    if done.is_ok() {
        pay(d, handling::rated_source(report.id)).await;
    }
    Ok(done.map(|_| report))
}

/// A staff member's step on a case; a resolution brings its result photos (processed and
/// stored like residents', removed again if the step is refused). Accepting a signed-in
/// resident's report earns them points, paid at once.
pub async fn staff_step(
    d: ReportDeps<'_>,
    report_id: i64,
    by: By,
    action: Action,
    uploads: Vec<Vec<u8>>,
) -> AppResult<Result<Report, ReportError>> {
    let stored = if matches!(action, Action::Resolve { .. }) {
        match photo_store::store(d.storage, d.photos, &d.settings.reports, uploads, "results")
            .await?
        {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        }
    } else {
        Vec::new()
    };
    let mut conn = d.db.get().await?;
    let done = handling::act(
        &mut conn,
        d.catalog,
        super::Links::of(d.settings),
        report_id,
        by,
        action,
        &stored,
        chrono::Utc::now(),
    )
    .await?;
    drop(conn);
    match &done {
        Ok(r) => pay(d, handling::accepted_source(r.id)).await,
        Err(_) => photo_store::discard_all(d.storage, &stored).await,
    }
    Ok(done)
}

async fn pay(d: ReportDeps<'_>, source: String) {
    crate::points::earn::pay_now(d.db, d.redis, &d.settings.points, &[source]).await;
}

/// What the public tracking page shows of a case: nothing about the reporter.
pub struct PublicCase {
    pub report: Report,
    /// The steps the reporter sees, oldest first.
    pub events: Vec<CaseEvent>,
    pub photos: Vec<Photo>,
    pub grid_name: String,
}

/// The case behind a tracking link, with its public steps, photos and grid.
pub async fn public_case(d: ReportDeps<'_>, public_id: &str) -> AppResult<PublicCase> {
    let report = submit::find_public(d, public_id).await?;
    let mut conn = d.db.get().await?;
    let events = report.public_events(&mut conn).await?;
    let photos = report.photos(&mut conn).await?;
    let grid = crate::grids::Grid::find(&mut conn, report.grid_id).await?;
    Ok(PublicCase {
        report,
        events,
        photos,
        grid_name: grid.name,
    })
}
