use crate::helpers::{attr_of, spawn, spawn_with, test_settings, Fixture, TestApp};
use reqwest::multipart::{Form, Part};

async fn upload(
    app: &TestApp,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
    skip: bool,
) -> (u16, String) {
    let mut form = Form::new()
        .text("csrf", csrf.to_owned())
        .text("kind", "")
        .part("file", Part::bytes(bytes).file_name(name.to_owned()));
    if skip {
        form = form.text("skip_bad_rows", "on");
    }
    let r = app
        .client
        .post(app.url("/console/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn households_in(app: &TestApp, grid: &str) -> i64 {
    app.count(&format!("SELECT count(*) AS n FROM households h JOIN grids g ON g.id = h.grid_id WHERE g.code = '{grid}'")).await
}

const GOOD: &str = "网格编码,楼栋,单元,房号,联系人,联系电话\n\
GY-01-01,99号楼,1单元,101,王大爷,13904771234\n\
GY-01-01,99号楼,1单元,102,,\n\
GY-01-02,99号楼,2单元,201,李阿姨,0477-5123456\n";

#[tokio::test]
async fn a_good_file_is_stored_with_codes_and_a_repeat_changes_nothing() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("admin").await;
    let before = households_in(&app, "GY-01-01").await;
    let (status, page) = upload(&app, &csrf, "住户.csv", GOOD.as_bytes().to_vec(), false).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        attr_of(&page, "[data-outcome]", "data-outcome").as_deref(),
        Some("applied")
    );
    assert_eq!(
        attr_of(&page, "[data-outcome]", "data-inserted").as_deref(),
        Some("3")
    );
    assert_eq!(households_in(&app, "GY-01-01").await, before + 2);
    // Every new door has its code.
    let codes = app.count("SELECT count(*) AS n FROM households h JOIN codes c ON c.household_id = h.id AND c.status = 'active' WHERE h.building = '99号楼'").await;
    assert_eq!(codes, 3);
    let phone = app.count("SELECT count(*) AS n FROM households WHERE building = '99号楼' AND contact_phone = '04775123456'").await;
    assert_eq!(phone, 1, "phones are stored normalised");

    let tokens_before = app.count("SELECT count(*) AS n FROM codes").await;
    let (status, page) = upload(&app, &csrf, "住户.csv", GOOD.as_bytes().to_vec(), false).await;
    assert_eq!(status, 200);
    assert_eq!(
        attr_of(&page, "[data-outcome]", "data-inserted").as_deref(),
        Some("0")
    );
    assert_eq!(
        attr_of(&page, "[data-outcome]", "data-updated").as_deref(),
        Some("0")
    );
    assert_eq!(
        attr_of(&page, "[data-outcome]", "data-unchanged").as_deref(),
        Some("3")
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM codes").await,
        tokens_before,
        "no new codes on a repeat"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM import_batches").await,
        2,
        "both batches are recorded"
    );
}

#[tokio::test]
async fn a_file_with_bad_rows_is_refused_whole_with_every_row_named() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("admin").await;
    let file = "grid_code,building,unit,room,contact_phone\n\
GY-01-01,88号楼,1单元,101,13900000000\n\
GY-01-01,88号楼,1单元,,13900000000\n\
NOPE,88号楼,1单元,103,\n\
GY-01,88号楼,1单元,104,\n\
GY-01-01,88号楼,1单元,105,12345\n\
GY-01-01,88号楼,1单元,101,\n";
    let total_before = app.count("SELECT count(*) AS n FROM households").await;
    let (status, page) = upload(&app, &csrf, "bad.csv", file.as_bytes().to_vec(), false).await;
    assert_eq!(status, 422);
    assert_eq!(
        attr_of(&page, "[data-outcome]", "data-outcome").as_deref(),
        Some("rows_rejected")
    );
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("tr[data-line]").unwrap();
    let found: Vec<(String, String)> = doc
        .select(&sel)
        .map(|e| {
            (
                e.value().attr("data-line").unwrap().to_owned(),
                e.value().attr("data-code").unwrap().to_owned(),
            )
        })
        .collect();
    let expect: Vec<(String, String)> = [
        (3, "missing"),
        (4, "unknown_grid"),
        (5, "not_level3_grid"),
        (6, "bad_phone"),
        (7, "duplicate"),
    ]
    .iter()
    .map(|(l, c)| (l.to_string(), c.to_string()))
    .collect();
    assert_eq!(found, expect);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM households").await,
        total_before,
        "nothing partial is stored"
    );

    // Asking to skip bad rows stores the one good row and lists the rest.
    let (status, page) = upload(&app, &csrf, "bad.csv", file.as_bytes().to_vec(), true).await;
    assert_eq!(status, 200);
    assert_eq!(
        attr_of(&page, "[data-outcome]", "data-inserted").as_deref(),
        Some("1")
    );
    assert_eq!(
        attr_of(&page, "[data-outcome]", "data-skipped").as_deref(),
        Some("5")
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM households").await,
        total_before + 1
    );
}

