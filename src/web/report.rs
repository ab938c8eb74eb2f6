//! Residents' snap-report pages: the form, submission, "the same problem?", the tracking
//! page with its timeline and rating, following a case, and the photos.

use super::client_ip::client_ip;
use super::form_csrf::{self, PublicForm};
use super::locale::Locale;
use crate::codes::{token, Code};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::people::ratelimit;
use crate::reports::handling::{self, By};
use crate::reports::intake::{self, IntakeContext, Outcome, StoredPhoto, Submission};
use crate::reports::ledger::{Action, Actor, CaseState, LedgerKind, Rating};
use crate::reports::photos::{self, PhotoLimits};
use crate::reports::{Report, ReportError};
use crate::state::AppState;
use crate::storage::Storage;
use actix_multipart::form::{bytes::Bytes as FileBytes, text::Text, MultipartForm};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

/// The submission form.
#[derive(MultipartForm)]
pub struct ReportForm {
    csrf: Text<String>,
    idempotency_key: Text<String>,
    code: Option<Text<String>>,
    category: Option<Text<String>>,
    description: Option<Text<String>>,
    lon: Option<Text<String>>,
    lat: Option<Text<String>>,
    address: Option<Text<String>>,
    email: Option<Text<String>>,
    confirm_new: Option<Text<String>>,
    #[multipart(rename = "photos")]
    photos: Vec<FileBytes>,
}

