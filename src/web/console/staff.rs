//! Staff accounts (admins only).

use super::{base, see_other};
use crate::error::{AppError, AppResult};
use crate::grids::Grid;
use crate::people::staff::NewStaff;
use crate::people::{Permission, Role, Staff};
use crate::web::auth::{CurrentStaff, StaffForm};
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::Deserialize;

/// `GET /console/staff`
pub async fn index(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
) -> AppResult<HttpResponse> {
    me.require(Permission::ManageStaff)?;
    let mut conn = state.conn().await?;
    let accounts = Staff::all(&mut conn).await?;
    let mut rows = Vec::with_capacity(accounts.len());
    for a in accounts {
        let grids = a.grids(&mut conn).await?;
        rows.push(minijinja::context! { account => Serde(&a), grids => Serde(&grids) });
    }
    let grids = Grid::all(&mut conn).await?;
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    // Departments and shops are chosen by name, never typed as codes or numbers.
    let departments: Vec<(String, String)> = state
        .catalog
        .departments()
        .iter()
        .map(|d| (d.code.clone(), d.name(locale).to_owned()))
        .collect();
    let shops: Vec<(i64, String)> = {
        use crate::db::schema::shops;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        shops::table
            .order(shops::name)
            .select((shops::id, shops::name))
            .load(&mut conn)
            .await?
    };
    let ctx = minijinja::context! {
        rows, grids => Serde(&grids), roles, departments, shops, ..base(&me, "/console/staff")
    };
    state.pages.page("console/staff.html", locale, ctx)
}

#[derive(Deserialize)]
pub struct NewStaffForm {
    csrf: String,
    username: String,
    display_name: String,
    #[serde(default)]
    email: String,
    role: String,
    #[serde(default)]
    department: String,
    password: String,
    #[serde(default)]
    grid_ids: Vec<i64>,
    #[serde(default)]
    shop_id: Option<i64>,
}
crate::csrf_form!(NewStaffForm);

/// `POST /console/staff`
pub async fn create(
    state: web::Data<AppState>,
    f: StaffForm<NewStaffForm>,
) -> AppResult<HttpResponse> {
    f.staff.require(Permission::ManageStaff)?;
    let form = f.form;
    let role = Role::parse(&form.role).ok_or_else(|| AppError::invalid("unknown role"))?;
    let opt = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut conn = state.conn().await?;
    let account = Staff::create(
        &mut conn,
        NewStaff {
            username: form.username.trim().to_owned(),
            display_name: form.display_name,
            email: opt(form.email),
            role,
            department: opt(form.department),
            shop_id: form.shop_id.filter(|_| role == Role::MerchantCashier),
            password: form.password,
            grid_ids: form.grid_ids,
        },
        false,
    )
    .await?;
    crate::audit::record(
        &mut conn,
        Some(f.staff.staff.id),
        "staff.create",
        "staff",
        account.id,
        serde_json::json!({ "role": role.as_str() }),
    )
    .await?;
    Ok(see_other("/console/staff"))
}
