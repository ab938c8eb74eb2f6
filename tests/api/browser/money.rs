//! Spending points at a shop, on two phones: the resident sets points aside at the shop's
//! counter code; the cashier, signed out, opens /merchant, signs in and lands back on it,
//! sees the redemption appear by itself and confirms it; the resident's page turns to
//! confirmed by itself within 2 s.

use super::Browser;
use crate::helpers::{spawn, Fixture};
use std::time::{Duration, Instant};

#[tokio::test]
async fn resident_spends_and_the_cashier_confirms_live_on_two_phones() {
    let app = spawn(Fixture::Demo).await;
    let resident = crate::points::new_resident(&app, "spender@example.cn").await;
    let admin = crate::points::admin(&app).await;
    let (s, body) = crate::points::award(&app, &admin, "award-browser-0001", resident, "40").await;
    assert_eq!(s, 303, "{body}");
    let (_, token) = crate::points::shop(&app, "惠民超市").await;

    // The cashier opens /merchant signed out: the staff sign-in, then back to /merchant.
    let mut cashier = Browser::phone(&app.address).await;
    cashier.go("/merchant").await;
    assert!(
        cashier.path().await.starts_with("/console/login"),
        "{}",
        cashier.path().await
    );
    cashier.fill("input[name=username]", "cashier-huimin").await;
    cashier
        .fill("input[name=password]", "mashang-cashier-huimin")
        .await;
    cashier.tap("form button[type=submit]").await;
    assert_eq!(cashier.path().await, "/merchant");
    assert!(cashier.text().await.contains("暂无待确认的抵扣"));

    // The resident (signed in) scans the counter code and spends 25 points.
    let mut phone = Browser::phone(&app.address).await;
    phone.go("/").await;
    phone.resident_session(&app, resident).await;
    phone.go(&format!("/C/{token}")).await;
    phone
        .tap(&format!("a.action[href='/C/{token}/spend']"))
        .await;
    phone.fill("input[name=amount]", "25").await;
    phone.tap("form button[type=submit]").await;
    assert!(
        phone.path().await.starts_with("/points/holds/"),
        "{}",
        phone.path().await
    );
    let number = phone
        .find(".confirmation-number")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(number.len(), 6, "{number}");
    assert!(phone.text().await.contains("等待收银员确认"));

    // The cashier's list shows it without a reload; the cashier confirms.
    assert!(
        cashier.wait_text(&number, 3.0).await,
        "the new redemption did not appear by itself"
    );
    cashier.check().await;
    cashier
        .tap("li[data-hold] form[action$='/confirm'] button")
        .await;
    let done = cashier.find("[data-done]").await.text().await.unwrap();
    assert!(done.contains(&number) && done.contains("25"), "{done}");

    // The resident's page turns to confirmed by itself.
    let start = Instant::now();
    assert!(
        phone.wait_text("已确认", 2.0).await,
        "the resident's page did not turn to confirmed within 2 s"
    );
    assert!(start.elapsed() <= Duration::from_secs(2));
    phone.check().await;
    phone.go("/me").await;
    assert!(
        phone.text().await.contains("15 积分"),
        "{}",
        phone.text().await
    );
    phone.close().await;
    cashier.close().await;
}