fn text(t: &Option<Text<String>>) -> Option<String> {
    t.as_ref()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

#[derive(Serialize)]
struct CategoryGroup {
    module: String,
    kinds: Vec<(String, String)>,
}

fn category_groups(state: &AppState, locale: Locale) -> Vec<CategoryGroup> {
    state
        .catalog
        .modules()
        .iter()
        .map(|m| CategoryGroup {
            module: m.name(locale.tag()).to_owned(),
            kinds: state
                .catalog
                .kinds_in(&m.code)
                .iter()
                .map(|k| (k.code.clone(), k.name(locale.tag()).to_owned()))
                .collect(),
        })
        .collect()
}

/// The place a code stands for, for the form's header.
async fn place_of(
    state: &AppState,
    code: Option<&str>,
) -> AppResult<Option<crate::codes::model::ScanTarget>> {
    let Some(t) = code.and_then(token::normalize) else {
        return Ok(None);
    };
    let mut conn = state.conn().await?;
    Code::scan(&mut conn, &t).await
}

#[derive(Deserialize)]
pub struct FormQuery {
    code: Option<String>,
}

#[derive(Default, Serialize)]
struct Filled {
    description: String,
    category: String,
    address: String,
    email: String,
    lon: String,
    lat: String,
}

async fn form_page(
    state: &AppState,
    req: &HttpRequest,
    locale: Locale,
    code: Option<&str>,
    filled: Filled,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let place = place_of(state, code).await?;
    let (csrf, cookie) = form_csrf::token(req, state.settings.session.cookie_secure);
    let self_path = match &place {
        Some(p) => format!("/report?code={}", p.token),
        None => "/report".to_owned(),
    };
    let body = state.pages.render(
        "report/form.html",
        locale,
        minijinja::context! {
            csrf, place => Serde(&place), groups => Serde(category_groups(state, locale)),
            idempotency_key => crate::people::sessions::random_secret(),
            max_photos => state.settings.reports.max_photos,
            filled => Serde(&filled), error, self_path,
        },
    )?;
    let mut res = HttpResponse::build(status);
    if let Some(c) = cookie {
        res.cookie(c);
    }
    Ok(res.content_type("text/html; charset=utf-8").body(body))
}

/// `GET /report[?code=TOKEN]`
pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
    locale: Locale,
    q: web::Query<FormQuery>,
) -> AppResult<HttpResponse> {
    form_page(
        &state,
        &req,
        locale,
        q.code.as_deref(),
        Filled::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct SuggestQuery {
    text: String,
}

/// `GET /report/suggest?text=`: likely categories for the words typed so far.
pub async fn suggest(
    state: web::Data<AppState>,
    locale: Locale,
    q: web::Query<SuggestQuery>,
) -> HttpResponse {
    let text: String = q.text.chars().take(1000).collect();
    let kinds: Vec<_> = state
        .catalog
        .suggest(&text, 5)
        .into_iter()
        .map(|k| serde_json::json!({ "code": k.code, "name": k.name(locale.tag()) }))
        .collect();
    HttpResponse::Ok().json(kinds)
}

/// Process and store the uploaded photos (off the async threads). On a refusal, whatever was
/// stored already is removed again.
pub async fn store_photos(
    state: &AppState,
    uploads: Vec<Vec<u8>>,
    prefix: &str,
) -> AppResult<Result<Vec<StoredPhoto>, ReportError>> {
    let max = state.settings.reports.max_photos;
    if uploads.len() > max {
        return Ok(Err(ReportError::TooManyPhotos { max }));
    }
    let limits = PhotoLimits {
        max_bytes: state.settings.reports.max_photo_bytes,
        ..PhotoLimits::default()
    };
    let mut stored = Vec::new();
    for bytes in uploads {
        let limits = limits.clone();
        let processed = match web::block(move || photos::process(&bytes, &limits)).await? {
            Ok(p) => p,
            Err(e) => {
                for s in &stored {
                    discard(&state.storage, s).await;
                }
                return Ok(Err(ReportError::Photo(e)));
            }
        };
        let key = Storage::new_key(prefix, "jpg");
        let thumb_key = key.replace(".jpg", ".thumb.jpg");
        state
            .storage
            .put(&key, &processed.jpeg)
            .await
            .map_err(AppError::internal)?;
        state
            .storage
            .put(&thumb_key, &processed.thumb)
            .await
            .map_err(AppError::internal)?;
        stored.push(StoredPhoto {
            storage_key: key,
            thumb_key,
            width: processed.width,
            height: processed.height,
            bytes: processed.jpeg.len(),
            sha256: processed.sha256,
            gps: processed.gps,
        });
    }
    Ok(Ok(stored))
}

/// Remove a stored photo and its thumbnail (after a refusal).
pub async fn discard(storage: &Storage, p: &StoredPhoto) {
    let _ = storage.delete(&p.storage_key).await;
    let _ = storage.delete(&p.thumb_key).await;
}

fn draft_key(state: &AppState, idempotency_key: &str) -> String {
    state.redis.key(&format!("report_draft:{idempotency_key}"))
}

/// Count an anonymous submission against the per-IP and per-code limits.
async fn rate_limit(
    state: &AppState,
    req: &HttpRequest,
    code: Option<&str>,
    locale: Locale,
) -> AppResult<()> {
    let s = &state.settings.reports;
    let ip = client_ip(req, &state.settings.server.trusted_proxy);
    let ok_ip = ratelimit::hit(
        &state.redis,
        &format!("report:ip:{ip}"),
        s.anonymous_per_ip_per_hour,
        3600,
    )
    .await?;
    let ok_code = match code {
        Some(c) => {
            ratelimit::hit(
                &state.redis,
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
            if locale == Locale::En {
                "Too many reports from here; please try again later."
            } else {
                "上报过于频繁，请稍后再试。"
            },
        ))
    }
}

/// The grid for reports with nowhere better to go.
async fn fallback_grid(
    state: &AppState,
    conn: &mut diesel_async::AsyncPgConnection,
) -> AppResult<i64> {
    use crate::db::schema::grids;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let code = &state.settings.reports.fallback_grid;
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

/// Run intake with the app's catalog, locator and fallback.
pub async fn run_intake(
    state: &AppState,
    s: Submission,
) -> AppResult<Result<Outcome, ReportError>> {
    let mut conn = state.conn().await?;
    let locator = state.locator.current(&mut conn).await?;
    let fallback = fallback_grid(state, &mut conn).await?;
    let ctx = IntakeContext {
        catalog: &state.catalog,
        locator: &locator,
        fallback_grid: fallback,
        public_base: state.settings.public_base(),
        similar_radius_m: state.settings.reports.similar_radius_m,
    };
    intake::submit(&mut conn, &ctx, s, chrono::Utc::now()).await
}

fn parse_point(
    lon: Option<String>,
    lat: Option<String>,
) -> Result<Option<(f64, f64)>, ReportError> {
    match (lon, lat) {
        (None, None) => Ok(None),
        (Some(x), Some(y)) => match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(x), Ok(y)) => Ok(Some((x, y))),
            _ => Err(ReportError::BadCoordinates),
        },
        _ => Err(ReportError::BadCoordinates),
    }
}

/// `POST /report`
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    locale: Locale,
    who: super::resident_auth::MaybeResident,
    MultipartForm(f): MultipartForm<ReportForm>,
) -> AppResult<HttpResponse> {
    let resident = who
        .0
        .as_ref()
        .map(|r| (r.resident.id, r.resident.email.clone()));
    form_csrf::check(&req, &f.csrf)?;
    let key = f.idempotency_key.trim().to_owned();
    let code = text(&f.code);
    let filled = Filled {
        description: text(&f.description).unwrap_or_default(),
        category: text(&f.category).unwrap_or_default(),
        address: text(&f.address).unwrap_or_default(),
        email: text(&f.email).unwrap_or_default(),
        lon: text(&f.lon).unwrap_or_default(),
        lat: text(&f.lat).unwrap_or_default(),
    };
    let refuse = |e: ReportError, filled: Filled| {
        let state = state.clone();
        let req = req.clone();
        let code = code.clone();
        async move {
            let status = e.clone().into_app_error(locale.tag()).code.status();
            form_page(
                &state,
                &req,
                locale,
                code.as_deref(),
                filled,
                Some(e.message(locale.tag())),
                status,
            )
            .await
        }
    };
    // A retry of a submission that already went through (double tap, flaky network).
    {
        let mut conn = state.conn().await?;
        if let Some(existing) = Report::by_idempotency_key(&mut conn, &key).await? {
            return Ok(to_tracking(&existing));
        }
    }
    let confirm_new = f.confirm_new.as_ref().is_some_and(|v| v.as_str() == "1");
    let draft_key = draft_key(&state, &key);
    let submission = if confirm_new && f.photos.is_empty() && filled.description.is_empty() {
        // "Submit anyway" after "the same problem?": the draft kept the whole submission.
        let mut c = state.redis.conn();
        let raw: Option<String> = redis::cmd("GET")
            .arg(&draft_key)
            .query_async(&mut c)
            .await?;
        let Some(mut s) = raw.and_then(|r| serde_json::from_str::<Submission>(&r).ok()) else {
            return refuse(ReportError::BadIdempotencyKey, filled).await;
        };
        s.confirm_new = true;
        s
    } else {
        rate_limit(&state, &req, code.as_deref(), locale).await?;
        let point = match parse_point(text(&f.lon), text(&f.lat)) {
            Ok(p) => p,
            Err(e) => return refuse(e, filled).await,
        };
        let uploads: Vec<Vec<u8>> = f
            .photos
            .into_iter()
            .filter(|p| !p.data.is_empty())
            .map(|p| p.data.to_vec())
            .collect();
        let stored = match store_photos(&state, uploads, "reports").await? {
            Ok(s) => s,
            Err(e) => return refuse(e, filled).await,
        };
        Submission {
            idempotency_key: key.clone(),
            code_token: code.clone(),
            category: Some(filled.category.clone()).filter(|c| !c.is_empty()),
            description: filled.description.clone(),
            point,
            address: Some(filled.address.clone()).filter(|a| !a.is_empty()),
            email: Some(filled.email.clone())
                .filter(|e| !e.is_empty())
                .or_else(|| resident.as_ref().map(|r| r.1.clone())),
            locale: locale.tag().to_owned(),
            photos: stored,
            confirm_new,
            resident_id: resident.as_ref().map(|r| r.0),
        }
    };
    let photos_kept = submission.photos.clone();
    match run_intake(&state, submission.clone()).await? {
        Ok(Outcome::Created(r)) | Ok(Outcome::Existing(r)) => {
            let mut c = state.redis.conn();
            let _: () = redis::cmd("DEL")
                .arg(&draft_key)
                .query_async(&mut c)
                .await?;
            Ok(to_tracking(&r))
        }
        Ok(Outcome::Similar(similar)) => {
            // Keep the whole submission (photos already stored) for "submit anyway".
            let mut c = state.redis.conn();
            let json = serde_json::to_string(&submission).map_err(AppError::internal)?;
            let _: () = redis::cmd("SET")
                .arg(&draft_key)
                .arg(json)
                .arg("EX")
                .arg(1800)
                .query_async(&mut c)
                .await?;
            let (csrf, _) = form_csrf::token(&req, state.settings.session.cookie_secure);
            let rows: Vec<_> = similar.iter().map(|r| summary(&state, r, locale)).collect();
            state.pages.page(
                "report/similar.html",
                locale,
                minijinja::context! { similar => Serde(rows), csrf, idempotency_key => key, email => filled.email, self_path => "/report" },
            )
        }
        Err(e) => {
            for p in &photos_kept {
                discard(&state.storage, p).await;
            }
            refuse(e, filled).await
        }
    }
}

