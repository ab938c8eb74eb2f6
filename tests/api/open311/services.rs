use super::*;
use crate::helpers::{spawn, Fixture, PUBLIC_URL};
use serde_json::Value;

#[tokio::test]
async fn open311_discovery_services_and_definitions_follow_the_spec() {
    let app = spawn(Fixture::Demo).await;
    let (s, ct, body) = get(&app, &format!("{BASE}/discovery.json")).await;
    assert_eq!(s, 200, "{body}");
    assert!(ct.starts_with("application/json"), "{ct}");
    let d: Value = serde_json::from_str(&body).unwrap();
    let e = &d["endpoints"][0];
    assert_eq!(e["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(e["url"], format!("{PUBLIC_URL}/open311/v2"));
    assert_eq!(e["type"], "production");
    assert_eq!(
        e["formats"],
        serde_json::json!(["text/xml", "application/json"])
    );
    assert!(d["changeset"].as_str().unwrap().ends_with("+08:00"), "{d}");
    assert!(d["contact"].is_string() && d["key_service"].is_string());
    let (s, ct, body) = get(&app, &format!("{BASE}/discovery.xml")).await;
    assert_eq!((s, ct.as_str()), (200, "text/xml; charset=utf-8"));
    assert_eq!(xml_root(&body).await, "discovery");
    assert!(
        body.contains(
            "<formats><format>text/xml</format><format>application/json</format></formats>"
        ),
        "{body}"
    );

    // One service per category, valid against the official schema, read by georeport.
    let kinds = app.state.catalog.kinds().len();
    let (s, _, body) = get(
        &app,
        &format!("{BASE}/services.json?jurisdiction_id=anything"),
    )
    .await;
    assert_eq!(s, 200);
    valid("services", &body).await;
    let list: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(list.len(), kinds);
    let cover = list
        .iter()
        .find(|s| s["service_code"] == "GY-C-0201")
        .unwrap();
    assert_eq!(cover["service_name"], "井盖缺失或破损");
    assert_eq!(cover["group"], "公共安全");
    assert_eq!(cover["metadata"], true);
    assert_eq!(cover["type"], "realtime");
    assert!(cover["keywords"].as_str().unwrap().contains("井盖"));
    let plain = list
        .iter()
        .find(|s| s["service_code"] == "GY-E-0107")
        .unwrap();
    assert_eq!(plain["metadata"], false);
    let via_json = georeport(&app, "json", &["services"]).await;
    assert_eq!(via_json.as_array().unwrap().len(), kinds);
    let via_xml = georeport(&app, "xml", &["services"]).await;
    let via_xml = via_xml.as_array().unwrap();
    assert_eq!(via_xml.len(), kinds);
    let cover_xml = via_xml
        .iter()
        .find(|s| s["service_code"] == "GY-C-0201")
        .unwrap();
    assert_eq!(
        cover_xml["service_name"], "井盖缺失或破损",
        "Chinese intact in XML"
    );
    assert_eq!(cover_xml["metadata"], "true");

    // The questions: 井盖 missing / broken / displaced; 路灯 how many lights.
    let (s, _, body) = get(&app, &format!("{BASE}/services/GY-C-0201.json")).await;
    assert_eq!(s, 200);
    valid("service-definition", &body).await;
    let def: Value = serde_json::from_str(&body).unwrap();
    let first = &def["attributes"][0];
    assert_eq!(first["code"], "cover_state");
    assert_eq!(first["datatype"], "singlevaluelist");
    assert_eq!(first["required"], true);
    assert_eq!(first["variable"], true);
    assert_eq!(first["order"], 1);
    let keys: Vec<&str> = first["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["missing", "broken", "displaced"]);
    let light = georeport(&app, "xml", &["definition", "GY-C-0901"]).await;
    assert_eq!(light["service_code"], "GY-C-0901");
    let attrs = light["attributes"]["attribute"].as_array().unwrap();
    assert_eq!(attrs[0]["code"], "lights_out");
    assert_eq!(attrs[0]["datatype"], "number");
    assert_eq!(attrs[1]["values"]["value"][0]["key"], "dark");
    let light_json = georeport(&app, "json", &["definition", "GY-C-0901"]).await;
    assert_eq!(
        light_json["attributes"][0]["description"],
        "有几盏路灯不亮或有故障？"
    );
}
