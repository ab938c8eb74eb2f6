use crate::helpers::{spawn, spawn_with, test_settings, Fixture};

#[tokio::test]
async fn healthz_and_readyz_answer_when_everything_is_up() {
    let app = spawn(Fixture::Empty).await;
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, 200);
    assert!(body.contains("ok"));
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["postgres"], "ok");
    assert_eq!(v["redis"], "ok");
}

#[tokio::test]
async fn readyz_names_a_redis_that_does_not_answer() {
    let (mut settings, db) = test_settings(Fixture::Empty);
    // Nothing listens on port 1.
    settings.redis.url = "redis://127.0.0.1:1".into();
    let app = spawn_with(settings, db).await;
    let (status, _) = app.get("/healthz").await;
    assert_eq!(status, 200, "the process is up even though Redis is not");
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["postgres"], "ok");
    assert!(v["redis"].as_str().unwrap().starts_with("down"), "{v}");
    assert_eq!(v["status"], "not_ready");
}

#[tokio::test]
async fn readyz_names_a_postgres_that_does_not_answer() {
    let (mut settings, db) = test_settings(Fixture::Empty);
    let app = {
        let good = spawn_with(settings.clone(), db.clone()).await;
        // Build a second app whose pool points at a port with no PostgreSQL; migrations
        // already ran on the good one, so build the state directly.
        settings.database.url = "postgres://root@127.0.0.1:1/none".into();
        let state = mashang::web::state::AppState::build(settings).unwrap();
        (good, state)
    };
    let (_good, state) = app;
    let srv = actix_web::HttpServer::new(move || mashang::web::routes::app(state.clone()))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
    let port = srv.addrs()[0].port();
    tokio::spawn(srv.run());
    let r = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["postgres"].as_str().unwrap().starts_with("down"), "{v}");
    assert_eq!(v["redis"], "ok");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_the_pool() {
    let app = spawn(Fixture::Empty).await;
    app.get("/healthz").await;
    app.get("/C/NOTATOKEN").await;
    let (status, body) = app.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(body.contains("http_requests_total"), "{body}");
    assert!(body.contains("route=\"/healthz\""), "{body}");
    assert!(body.contains("http_request_duration_seconds"), "{body}");
    assert!(body.contains("db_pool_max_size"), "{body}");
    // Tokens never become label values.
    assert!(!body.contains("NOTATOKEN"));
}

#[tokio::test]
async fn unknown_api_route_is_json_with_a_code() {
    let app = spawn(Fixture::Empty).await;
    let r = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "not_found");
}

/// "Add to home screen" works: a favicon, a manifest naming its icons, and the icons, all
/// linked from every page's head.
#[tokio::test]
async fn the_web_app_is_installable() {
    let app = crate::helpers::spawn(crate::helpers::Fixture::Empty).await;
    let r = app
        .client
        .get(app.url("/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(&r.bytes().await.unwrap()[..4], &[0, 0, 1, 0], "an ICO file");
    let (_, home) = app.get("/").await;
    let manifest_href = crate::helpers::attr_of(&home, "link[rel=manifest]", "href").unwrap();
    let (status, manifest) = app.get(&manifest_href).await;
    assert_eq!(status, 200);
    let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(m["display"], "standalone");
    let icons = m["icons"].as_array().unwrap();
    assert!(icons.iter().any(|i| i["sizes"] == "512x512"));
    for i in icons {
        let r = app
            .client
            .get(app.url(i["src"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", i["src"]);
        assert_eq!(&r.bytes().await.unwrap()[1..4], b"PNG");
    }
    assert!(crate::helpers::attr_of(&home, "link[rel=apple-touch-icon]", "href").is_some());
}
