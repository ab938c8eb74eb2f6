//! Taking in a snap-report: validate, find the category and the responsible grid, offer
//! "the same problem?" instead of a duplicate, store the case with its first events and
//! mails in one transaction. A retry with the same idempotency key gets the same report.

use super::categories::Catalog;
use super::ledger::{self, CaseState};
use super::model::{NewEvent, Report, StoredPhoto};
use super::routing::{self, Route, RouteReason};
use super::{notify_staff, ReportError};
use crate::codes::Code;
use crate::db::schema::reports;
use crate::error::AppResult;
use crate::grids::locate::Locator;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

/// The category used when the resident chose none and the text suggests none.
pub const DEFAULT_CATEGORY: &str = "event.urban_governance_other";
/// Description length limit (characters).
pub const MAX_DESCRIPTION: usize = 1000;
/// Description length limit for requests from integrators (GeoReport v2 allows 4,000).
pub const MAX_DESCRIPTION_OPEN311: usize = 4000;

/// What the resident sent (photos already stored).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Submission {
    pub idempotency_key: String,
    pub code_token: Option<String>,
    pub category: Option<String>,
    pub description: String,
    /// WGS-84 (longitude, latitude) from the phone, with the resident's consent.
    pub point: Option<(f64, f64)>,
    pub address: Option<String>,
    pub email: Option<String>,
    pub locale: String,
    pub photos: Vec<StoredPhoto>,
    /// The resident saw the similar open cases and wants a new one anyway.
    pub confirm_new: bool,
    /// The signed-in resident who reports, if any (their reports are linked to them).
    #[serde(default)]
    pub resident_id: Option<i64>,
    /// Answers to the category's questions (already checked against them).
    #[serde(default)]
    pub answers: Vec<super::answers::Answer>,
    /// Where the report came from when not from a resident's own page: `open311:<key name>`
    /// (recorded in the submit event; allows GeoReport's longer description).
    #[serde(default)]
    pub via: Option<String>,
    /// Filed by staff (代办 or an inspection find): who, and the resident's consent.
    #[serde(default)]
    pub filed: Option<super::filing::Filing>,
}

/// What became of a submission.
#[derive(Debug)]
pub enum Outcome {
    Created(Report),
    /// The same idempotency key was seen before with the same content.
    Existing(Report),
    /// Open cases that look like the same problem; nothing stored yet.
    Similar(Vec<Report>),
}

/// Where intake needs to look things up.
pub struct IntakeContext<'a> {
    pub catalog: &'a Catalog,
    pub locator: &'a Locator,
    pub fallback_grid: i64,
    pub links: super::Links<'a>,
    pub similar_radius_m: f64,
}

/// Check an email address enough to send to it.
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.len() <= 254
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',')
}

/// Distance in metres between two WGS-84 points (haversine).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lon1, lat1, lon2, lat2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

