//! Load shedding (issue 16, F6): past `server.max_in_flight` requests in flight, the next one
//! is refused at once with 503 `overloaded` and `Retry-After`, in the user's language, while
//! the probes still answer; when the load goes, requests are served again.

use crate::helpers::{spawn_with, test_settings, Fixture, TestApp};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// A request that holds its slot: the head of a JSON report and half its body, the rest
/// never sent while the connection is kept.
async fn slow_request(app: &TestApp) -> tokio::net::TcpStream {
    let addr = app.address.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/reports HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: 1000\r\n\r\n{{\"description\": \""
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s
}

/// Ask for `/` until the answer is a 503 (the slow requests have taken their slots), at most
/// 10 s.
async fn first_shed(app: &TestApp, accept: &str, lang: &str) -> reqwest::Response {
    let started = Instant::now();
    loop {
        let r = app
            .client
            .get(app.url("/"))
            .header("Accept", accept)
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap();
        if r.status().as_u16() == 503 {
            return r;
        }
        assert_eq!(r.status().as_u16(), 200, "served while a slot is free");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never shed with every slot taken"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn past_the_in_flight_limit_requests_are_shed_with_retry_after_and_served_again_after() {
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.server.max_in_flight = 2;
    let app = spawn_with(settings, db).await;
    assert_eq!(app.get("/").await.0, 200);

    let one = slow_request(&app).await;
    // One slot still free: served.
    let _ = first_shed_or_ok(&app).await;
    let two = slow_request(&app).await;

    // A person gets a page in their language, told to come back in a second.
    let page = first_shed(&app, "text/html", "zh-CN").await;
    assert_eq!(page.headers()["retry-after"], "1");
    let html = page.text().await.unwrap();
    assert!(html.contains("当前访问人数过多"), "{html}");
    let page = first_shed(&app, "text/html", "en").await;
    let html = page.text().await.unwrap();
    assert!(html.contains("Too many people"), "{html}");
    // A JSON client gets the stable code.
    let json = first_shed(&app, "application/json", "en").await;
    assert_eq!(json.headers()["retry-after"], "1");
    let body: serde_json::Value = json.json().await.unwrap();
    assert_eq!(body["error"], "overloaded");

    // The probes and the metrics still answer.
    assert_eq!(app.get("/healthz").await.0, 200);
    assert_eq!(app.get("/readyz").await.0, 200);
    let (status, metrics) = app.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(metrics.contains("http_requests_shed_total"), "{metrics}");

    // The load goes: served again.
    drop(one);
    drop(two);
    let started = Instant::now();
    while app.get("/").await.0 != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "slots of closed connections never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `/` while one slot is taken: still served (the limit is a count, not a switch).
async fn first_shed_or_ok(app: &TestApp) -> u16 {
    let (status, _) = app.get("/").await;
    assert_eq!(status, 200, "one slow request must not shed the rest");
    status
}

#[tokio::test]
async fn without_a_limit_nothing_is_shed() {
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.server.max_in_flight = 0;
    let app = spawn_with(settings, db).await;
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(slow_request(&app).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.get("/").await.0, 200);
}
