use crate::helpers::{csrf_from, spawn, spawn_with, test_settings, Fixture, TestApp};

#[tokio::test]
async fn sign_in_sign_out_and_wrong_passwords() {
    let app = spawn(Fixture::Demo).await;
    // Not signed in: console pages redirect to sign-in, the API answers 401 JSON.
    let r = app.client.get(app.url("/console")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/console/login?next=%2Fconsole");
    let r = app
        .client
        .get(app.url("/api/v1/grids"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "unauthenticated"
    );

    // Wrong password and unknown user: the same answer.
    let page = app
        .client
        .get(app.url("/console/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&page);
    let wrong = app
        .client
        .post(app.url("/console/login"))
        .form(&[
            ("username", "admin"),
            ("password", "not-the-password"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let wrong_body = wrong.text().await.unwrap();
    let csrf = csrf_from(&wrong_body);
    let unknown = app
        .client
        .post(app.url("/console/login"))
        .form(&[
            ("username", "nobody"),
            ("password", "not-the-password"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 401);
    let unknown_body = unknown.text().await.unwrap();
    assert!(
        wrong_body.contains("用户名或密码不正确") && unknown_body.contains("用户名或密码不正确")
    );

    let csrf = app.login_demo("admin").await;
    let (status, body) = app.get("/console").await;
    assert_eq!(status, 200);
    assert!(body.contains("工业街道") && body.contains("邮电小区"));
    let r = app
        .client
        .post(app.url("/console/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        app.client
            .get(app.url("/console"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited() {
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.security.login_attempts_per_user = 3;
    let app = spawn_with(settings, db).await;
    let mut statuses = vec![];
    for _ in 0..5 {
        let page = app
            .client
            .get(app.url("/console/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_from(&page);
        let r = app
            .client
            .post(app.url("/console/login"))
            .form(&[
                ("username", "admin"),
                ("password", "guess-guess-guess"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, vec![401, 401, 401, 429, 429]);
    // Even the right password is refused while the limit holds.
    let page = app
        .client
        .get(app.url("/console/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&page);
    let r = app
        .client
        .post(app.url("/console/login"))
        .form(&[
            ("username", "admin"),
            ("password", "mashang-admin"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.text().await.unwrap().contains("登录尝试次数过多"));
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let app = spawn(Fixture::Demo).await;
    // Sign-in form without its token.
    let r = app
        .client
        .post(app.url("/console/login"))
        .form(&[
            ("username", "admin"),
            ("password", "mashang-admin"),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("表单已过期"));

    let _csrf = app.login_demo("admin").await;
    let (code_id, token) = app.household_code("GY-01-01").await;
    let r = app
        .client
        .post(app.url(&format!("/console/codes/{code_id}/revoke")))
        .form(&[("csrf", "0".repeat(64).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = app
        .client
        .post(app.url(&format!("/console/codes/{code_id}/revoke")))
        .form(&[("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        400,
        "a form with no token field at all is malformed"
    );
    assert_eq!(
        app.get(&format!("/C/{token}")).await.0,
        200,
        "the code is still active"
    );

    // JSON API writes need the header.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/codes/{code_id}/revoke")))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "csrf_rejected"
    );
    assert_eq!(app.get(&format!("/C/{token}")).await.0, 200);

    // A token from another session is no good either.
    let other = TestApp::new_client();
    let other_csrf = app.login_as(&other, "head-gy", "mashang-head-gy").await;
    let r = app
        .client
        .post(app.url(&format!("/console/codes/{code_id}/revoke")))
        .form(&[("csrf", other_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(app.get(&format!("/C/{token}")).await.0, 200);
}

#[tokio::test]
async fn a_cashier_has_no_grid_console() {
    let app = spawn(Fixture::Demo).await;
    app.login_demo("cashier-huimin").await;
    let r = app.client.get(app.url("/console")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/console/me");
    let (status, me) = app.get("/console/me").await;
    assert_eq!(status, 200);
    assert!(me.contains("惠民超市"));
    let id = app.grid_id("GY-01-01").await;
    assert_eq!(app.get(&format!("/console/grids/{id}")).await.0, 403);
}

#[tokio::test]
async fn every_page_renders_for_its_audience() {
    let app = spawn(Fixture::Demo).await;
    let (hid, token, _) = app.household_with_binding("GY-01-01", 0).await;
    let grid = app.grid_id("GY-01-01").await;
    let activity = app.count("SELECT min(id) AS n FROM activities").await;
    let checkin = format!(
        "/A/{}",
        crate::points::text(&app, "SELECT min(checkin_token) AS s FROM activities").await
    );
    // Staff (admin sees every console page).
    app.login_demo("admin").await;
    for path in [
        "/console".to_owned(),
        "/console/me".into(),
        "/console/cases".into(),
        "/console/polls".into(),
        "/console/bindings".into(),
        "/console/news".into(),
        "/console/staff".into(),
        "/console/import".into(),
        "/console/points".into(),
        "/console/activities".into(),
        format!("/console/activities/{activity}"),
        "/console/figures".into(),
        "/console/figures/workers".into(),
        "/console/print".into(),
        format!("/console/grids/{grid}"),
        format!("/console/households/{hid}"),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains("</html>"), "{path} is a whole page");
    }
    // A cashier's merchant console.
    let cashier = TestApp::new_client();
    app.login_as(&cashier, "cashier-huimin", "mashang-cashier-huimin")
        .await;
    assert_eq!(
        cashier
            .get(app.url("/merchant"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    // A signed-in resident, in both languages.
    let (resident, _, _) = app.resident_client("smoke@example.cn").await;
    for lang in ["zh-CN", "en"] {
        for path in [
            "/me".to_owned(),
            "/points".into(),
            format!("/C/{token}/bind"),
            format!("/C/{token}/polls"),
            format!("/C/{token}"),
            "/report".into(),
            checkin.clone(),
        ] {
            let r = resident
                .get(app.url(&path))
                .header("Accept-Language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200, "{path} ({lang})");
        }
    }
    // Anyone.
    for path in ["/", "/me/sign-in", "/report", &checkin] {
        assert_eq!(app.get(path).await.0, 200, "{path}");
    }
}
