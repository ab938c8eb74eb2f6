//! Demo cases: five weeks of snap-reports in the demo district, so the case queue, the
//! figures dashboard and the worker assessment have something to show on a fresh demo.
//!
//! Every case goes through the real intake and ledger (`reports::intake::submit`,
//! `reports::handling::act`) with past timestamps, so the events, deadlines and figures are
//! the ones the service itself would have written; nothing is inserted by hand. Only
//! `mashang demo` loads them: the tests' demo fixture starts without cases, so every test
//! counts only its own.
//!
//! The story of each case is picked by its number (see [`Story::of`]) so the mix is stable:
//! mostly handled on time and rated, some late, one in ten sent back by a dissatisfied
//! resident, some handed to a department, some still open (a few of those past deadline).

use crate::error::{AppError, AppResult};
use crate::grids::households::Household;
use crate::grids::Grid;
use crate::people::Staff;
use crate::reports::handling::{self, By};
use crate::reports::intake::{self, IntakeContext, Outcome, Submission};
use crate::reports::ledger::{Action, Actor, Rating};
use crate::reports::Report;
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncPgConnection;

/// Idempotency keys of demo cases start with this; a demo that has them is left alone.
const KEY_PREFIX: &str = "demo-case-";

/// How many cases, and over how many days before today.
const CASES: usize = 48;
const DAYS: i64 = 35;

/// What residents report, and what the worker writes when it is done.
const PROBLEMS: [(&str, &str, &str); 8] = [
    (
        "component.manhole_cover",
        "单元门口的井盖松动，踩上去会响",
        "已更换井盖并加固",
    ),
    (
        "event.garbage_overflow",
        "垃圾桶满了两天没人清运，有异味",
        "已协调环卫清运并增加频次",
    ),
    (
        "component.landscape_light",
        "小区主路的路灯晚上不亮",
        "已更换灯具，恢复照明",
    ),
    (
        "event.illegal_posting",
        "楼道里贴满小广告",
        "已清理并张贴文明提示",
    ),
    (
        "component.sidewalk",
        "人行道地砖松动，老人容易绊倒",
        "已重新铺设地砖",
    ),
    (
        "event.store_outside",
        "底商把货物摆到人行道上",
        "已劝导商户规范经营",
    ),
    (
        "component.drain_grate",
        "雨水箅子缺了一块，有安全隐患",
        "已补装雨水箅子",
    ),
    (
        "event.waterlogging",
        "下雨后小区门口积水严重",
        "已疏通排水口",
    ),
];

/// What happens to a demo case after it is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Story {
    /// Accepted and resolved in time, rated satisfied.
    OnTime,
    /// Accepted and resolved in time, rated basically satisfied.
    OnTimeBasic,
    /// Accepted and resolved after the deadlines, rated basically satisfied.
    Late,
    /// Rated dissatisfied (sent back), resolved again, then rated satisfied.
    SentBack,
    /// Handed to the housing department, which resolves it.
    Dispatched,
    /// Accepted, still being handled.
    InHand,
    /// Nobody has accepted it yet.
    Waiting,
    /// Not accepted: outside the grid's remit.
    Rejected,
}

impl Story {
    /// The story of case `n` (0-based): a fixed mix, about half on time.
    pub fn of(n: usize) -> Story {
        match n % 10 {
            0 | 2 | 4 => Story::OnTime,
            1 | 5 => Story::OnTimeBasic,
            3 => Story::Late,
            6 => Story::SentBack,
            7 if n % 20 == 7 => Story::Dispatched,
            7 => Story::Rejected,
            8 => Story::InHand,
            _ => Story::Waiting,
        }
    }
}

/// When case `n` of `CASES` was reported: spread evenly over the `DAYS` before `today`
/// (China midnight), between 07:00 and 19:00 China time. Never in the future.
pub fn reported_at(n: usize, today: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let day = DAYS - (n as i64 * DAYS) / CASES as i64;
    // 07:00 China time is 23:00 UTC the day before; `today` is China midnight in UTC.
    let minutes = 7 * 60 + ((n * 137) % (12 * 60)) as i64;
    (today - Duration::days(day) + Duration::minutes(minutes)).min(now - Duration::hours(1))
}

