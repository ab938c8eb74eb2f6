//! The figures dashboard and the worker assessment, from a scripted set of cases.
//!
//! The cases are driven through the real domain functions (`reports::intake::submit` and
//! `reports::handling::act`, the same code the HTTP handlers call), each step with an
//! explicit `now`: that is how the timestamps are controlled, so every event in
//! `case_events` is one the ledger itself wrote and the deadlines are the ones intake set from
//! `config/categories.toml`. Nothing is inserted by hand.
//!
//! Every case is a missing manhole cover (`component.manhole_cover`: 即办件, accept within
//! 1 h, resolve within 12 h of submission). Times are China time (UTC+8). The period is
//! October 2026: [10-01 00:00, 11-01 00:00), judged as of 11-01 00:00 (it is in the past).
//!
//! | # | grid | submitted | what happens |
//! |---|---|---|---|
//! | 1 | GY-01-01 | 10-05 09:00 | accepted 09:30 by its worker (on time), resolved 15:00 (on time), rated 满意 16:00 |
//! | 2 | GY-01-01 | 10-06 09:00 | accepted 11:00 (late: due 10:00), resolved 10-07 08:00 (late: due 10-06 21:00), rated 基本满意 |
//! | 3 | GY-01-01 | 10-07 09:00 | accepted 09:10, resolved 12:00, rated 不满意 13:00 (sent back), resolved again 10-08 10:00 (late: due 10-07 21:00), rated 满意 |
//! | 4 | GY-01-01 | 10-08 09:00 | rejected 09:20 |
//! | 5 | GY-01-02 | 10-09 09:00 | accepted 09:20, handed to 住建 09:30, resolved by the department 20:00 (on time), not rated, auto-closed 10-20 |
//! | 6 | GY-01-02 | 10-10 09:00 | never accepted |
//! | 7 | GY-01-02 | 10-30 20:00 | accepted 20:30 (on time), not resolved (due 10-31 08:00) |
//! | 8 | GY-02-01 | 09-28 09:00 | accepted 09:30, resolved 10-03 10:00 (late), rated 满意 10-03 11:00 |
//! | 9 | GY-02-01 | 09-29 09:00 | accepted 09:15, never resolved |
//! | 10 | GY-02-01 | 10-12 09:00 | marked duplicate of #9 at 09:30 |
//!
//! October by hand:
//! - received: #1 #2 #3 #4 #5 #6 #7 #10 = 8 (#8 and #9 came in September);
//!   excluded: #4 (rejected), #10 (duplicate) = 2; valid: #1 #2 #3 #5 #6 #7 = 6.
//! - accepted on time: #1 #3 #5 #7 on time; #2 late; #6 never, its deadline passed → 4/6.
//! - resolved on time: #1 #5 on time; #2 late; #3's standing resolution (10-08) late; #6 and
//!   #7 unresolved past their deadlines → 2/6.
//! - satisfaction: ratings 满意 (#1), 基本满意 (#2), 不满意 and 满意 (#3); #5 auto-closed
//!   unrated → 3/4.
//! - sent back: resolved at least once #1 #2 #3 #5, sent back #3 → 1/4.
//! - resolution: closed #1 #2 #3 #5 of 6 valid → 4/6.
//! - mean hours to accept: 0.5 + 2 + 1/6 + 1/3 + 0.5 = 3.5 over 5 → 0.7.
//! - mean hours to resolve: 6 + 23 + 25 + 11 = 65 over 4 → 16.25.
//! - open past deadline at 11-01 00:00: #6 (not accepted), #7 (due 10-31 08:00), #9 (from
//!   September, due 09-29 21:00) = 3. #8 was received in September and closed in October: it
//!   counts in September (received, and open past deadline at September's end), not here.

use crate::helpers::{spawn, Fixture, TestApp};
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use mashang::reports::handling::{self, By};
use mashang::reports::intake::{self, IntakeContext, Outcome, Submission};
use mashang::reports::ledger::{Action, Actor, Rating};
use serde_json::Value;

