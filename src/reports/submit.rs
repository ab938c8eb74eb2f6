//! A resident's report on its way in, as operations the pages and the JSON API call: the
//! anonymous rate limits, the photos, intake with the app's catalog, locator and fallback
//! grid, the "the same problem?" draft (kept in Redis so "submit anyway" needs no second
//! upload), and "follow it instead".

use super::intake::{self, IntakeContext, Outcome, Submission};
use super::model::Report;
use super::{photo_store, ReportDeps, ReportError};
use crate::codes::token;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::people::ratelimit;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;

/// How long a "the same problem?" draft waits for "submit anyway" (seconds).
const DRAFT_SECONDS: u64 = 1800;

/// The submission form as the page received it: fields trimmed, empty meaning absent;
/// photos not yet processed.
#[derive(Debug, Default)]
pub struct FormSubmission {
    pub idempotency_key: String,
    pub code: Option<String>,
    pub category: String,
    pub description: String,
    pub lon: String,
    pub lat: String,
    pub address: String,
    pub email: String,
    /// "Submit anyway" after the similar cases were shown.
    pub confirm_new: bool,
    /// The uploaded file parts as sent (empty parts are skipped).
    pub uploads: Vec<Vec<u8>>,
    /// The page's language tag.
    pub locale: String,
    /// The signed-in resident (id, email), if any.
    pub resident: Option<(i64, String)>,
    /// The client's address, for the per-address limit.
    pub client_ip: String,
}

/// A report sent as JSON by apps and load tests (no photos).
#[derive(Debug, Deserialize)]
pub struct JsonSubmission {
    /// Recommended: a retry with the same key returns the first report. Without one the
    /// server makes one up, and a retried request may create a second report.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    pub code: Option<String>,
    pub category: Option<String>,
    pub description: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub confirm_new: bool,
}

/// Where a form submission ends.
#[derive(Debug)]
pub enum Submitted {
    /// Stored now or before: show the tracking page.
    Tracking(Box<Report>),
    /// Open cases that look like the same problem; the submission waits as a draft.
    Similar(Vec<Report>),
}

/// Submit the report form: a retry of a stored submission finds it; "submit anyway" takes
/// the kept draft; otherwise the limits are counted, the photos stored and intake run. A
/// refusal removes the photos stored for it.
pub async fn submit_form(
    d: ReportDeps<'_>,
    f: FormSubmission,
) -> AppResult<Result<Submitted, ReportError>> {
    // A retry of a submission that already went through (double tap, flaky network).
    {
        let mut conn = d.db.get().await?;
        if let Some(existing) = Report::by_idempotency_key(&mut conn, &f.idempotency_key).await? {
            return Ok(Ok(Submitted::Tracking(Box::new(existing))));
        }
    }
    let submission = if f.confirm_new && f.uploads.is_empty() && f.description.is_empty() {
        // "Submit anyway" after "the same problem?": the draft kept the whole submission.
        let Some(mut s) = load_draft(d, &f.idempotency_key).await? else {
            return Ok(Err(ReportError::BadIdempotencyKey));
        };
        s.confirm_new = true;
        s
    } else {
        check_rate(d, &f.client_ip, f.code.as_deref(), &f.locale).await?;
        let point = match parse_point(&f.lon, &f.lat) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let uploads = f.uploads.into_iter().filter(|p| !p.is_empty()).collect();
        let stored =
            match photo_store::store(d.storage, d.photos, &d.settings.reports, uploads, "reports")
                .await?
            {
                Ok(s) => s,
                Err(e) => return Ok(Err(e)),
            };
        let present = |s: String| Some(s).filter(|s| !s.is_empty());
        Submission {
            idempotency_key: f.idempotency_key.clone(),
            code_token: f.code,
            category: present(f.category),
            description: f.description,
            point,
            address: present(f.address),
            email: present(f.email).or_else(|| f.resident.as_ref().map(|r| r.1.clone())),
            locale: f.locale,
            photos: stored,
            confirm_new: f.confirm_new,
            resident_id: f.resident.as_ref().map(|r| r.0),
            answers: vec![],
            via: None,
        }
    };
    match run_intake(d, submission.clone()).await? {
        Ok(Outcome::Created(r)) | Ok(Outcome::Existing(r)) => {
            drop_draft(d, &f.idempotency_key).await?;
            Ok(Ok(Submitted::Tracking(Box::new(r))))
        }
        Ok(Outcome::Similar(similar)) => {
            // Keep the whole submission (photos already stored) for "submit anyway".
            keep_draft(d, &f.idempotency_key, &submission).await?;
            Ok(Ok(Submitted::Similar(similar)))
        }
        Err(e) => {
            photo_store::discard_all(d.storage, &submission.photos).await;
            Ok(Err(e))
        }
    }
}

