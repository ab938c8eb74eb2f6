//! Redis Cluster readiness. These run against whatever Redis the suite is pointed at;
//! `.ci/test` runs the whole suite a second time against a three-node cluster
//! (`.ci/redis-cluster`, `MASHANG_TEST_REDIS_URL=redis+cluster://...`), where a command or
//! script whose keys span two hash slots is refused (CROSSSLOT) and so fails these tests.

use crate::helpers::{on_cluster, spawn, Fixture, TestApp};
use chrono::Utc;
use mashang::points::award::{self, AwardKind, AwardRequest};
use mashang::points::holds::{self, HoldRequest};
use mashang::points::ledger::Transfer;
use mashang::points::rules::HoldAction;
use mashang::points::{audit, projection, relay};

async fn bound_resident(app: &TestApp, email: &str) -> i64 {
    let id = app
        .count(&format!(
            "INSERT INTO residents (email) VALUES ('{email}') RETURNING id AS n"
        ))
        .await;
    app.count(&format!(
        "INSERT INTO household_members (household_id, resident_id, bound_via)
         SELECT min(id), {id}, 'binding_code' FROM households RETURNING resident_id AS n"
    ))
    .await
}

/// Every kind of transfer, applied straight through the projection (a request only logs a
/// Redis error, so this is where one surfaces), then the gap path, the full rebuild, the
/// relay and the audit: every script (APPLY, REBUILD, BOARD, BOARD_REBUILD) with real keys.
#[tokio::test]
async fn every_points_script_runs_with_its_keys_in_one_slot() {
    let app = spawn(Fixture::Demo).await;
    let cfg = app.settings.points.clone();
    let community = app.grid_id("GY-01").await;
    let shop = app
        .count("SELECT min(id) AS n FROM shops WHERE accepts_points")
        .await;
    let now = Utc::now();
    let mut conn = app.conn().await;
    let residents = [
        bound_resident(&app, "slot-a@example.cn").await,
        bound_resident(&app, "slot-b@example.cn").await,
        bound_resident(&app, "slot-c@example.cn").await,
    ];
    for (i, r) in residents.iter().enumerate() {
        award::award(
            &mut conn,
            &cfg,
            &AwardRequest {
                id: format!("slot-award-{i:04}"),
                kind: AwardKind::Activity,
                community_id: community,
                resident_id: *r,
                amount: 40,
                reason: "清理楼道".into(),
                actor: "staff:1".into(),
            },
            now,
        )
        .await
        .unwrap()
        .unwrap();
    }
    let r = residents[0];
    let place = |id: &str, amount| HoldRequest {
        id: id.into(),
        resident_id: r,
        shop_id: shop,
        amount,
    };
    let captured = holds::place(&mut conn, &cfg, &place("slot-hold-0001", 10), now)
        .await
        .unwrap()
        .unwrap();
    holds::decide(
        &mut conn,
        &captured.id,
        HoldAction::Capture { shop },
        None,
        now,
    )
    .await
    .unwrap()
    .unwrap();
    let voided = holds::place(&mut conn, &cfg, &place("slot-hold-0002", 5), now)
        .await
        .unwrap()
        .unwrap();
    holds::decide(
        &mut conn,
        &voided.id,
        HoldAction::Reject { shop },
        None,
        now,
    )
    .await
    .unwrap()
    .unwrap();
    holds::place(&mut conn, &cfg, &place("slot-hold-0003", 7), now)
        .await
        .unwrap()
        .unwrap();
    award::settle(&mut conn, "slot-settle-0001", shop, 10, 1, now)
        .await
        .unwrap()
        .unwrap();
    award::reverse(
        &mut conn,
        "slot-reverse-0001",
        "slot-award-0000",
        5,
        "记错了",
        1,
        now,
    )
    .await
    .unwrap()
    .unwrap();

    let journal = Transfer::after(&mut conn, 0, 1000).await.unwrap();
    let kinds: std::collections::BTreeSet<&str> = journal.iter().map(|t| t.kind.as_str()).collect();
    for k in ["award", "hold", "capture", "void", "settle", "reversal"] {
        assert!(kinds.contains(k), "no {k} in {kinds:?}");
    }
    // APPLY and BOARD, in journal order (applying twice is harmless), onto an empty projection.
    projection::wipe(&app.state.redis).await.unwrap();
    for t in &journal {
        projection::apply(&mut conn, &app.state.redis, t)
            .await
            .unwrap_or_else(|e| panic!("applying {} ({}): {e}", t.id, t.kind));
    }
    // The gap path: an account whose unit lost its balance hash is rebuilt by APPLY's caller.
    let redis = &app.state.redis;
    let (bal, _, _) = projection::unit_keys(redis, &mashang::points::Account::Resident(r), "");
    let mut c = redis.conn();
    let _: () = redis::cmd("DEL")
        .arg(&bal)
        .query_async(&mut c)
        .await
        .unwrap();
    let last_of_r = journal
        .iter()
        .rev()
        .find(|t| {
            t.from_account == format!("resident:{r}") || t.to_account == format!("resident:{r}")
        })
        .unwrap();
    projection::apply(&mut conn, redis, last_of_r)
        .await
        .unwrap();
    let audit_ok = async |conn: &mut mashang::db::DbConn| {
        let report = audit::run(conn, redis, true).await.unwrap();
        assert!(report.ok(), "audit failed: {:?}", report.problems);
    };
    audit_ok(&mut conn).await;
    // REBUILD and BOARD_REBUILD for every unit, then the relay over the whole journal.
    let n = projection::rebuild_all(&mut conn, redis, Utc::now())
        .await
        .unwrap();
    // Every account of the journal: the issuer's stripes that were drawn on, and three
    // residents, one hold account, the merchant, settled.
    let named: std::collections::BTreeSet<&str> = journal
        .iter()
        .flat_map(|t| [t.from_account.as_str(), t.to_account.as_str()])
        .collect();
    assert_eq!(n, named.len(), "accounts rebuilt");
    assert_eq!(
        named.iter().filter(|a| !a.starts_with("issuer:")).count(),
        6
    );
    relay::set_cursor(redis, 0).await.unwrap();
    relay::catch_up(&mut conn, redis, Utc::now() + chrono::Duration::hours(1))
        .await
        .unwrap();
    audit_ok(&mut conn).await;
    assert_eq!(
        projection::read(redis, &mashang::points::Account::Resident(r))
            .await
            .unwrap()
            .map(|(b, _)| b),
        Some(40 - 10 - 7 - 5)
    );

    // The keys really are spread over several slots (on a cluster: over several nodes).
    let keys = redis.scan(&redis.key("pts:*")).await.unwrap();
    let tags: std::collections::BTreeSet<&str> = keys
        .iter()
        .map(|k| mashang::redis_store::hash_tag(k))
        .collect();
    assert!(tags.len() >= 6, "{tags:?}");
    if on_cluster() {
        let mut slots = std::collections::BTreeSet::new();
        for k in &keys {
            let slot: i64 = redis::cmd("CLUSTER")
                .arg("KEYSLOT")
                .arg(k)
                .query_async(&mut c)
                .await
                .unwrap();
            slots.insert(slot);
        }
        assert!(slots.len() >= 6, "{slots:?}");
    }
}

