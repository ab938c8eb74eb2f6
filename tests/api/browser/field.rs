//! Issue 14 on two phones: an informant scans a door's code with the console session and
//! files for the household (代办) with the resident's consent and a photo; the grid worker
//! signs in on "my cases", finds the case by its door, accepts it with one tap from the card
//! and resolves it with a photo taken on the spot. Every page fits 390 px without sideways
//! scrolling and its tap targets are at least 44 px (`Browser::check`, and asked again here
//! for the cards). Screenshots go to `$MASHANG_SCREENSHOTS/field` (default
//! `target/screenshots/field`).

use super::{photo_file, Browser, MIN_TAP};
use crate::helpers::{spawn, Fixture, TestApp};

fn shots() -> std::path::PathBuf {
    let dir = std::env::var("MASHANG_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::PathBuf::from("target/screenshots"))
        .join("field");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn sign_in(phone: &mut Browser, username: &str) {
    phone.go("/console/login").await;
    phone.fill("input[name=username]", username).await;
    phone
        .fill("input[name=password]", &format!("mashang-{username}"))
        .await;
    phone.tap("form button[type=submit]").await;
}

/// (scroll width, window width) of the page, and the size of the smallest element matching
/// `css` (`[f64::MAX; 2]` when none).
async fn fit(phone: &Browser, css: &str) -> (f64, f64, f64, f64) {
    let v = phone
        .c
        .execute(
            "var w = 1e9, h = 1e9; document.querySelectorAll(arguments[0]).forEach(function (e) { var r = e.getBoundingClientRect(); w = Math.min(w, r.width); h = Math.min(h, r.height); }); return [document.documentElement.scrollWidth, window.innerWidth, w, h]",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    let n = |i: usize| v[i].as_f64().unwrap();
    (n(0), n(1), n(2), n(3))
}

async fn state_of(app: &TestApp, id: i64) -> String {
    let mut c = app.conn().await;
    mashang::reports::Report::find(&mut c, id)
        .await
        .unwrap()
        .state
}

#[tokio::test]
async fn an_informant_files_for_a_door_and_the_worker_handles_it_on_a_phone() {
    let app = spawn(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-01-02").await;
    let dir = shots();

    // The informant: sign in (lands on my cases), scan the door, file for the household.
    let mut informant = Browser::phone(&app.address).await;
    sign_in(&mut informant, "informant-gy-01-02").await;
    assert_eq!(informant.path().await, "/console/cases");
    informant.go(&format!("/C/{token}")).await;
    informant
        .tap(&format!("a.action[href='/console/file/{token}']"))
        .await;
    assert_eq!(informant.path().await, format!("/console/file/{token}"));
    informant
        .pick("#file-form input[name=consent][value=in_person]")
        .await;
    informant
        .fill("#file-form input[name=contact]", "138 0477 1234")
        .await;
    informant
        .fill(
            "#file-form textarea[name=description]",
            "独居老人家门口的楼道灯坏了，晚上下楼看不见。",
        )
        .await;
    let photo = photo_file("hallway.jpg");
    informant
        .find("#file-form input[type=file][name=photos]")
        .await
        .send_keys(photo.to_str().unwrap())
        .await
        .unwrap();
    informant
        .screenshot(&dir.join("1-informant-form.png"))
        .await;
    let (sw, vw, bw, bh) = fit(
        &informant,
        "#file-form button[type=submit], #file-form label.check",
    )
    .await;
    assert!(sw <= vw, "the form is {sw} px wide on {vw}");
    assert!(bw >= MIN_TAP && bh >= MIN_TAP, "{bw}x{bh}");
    informant.tap("#file-form button[type=submit]").await;
    informant.wait_path("/console/cases/", 20.0).await;
    let id = app.count("SELECT max(id) AS n FROM reports").await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM reports r JOIN report_consents k ON k.report_id = r.id WHERE r.id = {id} AND r.filed_by IS NOT NULL AND k.how = 'in_person'"
        ))
        .await,
        1
    );
    let text = informant.text().await;
    assert!(
        text.contains("代办：信息员") && text.contains("在场口头同意"),
        "{text}"
    );
    informant
        .screenshot(&dir.join("2-informant-case.png"))
        .await;
    informant.close().await;

    // The worker: my cases as cards, found by the door, one-tap accept, resolve with a photo.
    let mut worker = Browser::phone(&app.address).await;
    sign_in(&mut worker, "worker-gy-01-02").await;
    assert_eq!(worker.path().await, "/console/cases");
    let card = format!("[data-case='{id}']");
    let countdown = worker
        .find(&format!("{card} [data-countdown]"))
        .await
        .text()
        .await
        .unwrap();
    assert!(countdown.starts_with("剩"), "{countdown}");
    let (sw, vw, bw, bh) = fit(
        &worker,
        ".case-card form[data-step=accept] button, .case-card a.case-link",
    )
    .await;
    assert!(sw <= vw, "my cases is {sw} px wide on {vw}");
    assert!(bw >= MIN_TAP && bh >= MIN_TAP, "{bw}x{bh}");
    worker
        .c
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
            vec![serde_json::json!(card)],
        )
        .await
        .unwrap();
    worker.screenshot(&dir.join("3-worker-my-cases.png")).await;
    let door = worker
        .find(&format!("{card} .door-label"))
        .await
        .text()
        .await
        .unwrap();
    worker.fill("#case-filters input[name=q]", &door).await;
    worker.tap("#case-filters button[type=submit]").await;
    worker.find(&card).await;
    worker.screenshot(&dir.join("4-worker-search.png")).await;
    worker
        .tap(&format!("{card} form[data-step=accept] button"))
        .await;
    assert!(
        worker.path().await.starts_with("/console/cases?"),
        "back on the list"
    );
    assert_eq!(state_of(&app, id).await, "accepted");
    worker.tap(&format!("{card} a.case-link")).await;
    worker
        .fill(
            "form[data-step=resolve] textarea[name=note]",
            "已更换楼道灯，老人确认能看清。",
        )
        .await;
    let capture = worker
        .find("form[data-step=resolve] input[type=file]")
        .await
        .attr("capture")
        .await
        .unwrap();
    assert_eq!(
        capture.as_deref(),
        Some("environment"),
        "a photo taken on the spot"
    );
    let done = photo_file("fixed-light.jpg");
    worker
        .find("form[data-step=resolve] input[type=file]")
        .await
        .send_keys(done.to_str().unwrap())
        .await
        .unwrap();
    worker.screenshot(&dir.join("5-worker-resolve.png")).await;
    worker.tap("form[data-step=resolve] button").await;
    assert_eq!(
        state_of(&app, id).await,
        "resolved",
        "{}",
        worker.text().await
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM report_photos WHERE report_id = {id} AND event_id IS NOT NULL"
        ))
        .await,
        1
    );
    let (sw, vw, _, _) = fit(&worker, "main").await;
    assert!(sw <= vw);
    worker.screenshot(&dir.join("6-worker-resolved.png")).await;
    worker.close().await;
}
