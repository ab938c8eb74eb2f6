use crate::helpers::{spawn, Fixture};

const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[109.98,40.39],[109.99,40.39],[109.99,40.40],[109.98,40.40],[109.98,40.39]]]}"#;

#[tokio::test]
async fn a_worker_sees_and_changes_only_their_own_grid() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("worker-gy-01-01").await;
    let own = app.grid_id("GY-01-01").await;
    let other = app.grid_id("GY-02-01").await;
    let community = app.grid_id("GY-01").await;

    // The tree shows only their compound.
    let (_, tree) = app.get("/console").await;
    assert!(tree.contains("邮电小区"));
    assert!(
        !tree.contains("阳光嘉苑"),
        "another community's compound is listed"
    );

    // By URL.
    assert_eq!(app.get(&format!("/console/grids/{own}")).await.0, 200);
    assert_eq!(app.get(&format!("/console/grids/{other}")).await.0, 403);
    assert_eq!(
        app.get(&format!("/console/grids/{community}")).await.0,
        403,
        "a worker does not see up the tree"
    );
    let r = app
        .client
        .get(app.url(&format!("/api/v1/grids/{other}/households")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "forbidden"
    );
    let listed: Vec<serde_json::Value> = app
        .client
        .get(app.url("/api/v1/grids"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["code"], "GY-01-01");

    // Acting on another grid's code, by form and by API: refused, nothing changes.
    let (their_code, their_token) = app.household_code("GY-02-01").await;
    let r = app
        .client
        .post(app.url(&format!("/console/codes/{their_code}/revoke")))
        .form(&[("csrf", csrf.as_str()), ("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = app
        .client
        .post(app.url(&format!("/api/v1/codes/{their_code}/reissue")))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(app.get(&format!("/C/{their_token}")).await.0, 200);

    // Their own code: allowed.
    let (mine, my_token) = app.household_code("GY-01-01").await;
    let r = app
        .client
        .post(app.url(&format!("/console/codes/{mine}/revoke")))
        .form(&[("csrf", csrf.as_str()), ("reason", "贴错了")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.get(&format!("/C/{my_token}")).await.0, 404);

    // Workers do not edit grids, not even their own.
    let r = app
        .client
        .put(app.url(&format!("/api/v1/grids/{own}/boundary")))
        .header("x-csrf-token", &csrf)
        .body(SQUARE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn a_community_head_reaches_their_whole_subtree_only() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("head-gy-02").await;
    for code in ["GY-02", "GY-02-01", "GY-02-04"] {
        let id = app.grid_id(code).await;
        assert_eq!(
            app.get(&format!("/console/grids/{id}")).await.0,
            200,
            "{code}"
        );
    }
    for code in ["GY", "GY-01", "GY-03-02"] {
        let id = app.grid_id(code).await;
        assert_eq!(
            app.get(&format!("/console/grids/{id}")).await.0,
            403,
            "{code}"
        );
    }
    // Creating a child under someone else's community is refused; under their own it works.
    let other = app.grid_id("GY-01").await;
    let r = app
        .client
        .post(app.url(&format!("/console/grids/{other}/children")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "GY-01-99"),
            ("name", "新小区"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let own = app.grid_id("GY-02").await;
    let r = app
        .client
        .post(app.url(&format!("/console/grids/{own}/children")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "gy-02-05"),
            ("name", "新建小区"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        app.count("SELECT level::bigint AS n FROM grids WHERE code = 'GY-02-05'")
            .await,
        3
    );
    // A duplicate code is a conflict.
    let r = app
        .client
        .post(app.url(&format!("/console/grids/{own}/children")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "GY-02-05"),
            ("name", "重复"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
}

#[tokio::test]
async fn boundaries_are_validated_with_a_reason() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("admin").await;
    let id = app.grid_id("GY-01-01").await;
    let put = |body: &'static str| {
        app.client
            .put(app.url(&format!("/api/v1/grids/{id}/boundary")))
            .header("x-csrf-token", &csrf)
            .body(body)
            .send()
    };
    for (bad, reason) in [
        ("{not json", "not GeoJSON"),
        (r#"{"type":"Point","coordinates":[109.9,40.4]}"#, "Point"),
        (
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"#,
            "invalid polygon",
        ),
        (
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#,
            "closed",
        ),
        (
            r#"{"type":"Polygon","coordinates":[[[500000,4470000],[500100,4470000],[500100,4470100],[500000,4470000]]]}"#,
            "longitude",
        ),
    ] {
        let r = put(bad).await.unwrap();
        assert_eq!(r.status().as_u16(), 422, "{bad}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["error"], "invalid_geojson");
        assert!(v["message"].as_str().unwrap().contains(reason), "{v}");
    }
    // The stored boundary is untouched by the refusals.
    let demo_boundary = app
        .count(&format!(
            "SELECT (boundary->>'type' = 'Polygon')::int::bigint AS n FROM grids WHERE id = {id}"
        ))
        .await;
    assert_eq!(demo_boundary, 1);
    let r = put(SQUARE).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["boundary"]["coordinates"][0][1][0], 109.99);

    // Through the console form, an invalid boundary is a page in the user's language.
    let r = app
        .client
        .post(app.url(&format!("/console/grids/{id}/boundary")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("boundary", "{\"type\":\"Point\",\"coordinates\":[1,2]}"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("边界不是有效的 GeoJSON 多边形") && page.contains("Point"),
        "{page}"
    );
}

#[tokio::test]
async fn the_tree_enforces_levels_in_the_database() {
    let app = spawn(Fixture::Demo).await;
    let mut c = app.conn().await;
    let compound = app.grid_id("GY-01-01").await;
    // A level-3 grid under a level-3 grid is refused by the trigger.
    let r = diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO grids (code, name, level, parent_id) VALUES ('X-1', 'x', 3, {compound})"
        )),
        &mut c,
    )
    .await;
    assert!(r.is_err());
    // Households cannot hang off a community.
    let community = app.grid_id("GY-01").await;
    let r = diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO households (grid_id, building, room) VALUES ({community}, '1', '101')"
        )),
        &mut c,
    )
    .await;
    assert!(r.is_err());
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("admin").await;
    let id = app.grid_id("GY-01-01").await;
    let huge = "x".repeat(app.settings.server.max_body_bytes + 10);
    let r = app
        .client
        .post(app.url(&format!("/console/grids/{id}/rename")))
        .form(&[("csrf", csrf.as_str()), ("name", huge.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let r = app
        .client
        .put(app.url(&format!("/api/v1/grids/{id}/boundary")))
        .header("x-csrf-token", &csrf)
        .body(huge.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "payload_too_large"
    );
}

#[tokio::test]
async fn a_boundary_drawn_on_a_chinese_map_is_stored_in_wgs84() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("admin").await;
    let id = app.grid_id("GY-03-04").await;
    let r = app
        .client
        .put(app.url(&format!("/api/v1/grids/{id}/boundary?datum=gcj02")))
        .header("x-csrf-token", &csrf)
        .body(SQUARE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    let (x, y) = (
        v["boundary"]["coordinates"][0][0][0].as_f64().unwrap(),
        v["boundary"]["coordinates"][0][0][1].as_f64().unwrap(),
    );
    let (gx, gy) = mashang::grids::locate::datum::wgs84_to_gcj02(x, y);
    assert!(
        (gx - 109.98).abs() < 1e-6 && (gy - 40.39).abs() < 1e-6,
        "stored {x},{y} is not the WGS-84 of the GCJ-02 input"
    );
    assert!((x - 109.98).abs() > 1e-3, "no conversion happened");
    let r = app
        .client
        .put(app.url(&format!("/api/v1/grids/{id}/boundary?datum=bd09")))
        .header("x-csrf-token", &csrf)
        .body(SQUARE)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
}
