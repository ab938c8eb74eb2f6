//! A property test of the real points engine (PostgreSQL journal, Redis projection) against a
//! simple in-memory model: random sequences of awards, holds, captures, rejections, expiries,
//! retries of any of them and clock ticks. After every step the journal's balances and the
//! Redis projection (after the relay) must equal the model's plain arithmetic; after every
//! sequence the audit must pass.
//!
//! Each generated sequence (and each shrinking attempt) gets three fresh residents and its own
//! key namespace in one running app; the two shops are shared, so their takings are compared
//! as the change since the sequence began.

use crate::helpers::{spawn_with, test_settings, Fixture, TestApp};
use crate::points::new_resident;
use chrono::{DateTime, Duration, Utc};
use diesel_async::RunQueryDsl;
use mashang::config::PointsSettings;
use mashang::points::award::{self, AwardKind, AwardRequest};
use mashang::points::holds::{self, HoldRequest};
use mashang::points::rules::HoldAction;
use mashang::points::{audit, projection, relay, Account, PointsError};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone)]
enum Op {
    Award {
        key: u8,
        resident: u8,
        amount: i64,
    },
    Hold {
        key: u8,
        resident: u8,
        shop: u8,
        amount: i64,
    },
    Capture {
        hold: u8,
        shop: u8,
    },
    Reject {
        hold: u8,
        shop: u8,
    },
    Expire {
        hold: u8,
    },
    Tick {
        minutes: i64,
    },
}

/// Keys come from a small range so that retries (the same key again, with the same or other
/// content) are frequent; amounts include zero, negatives and more than anyone has.
fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..8, 0u8..3, -5i64..60).prop_map(|(key, resident, amount)| Op::Award {
            key,
            resident,
            amount
        }),
        3 => (0u8..8, 0u8..3, 0u8..2, -5i64..80).prop_map(|(key, resident, shop, amount)| {
            Op::Hold {
                key,
                resident,
                shop,
                amount,
            }
        }),
        2 => (0u8..8, 0u8..2).prop_map(|(hold, shop)| Op::Capture { hold, shop }),
        1 => (0u8..8, 0u8..2).prop_map(|(hold, shop)| Op::Reject { hold, shop }),
        1 => (0u8..8).prop_map(|hold| Op::Expire { hold }),
        1 => (0i64..8).prop_map(|minutes| Op::Tick { minutes }),
    ]
}

/// A hold as the model sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ModelHold {
    resident: usize,
    shop: usize,
    amount: i64,
    state: &'static str,
    expires: DateTime<Utc>,
}

/// The model: plain numbers.
#[derive(Default)]
struct Model {
    spendable: [i64; 3],
    held: [i64; 3],
    taken: [i64; 2],
    awards: HashMap<u8, (u8, i64)>,
    holds: HashMap<u8, ModelHold>,
}

/// The real engine for one sequence: its residents, the shops, its key namespace and clock.
struct Real<'a> {
    app: &'a TestApp,
    cfg: PointsSettings,
    community: i64,
    residents: [i64; 3],
    shops: [i64; 2],
    /// The shops' takings when the sequence began.
    taken_before: [i64; 2],
    ns: String,
    now: DateTime<Utc>,
}

fn check<T: std::fmt::Debug>(
    what: &str,
    r: &Result<T, PointsError>,
    ok: bool,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(r.is_ok(), ok, "{}: {:?}", what, r);
    Ok(())
}

