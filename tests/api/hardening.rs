//! Issue 11: what an attacker at the door, a careless admin or a lost phone could do. Each
//! test failed on the code before the fix.

use crate::helpers::{
    attr_of, csrf_from, spawn, spawn_with, spawn_with_sink, test_settings, Fixture, TestApp,
};
use crate::points::{admin, reason};

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn return_targets_never_leave_the_site() {
    let app = spawn(Fixture::Demo).await;
    for back in [
        "/%09/evil.example",
        "/%0d%0aSet-Cookie:%20x=1",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "/%E3%80%80/evil.example",
        // Found by the fuzz target: dot segments that normalise to `//host`.
        "/.//evil.example",
    ] {
        let r = app
            .client
            .get(app.url(&format!("/lang/en?back={back}")))
            .send()
            .await
            .unwrap();
        // Either refused outright (a control character in a query is invalid input) or sent
        // home; never anywhere else.
        let status = r.status().as_u16();
        if status == 303 {
            assert_eq!(location(&r), "/", "back={back}");
        } else {
            assert!((400..500).contains(&status), "back={back}: {status}");
            assert!(r.headers().get("location").is_none());
        }
    }
    let r = app
        .client
        .get(app.url("/lang/en?back=/news/1%3Fx%3D1"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/news/1?x=1", "a local path is kept");

    // Residents' sign-in keeps only a local `next`, and so does its code form.
    for next in [
        "//evil.example",
        "https://evil.example/",
        "/%5Cevil.example",
    ] {
        let page = app
            .page_of(&app.client, &format!("/me/sign-in?next={next}"))
            .await;
        assert_eq!(
            attr_of(&page, "input[name=next]", "value").as_deref(),
            Some("/me"),
            "{next}"
        );
        // Staff sign-in returns only to staff pages.
        let page = app
            .page_of(&app.client, &format!("/console/login?next={next}"))
            .await;
        assert_eq!(
            attr_of(&page, "input[name=next]", "value").unwrap_or_default(),
            ""
        );
    }
    let (status, _) = app.get("/me/sign-in?next=/%09/evil.example").await;
    assert_eq!(status, 422, "a control character in the query is refused");
}

#[tokio::test]
async fn fields_are_bounded_and_refused_by_name_before_they_reach_redis() {
    let app = spawn(Fixture::Demo).await;
    let page = app.page_of(&app.client, "/console/login").await;
    let csrf = csrf_from(&page);
    let long = "x".repeat(20_000);
    let r = app
        .client
        .post(app.url("/console/login"))
        .header("accept", "application/json")
        .form(&[
            ("username", long.as_str()),
            ("password", "p"),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("invalid_input") && body.contains("username"),
        "{body}"
    );
    // A NUL byte in a JSON report is refused by field, not a 500 from PostgreSQL.
    let (_, token) = app.household_code("GY-01-01").await;
    let r = app
        .client
        .post(app.url("/api/v1/reports"))
        .json(&serde_json::json!({
            "idempotency_key": mashang::people::sessions::random_secret(),
            "code": token, "description": "路灯\u{0}不亮",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("description"), "{body}");
    // A huge code from a page form: refused, and no Redis key holds any of it.
    let page = app.page_of(&app.client, "/report").await;
    let csrf = csrf_from(&page);
    let form = reqwest::multipart::Form::new()
        .text(
            "idempotency_key",
            attr_of(&page, "input[name=idempotency_key]", "value").unwrap(),
        )
        .text("code", "C".repeat(100_000))
        .text("description", "井盖坏了");
    let r = app
        .client
        .post(app.report_url(&csrf))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let mut c = app.state.redis.conn();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(app.state.redis.key("*"))
        .query_async(&mut c)
        .await
        .unwrap_or_default();
    assert!(
        keys.iter().all(|k| k.len() < 200 && !k.contains("CCCC")),
        "{keys:?}"
    );
    // Control characters in a query string are refused too.
    let (status, _) = app.get("/report/suggest?text=a%00b").await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn absurd_numbers_and_dates_are_refused_not_panicked_on() {
    let app = spawn(Fixture::Demo).await;
    app.login_demo("admin").await;
    let grid = app.grid_id("GY-01-01").await;
    for path in [
        format!("/console/grids/{grid}?page=9223372036854775807"),
        format!("/console/grids/{grid}?page=-1"),
        "/console/figures?to=%2B262142-12-31".to_owned(),
        "/console/figures?from=-262143-01-01".to_owned(),
        "/console/figures?from=262142-12-31".to_owned(),
    ] {
        let r = app.client.get(app.url(&path)).send().await.unwrap();
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
    }
    // And the worker still answers.
    let r = app
        .client
        .get(app.url(&format!("/console/grids/{grid}?page=0")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn(Fixture::Demo).await;
    for path in [
        "/",
        "/report",
        "/no-such-page",
        "/static/app.css",
        "/console/login",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!script.contains("unsafe"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h.get("strict-transport-security").is_none(), "{path}");
    }
    // Behind HTTPS (cookie_secure): HSTS, and cookies under the __Host- prefix.
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.session.cookie_secure = true;
    settings.security.secret_key = "a-deployment-secret-key-of-forty-characters".into();
    let secure = spawn_with(settings, db).await;
    let r = secure
        .client
        .get(secure.url("/report"))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("strict-transport-security").is_some());
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("__Host-mashang_form=") && c.contains("Secure")),
        "{cookies:?}"
    );
}

#[test]
fn the_development_secret_is_refused_behind_https() {
    // The project's configuration with cookie_secure switched on, and nothing else changed.
    let dir = std::env::temp_dir().join(format!(
        "mashang-config-{}",
        mashang::people::sessions::random_secret()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string("config/default.toml")
        .unwrap()
        .replace("cookie_secure = false", "cookie_secure = true");
    std::fs::write(dir.join("default.toml"), text).unwrap();
    let err = mashang::config::Settings::load_from(&dir).unwrap_err();
    assert!(err.to_string().contains("secret_key"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn sign_out_everywhere_ends_sessions_that_are_in_use() {
    let app = spawn(Fixture::Demo).await;
    // Staff: two devices, both in use; signing out everywhere on one ends both.
    let (phone, desk) = (TestApp::new_client(), TestApp::new_client());
    let csrf = app
        .login_as(&phone, "worker-gy-01-01", "mashang-worker-gy-01-01")
        .await;
    app.login_as(&desk, "worker-gy-01-01", "mashang-worker-gy-01-01")
        .await;
    for c in [&phone, &desk] {
        let r = c.get(app.url("/console/me")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let r = phone
        .post(app.url("/console/sign-out-everywhere"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    for c in [&phone, &desk] {
        let r = c.get(app.url("/console/me")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "the session is dead");
        assert!(location(&r).starts_with("/console/login"));
    }
    // Signing in again afterwards works.
    app.login_as(&desk, "worker-gy-01-01", "mashang-worker-gy-01-01")
        .await;
    let r = desk.get(app.url("/console/me")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // Residents: a session that keeps sliding dies with the rest.
    let (a, acsrf, _) = app.resident_client("slider@example.cn").await;
    let (b, _, _) = app.resident_client("slider@example.cn").await;
    assert_eq!(
        b.get(app.url("/me"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let r = a
        .post(app.url("/me/sign-out-everywhere"))
        .form(&[("csrf", acsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    for c in [&a, &b] {
        let r = c.get(app.url("/me")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "signed out");
    }
}

#[tokio::test]
async fn a_session_ends_after_its_absolute_lifetime_even_in_use() {
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.session.absolute_lifetime_seconds = 2;
    let app = spawn_with(settings, db).await;
    let staff = TestApp::new_client();
    app.login_as(&staff, "admin", "mashang-admin").await;
    for _ in 0..3 {
        let r = staff.get(app.url("/console/me")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;
    let r = staff.get(app.url("/console/me")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
}

#[tokio::test]
async fn a_worker_awards_only_residents_of_their_grids_and_sees_only_their_journal() {
    let app = spawn(Fixture::Demo).await;
    // A resident of another community (GY-02), and the admin's award to them.
    let outsider = app
        .count("INSERT INTO residents (email) VALUES ('far@example.cn') RETURNING id AS n")
        .await;
    let (household, _, _) = app.household_with_binding("GY-02-01", 0).await;
    app.count(&format!(
        "INSERT INTO household_members (household_id, resident_id, bound_via)
         VALUES ({household}, {outsider}, 'binding_code') RETURNING resident_id AS n"
    ))
    .await;
    let admin = admin(&app).await;
    let page = admin
        .get(app.url("/console/points"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let acsrf = csrf_from(&page);
    let gy02 = app.grid_id("GY-02").await.to_string();
    let r = admin
        .post(app.url("/console/points/award"))
        .form(&[
            ("csrf", acsrf.as_str()),
            ("idempotency_key", "award-far-000001"),
            ("grid_id", &gy02),
            ("resident_id", &outsider.to_string()),
            ("amount", "9"),
            ("kind", "award"),
            ("reason", "外社区的奖励"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);

    // The worker of GY-01-01 names their own grid and the outsider: refused, nothing moved.
    let worker = TestApp::new_client();
    let wcsrf = app
        .login_as(&worker, "worker-gy-01-01", "mashang-worker-gy-01-01")
        .await;
    let own = app.grid_id("GY-01-01").await.to_string();
    let r = worker
        .post(app.url("/console/points/award"))
        .header("accept", "application/json")
        .form(&[
            ("csrf", wcsrf.as_str()),
            ("idempotency_key", "award-far-000002"),
            ("grid_id", &own),
            ("resident_id", &outsider.to_string()),
            ("amount", "5"),
            ("kind", "award"),
            ("reason", "越界"),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert!((400..500).contains(&status), "{status} {body}");
    assert_eq!(reason(&body), "no_such_resident");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM points_transfers WHERE id = 'award-far-000002'")
            .await,
        0
    );
    // Their journal does not show the other community's award; the admin's does.
    let journal = worker
        .get(app.url("/console/points"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!journal.contains("外社区的奖励"));
    let journal = admin
        .get(app.url("/console/points"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(journal.contains("外社区的奖励"));
    // A resident of their own compound can be awarded.
    let neighbour = app
        .count("INSERT INTO residents (email) VALUES ('near@example.cn') RETURNING id AS n")
        .await;
    let (household, _, _) = app.household_with_binding("GY-01-01", 0).await;
    app.count(&format!(
        "INSERT INTO household_members (household_id, resident_id, bound_via)
         VALUES ({household}, {neighbour}, 'binding_code') RETURNING resident_id AS n"
    ))
    .await;
    let r = worker
        .post(app.url("/console/points/award"))
        .form(&[
            ("csrf", wcsrf.as_str()),
            ("idempotency_key", "award-near-000001"),
            ("grid_id", &own),
            ("resident_id", &neighbour.to_string()),
            ("amount", "3"),
            ("kind", "award"),
            ("reason", "清理楼道"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
}

#[tokio::test]
async fn a_department_liaison_reads_no_household_details() {
    let app = spawn(Fixture::Demo).await;
    let grid = app.grid_id("GY-01-01").await;
    let liaison = TestApp::new_client();
    app.login_as(&liaison, "liaison-zjj", "mashang-liaison-zjj")
        .await;
    let r = liaison
        .get(app.url(&format!("/api/v1/grids/{grid}/households")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let admin = TestApp::new_client();
    app.login_as(&admin, "admin", "mashang-admin").await;
    let r = admin
        .get(app.url(&format!("/api/v1/grids/{grid}/households")))
        .send()
        .await
        .unwrap();
    let households: Vec<serde_json::Value> = r.json().await.unwrap();
    assert!(!households.is_empty());
    let sample = households[0]["contact_name"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let page = liaison
        .get(app.url(&format!("/console/grids/{grid}")))
        .send()
        .await
        .unwrap();
    let status = page.status().as_u16();
    let page = page.text().await.unwrap();
    assert!(status == 200 || status == 403, "{status}");
    if !sample.is_empty() {
        assert!(
            !page.contains(&sample),
            "a household's contact is on the liaison's page"
        );
    }
}

#[tokio::test]
async fn sign_in_codes_are_never_stored_and_guesses_are_limited_per_address() {
    let (app, sink) = spawn_with_sink(Fixture::Demo).await;
    let client = TestApp::new_client();
    let ask = async || {
        let page = app.page_of(&client, "/me/sign-in").await;
        let csrf = csrf_from(&page);
        let r = client
            .post(app.url("/me/sign-in"))
            .form(&[("csrf", csrf.as_str()), ("email", "guess@example.cn")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        csrf
    };
    let guess = async |csrf: &str, code: &str| {
        client
            .post(app.url("/me/verify"))
            .form(&[
                ("csrf", csrf),
                ("email", "guess@example.cn"),
                ("code", code),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let code_of = |n: usize| {
        let sink = &sink;
        async move {
            for _ in 0..100 {
                if let Some(m) = sink.to("guess@example.cn").get(n) {
                    let text = m.text();
                    let i = text.find("验证码是：").unwrap() + "验证码是：".len();
                    return text[i..].chars().take(6).collect::<String>();
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("no code mail");
        }
    };
    let mut wrong_total = 0;
    let mut last = (String::new(), String::new());
    for (n, wrongs) in [4, 4, 2].into_iter().enumerate() {
        let csrf = ask().await;
        let code = code_of(n).await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..wrongs {
            assert_eq!(guess(&csrf, wrong).await, 422);
            wrong_total += 1;
        }
        last = (csrf, code);
    }
    assert_eq!(wrong_total, 10);
    // Ten wrong guesses today across codes: even the right code is refused now.
    assert_eq!(guess(&last.0, &last.1).await, 429);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM mail_outbox WHERE template = 'sign_in_code'")
            .await,
        0,
        "a sign-in code is never written to the outbox"
    );
}

/// The README's "Who may do what" table, checked cell by cell: each role signs in and opens
/// each page; ✓ must answer 200, ✗ must refuse (403, or the sign-in page for a role that has
/// no console at all). On a mismatch the test prints the table as it really is.
#[tokio::test]
async fn the_readme_role_table_is_what_the_server_does() {
    let app = spawn(Fixture::Demo).await;
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("<!-- roles:begin -->")
        .expect("README has the role table");
    let end = readme.find("<!-- roles:end -->").unwrap();
    let rows: Vec<Vec<String>> = readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            l.split('|')
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert!(rows.len() >= 10, "{rows:?}");
    let accounts = [
        "admin",
        "head-gy-01",
        "worker-gy-01-01",
        "liaison-zjj",
        "cashier-huimin",
        "informant-gy-01-01",
    ];
    let mut clients = Vec::new();
    for a in accounts {
        let c = TestApp::new_client();
        let page = c
            .get(app.url("/console/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let r = c
            .post(app.url("/console/login"))
            .form(&[
                ("username", a),
                ("password", &format!("mashang-{a}")),
                ("csrf", &csrf_from(&page)),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{a}");
        clients.push(c);
    }
    let compound = app.grid_id("GY-01-01").await.to_string();
    let mut actual = String::new();
    let mut wrong = Vec::new();
    for row in &rows {
        let path = row[0].trim_matches('`').replace("{GY-01-01}", &compound);
        let mut line = format!("| {} |", row[0]);
        for (i, c) in clients.iter().enumerate() {
            let r = c.get(app.url(&path)).send().await.unwrap();
            let status = r.status().as_u16();
            let allowed = status == 200;
            let refused =
                status == 403 || (status == 303 && location(&r).starts_with("/console/login"));
            assert!(allowed || refused, "{path} as {}: {status}", accounts[i]);
            let cell = if allowed { "✓" } else { "✗" };
            line.push_str(&format!(" {cell} |"));
            if row.get(i + 1).map(String::as_str) != Some(cell) {
                wrong.push(format!("{path} as {}", accounts[i]));
            }
        }
        actual.push_str(&line);
        actual.push('\n');
    }
    assert!(
        wrong.is_empty(),
        "differs: {wrong:?}\nthe server does:\n{actual}"
    );
}

#[tokio::test]
async fn a_report_located_by_its_door_code_keeps_no_photo_position() {
    let app = spawn(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-01-01").await;
    // A photo taken somewhere else in the district, with its GPS in the EXIF.
    let mut c = app.conn().await;
    let g = mashang::grids::Grid::by_code(&mut c, "GY-02-03")
        .await
        .unwrap()
        .unwrap();
    let ring = &g.boundary.unwrap()["coordinates"][0];
    let (lon, lat) = (ring[0][0].as_f64().unwrap(), ring[0][1].as_f64().unwrap());
    let photo = crate::fixtures::jpeg_with_gps(lon, lat);
    let page = app
        .page_of(&app.client, &format!("/report?code={token}"))
        .await;
    let csrf = csrf_from(&page);
    let form = reqwest::multipart::Form::new()
        .text(
            "idempotency_key",
            attr_of(&page, "input[name=idempotency_key]", "value").unwrap(),
        )
        .text("code", token.clone())
        .text("description", "楼道里的灯坏了")
        .part(
            "photos",
            reqwest::multipart::Part::bytes(photo)
                .file_name("IMG_1.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let r = app
        .client
        .post(app.report_url(&csrf))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM reports WHERE location_source = 'code' AND lon IS NULL AND lat IS NULL").await,
        1,
        "routed by the code, and the photo's position is not kept"
    );
}

/// Sends the head of a 40 MB upload and a first chunk, then waits: the answer must come
/// without the server waiting for (or reading) the rest.
async fn answer_to_a_huge_upload(app: &TestApp, path: &str, cookie: Option<&str>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.address.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n\
         Content-Length: 40000000\r\n{cookie}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.jpg\"\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&vec![0u8; 64 * 1024]).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(3), s.read(&mut buf))
        .await
        .expect("answered before the body was sent")
        .unwrap();
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn uploads_without_a_session_or_the_form_token_are_refused_before_the_body() {
    let app = spawn(Fixture::Demo).await;
    let status = answer_to_a_huge_upload(&app, "/report", None).await;
    assert!(status.contains(" 403"), "{status}");
    // With the form cookie but without the token it echoes, or with a wrong one: refused
    // before the body too (the token rides in the action URL, not after the photos).
    let page = app.page_of(&app.client, "/report").await;
    let token = csrf_from(&page);
    let cookie = format!("mashang_form={token}");
    let status = answer_to_a_huge_upload(&app, "/report", Some(&cookie)).await;
    assert!(status.contains(" 403"), "{status}");
    let wrong = format!("/report?csrf={}", "a".repeat(64));
    let status = answer_to_a_huge_upload(&app, &wrong, Some(&cookie)).await;
    assert!(status.contains(" 403"), "{status}");
    let status = answer_to_a_huge_upload(&app, "/console/import", None).await;
    assert!(
        status.contains(" 303") || status.contains(" 401"),
        "{status}"
    );
    let status = answer_to_a_huge_upload(&app, "/console/cases/1/step", None).await;
    assert!(
        status.contains(" 303") || status.contains(" 401"),
        "{status}"
    );
}

#[tokio::test]
async fn a_body_that_stalls_is_dropped_after_the_idle_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.server.body_idle_seconds = 1;
    let app = spawn_with(settings, db).await;
    let page = app.page_of(&app.client, "/console/login").await;
    let _ = page;
    let addr = app.address.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /me/sign-in HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 1000\r\n\r\nemail=a"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("the server gave up on the body")
        .unwrap_or(0);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= std::time::Duration::from_millis(900),
        "{elapsed:?}"
    );
    let first = String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(n == 0 || first.contains(" 4"), "{first}");
}
