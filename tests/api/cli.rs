use crate::helpers::{spawn_with, test_settings, Fixture, PUBLIC_URL};
use std::process::Command;

fn mashang(db_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mashang"))
        .args(args)
        .env("MASHANG__DATABASE__URL", db_url)
        .env("MASHANG__SERVER__PUBLIC_URL", PUBLIC_URL)
        .env("MASHANG__LOG__FILTER", "warn")
        .output()
        .unwrap()
}

/// The names of all shops, read with psql.
fn app_shop_names(db_url: &str) -> std::collections::HashSet<String> {
    let out = Command::new("psql")
        .args([db_url, "-tAc", "SELECT name FROM shops"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

struct Db(String, String);
impl Drop for Db {
    fn drop(&mut self) {
        let name = self.1.clone();
        let _ = std::process::Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "root",
                "-d",
                "postgres",
                "-qc",
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ])
            .output();
    }
}

#[tokio::test]
async fn demo_is_idempotent_and_export_writes_every_code() {
    let (settings, name) = test_settings(Fixture::Empty);
    let db = Db(settings.database.url.clone(), name.clone());
    let first = mashang(&db.0, &["demo"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(out.contains("households: 2000 new"), "{out}");
    assert!(out.contains("shops: 60 new"), "{out}");
    assert!(out.contains("2060 codes issued"), "{out}");
    assert!(
        out.contains("mashang-admin"),
        "the command prints sign-ins: {out}"
    );
    assert!(out.contains("48 cases reported"), "{out}");
    assert!(
        out.contains("poll opened: 邮电小区老旧小区改造意见征集"),
        "{out}"
    );
    assert!(out.contains("12 residents of 邮电小区"), "{out}");
    assert!(out.contains("resident01@demo.mashang.cn"), "{out}");
    let second = mashang(&db.0, &["demo"]);
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(
        out.contains("households: 0 new, 0 updated, 2000 unchanged"),
        "{out}"
    );
    assert!(
        out.contains("0 codes issued") && out.contains("0 news items published"),
        "{out}"
    );
    assert!(out.contains(" 0 cases reported"), "{out}");
    assert!(!out.contains("poll opened"), "{out}");
    assert!(
        !out.contains("residents of 邮电小区"),
        "residents are loaded once: {out}"
    );

    // The demo's cases went through the real ledger: the dashboard has five weeks of them.
    let app = spawn_with(settings.clone(), name).await;
    app.login_demo("admin").await;
    let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&china).date_naive();
    let period = format!("from={}&to={today}", today - chrono::Duration::days(36));
    let (status, body) = app.get(&format!("/api/v1/figures?{period}")).await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let total = &v["total"];
    assert_eq!(total["received"], 48, "{total}");
    // Two were rejected (outside the grid's remit).
    assert_eq!(total["excluded"], 2, "{total}");
    // Every handled story accepted within its deadline, except the late ones.
    let accepted = &total["accepted_on_time"];
    assert_eq!(accepted["den"], 46, "{total}");
    assert!(accepted["num"].as_u64().unwrap() >= 25, "{total}");
    // Residents rated, one in ten sent a case back, four still wait past their deadline.
    assert!(
        total["satisfaction"]["den"].as_u64().unwrap() >= 25,
        "{total}"
    );
    assert!(total["sent_back"]["num"].as_u64().unwrap() >= 4, "{total}");
    assert!(total["overdue_open"].as_u64().unwrap() >= 4, "{total}");
    // Every compound had cases.
    assert_eq!(v["groups"].as_array().unwrap().len(), 12, "{v}");
    // One poll, open now, for 邮电小区's households.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM polls WHERE opens_at <= now() AND closes_at > now()")
            .await,
        1
    );
    // Residents bound to their doors, with points: 8 voted (and earned for it), one
    // redemption confirmed at 惠民超市 and one waiting; the points journal passes its audit.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM household_members")
            .await,
        12
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM poll_ballots").await, 8);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM points_holds WHERE status = 'pending'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM points_holds WHERE status = 'captured'")
            .await,
        1
    );
    assert!(
        app.count("SELECT count(*) AS n FROM points_transfers WHERE id LIKE 'earn:poll:%'")
            .await
            >= 8
    );
    let mut conn = app.conn().await;
    let audit = mashang::points::audit::run(&mut conn, &app.state.redis, false)
        .await
        .unwrap();
    assert!(audit.ok(), "{:?}", audit.problems);
    drop(conn);
    // A made-up history mails nobody.
    assert_eq!(app.count("SELECT count(*) AS n FROM mail_outbox").await, 0);

    let dir = std::env::temp_dir().join(format!("mashang-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("codes.csv");
    let r = mashang(
        &db.0,
        &[
            "codes",
            "export",
            "--grid",
            "GY-01",
            "--kind",
            "household",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = std::fs::read_to_string(&file).unwrap();
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = rows.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "kind",
            "label",
            "grid_code",
            "grid_path",
            "url",
            "check_code"
        ]
    );
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    // 平原社区's four compounds: 168 + 256 + 212 + 86 households.
    assert_eq!(records.len(), 168 + 256 + 212 + 86);
    for r in &records {
        assert_eq!(&r[0], "household");
        assert!(r[2].starts_with("GY-01-"));
        assert!(r[3].starts_with("工业街道 / 平原社区 / "));
        assert!(
            r[4].starts_with("HTTP://MASHANG.TEST/C/")
                && r[4].len() == "HTTP://MASHANG.TEST/C/".len() + 26
        );
        assert_eq!(r[5].len(), 4);
    }
    // Shop codes carry the shop's name as their label (concat_ws over a shop's missing door
    // gives '' rather than NULL, which once left every shop's label empty).
    let r = mashang(
        &db.0,
        &[
            "codes",
            "export",
            "--kind",
            "shop",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = std::fs::read_to_string(&file).unwrap();
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let shops: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    assert_eq!(shops.len(), 60);
    let names: std::collections::HashSet<String> = app_shop_names(&db.0);
    for r in &shops {
        assert_eq!(&r[0], "shop");
        assert!(
            names.contains(&r[1]),
            "label {:?} is not a shop's name",
            &r[1]
        );
    }
    let r = mashang(
        &db.0,
        &[
            "codes",
            "export",
            "--grid",
            "NOPE",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("no grid with code NOPE"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn command_line_import_refuses_bad_files_and_is_idempotent() {
    let (settings, name) = test_settings(Fixture::Demo);
    let db = Db(settings.database.url.clone(), name);
    let dir = std::env::temp_dir().join(format!("mashang-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("shops.csv");
    std::fs::write(
        &good,
        "grid_code,name,address,accepts_points\nGY-02-03,粮油店,工业街道昭君路3号,yes\n",
    )
    .unwrap();
    let r = mashang(&db.0, &["import", good.to_str().unwrap()]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(String::from_utf8_lossy(&r.stdout).contains("1 new"));
    let r = mashang(&db.0, &["import", good.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&r.stdout).contains("0 new, 0 updated, 1 unchanged"));
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "grid_code,name,address\nGY-02-03,,x\n").unwrap();
    let r = mashang(&db.0, &["import", bad.to_str().unwrap()]);
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("Line 2") && err.contains("nothing imported"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Run the command against the test's database and Redis namespace (as a deployment does).
fn mashang_with_redis(settings: &mashang::config::Settings, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mashang"))
        .args(args)
        .env("MASHANG__DATABASE__URL", &settings.database.url)
        .env("MASHANG__REDIS__URL", &settings.redis.url)
        .env("MASHANG__REDIS__KEY_PREFIX", &settings.redis.key_prefix)
        .env("MASHANG__SERVER__PUBLIC_URL", PUBLIC_URL)
        .env("MASHANG__LOG__FILTER", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_running_instance_shows_a_command_line_import_within_about_a_second() {
    let (settings, db) = test_settings(Fixture::Demo);
    let app = spawn_with(settings.clone(), db).await;
    let shop = {
        let mut c = app.conn().await;
        let g = mashang::grids::Grid::by_code(&mut c, "GY-01-01")
            .await
            .unwrap()
            .unwrap();
        mashang::grids::shops::Shop::list_for_grid(&mut c, g.id)
            .await
            .unwrap()
            .remove(0)
    };
    let page = format!("/C/{}", shop.token.clone().unwrap());
    let badge = |html: &str| crate::helpers::text_of(html, ".badge").is_some();
    // The instance has the shop's page cached.
    let (status, body) = app.get(&page).await;
    assert_eq!(status, 200);
    assert_eq!(badge(&body), shop.shop.accepts_points);
    // The command line flips whether the shop takes points.
    let dir = std::env::temp_dir().join(format!("mashang-import-epoch-{}", app.db_name));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("shops.csv");
    std::fs::write(
        &file,
        format!(
            "grid_code,name,address,accepts_points\nGY-01-01,{},{},{}\n",
            shop.shop.name,
            shop.shop.address,
            if shop.shop.accepts_points {
                "no"
            } else {
                "yes"
            }
        ),
    )
    .unwrap();
    let r = tokio::task::spawn_blocking({
        let (settings, file) = (settings.clone(), file.clone());
        move || mashang_with_redis(&settings, &["import", file.to_str().unwrap()])
    })
    .await
    .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(String::from_utf8_lossy(&r.stdout).contains("1 updated"));
    let started = std::time::Instant::now();
    loop {
        let (_, body) = app.get(&page).await;
        if badge(&body) != shop.shop.accepts_points {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "the instance still shows the shop as before the import"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn command_line_import_refuses_a_sheet_reaching_xfd1048576() {
    let (settings, name) = test_settings(Fixture::Demo);
    let db = Db(settings.database.url.clone(), name);
    let dir = std::env::temp_dir().join(format!("mashang-import-far-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "网格编码").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let file = dir.join("far.xlsx");
    std::fs::write(&file, wb.save_to_buffer().unwrap()).unwrap();
    let start = std::time::Instant::now();
    let r = mashang(&db.0, &["import", file.to_str().unwrap()]);
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("row 1048576, column XFD")
            && err.contains("at most 60000 rows and 64 columns"),
        "{err}"
    );
    assert!(err.contains("nothing imported"), "{err}");
    // The whole command, start-up and migrations included.
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    std::fs::remove_dir_all(&dir).unwrap();
}
