//! The page a scan opens (`/C/{token}`), the code's symbol (`.svg`, `.png`), the news that
//! reaches it, and the neutral page for unknown and revoked codes.

use super::locale::Locale;
use super::resident_auth::MaybeResident;
use crate::codes::model::ScanTarget;
use crate::codes::qr::SymbolFormat;
use crate::codes::{token, Code};
use crate::error::AppResult;
use crate::news::News;
use crate::web::state::AppState;
use actix_web::http::header;
use actix_web::FromRequest;
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::Serialize;

/// An action offered on the landing page. Each capability adds its own in [`actions`].
#[derive(Debug, Serialize)]
pub struct Action {
    /// Translation key of the label.
    pub label: &'static str,
    /// Translation key of the one-line description.
    pub hint: &'static str,
    pub href: String,
    /// Name of an icon partial in `templates/icons/`.
    pub icon: &'static str,
}

/// The actions that work today for this code (`resident`: the signed-in resident, if any;
/// `member`: whether they already live at this door, who are not asked to bind again).
pub fn actions(target: &ScanTarget, resident: Option<i64>, member: bool) -> Vec<Action> {
    let mut list = vec![
        Action {
            label: "landing.action.report",
            hint: "landing.action.report_hint",
            href: format!("/report?code={}", target.token),
            icon: "camera",
        },
        Action {
            label: "landing.action.news",
            hint: "landing.action.news_hint",
            href: format!("/C/{}/news", target.token),
            icon: "news",
        },
        Action {
            label: "landing.action.polls",
            hint: "landing.action.polls_hint",
            href: format!("/C/{}/polls", target.token),
            icon: "vote",
        },
    ];
    if target.household_id.is_some() && member {
        list.push(Action {
            label: "landing.action.mine",
            hint: "landing.action.mine_hint",
            href: "/me".to_owned(),
            icon: "home",
        });
    } else if target.household_id.is_some() {
        list.push(Action {
            label: "landing.action.bind",
            hint: "landing.action.bind_hint",
            href: format!("/C/{}/bind", target.token),
            icon: "home",
        });
    }
    // Spending points: a signed-in resident at the counter of a shop that takes them.
    if resident.is_some() && target.shop_accepts_points == Some(true) {
        list.push(Action {
            label: "landing.action.spend",
            hint: "landing.action.spend_hint",
            href: format!("/C/{}/spend", target.token),
            icon: "points",
        });
    }
    list
}

/// Put "file for this household" (代办) first for staff who may file here.
fn with_filing(mut list: Vec<Action>, target: &ScanTarget, filer: bool) -> Vec<Action> {
    if filer {
        list.insert(
            0,
            Action {
                label: "field.action.file",
                hint: "field.action.file_hint",
                href: format!("/console/file/{}", target.token),
                icon: "camera",
            },
        );
    }
    list
}

