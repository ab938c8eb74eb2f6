//! Issue 14: the informant (信息员), filing on a resident's behalf (代办) with consent, the
//! filer's mails and rating on the resident's word, and "my cases" for a worker.

use crate::helpers::{spawn, Fixture, TestApp};
use reqwest::multipart::Form;

/// File through `/console/file` as `client`: (status, Location).
async fn file(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let key = format!("field-{}", mashang::people::sessions::random_secret());
    let mut form = Form::new()
        .text("csrf", csrf.to_owned())
        .text("idempotency_key", key);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let r = client
        .post(app.url("/console/file"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), loc)
}

async fn step(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    id: i64,
    fields: &[(&str, &str)],
) -> u16 {
    let mut form = Form::new().text("csrf", csrf.to_owned());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    client
        .post(app.url(&format!("/console/cases/{id}/step")))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A signed-in console client for a demo account, and its CSRF token.
async fn staff(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let c = TestApp::new_client();
    let csrf = app
        .login_as(&c, username, &format!("mashang-{username}"))
        .await;
    (c, csrf)
}

/// Page text with minijinja's escaped slashes put back.
fn unescaped(html: &str) -> String {
    html.replace("&#x2f;", "/")
}

fn case_id(location: &str) -> i64 {
    location
        .trim_start_matches("/console/cases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("not a case page: {location}"))
}

#[tokio::test]
async fn an_informant_files_and_follows_in_its_grids_and_nothing_else() {
    let app = spawn(Fixture::Demo).await;
    let (c, csrf) = staff(&app, "informant-gy-01-02").await;
    let own = app.grid_id("GY-01-02").await;
    let other = app.grid_id("GY-01-03").await;
    // Filing and following answer; every other console page is refused.
    for (path, want) in [
        ("/console/cases".to_owned(), 200),
        ("/console/file".to_owned(), 200),
        ("/console/file/inspection".to_owned(), 200),
        // The grid tree sends accounts without grid pages to their own page.
        ("/console".to_owned(), 303),
        (format!("/console/grids/{own}"), 403),
        (format!("/api/v1/grids/{own}/households"), 403),
        ("/console/figures".to_owned(), 403),
        ("/console/figures/workers".to_owned(), 403),
        ("/console/staff".to_owned(), 403),
        ("/console/import".to_owned(), 403),
        ("/console/print".to_owned(), 403),
        ("/console/news".to_owned(), 403),
        ("/console/bindings".to_owned(), 403),
        ("/console/polls".to_owned(), 403),
        ("/console/points".to_owned(), 403),
        ("/console/activities".to_owned(), 403),
        ("/console/open311".to_owned(), 403),
    ] {
        let status = c
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(status, want, "{path}");
    }
    let merchant = c
        .get(app.url("/merchant"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert!(merchant == 403 || merchant == 303, "/merchant: {merchant}");

    // The look-up lists doors of its own compound only.
    let page = unescaped(&app.page_of(&c, "/console/file?room=1").await);
    let tokens: Vec<&str> = page
        .split("href=\"/console/file/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|t| *t != "inspection")
        .collect();
    assert!(!tokens.is_empty(), "{page}");
    for t in &tokens {
        let in_own = app
            .count(&format!(
                "SELECT count(*) AS n FROM codes c JOIN households h ON h.id = c.household_id
                 WHERE c.token = '{t}' AND h.grid_id = {own}"
            ))
            .await;
        assert_eq!(in_own, 1, "{t} is not a door of its compound");
    }
    let too_long = "楼".repeat(41);
    let status = c
        .get(app.url(&format!("/console/file?building={too_long}")))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 422);

    // 代办 for a door of its compound, with consent and a contact.
    let (_, token) = app.household_code("GY-01-02").await;
    let (_, elsewhere) = app.household_code("GY-01-03").await;
    let send = |consent: &'static str, contact: &'static str| {
        let (c, csrf, token, app) = (c.clone(), csrf.clone(), token.clone(), &app);
        async move {
            let f = [
                ("code", token.as_str()),
                ("consent", consent),
                ("contact", contact),
                ("description", "独居老人家里的下水管漏水，老人不会用手机"),
            ];
            file(app, &c, &csrf, &f).await
        }
    };
    // Consent is a required choice, the contact bounded and checked: nothing is stored.
    assert_eq!(send("", "").await.0, 422);
    assert_eq!(send("implied", "").await.0, 422);
    assert_eq!(send("phone", "找隔壁王阿姨").await.0, 422);
    assert_eq!(send("phone", "1".repeat(65).leak()).await.0, 422);
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, 0);
    let (status, loc) = send("phone", "138-0477-1234").await;
    assert_eq!(status, 303, "{loc}");
    let id = case_id(&loc);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM reports r JOIN staff s ON s.id = r.filed_by
             JOIN report_consents k ON k.report_id = r.id
             WHERE r.id = {id} AND s.username = 'informant-gy-01-02'
               AND k.how = 'phone' AND k.contact = '138-0477-1234'
               AND r.reporter_email = 'informant-gy-01-02@demo.mashang.local' AND r.grid_id = {own}"
        ))
        .await,
        1
    );
    // The case shows who filed it for which door, and the consent.
    let page = app.page_of(&c, &format!("/console/cases/{id}")).await;
    assert!(page.contains("代办：信息员"), "{page}");
    assert!(page.contains("电话") && page.contains("138-0477-1234"));
    // It follows; it never acts on a case.
    assert!(!page.contains("data-step=\"accept\""));
    assert_eq!(
        step(&app, &c, &csrf, id, &[("action", "accept")]).await,
        403
    );
    assert_eq!(
        step(&app, &c, &csrf, id, &[("action", "comment"), ("text", "x")]).await,
        403
    );
    let list = app.page_of(&c, "/console/cases").await;
    assert!(list.contains(&format!("data-case=\"{id}\"")), "{list}");

    // Outside its grids: filing and reading are refused, and nothing is stored.
    let before = app.count("SELECT count(*) AS n FROM reports").await;
    let f = [
        ("code", elsewhere.as_str()),
        ("consent", "in_person"),
        ("description", "别的小区的问题"),
    ];
    assert_eq!(file(&app, &c, &csrf, &f).await.0, 403);
    let other_grid = other.to_string();
    let f = [
        ("grid_id", other_grid.as_str()),
        ("description", "别的小区的问题"),
    ];
    assert_eq!(file(&app, &c, &csrf, &f).await.0, 403);
    assert_eq!(app.count("SELECT count(*) AS n FROM reports").await, before);
    let status = c
        .get(app.url(&format!("/console/file/{elsewhere}")))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 403);
    let (w, wcsrf) = staff(&app, "worker-gy-01-03").await;
    let f = [
        ("code", elsewhere.as_str()),
        ("consent", "written"),
        ("description", "三号楼门口地砖松动"),
    ];
    let (status, loc) = file(&app, &w, &wcsrf, &f).await;
    assert_eq!(status, 303, "a grid worker files for its own doors");
    let theirs = case_id(&loc);
    let status = c
        .get(app.url(&format!("/console/cases/{theirs}")))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 403);
    assert!(!app
        .page_of(&c, "/console/cases")
        .await
        .contains(&format!("data-case=\"{theirs}\"")));

    // An inspection find in its own compound.
    let own_grid = own.to_string();
    let f = [
        ("grid_id", own_grid.as_str()),
        ("address", "5号楼东侧"),
        ("description", "5号楼东侧路灯不亮"),
    ];
    let (status, loc) = file(&app, &c, &csrf, &f).await;
    assert_eq!(status, 303, "{loc}");
    let find = case_id(&loc);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM reports WHERE id = {find} AND filed_by IS NOT NULL
               AND id NOT IN (SELECT report_id FROM report_consents) AND grid_id = {own} AND code_id IS NULL"
        ))
        .await,
        1
    );
    // The informants' assessment counts its valid reports (the 代办 and the find).
    let (head, _) = staff(&app, "head-gy-01").await;
    let page = app.page_of(&head, "/console/figures/workers").await;
    assert!(
        page.contains("data-informant=\"informant-gy-01-02\"")
            && page.contains("data-figure=\"valid_filed\">2<"),
        "{page}"
    );
}