/// The suite really runs where the variable says, and the cluster really refuses a script
/// over two slots (so a script with keys of two units would fail the points tests there).
#[tokio::test]
async fn a_script_over_two_slots_is_refused_on_a_cluster() {
    let app = spawn(Fixture::Empty).await;
    let redis = &app.state.redis;
    assert_eq!(redis.is_cluster(), on_cluster());
    let mut c = redis.conn();
    let two_units: redis::RedisResult<i64> = redis::Script::new("return #KEYS")
        .key(redis.key("pts:{r:1}:bal"))
        .key(redis.key("pts:{r:2}:bal"))
        .invoke_async(&mut c)
        .await;
    let one_unit: i64 = redis::Script::new("return #KEYS")
        .key(redis.key("pts:{r:1}:bal"))
        .key(redis.key("pts:{r:1}:holds"))
        .invoke_async(&mut c)
        .await
        .unwrap();
    assert_eq!(one_unit, 2);
    if on_cluster() {
        let e = two_units.unwrap_err();
        assert!(e.to_string().to_uppercase().contains("CROSSSLOT"), "{e}");
        let info: String = redis::cmd("CLUSTER")
            .arg("INFO")
            .query_async(&mut c)
            .await
            .unwrap();
        assert!(info.contains("cluster_state:ok"), "{info}");
        assert!(info.contains("cluster_size:3"), "{info}");
    } else {
        assert_eq!(two_units.unwrap(), 2);
    }
}
