//! Grid tree, one grid's page (children, households, shops, codes), grid edits.

use super::{base, see_other};
use crate::db::schema::{households, shops};
use crate::error::AppResult;
use crate::grids::households::Household;
use crate::grids::shops::Shop;
use crate::grids::{edit, Grid};
use crate::people::{Permission, Staff};
use crate::web::auth::{CurrentStaff, StaffForm};
use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Households shown per page on a compound's page.
const PAGE: i64 = 50;

#[derive(Serialize)]
struct TreeRow {
    grid: Grid,
    households: i64,
    shops: i64,
}

/// `GET /console`: the grids in the staff member's scope, as an indented tree with counts.
pub async fn tree(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
) -> AppResult<HttpResponse> {
    if !me.staff.can(Permission::ViewGrids) {
        return Ok(see_other("/console/me"));
    }
    let mut conn = state.conn().await?;
    let all = Grid::all(&mut conn).await?;
    let hh: HashMap<i64, i64> = households::table
        .group_by(households::grid_id)
        .select((households::grid_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(&mut conn)
        .await?
        .into_iter()
        .collect();
    let sh: HashMap<i64, i64> = shops::table
        .group_by(shops::grid_id)
        .select((shops::grid_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(&mut conn)
        .await?
        .into_iter()
        .collect();
    let rows: Vec<TreeRow> = all
        .into_iter()
        .filter(|g| me.scope.contains_path(&g.path))
        .map(|g| TreeRow {
            households: *hh.get(&g.id).unwrap_or(&0),
            shops: *sh.get(&g.id).unwrap_or(&0),
            grid: g,
        })
        .collect();
    let ctx = minijinja::context! { rows => Serde(&rows), ..base(&me, "/console") };
    state.pages.page("console/tree.html", locale, ctx)
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

/// `GET /console/grids/{id}`
pub async fn show(
    state: web::Data<AppState>,
    locale: Locale,
    me: CurrentStaff,
    id: web::Path<i64>,
    q: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let grid = edit::visible(&mut conn, &me.staff, &me.scope, *id).await?;
    let lineage = grid.lineage(&mut conn).await?;
    let children = grid.children(&mut conn).await?;
    let responsible = Staff::responsible_for(&mut conn, grid.id).await?;
    let page = crate::web::input::page(q.page)?;
    // A liaison sees the grid, not who lives in it (least privilege: see the README's table).
    let (households, household_count, shops) =
        if grid.level == 3 && me.staff.can(Permission::ViewHouseholds) {
            (
                Household::list_for_grid(&mut conn, grid.id, page * PAGE, PAGE).await?,
                Household::count_for_grid(&mut conn, grid.id).await?,
                Shop::list_for_grid(&mut conn, grid.id).await?,
            )
        } else {
            (vec![], 0, vec![])
        };
    let pages = (household_count + PAGE - 1) / PAGE;
    let boundary_text = grid
        .boundary
        .as_ref()
        .map(|b| serde_json::to_string_pretty(b).unwrap_or_default());
    let can_edit = me.staff.can(Permission::EditGrids);
    let can_codes = me.staff.can(Permission::ManageCodes);
    let self_path = format!("/console/grids/{}", grid.id);
    let ctx = minijinja::context! {
        grid => Serde(&grid), lineage => Serde(&lineage), children => Serde(&children),
        responsible => Serde(&responsible), households => Serde(&households), household_count,
        shops => Serde(&shops), page, pages, boundary_text, can_edit, can_codes,
        ..base(&me, &self_path)
    };
    state.pages.page("console/grid.html", locale, ctx)
}

#[derive(Deserialize)]
pub struct NewChildForm {
    csrf: String,
    code: String,
    name: String,
}

#[derive(Deserialize)]
pub struct RenameForm {
    csrf: String,
    name: String,
}

#[derive(Deserialize)]
pub struct BoundaryForm {
    csrf: String,
    boundary: String,
    #[serde(default)]
    datum: String,
}
crate::csrf_form!(NewChildForm, RenameForm, BoundaryForm);

/// Grid edits need both permissions (checked before the grid is read).
fn may_edit(me: &CurrentStaff) -> AppResult<()> {
    me.require(Permission::EditGrids)?;
    me.require(Permission::ViewGrids)
}

/// `POST /console/grids/{id}/children`: a new grid one level below.
pub async fn create_child(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    f: StaffForm<NewChildForm>,
) -> AppResult<HttpResponse> {
    let me = &f.staff;
    may_edit(me)?;
    let db = &state.db;
    let child =
        edit::create_child(db, &me.scope, me.staff.id, *id, &f.form.code, &f.form.name).await?;
    Ok(see_other(&format!("/console/grids/{}", child.id)))
}

/// `POST /console/grids/{id}/rename`
pub async fn rename(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    f: StaffForm<RenameForm>,
) -> AppResult<HttpResponse> {
    let me = &f.staff;
    may_edit(me)?;
    let grid = edit::rename(
        &state.db,
        &state.landing,
        &me.scope,
        me.staff.id,
        *id,
        &f.form.name,
    )
    .await?;
    Ok(see_other(&format!("/console/grids/{}", grid.id)))
}

/// `POST /console/grids/{id}/boundary`
pub async fn set_boundary(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    f: StaffForm<BoundaryForm>,
) -> AppResult<HttpResponse> {
    let me = &f.staff;
    let grid = edit::set_boundary_as(
        &state.db,
        &me.staff,
        &me.scope,
        *id,
        &f.form.boundary,
        &f.form.datum,
    )
    .await?;
    Ok(see_other(&format!("/console/grids/{}", grid.id)))
}
