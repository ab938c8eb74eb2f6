use super::*;
use crate::helpers::{spawn, Fixture};
use serde_json::Value;

#[tokio::test]
async fn open311_requests_never_show_personal_data() {
    let app = spawn(Fixture::Demo).await;
    let key = new_key(&app, "privacy");
    let (_, token) = app.household_code("GY-01-01").await;
    let (door, compound) = {
        let mut c = app.conn().await;
        let t = mashang::codes::Code::scan(&mut c, &token)
            .await
            .unwrap()
            .unwrap();
        (t.door.unwrap(), t.compound)
    };
    let (s, body) = post(
        &app,
        "requests.json",
        &[
            ("api_key", &key),
            ("service_code", "GY-E-0107"),
            ("address_id", &token),
            ("description", "楼道里堆满杂物"),
            ("email", "wang.wu@example.cn"),
            ("first_name", "王"),
            ("last_name", "五先生"),
            ("phone", "13900000000"),
            ("account_id", "acct-778899"),
            ("device_id", "device-445566"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let id = v[0]["service_request_id"].as_str().unwrap().to_owned();
    let (s, body) = post(
        &app,
        "requests.json",
        &[
            ("api_key", &key),
            ("service_code", "GY-E-0107"),
            ("address_string", "幸福路 3 号门口"),
            ("description", "路边有垃圾"),
            ("email", "zhao.liu@example.cn"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");

    for path in [
        "requests.json",
        "requests.xml",
        "requests.json?status=open",
        &format!("requests/{id}.json"),
        &format!("requests/{id}.xml"),
    ] {
        let (s, _, body) = get(&app, &format!("{BASE}/{path}")).await;
        assert_eq!(s, 200, "{path}: {body}");
        for secret in [
            "wang.wu",
            "zhao.liu",
            "example.cn",
            "五先生",
            "13900000000",
            "acct-778899",
            "device-445566",
            token.as_str(),
            door.as_str(),
        ] {
            assert!(!body.contains(secret), "{path} shows {secret}: {body}");
        }
        if path.ends_with(".json") || path.contains(".json?") {
            valid("requests", &body).await;
        } else {
            assert_eq!(xml_root(&body).await, "service_requests");
        }
    }
    let one: Vec<Value> =
        serde_json::from_str(&get(&app, &format!("{BASE}/requests/{id}.json")).await.2).unwrap();
    assert_eq!(one[0]["address"], compound.as_str(), "the compound only");
    assert!(one[0]["lat"].is_null() && one[0]["long"].is_null());
    let all: Vec<Value> =
        serde_json::from_str(&get(&app, &format!("{BASE}/requests.json")).await.2).unwrap();
    assert!(all.iter().any(|r| r["address"] == "幸福路 3 号门口"));
    let closed: Vec<Value> = serde_json::from_str(
        &get(&app, &format!("{BASE}/requests.json?status=closed"))
            .await
            .2,
    )
    .unwrap();
    assert!(closed
        .iter()
        .all(|r| r["status"] == "closed" && r["service_request_id"] != id.as_str()));
    let by_code = georeport(
        &app,
        "xml",
        &["requests", "service_code=GY-E-0107", "status=open"],
    )
    .await;
    assert!(by_code.to_string().contains(&id), "{by_code}");
}