fn to_tracking(r: &Report) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/r/{}", r.public_id)))
        .finish()
}

/// What a public page shows of a case: nothing about the reporter.
#[derive(Serialize)]
pub struct CaseSummary {
    pub public_id: String,
    pub category: String,
    pub state: &'static str,
    pub state_code: String,
    pub ledger: &'static str,
    pub description: String,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub followers: i32,
}

fn summary(state: &AppState, r: &Report, locale: Locale) -> CaseSummary {
    CaseSummary {
        public_id: r.public_id.clone(),
        category: state
            .catalog
            .kind(&r.category)
            .map(|k| k.name(locale.tag()).to_owned())
            .unwrap_or_else(|| r.category.clone()),
        state: r.case_state().label(locale.tag()),
        state_code: r.state.clone(),
        ledger: LedgerKind::parse(&r.ledger_kind)
            .map(|k| k.label(locale.tag()))
            .unwrap_or(""),
        description: r.description.clone(),
        submitted_at: r.submitted_at,
        followers: r.followers,
    }
}

async fn find_public(state: &AppState, public_id: &str) -> AppResult<Report> {
    let pid = token::normalize(public_id).ok_or_else(AppError::not_found)?;
    let mut conn = state.conn().await?;
    Report::by_public_id(&mut conn, &pid)
        .await?
        .ok_or_else(AppError::not_found)
}