#[tokio::test]
async fn a_filers_scan_offers_filing_and_the_filer_gets_the_mails_without_the_rating_key() {
    let app = spawn(Fixture::Demo).await;
    let (c, csrf) = staff(&app, "informant-gy-01-02").await;
    let (_, token) = app.household_code("GY-01-02").await;
    let (_, elsewhere) = app.household_code("GY-01-04").await;
    // Scanning with the console session: "file for this household" first, in scope only.
    let page = unescaped(&app.page_of(&c, &format!("/C/{token}")).await);
    assert!(
        page.contains(&format!("href=\"/console/file/{token}\"")),
        "{page}"
    );
    let page = unescaped(&app.page_of(&c, &format!("/C/{elsewhere}")).await);
    assert!(!page.contains("/console/file/"));
    // A passer-by never sees it (and the cached page stays without it).
    let (_, anon) = app.get(&format!("/C/{token}")).await;
    assert!(!unescaped(&anon).contains("/console/file/"));
    let form = app.page_of(&c, &format!("/console/file/{token}")).await;
    assert!(form.contains("name=\"consent\"") && form.contains("在场口头同意"));

    let f = [
        ("code", token.as_str()),
        ("consent", "in_person"),
        ("description", "楼道灯坏了，老人晚上下楼看不见"),
    ];
    let (status, loc) = file(&app, &c, &csrf, &f).await;
    assert_eq!(status, 303);
    let id = case_id(&loc);
    let mail = |template: &str| {
        format!(
            "SELECT count(*) AS n FROM mail_outbox WHERE template = '{template}'
               AND to_address = 'informant-gy-01-02@demo.mashang.local'
               AND params->>'link' LIKE '%/r/%' AND params->>'link' NOT LIKE '%k=%'"
        )
    };
    assert_eq!(app.count(&mail("received")).await, 1);
    let (w, wcsrf) = staff(&app, "worker-gy-01-02").await;
    assert_eq!(
        step(&app, &w, &wcsrf, id, &[("action", "accept")]).await,
        303
    );
    assert_eq!(
        step(
            &app,
            &w,
            &wcsrf,
            id,
            &[("action", "resolve"), ("note", "已修好")]
        )
        .await,
        303
    );
    assert_eq!(app.count(&mail("resolved")).await, 1);
}

