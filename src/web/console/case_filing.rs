//! What a case page shows of a report staff filed: "代办: 信息员 X for household Y" with the
//! resident's consent, or "巡查上报: X", and whether the signed-in filer may rate it on the
//! resident's word.

use crate::error::AppResult;
use crate::reports::ledger::CaseState;
use crate::reports::Report;
use diesel_async::AsyncPgConnection;
use serde::Serialize;

/// A filed report, as the case page shows it.
#[derive(Serialize)]
pub struct Filed {
    /// `on_behalf` or `inspection`.
    pub kind: String,
    pub filer_name: String,
    /// The filer's role code (`informant`, `grid_worker`, …).
    pub filer_role: String,
    /// The door or shop filed for, with its compound.
    pub place: Option<String>,
    /// How the resident agreed (`in_person`, `phone`, `written`).
    pub consent: Option<String>,
    /// The contact the resident agreed to give: only for staff who handle the case and the
    /// filer.
    pub contact: Option<String>,
    /// The signed-in filer may rate it now (resolved, and nobody of the household can).
    pub can_rate: bool,
    /// The household has bound residents, who follow and rate it themselves.
    pub residents_rate: bool,
}

/// The filing of `report` (`None` for a resident's own report), as `me_id` sees it
/// (`handles`: whether they act on the case, and so may see the resident's contact).
pub async fn filed(
    conn: &mut AsyncPgConnection,
    report: &Report,
    me_id: i64,
    handles: bool,
) -> AppResult<Option<Filed>> {
    let (Some(filer_id), Some(kind)) = (report.filed_by, report.filed_as().map(str::to_owned))
    else {
        return Ok(None);
    };
    let consent = crate::reports::filing::consent_of(conn, report.id).await?;
    let filer = crate::people::Staff::find_any(conn, filer_id).await?;
    let place = match report.code_id {
        Some(id) => {
            let label = crate::codes::lookup::labels(conn, &[id]).await?;
            let grid = crate::grids::Grid::find(conn, report.grid_id).await?;
            label.get(&id).map(|l| format!("{} {l}", grid.name))
        }
        None => None,
    };
    let residents_rate = kind == "on_behalf"
        && crate::reports::filing::household_has_residents(conn, report).await?;
    let can_rate = report.case_state() == CaseState::Resolved
        && crate::reports::filing::may_rate_for_resident(conn, report, me_id)
            .await?
            .is_ok();
    Ok(Some(Filed {
        kind,
        filer_name: filer
            .as_ref()
            .map(|s| s.display_name.clone())
            .unwrap_or_default(),
        filer_role: filer.map(|s| s.role).unwrap_or_default(),
        place,
        consent: consent.as_ref().map(|c| c.0.as_str().to_owned()),
        contact: consent
            .and_then(|c| c.1)
            .filter(|_| handles || filer_id == me_id),
        can_rate,
        residents_rate,
    }))
}
