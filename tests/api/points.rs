//! Volunteer points: awards, holds at the counter, capture/void/expiry, idempotent retries,
//! concurrency, the audit and rebuilding the Redis projection from the journal.

use crate::helpers::{csrf_from, spawn_with, test_settings, Fixture, TestApp};
use chrono::{Duration, Utc};
use diesel_async::RunQueryDsl;
use mashang::points::{audit, holds, projection, rules::HoldAction, Account, PointsError};

/// A 64-character form token that the tests put in both the cookie and the form.
const FORM_TOKEN: &str = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0";

async fn app() -> TestApp {
    let (s, db) = test_settings(Fixture::Demo);
    spawn_with(s, db).await
}

/// A signed-in resident's session cookie (sessions as sign-in makes them).
async fn session_cookie(app: &TestApp, resident: i64) -> String {
    let (sid, _) = mashang::people::sessions::create(
        &app.state.redis,
        mashang::people::sessions::Kind::Resident,
        resident,
        3600,
    )
    .await
    .unwrap();
    format!("{}={sid}", mashang::web::resident_auth::COOKIE)
}

#[derive(diesel::QueryableByName)]
struct S {
    #[diesel(sql_type = diesel::sql_types::Text)]
    s: String,
}

pub(crate) async fn text(app: &TestApp, sql: &str) -> String {
    let mut c = app.conn().await;
    let r: S = diesel::sql_query(sql).get_result(&mut c).await.unwrap();
    r.s
}

