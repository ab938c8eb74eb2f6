//! A resident's report on its way in, as operations the pages and the JSON API call: the
//! anonymous rate limits, the photos, intake with the app's catalog, locator and fallback
//! grid, the "the same problem?" draft (kept in Redis so "submit anyway" needs no second
//! upload), and "follow it instead".

use super::intake::{self, IntakeContext, Outcome, Prepared, Submission};
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

/// A report sent as JSON by apps and load tests (no photos). The bounds are the ones
/// `web::input` applies to every JSON string (described in the OpenAPI document too).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct JsonSubmission {
    /// Recommended: a retry with the same key returns the first report. Without one the
    /// server makes one up, and a retried request may create a second report.
    #[serde(default)]
    #[schema(max_length = 128)]
    pub idempotency_key: Option<String>,
    /// A printed code's token (the door or shop the report is about); or give a location.
    #[schema(max_length = 64)]
    pub code: Option<String>,
    /// A category code from the catalog (`GET /open311/v2/services.json` lists them as
    /// `service_code`); without one the description is matched to a category.
    #[schema(max_length = 256)]
    pub category: Option<String>,
    /// What is wrong, in the reporter's words.
    #[schema(max_length = 4000)]
    pub description: String,
    /// Longitude (WGS-84) of the problem, with `lat`.
    pub lon: Option<f64>,
    /// Latitude (WGS-84) of the problem, with `lon`.
    pub lat: Option<f64>,
    /// Where it is, in words.
    #[schema(max_length = 256)]
    pub address: Option<String>,
    /// Where to send the reporter news of the case.
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// Report anyway after a 409 `similar_open_case`.
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
/// the kept draft; otherwise the fields are checked, the photos stored and intake run. The
/// per-address and per-code limits count accepted reports only: they are checked when
/// everything else has accepted the submission, so a refused attempt (a wrong photo, a
/// missing description) never uses up a door's quota. A refusal removes the photos stored
/// for it.
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
    let client_ip = f.client_ip.clone();
    let submission = if f.confirm_new && f.uploads.is_empty() && f.description.is_empty() {
        // "Submit anyway" after "the same problem?": the draft kept the whole submission.
        let Some(mut s) = load_draft(d, &f.idempotency_key).await? else {
            return Ok(Err(ReportError::BadIdempotencyKey));
        };
        s.confirm_new = true;
        s
    } else {
        // Attempts, refused or not, are bounded per address too (a generous multiple of the
        // accepted limit), so photo decoding cannot be asked for without end; this bucket
        // is the sender's own and never blocks a door for its neighbours.
        attempt_guard(d, &client_ip, &f.locale).await?;
        let point = match parse_point(&f.lon, &f.lat) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let present = |s: String| Some(s).filter(|s| !s.is_empty());
        let mut s = Submission {
            idempotency_key: f.idempotency_key.clone(),
            code_token: f.code,
            category: present(f.category),
            description: f.description,
            point,
            address: present(f.address),
            email: present(f.email).or_else(|| f.resident.as_ref().map(|r| r.1.clone())),
            locale: f.locale,
            photos: vec![],
            confirm_new: f.confirm_new,
            resident_id: f.resident.as_ref().map(|r| r.0),
            answers: vec![],
            via: None,
            filed: None,
        };
        // The typed fields first: a missing description is refused before any photo is
        // decoded.
        if let Err(e) = intake::validate(&s, d.catalog) {
            return Ok(Err(e));
        }
        let uploads = f.uploads.into_iter().filter(|p| !p.is_empty()).collect();
        s.photos =
            match photo_store::store(d.storage, d.photos, &d.settings.reports, uploads, "reports")
                .await?
            {
                Ok(stored) => stored,
                Err(e) => return Ok(Err(e)),
            };
        s
    };
    match run_intake(d, &client_ip, submission.clone()).await? {
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

/// Submit a JSON report: checked, then counted against the same limits as the form when
/// accepted, then stored.
pub async fn submit_json(
    d: ReportDeps<'_>,
    client_ip: &str,
    locale: &str,
    b: JsonSubmission,
) -> AppResult<Result<Outcome, ReportError>> {
    attempt_guard(d, client_ip, locale).await?;
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
        filed: None,
    };
    run_intake(d, client_ip, s).await
}

