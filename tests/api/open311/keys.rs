use super::*;
use crate::helpers::{spawn, Fixture, TestApp};

#[tokio::test]
async fn open311_keys_are_issued_used_and_revoked() {
    let app = spawn(Fixture::Demo).await;
    let (lon, lat) = centre(&app, "GY-02-03").await;
    let (lon, lat) = (lon.to_string(), lat.to_string());
    let fields = |key: &str, n: usize| -> Vec<(String, String)> {
        vec![
            ("api_key".into(), key.into()),
            ("service_code".into(), "GY-E-0107".into()),
            ("lat".into(), lat.clone()),
            ("long".into(), lon.clone()),
            ("description".into(), format!("测试上报 {n}")),
        ]
    };
    async fn send(app: &TestApp, f: Vec<(String, String)>) -> (u16, String) {
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        post(app, "requests.json", &f).await
    }
    // Without a key, with a wrong one: 403 in the specification's shape.
    let (s, body) = send(&app, fields("", 0)).await;
    assert_eq!(s, 403, "{body}");
    assert_eq!(errors_of(&body)[0]["code"], 403);
    let (s, _) = send(&app, fields("m311_0000", 0)).await;
    assert_eq!(s, 403);

    // The CLI: create (printed once), use, list, a second live key of the same name refused.
    let key = new_key(&app, "fixmystreet");
    let (s, body) = send(&app, fields(&key, 1)).await;
    assert_eq!(s, 200, "{body}");
    assert!(!cli(&app, &["open311", "keys", "create", "fixmystreet"])
        .status
        .success());
    let listed = String::from_utf8(cli(&app, &["open311", "keys", "list"]).stdout).unwrap();
    assert!(
        listed.contains("fixmystreet") && !listed.contains(&key),
        "{listed}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM open311_keys WHERE key_sha256 LIKE '%{}%'",
            &key[5..20]
        ))
        .await,
        0,
        "stored hashed"
    );

    // Revoked: 403 from then on.
    assert!(cli(&app, &["open311", "keys", "revoke", "fixmystreet"])
        .status
        .success());
    let (s, _) = send(&app, fields(&key, 2)).await;
    assert_eq!(s, 403);
    assert!(!cli(&app, &["open311", "keys", "revoke", "fixmystreet"])
        .status
        .success());

    // The console: admins only; the key is shown once; revoking it there works too.
    let worker = TestApp::new_client();
    app.login_as(&worker, "worker-gy-01-01", "mashang-worker-gy-01-01")
        .await;
    let r = worker
        .get(app.url("/console/open311"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let csrf = app.login_demo("admin").await;
    let (s, body) = app
        .post_form_as(
            &app.client,
            "/console/open311",
            &[("csrf", &csrf), ("name", "wechat-app")],
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let secret = crate::helpers::text_of(&body, "code.secret").unwrap();
    assert!(secret.starts_with("m311_"), "{secret}");
    let (s, body) = send(&app, fields(&secret, 3)).await;
    assert_eq!(s, 200, "{body}");
    let (_, _, page) = get(&app, "/console/open311").await;
    assert!(
        page.contains("wechat-app") && !page.contains(&secret),
        "shown once"
    );
    let id = app
        .count("SELECT id AS n FROM open311_keys WHERE name = 'wechat-app'")
        .await;
    let (s, _) = app
        .post_form_as(
            &app.client,
            &format!("/console/open311/{id}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(s, 303);
    let (s, _) = send(&app, fields(&secret, 4)).await;
    assert_eq!(s, 403);
    // A revoked key's name can be given again.
    new_key(&app, "fixmystreet");
}
