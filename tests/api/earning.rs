//! Earning points by taking part: volunteer activities (check-in code, the organiser's
//! confirmation, the per-activity cap), accepted reports, ratings and poll participation; the
//! resident's history, leaderboard place and nearby shops; and the merchants' settlement
//! statement.

use crate::helpers::{attr_of, csrf_from, spawn, spawn_with, test_settings, Fixture, TestApp};
use crate::points::{
    admin, audit_ok, award, cashier, cashier_post, db_balance, hold_id, reason, redis_balance,
    shop, spend,
};
use crate::residents::{create_poll, vote};
use chrono::{Duration, Utc};
use mashang::points::Account;
use reqwest::multipart::Form;

fn china(t: chrono::DateTime<Utc>) -> String {
    let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    t.with_timezone(&china).format("%Y-%m-%dT%H:%M").to_string()
}

/// A resident signed in and bound to the `nth` household of a compound: (client, csrf, id).
async fn bound_resident(
    app: &TestApp,
    email: &str,
    grid: &str,
    nth: i64,
) -> (reqwest::Client, String, i64) {
    let (client, csrf, id) = app.resident_client(email).await;
    let (household, _, _) = app.household_with_binding(grid, nth).await;
    app.count(&format!(
        "INSERT INTO household_members (household_id, resident_id, bound_via)
         VALUES ({household}, {id}, 'binding_code') RETURNING resident_id AS n"
    ))
    .await;
    (client, csrf, id)
}

/// Create an activity as the signed-in staff client; returns (status, Location or body).
async fn create_activity(
    app: &TestApp,
    staff: &reqwest::Client,
    grid: &str,
    starts: chrono::DateTime<Utc>,
    points: &str,
    max: &str,
) -> (u16, String) {
    let csrf = csrf_from(&app.page_of(staff, "/console/activities").await);
    let grid_id = app.grid_id(grid).await.to_string();
    let (starts_at, ends_at) = (china(starts), china(starts + Duration::hours(2)));
    app.post_form_as(
        staff,
        "/console/activities",
        &[
            ("csrf", &csrf),
            ("grid_id", &grid_id),
            ("title", "清扫楼道"),
            ("place", "邮电小区 3 号楼"),
            ("starts_at", &starts_at),
            ("ends_at", &ends_at),
            ("points", points),
            ("max_volunteers", max),
        ],
    )
    .await
}

async fn check_in(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    token: &str,
) -> (u16, String) {
    app.post_form_as(client, &format!("/A/{token}/check-in"), &[("csrf", csrf)])
        .await
}

async fn decide(
    app: &TestApp,
    staff: &reqwest::Client,
    activity: i64,
    residents: &[i64],
    decision: &str,
) -> (u16, String) {
    let path = format!("/console/activities/{activity}");
    let csrf = csrf_from(&app.page_of(staff, &path).await);
    let ids: Vec<String> = residents.iter().map(i64::to_string).collect();
    let mut form = vec![("csrf", csrf.as_str()), ("decision", decision)];
    form.extend(ids.iter().map(|r| ("resident", r.as_str())));
    app.post_form_as(staff, &format!("{path}/decide"), &form)
        .await
}

async fn staff(app: &TestApp, username: &str) -> reqwest::Client {
    let c = TestApp::new_client();
    app.login_as(&c, username, &format!("mashang-{username}"))
        .await;
    c
}

async fn balance(app: &TestApp, resident: i64) -> i64 {
    let db = db_balance(app, Account::Resident(resident)).await;
    assert_eq!(
        redis_balance(app, Account::Resident(resident)).await,
        db,
        "Redis follows the journal"
    );
    db
}