#[derive(Serialize)]
struct TimelineEntry {
    at: chrono::DateTime<chrono::Utc>,
    label: &'static str,
    note: Option<String>,
    photos: Vec<i64>,
}

/// A public label for an event.
fn event_label(action: &str, data: &serde_json::Value, locale: &str) -> &'static str {
    let en = locale.starts_with("en");
    match (action, en) {
        ("submit", false) => "已提交",
        ("submit", true) => "Submitted",
        ("route", false) => "已分派到责任网格",
        ("route", true) => "Routed to the responsible grid",
        ("accept", false) => "网格员已签收",
        ("accept", true) => "Accepted by the grid worker",
        ("dispatch", false) => "已交办职能部门",
        ("dispatch", true) => "Passed to the responsible department",
        ("start", false) => "正在办理",
        ("start", true) => "Being handled",
        ("resolve", false) => "已办结",
        ("resolve", true) => "Resolved",
        ("rate", _) if data.get("reopened").is_some() => {
            if en {
                "Rated not satisfied: sent back to be handled again"
            } else {
                "评价不满意，已发回重办"
            }
        }
        ("rate", false) => "已评价",
        ("rate", true) => "Rated",
        ("auto_close", false) => "已结案（未评价）",
        ("auto_close", true) => "Closed (not rated)",
        ("reject", false) => "不予受理",
        ("reject", true) => "Not accepted",
        ("mark_duplicate", false) => "与已有案件重复，合并处理",
        ("mark_duplicate", true) => "Duplicate of an existing case",
        ("not_ours", false) => "非本部门职责",
        ("not_ours", true) => "Not within our responsibility",
        (_, false) => "处理记录",
        (_, true) => "Update",
    }
}

