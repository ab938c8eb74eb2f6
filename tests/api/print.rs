//! Printed code sheets: every symbol on the printed page decodes to exactly its code's URL
//! (rasterised at 300 dpi, as a printer would, then read with a QR decoder), every batch is
//! recorded with its codes, bad input is refused with stable codes, scope holds.

use crate::helpers::{spawn, spawn_with, test_settings, Fixture, TestApp, PUBLIC_URL};
use mashang::codes::token::code_url;

#[path = "../../src/print/raster.rs"]
mod raster;

/// Rasterise at `dpi` with poppler's pdftoppm and decode every QR symbol on every page.
pub(crate) fn decode_pdf(pdf: &[u8], dpi: u32) -> Vec<String> {
    raster::decode_symbols(pdf, dpi).unwrap()
}

/// The text of a PDF (poppler's pdftotext).
fn pdf_text(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!(
        "mashang-print-text-{}.pdf",
        mashang::codes::token::new_token()
    ));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// Pages, as poppler's pdfinfo counts them (an independent reader of the merged file).
fn page_count(pdf: &[u8]) -> usize {
    let path = std::env::temp_dir().join(format!(
        "mashang-print-info-{}.pdf",
        mashang::codes::token::new_token()
    ));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdfinfo")
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "pdfinfo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap_or_else(|| panic!("pdfinfo: {text}"))
        .trim()
        .parse()
        .unwrap()
}

#[derive(diesel::QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct CodeRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    token: String,
}

/// The active codes of `kind` in the subtree of the grid `code`.
async fn codes_in(app: &TestApp, grid: &str, kind: &str) -> Vec<CodeRow> {
    let mut conn = app.conn().await;
    diesel_async::RunQueryDsl::load(
        diesel::sql_query(
            "SELECT c.id, c.token FROM codes c
             LEFT JOIN households h ON h.id = c.household_id
             LEFT JOIN shops s ON s.id = c.shop_id
             JOIN grids g ON g.id = COALESCE(h.grid_id, s.grid_id)
             JOIN grids r ON r.code = $1
             WHERE c.status = 'active' AND c.kind = $2 AND g.path LIKE r.path || '%'
             ORDER BY c.id",
        )
        .bind::<diesel::sql_types::Text, _>(grid)
        .bind::<diesel::sql_types::Text, _>(kind),
        &mut conn,
    )
    .await
    .unwrap()
}

async fn batch_code_ids(app: &TestApp, batch: i64) -> Vec<i64> {
    let mut conn = app.conn().await;
    mashang::print::PrintBatch::code_ids(&mut conn, batch)
        .await
        .unwrap()
}

fn urls_of(codes: &[CodeRow]) -> Vec<String> {
    let mut urls: Vec<String> = codes
        .iter()
        .map(|c| code_url(PUBLIC_URL, &c.token))
        .collect();
    urls.sort();
    urls
}

/// POST the print form; returns the response.
async fn post_print(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    template: &str,
    grids: &[i64],
    accept: &str,
) -> reqwest::Response {
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.into()),
        ("template".into(), template.into()),
    ];
    for g in grids {
        form.push(("grid_ids".into(), g.to_string()));
    }
    client
        .post(app.url("/console/print"))
        .header("Accept", accept)
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn console_door_labels_decode_to_exactly_the_batch_codes_and_are_recorded() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("worker-gy-01-01").await;
    let (status, page) = app.get("/console/print").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("门牌码贴纸"),
        "the form offers the door labels"
    );
    let grid = app.grid_id("GY-01-01").await;
    let r = post_print(
        &app,
        &app.client,
        &csrf,
        "door-labels",
        &[grid],
        "text/html",
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    // Sent while it is made: no length known up front.
    assert!(r.headers().get("content-length").is_none());
    assert_eq!(r.headers()["transfer-encoding"], "chunked");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let batch: i64 = r.headers()["x-print-batch"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let pdf = r.bytes().await.unwrap();

    let expected = codes_in(&app, "GY-01-01", "household").await;
    assert!(expected.len() > 21, "more than one sheet");
    let mut decoded = decode_pdf(&pdf, 300);
    decoded.sort();
    // Every symbol decodes, each code exactly once, nothing else.
    assert_eq!(decoded, urls_of(&expected));
    // 21 stickers per A4 sheet.
    assert_eq!(page_count(&pdf), expected.len().div_ceil(21));
    // The sheet says where each door is and carries the check codes.
    let text = pdf_text(&pdf);
    assert!(
        text.contains("码上生活") && text.contains("邮电小区"),
        "{text}"
    );

    // Recorded: who, which template and grid, which codes.
    let mut recorded = batch_code_ids(&app, batch).await;
    recorded.sort();
    assert_eq!(recorded, expected.iter().map(|c| c.id).collect::<Vec<_>>());
    let worker = app
        .count("SELECT id AS n FROM staff WHERE username = 'worker-gy-01-01'")
        .await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM print_batches WHERE id = {batch} AND staff_id = {worker}
               AND template = 'door-labels' AND via = 'console' AND grid_ids = ARRAY[{grid}]::bigint[]
               AND code_count = {} AND status = 'done' AND page_count = {} AND finished_at IS NOT NULL",
            expected.len(),
            page_count(&pdf)
        ))
        .await,
        1
    );
    // Listed on the console page.
    let (_, page) = app.get("/console/print").await;
    assert!(page.contains(&format!("data-batch=\"{batch}\"")), "{page}");
}