/// A resident bound to a household (binding is what lets residents earn and spend).
pub(crate) async fn new_resident(app: &TestApp, email: &str) -> i64 {
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

#[tokio::test]
async fn an_unbound_resident_neither_earns_nor_spends() {
    let app = app().await;
    let r = app
        .count("INSERT INTO residents (email) VALUES ('loose@example.cn') RETURNING id AS n")
        .await;
    let mut conn = app.conn().await;
    let community = app.grid_id("GY-01").await;
    let award = mashang::points::award::award(
        &mut conn,
        &app.settings.points,
        &mashang::points::award::AwardRequest {
            id: "award-unbound-0001".into(),
            kind: mashang::points::award::AwardKind::Activity,
            community_id: community,
            resident_id: r,
            amount: 5,
            reason: "志愿服务".into(),
            actor: "staff:1".into(),
        },
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(award.unwrap_err(), PointsError::NotBound);
    assert_eq!(PointsError::NotBound.code(), "not_bound_to_household");
}

pub(crate) async fn shop(app: &TestApp, name: &str) -> (i64, String) {
    let id = app
        .count(&format!("SELECT id AS n FROM shops WHERE name = '{name}'"))
        .await;
    let token = text(
        app,
        &format!("SELECT token AS s FROM codes WHERE shop_id = {id} AND status = 'active'"),
    )
    .await;
    (id, token)
}

/// Award through the console form as `client` (signed in); returns (status, body/location).
pub(crate) async fn award(
    app: &TestApp,
    client: &reqwest::Client,
    key: &str,
    resident: i64,
    amount: &str,
) -> (u16, String) {
    let page = client
        .get(app.url("/console/points"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&page);
    let grid = app.grid_id("GY-01").await.to_string();
    let r = client
        .post(app.url("/console/points/award"))
        .header("accept", "application/json")
        .form(&[
            ("csrf", csrf.as_str()),
            ("idempotency_key", key),
            ("grid_id", &grid),
            ("resident_id", &resident.to_string()),
            ("amount", amount),
            ("kind", "award"),
            ("reason", "清理楼道"),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, loc + &r.text().await.unwrap())
}

pub(crate) async fn admin(app: &TestApp) -> reqwest::Client {
    let c = TestApp::new_client();
    app.login_as(&c, "admin", "mashang-admin").await;
    c
}

/// Spend at a shop's counter code as `resident`; returns (status, Location or JSON body).
pub(crate) async fn spend(
    app: &TestApp,
    token: &str,
    resident: i64,
    key: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut form = vec![("csrf", FORM_TOKEN), ("idempotency_key", key)];
    form.extend_from_slice(fields);
    let r = app
        .client
        .post(app.url(&format!("/C/{token}/spend")))
        .header("cookie", session_cookie(app, resident).await)
        .header("cookie", format!("mashang_form={FORM_TOKEN}"))
        .header("accept", "application/json")
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, loc + &r.text().await.unwrap())
}

/// Every link target on a page.
fn hrefs(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("a[href]").unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr("href").map(str::to_owned))
        .collect()
}

pub(crate) fn reason(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    v["reason"].as_str().unwrap_or("").to_owned()
}

pub(crate) async fn cashier_post(
    app: &TestApp,
    client: &reqwest::Client,
    hold: &str,
    what: &str,
) -> (u16, String) {
    let me: serde_json::Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = me["csrf"].as_str().unwrap().to_owned();
    let r = client
        .post(app.url(&format!("/merchant/holds/{hold}/{what}")))
        .header("accept", "application/json")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub(crate) async fn cashier(app: &TestApp, name: &str) -> reqwest::Client {
    let c = TestApp::new_client();
    app.login_as(&c, name, &format!("mashang-{name}")).await;
    c
}

pub(crate) async fn db_balance(app: &TestApp, a: Account) -> i64 {
    app.count(&format!(
        "SELECT COALESCE((SELECT balance FROM points_accounts WHERE id = '{a}'), 0) AS n"
    ))
    .await
}

pub(crate) async fn redis_balance(app: &TestApp, a: Account) -> i64 {
    projection::balance(&app.state.db, &app.state.redis, &a)
        .await
        .unwrap()
}

pub(crate) async fn audit_ok(app: &TestApp) {
    let mut c = app.conn().await;
    let r = audit::run(&mut c, &app.state.redis, true).await.unwrap();
    assert!(r.ok(), "audit failed: {:?}", r.problems);
}

pub(crate) fn hold_id(location: &str) -> String {
    location
        .strip_prefix("/points/holds/")
        .unwrap_or_else(|| panic!("not a hold page: {location}"))
        .split('{')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn two_hundred_concurrent_holds_never_overdraw() {
    let app = app().await;
    let r = new_resident(&app, "many@example.cn").await;
    let admin = admin(&app).await;
    assert_eq!(award(&app, &admin, "award-0000001", r, "100").await.0, 303);
    let (_, token) = shop(&app, "惠民超市").await;
    let reqs = (0..200).map(|i| {
        let app = &app;
        let token = token.clone();
        async move {
            let key = format!("hold-concurrent-{i:04}");
            spend(app, &token, r, &key, &[("amount", "3")]).await
        }
    });
    let results = futures_util::future::join_all(reqs).await;
    let accepted = results.iter().filter(|(s, _)| *s == 303).count() as i64;
    for (s, body) in &results {
        assert!(
            *s == 303 || (*s == 409 && reason(body) == "insufficient_points"),
            "{s} {body}"
        );
    }
    assert!(
        accepted * 3 <= 100,
        "accepted {accepted} holds of 3 from 100"
    );
    assert_eq!(accepted, 33, "every hold that fit was accepted");
    assert_eq!(
        db_balance(&app, Account::Resident(r)).await,
        100 - accepted * 3
    );
    assert_eq!(db_balance(&app, Account::Hold(r)).await, accepted * 3);
    assert_eq!(
        redis_balance(&app, Account::Resident(r)).await,
        100 - accepted * 3
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM points_holds WHERE status = 'pending'")
            .await,
        accepted
    );
    audit_ok(&app).await;
}

#[tokio::test]
async fn award_and_hold_retries_are_idempotent() {
    let app = app().await;
    let r = new_resident(&app, "retry@example.cn").await;
    let admin = admin(&app).await;
    let first = award(&app, &admin, "award-retry-01", r, "30").await;
    assert_eq!(first.0, 303, "{}", first.1);
    let again = award(&app, &admin, "award-retry-01", r, "30").await;
    assert_eq!(again.0, 303);
    assert_eq!(first.1, again.1, "a retry replays the first outcome");
    let other = award(&app, &admin, "award-retry-01", r, "31").await;
    assert_eq!(other.0, 409);
    assert_eq!(reason(&other.1), "idempotency_key_reused");
    assert_eq!(db_balance(&app, Account::Resident(r)).await, 30);
    assert_eq!(redis_balance(&app, Account::Resident(r)).await, 30);

    let (_, token) = shop(&app, "惠民超市").await;
    let h1 = spend(&app, &token, r, "hold-retry-0001", &[("amount", "10")]).await;
    assert_eq!(h1.0, 303, "{}", h1.1);
    let h2 = spend(&app, &token, r, "hold-retry-0001", &[("amount", "10")]).await;
    assert_eq!(h2.0, 303);
    assert_eq!(h1.1, h2.1, "the same hold");
    let h3 = spend(&app, &token, r, "hold-retry-0001", &[("amount", "11")]).await;
    assert_eq!(
        (h3.0, reason(&h3.1).as_str()),
        (409, "idempotency_key_reused")
    );
    assert_eq!(db_balance(&app, Account::Resident(r)).await, 20);
    assert_eq!(redis_balance(&app, Account::Resident(r)).await, 20);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM points_transfers")
            .await,
        2
    );

    // The hold page shows the confirmation number, to its resident only.
    let loc = hold_id(&h1.1);
    let page = app
        .client
        .get(app.url(&format!("/points/holds/{loc}")))
        .header("cookie", session_cookie(&app, r).await)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let body = page.text().await.unwrap();
    let number = text(
        &app,
        &format!("SELECT confirmation AS s FROM points_holds WHERE id = '{loc}'"),
    )
    .await;
    assert!(body.contains(&number), "{body}");
    let other = new_resident(&app, "nosy@example.cn").await;
    let peek = app
        .client
        .get(app.url(&format!("/points/holds/{loc}")))
        .header("cookie", session_cookie(&app, other).await)
        .send()
        .await
        .unwrap();
    assert_eq!(peek.status().as_u16(), 404);
    audit_ok(&app).await;
}

#[tokio::test]
async fn holds_expire_on_a_controllable_clock() {
    let app = app().await;
    let r = new_resident(&app, "late@example.cn").await;
    let admin = admin(&app).await;
    award(&app, &admin, "award-expire-1", r, "50").await;
    let (_, token) = shop(&app, "惠民超市").await;
    let h = spend(&app, &token, r, "hold-expire-001", &[("amount", "20")]).await;
    let id = hold_id(&h.1);
    assert_eq!(redis_balance(&app, Account::Resident(r)).await, 30);
    let now = Utc::now();
    assert_eq!(
        holds::expire_holds(&app.state.db, &app.state.redis, now + Duration::minutes(5))
            .await
            .unwrap(),
        0
    );
    // Confirming after the hold's time ran out is refused even before the job has run.
    let mut c = app.conn().await;
    let shop_id = shop(&app, "惠民超市").await.0;
    let late = holds::decide(
        &mut c,
        &id,
        HoldAction::Capture { shop: shop_id },
        None,
        now + Duration::minutes(11),
    )
    .await
    .unwrap();
    assert_eq!(late.err(), Some(PointsError::HoldExpired));
    drop(c);
    assert_eq!(
        holds::expire_holds(&app.state.db, &app.state.redis, now + Duration::minutes(11))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        holds::expire_holds(&app.state.db, &app.state.redis, now + Duration::minutes(12))
            .await
            .unwrap(),
        0
    );
    assert_eq!(db_balance(&app, Account::Resident(r)).await, 50);
    assert_eq!(redis_balance(&app, Account::Resident(r)).await, 50);
    assert_eq!(db_balance(&app, Account::Hold(r)).await, 0);
    let status = text(
        &app,
        &format!("SELECT status AS s FROM points_holds WHERE id = '{id}'"),
    )
    .await;
    assert_eq!(status, "expired");
    let huimin = cashier(&app, "cashier-huimin").await;
    let (s, body) = cashier_post(&app, &huimin, &id, "confirm").await;
    assert_eq!((s, reason(&body).as_str()), (409, "hold_closed"));
    audit_ok(&app).await;
}

#[tokio::test]
async fn capture_by_the_wrong_cashier_or_twice_is_refused() {
    let app = app().await;
    let r = new_resident(&app, "shopper@example.cn").await;
    let admin_client = admin(&app).await;
    award(&app, &admin_client, "award-capture-1", r, "40").await;
    let (shop_id, token) = shop(&app, "惠民超市").await;
    let h = spend(&app, &token, r, "hold-capture-01", &[("amount", "25")]).await;
    let id = hold_id(&h.1);

    let zhaojun = cashier(&app, "cashier-zhaojun").await;
    let (s, body) = cashier_post(&app, &zhaojun, &id, "confirm").await;
    assert_eq!((s, reason(&body).as_str()), (403, "wrong_shop"));
    let (s, _) = cashier_post(&app, &zhaojun, &id, "reject").await;
    assert_eq!(s, 403);
    // Another shop's cashier does not see it either.
    let page = zhaojun
        .get(app.url("/merchant"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&id));

    let huimin = cashier(&app, "cashier-huimin").await;
    let page = huimin
        .get(app.url("/merchant"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&id), "the cashier's list shows the hold");
    let (s, body) = cashier_post(&app, &huimin, &id, "confirm").await;
    assert_eq!(s, 303, "{body}");
    let (s, body) = cashier_post(&app, &huimin, &id, "confirm").await;
    assert_eq!((s, reason(&body).as_str()), (409, "hold_already_captured"));
    assert_eq!(db_balance(&app, Account::Merchant(shop_id)).await, 25);
    assert_eq!(redis_balance(&app, Account::Merchant(shop_id)).await, 25);
    assert_eq!(redis_balance(&app, Account::Resident(r)).await, 15);
    assert_eq!(redis_balance(&app, Account::Hold(r)).await, 0);

    // A grid worker cannot use the merchant console; the community settles the merchant.
    let page = admin_client
        .get(app.url("/console/points"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&page);
    let settle = admin_client
        .post(app.url("/console/points/settle"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("idempotency_key", "settle-0000001"),
            ("shop_id", &shop_id.to_string()),
            ("amount", "25"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(settle.status().as_u16(), 303);
    assert_eq!(redis_balance(&app, Account::Merchant(shop_id)).await, 0);
    assert_eq!(redis_balance(&app, Account::Settled).await, 25);
    let over = admin_client
        .post(app.url("/console/points/settle"))
        .header("accept", "application/json")
        .form(&[
            ("csrf", csrf.as_str()),
            ("idempotency_key", "settle-0000002"),
            ("shop_id", &shop_id.to_string()),
            ("amount", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(over.status().as_u16(), 409);
    audit_ok(&app).await;
}

#[tokio::test]
async fn bad_input_is_refused_with_codes_and_balances_stay() {
    let app = app().await;
    let r = new_resident(&app, "careful@example.cn").await;
    let victim = new_resident(&app, "victim@example.cn").await;
    let admin = admin(&app).await;
    award(&app, &admin, "award-bad-0001", r, "10").await;
    award(&app, &admin, "award-bad-0002", victim, "90").await;
    let (_, token) = shop(&app, "惠民超市").await;
    for (i, (amount, code)) in [
        ("-5", "invalid_amount"),
        ("0", "invalid_amount"),
        ("abc", "invalid_amount"),
        ("1.5", "invalid_amount"),
        ("99999999999999999999", "invalid_amount"),
        ("5000", "amount_too_large"),
        ("11", "insufficient_points"),
    ]
    .into_iter()
    .enumerate()
    {
        let (s, body) = spend(
            &app,
            &token,
            r,
            &format!("hold-bad-{i:04}"),
            &[("amount", amount)],
        )
        .await;
        assert!(s == 422 || s == 409 || s == 400, "{amount}: {s} {body}");
        assert_eq!(reason(&body), code, "{amount}: {body}");
    }
    // Spending another's points by adding their id to the form.
    let victim_id = victim.to_string();
    let (s, body) = spend(
        &app,
        &token,
        r,
        "hold-bad-other-1",
        &[("amount", "5"), ("resident_id", &victim_id)],
    )
    .await;
    assert_eq!((s, reason(&body).as_str()), (403, "not_your_account"));
    // A shop that does not take points.
    let plain = app
        .count("SELECT id AS n FROM shops WHERE NOT accepts_points ORDER BY id LIMIT 1")
        .await;
    let plain_token = text(
        &app,
        &format!("SELECT token AS s FROM codes WHERE shop_id = {plain} AND status = 'active'"),
    )
    .await;
    let (s, body) = spend(&app, &plain_token, r, "hold-bad-shop-1", &[("amount", "5")]).await;
    assert_eq!(
        (s, reason(&body).as_str()),
        (422, "shop_not_accepting_points")
    );
    // No resident: no spending.
    let anon = app
        .client
        .post(app.url(&format!("/C/{token}/spend")))
        .header("accept", "application/json")
        .form(&[
            ("csrf", FORM_TOKEN),
            ("idempotency_key", "hold-anon-0001"),
            ("amount", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status().as_u16(), 401);
    // People get the message in their language.
    let page = app
        .client
        .post(app.url(&format!("/C/{token}/spend")))
        .header("cookie", session_cookie(&app, r).await)
        .header("cookie", format!("mashang_form={FORM_TOKEN}"))
        .form(&[
            ("csrf", FORM_TOKEN),
            ("idempotency_key", "hold-bad-page-1"),
            ("amount", "50"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("积分余额不足"), "{page}");
    let page = app
        .client
        .post(app.url(&format!("/C/{token}/spend?lang=en")))
        .header("cookie", session_cookie(&app, r).await)
        .header("cookie", format!("mashang_form={FORM_TOKEN}"))
        .form(&[
            ("csrf", FORM_TOKEN),
            ("idempotency_key", "hold-bad-page-2"),
            ("amount", "50"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("You do not have that many points"), "{page}");
    // Awards: nonsense amounts, no reason, a grid worker outside their scope.
    let (s, body) = award(&app, &admin, "award-bad-0003", r, "-1").await;
    assert_eq!((s, reason(&body).as_str()), (422, "invalid_amount"));
    let worker = TestApp::new_client();
    app.login_as(&worker, "worker-gy-02-01", "mashang-worker-gy-02-01")
        .await;
    let (s, _) = award(&app, &worker, "award-bad-0004", r, "5").await;
    assert_eq!(s, 403, "GY-01 is outside a GY-02-01 worker's scope");

    assert_eq!(db_balance(&app, Account::Resident(r)).await, 10);
    assert_eq!(db_balance(&app, Account::Resident(victim)).await, 90);
    assert_eq!(db_balance(&app, Account::Hold(r)).await, 0);
    audit_ok(&app).await;
}

#[tokio::test]
async fn the_spend_action_shows_for_a_resident_at_a_shop_that_takes_points() {
    let app = app().await;
    let r = new_resident(&app, "scan@example.cn").await;
    let (_, token) = shop(&app, "惠民超市").await;
    let anon = app.get(&format!("/C/{token}")).await.1;
    assert!(!hrefs(&anon).iter().any(|h| h.ends_with("/spend")));
    let signed = app
        .client
        .get(app.url(&format!("/C/{token}")))
        .header("cookie", session_cookie(&app, r).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        hrefs(&signed).contains(&format!("/C/{token}/spend")),
        "{signed}"
    );
    let form = app
        .client
        .get(app.url(&format!("/C/{token}/spend")))
        .header("cookie", session_cookie(&app, r).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("data-rate=\"0.1\""), "{form}");
    let (_, door) = app.household_code("GY-01-01").await;
    let door_page = app
        .client
        .get(app.url(&format!("/C/{door}")))
        .header("cookie", session_cookie(&app, r).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!hrefs(&door_page).iter().any(|h| h.ends_with("/spend")));
}

#[tokio::test]
async fn awards_are_capped_per_day_and_reversed_by_a_new_transfer() {
    let app = app().await;
    let r = new_resident(&app, "busy@example.cn").await;
    let admin = admin(&app).await;
    assert_eq!(award(&app, &admin, "award-cap-0001", r, "100").await.0, 303);
    assert_eq!(award(&app, &admin, "award-cap-0002", r, "100").await.0, 303);
    let (s, body) = award(&app, &admin, "award-cap-0003", r, "1").await;
    assert_eq!((s, reason(&body).as_str()), (409, "daily_award_cap"));
    let page = admin
        .get(app.url("/console/points"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&page);
    let reverse = |key: &'static str, amount: &'static str| {
        let admin = admin.clone();
        let csrf = csrf.clone();
        let url = app.url("/console/points/reverse");
        async move {
            let r = admin
                .post(url)
                .header("accept", "application/json")
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("idempotency_key", key),
                    ("award_id", "award-cap-0001"),
                    ("amount", amount),
                    ("reason", "重复登记"),
                ])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(reverse("reverse-cap-01", "30").await.0, 303);
    let (s, body) = reverse("reverse-cap-02", "71").await;
    assert_eq!((s, reason(&body).as_str()), (409, "reversal_exceeds_award"));
    assert_eq!(redis_balance(&app, Account::Resident(r)).await, 170);
    let original = app
        .count("SELECT amount AS n FROM points_transfers WHERE id = 'award-cap-0001'")
        .await;
    assert_eq!(original, 100, "the award itself is never edited");
    let community = app.grid_id("GY-01").await;
    let board = projection::leaderboard(&app.state.redis, community, Utc::now(), 10)
        .await
        .unwrap();
    assert_eq!(board, vec![(r, 170)]);
    audit_ok(&app).await;
}

#[tokio::test]
async fn the_audit_names_a_bad_account_and_rebuild_restores_redis() {
    let app = app().await;
    let r = new_resident(&app, "audit@example.cn").await;
    let admin = admin(&app).await;
    award(&app, &admin, "award-audit-01", r, "60").await;
    let (shop_id, token) = shop(&app, "惠民超市").await;
    spend(&app, &token, r, "hold-audit-0001", &[("amount", "15")]).await;
    audit_ok(&app).await;

    // A bogus Redis balance is named.
    let redis = &app.state.redis;
    let (bal_key, _, _) = projection::unit_keys(redis, &Account::Resident(r), "");
    let mut c = redis.conn();
    let _: () = redis::cmd("HSET")
        .arg(&bal_key)
        .arg("a:bal")
        .arg(999)
        .query_async(&mut c)
        .await
        .unwrap();
    let mut conn = app.conn().await;
    let report = audit::run(&mut conn, redis, true).await.unwrap();
    assert!(!report.ok());
    assert!(
        report.names(&format!("resident:{r}")),
        "{:?}",
        report.problems
    );
    assert!(!report.names(&format!("merchant:{shop_id}")));

    // A broken journal row is named too (and the ledger no longer sums to zero).
    diesel::sql_query(format!(
        "UPDATE points_accounts SET balance = balance + 1 WHERE id = 'hold:{r}'"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let report = audit::run(&mut conn, redis, false).await.unwrap();
    assert!(
        report.names(&format!("hold:{r}")) && report.names("*"),
        "{:?}",
        report.problems
    );
    diesel::sql_query(format!(
        "UPDATE points_accounts SET balance = balance - 1 WHERE id = 'hold:{r}'"
    ))
    .execute(&mut conn)
    .await
    .unwrap();

    // Lose every key of this test (never FLUSHALL: the Redis is shared), then rebuild.
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(redis.key("pts:*"))
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    for k in &keys {
        let _: () = redis::cmd("DEL").arg(k).query_async(&mut c).await.unwrap();
    }
    let report = audit::run(&mut conn, redis, true).await.unwrap();
    assert!(report.names(&format!("resident:{r}")));
    projection::rebuild_all(&mut conn, redis, Utc::now())
        .await
        .unwrap();
    drop(conn);
    audit_ok(&app).await;
    assert_eq!(redis_balance(&app, Account::Resident(r)).await, 45);
    assert_eq!(
        projection::pending_holds(redis, r)
            .await
            .unwrap()
            .values()
            .sum::<i64>(),
        15
    );

    // Scripts flushed (global but harmless): they reload on NOSCRIPT.
    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(award(&app, &admin, "award-audit-02", r, "5").await.0, 303);
    assert_eq!(redis_balance(&app, Account::Resident(r)).await, 50);
    audit_ok(&app).await;

    // A page read on a missing key rebuilds the account from the journal.
    let _: () = redis::cmd("DEL")
        .arg(&bal_key)
        .query_async(&mut c)
        .await
        .unwrap();
    let wallet = app
        .client
        .get(app.url("/points"))
        .header("cookie", session_cookie(&app, r).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(wallet.contains("data-balance=\"50\""), "{wallet}");
    audit_ok(&app).await;
}

#[tokio::test]
async fn the_audit_command_exits_non_zero_naming_the_account() {
    let app = app().await;
    let r = new_resident(&app, "cli@example.cn").await;
    let admin = admin(&app).await;
    award(&app, &admin, "award-cli-0001", r, "12").await;
    let run = |args: &'static [&'static str]| {
        let db = app.settings.database.url.clone();
        let prefix = app.settings.redis.key_prefix.clone();
        let redis_url = app.settings.redis.url.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_mashang"))
                .args(args)
                .env("MASHANG__DATABASE__URL", db)
                .env("MASHANG__REDIS__URL", redis_url)
                .env("MASHANG__REDIS__KEY_PREFIX", prefix)
                .env("MASHANG__LOG__FILTER", "warn")
                .output()
                .unwrap()
        })
    };
    let ok = run(&["points", "audit"]).await.unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let (bal_key, _, _) = projection::unit_keys(&app.state.redis, &Account::Resident(r), "");
    let mut c = app.state.redis.conn();
    let _: () = redis::cmd("HSET")
        .arg(&bal_key)
        .arg("a:bal")
        .arg(7)
        .query_async(&mut c)
        .await
        .unwrap();
    let bad = run(&["points", "audit"]).await.unwrap();
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains(&format!("resident:{r}")), "{stderr}");
    let rebuilt = run(&["points", "rebuild"]).await.unwrap();
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    assert_eq!(redis_balance(&app, Account::Resident(r)).await, 12);
    audit_ok(&app).await;
}
