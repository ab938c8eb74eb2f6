//! The demo district: 工业街道, Dalad Banner, Ordos: 3 communities, 12 compounds with
//! boundaries, 2,000 households, 60 shops, staff of every role and some news. Loading it
//! is idempotent: a second run changes nothing.

pub mod cases;
pub mod data;
pub mod install;
pub mod poll;
pub mod residents;

use crate::activities::{Activity, NewActivity};
use crate::codes::{token, Code};
use crate::error::{AppError, AppResult};
use crate::grids::boundary::polygon_json;
use crate::grids::households::{Household, HouseholdInput, UpsertCounts};
use crate::grids::model::NewGrid;
use crate::grids::shops::{Shop, ShopInput};
use crate::grids::Grid;
use crate::news::News;
use crate::people::staff::NewStaff;
use crate::people::{Role, Staff};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use std::collections::HashMap;

/// The demo's volunteer activity.
const DEMO_ACTIVITY: &str = "周末清扫楼道";

/// What loading the demo did, and what to print.
#[derive(Debug)]
pub struct Summary {
    pub grids: usize,
    pub households: UpsertCounts,
    pub shops: UpsertCounts,
    pub codes_issued: usize,
    pub news_published: usize,
    /// (user name, password, role, display name)
    pub staff: Vec<(String, String, &'static str, String)>,
    /// (what, URL, check code) of a few codes to try.
    pub sample_codes: Vec<(String, String, String)>,
}

/// The shop with a demo cashier (`cashier-huimin`).
const CASHIER_SHOP: &str = "惠民超市";

fn role(r: data::Role) -> Role {
    match r {
        data::Role::Admin => Role::Admin,
        data::Role::GridHead => Role::GridHead,
        data::Role::GridWorker => Role::GridWorker,
        data::Role::DepartmentLiaison => Role::DepartmentLiaison,
        data::Role::MerchantCashier => Role::MerchantCashier,
        data::Role::Informant => Role::Informant,
    }
}

/// The department code (from `config/categories.toml`) of a liaison, from the department in
/// their display name, "张敏（市场监管局）".
fn department(display_name: &str) -> Option<String> {
    let start = display_name.find('（')? + '（'.len_utf8();
    let end = display_name[start..].find('）')? + start;
    let code = match &display_name[start..end] {
        "市场监管局" => "market_supervision",
        "住建局" => "housing_construction",
        other => other,
    };
    Some(code.to_owned())
}

/// Load the demo district into the database.
pub async fn load(conn: &mut AsyncPgConnection, public_base: &str) -> AppResult<Summary> {
    let district = data::district();
    let district_ref = &district;
    let (grid_ids, households, shops, codes_issued) = conn
        .transaction(async move |conn| {
            let district = district_ref;
            let mut ids: HashMap<String, i64> = HashMap::new();
            for g in district.grids() {
                let parent_id = g.parent_code.as_ref().and_then(|p| ids.get(p).copied());
                let grid = Grid::upsert(
                    conn,
                    NewGrid {
                        code: &g.code,
                        name: &g.name,
                        level: g.level,
                        parent_id,
                        boundary: Some(polygon_json(&g.boundary)),
                    },
                )
                .await?;
                ids.insert(g.code.clone(), grid.id);
            }
            let mut hh = Vec::new();
            for c in &district.compounds {
                let grid_id = ids[&c.grid.code];
                hh.extend(c.households.iter().map(|h| HouseholdInput {
                    grid_id,
                    building: h.building.clone(),
                    unit: h.unit.clone(),
                    room: h.room.clone(),
                    contact_name: h.contact_name.clone(),
                    contact_phone: h.contact_phone.clone(),
                }));
            }
            let mut households = UpsertCounts::default();
            for chunk in hh.chunks(1000) {
                households.add(Household::upsert_many(conn, chunk).await?);
            }
            let sh: Vec<ShopInput> = district
                .shops
                .iter()
                .map(|s| ShopInput {
                    grid_id: ids[&s.grid_code],
                    name: s.name.clone(),
                    address: s.address.clone(),
                    accepts_points: s.accepts_points,
                    contact_phone: s.contact_phone.clone(),
                })
                .collect();
            let shops = Shop::upsert_many(conn, &sh).await?;
            let codes_issued = Code::issue_missing(conn, None).await?;
            Ok::<_, AppError>((ids, households, shops, codes_issued))
        })
        .await?;

    let mut staff = Vec::new();
    for m in &district.staff {
        let shop_id = match &m.shop {
            Some((grid_code, name)) => Shop::by_name(conn, grid_ids[grid_code], name)
                .await?
                .map(|s| s.id),
            None => None,
        };
        let r = role(m.role);
        Staff::create(
            conn,
            NewStaff {
                username: m.username.clone(),
                display_name: m.display_name.clone(),
                email: Some(m.email.clone()),
                role: r,
                department: (r == Role::DepartmentLiaison)
                    .then(|| department(&m.display_name))
                    .flatten(),
                shop_id,
                password: m.password.clone(),
                grid_ids: m
                    .scope
                    .iter()
                    .filter_map(|c| grid_ids.get(c).copied())
                    .collect(),
            },
            true,
        )
        .await?;
        staff.push((
            m.username.clone(),
            m.password.clone(),
            r.as_str(),
            m.display_name.clone(),
        ));
    }

    let mut news_published = 0;
    for n in &district.news {
        let targets: Vec<i64> = n
            .grid_codes
            .iter()
            .filter_map(|c| grid_ids.get(c).copied())
            .collect();
        if News::exists_for(conn, &n.title, targets[0]).await? {
            continue;
        }
        let at = chrono::Utc::now() - chrono::Duration::days(i64::from(n.days_ago));
        News::publish(conn, &n.title, &n.body, &targets, None, Some(at)).await?;
        news_published += 1;
    }

    // A few codes to try: the first door and the first shop of the first compound.
    let first = grid_ids[&district.compounds[0].grid.code];
    let mut sample_codes = Vec::new();
    if let Some(h) = Household::list_for_grid(conn, first, 0, 2)
        .await?
        .into_iter()
        .next()
    {
        if let Some(t) = h.token {
            sample_codes.push((
                format!(
                    "{} {}",
                    district.compounds[0].grid.name,
                    h.household.address()
                ),
                token::code_url(public_base, &t),
                h.check_code.unwrap_or_default(),
            ));
        }
    }
    // The first shop, and 惠民超市, whose cashier is a demo account (the walk-through spends
    // points there).
    let till = district.shops.iter().find(|s| s.name == CASHIER_SHOP);
    let mut sample_shops = Shop::list_for_grid(conn, first).await?;
    sample_shops.truncate(1);
    let have_till = sample_shops.iter().any(|f| f.shop.name == CASHIER_SHOP);
    if let Some(gid) = till
        .and_then(|s| grid_ids.get(&s.grid_code))
        .filter(|_| !have_till)
    {
        sample_shops.extend(
            Shop::list_for_grid(conn, *gid)
                .await?
                .into_iter()
                .filter(|s| s.shop.name == CASHIER_SHOP),
        );
    }
    for s in sample_shops {
        if let Some(t) = s.token {
            sample_codes.push((
                s.shop.name,
                token::code_url(public_base, &t),
                s.check_code.unwrap_or_default(),
            ));
        }
    }
    // A volunteer activity tomorrow morning in the first compound, with its check-in code.
    if let Some(organiser) = Staff::by_username(conn, "worker-gy-01-01").await? {
        let activity = match Activity::by_title_in_grid(conn, first, DEMO_ACTIVITY).await? {
            Some(a) => a,
            None => {
                let tomorrow =
                    crate::points::rules::day_start(chrono::Utc::now()) + chrono::Duration::days(1);
                Activity::create(
                    conn,
                    &NewActivity {
                        grid_id: first,
                        title: DEMO_ACTIVITY.into(),
                        place: format!("{} 3 号楼前", district.compounds[0].grid.name),
                        description: "清理楼道杂物、擦拭扶手，工具由社区提供。".into(),
                        starts_at: tomorrow + chrono::Duration::hours(9),
                        ends_at: tomorrow + chrono::Duration::hours(11),
                        points: 10,
                        max_volunteers: 30,
                    },
                    100,
                    organiser.id,
                    chrono::Utc::now(),
                )
                .await?
                .map_err(AppError::from)?
            }
        };
        sample_codes.push((
            activity.title.clone(),
            crate::activities::checkin_url(public_base, &activity.checkin_token),
            activity.check_code.clone(),
        ));
    }
    Ok(Summary {
        grids: grid_ids.len(),
        households,
        shops,
        codes_issued,
        news_published,
        staff,
        sample_codes,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn department_from_display_name() {
        assert_eq!(
            super::department("张敏（市场监管局）").as_deref(),
            Some("market_supervision")
        );
        assert_eq!(
            super::department("刘洋（住建局）").as_deref(),
            Some("housing_construction")
        );
        assert_eq!(super::department("张敏"), None);
    }
}