/// A download abandoned half-way stops the renderer, and the batch says it broke off (its
/// codes stay recorded: they may have reached a printer).
#[tokio::test]
async fn a_cancelled_download_stops_rendering_and_is_recorded_as_failed() {
    let app = spawn(Fixture::Demo).await;
    let grid = mashang::grids::Grid::by_code(&mut *app.conn().await, "GY-01-01")
        .await
        .unwrap()
        .unwrap();
    let staff = app
        .count("SELECT id AS n FROM staff WHERE username = 'worker-gy-01-01'")
        .await;
    let started = mashang::print::start_batch(
        &mut *app.conn().await,
        mashang::print::BatchRequest {
            template: mashang::print::Template::DoorLabels,
            grids: std::slice::from_ref(&grid),
            by: mashang::print::PrintedBy::Staff {
                id: staff,
                username: "worker-gy-01-01".into(),
            },
            public_base: PUBLIC_URL,
            limit: 1000,
            script: mashang::print::Script::Chinese,
        },
    )
    .await
    .unwrap();
    let batch = started.batch.id;
    assert_eq!(started.batch.status, "printing");
    let engine = app.state.print.get().await.unwrap();
    // The browser goes away before the first chunk arrives.
    drop(mashang::print::stream_batch(
        started,
        engine,
        app.state.db.clone(),
    ));
    let mut status = String::new();
    for _ in 0..600 {
        let b = mashang::print::PrintBatch::find(&mut *app.conn().await, batch)
            .await
            .unwrap();
        status = b.status;
        if status != "printing" {
            assert!(b.failure.unwrap().contains("reader went away"));
            assert_eq!(b.page_count, 0);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "failed");
    assert_eq!(
        batch_code_ids(&app, batch).await.len(),
        codes_in(&app, "GY-01-01", "household").await.len()
    );
    // Listed as broken off, without a page count.
    app.login_demo("worker-gy-01-01").await;
    let page = app.page_of(&app.client, "/console/print").await;
    assert!(page.contains(&format!("data-batch=\"{batch}\"")));
    assert!(page.contains("未完成"), "{page}");
}

#[tokio::test]
async fn binding_slips_carry_each_households_binding_code_and_its_door_code() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("head-gy-01").await;
    let grid = app.grid_id("GY-01-01").await;
    let r = post_print(
        &app,
        &app.client,
        &csrf,
        "binding-slip",
        &[grid],
        "text/html",
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    let pdf = r.bytes().await.unwrap();
    let expected = codes_in(&app, "GY-01-01", "household").await;
    let mut decoded = decode_pdf(&pdf, 300);
    decoded.sort();
    assert_eq!(decoded, urls_of(&expected));
    // Every household's binding code is on its slip (grouped by five for reading).
    let text: String = pdf_text(&pdf).split_whitespace().collect();
    let mut conn = app.conn().await;
    #[derive(diesel::QueryableByName)]
    struct B {
        #[diesel(sql_type = diesel::sql_types::Text)]
        binding_code: String,
    }
    let codes: Vec<B> = diesel_async::RunQueryDsl::load(
        diesel::sql_query(
            "SELECT h.binding_code FROM households h JOIN grids g ON g.id = h.grid_id
             WHERE g.code = 'GY-01-01'",
        ),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(codes.len(), expected.len());
    for b in &codes {
        assert!(text.contains(&b.binding_code), "{} missing", b.binding_code);
    }
}

#[tokio::test]
async fn command_prints_shop_cards_for_a_community_and_records_the_batch() {
    let (settings, name) = test_settings(Fixture::Demo);
    let app = spawn_with(settings, name).await;
    let out = std::env::temp_dir().join(format!("mashang-shop-cards-{}.pdf", app.db_name));
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_mashang"))
        .args([
            "print",
            "--template",
            "shop-card",
            "--grid",
            "gy-01",
            "--out",
        ])
        .arg(&out)
        .env("MASHANG__DATABASE__URL", &app.settings.database.url)
        .env("MASHANG__SERVER__PUBLIC_URL", PUBLIC_URL)
        .env("MASHANG__LOG__FILTER", "warn")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    let pdf = std::fs::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    assert!(!out.with_extension("pdf.part").exists());

    let expected = codes_in(&app, "GY-01", "shop").await;
    assert!(!expected.is_empty());
    assert!(
        stdout.contains(&format!("{} shop-card codes", expected.len())),
        "{stdout}"
    );
    // One A6 card per shop.
    assert_eq!(page_count(&pdf), expected.len());
    let mut decoded = decode_pdf(&pdf, 300);
    decoded.sort();
    assert_eq!(decoded, urls_of(&expected));
    assert!(pdf_text(&pdf).contains("惠民超市"));

    let batch = app
        .count("SELECT id AS n FROM print_batches WHERE via = 'cli' AND staff_id IS NULL AND template = 'shop-card'")
        .await;
    let mut recorded = batch_code_ids(&app, batch).await;
    recorded.sort();
    assert_eq!(recorded, expected.iter().map(|c| c.id).collect::<Vec<_>>());
    // The console lists it to the head of that community.
    app.login_demo("head-gy-01").await;
    let (_, page) = app.get("/console/print").await;
    assert!(page.contains(&format!("data-batch=\"{batch}\"")));
}

#[tokio::test]
async fn command_prints_bilingual_door_labels_that_still_decode() {
    let (settings, name) = test_settings(Fixture::Demo);
    let app = spawn_with(settings, name).await;
    let out = std::env::temp_dir().join(format!("mashang-bilingual-{}.pdf", app.db_name));
    let run = |script: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mashang"))
            .args([
                "print",
                "--template",
                "door-labels",
                "--grid",
                "GY-01-01",
                "--script",
                script,
                "--out",
            ])
            .arg(&out)
            .env("MASHANG__DATABASE__URL", &app.settings.database.url)
            .env("MASHANG__SERVER__PUBLIC_URL", PUBLIC_URL)
            .env("MASHANG__LOG__FILTER", "warn")
            .output()
            .unwrap()
    };
    let r = run("mongolian-only");
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("zh or bilingual"));
    assert!(!out.exists());
    let r = run("bilingual");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let pdf = std::fs::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    let expected = codes_in(&app, "GY-01-01", "household").await;
    let mut decoded = decode_pdf(&pdf, 300);
    decoded.sort();
    assert_eq!(decoded, urls_of(&expected));
    // The Mongolian font is embedded beside the Chinese one.
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let first = *doc.get_pages().values().next().unwrap();
    let fonts: Vec<String> = doc
        .get_page_fonts(first)
        .unwrap()
        .values()
        .map(|f| {
            String::from_utf8_lossy(f.get(b"BaseFont").unwrap().as_name().unwrap()).into_owned()
        })
        .collect();
    assert!(
        fonts.iter().any(|f| f.contains("NotoSansMongolian")),
        "{fonts:?}"
    );
    assert!(fonts.iter().any(|f| f.contains("NotoSansCJK")), "{fonts:?}");
}