/// China time, 2026.
fn cn(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .unwrap()
        .with_timezone(&Utc)
}

const OCTOBER: &str = "from=2026-10-01&to=2026-10-31";

struct Script<'a> {
    app: &'a TestApp,
    n: u32,
}

impl Script<'_> {
    async fn staff(&self, username: &str) -> i64 {
        self.app
            .count(&format!(
                "SELECT id AS n FROM staff WHERE username = '{username}'"
            ))
            .await
    }

    /// A resident reports a missing manhole cover from a door code of `grid` at `at`.
    async fn submit(&mut self, grid: &str, at: DateTime<Utc>) -> i64 {
        self.n += 1;
        let (_, token) = self.app.household_code(grid).await;
        let state = &self.app.state;
        let mut conn = self.app.conn().await;
        let locator = state.locator.current(&mut conn).await.unwrap();
        let ctx = IntakeContext {
            catalog: &state.catalog,
            locator: &locator,
            fallback_grid: self.app.grid_id("GY").await,
            links: mashang::reports::Links::of(&state.settings),
            similar_radius_m: state.settings.reports.similar_radius_m,
        };
        let s = Submission {
            idempotency_key: format!("figures-script-{}", self.n),
            code_token: Some(token),
            category: Some("component.manhole_cover".into()),
            description: format!("井盖丢失 {}", self.n),
            point: None,
            address: None,
            email: None,
            locale: "zh-CN".into(),
            photos: vec![],
            confirm_new: true,
            resident_id: None,
            answers: vec![],
            via: None,
            filed: None,
        };
        match intake::submit(&mut conn, &ctx, s, at)
            .await
            .unwrap()
            .unwrap()
        {
            Outcome::Created(r) => r.id,
            other => panic!("not created: {other:?}"),
        }
    }

    /// One step of a case at `at`.
    async fn act(
        &self,
        id: i64,
        actor: Actor,
        staff: Option<&str>,
        action: Action,
        at: DateTime<Utc>,
    ) {
        let staff_id = match staff {
            Some(u) => Some(self.staff(u).await),
            None => None,
        };
        let state = &self.app.state;
        let mut conn = self.app.conn().await;
        handling::act(
            &mut conn,
            &state.catalog,
            mashang::reports::Links::of(&state.settings),
            id,
            By { actor, staff_id },
            action,
            &[],
            at,
        )
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("case {id}: {}", e.code()));
    }

    async fn accept(&self, id: i64, worker: &str, at: DateTime<Utc>) {
        self.act(id, Actor::Responsible, Some(worker), Action::Accept, at)
            .await
    }

    async fn resolve(&self, id: i64, worker: &str, at: DateTime<Utc>) {
        let note = Action::Resolve {
            note: "已补装井盖".into(),
        };
        self.act(id, Actor::Responsible, Some(worker), note, at)
            .await
    }

    async fn rate(&self, id: i64, rating: Rating, at: DateTime<Utc>) {
        let rate = Action::Rate {
            rating,
            comment: None,
        };
        self.act(id, Actor::Reporter, None, rate, at).await
    }
}

