use super::*;
use crate::helpers::{spawn, Fixture};
use serde_json::Value;

#[tokio::test]
async fn open311_post_goes_through_intake_and_round_trips_chinese() {
    let app = spawn(Fixture::Demo).await;
    let key = new_key(&app, "city-311");
    let (lon, lat) = centre(&app, "GY-02-03").await;
    let (lon, lat) = (lon.to_string(), lat.to_string());
    let text = "三号楼东侧井盖缺失，夜里很危险——请尽快处理！& <测试> \"引号\" 𠀋";
    let (s, body) = post(
        &app,
        "requests.json",
        &[
            ("api_key", &key),
            ("jurisdiction_id", "ordos"),
            ("service_code", "GY-C-0201"),
            ("lat", &lat),
            ("long", &lon),
            ("description", text),
            ("email", "zhang.san@example.cn"),
            ("first_name", "张"),
            ("last_name", "三"),
            ("phone", "13800000000"),
            ("device_id", "phone-1"),
            ("media_url", "https://example.cn/p/1.jpg"),
            ("attribute[cover_state]", "missing"),
            ("attribute[on_roadway]", "yes"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let id = v[0]["service_request_id"].as_str().unwrap().to_owned();
    assert!(
        v[0]["service_notice"].as_str().unwrap().contains("已受理"),
        "{v}"
    );

    // The same intake: routed by position to the compound, the ledger's deadlines, the answers.
    let grid = app.grid_id("GY-02-03").await;
    let row = app
        .count(&format!(
            "SELECT grid_id AS n FROM reports WHERE public_id = '{id}' AND category = 'component.manhole_cover' AND reporter_email = 'zhang.san@example.cn' AND description = '{}'",
            text.replace('\'', "''")
        ))
        .await;
    assert_eq!(row, grid);
    assert_eq!(app.count(&format!("SELECT count(*) AS n FROM report_answers a JOIN reports r ON r.id = a.report_id WHERE r.public_id = '{id}'")).await, 2);
    assert_eq!(app.count(&format!("SELECT count(*) AS n FROM case_events e JOIN reports r ON r.id = e.report_id WHERE r.public_id = '{id}' AND e.data->>'via' = 'open311:city-311'")).await, 1);

    // Read back through georeport, both formats, and against the schema.
    let (s, _, body) = get(&app, &format!("{BASE}/requests/{id}.json")).await;
    assert_eq!(s, 200, "{body}");
    valid("requests", &body).await;
    let one: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(one[0]["description"], text, "Chinese intact in JSON");
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["status_notes"], "待签收");
    assert_eq!(one[0]["service_code"], "GY-C-0201");
    assert_eq!(one[0]["service_name"], "井盖缺失或破损");
    assert_eq!(one[0]["media_url"], "https://example.cn/p/1.jpg");
    for f in [
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
    ] {
        let t = one[0][f].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(t).is_ok() && t.ends_with("+08:00"),
            "{f}: {t}"
        );
    }
    let xml = georeport(&app, "xml", &["request", &id]).await;
    assert_eq!(xml["description"], text, "Chinese intact in XML");
    assert_eq!(xml["service_request_id"], id.as_str());
    let listed = georeport(
        &app,
        "json",
        &["requests", &format!("service_request_id={id},NOSUCHID")],
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // Staff see the answers on the case page.
    app.login_demo("admin").await;
    let case_id = app
        .count(&format!(
            "SELECT id AS n FROM reports WHERE public_id = '{id}'"
        ))
        .await;
    let (_, _, page) = get(&app, &format!("/console/cases/{case_id}")).await;
    assert!(
        page.contains("井盖现在是什么情况？") && page.contains("井盖缺失"),
        "{page}"
    );

    // "The same problem": a second request at the spot joins the open case.
    let (s, body) = post(
        &app,
        "requests.json",
        &[
            ("api_key", &key),
            ("service_code", "GY-C-0201"),
            ("lat", &lat),
            ("long", &lon),
            ("email", "li.si@example.cn"),
            ("attribute[cover_state]", "broken"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v[0]["service_request_id"], id.as_str());
    assert!(
        v[0]["service_notice"].as_str().unwrap().contains("并入"),
        "{v}"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM reports WHERE category = 'component.manhole_cover' AND description LIKE '井盖缺失或破损%'").await, 0);
    assert_eq!(app.count(&format!("SELECT count(*) AS n FROM report_followers f JOIN reports r ON r.id = f.report_id WHERE r.public_id = '{id}' AND f.email = 'li.si@example.cn'")).await, 1);

    // XML answer to a POST, with a multivaluelist and no description (the answers stand in).
    let (lon2, lat2) = centre(&app, "GY-01-02").await;
    let (s, body) = post(
        &app,
        "requests.xml",
        &[
            ("api_key", &key),
            ("service_code", "GY-C-0901"),
            ("lat", &lat2.to_string()),
            ("long", &lon2.to_string()),
            ("attribute[lights_out]", "3"),
            ("attribute[fault][]", "dark"),
            ("attribute[fault][]", "flicker"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(xml_root(&body).await, "service_requests");
    let id2 = body
        .split("<service_request_id>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert_eq!(app.count(&format!("SELECT count(*) AS n FROM report_answers a JOIN reports r ON r.id = a.report_id WHERE r.public_id = '{id2}' AND a.answer = '不亮、闪烁'")).await, 1);
    let (_, _, body) = get(&app, &format!("{BASE}/requests/{id2}.json")).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v[0]["description"], "路灯故障：3；不亮、闪烁");
}