/// `GET /r/{public_id}`: the reporter's tracking page (the link is the capability).
pub async fn track(
    state: web::Data<AppState>,
    req: HttpRequest,
    locale: Locale,
    pid: web::Path<String>,
) -> AppResult<HttpResponse> {
    let report = find_public(&state, &pid).await?;
    let mut conn = state.conn().await?;
    let events = report.public_events(&mut conn).await?;
    let photos = report.photos(&mut conn).await?;
    let grid = crate::grids::Grid::find(&mut conn, report.grid_id).await?;
    let timeline: Vec<TimelineEntry> = events
        .iter()
        .map(|e| TimelineEntry {
            at: e.at,
            label: event_label(&e.action, &e.data, locale.tag()),
            note: e.note.clone().filter(|_| {
                matches!(
                    e.action.as_str(),
                    "resolve" | "reject" | "not_ours" | "rate"
                )
            }),
            photos: photos
                .iter()
                .filter(|p| p.event_id == Some(e.id))
                .map(|p| p.id)
                .collect(),
        })
        .collect();
    let own_photos: Vec<i64> = photos
        .iter()
        .filter(|p| p.event_id.is_none())
        .map(|p| p.id)
        .collect();
    let (csrf, cookie) = form_csrf::token(&req, state.settings.session.cookie_secure);
    let can_rate = report.case_state() == CaseState::Resolved;
    let body = state.pages.render(
        "report/track.html",
        locale,
        minijinja::context! {
            case => Serde(summary(&state, &report, locale)), grid_name => grid.name,
            timeline => Serde(timeline), own_photos, can_rate, csrf,
            accept_by => Serde(report.accept_by), finish_by => Serde(report.finish_by),
            self_path => format!("/r/{}", report.public_id),
        },
    )?;
    let mut res = HttpResponse::Ok();
    if let Some(c) = cookie {
        res.cookie(c);
    }
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(res.content_type("text/html; charset=utf-8").body(body))
}

#[derive(Deserialize)]
pub struct RateForm {
    csrf: String,
    rating: String,
    #[serde(default)]
    comment: String,
}

/// `POST /r/{public_id}/rate`
pub async fn rate(
    state: web::Data<AppState>,
    locale: Locale,
    pid: web::Path<String>,
    PublicForm(f): PublicForm<RateForm>,
) -> AppResult<HttpResponse> {
    let report = find_public(&state, &pid).await?;
    let rating = Rating::parse(&f.rating).ok_or_else(|| AppError::invalid("rating"))?;
    let comment = Some(f.comment.trim().to_owned()).filter(|c| !c.is_empty());
    let mut conn = state.conn().await?;
    handling::act(
        &mut conn,
        &state.catalog,
        state.settings.public_base(),
        report.id,
        By {
            actor: Actor::Reporter,
            staff_id: None,
        },
        Action::Rate { rating, comment },
        &[],
        chrono::Utc::now(),
    )
    .await?
    .map_err(|e| e.into_app_error(locale.tag()))?;
    drop(conn);
    crate::points::earn::pay_now(&state, &[handling::rated_source(report.id)]).await;
    Ok(to_tracking(&report))
}

#[derive(Deserialize)]
pub struct FollowForm {
    csrf: String,
    email: String,
    /// The abandoned submission's key: its draft and photos are dropped.
    #[serde(default)]
    idempotency_key: String,
}
crate::csrf_form!(RateForm, FollowForm);

