use crate::fixtures;
use crate::helpers::{
    attr_of, csrf_from, spawn, spawn_with, spawn_with_sink, test_settings, text_of, Fixture,
    TestApp,
};
use chrono::{Duration, Utc};
use reqwest::multipart::{Form, Part};

/// The first ring of a grid's boundary.
async fn ring(app: &TestApp, code: &str) -> Vec<(f64, f64)> {
    let mut c = app.conn().await;
    let g = mashang::grids::Grid::by_code(&mut c, code)
        .await
        .unwrap()
        .unwrap();
    g.boundary.unwrap()["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect()
}

fn bbox(r: &[(f64, f64)]) -> (f64, f64, f64, f64) {
    let xs = r.iter().map(|p| p.0);
    let ys = r.iter().map(|p| p.1);
    (
        xs.clone().fold(f64::MAX, f64::min),
        ys.clone().fold(f64::MAX, f64::min),
        xs.fold(f64::MIN, f64::max),
        ys.fold(f64::MIN, f64::max),
    )
}

async fn centre(app: &TestApp, code: &str) -> (f64, f64) {
    let (x0, y0, x1, y1) = bbox(&ring(app, code).await);
    ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
}

/// Open the form (for its CSRF cookie and idempotency key).
pub(crate) async fn open_form(app: &TestApp, query: &str) -> (String, String) {
    let page = app
        .client
        .get(app.url(&format!("/report{query}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (
        csrf_from(&page),
        attr_of(&page, "input[name=idempotency_key]", "value").unwrap(),
    )
}

/// Post the report form; returns (status, Location or body).
pub(crate) async fn post_form(
    app: &TestApp,
    fields: &[(&str, &str)],
    photos: Vec<Vec<u8>>,
) -> (u16, String) {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (i, p) in photos.into_iter().enumerate() {
        form = form.part(
            "photos",
            Part::bytes(p)
                .file_name(format!("IMG_{i}.jpg"))
                .mime_str("image/jpeg")
                .unwrap(),
        );
    }
    let csrf = fields
        .iter()
        .find(|(k, _)| *k == "csrf")
        .map(|(_, v)| *v)
        .unwrap_or_default();
    let r = app
        .client
        .post(app.report_url(csrf))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, loc.unwrap_or_default() + &r.text().await.unwrap())
}

pub(crate) async fn api_report(app: &TestApp, body: serde_json::Value) -> (u16, serde_json::Value) {
    let r = app
        .client
        .post(app.url("/api/v1/reports"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn report_grid(app: &TestApp, public_id: &str) -> String {
    let mut c = app.conn().await;
    let r = mashang::reports::Report::by_public_id(&mut c, public_id)
        .await
        .unwrap()
        .unwrap();
    mashang::grids::Grid::find(&mut c, r.grid_id)
        .await
        .unwrap()
        .code
}

pub(crate) fn key() -> String {
    mashang::people::sessions::random_secret()
}

#[tokio::test]
async fn a_report_from_a_door_code_reaches_its_worker_by_mail() {
    let (app, sink) = spawn_with_sink(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-01-01").await;
    // The scan page offers 随手拍 for this code.
    let (_, landing) = app.get(&format!("/C/{token}")).await;
    let doc = scraper::Html::parse_document(&landing);
    let links: Vec<String> = doc
        .select(&scraper::Selector::parse("a.action").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    assert!(
        links.contains(&format!("/report?code={token}")),
        "{links:?}"
    );
    let (csrf, idem) = open_form(&app, &format!("?code={token}")).await;
    let (status, loc) = post_form(
        &app,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &idem),
            ("code", &token),
            ("description", "楼下垃圾桶满了，很臭"),
            ("email", "resident@example.cn"),
        ],
        vec![],
    )
    .await;
    assert_eq!(status, 303, "{loc}");
    let public_id = loc
        .trim_start_matches("/r/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(report_grid(&app, &public_id).await, "GY-01-01");
    let mut c = app.conn().await;
    let r = mashang::reports::Report::by_public_id(&mut c, &public_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.location_source, "code");
    assert_eq!(
        r.category, "event.garbage_overflow",
        "the category was suggested from the text"
    );
    let events = r.events(&mut c).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["submit", "route"]
    );
    assert_eq!(events[1].data["by"], "code");

    // Mail goes out from the outbox.
    let sent = mashang::jobs::send_mail(&app.state, Utc::now())
        .await
        .unwrap();
    assert_eq!(sent.failed, 0);
    let to_worker = sink.to("worker-gy-01-01@demo.mashang.local");
    assert_eq!(to_worker.len(), 1);
    assert_eq!(to_worker[0].from, "noreply@mashang.local");
    let text = to_worker[0].text();
    assert!(text.contains("新案件") && text.contains("垃圾"), "{text}");
    assert!(text.contains(&format!("/console/cases/{}", r.id)));
    let receipt = sink.to("resident@example.cn");
    assert_eq!(receipt.len(), 1);
    assert!(receipt[0].text().contains(&format!("/r/{public_id}")));
    // Sending again sends nothing twice.
    assert_eq!(
        mashang::jobs::send_mail(&app.state, Utc::now())
            .await
            .unwrap()
            .sent,
        0
    );

    // The public tracking page never shows who reported.
    let (status, page) = app.get(&loc).await;
    assert_eq!(status, 200);
    assert!(!page.contains("resident@example.cn"));
    assert_eq!(
        attr_of(&page, "[data-state]", "data-state").as_deref(),
        Some("submitted")
    );
}

#[tokio::test]
async fn routing_by_point_boundary_and_fallback() {
    let app = spawn(Fixture::Demo).await;
    let inside = centre(&app, "GY-02-01").await;
    let (s, v) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "description": "路灯不亮", "lon": inside.0, "lat": inside.1 })).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        report_grid(&app, v["public_id"].as_str().unwrap()).await,
        "GY-02-01"
    );

    // On the edge shared by GY-03-01 and GY-03-02: the grid with the smaller id, always.
    let a = bbox(&ring(&app, "GY-03-01").await);
    let b = bbox(&ring(&app, "GY-03-02").await);
    assert_eq!(a.2, b.0, "the demo's compounds share this edge");
    let edge = (a.2, (a.1.max(b.1) + a.3.min(b.3)) / 2.0);
    let (s, v) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "description": "井盖丢失", "lon": edge.0, "lat": edge.1 })).await;
    assert_eq!(s, 201, "{v}");
    let smaller = if app.grid_id("GY-03-01").await < app.grid_id("GY-03-02").await {
        "GY-03-01"
    } else {
        "GY-03-02"
    };
    assert_eq!(
        report_grid(&app, v["public_id"].as_str().unwrap()).await,
        smaller
    );

    // In the community but in no compound: the community's queue.
    let (cx0, cy0, _, _) = bbox(&ring(&app, "GY-01").await);
    let (s, v) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "description": "有人占道经营", "lon": cx0 + 0.00003, "lat": cy0 + 0.00003 })).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        report_grid(&app, v["public_id"].as_str().unwrap()).await,
        "GY-01"
    );

    // Outside the district: refused with a reason, nothing stored.
    let before = app.count("SELECT count(*) AS n FROM reports").await;
    let (s, v) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "description": "路灯不亮", "lon": 111.65, "lat": 40.82 })).await;
    assert_eq!(s, 422);
    assert_eq!(v["reason"], "outside_district");
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, before);

    // No location at all: the fallback queue (the street office), with the reason recorded.
    let (s, v) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "description": "噪音扰民", "address": "平原路附近" })).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        report_grid(&app, v["public_id"].as_str().unwrap()).await,
        "GY"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM case_events WHERE action = 'route' AND data->>'by' = 'fallback'").await, 1);
}

