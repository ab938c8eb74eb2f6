//! The OpenAPI document (`/api/v1/openapi.json`) and the page that shows it (`/api/docs`),
//! black-box (issue 13). The browser side is tests/api/browser/api_docs.rs; schemathesis
//! checks the service against the document (tests/api/schemathesis.rs).

use crate::helpers::{spawn, Fixture};
use serde_json::Value;

#[tokio::test]
async fn the_document_is_openapi_3_1_with_one_error_schema() {
    let app = spawn(Fixture::Empty).await;
    let r = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let doc: Value = r.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/me",
        "/api/v1/reports",
        "/api/v1/grids",
        "/api/v1/grids/{id}",
        "/api/v1/grids/{id}/households",
        "/api/v1/grids/{id}/boundary",
        "/api/v1/codes/{id}",
        "/api/v1/codes/{id}/revoke",
        "/api/v1/codes/{id}/reissue",
        "/api/v1/figures",
        "/api/v1/figures/workers",
        "/open311/v2/discovery.json",
        "/open311/v2/services.json",
        "/open311/v2/services/{service_code}.json",
        "/open311/v2/requests.json",
        "/open311/v2/requests/{service_request_id}.json",
        "/open311/v2/tokens/{token}.json",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    // The error codes of the schema are the server's, every one of them.
    let codes: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in [
        "not_found",
        "unauthenticated",
        "csrf_rejected",
        "rate_limited",
        "internal",
    ] {
        assert!(codes.contains(&c), "{c} not in {codes:?}");
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["staff_session"]["in"], "cookie");
    assert_eq!(schemes["csrf_token"]["name"], "X-CSRF-Token");
}

/// An error as the server sends it matches the document's one error schema, checked by the
/// `jsonschema` package (not by code of ours).
#[tokio::test]
async fn a_real_error_matches_the_error_schema() {
    let app = spawn(Fixture::Empty).await;
    let doc = app.get("/api/v1/openapi.json").await.1;
    let doc: Value = serde_json::from_str(&doc).unwrap();
    for (path, status) in [
        ("/api/v1/grids", 401),
        ("/api/v1/nothing", 404),
        ("/api/v1/grids?x=%01", 422),
    ] {
        let (s, body) = app.get(path).await;
        assert_eq!(s, status, "{path}: {body}");
        let schema = serde_json::json!({
            "$ref": "#/components/schemas/ErrorBody",
            "components": doc["components"],
        });
        let input = serde_json::json!({ "schema": schema, "instance": serde_json::from_str::<Value>(&body).unwrap() });
        crate::open311::py(&["validate_inline"], &input.to_string())
            .await
            .unwrap_or_else(|e| panic!("{path}: {body} does not match ErrorBody: {e}"));
    }
}

#[tokio::test]
async fn the_docs_page_and_its_assets_come_from_the_service() {
    let app = spawn(Fixture::Empty).await;
    for path in ["/api/docs", "/api/docs/"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let script = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert_eq!(script.trim(), "script-src 'self'", "{csp}");
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{html}"
        );
        let doc = scraper::Html::parse_document(&html);
        let sel = scraper::Selector::parse("script, link[rel=stylesheet]").unwrap();
        let mut assets = 0;
        for e in doc.select(&sel) {
            assert!(
                e.inner_html().trim().is_empty(),
                "inline script: {}",
                e.html()
            );
            let src = e.value().attr("src").or(e.value().attr("href")).unwrap();
            assert!(src.starts_with("/api/docs/"), "{src}");
            let a = app.client.get(app.url(src)).send().await.unwrap();
            assert_eq!(a.status().as_u16(), 200, "{src}");
            let ct = a.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(
                ct.contains("javascript") || ct.contains("css"),
                "{src}: {ct}"
            );
            assets += 1;
        }
        assert_eq!(assets, 5, "{html}");
    }
    // The configuration points Swagger UI at the document, and fetches nothing elsewhere.
    let (s, init) = app.get("/api/docs/swagger-initializer.js").await;
    assert_eq!(s, 200);
    assert!(init.contains("/api/v1/openapi.json"), "{init}");
    assert!(init.contains("validatorUrl: \"none\""), "{init}");
    // Nothing else is served from there.
    let (s, body) = app.get("/api/docs/../../etc/passwd").await;
    assert_eq!(s, 404, "{body}");
    let (s, _) = app.get("/api/docs/swagger-ui.js.map").await;
    assert_eq!(s, 404);
}
