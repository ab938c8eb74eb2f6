//! Publishing community news to chosen grids.

use super::{base, see_other};
use crate::error::AppResult;
use crate::grids::Grid;
use crate::news::News;
use crate::people::Permission;
use crate::web::auth::{CurrentStaff, StaffForm};
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::Deserialize;

/// `GET /console/news`: recent items and the publish form with the grids in scope.
pub async fn index(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
) -> AppResult<HttpResponse> {
    me.require(Permission::PublishNews)?;
    news_page(&state, locale, &me, None, actix_web::http::StatusCode::OK).await
}

/// The news page; after a refusal, with the reason and what was typed (title, body, grids).
async fn news_page(
    state: &AppState,
    locale: Locale,
    me: &CurrentStaff,
    refused: Option<(&str, &PublishForm)>,
    status: actix_web::http::StatusCode,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let grids = Grid::in_scope(&mut conn, &me.scope, 1).await?;
    let items = News::recent(&mut conn, 50, locale).await?;
    let (error, typed) = match refused {
        Some((key, f)) => (
            Some(key),
            Some(
                minijinja::context! { title => &f.title, body => &f.body, grid_ids => &f.grid_ids },
            ),
        ),
        None => (None, None),
    };
    let ctx = minijinja::context! { grids => Serde(&grids), items => Serde(&items), error, typed, ..base(me, "/console/news") };
    let body = state.pages.render("console/news.html", locale, ctx)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

#[derive(Deserialize)]
pub struct PublishForm {
    csrf: String,
    title: String,
    body: String,
    #[serde(default)]
    grid_ids: Vec<i64>,
}
crate::csrf_form!(PublishForm);

/// `POST /console/news`: every chosen grid must be in the publisher's scope (a forged grid
/// id in the form is refused, not silently dropped).
pub async fn publish(
    state: web::Data<AppState>,
    locale: Locale,
    f: StaffForm<PublishForm>,
) -> AppResult<HttpResponse> {
    let me = &f.staff;
    me.require(Permission::PublishNews)?;
    if f.form.grid_ids.is_empty() {
        let status = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
        return news_page(
            &state,
            locale,
            me,
            Some(("reason.no_grid_chosen", &f.form)),
            status,
        )
        .await;
    }
    crate::news::publish_in_scope(
        &state.db,
        &state.landing,
        &me.scope,
        me.staff.id,
        &f.form.title,
        &f.form.body,
        &f.form.grid_ids,
    )
    .await?;
    Ok(see_other("/console/news"))
}