impl Real<'_> {
    fn award_id(&self, key: u8) -> String {
        format!("{}-award-{key}", self.ns)
    }

    fn hold_id(&self, key: u8) -> String {
        format!("{}-hold-{key}", self.ns)
    }

    /// The journal's balance of an account (0 if it was never used).
    async fn journal(&self, a: Account) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct B {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            b: i64,
        }
        let mut conn = self.app.conn().await;
        let r: B = diesel::sql_query(
            "SELECT COALESCE((SELECT balance FROM points_accounts WHERE id = $1), 0) AS b",
        )
        .bind::<diesel::sql_types::Text, _>(a.id())
        .get_result(&mut conn)
        .await
        .unwrap();
        r.b
    }

    /// What Redis shows for an account, once the relay has caught up.
    async fn projected(&self, a: Account) -> i64 {
        projection::read(&self.app.state.redis, &a)
            .await
            .unwrap()
            .map_or(0, |(b, _)| b)
    }

    async fn step(&mut self, model: &mut Model, op: &Op) -> Result<(), TestCaseError> {
        let mut conn = self.app.conn().await;
        match *op {
            Op::Award {
                key,
                resident,
                amount,
            } => {
                let r = award::award(
                    &mut conn,
                    &self.cfg,
                    &AwardRequest {
                        id: self.award_id(key),
                        kind: AwardKind::Activity,
                        community_id: self.community,
                        resident_id: self.residents[resident as usize],
                        amount,
                        reason: "志愿服务".into(),
                        actor: "staff:1".into(),
                    },
                    self.now,
                )
                .await
                .unwrap();
                match model.awards.get(&key) {
                    Some(&(r0, a0)) if r0 == resident && a0 == amount => check("retry", &r, true)?,
                    Some(_) => prop_assert_eq!(r.map(|_| ()), Err(PointsError::KeyReused)),
                    None => {
                        let ok = amount > 0;
                        check("award", &r, ok)?;
                        if ok {
                            model.awards.insert(key, (resident, amount));
                            model.spendable[resident as usize] += amount;
                        }
                    }
                }
            }
            Op::Hold {
                key,
                resident,
                shop,
                amount,
            } => {
                let r = holds::place(
                    &mut conn,
                    &self.cfg,
                    &HoldRequest {
                        id: self.hold_id(key),
                        resident_id: self.residents[resident as usize],
                        shop_id: self.shops[shop as usize],
                        amount,
                    },
                    self.now,
                )
                .await
                .unwrap();
                let (resident, shop) = (resident as usize, shop as usize);
                match model.holds.get(&key) {
                    Some(h) if h.resident == resident && h.shop == shop && h.amount == amount => {
                        check("retried hold", &r, true)?
                    }
                    Some(_) => prop_assert_eq!(r.map(|_| ()), Err(PointsError::KeyReused)),
                    None => {
                        let ok = amount > 0 && amount <= model.spendable[resident];
                        check("hold", &r, ok)?;
                        if ok {
                            model.spendable[resident] -= amount;
                            model.held[resident] += amount;
                            model.holds.insert(
                                key,
                                ModelHold {
                                    resident,
                                    shop,
                                    amount,
                                    state: "pending",
                                    expires: self.now
                                        + Duration::seconds(self.cfg.hold_ttl_seconds),
                                },
                            );
                        }
                    }
                }
            }
            Op::Capture { hold, shop } | Op::Reject { hold, shop } => {
                let capture = matches!(op, Op::Capture { .. });
                let shop_id = self.shops[shop as usize];
                let action = if capture {
                    HoldAction::Capture { shop: shop_id }
                } else {
                    HoldAction::Reject { shop: shop_id }
                };
                let r = holds::decide(&mut conn, &self.hold_id(hold), action, None, self.now)
                    .await
                    .unwrap();
                match model.holds.get_mut(&hold) {
                    None => prop_assert_eq!(r.map(|_| ()), Err(PointsError::NoSuchHold)),
                    Some(h) => {
                        let ok = h.shop == shop as usize
                            && h.state == "pending"
                            && (!capture || self.now < h.expires);
                        check(if capture { "capture" } else { "reject" }, &r, ok)?;
                        if ok {
                            model.held[h.resident] -= h.amount;
                            if capture {
                                model.taken[h.shop] += h.amount;
                                h.state = "captured";
                            } else {
                                model.spendable[h.resident] += h.amount;
                                h.state = "rejected";
                            }
                        }
                    }
                }
            }
            Op::Expire { hold } => {
                let r = holds::decide(
                    &mut conn,
                    &self.hold_id(hold),
                    HoldAction::Expire,
                    None,
                    self.now,
                )
                .await
                .unwrap();
                match model.holds.get_mut(&hold) {
                    None => prop_assert_eq!(r.map(|_| ()), Err(PointsError::NoSuchHold)),
                    Some(h) => {
                        let ok = h.state == "pending" && self.now >= h.expires;
                        check("expire", &r, ok)?;
                        if ok {
                            model.held[h.resident] -= h.amount;
                            model.spendable[h.resident] += h.amount;
                            h.state = "expired";
                        }
                    }
                }
            }
            Op::Tick { minutes } => self.now += Duration::minutes(minutes),
        }
        // The relay brings Redis to the journal; both must equal the model.
        relay::catch_up(&mut conn, &self.app.state.redis, self.now)
            .await
            .unwrap();
        for (i, r) in self.residents.iter().enumerate() {
            for (a, want) in [
                (Account::Resident(*r), model.spendable[i]),
                (Account::Hold(*r), model.held[i]),
            ] {
                prop_assert_eq!(self.journal(a).await, want, "journal {}", a);
                prop_assert_eq!(self.projected(a).await, want, "redis {}", a);
            }
        }
        for (i, s) in self.shops.iter().enumerate() {
            let a = Account::Merchant(*s);
            let want = self.taken_before[i] + model.taken[i];
            prop_assert_eq!(self.journal(a).await, want, "journal {}", a);
            prop_assert_eq!(self.projected(a).await, want, "redis {}", a);
        }
        Ok(())
    }
}