#[tokio::test]
async fn a_retried_submission_creates_one_report() {
    let app = spawn(Fixture::Demo).await;
    let k = key();
    let body = serde_json::json!({ "idempotency_key": k, "description": "井盖松动", "address": "锦绣园3号楼" });
    let (s1, v1) = api_report(&app, body.clone()).await;
    let (s2, v2) = api_report(&app, body.clone()).await;
    assert_eq!((s1, s2), (201, 200));
    assert_eq!(v1["public_id"], v2["public_id"]);
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, 1);
    // The same key with other content is refused.
    let (s3, v3) = api_report(
        &app,
        serde_json::json!({ "idempotency_key": k, "description": "别的问题", "address": "x" }),
    )
    .await;
    assert_eq!(s3, 409);
    assert_eq!(v3["reason"], "idempotency_conflict");

    // The form: a double submit lands on the same tracking page.
    let (_, token) = app.household_code("GY-02-02").await;
    let (csrf, idem) = open_form(&app, &format!("?code={token}")).await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", idem.as_str()),
        ("code", token.as_str()),
        ("description", "楼道灯坏了"),
    ];
    let (a, la) = post_form(&app, &fields, vec![fixtures::jpeg(64, 48)]).await;
    let (b, lb) = post_form(&app, &fields, vec![fixtures::jpeg(64, 48)]).await;
    assert_eq!((a, b), (303, 303));
    assert_eq!(la, lb);
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, 2);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM report_photos").await,
        1
    );
}

