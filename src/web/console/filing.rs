//! Filing in the field (issue 14): an informant or grid worker looks a door or shop up (or
//! scans its code, see `web::landing`) and files a report on the household's behalf (代办,
//! with the resident's consent), or files their own find (巡查上报). Also the filer's rating
//! on the resident's word.

use super::{base, see_other};
use crate::codes::lookup::{self, PlaceQuery};
use crate::error::{AppError, AppResult, Refusal};
use crate::grids::Grid;
use crate::people::Permission;
use crate::reports::filing::{self, Consent, FiledForm};
use crate::reports::submit::Submitted;
use crate::reports::ReportError;
use crate::web::auth::{CurrentStaff, StaffForm};
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_multipart::form::{bytes::Bytes as FileBytes, text::Text, MultipartForm};
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

/// The look-up's fields (each bounded by [`lookup::MAX_TERM`]).
#[derive(Deserialize, Serialize, Default)]
pub struct LookupQuery {
    #[serde(default)]
    building: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    room: String,
    #[serde(default)]
    shop: String,
}

/// `GET /console/file`: find a door (building / unit / room) or a shop (name) in my grids,
/// or file an inspection find.
pub async fn index(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    q: web::Query<LookupQuery>,
) -> AppResult<HttpResponse> {
    me.require(Permission::FileReports)?;
    let query = PlaceQuery {
        building: q.building.clone(),
        unit: q.unit.clone(),
        room: q.room.clone(),
        shop: q.shop.clone(),
    };
    if !query.is_bounded() {
        return Err(AppError::invalid(crate::i18n::translate(
            locale,
            "field.lookup.too_long",
            &[("max", lookup::MAX_TERM.to_string())],
        )));
    }
    let mut conn = state.conn().await?;
    let places = lookup::places(&mut conn, &me.scope, &query).await?;
    let ctx = minijinja::context! {
        q => Serde(&*q), searched => !query.is_empty(), places => Serde(&places),
        max => lookup::MAX_RESULTS, ..base(&me, "/console/file")
    };
    state.pages.page("console/file.html", locale, ctx)
}

/// What the filing form shows and keeps when it comes back with a refusal.
#[derive(Serialize, Default)]
struct Filled {
    consent: String,
    contact: String,
    category: String,
    description: String,
    address: String,
    grid_id: Option<i64>,
}

struct FormPage<'a> {
    token: Option<&'a str>,
    filled: Filled,
    error: Option<(String, Option<&'static str>)>,
    similar: Vec<i64>,
    status: actix_web::http::StatusCode,
}

