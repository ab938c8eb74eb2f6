use crate::helpers::{attr_of, spawn, text_of, Fixture, PUBLIC_URL};

#[tokio::test]
async fn a_door_scan_shows_the_place_and_news_and_never_the_residents() {
    let app = spawn(Fixture::Demo).await;
    // A household in 邮电小区 whose contact name and phone are on record.
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        token: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        contact_name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        contact_phone: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        room: String,
    }
    let mut c = app.conn().await;
    let row: Row = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(
            "SELECT c.token, h.contact_name, h.contact_phone, h.room FROM households h
             JOIN codes c ON c.household_id = h.id AND c.status = 'active'
             JOIN grids g ON g.id = h.grid_id
             WHERE g.code = 'GY-01-01' AND h.contact_name IS NOT NULL AND h.contact_phone IS NOT NULL
             ORDER BY h.id LIMIT 1",
        ),
        &mut c,
    )
    .await
    .unwrap();
    let (status, body) = app.get(&format!("/C/{}", row.token)).await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&body, "h1.compound").as_deref(), Some("邮电小区"));
    assert_eq!(text_of(&body, ".community").as_deref(), Some("平原社区"));
    assert!(text_of(&body, ".door").unwrap().contains(&row.room));
    assert!(body.contains("最新动态"), "zh-CN by default");
    // News published to the street reaches every compound.
    assert!(body.contains("关于本年度采暖期供暖的通知"), "{body}");
    // Nothing personal.
    assert!(!body.contains(&row.contact_name), "contact name leaked");
    assert!(!body.contains(&row.contact_phone), "contact phone leaked");
    // The check code shown is the one on record.
    let code_check: String = {
        use diesel::prelude::*;
        use mashang::db::schema::codes;
        diesel_async::RunQueryDsl::get_result(
            codes::table
                .filter(codes::token.eq(&row.token))
                .select(codes::check_code),
            &mut c,
        )
        .await
        .unwrap()
    };
    assert!(text_of(&body, ".check-code").unwrap().contains(&code_check));
    // Every link on the page works: no dead links.
    let doc = scraper::Html::parse_document(&body);
    let sel = scraper::Selector::parse("a[href^='/']").unwrap();
    for a in doc.select(&sel) {
        let href = a.value().attr("href").unwrap();
        let (s, _) = app.get(href).await;
        assert!(s == 200 || s == 303, "{href} answered {s}");
    }
}

