//! Residents' snap-report pages: the form, submission, "the same problem?", the tracking
//! page with its timeline and rating, following a case, and the photos.

use super::client_ip::client_ip;
use super::form_csrf::{self, PublicForm};
use super::locale::Locale;
use crate::codes::{token, Code};
use crate::error::{AppError, AppResult, Refusal};
use crate::reports::ledger::{CaseState, LedgerKind};
use crate::reports::submit::{FormSubmission, Submitted};
use crate::reports::{photo_store, steps, submit, Report};
use crate::web::state::AppState;
use actix_multipart::form::{bytes::Bytes as FileBytes, text::Text, MultipartForm};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

/// The submission form.
#[derive(MultipartForm)]
pub struct ReportForm {
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
pub(crate) struct CategoryGroup {
    module: String,
    kinds: Vec<(String, String)>,
}

/// The catalog by module, for a category picker.
pub(crate) fn category_groups(state: &AppState, locale: Locale) -> Vec<CategoryGroup> {
    state
        .catalog
        .modules()
        .iter()
        .map(|m| CategoryGroup {
            module: m.name(locale).to_owned(),
            kinds: state
                .catalog
                .kinds_in(&m.code)
                .iter()
                .map(|k| (k.code.clone(), k.name(locale).to_owned()))
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
    error: Option<(String, Option<&'static str>)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    // A refusal's message goes beside the field it is about, else above the form.
    let (error, error_field) = match error {
        Some((message, field)) => (Some(message), field.unwrap_or("form")),
        None => (None, ""),
    };
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
            filled => Serde(&filled), error, error_field, self_path,
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
        .map(|k| serde_json::json!({ "code": k.code, "name": k.name(locale) }))
        .collect();
    HttpResponse::Ok().json(kinds)
}

/// `POST /report`
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    locale: Locale,
    who: super::resident_auth::MaybeResident,
    _token: form_csrf::UploadToken,
    MultipartForm(f): MultipartForm<ReportForm>,
) -> AppResult<HttpResponse> {
    let resident = who
        .0
        .as_ref()
        .map(|r| (r.resident.id, r.resident.email.clone()));
    for (name, value) in [
        ("idempotency_key", Some(&f.idempotency_key)),
        ("code", f.code.as_ref()),
        ("category", f.category.as_ref()),
        ("description", f.description.as_ref()),
        ("lon", f.lon.as_ref()),
        ("lat", f.lat.as_ref()),
        ("address", f.address.as_ref()),
        ("email", f.email.as_ref()),
    ] {
        if let Some(value) = value {
            super::input::check_field(name, value)?;
        }
    }
    let code = text(&f.code);
    let filled = Filled {
        description: text(&f.description).unwrap_or_default(),
        category: text(&f.category).unwrap_or_default(),
        address: text(&f.address).unwrap_or_default(),
        email: text(&f.email).unwrap_or_default(),
        lon: text(&f.lon).unwrap_or_default(),
        lat: text(&f.lat).unwrap_or_default(),
    };
    let submission = FormSubmission {
        idempotency_key: f.idempotency_key.trim().to_owned(),
        code: code.clone(),
        category: filled.category.clone(),
        description: filled.description.clone(),
        lon: filled.lon.clone(),
        lat: filled.lat.clone(),
        address: filled.address.clone(),
        email: filled.email.clone(),
        confirm_new: f.confirm_new.as_ref().is_some_and(|v| v.as_str() == "1"),
        uploads: f.photos.into_iter().map(|p| p.data.to_vec()).collect(),
        locale: locale.tag().to_owned(),
        resident,
        client_ip: client_ip(&req, &state.settings.server.trusted_proxy),
    };
    let key = submission.idempotency_key.clone();
    match submit::submit_form(state.reports(), submission).await? {
        Ok(Submitted::Tracking(r)) => Ok(to_reporter_tracking(&state, &r, true)),
        Ok(Submitted::Similar(similar)) => {
            let (csrf, _) = form_csrf::token(&req, state.settings.session.cookie_secure);
            let rows: Vec<_> = similar.iter().map(|r| summary(&state, r, locale)).collect();
            state.pages.page(
                "report/similar.html",
                locale,
                minijinja::context! { similar => Serde(rows), csrf, idempotency_key => key, email => filled.email, self_path => "/report" },
            )
        }
        Err(e) => {
            let status = super::error_response::http_status(e.error_code());
            let message = Some((e.words(locale), e.field()));
            form_page(
                &state,
                &req,
                locale,
                code.as_deref(),
                filled,
                message,
                status,
            )
            .await
        }
    }
}

/// The submitter's tracking page: the link carries the reporter's key, which alone (besides
/// the signed-in reporter) may rate the case.
/// Straight after a submission (`submitted`) the page opens with "submitted" and the number.
fn to_reporter_tracking(state: &AppState, r: &Report, submitted: bool) -> HttpResponse {
    let key = crate::reports::reporter_key(&state.settings, &r.public_id);
    let extra = if submitted { "&submitted=1" } else { "" };
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/r/{}?k={key}{extra}", r.public_id),
        ))
        .finish()
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
    pub state: String,
    pub state_code: String,
    pub ledger: String,
    pub description: String,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub followers: i32,
    /// `on_behalf` (代办) or `inspection` when staff filed it (no names on a public page).
    pub filed_as: Option<String>,
}

fn summary(state: &AppState, r: &Report, locale: Locale) -> CaseSummary {
    CaseSummary {
        public_id: r.public_id.clone(),
        category: state
            .catalog
            .kind(&r.category)
            .map(|k| k.name(locale).to_owned())
            .unwrap_or_else(|| r.category.clone()),
        state: r.case_state().label(locale),
        state_code: r.state.clone(),
        ledger: LedgerKind::parse(&r.ledger_kind)
            .map(|k| k.label(locale))
            .unwrap_or_default(),
        description: r.description.clone(),
        submitted_at: r.submitted_at,
        followers: r.followers,
        filed_as: r.filed_as().map(str::to_owned),
    }
}

#[derive(Serialize)]
struct TimelineEntry {
    at: chrono::DateTime<chrono::Utc>,
    label: String,
    note: Option<String>,
    photos: Vec<i64>,
}

/// A public label for an event: `track.event.<action>` (a dissatisfied rating that sent
/// the case back has its own words; actions without public words show as an update).
fn event_label(action: &str, data: &serde_json::Value, locale: Locale) -> String {
    const PUBLIC: [&str; 11] = [
        "submit",
        "route",
        "accept",
        "dispatch",
        "start",
        "resolve",
        "rate",
        "auto_close",
        "reject",
        "mark_duplicate",
        "not_ours",
    ];
    let key = match action {
        "rate" if data.get("reopened").is_some() => "reopened",
        a if PUBLIC.contains(&a) => a,
        _ => "other",
    };
    super::pages::translate(locale, &format!("track.event.{key}"), &[])
}

/// The tracking page's query: the reporter's key (`?k=`), and notices.
#[derive(Deserialize)]
pub struct KeyQuery {
    #[serde(default)]
    k: Option<String>,
    /// After following: `sent` (check your mail) or `confirmed`.
    #[serde(default)]
    follow: Option<String>,
    /// Set on the way from the form: the page opens with "submitted" and the case number.
    #[serde(default)]
    submitted: Option<String>,
}

/// `GET /r/{public_id}[?k=reporter key]`: the tracking page. Anyone with the id reads and may
/// follow; the reporter (their key, or signed in) also rates.
pub async fn track(
    state: web::Data<AppState>,
    req: HttpRequest,
    locale: Locale,
    pid: web::Path<String>,
    who: super::resident_auth::MaybeResident,
    q: web::Query<KeyQuery>,
) -> AppResult<HttpResponse> {
    let notice = match q.follow.as_deref() {
        Some("sent") => Some("track.follow_sent"),
        Some("confirmed") => Some("track.follow_confirmed"),
        _ => None,
    };
    let steps::PublicCase {
        report,
        events,
        photos,
        grid_name,
    } = steps::public_case(state.reports(), &pid).await?;
    let timeline: Vec<TimelineEntry> = events
        .iter()
        .map(|e| TimelineEntry {
            at: e.at,
            label: event_label(&e.action, &e.data, locale),
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
    let proof = rater_proof(&state, q.k.clone(), &who).await?;
    let reporter = proof.is_reporter(&state.settings, &report);
    let resolved = report.case_state() == CaseState::Resolved;
    let can_rate = resolved && reporter;
    let key = q.k.clone().filter(|_| reporter).unwrap_or_default();
    let tracking_path = if key.is_empty() {
        format!("/r/{}", report.public_id)
    } else {
        format!("/r/{}?k={key}", report.public_id)
    };
    let body = state.pages.render(
        "report/track.html",
        locale,
        minijinja::context! {
            case => Serde(summary(&state, &report, locale)), grid_name,
            timeline => Serde(timeline), own_photos, can_rate, csrf, key,
            rate_elsewhere => resolved && !reporter, rating => report.rating.clone(), notice,
            accept_by => Serde(report.accept_by), finish_by => Serde(report.finish_by),
            self_path => format!("/r/{}", report.public_id),
            just_submitted => q.submitted.is_some(), case_number => report.id,
            // The link to keep: the reporter's own (it rates) when this is the reporter.
            tracking_url => format!("{}{tracking_path}", state.settings.public_base()),
            tracking_path,
        },
    )?;
    let mut res = HttpResponse::Ok();
    if let Some(c) = cookie {
        res.cookie(c);
    }
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(res.content_type("text/html; charset=utf-8").body(body))
}

/// Who is asking to rate: the key of the reporter's link, the signed-in resident and their
/// households' codes (a 代办 report for their household is theirs to rate).
async fn rater_proof(
    state: &AppState,
    key: Option<String>,
    who: &super::resident_auth::MaybeResident,
) -> AppResult<crate::reports::RaterProof> {
    let resident_id = super::resident::resident_id(who);
    let household_codes = match resident_id {
        Some(id) => {
            let mut conn = state.conn().await?;
            crate::reports::filing::household_codes_of(&mut conn, id).await?
        }
        None => vec![],
    };
    Ok(crate::reports::RaterProof {
        key,
        resident_id,
        household_codes,
    })
}

#[derive(Deserialize)]
pub struct RateForm {
    csrf: String,
    rating: String,
    #[serde(default)]
    comment: String,
    /// The reporter's key from their tracking link (absent for a signed-in reporter).
    #[serde(default)]
    k: Option<String>,
}

/// `POST /r/{public_id}/rate`
pub async fn rate(
    state: web::Data<AppState>,
    locale: Locale,
    pid: web::Path<String>,
    who: super::resident_auth::MaybeResident,
    PublicForm(f): PublicForm<RateForm>,
) -> AppResult<HttpResponse> {
    let proof = rater_proof(&state, f.k.clone().filter(|k| !k.is_empty()), &who).await?;
    let report = steps::rate(state.reports(), &pid, &proof, &f.rating, &f.comment)
        .await?
        .map_err(|e| AppError::refused(&e, locale))?;
    Ok(match proof.key {
        Some(_) => to_reporter_tracking(&state, &report, false),
        None => to_tracking(&report),
    })
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
    req: HttpRequest,
    pid: web::Path<String>,
    PublicForm(f): PublicForm<FollowForm>,
) -> AppResult<HttpResponse> {
    let ip = client_ip(&req, &state.settings.server.trusted_proxy);
    let report = submit::follow_instead(state.reports(), &pid, &f.email, &f.idempotency_key, &ip)
        .await?
        .map_err(|e| AppError::refused(&e, locale))?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/r/{}?follow=sent", report.public_id),
        ))
        .finish())
}

