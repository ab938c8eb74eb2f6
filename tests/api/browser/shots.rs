//! Screenshots of the main pages of every journey, on a phone and a desktop, in both
//! languages, written to `$MASHANG_SCREENSHOTS` (default `target/screenshots`, not committed).
//! Not part of the suite: `bash benches/screenshots.sh` runs it (`--ignored`).

use super::Browser;
use crate::helpers::{spawn, Fixture, TestApp};

/// (file name, path) of the pages to take, given the app's data.
async fn pages(
    app: &TestApp,
) -> (
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<(String, String)>,
) {
    let (_, door) = app.household_code("GY-01-01").await;
    let (_, shop) = crate::points::shop(app, "惠民超市").await;
    let poll = super::journeys::two_question_poll(app, "GY-01-01").await;
    let resident = vec![
        ("door".into(), format!("/C/{door}")),
        ("shop".into(), format!("/C/{shop}")),
        ("report".into(), format!("/report?code={door}")),
        ("me".into(), "/me".into()),
        ("poll".into(), format!("/polls/{poll}")),
        ("points".into(), "/points".into()),
        ("spend".into(), format!("/C/{shop}/spend")),
        ("sign-in".into(), "/me/sign-in".into()),
    ];
    let staff = vec![
        ("console-cases".into(), "/console/cases".into()),
        ("console-figures".into(), "/console/figures".into()),
        ("console-print".into(), "/console/print".into()),
        ("console-points".into(), "/console/points".into()),
        ("console-login".into(), "/console/login".into()),
    ];
    let cashier = vec![("merchant".into(), "/merchant".into())];
    (resident, staff, cashier)
}

/// Sign in without the page checks (the screenshots are for looking, the checks are the
/// journeys' business).
async fn sign_in_staff(b: &mut Browser, user: &str) {
    b.c.goto(&b.url("/console/login")).await.unwrap();
    b.fill("input[name=username]", user).await;
    b.fill("input[name=password]", &format!("mashang-{user}"))
        .await;
    b.pick("form button[type=submit]").await;
    b.settle().await;
}

#[tokio::test]
#[ignore = "writes screenshots; run by benches/screenshots.sh"]
async fn screenshots_of_the_main_pages() {
    let dir = std::path::PathBuf::from(
        std::env::var("MASHANG_SCREENSHOTS").unwrap_or_else(|_| "target/screenshots".into()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let app = spawn(Fixture::Demo).await;
    let resident = crate::points::new_resident(&app, "shots@example.cn").await;
    let admin = crate::points::admin(&app).await;
    crate::points::award(&app, &admin, "award-shots-0001", resident, "30").await;
    let (resident_pages, staff_pages, cashier_pages) = pages(&app).await;
    for (device, phone) in [("phone", true), ("desktop", false)] {
        for lang in ["zh-CN", "en"] {
            let open = |b: &str| {
                let b = b.to_owned();
                async move {
                    if phone {
                        Browser::phone(&b).await
                    } else {
                        Browser::desktop(&b).await
                    }
                }
            };
            // A resident, signed in.
            let mut b = open(&app.address).await;
            b.c.goto(&b.url(&format!("/lang/{lang}?back=/")))
                .await
                .unwrap();
            b.resident_session(&app, resident).await;
            for (name, path) in &resident_pages {
                b.c.goto(&b.url(path)).await.unwrap();
                b.screenshot(&dir.join(format!("{device}-{lang}-{name}.png")))
                    .await;
            }
            b.close().await;
            for (user, list) in [("admin", &staff_pages), ("cashier-huimin", &cashier_pages)] {
                let mut b = open(&app.address).await;
                b.c.goto(&b.url(&format!("/lang/{lang}?back=/")))
                    .await
                    .unwrap();
                sign_in_staff(&mut b, user).await;
                for (name, path) in list {
                    b.c.goto(&b.url(path)).await.unwrap();
                    b.screenshot(&dir.join(format!("{device}-{lang}-{name}.png")))
                        .await;
                }
                b.close().await;
            }
        }
    }
    eprintln!("screenshots in {}", dir.display());
}
