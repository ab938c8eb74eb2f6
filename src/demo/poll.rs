//! The demo's community poll: 邮电小区 asks its households what to renovate first (one ballot
//! per household, results shown while it runs). Only `mashang demo` loads it, like the demo's
//! cases, so the tests' demo fixture has no poll of its own.

use crate::error::AppResult;
use crate::grids::Grid;
use crate::people::Staff;
use crate::polls::{NewPoll, Poll};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncPgConnection;

/// The poll's title (also how a second run recognises it).
pub const TITLE: &str = "邮电小区老旧小区改造意见征集";

/// Create the poll unless it exists; returns whether it was created.
pub async fn load(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> AppResult<bool> {
    if Poll::all(conn).await?.iter().any(|p| p.title == TITLE) {
        return Ok(false);
    }
    let (Some(grid), Some(head)) = (
        Grid::by_code(conn, "GY-01-01").await?,
        Staff::by_username(conn, "head-gy-01").await?,
    ) else {
        return Ok(false);
    };
    let day = crate::points::rules::day_start(now);
    Poll::create(
        conn,
        NewPoll {
            title: TITLE.into(),
            description: "社区将根据居民意见确定今年改造项目的先后顺序，每户一票。".into(),
            ballot_unit: "household".into(),
            results: "live".into(),
            secrecy: "secret".into(),
            opens_at: day - Duration::days(1),
            closes_at: day + Duration::days(14),
            grid_ids: vec![grid.id],
            questions: vec![
                (
                    "您希望优先改造哪一项？".into(),
                    1,
                    vec![
                        "加装电梯".into(),
                        "外墙保温".into(),
                        "雨污分流".into(),
                        "停车位改造".into(),
                    ],
                ),
                (
                    "是否同意在小区内增设电动自行车充电棚？".into(),
                    1,
                    vec!["同意".into(), "不同意".into()],
                ),
            ],
        },
        head.id,
    )
    .await?;
    Ok(true)
}