/// Submit a JSON report: counted against the same limits as the form, then intake.
pub async fn submit_json(
    d: ReportDeps<'_>,
    client_ip: &str,
    locale: &str,
    b: JsonSubmission,
) -> AppResult<Result<Outcome, ReportError>> {
    check_rate(d, client_ip, b.code.as_deref(), locale).await?;
    let point = match (b.lon, b.lat) {
        (Some(x), Some(y)) => Some((x, y)),
        (None, None) => None,
        _ => return Ok(Err(ReportError::BadCoordinates)),
    };
    let s = Submission {
        idempotency_key: b
            .idempotency_key
            .unwrap_or_else(crate::people::sessions::random_secret),
        code_token: b.code,
        category: b.category,
        description: b.description,
        point,
        address: b.address,
        email: b.email,
        locale: locale.to_owned(),
        photos: vec![],
        confirm_new: b.confirm_new,
        resident_id: None,
        answers: vec![],
        via: None,
    };
    run_intake(d, s).await
}

/// Submit a report another channel has already put together (Open311): counted against the
/// same limits as the form (`client_ip` names the sender), then the same intake.
pub async fn submit_prepared(
    d: ReportDeps<'_>,
    client_ip: &str,
    locale: &str,
    s: Submission,
) -> AppResult<Result<Outcome, ReportError>> {
    check_rate(d, client_ip, s.code_token.as_deref(), locale).await?;
    run_intake(d, s).await
}

/// "The same problem? Follow it" instead of a new report: the address follows the case, and
/// the abandoned submission's draft and photos (if its key is given) are dropped.
pub async fn follow_instead(
    d: ReportDeps<'_>,
    public_id: &str,
    email: &str,
    abandoned_key: &str,
    client_ip: &str,
) -> AppResult<Result<Report, ReportError>> {
    let report = find_public(d, public_id).await?;
    let email = email.trim();
    if !intake::valid_email(email) {
        return Ok(Err(ReportError::BadEmail));
    }
    // Each follow sends a mail (once per address), so it is limited like a report.
    let sec = &d.settings.security;
    let by_ip = ratelimit::hit(
        d.redis,
        &format!("follow:ip:{}", ratelimit_address(client_ip)),
        sec.follows_per_ip_per_hour,
        3600,
    )
    .await?;
    let by_case = by_ip
        && ratelimit::hit(
            d.redis,
            &format!("follow:case:{}", report.id),
            sec.follows_per_case_per_hour,
            3600,
        )
        .await?;
    if !by_case {
        return Err(AppError::new(ErrorCode::RateLimited).with_reason("follow_rate_limited"));
    }
    let mut conn = d.db.get().await?;
    super::handling::follow(
        &mut conn,
        d.catalog,
        super::Links::of(d.settings),
        &report,
        email,
    )
    .await?;
    drop(conn);
    if !abandoned_key.is_empty() {
        let mut c = d.redis.conn();
        let raw: Option<String> = redis::cmd("GETDEL")
            .arg(draft_key(d, abandoned_key))
            .query_async(&mut c)
            .await?;
        if let Some(s) = raw.and_then(|r| serde_json::from_str::<Submission>(&r).ok()) {
            photo_store::discard_all(d.storage, &s.photos).await;
        }
    }
    Ok(Ok(report))
}

/// An address confirms it follows a case, with the signed link from its one mail. Returns the
/// case, or `None` when the link is not valid for it.
pub async fn confirm_follow(
    d: ReportDeps<'_>,
    public_id: &str,
    email: &str,
    token: &str,
) -> AppResult<Option<Report>> {
    let report = find_public(d, public_id).await?;
    let valid = crate::signed::verify(
        &d.settings.security.secret_key,
        crate::signed::Purpose::ConfirmFollow,
        &[&report.public_id, email],
        token,
    );
    if !valid {
        return Ok(None);
    }
    let mut conn = d.db.get().await?;
    super::handling::confirm_follow(&mut conn, report.id, email).await?;
    Ok(Some(report))
}

/// The part of a client address that rate limits count: the address itself for IPv4, its
/// /64 network for IPv6 (one subscriber gets a whole /64, so counting single addresses
/// would let one phone have 2^64 buckets).
pub fn ratelimit_address(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        _ => ip.to_owned(),
    }
}

/// A case by the public id in its tracking link (look-alike letters folded); `not_found`
/// otherwise.
pub async fn find_public(d: ReportDeps<'_>, public_id: &str) -> AppResult<Report> {
    let pid = token::normalize(public_id).ok_or_else(AppError::not_found)?;
    let mut conn = d.db.get().await?;
    Report::by_public_id(&mut conn, &pid)
        .await?
        .ok_or_else(AppError::not_found)
}

fn draft_key(d: ReportDeps<'_>, idempotency_key: &str) -> String {
    d.redis.key(&format!("report_draft:{idempotency_key}"))
}