/// The ten cases of the module docs, in order; returns their ids.
async fn script(app: &TestApp) -> Vec<i64> {
    let mut s = Script { app, n: 0 };
    let (wa, wb, wc) = ("worker-gy-01-01", "worker-gy-01-02", "worker-gy-02-01");
    let c1 = s.submit("GY-01-01", cn(10, 5, 9, 0)).await;
    s.accept(c1, wa, cn(10, 5, 9, 30)).await;
    s.resolve(c1, wa, cn(10, 5, 15, 0)).await;
    s.rate(c1, Rating::Satisfied, cn(10, 5, 16, 0)).await;

    let c2 = s.submit("GY-01-01", cn(10, 6, 9, 0)).await;
    s.accept(c2, wa, cn(10, 6, 11, 0)).await;
    s.resolve(c2, wa, cn(10, 7, 8, 0)).await;
    s.rate(c2, Rating::BasicallySatisfied, cn(10, 7, 9, 0))
        .await;

    let c3 = s.submit("GY-01-01", cn(10, 7, 9, 0)).await;
    s.accept(c3, wa, cn(10, 7, 9, 10)).await;
    s.resolve(c3, wa, cn(10, 7, 12, 0)).await;
    s.rate(c3, Rating::Dissatisfied, cn(10, 7, 13, 0)).await;
    s.resolve(c3, wa, cn(10, 8, 10, 0)).await;
    s.rate(c3, Rating::Satisfied, cn(10, 8, 11, 0)).await;

    let c4 = s.submit("GY-01-01", cn(10, 8, 9, 0)).await;
    let reject = Action::Reject {
        reason: "不在辖区".into(),
    };
    s.act(c4, Actor::Responsible, Some(wa), reject, cn(10, 8, 9, 20))
        .await;

    let c5 = s.submit("GY-01-02", cn(10, 9, 9, 0)).await;
    s.accept(c5, wb, cn(10, 9, 9, 20)).await;
    let dispatch = Action::Dispatch {
        department: "housing_construction".into(),
    };
    s.act(c5, Actor::Responsible, Some(wb), dispatch, cn(10, 9, 9, 30))
        .await;
    let resolve = Action::Resolve {
        note: "住建已修复".into(),
    };
    s.act(
        c5,
        Actor::Department,
        Some("liaison-zjj"),
        resolve,
        cn(10, 9, 20, 0),
    )
    .await;
    s.act(c5, Actor::System, None, Action::AutoClose, cn(10, 20, 0, 0))
        .await;

    let c6 = s.submit("GY-01-02", cn(10, 10, 9, 0)).await;

    let c7 = s.submit("GY-01-02", cn(10, 30, 20, 0)).await;
    s.accept(c7, wb, cn(10, 30, 20, 30)).await;

    let c8 = s.submit("GY-02-01", cn(9, 28, 9, 0)).await;
    s.accept(c8, wc, cn(9, 28, 9, 30)).await;
    s.resolve(c8, wc, cn(10, 3, 10, 0)).await;
    s.rate(c8, Rating::Satisfied, cn(10, 3, 11, 0)).await;

    let c9 = s.submit("GY-02-01", cn(9, 29, 9, 0)).await;
    s.accept(c9, wc, cn(9, 29, 9, 15)).await;

    let c10 = s.submit("GY-02-01", cn(10, 12, 9, 0)).await;
    let dup = Action::MarkDuplicate { of_case: c9 };
    s.act(c10, Actor::Responsible, Some(wc), dup, cn(10, 12, 9, 30))
        .await;
    vec![c1, c2, c3, c4, c5, c6, c7, c8, c9, c10]
}

async fn json(app: &TestApp, path: &str) -> (u16, Value) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The figures of the group of grid `code` in a figures answer.
async fn group(app: &TestApp, v: &Value, code: &str) -> Value {
    let id = app.grid_id(code).await.to_string();
    v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == id)
        .unwrap_or_else(|| panic!("no group {code}"))["figures"]
        .clone()
}

/// (num, den) of a ratio.
fn nd(v: &Value) -> (u64, u64) {
    (v["num"].as_u64().unwrap(), v["den"].as_u64().unwrap())
}

fn rate(v: &Value) -> Option<f64> {
    v["rate"].as_f64()
}