async fn form_page(
    state: &AppState,
    locale: Locale,
    me: &CurrentStaff,
    p: FormPage<'_>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let place = match p.token.and_then(crate::codes::token::normalize) {
        Some(t) => crate::codes::Code::scan(&mut conn, &t).await?,
        None => None,
    };
    if p.token.is_some() {
        // An unknown code and a door outside my grids look the same: no probing.
        match &place {
            Some(t) => me.require_path(&t.grid_path)?,
            None => return Err(AppError::not_found()),
        }
    }
    let compounds: Vec<(i64, String)> = if place.is_none() {
        Grid::all(&mut conn)
            .await?
            .into_iter()
            .filter(|g| g.level == 3 && me.scope.contains_path(&g.path))
            .map(|g| (g.id, g.name))
            .collect()
    } else {
        vec![]
    };
    let consents: Vec<&str> = Consent::ALL.iter().map(|c| c.as_str()).collect();
    let self_path = match &place {
        Some(t) => format!("/console/file/{}", t.token),
        None => "/console/file/inspection".to_owned(),
    };
    let (error, error_field) = match p.error {
        Some((words, field)) => (Some(words), field.unwrap_or("form")),
        None => (None, ""),
    };
    let ctx = minijinja::context! {
        place => Serde(&place), compounds, consents, filled => Serde(&p.filled),
        groups => Serde(crate::web::report::category_groups(state, locale)),
        idempotency_key => crate::people::sessions::random_secret(),
        max_contact => filing::MAX_CONTACT, error, error_field, similar => p.similar,
        ..base(me, &self_path)
    };
    let body = state.pages.render("console/file_form.html", locale, ctx)?;
    Ok(HttpResponse::build(p.status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// `GET /console/file/{token}`: the 代办 form for a door or shop in my grids (also where a
/// filer's scan leads).
pub async fn for_code(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    me.require(Permission::FileReports)?;
    let page = FormPage {
        token: Some(token.as_str()),
        filled: Filled::default(),
        error: None,
        similar: vec![],
        status: actix_web::http::StatusCode::OK,
    };
    form_page(&state, locale, &me, page).await
}

/// `GET /console/file/inspection`: an inspection find (巡查上报) in one of my compounds.
pub async fn inspection(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
) -> AppResult<HttpResponse> {
    me.require(Permission::FileReports)?;
    let page = FormPage {
        token: None,
        filled: Filled::default(),
        error: None,
        similar: vec![],
        status: actix_web::http::StatusCode::OK,
    };
    form_page(&state, locale, &me, page).await
}

/// The filing form (multipart: photos come with it).
#[derive(MultipartForm)]
pub struct FileForm {
    csrf: Text<String>,
    idempotency_key: Text<String>,
    code: Option<Text<String>>,
    grid_id: Option<Text<String>>,
    consent: Option<Text<String>>,
    contact: Option<Text<String>>,
    category: Option<Text<String>>,
    description: Option<Text<String>>,
    address: Option<Text<String>>,
    confirm_new: Option<Text<String>>,
    #[multipart(rename = "photos")]
    photos: Vec<FileBytes>,
}

fn text(t: &Option<Text<String>>) -> String {
    t.as_ref().map(|t| t.trim().to_owned()).unwrap_or_default()
}

/// `POST /console/file`: file it; the case page opens on success.
pub async fn submit(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    MultipartForm(f): MultipartForm<FileForm>,
) -> AppResult<HttpResponse> {
    me.check_csrf(&f.csrf)?;
    me.require(Permission::FileReports)?;
    for (name, value) in [
        ("idempotency_key", Some(&f.idempotency_key)),
        ("code", f.code.as_ref()),
        ("grid_id", f.grid_id.as_ref()),
        ("consent", f.consent.as_ref()),
        ("contact", f.contact.as_ref()),
        ("category", f.category.as_ref()),
        ("description", f.description.as_ref()),
        ("address", f.address.as_ref()),
    ] {
        if let Some(value) = value {
            crate::web::input::check_field(name, value)?;
        }
    }
    let code = Some(text(&f.code)).filter(|c| !c.is_empty());
    let grid_id = match text(&f.grid_id) {
        g if g.is_empty() => None,
        g => Some(g.parse::<i64>().map_err(|_| AppError::invalid("grid_id"))?),
    };
    let filled = Filled {
        consent: text(&f.consent),
        contact: text(&f.contact),
        category: text(&f.category),
        description: text(&f.description),
        address: text(&f.address),
        grid_id,
    };
    let form = FiledForm {
        idempotency_key: f.idempotency_key.trim().to_owned(),
        code: code.clone(),
        grid_id,
        consent: filled.consent.clone(),
        contact: filled.contact.clone(),
        category: filled.category.clone(),
        description: filled.description.clone(),
        address: filled.address.clone(),
        confirm_new: text(&f.confirm_new) == "1",
        uploads: f.photos.into_iter().map(|p| p.data.to_vec()).collect(),
        locale: locale.tag().to_owned(),
    };
    let (similar, error, status) =
        match filing::file(state.reports(), &me.staff, &me.scope, form).await? {
            Ok(Submitted::Tracking(r)) => {
                return Ok(see_other(&format!("/console/cases/{}?filed=1", r.id)))
            }
            Ok(Submitted::Similar(found)) => (
                found.iter().map(|r| r.id).collect(),
                None,
                actix_web::http::StatusCode::OK,
            ),
            Err(e @ (ReportError::OutOfScope | ReportError::UnknownCode)) => {
                return Err(AppError::refused(&e, locale))
            }
            Err(e) => (
                vec![],
                Some((e.words(locale), e.field())),
                crate::web::error_response::http_status(e.error_code()),
            ),
        };
    let page = FormPage {
        token: code.as_deref(),
        filled,
        error,
        similar,
        status,
    };
    form_page(&state, locale, &me, page).await
}

#[derive(Deserialize)]
pub struct RateForm {
    csrf: String,
    rating: String,
    #[serde(default)]
    comment: String,
}
crate::csrf_form!(RateForm);

/// `POST /console/cases/{id}/rate`: the filer rates a resolved case on the resident's word
/// (代评), or verifies their own inspection find.
pub async fn rate(
    state: web::Data<AppState>,
    locale: Locale,
    id: web::Path<i64>,
    f: StaffForm<RateForm>,
) -> AppResult<HttpResponse> {
    f.staff.require(Permission::FileReports)?;
    let r = filing::rate_for_resident(
        state.reports(),
        *id,
        &f.staff.staff,
        &f.form.rating,
        &f.form.comment,
    )
    .await?
    .map_err(|e| AppError::refused(&e, locale))?;
    Ok(see_other(&format!("/console/cases/{}", r.id)))
}
