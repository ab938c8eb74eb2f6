//! The demo's residents (only `mashang demo` loads them, like its cases and poll): residents
//! of 邮电小区 bound to their households, with points from volunteering and from voting in
//! the demo poll, one redemption already confirmed at 惠民超市 and one waiting at its till,
//! so the wallet, the boards, the cashier's page and the settlement have something to show.
//! Points go to the journal; the server's relay job brings Redis up to it.

use crate::config::PointsSettings;
use crate::db::schema::household_members;
use crate::error::AppResult;
use crate::grids::households::Household;
use crate::grids::shops::Shop;
use crate::grids::Grid;
use crate::people::residents::Resident;
use crate::points::award::{award, AwardKind, AwardRequest};
use crate::points::holds::{self, HoldRequest};
use crate::points::rules::HoldAction;
use crate::polls::{Poll, Voter};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// How many residents the demo binds in 邮电小区.
pub const RESIDENTS: usize = 12;

/// The address of the n-th demo resident (1-based).
pub fn email(n: usize) -> String {
    format!("resident{n:02}@demo.mashang.cn")
}

/// What was loaded: residents bound, ballots cast, and the pending redemption's number.
pub struct Loaded {
    pub residents: usize,
    pub ballots: usize,
    pub pending_hold: Option<String>,
}

/// Load the residents unless the first exists already (then `None`).
pub async fn load(
    conn: &mut AsyncPgConnection,
    cfg: &PointsSettings,
    now: DateTime<Utc>,
) -> AppResult<Option<Loaded>> {
    let exists: i64 = crate::db::schema::residents::table
        .filter(crate::db::schema::residents::email.eq(email(1)))
        .count()
        .get_result(conn)
        .await?;
    let (Some(compound), Some(community)) = (
        Grid::by_code(conn, "GY-01-01").await?,
        Grid::by_code(conn, "GY-01").await?,
    ) else {
        return Ok(None);
    };
    if exists > 0 {
        return Ok(None);
    }
    let doors = Household::list_for_grid(conn, compound.id, 0, RESIDENTS as i64).await?;
    let poll = Poll::all(conn)
        .await?
        .into_iter()
        .find(|p| p.title == super::poll::TITLE);
    let questions = match &poll {
        Some(p) => p.questions(conn).await?,
        None => Vec::new(),
    };
    let mut loaded = Loaded {
        residents: 0,
        ballots: 0,
        pending_hold: None,
    };
    let mut ids = Vec::new();
    for (i, door) in doors.iter().enumerate() {
        let resident = Resident::sign_in(conn, &email(i + 1), "zh-CN").await?;
        diesel::insert_into(household_members::table)
            .values((
                household_members::household_id.eq(door.household.id),
                household_members::resident_id.eq(resident.id),
                household_members::bound_via.eq("binding_code"),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        loaded.residents += 1;
        ids.push(resident.id);
        // Volunteering: 10 to 25 points each (the board then has an order).
        let request = AwardRequest {
            id: format!("demo-award-{:02}", i + 1),
            kind: AwardKind::Activity,
            community_id: community.id,
            resident_id: resident.id,
            amount: 10 + 5 * (i as i64 % 4),
            reason: "楼道清扫志愿服务".into(),
            actor: "system".into(),
        };
        let _ = award(conn, cfg, &request, now).await?;
        // Two of three vote in the demo poll, which earns points as a real ballot does.
        if let (Some(p), true) = (&poll, i % 3 != 2) {
            let voter = Voter {
                resident_id: resident.id,
                household_id: door.household.id,
                grid_id: compound.id,
                grid_path: compound.path.clone(),
            };
            let chosen: Vec<i64> = questions
                .iter()
                .map(|q| q.options[i % q.options.len()].id)
                .collect();
            if p.cast(conn, &voter, &chosen, now).await?.is_ok() {
                loaded.ballots += 1;
                let source = crate::polls::participation_source(p.id, resident.id);
                let _ = crate::points::earn::pay(conn, cfg, &source, now).await?;
            }
        }
    }
    // At 惠民超市: one redemption confirmed (the settlement has something owed) and one
    // waiting for the cashier (it expires after `hold_ttl_seconds` like any other).
    let Some(shop) = shop_named(conn, "惠民超市").await? else {
        return Ok(Some(loaded));
    };
    if let Some(first) = ids.as_slice().first() {
        let captured = HoldRequest {
            id: "demo-hold-captured-01".into(),
            resident_id: *first,
            shop_id: shop.id,
            amount: 5,
        };
        if let Ok(h) = holds::place(conn, cfg, &captured, now).await? {
            let _ = holds::decide(
                conn,
                &h.id,
                HoldAction::Capture { shop: shop.id },
                None,
                now,
            )
            .await?;
        }
        let pending = HoldRequest {
            id: "demo-hold-pending-01".into(),
            resident_id: *first,
            shop_id: shop.id,
            amount: 3,
        };
        if let Ok(h) = holds::place(conn, cfg, &pending, now).await? {
            loaded.pending_hold = Some(h.confirmation);
        }
    }
    Ok(Some(loaded))
}

async fn shop_named(conn: &mut AsyncPgConnection, name: &str) -> AppResult<Option<Shop>> {
    let id: Option<i64> = crate::db::schema::shops::table
        .filter(crate::db::schema::shops::name.eq(name))
        .select(crate::db::schema::shops::id)
        .first(conn)
        .await
        .optional()?;
    match id {
        Some(id) => Ok(Some(Shop::find(conn, id).await?)),
        None => Ok(None),
    }
}
