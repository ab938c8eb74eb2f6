//! Open311 API keys for integrators (admins only): list, create (the key is shown once, on
//! the page that answers the POST), revoke.

use super::{base, see_other};
use crate::error::AppResult;
use crate::open311::keys;
use crate::people::Permission;
use crate::web::auth::{CurrentStaff, StaffForm};
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::Deserialize;

async fn page(
    state: &AppState,
    locale: Locale,
    me: &CurrentStaff,
    new_key: Option<(String, String)>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let list = keys::list(&mut conn).await?;
    let ctx = minijinja::context! {
        keys => Serde(&list),
        new_key,
        base_url => format!("{}{}", state.settings.public_base(), crate::open311::BASE_PATH),
        ..base(me, "/console/open311")
    };
    state.pages.page("console/open311.html", locale, ctx)
}

/// `GET /console/open311`
pub async fn index(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
) -> AppResult<HttpResponse> {
    me.require(Permission::ManageStaff)?;
    page(&state, locale, &me, None).await
}

#[derive(Deserialize)]
pub struct NewKeyForm {
    csrf: String,
    name: String,
}
crate::csrf_form!(NewKeyForm);

/// `POST /console/open311`: create a key and show it once.
pub async fn create(
    state: web::Data<AppState>,
    locale: Locale,
    f: StaffForm<NewKeyForm>,
) -> AppResult<HttpResponse> {
    f.staff.require(Permission::ManageStaff)?;
    let mut conn = state.conn().await?;
    let (key, secret) = keys::create(&mut conn, &f.form.name, Some(f.staff.staff.id)).await?;
    crate::audit::record(
        &mut conn,
        Some(f.staff.staff.id),
        "open311_key.create",
        "open311_key",
        key.id,
        serde_json::json!({ "name": key.name }),
    )
    .await?;
    drop(conn);
    page(&state, locale, &f.staff, Some((key.name, secret))).await
}

#[derive(Deserialize)]
pub struct RevokeForm {
    csrf: String,
}
crate::csrf_form!(RevokeForm);

/// `POST /console/open311/{id}/revoke`
pub async fn revoke(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    f: StaffForm<RevokeForm>,
) -> AppResult<HttpResponse> {
    f.staff.require(Permission::ManageStaff)?;
    let mut conn = state.conn().await?;
    let key = keys::revoke_id(&mut conn, *id).await?;
    crate::audit::record(
        &mut conn,
        Some(f.staff.staff.id),
        "open311_key.revoke",
        "open311_key",
        key.id,
        serde_json::json!({ "name": key.name }),
    )
    .await?;
    Ok(see_other("/console/open311"))
}
