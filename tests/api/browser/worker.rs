//! A case from the door to the figures: a resident scans the door code and reports with a
//! photo; the grid worker, on a phone, signs in (landing on the case queue), accepts the case
//! and resolves it with a photo; the reporter rates it on the tracking page; an admin at a
//! desk prints a sheet of door labels and opens the figures.

use super::{photo_file, Browser};
use crate::helpers::{spawn, Fixture};

#[tokio::test]
async fn report_accept_resolve_rate_print_and_figures() {
    let app = spawn(Fixture::Demo).await;
    let (_, token) = app.household_code("GY-01-01").await;

    // The resident: scan, snap-report with a photo, land on the tracking page.
    let mut phone = Browser::phone(&app.address).await;
    phone.go(&format!("/C/{token}")).await;
    phone
        .tap(&format!("a.action[href='/report?code={token}']"))
        .await;
    let photo = photo_file("pothole.jpg");
    phone
        .find("input[type=file][name=photos]")
        .await
        .send_keys(photo.to_str().unwrap())
        .await
        .unwrap();
    phone
        .fill(
            "textarea[name=description]",
            "3号楼门口的井盖松动了，晚上看不清，容易绊倒。",
        )
        .await;
    phone.fill("input[name=email]", "reporter@example.cn").await;
    phone.pick("#report-form button[type=submit]").await;
    phone.wait_path("/r/", 30.0).await;
    let case_id = app.count("SELECT max(id) AS n FROM reports").await;
    // "提交成功" with the case number, then the tracking page as it will be bookmarked.
    let done = phone.find("[data-submitted]").await.text().await.unwrap();
    assert!(
        done.contains("提交成功") && done.contains(&format!("#{case_id}")),
        "{done}"
    );
    phone.tap("[data-submitted] a[data-tracking]").await;
    let track = phone.path().await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM report_photos WHERE report_id = {case_id}"
        ))
        .await,
        1
    );

    // The grid worker on a phone: sign in, land on the queue, open the case.
    let mut worker = Browser::phone(&app.address).await;
    worker.go("/console/login").await;
    worker.fill("input[name=username]", "worker-gy-01-01").await;
    worker
        .fill("input[name=password]", "mashang-worker-gy-01-01")
        .await;
    worker.tap("form button[type=submit]").await;
    assert_eq!(worker.path().await, "/console/cases");
    worker.tap(&format!("[data-case='{case_id}'] a")).await;
    assert_eq!(worker.path().await, format!("/console/cases/{case_id}"));
    worker.tap("form[data-step=accept] button").await;
    worker
        .fill(
            "form[data-step=resolve] textarea[name=note]",
            "已更换井盖并加装反光标识。",
        )
        .await;
    let done = photo_file("fixed.jpg");
    worker
        .find("form[data-step=resolve] input[type=file]")
        .await
        .send_keys(done.to_str().unwrap())
        .await
        .unwrap();
    worker.tap("form[data-step=resolve] button").await;
    assert_eq!(
        mashang_state(&app, case_id).await,
        "resolved",
        "the case is resolved; the worker sees: {}",
        worker.text().await
    );

    // The reporter rates on the tracking page.
    phone.go(&track).await;
    phone.pick("#rate input[value=satisfied]").await;
    phone.tap("#rate button[type=submit]").await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM case_events WHERE report_id = {case_id} AND action = 'rate'"
        ))
        .await,
        1
    );
    phone.close().await;

    // The worker sees the rating on the case page.
    worker.go(&format!("/console/cases/{case_id}")).await;
    assert!(
        worker.text().await.contains("满意"),
        "the rating shows to staff"
    );
    worker.close().await;

    // An admin at a desk prints door labels for one compound and opens the figures.
    let mut desk = Browser::desktop(&app.address).await;
    desk.go("/console/login").await;
    desk.fill("input[name=username]", "admin").await;
    desk.fill("input[name=password]", "mashang-admin").await;
    desk.tap("form button[type=submit]").await;
    desk.go("/console/print").await;
    let grid = app.grid_id("GY-01-04").await;
    desk.pick(&format!("#print-form input[name=grid_ids][value='{grid}']"))
        .await;
    desk.pick("#print-form button[type=submit]").await;
    let mut printed = false;
    for _ in 0..100 {
        if app
            .count("SELECT count(*) AS n FROM print_batches WHERE status = 'done'")
            .await
            == 1
        {
            printed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(printed, "the sheet was printed");
    desk.go("/console/print").await;
    assert!(desk
        .find("#print-batches [data-status=done]")
        .await
        .is_displayed()
        .await
        .unwrap());
    // The figures table fits its card on the desk (no sideways scrolling), in both languages.
    for lang in ["zh-CN", "en"] {
        desk.go(&format!("/lang/{lang}?back=/console/figures"))
            .await;
        let fit = desk
            .c
            .execute(
                "var w = document.querySelector('table.figures').parentElement; return [w.scrollWidth, w.clientWidth]",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            fit[0].as_f64() <= fit[1].as_f64(),
            "{lang}: the table is {fit} wide"
        );
    }
    // On a phone's width every percent (the axis and the values) is in view and readable.
    desk.go("/lang/zh-CN?back=/console/figures").await;
    desk.c.set_window_size(390, 844).await.unwrap();
    let percents = desk
        .c
        .execute(
            "var vw = document.documentElement.clientWidth; return Array.from(document.querySelectorAll('svg.chart text')).filter(function (t) { return /%/.test(t.textContent); }).map(function (t) { var r = t.getBoundingClientRect(); return [t.textContent, r.left >= 0 && r.right <= vw, r.height]; })",
            vec![],
        )
        .await
        .unwrap();
    let percents = percents.as_array().unwrap();
    assert!(percents.len() >= 5, "{percents:?}");
    for p in percents {
        assert_eq!(p[1].as_bool(), Some(true), "off the phone's screen: {p}");
        assert!(p[2].as_f64().unwrap() >= 9.0, "too small to read: {p}");
    }
    desk.close().await;
}

async fn mashang_state(app: &crate::helpers::TestApp, case: i64) -> String {
    crate::points::text(
        app,
        &format!("SELECT state AS s FROM reports WHERE id = {case}"),
    )
    .await
}