/// `POST /r/{public_id}/follow`: "the same problem? follow it" instead of a new report.
pub async fn follow(
    state: web::Data<AppState>,
    locale: Locale,
    pid: web::Path<String>,
    PublicForm(f): PublicForm<FollowForm>,
) -> AppResult<HttpResponse> {
    let report = find_public(&state, &pid).await?;
    let email = f.email.trim();
    if !intake::valid_email(email) {
        return Err(ReportError::BadEmail.into_app_error(locale.tag()));
    }
    let mut conn = state.conn().await?;
    handling::follow(&mut conn, report.id, email).await?;
    if !f.idempotency_key.is_empty() {
        let key = draft_key(&state, &f.idempotency_key);
        let mut c = state.redis.conn();
        let raw: Option<String> = redis::cmd("GETDEL").arg(&key).query_async(&mut c).await?;
        if let Some(s) = raw.and_then(|r| serde_json::from_str::<Submission>(&r).ok()) {
            for p in &s.photos {
                discard(&state.storage, p).await;
            }
        }
    }
    Ok(to_tracking(&report))
}

/// `GET /r/{public_id}/photos/{id}` and `/r/{public_id}/photos/{id}/thumb`.
pub async fn photo(
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let (pid, photo_id) = path.into_inner();
    let report = find_public(&state, &pid).await?;
    serve_photo(&state, &report, photo_id, req.path().ends_with("/thumb")).await
}

/// Send one stored photo of a case.
pub async fn serve_photo(
    state: &AppState,
    report: &Report,
    photo_id: i64,
    thumb: bool,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let photo = report
        .photos(&mut conn)
        .await?
        .into_iter()
        .find(|p| p.id == photo_id)
        .ok_or_else(AppError::not_found)?;
    let key = if thumb {
        &photo.thumb_key
    } else {
        &photo.storage_key
    };
    let bytes = state
        .storage
        .get(key)
        .await
        .map_err(|_| AppError::not_found())?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .body(bytes))
}

/// JSON intake for apps and load tests (no photos): `POST /api/v1/reports`.
#[derive(Deserialize)]
pub struct ApiReport {
    /// Recommended: a retry with the same key returns the first report. Without one the
    /// server makes one up, and a retried request may create a second report.
    #[serde(default)]
    idempotency_key: Option<String>,
    code: Option<String>,
    category: Option<String>,
    description: String,
    lon: Option<f64>,
    lat: Option<f64>,
    address: Option<String>,
    email: Option<String>,
    #[serde(default)]
    confirm_new: bool,
}

/// `POST /api/v1/reports`: 201 with the tracking id, 200 for a retry, 409 with similar cases.
pub async fn api_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    locale: Locale,
    body: web::Json<ApiReport>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    rate_limit(&state, &req, b.code.as_deref(), locale).await?;
    let point = match (b.lon, b.lat) {
        (Some(x), Some(y)) => Some((x, y)),
        (None, None) => None,
        _ => return Err(ReportError::BadCoordinates.into_app_error(locale.tag())),
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
        locale: locale.tag().to_owned(),
        photos: vec![],
        confirm_new: b.confirm_new,
        resident_id: None,
    };
    let json = |r: &Report| serde_json::json!({ "public_id": r.public_id, "state": r.state, "grid_id": r.grid_id, "category": r.category, "tracking_url": format!("{}/r/{}", state.settings.public_base(), r.public_id) });
    match run_intake(&state, s).await? {
        Ok(Outcome::Created(r)) => Ok(HttpResponse::Created().json(json(&r))),
        Ok(Outcome::Existing(r)) => Ok(HttpResponse::Ok().json(json(&r))),
        Ok(Outcome::Similar(list)) => Ok(HttpResponse::Conflict().json(serde_json::json!({
            "error": "conflict", "reason": "similar_open_case",
            "similar": list.iter().map(|r| serde_json::json!({ "public_id": r.public_id, "state": r.state, "category": r.category })).collect::<Vec<_>>(),
        }))),
        Err(e) => Err(e.into_app_error(locale.tag())),
    }
}