#[tokio::test]
async fn xlsx_and_gbk_csv_imports_work_and_shops_too() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("admin").await;
    // An Excel file as Chinese staff make them: Chinese headers, a numeric room.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (col, h) in ["网格编码", "楼栋", "单元", "房号"].iter().enumerate() {
        ws.write_string(0, col as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "GY-03-01").unwrap();
    ws.write_string(1, 1, "77号楼").unwrap();
    ws.write_string(1, 2, "1单元").unwrap();
    ws.write_number(1, 3, 301.0).unwrap();
    let xlsx = wb.save_to_buffer().unwrap();
    let (status, page) = upload(&app, &csrf, "住户.xlsx", xlsx, false).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM households WHERE building = '77号楼' AND room = '301'"
        )
        .await,
        1
    );

    // A GBK-encoded shop list.
    let shops = "网格编码,商户名称,地址,积分抵扣\nGY-03-01,新开张便利店,工业街道新民路1号,是\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(shops);
    let (status, page) = upload(&app, &csrf, "商户.csv", gbk.into_owned(), false).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM shops WHERE name = '新开张便利店' AND accepts_points")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM shops s JOIN codes c ON c.shop_id = s.id AND c.status = 'active' WHERE s.name = '新开张便利店'").await,
        1
    );

    // A file that is not an import at all.
    let (status, page) = upload(&app, &csrf, "x.csv", b"foo,bar\n1,2\n".to_vec(), false).await;
    assert_eq!(status, 422);
    assert_eq!(
        attr_of(&page, "[data-outcome]", "data-code").as_deref(),
        Some("unknown_kind")
    );
}

#[tokio::test]
async fn a_head_imports_only_into_their_own_grids_and_workers_not_at_all() {
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("head-gy-02").await;
    let (status, page) = upload(&app, &csrf, "住户.csv", GOOD.as_bytes().to_vec(), false).await;
    assert_eq!(status, 422);
    assert!(page.contains("grid_out_of_scope"), "{page}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM households WHERE building = '99号楼'")
            .await,
        0
    );

    let worker = TestApp::new_client();
    let wcsrf = app
        .login_as(&worker, "worker-gy-01-01", "mashang-worker-gy-01-01")
        .await;
    let form = Form::new().text("csrf", wcsrf).part(
        "file",
        Part::bytes(GOOD.as_bytes().to_vec()).file_name("a.csv"),
    );
    let r = worker
        .post(app.url("/console/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn an_oversized_upload_gets_413() {
    let (mut settings, db) = test_settings(Fixture::Demo);
    settings.server.max_upload_bytes = 64 * 1024;
    let app = spawn_with(settings, db).await;
    let csrf = app.login_demo("admin").await;
    let mut big = String::from("grid_code,building,unit,room\n");
    while big.len() < 128 * 1024 {
        big.push_str("GY-01-01,1号楼,1单元,101\n");
    }
    let before = app.count("SELECT count(*) AS n FROM households").await;
    let (status, _) = upload(&app, &csrf, "big.csv", big.into_bytes(), false).await;
    assert_eq!(status, 413);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM households").await,
        before
    );
}

/// A workbook with a header at A1 and one stray cell at (`row`, `col`), 0-based.
fn stray_cell_xlsx(row: u32, col: u16) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["网格编码", "楼栋", "房号"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(row, col, "x").unwrap();
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_sheet_reaching_far_beyond_the_table_is_refused_fast_naming_the_limit() {
    // Issue 11: cells at A1 and XFD1048576 (a 1.8 KB file) made the import allocate
    // 512 GiB and abort the server; A1 + ALL100000 took 5.8 GB and 25 s.
    let app = spawn(Fixture::Demo).await;
    let csrf = app.login_demo("admin").await;
    for (row, col, reach) in [(1_048_575, 16_383, "XFD"), (99_999, 999, "ALL")] {
        let bytes = stray_cell_xlsx(row, col);
        assert!(bytes.len() < 10_000);
        let start = std::time::Instant::now();
        let (status, page) = upload(&app, &csrf, "住户.xlsx", bytes, false).await;
        let took = start.elapsed();
        assert_eq!(status, 422, "{page}");
        assert_eq!(
            attr_of(&page, "[data-outcome]", "data-code").as_deref(),
            Some("sheet_too_large")
        );
        assert!(
            page.contains(&(row + 1).to_string()) && page.contains(reach),
            "{page}"
        );
        // The limits are named: 60000 rows, 64 columns (config/default.toml).
        assert!(page.contains("60000") && page.contains("64"), "{page}");
        assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
    }
    // The server is still there, and a normal import still works.
    let (status, page) = upload(&app, &csrf, "住户.csv", GOOD.as_bytes().to_vec(), false).await;
    assert_eq!(status, 200, "{page}");
}