#[tokio::test]
async fn command_refuses_bad_input_naming_the_problem() {
    let (settings, name) = test_settings(Fixture::Demo);
    let app = spawn_with(settings, name).await;
    let out = std::env::temp_dir().join(format!("mashang-refused-{}.pdf", app.db_name));
    let run = |args: &[&str], limit: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mashang"))
            .args(args)
            .arg("--out")
            .arg(&out)
            .env("MASHANG__DATABASE__URL", &app.settings.database.url)
            .env("MASHANG__SERVER__PUBLIC_URL", PUBLIC_URL)
            .env("MASHANG__LOG__FILTER", "warn")
            .env("MASHANG__PRINT__MAX_CODES_PER_BATCH", limit)
            .output()
            .unwrap()
    };
    let r = run(&["print", "--template", "posters"], "20000");
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("unknown template"));
    let r = run(
        &["print", "--template", "door-labels", "--grid", "GY-01"],
        "100",
    );
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("batch_too_large") && err.contains("limit of 100"),
        "{err}"
    );
    assert!(!out.exists() && !out.with_extension("pdf.part").exists());
    assert_eq!(
        app.count("SELECT count(*) AS n FROM print_batches").await,
        0
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_stable_codes_and_pages_in_the_users_language() {
    let (mut settings, name) = test_settings(Fixture::Demo);
    settings.print.max_codes_per_batch = 300;
    let app = spawn_with(settings, name).await;
    let csrf = app.login_demo("head-gy-01").await;
    let compound = app.grid_id("GY-01-01").await;
    let community = app.grid_id("GY-01").await;
    let json = "application/json";

    // A template that does not exist.
    let r = post_print(&app, &app.client, &csrf, "poster", &[compound], json).await;
    assert_eq!(r.status().as_u16(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_input");
    assert_eq!(body["reason"], "unknown_template");
    let r = post_print(&app, &app.client, &csrf, "poster", &[compound], "text/html").await;
    let page = r.text().await.unwrap();
    assert!(page.contains("没有名为“poster”的版式"), "{page}");

    // A grid with no codes (a new compound, nobody imported yet).
    let mut conn = app.conn().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO grids (code, name, level, parent_id) VALUES ('GY-01-99', '新建小区', 3, {community})"
        )),
        &mut conn,
    )
    .await
    .unwrap();
    let empty = app.grid_id("GY-01-99").await;
    let r = post_print(
        &app,
        &app.client,
        &csrf,
        "door-labels",
        &[compound, empty],
        json,
    )
    .await;
    assert_eq!(r.status().as_u16(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["reason"], "grid_without_codes");
    assert!(body["message"].as_str().unwrap().contains("GY-01-99"));
    let r = app
        .client
        .post(app.url("/console/print"))
        .header("Accept-Language", "en")
        .form(&[
            ("csrf", csrf.as_str()),
            ("template", "door-labels"),
            ("grid_ids", &empty.to_string()),
        ])
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(
        page.contains("GY-01-99 新建小区 has no active door codes to print."),
        "{page}"
    );

    // A batch too large for the configured limit (the community has ~700 doors).
    let r = post_print(&app, &app.client, &csrf, "door-labels", &[community], json).await;
    assert_eq!(r.status().as_u16(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["reason"], "batch_too_large");
    assert!(body["message"].as_str().unwrap().contains("limit of 300"));
    let r = post_print(
        &app,
        &app.client,
        &csrf,
        "door-labels",
        &[community],
        "text/html",
    )
    .await;
    let page = r.text().await.unwrap();
    assert!(page.contains("每批最多 300 个码"), "{page}");

    // Nothing was printed, so nothing was recorded.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM print_batches").await,
        0
    );
}

#[tokio::test]
async fn a_grid_worker_cannot_print_another_grid() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("worker-gy-01-01").await;
    let other = app.grid_id("GY-01-02").await;
    let own = app.grid_id("GY-01-01").await;
    // The form offers only the worker's own grid.
    let (_, page) = app.get("/console/print").await;
    assert!(page.contains(&format!("value=\"{own}\"")));
    assert!(!page.contains(&format!("value=\"{other}\"")));
    // A forged grid id is refused, even next to the worker's own grid.
    let r = post_print(
        &app,
        &app.client,
        &csrf,
        "door-labels",
        &[own, other],
        "application/json",
    )
    .await;
    assert_eq!(r.status().as_u16(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "forbidden");
    assert_eq!(body["reason"], "grid_out_of_scope");
    let r = post_print(
        &app,
        &app.client,
        &csrf,
        "door-labels",
        &[other],
        "text/html",
    )
    .await;
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("不在您负责的网格内"));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM print_batches").await,
        0
    );
    // Without the CSRF token nothing happens either.
    let r = post_print(
        &app,
        &app.client,
        "forged",
        "door-labels",
        &[own],
        "application/json",
    )
    .await;
    assert_eq!(r.status().as_u16(), 403);
    // A department liaison may not print at all; the worker's batches stay theirs.
    let liaison = TestApp::new_client();
    app.login_as(&liaison, "liaison-scjg", "mashang-liaison-scjg")
        .await;
    let r = liaison.get(app.url("/console/print")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
}
