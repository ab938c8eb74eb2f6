//! A door's report quota counts accepted reports only (issue 12): refused attempts (a file
//! that is no photo, no description, an unknown category) never use it up, the per-code
//! bucket is the code's canonical token however it is typed, and IPv6 clients share one
//! per-address bucket per /64.

use crate::helpers::{attr_of, spawn_with, test_settings, text_of, Fixture};
use crate::reports::{api_report, key, open_form, post_form};
use serde_json::json;

#[tokio::test]
async fn refused_attempts_do_not_use_up_a_doors_quota() {
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.reports.anonymous_per_code_per_hour = 2;
    let app = spawn_with(settings, db).await;
    let (_, token) = app.household_code("GY-01-03").await;

    // Five refusals for the door: a text file as the photo (the form), no description and
    // an unknown category (JSON).
    for _ in 0..3 {
        let (csrf, idem) = open_form(&app, &format!("?code={token}")).await;
        let (status, body) = post_form(
            &app,
            &[
                ("csrf", &csrf),
                ("idempotency_key", &idem),
                ("code", &token),
                ("description", "单元门坏了"),
            ],
            vec![b"this is not a photo".to_vec()],
        )
        .await;
        assert_eq!(status, 422, "{body}");
    }
    let (s, _) = api_report(
        &app,
        json!({ "idempotency_key": key(), "code": token, "description": "" }),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = api_report(&app, json!({ "idempotency_key": key(), "code": token, "description": "门坏了", "category": "no.such" })).await;
    assert_eq!(s, 422);

    // The door's two reports an hour are all still there; the third is refused.
    let mut statuses = vec![];
    for i in 0..3 {
        let (s, _) = api_report(&app, json!({ "idempotency_key": key(), "code": token, "description": format!("问题{i}"), "confirm_new": true })).await;
        statuses.push(s);
    }
    assert_eq!(statuses, [201, 201, 429]);
}

#[tokio::test]
async fn a_code_typed_in_lower_case_with_hyphens_counts_in_the_same_bucket() {
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.reports.anonymous_per_code_per_hour = 1;
    let app = spawn_with(settings, db).await;
    let (_, token) = app.household_code("GY-01-04").await;
    let (s, _) = api_report(
        &app,
        json!({ "idempotency_key": key(), "code": token, "description": "楼道灯坏了" }),
    )
    .await;
    assert_eq!(s, 201);
    let typed = format!(
        "{}-{}",
        token[..10].to_ascii_lowercase(),
        token[10..].to_ascii_lowercase()
    );
    let (s, body) = api_report(&app, json!({ "idempotency_key": key(), "code": typed, "description": "楼道灯又坏了", "confirm_new": true })).await;
    assert_eq!(s, 429, "{body}");
    assert_eq!(body["reason"], "rate_limited");
}

#[tokio::test]
async fn ipv6_clients_are_limited_per_64() {
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.reports.anonymous_per_ip_per_hour = 1;
    settings.server.trusted_proxy = "127.0.0.1".into();
    let app = spawn_with(settings, db).await;
    let send = |from: &'static str, words: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/reports"))
                .header("x-forwarded-for", from)
                .json(&json!({ "idempotency_key": key(), "address": "新民路12号", "description": words }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(send("2001:db8:1:2::1", "路灯不亮").await, 201);
    // Another address in the same /64 (a phone rotating its privacy address): the same client.
    assert_eq!(send("2001:db8:1:2:9f3e:11:22:33", "井盖松动").await, 429);
    // The next /64 is someone else.
    assert_eq!(send("2001:db8:1:3::1", "垃圾满了").await, 201);
}

#[tokio::test]
async fn a_refused_form_keeps_the_text_the_category_and_the_location() {
    let (settings, db) = test_settings(Fixture::Demo);
    let app = spawn_with(settings, db).await;
    let (csrf, idem) = open_form(&app, "").await;
    let (status, body) = post_form(
        &app,
        &[
            ("csrf", &csrf),
            ("idempotency_key", &idem),
            ("description", "垃圾桶破了，垃圾撒一地"),
            ("category", "component.garbage_bin"),
            ("lon", "109.990100"),
            ("lat", "40.400200"),
            ("email", "li@example.cn"),
        ],
        vec![b"GIF89a but not really".to_vec()],
    )
    .await;
    assert_eq!(status, 422);
    // The reason is beside the photos, in Chinese; nothing typed or chosen is lost.
    let error =
        text_of(&body, "[data-error][data-for=photos]").expect("the error beside the photos");
    assert!(
        error
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{error}"
    );
    assert!(body.contains("垃圾桶破了，垃圾撒一地"));
    assert_eq!(
        attr_of(&body, "input[name=lon]", "value").unwrap(),
        "109.990100"
    );
    assert_eq!(
        attr_of(&body, "input[name=lat]", "value").unwrap(),
        "40.400200"
    );
    assert_eq!(
        attr_of(&body, "#locate-status", "data-located").unwrap(),
        "1"
    );
    assert_eq!(
        attr_of(&body, "input[name=email]", "value").unwrap(),
        "li@example.cn"
    );
    assert_eq!(
        attr_of(&body, "select[name=category] option[selected]", "value").unwrap(),
        "component.garbage_bin"
    );
    assert_eq!(
        attr_of(&body, "input[name=photos]", "aria-describedby").unwrap(),
        "photos-error"
    );
}
