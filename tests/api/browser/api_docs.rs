//! The API reference page (`/api/docs`, issue 13) in a real browser: Swagger UI loads from the
//! service alone (every request it makes goes to the service's own origin), runs under the
//! page's Content-Security-Policy without a refusal, and shows every operation of the
//! OpenAPI document.

use super::Browser;
use crate::helpers::{spawn, Fixture};
use std::time::Duration;

#[tokio::test]
async fn the_api_reference_renders_every_operation_offline_under_its_csp() {
    let app = spawn(Fixture::Empty).await;
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let operations: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    let b = Browser::desktop(&app.address).await;
    b.c.goto(&b.url("/api/docs")).await.unwrap();
    // Swagger UI fetches the document and draws one block per operation.
    let mut shown = 0;
    for _ in 0..100 {
        shown =
            b.c.execute(
                "return document.querySelectorAll('.opblock').length",
                vec![],
            )
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(0) as usize;
        if shown >= operations {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = b.text().await;
    assert_eq!(
        shown, operations,
        "operations drawn; the page says:\n{text}"
    );
    assert!(text.contains("Mashang API"), "{text}");
    // Every resource the page loaded came from the service itself.
    let origins =
        b.c.execute(
            "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)",
            vec![],
        )
        .await
        .unwrap();
    for o in origins.as_array().unwrap() {
        assert_eq!(
            o.as_str().unwrap(),
            app.address,
            "a resource from elsewhere"
        );
    }
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console: {errors:#?}");
    b.close().await;
}
