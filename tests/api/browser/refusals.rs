//! Mistakes, as a person makes them on a phone: the refusal is shown beside the field, in the
//! page's language and layout, and what was typed or chosen is still there (issue 12). Also
//! the snap-report's "提交成功" state, and the case queue's search and filters at a desk.

use super::journeys::emailed_code;
use super::Browser;
use crate::helpers::{spawn_with, spawn_with_sink, test_settings, Fixture};

/// A file a phone offers as a photo that is none (a broken download named `.jpg`).
fn not_a_photo() -> std::path::PathBuf {
    let path = super::photo_file("pothole.jpg").with_file_name("broken.jpg");
    std::fs::write(&path, b"this is not a photo at all").unwrap();
    path
}

/// The value of the form field matching `css`.
async fn value(b: &Browser, css: &str) -> String {
    b.find(css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// True when `text` has Chinese characters.
fn chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn a_refused_photo_keeps_the_report_and_the_doors_quota_then_it_is_sent() {
    // One accepted report per door and hour: the two refusals below must not use it up.
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.reports.anonymous_per_code_per_hour = 1;
    let app = spawn_with(settings, db).await;
    let (_, token) = app.household_code("GY-01-02").await;
    let mut b = Browser::phone(&app.address).await;
    b.go(&format!("/report?code={token}")).await;
    b.fill(
        "textarea[name=description]",
        "楼下垃圾桶破了，垃圾撒了一地。",
    )
    .await;
    b.find("select[name=category]")
        .await
        .select_by_value("component.garbage_bin")
        .await
        .unwrap();
    let photos = b.find("input[type=file][name=photos]").await;
    photos
        .send_keys(not_a_photo().to_str().unwrap())
        .await
        .unwrap();
    for attempt in 0..2 {
        b.pick("#report-form button[type=submit]").await;
        // Sending disables the button; the answer enables it again.
        let mut answered = false;
        for _ in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let busy =
                b.c.execute(
                    "return document.querySelector('#report-form button[type=submit]').disabled",
                    vec![],
                )
                .await
                .unwrap();
            if busy == serde_json::Value::Bool(false) {
                answered = true;
                break;
            }
        }
        assert!(answered, "attempt {attempt}: no answer within 10 s");
        let error = b.find("[data-error][data-for=photos]").await;
        let said = error.text().await.unwrap();
        assert!(chinese(&said), "attempt {attempt}: {said}");
        assert_eq!(b.path().await, format!("/report?code={token}"));
        assert_eq!(
            value(&b, "textarea[name=description]").await,
            "楼下垃圾桶破了，垃圾撒了一地。"
        );
        assert_eq!(
            value(&b, "select[name=category]").await,
            "component.garbage_bin"
        );
        // One message, beside the field, the button usable again.
        assert_eq!(
            b.c.find_all(fantoccini::Locator::Css("[data-error]"))
                .await
                .unwrap()
                .len(),
            1
        );
        b.check().await;
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, 0);

    // The resident picks a real photo instead and sends: "提交成功" with the case number.
    b.c.execute(
        "document.querySelector('input[name=photos]').value = ''",
        vec![],
    )
    .await
    .unwrap();
    photos
        .send_keys(super::photo_file("bin.jpg").to_str().unwrap())
        .await
        .unwrap();
    b.pick("#report-form button[type=submit]").await;
    b.wait_path("/r/", 30.0).await;
    let case = app.count("SELECT max(id) AS n FROM reports").await;
    let shown = b.find("[data-submitted]").await.text().await.unwrap();
    assert!(shown.contains("提交成功"), "{shown}");
    assert!(shown.contains(&format!("#{case}")), "{shown}");
    // The link to follow it is the tracking page itself, without the success state.
    b.tap("[data-submitted] a[data-tracking]").await;
    assert!(!b.path().await.contains("submitted"), "{}", b.path().await);
    assert!(b
        .c
        .find(fantoccini::Locator::Css("[data-submitted]"))
        .await
        .is_err());
    b.close().await;
}

#[tokio::test]
async fn wrong_codes_and_too_many_points_are_shown_beside_the_field_in_both_languages() {
    let (app, sink) = spawn_with_sink(Fixture::Demo).await;
    let (_, door, binding_code) = app.household_with_binding("GY-01-01", 3).await;
    let (_, shop) = crate::points::shop(&app, "惠民超市").await;
    let mut b = Browser::phone(&app.address).await;

    // A wrong sign-in code: the code page again, the code kept, the reason beside it.
    b.go(&format!("/me/sign-in?next=/C/{door}/bind")).await;
    b.fill("input[name=email]", "wang.fang@example.cn").await;
    b.tap("form button[type=submit]").await;
    let code = emailed_code(&app, &sink, "wang.fang@example.cn").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    b.fill("input[name=code]", wrong).await;
    b.tap("form button[type=submit]").await;
    let said = b.find("#code-error").await.text().await.unwrap();
    assert!(chinese(&said), "{said}");
    assert_eq!(value(&b, "input[name=code]").await, wrong);
    assert_eq!(
        b.find("input[name=code]")
            .await
            .attr("aria-describedby")
            .await
            .unwrap()
            .as_deref(),
        Some("code-error")
    );
    // The resident layout, not the console's.
    assert!(b
        .c
        .find(fantoccini::Locator::Css("body.console"))
        .await
        .is_err());
    b.fill("input[name=code]", &code).await;
    b.tap("form button[type=submit]").await;

    // A wrong binding code: the binding page again, the typed code kept.
    assert_eq!(b.path().await, format!("/C/{door}/bind"));
    b.fill("input[name=binding_code]", "ZZZZ9999").await;
    b.tap("form[action$='/bind'] button[type=submit]").await;
    let said = b.find("#bind-error").await.text().await.unwrap();
    assert!(chinese(&said), "{said}");
    assert_eq!(value(&b, "input[name=binding_code]").await, "ZZZZ9999");
    // The right one: bound, and told so.
    b.fill("input[name=binding_code]", &binding_code).await;
    b.tap("form[action$='/bind'] button[type=submit]").await;
    assert!(b.find("[data-bound]").await.is_displayed().await.unwrap());

    // Spending more than the balance (the page was opened before the points went
    // elsewhere: the browser's own limit is stale, the server refuses).
    let resident = app
        .count("SELECT id AS n FROM residents WHERE email = 'wang.fang@example.cn'")
        .await;
    let admin = crate::points::admin(&app).await;
    let (s, body) = crate::points::award(&app, &admin, "award-refusal-0001", resident, "5").await;
    assert_eq!(s, 303, "{body}");
    for (lang, words) in [("zh-CN", true), ("en", false)] {
        b.go(&format!("/lang/{lang}?back=/C/{shop}/spend")).await;
        b.c.execute(
            "document.querySelector('input[name=amount]').removeAttribute('max')",
            vec![],
        )
        .await
        .unwrap();
        b.fill("input[name=amount]", "50").await;
        b.tap("form[action$='/spend'] button[type=submit]").await;
        let said = b.find("#spend-error").await.text().await.unwrap();
        assert_eq!(chinese(&said), words, "{lang}: {said}");
        assert_eq!(value(&b, "input[name=amount]").await, "50");
    }
    b.close().await;
}

#[tokio::test]
async fn a_news_post_without_a_grid_keeps_the_text_in_the_console_layout() {
    let app = crate::helpers::spawn(Fixture::Demo).await;
    let mut b = Browser::desktop(&app.address).await;
    b.go("/console/login").await;
    b.fill("input[name=username]", "admin").await;
    b.fill("input[name=password]", "mashang-admin").await;
    b.tap("form button[type=submit]").await;
    for (lang, words) in [("zh-CN", true), ("en", false)] {
        b.go(&format!("/lang/{lang}?back=/console/news")).await;
        b.fill("input[name=title]", "停水通知").await;
        b.fill("textarea[name=body]", "明天上午九点到十二点停水。")
            .await;
        b.tap("form[action='/console/news'] button[type=submit]")
            .await;
        let said = b.find("[data-error]").await.text().await.unwrap();
        assert_eq!(chinese(&said), words, "{lang}: {said}");
        assert_eq!(value(&b, "input[name=title]").await, "停水通知");
        assert_eq!(
            value(&b, "textarea[name=body]").await,
            "明天上午九点到十二点停水。"
        );
        assert!(b
            .c
            .find(fantoccini::Locator::Css("body.console"))
            .await
            .is_ok());
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM news WHERE title = '停水通知'")
            .await,
        0
    );
    b.close().await;
}

#[tokio::test]
async fn the_case_queue_searches_filters_and_sorts_at_a_desk() {
    let app = crate::helpers::spawn(Fixture::Demo).await;
    // Open cases to find: three fresh reports, one of them past its deadline.
    let mut ids = vec![];
    // And one other, which the words do not find.
    let (_, other) = app.household_code("GY-01-04").await;
    let (s, body) = crate::reports::api_report(
        &app,
        serde_json::json!({ "idempotency_key": crate::reports::key(), "code": other, "description": "楼道堆放杂物" }),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    for (i, words) in ["路灯不亮", "井盖松动", "垃圾满了"].iter().enumerate() {
        let (_, token) = app.household_code(&format!("GY-01-0{}", i + 1)).await;
        let (s, body) = crate::reports::api_report(
            &app,
            serde_json::json!({ "idempotency_key": crate::reports::key(), "code": token, "description": format!("队列测试{words}") }),
        )
        .await;
        assert_eq!(s, 201, "{body}");
        ids.push(
            app.count(&format!(
                "SELECT id AS n FROM reports WHERE public_id = '{}'",
                body["public_id"].as_str().unwrap()
            ))
            .await,
        );
    }
    app.count(&format!(
        "UPDATE reports SET accept_by = now() - interval '1 hour', finish_by = now() - interval '1 hour' WHERE id = {} RETURNING id AS n",
        ids[1]
    ))
    .await;
    let mut b = Browser::desktop(&app.address).await;
    b.go("/console/login").await;
    b.fill("input[name=username]", "admin").await;
    b.fill("input[name=password]", "mashang-admin").await;
    b.tap("form button[type=submit]").await;
    b.go("/console/cases").await;
    let rows = |b: &Browser| {
        let c = b.c.clone();
        async move {
            let v = c
                .execute(
                    "return Array.from(document.querySelectorAll('li[data-case]')).map(function (r) { return [Number(r.dataset.case), r.dataset.state, r.classList.contains('overdue')]; })",
                    vec![],
                )
                .await
                .unwrap();
            serde_json::from_value::<Vec<(i64, String, bool)>>(v).unwrap()
        }
    };
    let all = rows(&b).await.len();
    assert!(all > 3, "{all}");

    // Words: only the three.
    b.fill("input[name=q]", "队列测试").await;
    b.tap("#case-filters .search-row button[type=submit]").await;
    let found = rows(&b).await;
    let mut got: Vec<i64> = found.iter().map(|r| r.0).collect();
    got.sort();
    assert_eq!(got, ids);
    // A case number.
    b.fill("input[name=q]", &format!("#{}", ids[2])).await;
    b.tap("#case-filters .search-row button[type=submit]").await;
    assert_eq!(
        rows(&b).await.iter().map(|r| r.0).collect::<Vec<_>>(),
        [ids[2]]
    );
    // Past the deadline only.
    // The other filters fold away on a phone (and a desk): open them.
    b.fill("input[name=q]", "队列测试").await;
    b.pick("#case-filters details.more-filters summary").await;
    b.pick("#case-filters input[name=overdue]").await;
    b.tap("#case-filters .filters button[type=submit]").await;
    let late = rows(&b).await;
    assert_eq!(late.iter().map(|r| r.0).collect::<Vec<_>>(), [ids[1]]);
    assert!(late.iter().all(|r| r.2));
    // A state, and the newest first.
    b.pick("#case-filters input[name=overdue]").await;
    b.fill("input[name=q]", "").await;
    b.find("select[name=state]")
        .await
        .select_by_value("submitted")
        .await
        .unwrap();
    b.find("select[name=sort]")
        .await
        .select_by_value("newest")
        .await
        .unwrap();
    b.tap("#case-filters .filters button[type=submit]").await;
    let waiting = rows(&b).await;
    assert!(waiting.len() >= 3, "{waiting:?}");
    assert!(waiting.iter().all(|r| r.1 == "submitted"), "{waiting:?}");
    assert!(waiting.windows(2).all(|w| w[0].0 > w[1].0), "{waiting:?}");
    assert_eq!(waiting[0].0, ids[2]);
    b.close().await;
}