/// The content fingerprint that tells a retry from a different report under the same key.
fn request_hash(s: &Submission) -> String {
    let mut h = Sha256::new();
    let parts = [
        s.code_token.clone().unwrap_or_default(),
        s.category.clone().unwrap_or_default(),
        s.description.trim().to_owned(),
        s.point
            .map(|(x, y)| format!("{x:.6},{y:.6}"))
            .unwrap_or_default(),
        s.address.clone().unwrap_or_default(),
        s.email.clone().unwrap_or_default(),
    ];
    for p in parts
        .iter()
        .map(String::as_str)
        .chain(s.photos.iter().map(|p| p.sha256.as_str()))
    {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

/// Validate the fields that need no database (pure).
pub fn validate(s: &Submission, catalog: &Catalog) -> Result<(), ReportError> {
    let n = s.description.trim().chars().count();
    if n == 0 {
        return Err(ReportError::DescriptionMissing);
    }
    let max = if s.via.is_some() {
        MAX_DESCRIPTION_OPEN311
    } else {
        MAX_DESCRIPTION
    };
    if n > max {
        return Err(ReportError::DescriptionTooLong { max });
    }
    if let Some(c) = &s.category {
        if catalog.kind(c).is_none() {
            return Err(ReportError::UnknownCategory);
        }
    }
    if let Some(e) = &s.email {
        if !valid_email(e) {
            return Err(ReportError::BadEmail);
        }
    }
    if s.address.as_ref().is_some_and(|a| a.chars().count() > 200) {
        return Err(ReportError::AddressTooLong { max: 200 });
    }
    if let Some((lon, lat)) = s.point {
        if !lon.is_finite()
            || !lat.is_finite()
            || !(-180.0..=180.0).contains(&lon)
            || !(-90.0..=90.0).contains(&lat)
        {
            return Err(ReportError::BadCoordinates);
        }
    }
    if s.idempotency_key.len() < 8 || s.idempotency_key.len() > 100 {
        return Err(ReportError::BadIdempotencyKey);
    }
    Ok(())
}

/// Open cases of the same category at the same code or within `radius_m`.
async fn similar(
    conn: &mut AsyncPgConnection,
    category: &str,
    code_id: Option<i64>,
    point: Option<(f64, f64)>,
    radius_m: f64,
) -> AppResult<Vec<Report>> {
    let open = ["submitted", "accepted", "dispatched", "in_progress"];
    let mut found: Vec<Report> = Vec::new();
    if let Some(code_id) = code_id {
        found = reports::table
            .filter(
                reports::state
                    .eq_any(open)
                    .and(reports::category.eq(category))
                    .and(reports::code_id.eq(code_id)),
            )
            .order(reports::submitted_at.desc())
            .limit(3)
            .select(Report::as_select())
            .load(conn)
            .await?;
    }
    if let Some((lon, lat)) = point {
        // A bounding box in degrees first (uses no index but few rows are open), then the
        // exact distance.
        let dlat = radius_m / 111_000.0;
        let dlon = dlat / lat.to_radians().cos().max(0.01);
        let near: Vec<Report> = reports::table
            .filter(
                reports::state
                    .eq_any(open)
                    .and(reports::category.eq(category)),
            )
            .filter(
                reports::lat
                    .between(lat - dlat, lat + dlat)
                    .and(reports::lon.between(lon - dlon, lon + dlon)),
            )
            .order(reports::submitted_at.desc())
            .limit(10)
            .select(Report::as_select())
            .load(conn)
            .await?;
        for r in near {
            let close = matches!((r.lon, r.lat), (Some(x), Some(y)) if distance_m((x, y), (lon, lat)) <= radius_m);
            if close && !found.iter().any(|f| f.id == r.id) {
                found.push(r);
            }
        }
    }
    found.truncate(3);
    Ok(found)
}

/// Take in a submission: [`prepare`], then [`store`] what is ready.
pub async fn submit(
    conn: &mut AsyncPgConnection,
    ctx: &IntakeContext<'_>,
    s: Submission,
    now: DateTime<Utc>,
) -> AppResult<Result<Outcome, ReportError>> {
    Ok(match prepare(conn, ctx, s, now).await? {
        Ok(Prepared::Ready(ready)) => Ok(store(conn, ctx, *ready).await?),
        Ok(Prepared::Done(outcome)) => Ok(*outcome),
        Err(e) => Err(e),
    })
}

/// A submission checked and routed: everything that can refuse it has run, only storing is
/// left (callers count rate limits here, so refused attempts are never counted).
#[derive(Debug)]
pub struct Ready {
    s: Submission,
    hash: String,
    code_id: Option<i64>,
    point: Option<(f64, f64)>,
    route: Route,
    location_source: &'static str,
    kind: super::categories::Kind,
    deadlines: ledger::Deadlines,
    now: DateTime<Utc>,
}

impl Ready {
    /// The submission as it will be stored.
    pub fn submission(&self) -> &Submission {
        &self.s
    }
}

/// What [`prepare`] found.
#[derive(Debug)]
pub enum Prepared {
    /// Nothing to store: a retry of a stored report, or similar open cases to offer.
    Done(Box<Outcome>),
    /// Accepted: store it with [`store`].
    Ready(Box<Ready>),
}

/// Validate, find the code, the category and the grid, and look for similar open cases;
/// nothing is written.
pub async fn prepare(
    conn: &mut AsyncPgConnection,
    ctx: &IntakeContext<'_>,
    s: Submission,
    now: DateTime<Utc>,
) -> AppResult<Result<Prepared, ReportError>> {
    if let Err(e) = validate(&s, ctx.catalog) {
        return Ok(Err(e));
    }
    let hash = request_hash(&s);
    if let Some(existing) = Report::by_idempotency_key(conn, &s.idempotency_key).await? {
        return Ok(if existing.request_hash == hash {
            Ok(Prepared::Done(Box::new(Outcome::Existing(existing))))
        } else {
            Err(ReportError::IdempotencyConflict)
        });
    }
    let target = match &s.code_token {
        Some(t) => match crate::codes::token::normalize(t) {
            Some(t) => match Code::scan(conn, &t).await? {
                Some(target) => Some(target),
                None => return Ok(Err(ReportError::UnknownCode)),
            },
            None => return Ok(Err(ReportError::UnknownCode)),
        },
        None => None,
    };
    // A photo's own GPS stands in only when the phone sent no position and there is no code:
    // a report located by its door code keeps no position the person did not choose to give
    // (a photo taken at home would otherwise store where the household lives, to the metre).
    let point = s.point.or_else(|| {
        target
            .is_none()
            .then(|| s.photos.iter().find_map(|p| p.gps))
            .flatten()
    });
    if target.is_none() {
        if let Some((lon, lat)) = point {
            if !routing::in_district(ctx.locator, lon, lat) {
                return Ok(Err(ReportError::OutsideDistrict));
            }
        }
    }
    let category = s
        .category
        .clone()
        .or_else(|| {
            ctx.catalog
                .suggest(&s.description, 1)
                .into_iter()
                .next()
                .map(|k| k.code.clone())
        })
        .unwrap_or_else(|| DEFAULT_CATEGORY.to_owned());
    let kind = ctx.catalog.kind(&category).ok_or_else(|| {
        crate::error::AppError::internal(anyhow::anyhow!(
            "category {category} missing from the catalog"
        ))
    })?;
    let code_id = target.as_ref().map(|t| t.code_id);
    if !s.confirm_new {
        let found = similar(conn, &category, code_id, point, ctx.similar_radius_m).await?;
        if !found.is_empty() {
            return Ok(Ok(Prepared::Done(Box::new(Outcome::Similar(found)))));
        }
    }
    // An inspection find without a code goes to the compound its filer chose (checked to be
    // in their scope), wherever the phone happened to be.
    let chosen = s
        .filed
        .as_ref()
        .and_then(|f| f.grid_id.map(|g| (g, f.staff_id)));
    let route: Route = match (&target, chosen) {
        (None, Some((grid_id, staff_id))) => Route {
            grid_id,
            reason: routing::RouteReason::Filer { staff_id },
        },
        _ => routing::decide(
            target.as_ref().map(|t| (t.code_id, t.grid_id)),
            point,
            ctx.locator,
            ctx.fallback_grid,
        ),
    };
    let location_source = if target.is_some() {
        "code"
    } else if point.is_some() {
        "gps"
    } else if s.address.is_some() {
        "typed"
    } else {
        "none"
    };
    let deadlines = ledger::deadlines(now, kind.accept_hours, kind.finish_hours, None);
    Ok(Ok(Prepared::Ready(Box::new(Ready {
        s,
        hash,
        code_id,
        point,
        route,
        location_source,
        kind: kind.clone(),
        deadlines,
        now,
    }))))
}

/// Store a prepared submission with its first events and mails, in one transaction.
pub async fn store(
    conn: &mut AsyncPgConnection,
    ctx: &IntakeContext<'_>,
    ready: Ready,
) -> AppResult<Outcome> {
    let Ready {
        s,
        hash,
        code_id,
        point,
        route,
        location_source,
        kind,
        deadlines,
        now,
    } = ready;
    let public_id = crate::codes::token::new_token();
    let kind = kind.clone();
    let links = ctx.links;
    let catalog = ctx.catalog;
    let outcome = conn
        .transaction(async |conn| {
            let inserted: Option<Report> = diesel::insert_into(reports::table)
                .values((
                    reports::public_id.eq(&public_id),
                    reports::idempotency_key.eq(&s.idempotency_key),
                    reports::request_hash.eq(&hash),
                    reports::code_id.eq(code_id),
                    reports::grid_id.eq(route.grid_id),
                    reports::category.eq(&kind.code),
                    reports::department.eq(&kind.department),
                    reports::ledger_kind.eq(&kind.ledger),
                    reports::description.eq(s.description.trim()),
                    reports::location_source.eq(location_source),
                    reports::lon.eq(point.map(|p| p.0)),
                    reports::lat.eq(point.map(|p| p.1)),
                    reports::address_text.eq(&s.address),
                    reports::reporter_email.eq(&s.email),
                    reports::resident_id.eq(s.resident_id),
                    reports::filed_by.eq(s.filed.as_ref().map(|f| f.staff_id)),
                    reports::reporter_locale.eq(&s.locale),
                    reports::accept_by.eq(deadlines.accept_by),
                    reports::finish_by.eq(deadlines.finish_by),
                    reports::submitted_at.eq(now),
                    reports::updated_at.eq(now),
                ))
                .on_conflict(reports::idempotency_key)
                .do_nothing()
                .returning(Report::as_returning())
                .get_result(conn)
                .await
                .optional()?;
            let Some(report) = inserted else {
                // A concurrent retry won the race: answer with its report.
                let existing = Report::by_idempotency_key(conn, &s.idempotency_key)
                    .await?
                    .ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("idempotent report vanished")))?;
                return Ok::<_, crate::error::AppError>(Outcome::Existing(existing));
            };
            super::model::insert_photos(conn, report.id, None, &s.photos).await?;
            super::answers::insert(conn, report.id, &s.answers).await?;
            if let Some((how, contact)) = s.filed.as_ref().and_then(|f| f.consent.as_ref()) {
                super::filing::record_consent(conn, report.id, *how, contact.as_deref()).await?;
            }
            let mut submitted = serde_json::json!({ "category": kind.code, "location_source": location_source, "photos": s.photos.len() });
            if let Some(via) = &s.via {
                submitted["via"] = serde_json::Value::from(via.as_str());
            }
            if let Some(f) = &s.filed {
                submitted["filed_as"] = serde_json::Value::from(f.filed_as());
            }
            let events = [
                ("submit", None, Some(CaseState::Submitted), submitted, true),
                ("route", None, None, serde_json::to_value(&route.reason).unwrap_or_default(), true),
            ];
            for (action, from, to, data, public) in events {
                NewEvent {
                    report_id: report.id,
                    at: now,
                    actor: if action == "submit" { "reporter" } else { "system" },
                    // A filed report's submission is the filer's step.
                    staff_id: s.filed.as_ref().filter(|_| action == "submit").map(|f| f.staff_id),
                    action,
                    from_state: from.map(CaseState::as_str),
                    to_state: to.map(CaseState::as_str),
                    note: None,
                    data,
                    public,
                }
                .append(conn)
                .await?;
            }
            notify_staff::new_case(conn, catalog, links, &report).await?;
            if let Some(email) = &report.reporter_email {
                notify_staff::received(conn, catalog, links, &report, email).await?;
            }
            Ok(Outcome::Created(report))
        })
        .await?;
    if let (Outcome::Created(r), RouteReason::Fallback) = (&outcome, &route.reason) {
        tracing::info!(report_id = r.id, "report routed to the fallback queue");
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(valid_email("a@b.cn"));
        assert!(valid_email("zhang.san+report@example.com.cn"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("ab.cn"));
        assert!(!valid_email("a b@c.cn"));
        assert!(!valid_email("a@b.cn>,evil@x.com"));
    }

    #[test]
    fn distances() {
        let d = distance_m((109.99, 40.40), (109.99, 40.401));
        assert!((d - 111.2).abs() < 1.0, "{d}");
        assert_eq!(distance_m((1.0, 1.0), (1.0, 1.0)), 0.0);
    }

    #[test]
    fn hash_tells_content_apart() {
        let s = Submission {
            idempotency_key: "k".repeat(16),
            code_token: None,
            category: None,
            description: "路灯不亮".into(),
            point: None,
            address: None,
            email: None,
            locale: "zh-CN".into(),
            photos: vec![],
            confirm_new: false,
            resident_id: None,
            answers: vec![],
            via: None,
            filed: None,
        };
        let mut t = s.clone();
        assert_eq!(request_hash(&s), request_hash(&t));
        t.description = "路灯坏了".into();
        assert_ne!(request_hash(&s), request_hash(&t));
    }
}