#[tokio::test]
async fn the_household_rates_a_filed_case_and_the_filer_only_where_nobody_is_bound() {
    let app = spawn(Fixture::Demo).await;
    let (c, csrf) = staff(&app, "informant-gy-01-02").await;
    let (w, wcsrf) = staff(&app, "worker-gy-01-02").await;
    let (bound_household, bound_token, _) = app.household_with_binding("GY-01-02", 3).await;
    let (_, lonely_token, _) = app.household_with_binding("GY-01-02", 4).await;
    let (resident, _, resident_id) = app.resident_client("grandson@example.cn").await;
    app.count(&format!(
        "WITH b AS (INSERT INTO household_members (household_id, resident_id, bound_via)
         VALUES ({bound_household}, {resident_id}, 'binding_code') RETURNING 1) SELECT count(*) AS n FROM b"
    ))
    .await;
    let mut ids = vec![];
    for token in [&bound_token, &lonely_token] {
        let f = [
            ("code", token.as_str()),
            ("consent", "written"),
            ("description", "暖气片漏水，家里只有老人"),
            ("category", "event.urban_governance_other"),
        ];
        let (status, loc) = file(&app, &c, &csrf, &f).await;
        assert_eq!(status, 303, "{loc}");
        let id = case_id(&loc);
        assert_eq!(
            step(&app, &w, &wcsrf, id, &[("action", "accept")]).await,
            303
        );
        assert_eq!(
            step(
                &app,
                &w,
                &wcsrf,
                id,
                &[("action", "resolve"), ("note", "已维修")]
            )
            .await,
            303
        );
        ids.push(id);
    }
    let public = |id: i64| {
        let app = &app;
        async move {
            let mut conn = app.conn().await;
            mashang::reports::Report::find(&mut conn, id)
                .await
                .unwrap()
                .public_id
        }
    };
    let (bound_pid, lonely_pid) = (public(ids[0]).await, public(ids[1]).await);

    // The bound resident sees it on their page, and rates it (not the filer).
    let me = app.page_of(&resident, "/me").await;
    assert!(me.contains(&bound_pid), "{me}");
    assert!(!me.contains(&lonely_pid));
    let track = app.page_of(&resident, &format!("/r/{bound_pid}")).await;
    assert!(track.contains("data-filed-as=\"on_behalf\""), "{track}");
    let (status, _) = app
        .post_form_as(
            &c,
            &format!("/console/cases/{}/rate", ids[0]),
            &[("csrf", &csrf), ("rating", "satisfied")],
        )
        .await;
    assert_eq!(
        status, 403,
        "the filer may not rate for a household with residents"
    );
    let page = app.page_of(&c, &format!("/console/cases/{}", ids[0])).await;
    assert!(!page.contains("id=\"rate-for-resident\"") && page.contains("data-residents-rate"));
    let rcsrf = crate::helpers::csrf_from(&track);
    let (status, body) = app
        .post_form_as(
            &resident,
            &format!("/r/{bound_pid}/rate"),
            &[("csrf", &rcsrf), ("rating", "basically_satisfied")],
        )
        .await;
    assert!(status == 303, "{status} {body}");
    // Someone else's resident cannot.
    let (other, _, _) = app.resident_client("stranger@example.cn").await;
    let ocsrf = crate::helpers::csrf_from(&app.page_of(&other, "/report").await);
    let (status, _) = app
        .post_form_as(
            &other,
            &format!("/r/{lonely_pid}/rate"),
            &[("csrf", &ocsrf), ("rating", "dissatisfied")],
        )
        .await;
    assert_eq!(status, 403);

    // Nobody bound to the other door: the filer rates on the resident's word, recorded so.
    let page = app.page_of(&c, &format!("/console/cases/{}", ids[1])).await;
    assert!(page.contains("id=\"rate-for-resident\""), "{page}");
    let (status, _) = app
        .post_form_as(
            &w,
            &format!("/console/cases/{}/rate", ids[1]),
            &[("csrf", &wcsrf), ("rating", "satisfied")],
        )
        .await;
    assert_eq!(status, 403, "only the filer rates on the resident's word");
    let (status, body) = app
        .post_form_as(
            &c,
            &format!("/console/cases/{}/rate", ids[1]),
            &[
                ("csrf", &csrf),
                ("rating", "satisfied"),
                ("comment", "老人说修得很好"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{body}");
    let rated = |id: i64, word: bool| {
        format!(
            "SELECT count(*) AS n FROM case_events WHERE report_id = {id} AND action = 'rate'
               AND (data ? 'on_residents_word') = {word} AND (staff_id IS NOT NULL) = {word}"
        )
    };
    assert_eq!(app.count(&rated(ids[0], false)).await, 1);
    assert_eq!(app.count(&rated(ids[1], true)).await, 1);
    let page = app.page_of(&w, &format!("/console/cases/{}", ids[1])).await;
    assert!(
        page.contains("data-on-residents-word"),
        "the worker sees it was rated on the resident's word"
    );
    // The figures count both ratings in 满意率, and only the resident's own without 代评.
    let v: serde_json::Value = w
        .get(app.url("/api/v1/figures"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = &v["total"];
    let nd = |r: &serde_json::Value| (r["num"].as_i64(), r["den"].as_i64());
    assert_eq!(nd(&t["satisfaction"]), (Some(2), Some(2)), "{v}");
    assert_eq!(nd(&t["satisfaction_own"]), (Some(1), Some(1)), "{v}");
    let page = app.page_of(&w, "/console/figures").await;
    assert!(page.contains("满意率（不含代评）"));
}

#[tokio::test]
async fn my_cases_filters_searches_and_accepts_with_one_tap() {
    let app = spawn(Fixture::Demo).await;
    let (c, csrf) = staff(&app, "informant-gy-01-01").await;
    let (w, wcsrf) = staff(&app, "worker-gy-01-01").await;
    let (_, token) = app.household_code("GY-01-01").await;
    let door = app
        .count(&format!(
            "SELECT c.household_id AS n FROM codes c WHERE c.token = '{token}'"
        ))
        .await;
    let room = app.page_of(&w, "/console/cases").await;
    assert!(room.contains("我的案件"));
    let f = [
        ("code", token.as_str()),
        ("consent", "in_person"),
        ("description", "楼道堆放杂物堵住消防通道"),
    ];
    let (_, loc) = file(&app, &c, &csrf, &f).await;
    let id = case_id(&loc);
    let f = [
        ("grid_id", &*app.grid_id("GY-01-01").await.to_string()),
        ("description", "小区东门路面塌陷"),
    ];
    let (_, loc) = file(&app, &c, &csrf, &f).await;
    let find = case_id(&loc);
    let list = app.page_of(&w, "/console/cases").await;
    assert!(
        list.contains(&format!("data-case=\"{id}\""))
            && list.contains(&format!("data-case=\"{find}\""))
    );
    assert!(list.contains("剩 "), "the deadline as a countdown: {list}");
    // Search by case number and by door; filter by state.
    let only = app.page_of(&w, &format!("/console/cases?q=%23{id}")).await;
    assert!(
        only.contains(&format!("data-case=\"{id}\""))
            && !only.contains(&format!("data-case=\"{find}\""))
    );
    let door_label: String = {
        #[derive(diesel::QueryableByName)]
        struct L {
            #[diesel(sql_type = diesel::sql_types::Text)]
            l: String,
        }
        let mut conn = app.conn().await;
        diesel_async::RunQueryDsl::get_result::<L>(
            diesel::sql_query(format!(
                "SELECT concat(building, unit, room) AS l FROM households WHERE id = {door}"
            )),
            &mut conn,
        )
        .await
        .unwrap()
        .l
    };
    let by_door = app
        .page_of(
            &w,
            &format!(
                "/console/cases?q={}",
                url::form_urlencoded::byte_serialize(door_label.as_bytes()).collect::<String>()
            ),
        )
        .await;
    assert!(
        by_door.contains(&format!("data-case=\"{id}\""))
            && !by_door.contains(&format!("data-case=\"{find}\"")),
        "{door_label}"
    );
    // One tap: accept from the list, back to the list as filtered.
    let mut form = Form::new()
        .text("csrf", wcsrf.clone())
        .text("action", "accept");
    form = form.text("back", "/console/cases?state=submitted");
    let r = w
        .post(app.url(&format!("/console/cases/{id}/step")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/console/cases?state=submitted");
    let waiting = app.page_of(&w, "/console/cases?state=submitted").await;
    assert!(
        !waiting.contains(&format!("data-case=\"{id}\""))
            && waiting.contains(&format!("data-case=\"{find}\""))
    );
    let accepted = app.page_of(&w, "/console/cases?state=accepted").await;
    assert!(accepted.contains(&format!("data-case=\"{id}\"")));
    // An off-site return target is not followed.
    let form = Form::new()
        .text("csrf", wcsrf.clone())
        .text("action", "accept")
        .text("back", "https://evil.example/");
    let r = w
        .post(app.url(&format!("/console/cases/{find}/step")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"],
        format!("/console/cases/{find}").as_str()
    );
    // The informant's list: only the cases it filed, on request.
    let mine = app.page_of(&c, "/console/cases?mine=1").await;
    assert!(mine.contains(&format!("data-case=\"{find}\"")));
}