/// Load the demo cases unless the demo has them already; returns how many were created.
/// `compounds` are the demo's compounds (level 3), in order.
pub async fn load(
    conn: &mut AsyncPgConnection,
    ctx: &IntakeContext<'_>,
    compounds: &[Grid],
    now: DateTime<Utc>,
) -> AppResult<usize> {
    if compounds.is_empty() || Report::exists_with_key_prefix(conn, KEY_PREFIX).await? {
        return Ok(0);
    }
    // The cases are a made-up history: the mails their steps queue are dropped below, so
    // nobody is told about them (cases still open and overdue escalate, and mail, as usual).
    let mail_mark = crate::notify::outbox::last_id(conn).await?;
    let today = crate::points::rules::day_start(now);
    let liaison = Staff::by_username(conn, "liaison-zjj").await?.map(|s| s.id);
    for n in 0..CASES {
        let grid = &compounds[n % compounds.len()];
        let worker = Staff::by_username(conn, &format!("worker-{}", grid.code.to_lowercase()))
            .await?
            .map(|s| s.id);
        let token = Household::list_for_grid(conn, grid.id, (n / compounds.len()) as i64 * 7, 1)
            .await?
            .into_iter()
            .find_map(|h| h.token)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("no door code in {}", grid.code)))?;
        let (category, description, done) = PROBLEMS[(n * 3) % PROBLEMS.len()];
        let at = reported_at(n, today, now);
        // Every eighth case an informant filed for an elderly resident (代办) and rates on
        // their word when it is handled (these doors have no bound resident).
        let filer = if n % 8 == 3 {
            Staff::by_username(conn, &format!("informant-{}", grid.code.to_lowercase()))
                .await?
                .map(|s| s.id)
        } else {
            None
        };
        let filed = filer.map(|staff_id| crate::reports::filing::Filing {
            staff_id,
            consent: Some((
                if n % 16 == 3 {
                    crate::reports::filing::Consent::InPerson
                } else {
                    crate::reports::filing::Consent::Phone
                },
                None,
            )),
            grid_id: None,
        });
        let submission = Submission {
            idempotency_key: format!("{KEY_PREFIX}{n}"),
            code_token: Some(token),
            category: Some(category.into()),
            description: description.into(),
            point: None,
            address: None,
            email: None,
            locale: "zh-CN".into(),
            photos: vec![],
            confirm_new: true,
            resident_id: None,
            answers: vec![],
            via: None,
            filed,
        };
        let report = match intake::submit(conn, ctx, submission, at)
            .await?
            .map_err(|e| AppError::internal(anyhow::anyhow!("demo case {n}: {}", e.code())))?
        {
            Outcome::Created(r) | Outcome::Existing(r) => r,
            Outcome::Similar(_) => unreachable!("confirm_new skips the similar check"),
        };
        let who = Cast {
            worker,
            liaison,
            filer,
            done,
        };
        let times = (report.submitted_at, report.accept_by, report.finish_by);
        for step in steps(Story::of(n), times, &who) {
            // The story stops where it reaches the present, as it would have in real life.
            if step.at >= now {
                break;
            }
            handling::act(
                conn,
                ctx.catalog,
                ctx.links,
                report.id,
                By {
                    actor: step.actor,
                    staff_id: step.staff,
                },
                step.action,
                &[],
                step.at,
            )
            .await?
            .map_err(|e| AppError::internal(anyhow::anyhow!("demo case {n}: {}", e.code())))?;
        }
    }
    crate::notify::outbox::discard_unsent_after(conn, mail_mark).await?;
    Ok(CASES)
}

/// Who acts in a demo case, and what the worker writes when it is done.
struct Cast<'a> {
    worker: Option<i64>,
    liaison: Option<i64>,
    /// The informant who filed it (代办): they rate on the resident's word.
    filer: Option<i64>,
    done: &'a str,
}

/// One step of a story: who does what, when.
struct Step {
    actor: Actor,
    staff: Option<i64>,
    action: Action,
    at: DateTime<Utc>,
}

