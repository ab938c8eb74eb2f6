use crate::helpers::{attr_of, csrf_from, spawn, spawn_with_sink, Fixture, TestApp};
use chrono::{Duration, Utc};

fn code_in(text: &str) -> String {
    let i = text.find("验证码是：").expect("the mail has the code") + "验证码是：".len();
    text[i..].chars().take(6).collect()
}

async fn mail_text(app: &TestApp, sink: &crate::smtp_sink::SmtpSink, to: &str, n: usize) -> String {
    for _ in 0..50 {
        mashang::jobs::send_mail(&app.state, Utc::now())
            .await
            .unwrap();
        let got = sink.to(to);
        if got.len() >= n {
            return got[n - 1].text();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail to {to}");
}

#[tokio::test]
async fn sign_in_with_the_emailed_code_and_sign_out_everywhere() {
    let (app, sink) = spawn_with_sink(Fixture::Demo).await;
    let ask = |client: reqwest::Client, email: &'static str| {
        let app = &app;
        async move {
            let page = client
                .get(app.url("/me/sign-in?next=/me"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let csrf = csrf_from(&page);
            let r = client
                .post(app.url("/me/sign-in"))
                .form(&[("csrf", csrf.as_str()), ("email", email), ("next", "/me")])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap(), csrf)
        }
    };
    // A known and an unknown address get the same answer.
    app.resident_client("known@example.cn").await;
    let (s1, b1, _) = ask(TestApp::new_client(), "known@example.cn").await;
    let (s2, b2, _) = ask(TestApp::new_client(), "nobody@example.cn").await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(
        b1.replace("known@example.cn", "X")
            .replace(&csrf_from(&b1), ""),
        b2.replace("nobody@example.cn", "X")
            .replace(&csrf_from(&b2), "")
    );

    let browser = TestApp::new_client();
    let (_, _, csrf) = ask(browser.clone(), "Zhang.Wei@Example.cn").await;
    let text = mail_text(&app, &sink, "zhang.wei@example.cn", 1).await;
    let code = code_in(&text);
    // A wrong code first, then the right one.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = browser
        .post(app.url("/me/verify"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "zhang.wei@example.cn"),
            ("code", wrong),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let r = browser
        .post(app.url("/me/verify"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "zhang.wei@example.cn"),
            ("code", code.as_str()),
            ("next", "/me"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/me");
    let (status, page) = (
        browser
            .get(app.url("/me"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        browser
            .get(app.url("/me"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(status, 200);
    assert!(page.contains("zhang.wei@example.cn"));
    // The code works once.
    let r = browser
        .post(app.url("/me/verify"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "zhang.wei@example.cn"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);

    // Five wrong guesses void a code.
    let other = TestApp::new_client();
    let (_, _, ocsrf) = ask(other.clone(), "guess@example.cn").await;
    let real = code_in(&mail_text(&app, &sink, "guess@example.cn", 1).await);
    let bad = if real == "123456" { "654321" } else { "123456" };
    let mut statuses = vec![];
    for _ in 0..6 {
        let r = other
            .post(app.url("/me/verify"))
            .form(&[
                ("csrf", ocsrf.as_str()),
                ("email", "guess@example.cn"),
                ("code", bad),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [422, 422, 422, 422, 429, 422]);
    let r = other
        .post(app.url("/me/verify"))
        .form(&[
            ("csrf", ocsrf.as_str()),
            ("email", "guess@example.cn"),
            ("code", real.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        422,
        "the real code is void after too many guesses"
    );

    // Sign out everywhere ends the other device's session too.
    let (phone, pcsrf, _) = app.resident_client("zhang.wei@example.cn").await;
    assert_eq!(
        phone
            .get(app.url("/me"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let r = phone
        .post(app.url("/me/sign-out-everywhere"))
        .form(&[("csrf", pcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let r = browser.get(app.url("/me")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/me/sign-in"));
}

#[tokio::test]
async fn binding_with_the_slip_code_and_by_the_workers_approval() {
    let app = spawn(Fixture::Demo).await;
    let (hid, token, binding) = app.household_with_binding("GY-01-01", 3).await;
    let (resident, csrf, _) = app.resident_client("li@example.cn").await;
    // The door page offers "I live here".
    let (_, landing) = app.get(&format!("/C/{token}")).await;
    let doc = scraper::Html::parse_document(&landing);
    let sel = scraper::Selector::parse("a.action").unwrap();
    assert!(doc
        .select(&sel)
        .any(|a| a.value().attr("href") == Some(format!("/C/{token}/bind").as_str())));
    let r = resident
        .post(app.url(&format!("/C/{token}/bind")))
        .form(&[("csrf", csrf.as_str()), ("binding_code", "WRONGCODE1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let r = resident
        .post(app.url(&format!("/C/{token}/bind")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("binding_code", &binding.to_lowercase()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let page = resident
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        attr_of(&page, "[data-household]", "data-household"),
        Some(hid.to_string())
    );
    // My page lists the household's reports, whoever made them from its door code.
    let r = app
        .client
        .post(app.url("/api/v1/reports"))
        .json(&serde_json::json!({ "code": token, "description": "楼道灯不亮了" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let pid = r.json::<serde_json::Value>().await.unwrap()["public_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = resident
        .get(app.url("/me"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/r/{pid}")),
        "the household's report is on my page"
    );

    // Guessing is limited per resident and household.
    let (_, token2, binding2) = app.household_with_binding("GY-01-01", 4).await;
    let (guesser, gcsrf, _) = app.resident_client("guesser@example.cn").await;
    let mut statuses = vec![];
    for i in 0..6 {
        let r = guesser
            .post(app.url(&format!("/C/{token2}/bind")))
            .form(&[
                ("csrf", gcsrf.as_str()),
                ("binding_code", &format!("GUESS0000{i}")),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [422, 422, 422, 422, 422, 429]);
    let r = guesser
        .post(app.url(&format!("/C/{token2}/bind")))
        .form(&[
            ("csrf", gcsrf.as_str()),
            ("binding_code", binding2.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        429,
        "even the right code waits out the limit"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM household_members")
            .await,
        1
    );

    // Without the slip: ask, and the compound's worker approves; another grid's may not.
    let (asker, acsrf, aid) = app.resident_client("wang@example.cn").await;
    let r = asker
        .post(app.url(&format!("/C/{token2}/bind/request")))
        .form(&[("csrf", acsrf.as_str()), ("note", "户主王芳")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let req = app
        .count("SELECT id AS n FROM binding_requests WHERE status = 'pending'")
        .await;
    let stranger = TestApp::new_client();
    let scsrf = app
        .login_as(&stranger, "worker-gy-02-01", "mashang-worker-gy-02-01")
        .await;
    let r = stranger
        .post(app.url(&format!("/console/bindings/{req}")))
        .form(&[("csrf", scsrf.as_str()), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let wcsrf = app.login_demo("worker-gy-01-01").await;
    let queue = app
        .client
        .get(app.url("/console/bindings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("wang@example.cn") && queue.contains("户主王芳"));
    let r = app
        .client
        .post(app.url(&format!("/console/bindings/{req}")))
        .form(&[("csrf", wcsrf.as_str()), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(app.count(&format!("SELECT count(*) AS n FROM household_members WHERE resident_id = {aid} AND bound_via = 'worker_approval'")).await, 1);
    // Staff can unbind.
    let hid2 = app
        .count(&format!(
            "SELECT household_id AS n FROM binding_requests WHERE id = {req}"
        ))
        .await;
    let r = app
        .client
        .post(app.url(&format!("/console/households/{hid2}/unbind")))
        .form(&[("csrf", wcsrf.as_str()), ("resident_id", &aid.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM household_members WHERE resident_id = {aid}"
        ))
        .await,
        0
    );
}

/// Create a poll through the console form; returns its id and the option ids of question 1.
pub(crate) async fn create_poll(
    app: &TestApp,
    csrf: &str,
    grid: i64,
    opens: chrono::DateTime<Utc>,
    closes: chrono::DateTime<Utc>,
    secrecy: &str,
) -> (i64, Vec<i64>) {
    let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let fmt =
        |t: chrono::DateTime<Utc>| t.with_timezone(&china).format("%Y-%m-%dT%H:%M").to_string();
    let r = app
        .client
        .post(app.url("/console/polls"))
        .form(&[
            ("csrf", csrf),
            ("title", "老旧小区改造：先做哪一项？"),
            ("ballot_unit", "household"),
            ("results", "live"),
            ("secrecy", secrecy),
            ("opens_at", &fmt(opens)),
            ("closes_at", &fmt(closes)),
            ("grid_ids", &grid.to_string()),
            ("q1", "最希望改造的项目"),
            ("q1_max", "1"),
            ("q1_options", "加装电梯\n外墙保温\n增设停车位"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap());
    let id = app.count("SELECT max(id) AS n FROM polls").await;
    let mut c = app.conn().await;
    let poll = mashang::polls::Poll::find(&mut c, id).await.unwrap();
    let options = poll.questions(&mut c).await.unwrap()[0]
        .options
        .iter()
        .map(|o| o.id)
        .collect();
    (id, options)
}

pub(crate) async fn bind(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    token: &str,
    code: &str,
) {
    let r = client
        .post(app.url(&format!("/C/{token}/bind")))
        .form(&[("csrf", csrf), ("binding_code", code)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
}

pub(crate) async fn vote(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    poll: i64,
    household: i64,
    choices: &[i64],
) -> (u16, serde_json::Value) {
    let mut body = format!("csrf={csrf}&household_id={household}");
    for c in choices {
        body.push_str(&format!("&choice={c}"));
    }
    let r = client
        .post(app.url(&format!("/polls/{poll}/vote")))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn one_ballot_per_household_under_64_concurrent_votes_and_secret_storage() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("head-gy-01").await;
    let community = app.grid_id("GY-01").await;
    let now = Utc::now();
    let (poll, options) = create_poll(
        &app,
        &csrf,
        community,
        now - Duration::hours(1),
        now + Duration::days(3),
        "secret",
    )
    .await;
    let (hid, token, code) = app.household_with_binding("GY-01-02", 0).await;
    let (a, acsrf, _) = app.resident_client("mother@example.cn").await;
    let (b, bcsrf, _) = app.resident_client("son@example.cn").await;
    bind(&app, &a, &acsrf, &token, &code).await;
    bind(&app, &b, &bcsrf, &token, &code).await;
    // 64 ballots at once from the two members of one household.
    let mut tasks = vec![];
    for i in 0..64 {
        let (client, csrf) = if i % 2 == 0 {
            (a.clone(), acsrf.clone())
        } else {
            (b.clone(), bcsrf.clone())
        };
        let app_url = app.url(&format!("/polls/{poll}/vote"));
        let choice = options[i % 3];
        tasks.push(tokio::spawn(async move {
            client
                .post(app_url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("csrf={csrf}&household_id={hid}&choice={choice}"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = vec![];
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 63);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM poll_participation WHERE poll_id = {poll}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM poll_ballots WHERE poll_id = {poll}"
        ))
        .await,
        1
    );
    assert_eq!(app.count(&format!("SELECT count(*) AS n FROM poll_ballot_choices c JOIN poll_ballots b ON b.id = c.ballot_id WHERE b.poll_id = {poll}")).await, 1);
    // Secret: the ballot carries no voter, no grid and no time; who voted is kept apart.
    assert_eq!(app.count(&format!("SELECT count(*) AS n FROM poll_ballots WHERE poll_id = {poll} AND (voter_key IS NOT NULL OR grid_id IS NOT NULL)")).await, 0);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM information_schema.columns WHERE table_name IN ('poll_ballots', 'poll_ballot_choices') AND (data_type LIKE 'timestamp%' OR column_name LIKE '%resident%' OR column_name LIKE '%household%')").await,
        0
    );
    // The page shows that the household has voted, to both members.
    let page = b
        .get(app.url(&format!("/polls/{poll}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        attr_of(&page, "[data-voted]", "data-voted"),
        Some(hid.to_string())
    );
}

#[tokio::test]
async fn refused_ballots_and_tallies() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("admin").await;
    let community = app.grid_id("GY-01").await;
    let now = Utc::now();
    let (poll, options) = create_poll(
        &app,
        &csrf,
        community,
        now - Duration::hours(1),
        now + Duration::days(3),
        "open",
    )
    .await;
    let (closed, closed_options) = create_poll(
        &app,
        &csrf,
        community,
        now - Duration::days(3),
        now - Duration::days(1),
        "open",
    )
    .await;
    let (later, later_options) = create_poll(
        &app,
        &csrf,
        community,
        now + Duration::days(1),
        now + Duration::days(3),
        "open",
    )
    .await;

    let (hid, token, code) = app.household_with_binding("GY-01-03", 0).await;
    let (r, rcsrf, _) = app.resident_client("voter@example.cn").await;
    bind(&app, &r, &rcsrf, &token, &code).await;
    let (other_hid, _, _) = app.household_with_binding("GY-01-03", 1).await;
    let (far_hid, far_token, far_code) = app.household_with_binding("GY-02-01", 0).await;
    let (far, fcsrf, _) = app.resident_client("far@example.cn").await;
    bind(&app, &far, &fcsrf, &far_token, &far_code).await;

    let (s, v) = vote(&app, &r, &rcsrf, poll, other_hid, &[options[0]]).await;
    assert_eq!(
        (s, v["reason"].as_str()),
        (403, Some("not_a_member")),
        "a forged household id"
    );
    let (s, v) = vote(&app, &r, &rcsrf, poll, hid, &[closed_options[0]]).await;
    assert_eq!(
        (s, v["reason"].as_str()),
        (422, Some("unknown_option")),
        "an option of another poll"
    );
    let (s, v) = vote(&app, &r, &rcsrf, poll, hid, &[options[0], options[1]]).await;
    assert_eq!(
        (s, v["reason"].as_str()),
        (422, Some("wrong_number_of_choices"))
    );
    let (s, v) = vote(&app, &r, &rcsrf, closed, hid, &[closed_options[0]]).await;
    assert_eq!((s, v["reason"].as_str()), (409, Some("poll_closed")));
    let (s, v) = vote(&app, &r, &rcsrf, later, hid, &[later_options[0]]).await;
    assert_eq!((s, v["reason"].as_str()), (409, Some("poll_not_open_yet")));
    let (s, v) = vote(&app, &far, &fcsrf, poll, far_hid, &[options[0]]).await;
    assert_eq!((s, v["reason"].as_str()), (403, Some("not_in_poll_grids")));
    let (s, _) = vote(&app, &r, &rcsrf, poll, hid, &[options[1]]).await;
    assert_eq!(s, 303);
    let (s, v) = vote(&app, &r, &rcsrf, poll, hid, &[options[2]]).await;
    assert_eq!((s, v["reason"].as_str()), (409, Some("already_voted")));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM poll_participation")
            .await,
        1,
        "nothing recorded twice"
    );

    // Three more households vote: options get 1 + 2 + 1.
    for (i, choice) in [(1, options[1]), (2, options[0]), (3, options[2])] {
        let (h, t, c) = app.household_with_binding("GY-01-04", i).await;
        let (client, cc, _) = app.resident_client(&format!("v{i}@example.cn")).await;
        bind(&app, &client, &cc, &t, &c).await;
        assert_eq!(vote(&app, &client, &cc, poll, h, &[choice]).await.0, 303);
    }
    let page = app
        .client
        .get(app.url(&format!("/console/polls/{poll}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (text, n) in [("加装电梯", 1), ("外墙保温", 2), ("增设停车位", 1)] {
        let doc = scraper::Html::parse_document(&page);
        let sel = scraper::Selector::parse(&format!("tr[data-option='{text}'] td.num")).unwrap();
        assert_eq!(
            doc.select(&sel).next().unwrap().text().collect::<String>(),
            n.to_string(),
            "{text}"
        );
    }
    // The XLSX export says the same, and turnout counts households per compound.
    let bytes = app
        .client
        .get(app.url(&format!("/console/polls/{poll}/export.xlsx")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    use calamine::{DataType, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let results = wb.worksheet_range("结果").unwrap();
    let rows: Vec<(String, f64)> = results
        .rows()
        .filter_map(|r| Some((r.first()?.to_string(), r.get(1)?.get_float()?)))
        .collect();
    assert!(rows.contains(&("外墙保温".into(), 2.0)), "{rows:?}");
    let turnout = wb.worksheet_range("参与率").unwrap();
    let t: Vec<(String, f64, f64)> = turnout
        .rows()
        .skip(1)
        .filter_map(|r| {
            Some((
                r.first()?.to_string(),
                r.get(1)?.get_float()?,
                r.get(2)?.get_float()?,
            ))
        })
        .collect();
    // 锦绣园 (GY-01-03): 1 of 212 households; 平原路平房区 (GY-01-04): 3 of 86.
    assert!(t.contains(&("锦绣园".into(), 1.0, 212.0)), "{t:?}");
    assert!(t.contains(&("平原路平房区".into(), 3.0, 86.0)), "{t:?}");
    assert_eq!(t.len(), 4, "only the community's four compounds");
    // A worker of another community cannot see this poll.
    let other = TestApp::new_client();
    app.login_as(&other, "worker-gy-02-01", "mashang-worker-gy-02-01")
        .await;
    assert_eq!(
        other
            .get(app.url(&format!("/console/polls/{poll}")))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
}