#[test]
fn the_real_ledger_follows_the_model() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (settings, db) = test_settings(Fixture::Demo);
    let app = rt.block_on(spawn_with(settings, db));
    let community = rt.block_on(app.grid_id("GY-01"));
    let shops: Vec<i64> = rt.block_on(async {
        #[derive(diesel::QueryableByName)]
        struct S {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let mut conn = app.conn().await;
        let rows: Vec<S> = diesel::sql_query(
            "SELECT s.id FROM shops s JOIN grids g ON g.id = s.grid_id
             WHERE s.accepts_points AND g.path LIKE (SELECT path FROM grids WHERE code = 'GY-01') || '%'
             ORDER BY s.id LIMIT 2",
        )
        .load(&mut conn)
        .await
        .unwrap();
        rows.into_iter().map(|s| s.id).collect()
    });
    assert_eq!(shops.len(), 2, "two shops that take points");
    // The model leaves out the daily caps and limits (they have tests of their own).
    let mut cfg = app.settings.points.clone();
    cfg.daily_award_cap = 1_000_000;
    cfg.resident_daily_spend_limit = 1_000_000;
    cfg.merchant_daily_limit = 1_000_000;
    let sequence = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..40), |ops| {
            rt.block_on(async {
                let n = sequence.fetch_add(1, Ordering::Relaxed);
                let mut residents = [0; 3];
                for (i, r) in residents.iter_mut().enumerate() {
                    *r = new_resident(&app, &format!("model-{n}-{i}@example.cn")).await;
                }
                let mut real = Real {
                    app: &app,
                    cfg: cfg.clone(),
                    community,
                    residents,
                    shops: [shops[0], shops[1]],
                    taken_before: [0; 2],
                    ns: format!("model-{n:04}"),
                    now: Utc::now(),
                };
                for (i, s) in real.shops.iter().enumerate() {
                    real.taken_before[i] = real.journal(Account::Merchant(*s)).await;
                }
                let mut model = Model::default();
                for op in &ops {
                    real.step(&mut model, op).await?;
                }
                let mut conn = app.conn().await;
                let report = audit::run(&mut conn, &app.state.redis, true).await.unwrap();
                prop_assert!(report.ok(), "audit: {:?}", report.problems);
                Ok(())
            })
        })
        .unwrap();
    assert!(sequence.into_inner() >= 24, "every case ran");
}