/// The steps of `story` for a case submitted, and due to be accepted and finished, at
/// `(submitted, accept_by, finish_by)` as intake recorded them (deadlines never change).
fn steps(
    story: Story,
    (submitted, accept_by, finish_by): (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    who: &Cast,
) -> Vec<Step> {
    // A point `share` of the way from submission to a deadline.
    let within = |deadline: DateTime<Utc>, share: f64| {
        let span = (deadline - submitted).num_seconds() as f64;
        submitted + Duration::seconds((span * share) as i64)
    };
    let grid = |action: Action, at| Step {
        actor: Actor::Responsible,
        staff: who.worker,
        action,
        at,
    };
    let resolve = || Action::Resolve {
        note: who.done.into(),
    };
    let rate = |rating, at| Step {
        actor: Actor::Reporter,
        staff: who.filer,
        action: Action::Rate {
            rating,
            comment: None,
        },
        at,
    };
    match story {
        Story::Waiting => vec![],
        Story::Rejected => vec![grid(
            Action::Reject {
                reason: "属物业管理范围，已告知居民联系物业".into(),
            },
            within(accept_by, 0.4),
        )],
        Story::InHand => vec![grid(Action::Accept, within(accept_by, 0.5))],
        Story::OnTime | Story::OnTimeBasic => vec![
            grid(Action::Accept, within(accept_by, 0.3)),
            grid(resolve(), within(finish_by, 0.6)),
            rate(
                if story == Story::OnTime {
                    Rating::Satisfied
                } else {
                    Rating::BasicallySatisfied
                },
                within(finish_by, 0.8),
            ),
        ],
        Story::Late => vec![
            grid(Action::Accept, accept_by + Duration::hours(2)),
            grid(resolve(), finish_by + Duration::hours(20)),
            rate(Rating::BasicallySatisfied, finish_by + Duration::hours(22)),
        ],
        Story::SentBack => {
            let first = within(finish_by, 0.4);
            vec![
                grid(Action::Accept, within(accept_by, 0.2)),
                grid(resolve(), first),
                rate(Rating::Dissatisfied, first + Duration::hours(1)),
                grid(resolve(), first + Duration::hours(6)),
                rate(Rating::Satisfied, first + Duration::hours(8)),
            ]
        }
        Story::Dispatched => vec![
            grid(Action::Accept, within(accept_by, 0.3)),
            grid(
                Action::Dispatch {
                    department: "housing_construction".into(),
                },
                within(accept_by, 0.6),
            ),
            Step {
                actor: Actor::Department,
                staff: who.liaison,
                action: resolve(),
                at: within(finish_by, 0.7),
            },
            rate(Rating::Satisfied, within(finish_by, 0.9)),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_mix_is_mostly_on_time_with_every_story() {
        let stories: Vec<Story> = (0..CASES).map(Story::of).collect();
        let count = |s: Story| stories.iter().filter(|x| **x == s).count();
        assert_eq!(count(Story::OnTime) + count(Story::OnTimeBasic), 25);
        for s in [
            Story::Late,
            Story::SentBack,
            Story::Dispatched,
            Story::InHand,
            Story::Waiting,
            Story::Rejected,
        ] {
            assert!(count(s) >= 2, "{s:?}");
        }
    }

    #[test]
    fn every_story_runs_forward_in_time_and_keeps_or_misses_its_deadlines() {
        let submitted = Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap();
        let (accept_by, finish_by) = (
            submitted + Duration::hours(2),
            submitted + Duration::hours(24),
        );
        let who = Cast {
            worker: Some(1),
            liaison: Some(2),
            filer: None,
            done: "已处理",
        };
        for n in 0..10 {
            let story = Story::of(n);
            let steps = steps(story, (submitted, accept_by, finish_by), &who);
            assert!(
                steps.windows(2).all(|w| w[0].at < w[1].at),
                "{story:?} goes back in time"
            );
            assert!(steps.iter().all(|s| s.at > submitted), "{story:?}");
            let accepted = steps.iter().find(|s| matches!(s.action, Action::Accept));
            let resolved = steps
                .iter()
                .rfind(|s| matches!(s.action, Action::Resolve { .. }));
            match story {
                Story::Late => {
                    assert!(accepted.unwrap().at > accept_by);
                    assert!(resolved.unwrap().at > finish_by);
                }
                Story::Waiting | Story::Rejected => assert!(accepted.is_none()),
                _ => assert!(accepted.unwrap().at <= accept_by, "{story:?}"),
            }
            if matches!(
                story,
                Story::OnTime | Story::OnTimeBasic | Story::SentBack | Story::Dispatched
            ) {
                assert!(resolved.unwrap().at <= finish_by, "{story:?}");
            }
        }
    }

    #[test]
    fn cases_are_spread_over_the_weeks_in_the_day_and_never_ahead_of_now() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 2, 0, 0).unwrap();
        let today = crate::points::rules::day_start(now);
        let times: Vec<_> = (0..CASES).map(|n| reported_at(n, today, now)).collect();
        // Spread over the weeks: most days have a case.
        let days: std::collections::BTreeSet<_> = times.iter().map(|t| t.date_naive()).collect();
        assert!(days.len() >= 30, "{}", days.len());
        assert_eq!(times[0], today - Duration::days(DAYS) + Duration::hours(7));
        assert!(times.iter().all(|t| *t <= now - Duration::hours(1)));
        let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        for t in &times {
            let hour = chrono::Timelike::hour(&t.with_timezone(&china));
            assert!((7..19).contains(&hour), "{t}");
        }
    }
}