#[tokio::test]
async fn volunteers_check_in_and_the_organiser_confirms_within_the_cap() {
    let app = spawn(Fixture::Demo).await;
    let worker = staff(&app, "worker-gy-01-01").await;
    let now = Utc::now();

    // Bad drafts are refused field by field; the points are capped by the largest award.
    let (s, body) = create_activity(&app, &worker, "GY-01-01", now, "0", "2").await;
    assert_eq!((s, reason_or_detail(&body)), (422, "points".into()));
    let (s, _) = create_activity(&app, &worker, "GY-02-01", now, "10", "2").await;
    assert_eq!(s, 403, "another compound is out of this worker's scope");

    let (s, loc) = create_activity(
        &app,
        &worker,
        "GY-01-01",
        now - Duration::minutes(10),
        "10",
        "2",
    )
    .await;
    assert_eq!(s, 303, "{loc}");
    let id: i64 = loc
        .trim_start_matches("/console/activities/")
        .parse()
        .unwrap();

    let page = app
        .page_of(&worker, &format!("/console/activities/{id}"))
        .await;
    let url = attr_of(&page, "a code.url", "class")
        .map(|_| ())
        .and_then(|_| {
            let doc = scraper::Html::parse_document(&page);
            let sel = scraper::Selector::parse("code.url").unwrap();
            doc.select(&sel)
                .next()
                .map(|e| e.text().collect::<String>())
        });
    let url = url.expect("the check-in URL is shown");
    assert!(url.starts_with("HTTP://MASHANG.TEST/A/"), "{url}");
    let token = url.rsplit('/').next().unwrap().to_owned();

    // The printed poster's symbol carries exactly that URL (rendered at 300 dpi and decoded).
    let pdf = worker
        .get(app.url(&format!("/console/activities/{id}/poster.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status().as_u16(), 200);
    let pdf = pdf.bytes().await.unwrap();
    assert_eq!(crate::print::decode_pdf(&pdf, 300), vec![url.clone()]);

    // Anyone can read the poster's page; it offers sign-in, and names nobody.
    let (s, public) = app.get(&format!("/A/{}", token.to_lowercase())).await;
    assert_eq!(s, 200);
    assert!(public.contains("清扫楼道") && public.contains("/me/sign-in?next=/A/"));

    let (a, acsrf, aid) = bound_resident(&app, "a@example.cn", "GY-01-01", 0).await;
    let (b, bcsrf, bid) = bound_resident(&app, "b@example.cn", "GY-01-01", 1).await;
    let (c, ccsrf, cid) = bound_resident(&app, "c@example.cn", "GY-01-01", 2).await;
    let (loose, lcsrf, _) = app.resident_client("loose@example.cn").await;
    for (client, csrf) in [(&a, &acsrf), (&b, &bcsrf), (&c, &ccsrf)] {
        assert_eq!(check_in(&app, client, csrf, &token).await.0, 303);
    }
    // Checking in twice keeps the first check-in.
    assert_eq!(check_in(&app, &a, &acsrf, &token).await.0, 303);
    let (s, body) = check_in(&app, &loose, &lcsrf, &token).await;
    assert_eq!((s, reason(&body)), (403, "not_bound_to_household".into()));
    let mine = app.page_of(&a, &format!("/A/{token}")).await;
    assert_eq!(
        attr_of(&mine, "[data-checkin]", "data-checkin").as_deref(),
        Some("pending")
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM activity_checkins WHERE activity_id = {id}"
        ))
        .await,
        3
    );

    // Another community's worker can neither see nor confirm it.
    let other = staff(&app, "worker-gy-02-01").await;
    let r = other
        .get(app.url(&format!("/console/activities/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // The organiser confirms two: each earns the activity's points, once.
    assert_eq!(
        decide(&app, &worker, id, &[aid, bid], "confirm").await.0,
        303
    );
    assert_eq!(balance(&app, aid).await, 10);
    assert_eq!(balance(&app, bid).await, 10);
    // The cap is two: the third is refused and nothing moves.
    let (s, body) = decide(&app, &worker, id, &[cid], "confirm").await;
    assert_eq!((s, reason(&body)), (409, "activity_full".into()));
    assert_eq!(balance(&app, cid).await, 0);
    // Deciding again is refused; refusing attendance awards nothing.
    let (s, body) = decide(&app, &worker, id, &[aid], "confirm").await;
    assert_eq!((s, reason(&body)), (409, "checkin_already_decided".into()));
    assert_eq!(decide(&app, &worker, id, &[cid], "reject").await.0, 303);
    assert_eq!(balance(&app, aid).await, 10);
    assert_eq!(balance(&app, cid).await, 0);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM points_transfers WHERE id LIKE 'earn:activity:%'")
            .await,
        2
    );

    // The volunteer sees it in their history, with the activity and the community.
    let wallet = app.page_of(&a, "/points").await;
    assert!(
        wallet.contains("志愿活动 · 清扫楼道") && wallet.contains("平原社区"),
        "{wallet}"
    );
    audit_ok(&app).await;

    // Check-in is refused before it opens and after a cancellation.
    let (s, loc) =
        create_activity(&app, &worker, "GY-01-01", now + Duration::days(1), "5", "5").await;
    assert_eq!(s, 303);
    let later: i64 = loc
        .trim_start_matches("/console/activities/")
        .parse()
        .unwrap();
    let t2 = crate::points::text(
        &app,
        &format!("SELECT checkin_token AS s FROM activities WHERE id = {later}"),
    )
    .await;
    let (s, body) = check_in(&app, &a, &acsrf, &t2).await;
    assert_eq!((s, reason(&body)), (409, "checkin_not_open".into()));
    let page = app
        .page_of(&worker, &format!("/console/activities/{later}"))
        .await;
    let r = worker
        .post(app.url(&format!("/console/activities/{later}/cancel")))
        .form(&[("csrf", csrf_from(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (s, body) = check_in(&app, &a, &acsrf, &t2).await;
    assert_eq!((s, reason(&body)), (409, "activity_cancelled".into()));
}

fn reason_or_detail(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    v["reason"]
        .as_str()
        .or(v["message"].as_str())
        .unwrap_or("")
        .to_owned()
}

/// Submit a report from the resident's browser (signed in), by a door code.
async fn resident_report(app: &TestApp, client: &reqwest::Client, token: &str) -> String {
    let page = app.page_of(client, &format!("/report?code={token}")).await;
    let csrf = csrf_from(&page);
    let form = Form::new()
        .text(
            "idempotency_key",
            attr_of(&page, "input[name=idempotency_key]", "value").unwrap(),
        )
        .text("code", token.to_owned())
        .text("description", "楼道灯坏了");
    let r = client
        .post(app.report_url(&csrf))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    r.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/r/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

async fn case_step(
    app: &TestApp,
    worker: &reqwest::Client,
    csrf: &str,
    id: i64,
    fields: &[(&str, &str)],
) {
    let mut form = Form::new().text("csrf", csrf.to_owned());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let r = worker
        .post(app.url(&format!("/console/cases/{id}/step")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "{fields:?}");
}

#[tokio::test]
async fn an_accepted_report_its_rating_and_a_ballot_each_earn_points_once() {
    let app = spawn(Fixture::Demo).await;
    let (client, csrf, me) = bound_resident(&app, "canyu@example.cn", "GY-01-01", 0).await;
    let (household, token, _) = app.household_with_binding("GY-01-01", 0).await;

    // A report from the signed-in resident: accepting it earns report_accepted (5).
    let public_id = resident_report(&app, &client, &token).await;
    let id = app
        .count(&format!(
            "SELECT id AS n FROM reports WHERE public_id = '{public_id}' AND resident_id = {me}"
        ))
        .await;
    assert_eq!(
        balance(&app, me).await,
        0,
        "nothing is earned for merely reporting"
    );
    let worker = TestApp::new_client();
    let wcsrf = app
        .login_as(&worker, "worker-gy-01-01", "mashang-worker-gy-01-01")
        .await;
    case_step(&app, &worker, &wcsrf, id, &[("action", "accept")]).await;
    assert_eq!(balance(&app, me).await, 5);
    case_step(
        &app,
        &worker,
        &wcsrf,
        id,
        &[("action", "resolve"), ("note", "换了灯泡")],
    )
    .await;

    // Rating the handling earns case_rated (2), once.
    let page = app.page_of(&client, &format!("/r/{public_id}")).await;
    let r = client
        .post(app.url(&format!("/r/{public_id}/rate")))
        .form(&[("csrf", csrf_from(&page).as_str()), ("rating", "satisfied")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(balance(&app, me).await, 7);

    // A ballot earns poll_participation (2).
    let head = app.login_demo("head-gy-01").await;
    let now = Utc::now();
    let (poll, options) = create_poll(
        &app,
        &head,
        app.grid_id("GY-01").await,
        now - Duration::hours(1),
        now + Duration::days(1),
        "secret",
    )
    .await;
    let (s, v) = vote(&app, &client, &csrf, poll, household, &options[..1]).await;
    assert!(s == 303 || s == 200, "{s} {v}");
    assert_eq!(balance(&app, me).await, 9);
    assert_eq!(
        app.count(&format!("SELECT count(*) AS n FROM points_earnings WHERE resident_id = {me} AND status = 'paid'"))
            .await,
        3
    );

    // The wallet: history with what each was for, first place on the community's board.
    let wallet = app.page_of(&client, "/points").await;
    for label in [
        "随手拍被受理",
        "评价办理结果",
        "参与投票",
        &public_id,
        "老旧小区改造",
    ] {
        assert!(wallet.contains(label), "{label} missing from the history");
    }
    assert_eq!(
        attr_of(&wallet, "[data-rank]", "data-rank").as_deref(),
        Some("1")
    );
    assert_eq!(
        attr_of(&wallet, "[data-compound-rank]", "data-compound-rank").as_deref(),
        Some("1")
    );
    // The door's page shows the signed-in resident their points; others see none.
    let door = app.page_of(&client, &format!("/C/{token}")).await;
    assert_eq!(
        attr_of(&door, "[data-my-points]", "data-my-points").as_deref(),
        Some("9")
    );
    assert!(!app
        .get(&format!("/C/{token}"))
        .await
        .1
        .contains("data-my-points"));
    assert!(
        wallet.contains("惠民超市"),
        "shops that take points in the community are listed"
    );
    audit_ok(&app).await;
}

#[tokio::test]
async fn an_earning_over_the_daily_cap_is_kept_with_its_reason_and_the_job_pays_leftovers() {
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.points.daily_award_cap = 6;
    let app = spawn_with(settings, db).await;
    let (client, _, me) = bound_resident(&app, "cap@example.cn", "GY-01-01", 0).await;
    let admin = admin(&app).await;
    assert_eq!(award(&app, &admin, "cap-award-0001", me, "5").await.0, 303);

    let (_, token, _) = app.household_with_binding("GY-01-01", 0).await;
    let public_id = resident_report(&app, &client, &token).await;
    let id = app
        .count(&format!(
            "SELECT id AS n FROM reports WHERE public_id = '{public_id}'"
        ))
        .await;
    let worker = TestApp::new_client();
    let wcsrf = app
        .login_as(&worker, "worker-gy-01-01", "mashang-worker-gy-01-01")
        .await;
    case_step(&app, &worker, &wcsrf, id, &[("action", "accept")]).await;
    // 5 + 5 > 6: refused, kept with the reason, balance untouched.
    assert_eq!(balance(&app, me).await, 5);
    assert_eq!(
        crate::points::text(
            &app,
            &format!("SELECT outcome AS s FROM points_earnings WHERE source = 'report:{id}'")
        )
        .await,
        "daily_award_cap"
    );
    let wallet = app.page_of(&client, "/points").await;
    assert!(
        wallet.contains("该居民今日获得的积分已达上限"),
        "the refusal is shown with its reason"
    );

    // An earning recorded but not paid (the process stopped after the commit) is paid by the
    // job, once.
    let (_, _, other) = bound_resident(&app, "late@example.cn", "GY-01-01", 1).await;
    let community = app.grid_id("GY-01").await;
    app.count(&format!(
        "INSERT INTO points_earnings (source, rule, resident_id, community_id, label, created_at)
         VALUES ('poll:999:resident:{other}', 'poll_participation', {other}, {community}, '议题', now())
         RETURNING 1::bigint AS n"
    ))
    .await;
    let n = mashang::points::earn::pay_pending(
        &app.state.db,
        &app.state.redis,
        &app.state.settings.points,
        Utc::now(),
        100,
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    assert_eq!(balance(&app, other).await, 2);
    assert_eq!(
        mashang::points::earn::pay_pending(
            &app.state.db,
            &app.state.redis,
            &app.state.settings.points,
            Utc::now(),
            100
        )
        .await
        .unwrap(),
        0
    );
    audit_ok(&app).await;
}

#[tokio::test]
async fn the_settlement_statement_matches_what_shops_took_and_were_paid() {
    let app = spawn(Fixture::Demo).await;
    let me = crate::points::new_resident(&app, "spender@example.cn").await;
    let admin = admin(&app).await;
    assert_eq!(
        award(&app, &admin, "settle-award-01", me, "50").await.0,
        303
    );
    let (shop_id, token) = shop(&app, "惠民超市").await;
    let (s, loc) = spend(&app, &token, me, "settle-hold-0001", &[("amount", "30")]).await;
    assert_eq!(s, 303, "{loc}");
    let cashier = cashier(&app, "cashier-huimin").await;
    assert_eq!(
        cashier_post(&app, &cashier, &hold_id(&loc), "confirm")
            .await
            .0,
        303
    );

    // Pay the shop 20 of its 30.
    let page = app.page_of(&admin, "/console/points").await;
    assert!(
        page.contains(&format!("data-shop=\"{shop_id}\"")),
        "the statement is on the page"
    );
    let r = admin
        .post(app.url("/console/points/settle"))
        .form(&[
            ("csrf", csrf_from(&page).as_str()),
            ("idempotency_key", "settle-pay-00001"),
            ("shop_id", &shop_id.to_string()),
            ("amount", "20"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);

    let month = Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m")
        .to_string();
    let r = admin
        .get(app.url(&format!("/console/points/settlement.xlsx?month={month}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("积分结算").unwrap();
    let row = sheet
        .rows()
        .find(|r| r.get(1).map(|c| c.to_string()) == Some("惠民超市".into()))
        .expect("the shop has a line");
    let num = |i: usize| row[i].to_string();
    // Took 30, was paid 20, is owed 10 = ¥1.00 at GY-01's 0.1 per point.
    assert_eq!(
        (num(4), num(5), num(6), num(8)),
        ("30".into(), "20".into(), "10".into(), "1".into())
    );

    // Other months are empty for this shop; bad months and non-admins are refused.
    let r = admin
        .get(app.url("/console/points/settlement.xlsx?month=2020-13"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let head = staff(&app, "head-gy-01").await;
    let r = head
        .get(app.url("/console/points/settlement.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    audit_ok(&app).await;
}