#[tokio::test]
async fn a_gps_tagged_photo_is_stored_without_any_metadata_and_locates_the_report() {
    let app = spawn(Fixture::Demo).await;
    let (lon, lat) = centre(&app, "GY-02-03").await;
    let photo = fixtures::jpeg_with_gps(lon, lat);
    assert!(fixtures::contains(&photo, b"Exif\0\0") && fixtures::contains(&photo, b"MashangCam"));
    let (csrf, idem) = open_form(&app, "").await;
    let (status, loc) = post_form(
        &app,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &idem),
            ("description", "墙面乱涂乱画"),
        ],
        vec![photo],
    )
    .await;
    assert_eq!(status, 303, "{loc}");
    let public_id = loc.trim_start_matches("/r/").split('?').next().unwrap();
    // No position from the phone and no code: the photo's own GPS routed it.
    assert_eq!(report_grid(&app, public_id).await, "GY-02-03");
    let mut c = app.conn().await;
    let r = mashang::reports::Report::by_public_id(&mut c, public_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.location_source, "gps");
    let photos = r.photos(&mut c).await.unwrap();
    assert_eq!(photos.len(), 1);
    // What is stored and what is served: no EXIF, no GPS, no camera model.
    let stored = std::fs::read(app.settings.storage.dir.join(&photos[0].storage_key)).unwrap();
    let (status, page) = app.get(&loc).await;
    assert_eq!(status, 200);
    let href = attr_of(&page, ".thumbs a", "href").unwrap();
    let served = app
        .client
        .get(app.url(&href))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    for bytes in [&stored, &served] {
        assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
        assert!(!fixtures::contains(bytes, b"Exif"), "EXIF survived");
        assert!(
            !fixtures::contains(bytes, b"MashangCam"),
            "camera model survived"
        );
        assert!(exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(bytes))
            .is_err());
    }
    assert_eq!(stored, served);
}

#[tokio::test]
async fn bad_photos_and_fields_are_refused_quickly_and_nothing_is_half_stored() {
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.reports.max_photo_bytes = 2 * 1024 * 1024;
    let app = spawn_with(settings, db).await;
    let (csrf, idem) = open_form(&app, "").await;
    let base = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", idem.as_str()),
        ("address", "新民路"),
        ("description", "路面塌陷"),
    ];
    let cases: Vec<(Vec<Vec<u8>>, &str)> = vec![
        (vec![fixtures::png_declaring(60_000, 60_000)], "分辨率过大"),
        (vec![b"%PDF-1.7 not a photo".to_vec()], "格式"),
        (vec![fixtures::jpeg(200, 100)[..300].to_vec()], "损坏"),
        (vec![fixtures::jpeg(8, 8); 5], "最多上传 4 张"),
        (vec![vec![0xFF; 3 * 1024 * 1024]], "不能超过"),
    ];
    for (photos, message) in cases {
        let started = std::time::Instant::now();
        let (status, body) = post_form(&app, &base, photos).await;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
        assert!(status == 422 || status == 413, "{status}");
        let error = text_of(&body, "[data-error]").unwrap_or_default();
        assert!(error.contains(message), "{message} not in {error:?}");
        // The form comes back filled in.
        assert!(body.contains("路面塌陷"));
    }
    let long = "很".repeat(1001);
    let (status, body) = post_form(
        &app,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &idem),
            ("description", &long),
        ],
        vec![],
    )
    .await;
    assert_eq!(status, 422);
    assert!(text_of(&body, "[data-error]").unwrap().contains("1000"));
    let (status, body) = post_form(
        &app,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &idem),
            ("description", "x"),
            ("category", "event.nope"),
        ],
        vec![],
    )
    .await;
    assert_eq!(status, 422);
    assert!(text_of(&body, "[data-error]").unwrap().contains("类别"));
    // English for English speakers.
    let r = app.client.post(app.url("/api/v1/reports")).header("Accept-Language", "en").json(&serde_json::json!({ "idempotency_key": key(), "description": "x", "lon": 200.0, "lat": 1.0 })).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["reason"], "bad_coordinates");
    assert!(v["message"].as_str().unwrap().contains("not valid"));
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, 0);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM report_photos").await,
        0
    );
    let files = walk(&app.settings.storage.dir);
    assert!(
        files.is_empty(),
        "refused photos were left on disk: {files:?}"
    );
    // CSRF: a form post without the cookie's token is refused.
    let (status, _) = post_form(
        &app,
        &[
            ("csrf", "forged"),
            ("idempotency_key", &idem),
            ("description", "x"),
        ],
        vec![],
    )
    .await;
    assert_eq!(status, 403);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