/// Submit a report another channel has already put together (Open311): counted against the
/// same limits as the form (`client_ip` names the sender), then the same intake.
pub async fn submit_prepared(
    d: ReportDeps<'_>,
    client_ip: &str,
    locale: &str,
    s: Submission,
) -> AppResult<Result<Outcome, ReportError>> {
    attempt_guard(d, client_ip, locale).await?;
    run_intake(d, client_ip, s).await
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
        &format!("follow:ip:{}", address_bucket(client_ip)),
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

/// The per-address bucket of a client: an IPv4 address, or the /64 network of an IPv6 one
/// (one phone or one home gets a whole /64, and rotates addresses inside it at will).
pub fn address_bucket(client_ip: &str) -> String {
    match client_ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(ip) => ip.to_string(),
        Err(_) => client_ip.to_owned(),
    }
}

/// The per-code bucket of a submission: the code's canonical token, so case, hyphens and
/// spaces do not open a new bucket. `None` when it cannot be a code (intake refuses it).
pub fn code_bucket(code: &str) -> Option<String> {
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    token::normalize(&compact)
}

/// How many attempts per address and hour, refused ones included, for each accepted report
/// the limit allows.
const ATTEMPTS_PER_ACCEPTED: u32 = 4;

/// `locale` is the submission's stored language tag.
fn rate_limited(locale: &str) -> AppError {
    AppError::refused(
        &ReportError::RateLimited,
        crate::i18n::Locale::parse_or_default(locale),
    )
}

/// Count one attempt (refused or not) against the sender's own generous bucket.
async fn attempt_guard(d: ReportDeps<'_>, client_ip: &str, locale: &str) -> AppResult<()> {
    let s = &d.settings.reports;
    let ok = ratelimit::hit(
        d.redis,
        &format!("report:try:{}", address_bucket(client_ip)),
        s.anonymous_per_ip_per_hour
            .saturating_mul(ATTEMPTS_PER_ACCEPTED),
        3600,
    )
    .await?;
    if ok {
        Ok(())
    } else {
        Err(rate_limited(locale))
    }
}

/// Count an accepted submission against the per-address and per-code limits.
async fn count_accepted(d: ReportDeps<'_>, client_ip: &str, code: Option<&str>) -> AppResult<bool> {
    let s = &d.settings.reports;
    let ok_ip = ratelimit::hit(
        d.redis,
        &format!("report:ip:{}", address_bucket(client_ip)),
        s.anonymous_per_ip_per_hour,
        3600,
    )
    .await?;
    let ok_code = match code.and_then(code_bucket) {
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
    Ok(ok_ip && ok_code)
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

/// Run intake with the app's catalog, locator and fallback grid; a submission that intake
/// accepts is counted against the limits just before it is stored.
async fn run_intake(
    d: ReportDeps<'_>,
    client_ip: &str,
    s: Submission,
) -> AppResult<Result<Outcome, ReportError>> {
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
    let ready = match intake::prepare(&mut conn, &ctx, s, chrono::Utc::now()).await? {
        Ok(Prepared::Ready(ready)) => ready,
        Ok(Prepared::Done(outcome)) => return Ok(Ok(*outcome)),
        Err(e) => return Ok(Err(e)),
    };
    let code = ready.submission().code_token.clone();
    if !count_accepted(d, client_ip, code.as_deref()).await? {
        return Ok(Err(ReportError::RateLimited));
    }
    Ok(Ok(intake::store(&mut conn, &ctx, *ready).await?))
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        assert_eq!(address_bucket("203.0.113.7"), "203.0.113.7");
        assert_eq!(
            address_bucket("2001:db8:1:2:aaaa::1"),
            address_bucket("2001:db8:1:2:bbbb:cccc:dddd:eeee")
        );
        assert_ne!(
            address_bucket("2001:db8:1:2::1"),
            address_bucket("2001:db8:1:3::1")
        );
        assert_eq!(address_bucket("::ffff:203.0.113.7"), "203.0.113.7");
    }

    #[test]
    fn a_code_has_one_bucket_however_it_is_typed() {
        let t = "0123456789ABCDEFGHJKMNPQRS";
        let b = code_bucket(t).unwrap();
        assert_eq!(code_bucket(&t.to_ascii_lowercase()).unwrap(), b);
        assert_eq!(code_bucket("01234-56789 abcdef-GHJKMNPQRS").unwrap(), b);
        assert_eq!(code_bucket(" 0123456789ABCDEFGHJKMNPQRS\n").unwrap(), b);
        assert_eq!(code_bucket("not a code"), None);
    }
}