/// The signed link of a follower's confirmation mail.
#[derive(Deserialize)]
pub struct ConfirmQuery {
    e: String,
    t: String,
}

/// `GET /r/{public_id}/follow/confirm?e=&t=`: a page with one button (mail scanners open
/// links; only a person's click confirms).
pub async fn confirm_follow_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    locale: Locale,
    pid: web::Path<String>,
    q: web::Query<ConfirmQuery>,
) -> AppResult<HttpResponse> {
    let report = submit::find_public(state.reports(), &pid).await?;
    let (csrf, cookie) = form_csrf::token(&req, state.settings.session.cookie_secure);
    let body = state.pages.render(
        "report/follow_confirm.html",
        locale,
        minijinja::context! {
            case => Serde(summary(&state, &report, locale)), email => &q.e, token => &q.t, csrf,
            self_path => format!("/r/{}", report.public_id),
        },
    )?;
    let mut res = HttpResponse::Ok();
    if let Some(c) = cookie {
        res.cookie(c);
    }
    Ok(res.content_type("text/html; charset=utf-8").body(body))
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: String,
    e: String,
    t: String,
}
crate::csrf_form!(ConfirmForm);

/// `POST /r/{public_id}/follow/confirm`: the address now gets the case's mail.
pub async fn confirm_follow(
    state: web::Data<AppState>,
    pid: web::Path<String>,
    PublicForm(f): PublicForm<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let report = submit::confirm_follow(state.reports(), &pid, f.e.trim(), &f.t)
        .await?
        .ok_or_else(|| {
            crate::error::AppError::new(crate::error::ErrorCode::InvalidInput)
                .with_reason("follow_link_invalid")
        })?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/r/{}?follow=confirmed", report.public_id),
        ))
        .finish())
}

/// `GET /r/{public_id}/photos/{id}` and `/r/{public_id}/photos/{id}/thumb`.
pub async fn photo(
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let (pid, photo_id) = path.into_inner();
    let report = submit::find_public(state.reports(), &pid).await?;
    serve_photo(&state, &report, photo_id, req.path().ends_with("/thumb")).await
}

/// Send one stored photo of a case.
pub async fn serve_photo(
    state: &AppState,
    report: &Report,
    photo_id: i64,
    thumb: bool,
) -> AppResult<HttpResponse> {
    let bytes = photo_store::read(&state.db, &state.storage, report, photo_id, thumb).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .body(bytes))
}