async fn load_draft(d: ReportDeps<'_>, idempotency_key: &str) -> AppResult<Option<Submission>> {
    let mut c = d.redis.conn();
    let raw: Option<String> = redis::cmd("GET")
        .arg(draft_key(d, idempotency_key))
        .query_async(&mut c)
        .await?;
    Ok(raw.and_then(|r| serde_json::from_str::<Submission>(&r).ok()))
}

async fn keep_draft(d: ReportDeps<'_>, idempotency_key: &str, s: &Submission) -> AppResult<()> {
    let json = serde_json::to_string(s).map_err(AppError::internal)?;
    let mut c = d.redis.conn();
    let _: () = redis::cmd("SET")
        .arg(draft_key(d, idempotency_key))
        .arg(json)
        .arg("EX")
        .arg(DRAFT_SECONDS)
        .query_async(&mut c)
        .await?;
    Ok(())
}

async fn drop_draft(d: ReportDeps<'_>, idempotency_key: &str) -> AppResult<()> {
    let mut c = d.redis.conn();
    let _: () = redis::cmd("DEL")
        .arg(draft_key(d, idempotency_key))
        .query_async(&mut c)
        .await?;
    Ok(())
}

/// Count an anonymous submission against the per-address and per-code limits.
async fn check_rate(
    d: ReportDeps<'_>,
    client_ip: &str,
    code: Option<&str>,
    locale: &str,
) -> AppResult<()> {
    let s = &d.settings.reports;
    let ok_ip = ratelimit::hit(
        d.redis,
        &format!("report:ip:{client_ip}"),
        s.anonymous_per_ip_per_hour,
        3600,
    )
    .await?;
    let ok_code = match code {
        Some(c) => {
            ratelimit::hit(
                d.redis,
                &format!("report:code:{c}"),
                s.anonymous_per_code_per_hour,
                3600,
            )
            .await?
        }
        None => true,
    };
    if ok_ip && ok_code {
        Ok(())
    } else {
        Err(AppError::with_detail(
            ErrorCode::RateLimited,
            if locale == "en" {
                "Too many reports from here; please try again later."
            } else {
                "上报过于频繁，请稍后再试。"
            },
        ))
    }
}

fn parse_point(lon: &str, lat: &str) -> Result<Option<(f64, f64)>, ReportError> {
    match (lon.is_empty(), lat.is_empty()) {
        (true, true) => Ok(None),
        (false, false) => match (lon.parse::<f64>(), lat.parse::<f64>()) {
            (Ok(x), Ok(y)) => Ok(Some((x, y))),
            _ => Err(ReportError::BadCoordinates),
        },
        _ => Err(ReportError::BadCoordinates),
    }
}

/// The grid for reports with nowhere better to go: the configured one, else the first
/// top-level grid.
async fn fallback_grid(d: ReportDeps<'_>, conn: &mut AsyncPgConnection) -> AppResult<i64> {
    use crate::db::schema::grids;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let code = &d.settings.reports.fallback_grid;
    let q = grids::table.select(grids::id).into_boxed();
    let q = if code.is_empty() {
        q.filter(grids::level.eq(1)).order(grids::id)
    } else {
        q.filter(grids::code.eq(code.clone()))
    };
    q.first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::with_detail(ErrorCode::Internal, "no grid to route reports to"))
}

/// Run intake with the app's catalog, locator and fallback grid.
async fn run_intake(d: ReportDeps<'_>, s: Submission) -> AppResult<Result<Outcome, ReportError>> {
    let mut conn = d.db.get().await?;
    let locator = d.locator.current(&mut conn).await?;
    let fallback = fallback_grid(d, &mut conn).await?;
    let ctx = IntakeContext {
        catalog: d.catalog,
        locator: &locator,
        fallback_grid: fallback,
        links: super::Links::of(d.settings),
        similar_radius_m: d.settings.reports.similar_radius_m,
    };
    intake::submit(&mut conn, &ctx, s, chrono::Utc::now()).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn ipv6_clients_are_counted_per_64() {
        use super::ratelimit_address as a;
        assert_eq!(
            a("2001:db8:1:2:3:4:5:6"),
            a("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_ne!(a("2001:db8:1:2::1"), a("2001:db8:1:3::1"));
        assert_eq!(a("203.0.113.9"), "203.0.113.9");
        assert_eq!(a("::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(a("unknown"), "unknown");
    }

    use super::*;

    #[test]
    fn a_point_needs_both_numbers_or_neither() {
        assert_eq!(parse_point("", ""), Ok(None));
        assert_eq!(parse_point("120.1", "30.2"), Ok(Some((120.1, 30.2))));
        assert_eq!(parse_point("120.1", ""), Err(ReportError::BadCoordinates));
        assert_eq!(
            parse_point("east", "30.2"),
            Err(ReportError::BadCoordinates)
        );
    }
}