#[tokio::test]
async fn lower_case_and_lookalike_tokens_open_the_same_page() {
    let app = spawn(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-02-01").await;
    let (s1, upper) = app.get(&format!("/C/{token}")).await;
    let (s2, lower) = app.get(&format!("/c/{}", token.to_lowercase())).await;
    let (s3, mixed) = app.get(&format!("/C/{}", token.to_lowercase())).await;
    assert_eq!((s1, s2, s3), (200, 200, 200));
    let compound = |b: &str| text_of(b, "h1.compound");
    assert_eq!(compound(&upper), compound(&lower));
    assert_eq!(compound(&upper), compound(&mixed));
    assert_eq!(compound(&upper).as_deref(), Some("阳光嘉苑"));
}

#[tokio::test]
async fn unknown_malformed_and_revoked_codes_get_the_same_neutral_404() {
    let app = spawn(Fixture::Demo).await;
    let unknown = "0000000000000000000000000Z"; // well-formed, never issued
    let (s_unknown, b_unknown) = app.get(&format!("/C/{unknown}")).await;
    let (s_bad, b_bad) = app.get("/C/not-a-token!").await;
    let (s_long, b_long) = app.get(&format!("/C/{}", "A".repeat(300))).await;
    let (s_ext, _) = app.get(&format!("/C/{unknown}.gif")).await;
    assert_eq!((s_unknown, s_bad, s_long, s_ext), (404, 404, 404, 404));
    assert_eq!(b_unknown, b_bad);
    assert_eq!(b_unknown, b_long);
    assert!(b_unknown.contains("此码已失效"));

    // Revoke a real code: its page becomes the very same page.
    let csrf = app.login_demo("admin").await;
    let (code_id, token) = app.household_code("GY-01-02").await;
    assert_eq!(app.get(&format!("/C/{token}")).await.0, 200);
    let r = app
        .client
        .post(app.url(&format!("/console/codes/{code_id}/revoke")))
        .form(&[("csrf", csrf.as_str()), ("reason", "贴纸损坏")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (s_revoked, b_revoked) = TestClient::anonymous(&app, &format!("/C/{token}")).await;
    assert_eq!(s_revoked, 404);
    assert_eq!(b_revoked, b_unknown);
    assert_eq!(
        TestClient::anonymous(&app, &format!("/C/{token}.png"))
            .await
            .0,
        404
    );
}

struct TestClient;
impl TestClient {
    async fn anonymous(app: &crate::helpers::TestApp, path: &str) -> (u16, String) {
        let r = reqwest::get(app.url(path)).await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

#[tokio::test]
async fn a_shop_scan_shows_the_shop() {
    let app = spawn(Fixture::Demo).await;
    let mut c = app.conn().await;
    let g = mashang::grids::Grid::by_code(&mut c, "GY-01-01")
        .await
        .unwrap()
        .unwrap();
    let shop = mashang::grids::shops::Shop::list_for_grid(&mut c, g.id)
        .await
        .unwrap()
        .remove(0);
    let (status, body) = app.get(&format!("/C/{}", shop.token.unwrap())).await;
    assert_eq!(status, 200);
    assert_eq!(
        attr_of(&body, ".place", "data-kind").as_deref(),
        Some("shop")
    );
    assert_eq!(
        text_of(&body, ".shop-name").as_deref(),
        Some(shop.shop.name.as_str())
    );
    assert_eq!(
        text_of(&body, ".address").as_deref(),
        Some(shop.shop.address.as_str())
    );
}

#[tokio::test]
async fn english_from_accept_language_or_the_switch() {
    let app = spawn(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-01-01").await;
    let r = app
        .client
        .get(app.url(&format!("/C/{token}")))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    assert!(body.contains("Latest news") && body.contains("lang=\"en\""));
    let (_, zh) = app.get(&format!("/C/{token}")).await;
    assert!(zh.contains("lang=\"zh-CN\""));
    // The visible switch remembers the choice in a cookie.
    let switch = attr_of(&zh, ".lang a", "href").unwrap();
    assert!(switch.starts_with("/lang/en"));
    let r = app.client.get(app.url(&switch)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], format!("/C/{token}"));
    let (_, after) = app.get(&format!("/C/{token}")).await;
    assert!(after.contains("Latest news"));
    // An off-site "back" is never followed.
    let r = app
        .client
        .get(app.url("/lang/zh-CN?back=//evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
}

#[tokio::test]
async fn symbols_decode_to_the_upper_case_code_url() {
    let app = spawn(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-03-01").await;
    let r = app
        .client
        .get(app.url(&format!("/C/{token}.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let png = r.bytes().await.unwrap();
    let img = image::load_from_memory(&png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    let (meta, content) = grids[0].decode().unwrap();
    assert_eq!(content, format!("{PUBLIC_URL}/C/{token}").to_uppercase());
    // Error correction M or better: rqrr reports 0=M, 1=L, 2=H, 3=Q.
    assert_ne!(meta.ecc_level, 1, "error correction must not be L");

    let r = app
        .client
        .get(app.url(&format!("/c/{}.SVG", token.to_lowercase())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let svg = r.text().await.unwrap();
    assert!(svg.contains("<svg"));
}

#[tokio::test]
async fn news_pages_are_public() {
    let app = spawn(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-01-01").await;
    let (status, list) = app.get(&format!("/C/{token}/news")).await;
    assert_eq!(status, 200);
    let href = attr_of(&list, ".news-list a", "href").unwrap();
    let (status, item) = app.get(&href).await;
    assert_eq!(status, 200);
    assert!(item.contains("发布范围"));
    assert_eq!(app.get("/news/999999").await.0, 404);
}

#[tokio::test]
async fn another_instance_drops_a_revoked_code_within_about_a_second() {
    let (settings, db) = crate::helpers::test_settings(Fixture::Demo);
    let a = crate::helpers::spawn_with(settings.clone(), db.clone()).await;
    let b = crate::helpers::spawn_with(settings, db).await;
    let (code_id, token) = a.household_code("GY-03-02").await;
    // Instance B has the page cached.
    assert_eq!(b.get(&format!("/C/{token}")).await.0, 200);
    let csrf = a.login_demo("admin").await;
    let r = a
        .client
        .post(a.url(&format!("/console/codes/{code_id}/revoke")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        a.get(&format!("/C/{token}")).await.0,
        404,
        "at once on the instance that revoked"
    );
    let started = std::time::Instant::now();
    loop {
        if b.get(&format!("/C/{token}")).await.0 == 404 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "instance B still serves the revoked code"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
