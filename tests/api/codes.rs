use crate::helpers::{spawn, Fixture};

async fn active_codes_of_household(app: &crate::helpers::TestApp, code_id: i64) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM codes WHERE status = 'active' AND household_id = (SELECT household_id FROM codes WHERE id = {code_id})"
    ))
    .await
}

#[tokio::test]
async fn reissue_revokes_the_old_code_and_issues_a_working_new_one() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("worker-gy-01-01").await;
    let (code_id, old_token) = app.household_code("GY-01-01").await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/codes/{code_id}/reissue")))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "reason": "二维码被撕毁" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let new: serde_json::Value = r.json().await.unwrap();
    let new_token = new["token"].as_str().unwrap().to_owned();
    assert_ne!(new_token, old_token);
    assert_eq!(new["status"], "active");
    assert_eq!(app.get(&format!("/C/{old_token}")).await.0, 404);
    assert_eq!(app.get(&format!("/C/{new_token}")).await.0, 200);
    assert_eq!(active_codes_of_household(&app, code_id).await, 1);
    // Recorded: who, what, why.
    assert_eq!(
        app.count(&format!("SELECT count(*) AS n FROM audit_events WHERE action = 'code.reissue' AND subject_id = {code_id} AND detail->>'reason' = '二维码被撕毁'")).await,
        1
    );
    // Reissuing the old, revoked code again is a conflict: the door already has its one code.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/codes/{code_id}/reissue")))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "conflict"
    );
    assert_eq!(active_codes_of_household(&app, code_id).await, 1);
}

#[tokio::test]
async fn revoking_twice_is_a_conflict_and_revoked_codes_can_be_reissued() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("admin").await;
    let (code_id, _) = app.household_code("GY-02-02").await;
    let post = |path: String| {
        app.client
            .post(app.url(&path))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({}))
            .send()
    };
    assert_eq!(
        post(format!("/api/v1/codes/{code_id}/revoke"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let again = post(format!("/api/v1/codes/{code_id}/revoke"))
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 409);
    assert_eq!(active_codes_of_household(&app, code_id).await, 0);
    // A revoked (e.g. leaked) code's door gets a new code by reissuing.
    let r = post(format!("/api/v1/codes/{code_id}/reissue"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(active_codes_of_household(&app, code_id).await, 1);
    assert_eq!(
        post("/api/v1/codes/99999999/revoke".into())
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn the_database_allows_one_active_code_per_door() {
    let app = spawn(Fixture::Demo).await;
    let (code_id, _) = app.household_code("GY-01-03").await;
    let mut c = app.conn().await;
    let err = diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO codes (token, check_code, household_id) SELECT '0000000000000000000000000A', 'AAAA', household_id FROM codes WHERE id = {code_id}"
        )),
        &mut c,
    )
    .await;
    assert!(
        err.is_err(),
        "a second active code must be refused by the database"
    );
    // issue_missing finds nothing to do when every door has its code.
    assert_eq!(
        mashang::codes::Code::issue_missing(&mut c, None)
            .await
            .unwrap(),
        0
    );
}
