//! A resident's journey on a phone: scan the door code, sign in with the emailed code, bind
//! to the household with the slip's code, vote in a poll with two questions, see the points.

use super::Browser;
use crate::helpers::{spawn_with_sink, Fixture, TestApp};
use chrono::{Duration, Utc};

/// The six-digit code in the latest sign-in mail to `to` (the mail job is run meanwhile:
/// tests drive the jobs themselves).
pub(crate) async fn emailed_code(
    app: &TestApp,
    sink: &crate::smtp_sink::SmtpSink,
    to: &str,
) -> String {
    for _ in 0..100 {
        mashang::jobs::send_mail(&app.state, Utc::now())
            .await
            .unwrap();
        if let Some(m) = sink.to(to).last() {
            let text = m.text();
            let i = text.find("验证码是：").expect("the mail has the code") + "验证码是：".len();
            return text[i..].chars().take(6).collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail to {to}");
}

/// A poll with two single-choice questions for one compound, open now.
pub(crate) async fn two_question_poll(app: &TestApp, grid_code: &str) -> i64 {
    let mut conn = app.conn().await;
    let admin = app
        .count("SELECT id AS n FROM staff WHERE username = 'admin'")
        .await;
    let poll = mashang::polls::Poll::create(
        &mut conn,
        mashang::polls::NewPoll {
            title: "小区公共收益怎么用".into(),
            description: "两个问题，每题选一项。".into(),
            ballot_unit: "household".into(),
            results: "live".into(),
            secrecy: "secret".into(),
            opens_at: Utc::now() - Duration::hours(1),
            closes_at: Utc::now() + Duration::days(7),
            grid_ids: vec![app.grid_id(grid_code).await],
            questions: vec![
                (
                    "先做哪一项".into(),
                    1,
                    vec!["加装电梯".into(), "外墙保温".into()],
                ),
                (
                    "由谁施工".into(),
                    1,
                    vec!["物业公司".into(), "公开招标".into()],
                ),
            ],
        },
        admin,
    )
    .await
    .unwrap();
    poll.id
}

#[tokio::test]
async fn resident_signs_in_binds_votes_on_two_questions_and_sees_points() {
    let (app, sink) = spawn_with_sink(Fixture::Demo).await;
    let (household, token, binding_code) = app.household_with_binding("GY-01-01", 0).await;
    let poll = two_question_poll(&app, "GY-01-01").await;
    let mut b = Browser::phone(&app.address).await;

    // Scan the door code, tap "I live here": signing in comes first.
    b.go(&format!("/C/{token}")).await;
    b.tap(&format!("a.action[href='/C/{token}/bind']")).await;
    assert!(
        b.path().await.starts_with("/me/sign-in"),
        "{}",
        b.path().await
    );
    b.fill("input[name=email]", "li.na@example.cn").await;
    b.tap("form button[type=submit]").await;
    let code = emailed_code(&app, &sink, "li.na@example.cn").await;
    b.fill("input[name=code]", &code).await;
    b.tap("form button[type=submit]").await;

    // Back on the binding page, signed in: type the slip's code.
    assert_eq!(b.path().await, format!("/C/{token}/bind"));
    b.fill("input[name=binding_code]", &binding_code).await;
    b.tap("form[action$='/bind'] button[type=submit]").await;
    assert!(
        b.text().await.contains("已绑定") || b.text().await.contains("绑定成功"),
        "{}",
        b.text().await
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM household_members WHERE household_id = {household}"
        ))
        .await,
        1
    );

    // Back at the door: a resident who lives here is not asked to bind again.
    b.go(&format!("/C/{token}")).await;
    assert!(
        b.c.find(fantoccini::Locator::Css(&format!(
            "a.action[href='/C/{token}/bind']"
        )))
        .await
        .is_err(),
        "a bound resident is still invited to bind"
    );
    assert!(b
        .find("a.action[href='/me']")
        .await
        .is_displayed()
        .await
        .unwrap());

    // Vote: one answer per question; answering the second keeps the first.
    b.go(&format!("/polls/{poll}")).await;
    let radios =
        b.c.find_all(fantoccini::Locator::Css("form.ballot input[type=radio]"))
            .await
            .unwrap();
    assert_eq!(radios.len(), 4);
    b.pick("form.ballot fieldset:nth-of-type(1) label.check:nth-of-type(2)")
        .await;
    b.pick("form.ballot fieldset:nth-of-type(2) label.check:nth-of-type(1)")
        .await;
    let checked =
        b.c.execute(
            "return Array.from(document.querySelectorAll('form.ballot input:checked')).length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(checked, 2, "answering question 2 must not clear question 1");
    b.tap("form.ballot button[type=submit]").await;
    assert!(b.find("[data-voted]").await.is_displayed().await.unwrap());
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM poll_ballots WHERE poll_id = {poll}"
        ))
        .await,
        1
    );

    // The vote earned points: the resident sees them.
    b.go("/points").await;
    let text = b.text().await;
    assert!(
        text.contains("投票"),
        "the points page names the vote: {text}"
    );
    b.go("/me").await;
    b.close().await;
}