/// Post a step on a case as the signed-in client.
async fn step(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    id: i64,
    fields: &[(&str, &str)],
) -> u16 {
    let mut form = Form::new().text("csrf", csrf.to_owned());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    client
        .post(app.url(&format!("/console/cases/{id}/step")))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn state_of(app: &TestApp, id: i64) -> (String, i16, i32) {
    let mut c = app.conn().await;
    let r = mashang::reports::Report::find(&mut c, id).await.unwrap();
    (r.state, r.escalation_level, r.reopen_count)
}

#[tokio::test]
async fn the_closed_loop_with_reopen_and_the_refusals() {
    let (app, sink) = spawn_with_sink(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-01-02").await;
    let (s, v) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "code": token, "description": "单元门禁坏了", "email": "r@example.cn" })).await;
    assert_eq!(s, 201, "{v}");
    let public_id = v["public_id"].as_str().unwrap().to_owned();
    let reporter_key = v["reporter_key"].as_str().unwrap().to_owned();
    let id = app
        .count(&format!(
            "SELECT id AS n FROM reports WHERE public_id = '{public_id}'"
        ))
        .await;

    let worker = TestApp::new_client();
    let wcsrf = app
        .login_as(&worker, "worker-gy-01-02", "mashang-worker-gy-01-02")
        .await;
    let other = TestApp::new_client();
    let ocsrf = app
        .login_as(&other, "worker-gy-02-01", "mashang-worker-gy-02-01")
        .await;

    // Another grid's worker can neither see nor touch it.
    assert_eq!(
        other
            .get(app.url(&format!("/console/cases/{id}")))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    assert_eq!(
        step(&app, &other, &ocsrf, id, &[("action", "accept")]).await,
        403
    );
    let queue = other
        .get(app.url("/console/cases"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!queue.contains(&format!("data-case=\"{id}\"")));
    // The reporter cannot rate before it is resolved.
    // The reporter's browser holds the form token from the report form.
    let (rcsrf, _) = open_form(&app, "").await;
    let r = app
        .client
        .post(app.url(&format!("/r/{public_id}/rate")))
        .form(&[
            ("csrf", rcsrf.as_str()),
            ("rating", "satisfied"),
            ("k", reporter_key.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    // Resolving before accepting is refused by the state machine.
    assert_eq!(
        step(
            &app,
            &worker,
            &wcsrf,
            id,
            &[("action", "resolve"), ("note", "修好了")]
        )
        .await,
        409
    );
    assert_eq!(state_of(&app, id).await.0, "submitted");

    // Their own worker: the queue shows it; accept, pass to a department.
    let queue = worker
        .get(app.url("/console/cases"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains(&format!("data-case=\"{id}\"")));
    let page = worker
        .get(app.url(&format!("/console/cases/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("r@example.cn"),
        "staff who handle the case see the reporter"
    );
    assert_eq!(
        step(&app, &worker, &wcsrf, id, &[("action", "accept")]).await,
        303
    );
    assert_eq!(
        step(
            &app,
            &worker,
            &wcsrf,
            id,
            &[("action", "dispatch"), ("department", "nope")]
        )
        .await,
        422
    );
    assert_eq!(
        step(
            &app,
            &worker,
            &wcsrf,
            id,
            &[("action", "dispatch"), ("department", "market_supervision")]
        )
        .await,
        303
    );
    // The liaison of that department handles it; another department's may not.
    let zjj = TestApp::new_client();
    let zcsrf = app
        .login_as(&zjj, "liaison-zjj", "mashang-liaison-zjj")
        .await;
    assert_eq!(
        step(&app, &zjj, &zcsrf, id, &[("action", "start")]).await,
        403
    );
    let scjg = TestApp::new_client();
    let scsrf = app
        .login_as(&scjg, "liaison-scjg", "mashang-liaison-scjg")
        .await;
    assert_eq!(
        step(&app, &scjg, &scsrf, id, &[("action", "start")]).await,
        303
    );
    let form = Form::new()
        .text("csrf", scsrf.clone())
        .text("action", "resolve")
        .text("note", "已更换门禁锁")
        .part(
            "photo",
            Part::bytes(fixtures::jpeg(120, 90)).file_name("after.jpg"),
        );
    let r = scjg
        .post(app.url(&format!("/console/cases/{id}/step")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(state_of(&app, id).await.0, "resolved");
    assert_eq!(app.count(&format!("SELECT count(*) AS n FROM report_photos WHERE report_id = {id} AND event_id IS NOT NULL")).await, 1);

    // The reporter is told, and rates "not satisfied": reopened and escalated to the community.
    mashang::jobs::send_mail(&app.state, Utc::now())
        .await
        .unwrap();
    assert!(sink
        .to("r@example.cn")
        .iter()
        .any(|m| m.text().contains("已办结") && m.text().contains("已更换门禁锁")));
    let page = app
        .client
        .get(app.url(&format!("/r/{public_id}?k={reporter_key}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已更换门禁锁") && page.contains("id=\"rate\""));
    let r = app
        .client
        .post(app.url(&format!("/r/{public_id}/rate")))
        .form(&[
            ("csrf", rcsrf.as_str()),
            ("rating", "dissatisfied"),
            ("comment", "还是坏的"),
            ("k", reporter_key.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(state_of(&app, id).await, ("accepted".into(), 2, 1));
    mashang::jobs::send_mail(&app.state, Utc::now())
        .await
        .unwrap();
    let heads = sink.to("head-gy-01@demo.mashang.local");
    assert_eq!(
        heads.len(),
        1,
        "the community head hears of the reopened case"
    );
    assert!(heads[0].text().contains("不满意"));

    // Handled again, rated satisfied: closed. Every step is in the append-only record.
    assert_eq!(
        step(
            &app,
            &worker,
            &wcsrf,
            id,
            &[("action", "resolve"), ("note", "换了新门禁")]
        )
        .await,
        303
    );
    let r = app
        .client
        .post(app.url(&format!("/r/{public_id}/rate")))
        .form(&[
            ("csrf", rcsrf.as_str()),
            ("rating", "satisfied"),
            ("k", reporter_key.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(state_of(&app, id).await.0, "closed");
    assert_eq!(
        step(
            &app,
            &worker,
            &wcsrf,
            id,
            &[("action", "reject"), ("reason", "x")]
        )
        .await,
        409
    );
    let actions: Vec<String> = {
        let mut c = app.conn().await;
        mashang::reports::Report::find(&mut c, id)
            .await
            .unwrap()
            .events(&mut c)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    };
    assert_eq!(
        actions,
        ["submit", "route", "accept", "dispatch", "start", "resolve", "rate", "resolve", "rate"]
    );
    let mut c = app.conn().await;
    let tampered = diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE case_events SET note = 'x' WHERE report_id = {id}"
        )),
        &mut c,
    )
    .await;
    assert!(tampered.is_err(), "case events are append-only");
}

#[tokio::test]
async fn reject_duplicate_and_not_ours_need_reasons_and_end_the_case() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("worker-gy-03-01").await;
    let (_, token) = app.household_code("GY-03-01").await;
    let mut ids = vec![];
    for text in ["广告乱贴", "楼道堆物", "宠物扰民"] {
        let (s, v) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "code": token, "description": text, "confirm_new": true })).await;
        assert_eq!(s, 201, "{v}");
        ids.push(
            app.count(&format!(
                "SELECT id AS n FROM reports WHERE public_id = '{}'",
                v["public_id"].as_str().unwrap()
            ))
            .await,
        );
    }
    assert_eq!(
        step(
            &app,
            &app.client,
            &csrf,
            ids[0],
            &[("action", "reject"), ("reason", "")]
        )
        .await,
        422
    );
    assert_eq!(
        step(
            &app,
            &app.client,
            &csrf,
            ids[0],
            &[("action", "reject"), ("reason", "已张贴告示，不属于违规")]
        )
        .await,
        303
    );
    assert_eq!(
        step(
            &app,
            &app.client,
            &csrf,
            ids[1],
            &[
                ("action", "mark_duplicate"),
                ("of_case", &ids[1].to_string())
            ]
        )
        .await,
        422
    );
    assert_eq!(
        step(
            &app,
            &app.client,
            &csrf,
            ids[1],
            &[
                ("action", "mark_duplicate"),
                ("of_case", &ids[2].to_string())
            ]
        )
        .await,
        303
    );
    assert_eq!(
        step(
            &app,
            &app.client,
            &csrf,
            ids[2],
            &[("action", "not_ours"), ("reason", "属物业管理范围")]
        )
        .await,
        303
    );
    assert_eq!(state_of(&app, ids[0]).await.0, "rejected");
    assert_eq!(state_of(&app, ids[1]).await.0, "duplicate");
    assert_eq!(state_of(&app, ids[2]).await.0, "not_ours");
    // Re-routing and re-classifying are recorded with who and why.
    let (s, v) = api_report(
        &app,
        serde_json::json!({ "idempotency_key": key(), "code": token, "description": "路灯不亮" }),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = app
        .count(&format!(
            "SELECT id AS n FROM reports WHERE public_id = '{}'",
            v["public_id"].as_str().unwrap()
        ))
        .await;
    let target = app.grid_id("GY-03-02").await;
    assert_eq!(
        step(
            &app,
            &app.client,
            &csrf,
            id,
            &[
                ("action", "reroute"),
                ("to_grid", &target.to_string()),
                ("reason", "在隔壁小区")
            ]
        )
        .await,
        303
    );
    assert_eq!(
        app.count(&format!("SELECT grid_id AS n FROM reports WHERE id = {id}"))
            .await,
        target
    );
    assert_eq!(app.count(&format!("SELECT count(*) AS n FROM case_events WHERE report_id = {id} AND action = 'reroute' AND staff_id IS NOT NULL AND note = '在隔壁小区'")).await, 1);
    // Now it is the other compound's: this worker may no longer act on it.
    assert_eq!(
        step(&app, &app.client, &csrf, id, &[("action", "accept")]).await,
        403
    );
}

#[tokio::test]
async fn escalation_follows_the_clock_once_per_level() {
    let (app, sink) = spawn_with_sink(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-02-04").await;
    let (s, v) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "code": token, "description": "井盖丢失", "category": "component.manhole_cover" })).await;
    assert_eq!(s, 201, "{v}");
    let id = app
        .count(&format!(
            "SELECT id AS n FROM reports WHERE public_id = '{}'",
            v["public_id"].as_str().unwrap()
        ))
        .await;
    let (accept_by, finish_by) = {
        let mut c = app.conn().await;
        let r = mashang::reports::Report::find(&mut c, id).await.unwrap();
        (r.accept_by, r.finish_by)
    };
    let escalate = |t| mashang::jobs::escalate_due(&app.state, t);
    assert_eq!(escalate(accept_by - Duration::minutes(1)).await.unwrap(), 0);
    assert_eq!(
        escalate(accept_by).await.unwrap(),
        0,
        "at the deadline it is not late yet"
    );
    assert_eq!(escalate(accept_by + Duration::minutes(1)).await.unwrap(), 1);
    assert_eq!(state_of(&app, id).await.1, 2);
    assert_eq!(
        escalate(accept_by + Duration::minutes(2)).await.unwrap(),
        0,
        "each level once"
    );
    // Two jobs at the same moment (two instances): one escalation.
    let (a, b) = tokio::join!(
        escalate(finish_by + Duration::minutes(1)),
        escalate(finish_by + Duration::minutes(1))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(state_of(&app, id).await.1, 1);
    assert_eq!(escalate(finish_by + Duration::days(3)).await.unwrap(), 0);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM case_events WHERE report_id = {id} AND action = 'escalate'"
        ))
        .await,
        2
    );
    mashang::jobs::send_mail(&app.state, Utc::now())
        .await
        .unwrap();
    assert_eq!(sink.to("head-gy-02@demo.mashang.local").len(), 1);
    assert_eq!(sink.to("head-gy@demo.mashang.local").len(), 1);
    assert!(sink.to("head-gy-02@demo.mashang.local")[0]
        .text()
        .contains("超时未签收"));
}

#[tokio::test]
async fn mail_waits_for_a_server_that_is_down_and_none_is_lost() {
    // A port with nothing listening yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.mail.port = port;
    let app = spawn_with(settings, db).await;
    let (_, token) = app.household_code("GY-01-04").await;
    let (s, _) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "code": token, "description": "自来水管漏水", "email": "w@example.cn" })).await;
    assert_eq!(s, 201);
    let now = Utc::now();
    let first = mashang::jobs::send_mail(&app.state, now).await.unwrap();
    assert_eq!(first.sent, 0);
    assert!(first.failed >= 2, "{first:?}");
    assert_eq!(app.count("SELECT count(*) AS n FROM mail_outbox WHERE sent_at IS NULL AND attempts = 1 AND last_error IS NOT NULL").await, first.failed as i64);
    // Not retried before its backoff.
    assert_eq!(
        mashang::jobs::send_mail(&app.state, now + Duration::seconds(5))
            .await
            .unwrap()
            .failed,
        0
    );
    let sink = crate::smtp_sink::SmtpSink::start_on(port).await;
    let later = mashang::jobs::send_mail(&app.state, now + Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(later.sent, first.failed);
    assert_eq!(sink.to("w@example.cn").len(), 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM mail_outbox WHERE sent_at IS NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn the_same_problem_is_offered_to_follow_and_can_still_be_sent() {
    let (app, sink) = spawn_with_sink(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-03-03").await;
    let (s, first) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "code": token, "description": "垃圾桶满了", "category": "event.garbage_overflow" })).await;
    assert_eq!(s, 201);
    // Another door of the same compound: a different code, so compare by code only… same code here.
    let (csrf, idem) = open_form(&app, &format!("?code={token}")).await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", idem.as_str()),
        ("code", token.as_str()),
        ("category", "event.garbage_overflow"),
        ("description", "垃圾没人收"),
        ("email", "neighbour@example.cn"),
    ];
    let (status, page) = post_form(&app, &fields, vec![fixtures::jpeg(100, 80)]).await;
    assert_eq!(status, 200);
    assert_eq!(
        attr_of(&page, ".similar", "data-public-id").as_deref(),
        first["public_id"].as_str()
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM reports").await,
        1,
        "nothing new yet"
    );
    // "Submit anyway" creates the report from the kept draft, photo included.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("idempotency_key", idem.clone())
        .text("confirm_new", "1");
    let r = app
        .client
        .post(app.report_url(&csrf))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, 2);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM report_photos").await,
        1
    );

    // A third neighbour follows instead.
    let (csrf, idem) = open_form(&app, &format!("?code={token}")).await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", idem.as_str()),
        ("code", token.as_str()),
        ("category", "event.garbage_overflow"),
        ("description", "垃圾堆成山"),
    ];
    let (status, _) = post_form(&app, &fields, vec![]).await;
    assert_eq!(status, 200);
    let pid = first["public_id"].as_str().unwrap();
    let r = app
        .client
        .post(app.url(&format!("/r/{pid}/follow")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "third@example.cn"),
            ("idempotency_key", idem.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, 2);
    let followers = || async {
        app.count(&format!(
            "SELECT followers::bigint AS n FROM reports WHERE public_id = '{pid}'"
        ))
        .await
    };
    assert_eq!(followers().await, 0, "not before the address confirmed");
    // One mail with a signed link; a forged or another case's token confirms nothing.
    mashang::jobs::send_mail(&app.state, Utc::now())
        .await
        .unwrap();
    let mails = sink.to("third@example.cn");
    assert_eq!(mails.len(), 1);
    let text = mails[0].text();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/follow/confirm?"))
        .expect("a confirmation link")
        .to_owned();
    let path = &link[link.find("/r/").unwrap()..];
    let confirm_page = app.page_of(&app.client, path).await;
    let ccsrf = csrf_from(&confirm_page);
    let token = attr_of(&confirm_page, "input[name=t]", "value").unwrap();
    let confirm = |t: String| {
        let client = app.client.clone();
        let url = app.url(&format!("/r/{pid}/follow/confirm"));
        let ccsrf = ccsrf.clone();
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf", ccsrf.as_str()),
                    ("e", "third@example.cn"),
                    ("t", t.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // The real token with its last character changed (to '1' where it already ends in '0':
    // a fixed '0' made the "forgery" the real token one run in 32).
    let last = if token.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &token[..token.len() - 1]);
    assert_ne!(forged, token);
    assert_eq!(confirm(forged).await, 422);
    assert_eq!(followers().await, 0);
    assert_eq!(confirm(token.clone()).await, 303);
    assert_eq!(
        confirm(token).await,
        303,
        "confirming twice changes nothing"
    );
    assert_eq!(followers().await, 1);
    // When it is resolved, the follower hears of it too.
    let id = app
        .count(&format!(
            "SELECT id AS n FROM reports WHERE public_id = '{pid}'"
        ))
        .await;
    let wcsrf = app.login_demo("worker-gy-03-03").await;
    assert_eq!(
        step(&app, &app.client, &wcsrf, id, &[("action", "accept")]).await,
        303
    );
    assert_eq!(
        step(
            &app,
            &app.client,
            &wcsrf,
            id,
            &[("action", "resolve"), ("note", "已清运")]
        )
        .await,
        303
    );
    mashang::jobs::send_mail(&app.state, Utc::now())
        .await
        .unwrap();
    let mails = sink.to("third@example.cn");
    assert_eq!(mails.len(), 2, "the confirmation, then the resolution");
    assert!(
        !mails[1].text().contains("k="),
        "a follower's mail never carries the reporter's rating key"
    );
}

#[tokio::test]
async fn only_the_reporter_can_rate_a_case() {
    let (app, sink) = spawn_with_sink(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-01-02").await;
    let (s, v) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "code": token, "description": "楼道灯不亮", "email": "owner@example.cn" })).await;
    assert_eq!(s, 201, "{v}");
    let pid = v["public_id"].as_str().unwrap().to_owned();
    let reporter_key = v["reporter_key"].as_str().unwrap().to_owned();
    assert!(v["reporter_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/r/{pid}?k={reporter_key}")));
    let id = app
        .count(&format!(
            "SELECT id AS n FROM reports WHERE public_id = '{pid}'"
        ))
        .await;
    let wcsrf = app.login_demo("worker-gy-01-02").await;
    for action in [
        &[("action", "accept")][..],
        &[("action", "resolve"), ("note", "换了灯")],
    ] {
        assert_eq!(step(&app, &app.client, &wcsrf, id, action).await, 303);
    }
    // A stranger holding only the public id (as the "same problem?" answer hands out).
    let stranger = TestApp::new_client();
    let page = app.page_of(&stranger, &format!("/r/{pid}")).await;
    assert!(
        !page.contains("id=\"rate\""),
        "no rating form without the key"
    );
    // The form cookie and its token, as any visitor of the report form has them.
    let scsrf = csrf_from(&app.page_of(&stranger, "/report").await);
    for k in ["", "0123456789abcdef0123456789abcdef", &reporter_key[..31]] {
        let r = stranger
            .post(app.url(&format!("/r/{pid}/rate")))
            .form(&[
                ("csrf", scsrf.as_str()),
                ("rating", "dissatisfied"),
                ("k", k),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "key {k:?}");
    }
    assert_eq!(state_of(&app, id).await.0, "resolved", "nothing was rated");
    // The resolution mail carries the reporter's link; with it the rating goes through.
    mashang::jobs::send_mail(&app.state, Utc::now())
        .await
        .unwrap();
    let mails = sink.to("owner@example.cn");
    assert!(mails
        .iter()
        .any(|m| m.text().contains(&format!("/r/{pid}?k={reporter_key}"))));
    let page = app
        .page_of(&stranger, &format!("/r/{pid}?k={reporter_key}"))
        .await;
    assert!(page.contains("id=\"rate\""));
    let r = stranger
        .post(app.url(&format!("/r/{pid}/rate")))
        .form(&[
            ("csrf", csrf_from(&page).as_str()),
            ("rating", "satisfied"),
            ("k", reporter_key.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(state_of(&app, id).await.0, "closed");
    // The rating is shown on the public page.
    let page = app
        .page_of(&TestApp::new_client(), &format!("/r/{pid}"))
        .await;
    assert!(
        page.contains("上报人评价") && page.contains("满意"),
        "{page}"
    );
}

#[tokio::test]
async fn anonymous_reports_are_rate_limited_per_code() {
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.reports.anonymous_per_code_per_hour = 2;
    let app = spawn_with(settings, db).await;
    let (_, token) = app.household_code("GY-01-03").await;
    let mut statuses = vec![];
    for i in 0..3 {
        let (s, _) = api_report(&app, serde_json::json!({ "idempotency_key": key(), "code": token, "description": format!("问题{i}"), "confirm_new": true })).await;
        statuses.push(s);
    }
    assert_eq!(statuses, [201, 201, 429]);
    // Another code is not affected.
    let (_, other) = app.household_code("GY-01-04").await;
    let (s, _) = api_report(
        &app,
        serde_json::json!({ "idempotency_key": key(), "code": other, "description": "问题" }),
    )
    .await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn a_small_photo_of_huge_dimensions_is_refused_from_its_header_at_once() {
    // Issue 11: a 124 KB 8000×8000 grey+alpha PNG took +444 MB and 13 s of CPU, and three at
    // once 1.48 GB. Now its header's dimensions refuse it before any pixel is decoded.
    let app = spawn(Fixture::Demo).await;
    let bomb = fixtures::png_grey_alpha_blank(8000, 8000);
    assert!(bomb.len() < 200_000, "{} bytes", bomb.len());
    let (csrf, idem) = open_form(&app, "").await;
    let base = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", idem.as_str()),
        ("address", "新民路"),
        ("description", "路面塌陷"),
    ];
    let started = std::time::Instant::now();
    let posts = (0..3).map(|_| post_form(&app, &base, vec![bomb.clone()]));
    for (status, body) in futures_util::future::join_all(posts).await {
        assert_eq!(status, 422);
        let error = text_of(&body, "[data-error]").unwrap_or_default();
        assert!(error.contains("8000×8000"), "{error:?}");
    }
    // Three at once, through multipart parsing and all: well under what one decode took.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, 0);
}
