use crate::helpers::{spawn, Fixture};

#[tokio::test]
async fn news_published_to_a_community_reaches_its_compounds_only() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("head-gy-01").await;
    let community = app.grid_id("GY-01").await;
    let (_, inside) = app.household_code("GY-01-03").await;
    let (_, outside) = app.household_code("GY-02-01").await;
    // Warm the landing cache, so the test also shows publishing refreshes it.
    app.get(&format!("/C/{inside}")).await;
    let r = app
        .client
        .post(app.url("/console/news"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "停水通知"),
            ("body", "明天上午九点至十二点停水。"),
            ("grid_ids", &community.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert!(app
        .get(&format!("/C/{inside}"))
        .await
        .1
        .contains("停水通知"));
    assert!(!app
        .get(&format!("/C/{outside}"))
        .await
        .1
        .contains("停水通知"));
    // The console list names where each item went.
    let (_, list) = app.get("/console/news").await;
    let doc = scraper::Html::parse_document(&list);
    let sel = scraper::Selector::parse(".news-list li").unwrap();
    let item = doc
        .select(&sel)
        .map(|li| li.text().collect::<String>())
        .find(|t| t.contains("停水通知"))
        .unwrap();
    assert!(item.contains("平原社区"), "{item}");
}

#[tokio::test]
async fn a_forged_grid_id_in_the_news_form_is_refused_and_nothing_is_published() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("worker-gy-01-01").await;
    let own = app.grid_id("GY-01-01").await;
    let street = app.grid_id("GY").await;
    let before = app.count("SELECT count(*) AS n FROM news").await;
    let body = format!("csrf={csrf}&title=x&body=y&grid_ids={own}&grid_ids={street}");
    let r = app
        .client
        .post(app.url("/console/news"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(app.count("SELECT count(*) AS n FROM news").await, before);
    // Too long a title: a clear 422, nothing stored.
    let long = "长".repeat(121);
    let r = app
        .client
        .post(app.url("/console/news"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", long.as_str()),
            ("body", "y"),
            ("grid_ids", &own.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(app.count("SELECT count(*) AS n FROM news").await, before);
}