/// The neutral page for a malformed, unknown or revoked code: 404, the same for all three,
/// so a code's history cannot be probed.
pub fn neutral(state: &AppState, locale: Locale) -> AppResult<HttpResponse> {
    let body = state
        .pages
        .render("scan/invalid.html", locale, minijinja::context! {})?;
    Ok(HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// `GET /C/{tail}`: the landing page (`TOKEN`) or the symbol (`TOKEN.svg`, `TOKEN.png`).
pub async fn scan(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    locale: Locale,
    tail: web::Path<String>,
) -> AppResult<HttpResponse> {
    let tail = tail.into_inner();
    let (raw, format) = match tail.rsplit_once('.') {
        Some((t, ext)) if ext.eq_ignore_ascii_case("svg") => (t, Some(SymbolFormat::Svg)),
        Some((t, ext)) if ext.eq_ignore_ascii_case("png") => (t, Some(SymbolFormat::Png)),
        Some(_) => return neutral(&state, locale),
        None => (tail.as_str(), None),
    };
    let Some(token) = token::normalize(raw) else {
        return neutral(&state, locale);
    };
    let news_items = state.settings.landing.news_items;
    let Some(view) = state.landing.view(&state.db, &token, news_items).await? else {
        return neutral(&state, locale);
    };
    if let Some(format) = format {
        let url = token::code_url(state.settings.public_base(), &token);
        let bytes = state.symbols.get(&token, url, format).await?;
        return Ok(HttpResponse::Ok()
            .content_type(format.content_type())
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .body(bytes));
    }
    let who = MaybeResident::extract(&req).await?;
    let resident = who.0.as_ref().map(|r| r.resident.id);
    // Staff who may file for this door (an informant or worker on their round, scanning with
    // their console session) are offered 代办 first. No staff cookie: no look-up at all.
    let filer = super::auth::CurrentStaff::extract(&req)
        .await
        .ok()
        .filter(|me| {
            me.staff.can(crate::people::Permission::FileReports)
                && me.scope.contains_path(&view.target.grid_path)
        })
        .is_some();
    // A resident who lives at this door is not invited to bind to it again.
    let member = match (&who.0, view.target.household_id) {
        (Some(r), Some(household)) => {
            let mut conn = state.conn().await?;
            r.resident.is_member(&mut conn, household).await?
        }
        _ => false,
    };
    // A signed-in resident sees their points on the door's page (read from Redis).
    let my_points = match resident {
        Some(id) => Some(
            crate::points::projection::balance(
                &state.db,
                &state.redis,
                &crate::points::Account::Resident(id),
            )
            .await?,
        ),
        None => None,
    };
    let bilingual = super::locale::bilingual(&req, locale);
    let render = || {
        state.pages.render(
            "scan/landing.html",
            locale,
            minijinja::context! {
                place => Serde(&view.target),
                news => Serde(&view.news),
                actions => Serde(with_filing(actions(&view.target, resident, member), &view.target, filer)),
                my_points,
                bilingual,
                offer_bilingual => true,
                self_path => format!("/C/{token}"),
            },
        )
    };
    // A signed-in resident or filer may see more actions: their page is theirs alone. Everyone
    // else gets the page rendered once per language while the view is cached.
    if resident.is_some() || filer {
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .body(render()?));
    }
    // One slot per language, and the last one for the bilingual sign.
    let slot = if bilingual {
        &view.rendered[Locale::ALL.len()]
    } else {
        &view.rendered[locale.index()]
    };
    let body = match slot.get() {
        Some(b) => b.clone(),
        None => {
            let body = render()?;
            slot.get_or_init(|| bytes::Bytes::from(body)).clone()
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// `GET /C/{token}/news`: all news that reaches the code's grid.
pub async fn news_for_code(
    state: web::Data<AppState>,
    locale: Locale,
    raw: web::Path<String>,
) -> AppResult<HttpResponse> {
    let Some(token) = token::normalize(&raw) else {
        return neutral(&state, locale);
    };
    let mut conn = state.conn().await?;
    let Some(target) = Code::scan(&mut conn, &token).await? else {
        return neutral(&state, locale);
    };
    let news = News::for_grid_path(&mut conn, &target.grid_path, 100).await?;
    state.pages.page(
        "scan/news_list.html",
        locale,
        minijinja::context! { place => Serde(&target), news => Serde(&news), self_path => format!("/C/{token}/news") },
    )
}

/// `GET /news/{id}`: one published item (news is public).
pub async fn news_item(
    state: web::Data<AppState>,
    locale: Locale,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let (item, targets) = News::find_published(&mut conn, id.into_inner()).await?;
    let self_path = format!("/news/{}", item.id);
    let target_names = targets
        .into_iter()
        .map(|(_, name)| name)
        .collect::<Vec<_>>()
        .join(&super::pages::translate(
            locale,
            "common.list_separator",
            &[],
        ));
    state.pages.page(
        "scan/news_item.html",
        locale,
        minijinja::context! { item => Serde(&item), target_names, self_path },
    )
}

/// `GET /`: what the service is, for someone who typed the address.
pub async fn home(state: web::Data<AppState>, locale: Locale) -> AppResult<HttpResponse> {
    state.pages.page(
        "home.html",
        locale,
        minijinja::context! { self_path => "/" },
    )
}

/// `GET /lang/{tag}?back=/path[&both=1]`: the visible language switch; remembers the choice
/// (and, with `both=1` and Mongolian, the bilingual sign of the scan page).
pub async fn switch_language(
    tag: web::Path<String>,
    query: web::Query<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let locale = Locale::parse(&tag).unwrap_or(Locale::ZhCn);
    // `?both=1` with Mongolian asks for the bilingual sign; any other switch ends it.
    let both = locale == Locale::MnMong && query.get("both").is_some_and(|v| v == "1");
    // Only same-site paths: never an open redirect.
    let back = query
        .get("back")
        .map(String::as_str)
        .and_then(super::local_path::local_path)
        .unwrap_or_else(|| "/".into());
    HttpResponse::SeeOther()
        .cookie(
            actix_web::cookie::Cookie::build(super::locale::COOKIE, locale.tag())
                .path("/")
                .max_age(actix_web::cookie::time::Duration::days(365))
                .same_site(actix_web::cookie::SameSite::Lax)
                .finish(),
        )
        .cookie(
            actix_web::cookie::Cookie::build(
                super::locale::BOTH_COOKIE,
                if both { "1" } else { "" },
            )
            .path("/")
            .max_age(actix_web::cookie::time::Duration::days(if both {
                365
            } else {
                0
            }))
            .same_site(actix_web::cookie::SameSite::Lax)
            .finish(),
        )
        .insert_header((header::LOCATION, back))
        .finish()
}