/// The case ids listed on a drill-down page.
async fn listed(app: &TestApp, query: &str) -> Vec<i64> {
    let (status, body) = app.get(&format!("/console/figures/cases?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    let doc = scraper::Html::parse_document(&body);
    let sel = scraper::Selector::parse("tr[data-case]").unwrap();
    doc.select(&sel)
        .map(|e| e.value().attr("data-case").unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn figures_of_a_scripted_month_match_the_hand_count() {
    let app = spawn(Fixture::Demo).await;
    let c = script(&app).await;
    app.login_demo("admin").await;

    let (status, v) = json(&app, &format!("/api/v1/figures?{OCTOBER}&dim=grid")).await;
    assert_eq!(status, 200, "{v}");
    let t = &v["total"];
    assert_eq!(t["received"], 8);
    assert_eq!(t["excluded"], 2);
    assert_eq!(nd(&t["accepted_on_time"]), (4, 6));
    assert_eq!(nd(&t["resolved_on_time"]), (2, 6));
    assert_eq!(nd(&t["satisfaction"]), (3, 4));
    assert_eq!(rate(&t["satisfaction"]), Some(0.75));
    assert_eq!(
        t["ratings"],
        serde_json::json!({"satisfied": 2, "basically_satisfied": 1, "dissatisfied": 1})
    );
    assert_eq!(nd(&t["sent_back"]), (1, 4));
    assert_eq!(rate(&t["sent_back"]), Some(0.25));
    assert_eq!(nd(&t["resolution"]), (4, 6));
    let close = |x: &Value, want: f64| (x.as_f64().unwrap() - want).abs() < 1e-9;
    assert!(close(&t["mean_hours_to_accept"], 0.7), "{t}");
    assert!(close(&t["mean_hours_to_resolve"], 16.25), "{t}");
    assert_eq!(t["overdue_open"], 3);

    // Per grid: GY-01-01 (#1-#4), GY-01-02 (#5-#7), GY-02-01 (#10 received, #9 overdue).
    let a = group(&app, &v, "GY-01-01").await;
    assert_eq!(
        (a["received"].as_u64(), a["excluded"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(nd(&a["accepted_on_time"]), (2, 3));
    assert_eq!(nd(&a["resolved_on_time"]), (1, 3));
    assert_eq!(nd(&a["satisfaction"]), (3, 4));
    assert_eq!(nd(&a["sent_back"]), (1, 3));
    assert_eq!(nd(&a["resolution"]), (3, 3));
    assert_eq!(a["overdue_open"], 0);
    let b = group(&app, &v, "GY-01-02").await;
    assert_eq!(b["received"], 3);
    assert_eq!(nd(&b["accepted_on_time"]), (2, 3));
    assert_eq!(nd(&b["resolved_on_time"]), (1, 3));
    assert_eq!(nd(&b["satisfaction"]), (0, 0));
    assert_eq!(rate(&b["satisfaction"]), None, "0/0 is no rate, not 0 %");
    assert_eq!(nd(&b["resolution"]), (1, 3));
    assert_eq!(b["overdue_open"], 2);
    let cg = group(&app, &v, "GY-02-01").await;
    assert_eq!(
        (cg["received"].as_u64(), cg["excluded"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(cg["overdue_open"], 1);
    assert_eq!(nd(&cg["accepted_on_time"]), (0, 0));
    assert_eq!(v["groups"].as_array().unwrap().len(), 3);

    // Weeks (Monday first): 10-01..04, 10-05..11, 10-12..18, 10-19..25, 10-26..31.
    let weekly: Vec<u64> = v["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["figures"]["received"].as_u64().unwrap())
        .collect();
    assert_eq!(weekly, [0, 6, 1, 0, 1]);

    // Per community and per department.
    let (_, v) = json(&app, &format!("/api/v1/figures?{OCTOBER}&dim=community")).await;
    let gy01 = app.grid_id("GY-01").await.to_string();
    let g = v["groups"].as_array().unwrap();
    assert_eq!(g.len(), 2);
    let f01 = &g.iter().find(|g| g["key"] == gy01).unwrap()["figures"];
    assert_eq!(f01["received"], 7);
    assert_eq!(nd(&f01["accepted_on_time"]), (4, 6));
    let (_, v) = json(&app, &format!("/api/v1/figures?{OCTOBER}&dim=department")).await;
    let g = v["groups"].as_array().unwrap();
    assert_eq!(g.len(), 1);
    assert_eq!(g[0]["key"], "housing_construction");
    assert_eq!(g[0]["label"], "住房和城乡建设局");
    assert_eq!(g[0]["figures"]["received"], 1);
    assert_eq!(nd(&g[0]["figures"]["resolved_on_time"]), (1, 1));

    // September: #8 and #9 received, both open past their deadlines at September's end.
    let (_, v) = json(&app, "/api/v1/figures?from=2026-09-01&to=2026-09-30").await;
    assert_eq!(v["total"]["received"], 2);
    assert_eq!(v["total"]["overdue_open"], 2);
    assert_eq!(nd(&v["total"]["accepted_on_time"]), (2, 2));
    assert_eq!(nd(&v["total"]["resolved_on_time"]), (0, 2));

    // Drill-down: the cases behind numerators and denominators.
    let q = |figure: &str, part: &str, key: &str| {
        format!("{OCTOBER}&dim=grid&key={key}&figure={figure}&part={part}")
    };
    assert_eq!(
        listed(&app, &q("accepted_on_time", "num", "")).await,
        [c[0], c[2], c[4], c[6]]
    );
    assert_eq!(
        listed(&app, &q("accepted_on_time", "den", "")).await,
        [c[0], c[1], c[2], c[4], c[5], c[6]]
    );
    assert_eq!(
        listed(&app, &q("overdue_open", "num", "")).await,
        [c[5], c[6], c[8]]
    );
    assert_eq!(listed(&app, &q("sent_back", "num", "")).await, [c[2]]);
    assert_eq!(listed(&app, &q("excluded", "num", "")).await, [c[3], c[9]]);
    let b_key = app.grid_id("GY-01-02").await.to_string();
    assert_eq!(
        listed(&app, &q("resolved_on_time", "den", &b_key)).await,
        [c[4], c[5], c[6]]
    );

    // The page: numbers, "—" for 0/0, charts, links.
    let (status, page) = app.get(&format!("/console/figures?{OCTOBER}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<svg class=\"chart\""), "server-drawn charts");
    let doc = scraper::Html::parse_document(&page);
    let cell = |row: &str, figure: &str| {
        let sel =
            scraper::Selector::parse(&format!("tr.{row} td[data-figure={figure}] .rate")).unwrap();
        doc.select(&sel)
            .next()
            .map(|e| e.text().collect::<String>())
    };
    assert_eq!(cell("total", "accepted_on_time").as_deref(), Some("66.7%"));
    assert_eq!(cell("total", "resolved_on_time").as_deref(), Some("33.3%"));
    assert_eq!(cell("total", "satisfaction").as_deref(), Some("75.0%"));
    let sel = scraper::Selector::parse(&format!(
        "tr[data-key=\"{b_key}\"] td[data-figure=satisfaction] .rate"
    ))
    .unwrap();
    assert_eq!(
        doc.select(&sel).next().unwrap().text().collect::<String>(),
        "—"
    );

    // Both languages, every label translated (no raw `figures.*` keys on the page).
    for (lang, word) in [("zh-CN", "按时办结率"), ("en", "Resolved on time")] {
        for path in [
            format!("/console/figures?{OCTOBER}&dim=department&lang={lang}"),
            format!("/console/figures/workers?{OCTOBER}&lang={lang}"),
            format!("/console/figures/cases?{OCTOBER}&figure=satisfaction&part=den&lang={lang}"),
        ] {
            let (status, page) = app.get(&path).await;
            assert_eq!(status, 200, "{path}");
            assert!(
                !page.contains(">figures.") && !page.contains(" figures."),
                "{path}: untranslated key"
            );
            if path.contains("dim=") {
                assert!(page.contains(word), "{path}");
            }
        }
    }

    // The export: the same numbers in the workbook.
    let r = app
        .client
        .get(app.url(&format!("/console/figures/export.xlsx?{OCTOBER}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("指标").unwrap();
    let total = sheet.rows().find(|r| r[0] == "合计").expect("a total row");
    let n = |i: usize| total[i].to_string();
    // Columns after the label: 受理, 排除, 按时签收, 应签收, 率, 按时办结, 应办结, 率, …
    assert_eq!(
        [n(1), n(2), n(3), n(4), n(6), n(7)],
        ["8", "2", "4", "6", "2", "6"]
    );
    assert_eq!(n(20), "3", "open past deadline");
    // In English the workbook's words are English (from the locale files), the numbers the same.
    let r = app
        .client
        .get(app.url(&format!("/console/figures/export.xlsx?{OCTOBER}&lang=en")))
        .send()
        .await
        .unwrap();
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("Figures").unwrap();
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[1], "Received", "{header:?}");
    assert!(header.iter().all(|h| h.is_ascii()), "{header:?}");
    let total = sheet.rows().find(|r| r[0] == "Total").expect("a total row");
    assert_eq!(total[20].to_string(), "3");
}

#[tokio::test]
async fn the_assessment_per_grid_worker() {
    let app = spawn(Fixture::Demo).await;
    let ids = script(&app).await;
    app.login_demo("admin").await;
    let (status, v) = json(&app, &format!("/api/v1/figures/workers?{OCTOBER}")).await;
    assert_eq!(status, 200, "{v}");
    let row = |u: &str| {
        v["workers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["username"] == u)
            .unwrap_or_else(|| panic!("no row for {u}"))
            .clone()
    };
    // worker-gy-01-01 signed for #1 #2 #3; its grid received #1-#4.
    let a = row("worker-gy-01-01");
    assert_eq!(a["accepted_by_them"], 3);
    assert_eq!(a["figures"]["received"], 4);
    assert_eq!(nd(&a["figures"]["accepted_on_time"]), (2, 3));
    assert_eq!(nd(&a["figures"]["sent_back"]), (1, 3));
    // worker-gy-01-02 signed for #5 #7; #6 and #7 are open past their deadlines.
    let b = row("worker-gy-01-02");
    assert_eq!(b["accepted_by_them"], 2);
    assert_eq!(b["figures"]["received"], 3);
    assert_eq!(b["figures"]["overdue_open"], 2);
    // worker-gy-02-01 signed for #8 #9 in September: none of October's cases.
    let c = row("worker-gy-02-01");
    assert_eq!(c["accepted_by_them"], 0);
    assert_eq!(c["figures"]["received"], 1);
    assert_eq!(c["figures"]["overdue_open"], 1);
    // A worker with no cases has a row of dashes, not of zeros pretending to be rates.
    let idle = row("worker-gy-03-01");
    assert_eq!(idle["figures"]["received"], 0);
    assert_eq!(idle["figures"]["accepted_on_time"]["rate"], Value::Null);
    assert_eq!(v["workers"].as_array().unwrap().len(), 12);

    let (status, page) = app
        .get(&format!("/console/figures/workers?{OCTOBER}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("data-worker=\"worker-gy-01-01\""));
    // Every number of a row drills down to its cases: #1 #2 #3 signed for by the worker;
    // on time #1 #3 of #1 #2 #3 (#4 was rejected); sent back #3.
    let c = &ids;
    let cell = |figure: &str, class: &str| {
        let sel = format!("tr[data-worker=\"worker-gy-01-01\"] td[data-figure={figure}] a{class}");
        crate::helpers::attr_of(&page, &sel, "href").unwrap_or_else(|| panic!("{sel}"))
    };
    let listed_at = |href: String| {
        let app = &app;
        async move {
            let (status, page) = app.get(&href).await;
            assert_eq!(status, 200, "{href}: {page}");
            let doc = scraper::Html::parse_document(&page);
            let sel = scraper::Selector::parse("tr[data-case]").unwrap();
            doc.select(&sel)
                .map(|r| r.value().attr("data-case").unwrap().parse::<i64>().unwrap())
                .collect::<Vec<i64>>()
        }
    };
    assert_eq!(
        listed_at(cell("accepted_by_them", "")).await,
        [c[0], c[1], c[2]]
    );
    assert_eq!(
        listed_at(cell("received", "")).await,
        [c[0], c[1], c[2], c[3]]
    );
    assert_eq!(
        listed_at(cell("accepted_on_time", ":first-of-type")).await,
        [c[0], c[2]]
    );
    assert_eq!(
        listed_at(cell("accepted_on_time", ":last-of-type")).await,
        [c[0], c[1], c[2]]
    );
    assert_eq!(listed_at(cell("sent_back", "")).await, [c[2]]);
    // Another worker's row is not for a grid worker to open.
    let other = app
        .count("SELECT id AS n FROM staff WHERE username = 'worker-gy-01-02'")
        .await;
    let worker = TestApp::new_client();
    app.login_as(&worker, "worker-gy-01-01", "mashang-worker-gy-01-01")
        .await;
    let r = worker
        .get(app.url(&format!(
            "/console/figures/cases?{OCTOBER}&worker={other}&figure=received&part=num"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = app
        .client
        .get(app.url(&format!("/console/figures/workers/export.xlsx?{OCTOBER}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    use calamine::{Reader, Xlsx};
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("动态考核").unwrap();
    let names: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
    let a_row = sheet
        .rows()
        .find(|r| r[1].to_string().contains("邮电"))
        .expect("the row of worker-gy-01-01's grid");
    // 本人签收, then 受理.
    assert_eq!(
        (a_row[2].to_string(), a_row[3].to_string()),
        ("3".into(), "4".into())
    );
    assert!(names.len() >= 12);
}

/// The values a `<select name=...>` on a page offers, in order.
fn options(page: &str, name: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(&format!("select[name={name}] option")).unwrap();
    doc.select(&sel)
        .map(|o| o.value().attr("value").unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn each_account_sees_only_its_own_figures() {
    let app = spawn(Fixture::Demo).await;
    let c = script(&app).await;

    // A grid worker: their compound only, and no widening through the query.
    app.login_demo("worker-gy-01-01").await;
    let (status, v) = json(&app, &format!("/api/v1/figures?{OCTOBER}")).await;
    assert_eq!(status, 200);
    assert_eq!(v["total"]["received"], 4);
    assert_eq!(v["groups"].as_array().unwrap().len(), 1);
    for grid in ["GY-01-02", "GY-01", "GY"] {
        let (status, v) = json(&app, &format!("/api/v1/figures?{OCTOBER}&grid={grid}")).await;
        assert_eq!(status, 403, "{grid}: {v}");
        assert_eq!(
            app.get(&format!("/console/figures?{OCTOBER}&grid={grid}"))
                .await
                .0,
            403
        );
    }
    // The chooser offers their grid only, and every department.
    let (_, page) = app.get(&format!("/console/figures?{OCTOBER}")).await;
    assert_eq!(options(&page, "grid"), ["", "GY-01-01"]);
    assert!(options(&page, "department").len() > 2);
    // Narrowing to their own grid is fine.
    let (status, v) = json(&app, &format!("/api/v1/figures?{OCTOBER}&grid=GY-01-01")).await;
    assert_eq!((status, v["total"]["received"].as_u64()), (200, Some(4)));
    // Another grid's group key in a drill-down lists nothing of it.
    let b_key = app.grid_id("GY-01-02").await;
    assert!(listed(
        &app,
        &format!("{OCTOBER}&key={b_key}&figure=received&part=num")
    )
    .await
    .is_empty());
    assert_eq!(
        listed(&app, &format!("{OCTOBER}&figure=received&part=num")).await,
        [c[0], c[1], c[2], c[3]]
    );
    // Their own assessment row only.
    let (_, v) = json(&app, &format!("/api/v1/figures/workers?{OCTOBER}")).await;
    let names: Vec<&str> = v["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["worker-gy-01-01"]);

    // A community head: their community's workers.
    let head = TestApp::new_client();
    app.login_as(&head, "head-gy-01", "mashang-head-gy-01")
        .await;
    let v: Value = head
        .get(app.url(&format!("/api/v1/figures/workers?{OCTOBER}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = v["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["username"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 4);
    assert!(
        names.iter().all(|n| n.starts_with("worker-gy-01-")),
        "{names:?}"
    );
    let v: Value = head
        .get(app.url(&format!("/api/v1/figures?{OCTOBER}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"]["received"], 7);
    let r = head
        .get(app.url(&format!("/api/v1/figures?{OCTOBER}&grid=GY-02")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // A department liaison: the cases handed to their department, and no other department.
    let zjj = TestApp::new_client();
    app.login_as(&zjj, "liaison-zjj", "mashang-liaison-zjj")
        .await;
    let v: Value = zjj
        .get(app.url(&format!("/api/v1/figures?{OCTOBER}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"]["received"], 1);
    assert_eq!(v["department"], "housing_construction");
    // Their chooser offers their own department and no "all".
    let page = app
        .page_of(&zjj, &format!("/console/figures?{OCTOBER}"))
        .await;
    assert_eq!(options(&page, "department"), ["housing_construction"]);
    assert!(page.contains("仅交办至住房和城乡建设局的案件"), "{page}");
    let status = |client: &reqwest::Client, path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        status(
            &zjj,
            format!("/api/v1/figures?{OCTOBER}&department=market_supervision")
        )
        .await,
        403
    );
    assert_eq!(
        status(&zjj, format!("/console/figures/workers?{OCTOBER}")).await,
        403
    );
    // The other liaison's department had nothing: an empty dashboard that says so.
    let scjg = TestApp::new_client();
    app.login_as(&scjg, "liaison-scjg", "mashang-liaison-scjg")
        .await;
    let page = scjg
        .get(app.url(&format!("/console/figures?{OCTOBER}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("class=\"muted no-data\""), "{page}");

    // A cashier has no figures.
    let cashier = TestApp::new_client();
    app.login_as(&cashier, "cashier-huimin", "mashang-cashier-huimin")
        .await;
    assert_eq!(
        status(&cashier, format!("/console/figures?{OCTOBER}")).await,
        403
    );
    assert_eq!(
        status(&cashier, format!("/api/v1/figures?{OCTOBER}")).await,
        403
    );
}

#[tokio::test]
async fn a_period_without_data_says_so_and_bad_periods_are_refused() {
    let app = spawn(Fixture::Demo).await;
    script(&app).await;
    app.login_demo("admin").await;
    // August 2026: nothing received, nothing open.
    let (status, page) = app
        .get("/console/figures?from=2026-08-01&to=2026-08-31")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("class=\"muted no-data\""));
    assert!(
        !page.contains("<svg class=\"chart\""),
        "no charts of nothing"
    );
    assert!(!page.contains("0.0%"), "no zeros pretending to be rates");
    let (_, v) = json(&app, "/api/v1/figures?from=2026-08-01&to=2026-08-31").await;
    assert_eq!(v["total"]["received"], 0);
    assert_eq!(v["total"]["accepted_on_time"]["rate"], Value::Null);
    assert_eq!(v["total"]["mean_hours_to_accept"], Value::Null);
    assert_eq!(v["groups"], serde_json::json!([]));
    // The export of an empty period is a workbook with a total row of zeros and dashes.
    let r = app
        .client
        .get(app.url("/console/figures/export.xlsx?from=2026-08-01&to=2026-08-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    for bad in [
        "from=2026-10-31&to=2026-10-01",
        "from=yesterday",
        "from=2024-01-01&to=2026-01-01",
        "dim=planet",
        "grid=NOPE",
        "department=nope",
    ] {
        let (status, v) = json(&app, &format!("/api/v1/figures?{bad}")).await;
        assert_eq!(status, 422, "{bad}: {v}");
    }
    let (status, v) = json(&app, "/api/v1/figures?from=2026-10-31&to=2026-10-01").await;
    assert_eq!((status, v["reason"].as_str()), (422, Some("bad_period")));
}
