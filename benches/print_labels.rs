//! Benchmark: 10,000 door labels into one print-ready PDF with `mashang print`, against the
//! raw rate at which the `qrcode` crate encodes the same 10,000 URLs, in the same run; and
//! the command's peak memory (maximum RSS from GNU time), for 1,000 labels and for 10,000,
//! and for 10,000 laid out in a single typst run (no streaming) for comparison; and the same
//! 10,000 downloaded from the console (`POST /console/print` on a running `mashang serve`),
//! with the server's peak memory (VmHWM) before and after.
//!
//!   cargo bench --bench print_labels
//!
//! Needs PostgreSQL (`.ci/services`), fonts-noto-cjk, and GNU time (`/usr/bin/time`, Debian
//! package `time`). The database `mashang_bench_print` is recreated: the demo district
//! (2,000 doors) plus 8,000 more doors spread over its compounds.

use diesel_async::RunQueryDsl;
use mashang::config::Settings;
use std::time::Instant;

const DB: &str = "mashang_bench_print";
const PUBLIC_URL: &str = "https://ma.example.cn";

fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench`: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (db_url, urls, one_grid) = rt.block_on(setup());
    assert_eq!(urls.len(), 10_000, "the batch is 10,000 door codes");

    // The raw rate: qrcode encoding the same URLs (error correction M, as printed), and the
    // same plus the SVG the sheets embed.
    let t = Instant::now();
    for url in &urls {
        let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
            .unwrap();
        std::hint::black_box(code);
    }
    let encode = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for url in &urls {
        let svg = mashang::codes::qr::render(url, mashang::codes::qr::SymbolFormat::Svg).unwrap();
        std::hint::black_box(svg);
    }
    let encode_svg = t.elapsed().as_secs_f64();

    let small = print(&db_url, &["--grid", &one_grid], None);
    let big = print(&db_url, &[], None);
    let single_run = print(&db_url, &[], Some("10000"));
    let (web, serving_kb) = rt.block_on(console(&db_url));

    let n = urls.len() as f64;
    println!();
    println!("10,000 door labels (A4, 21 per sheet), release build, this machine:");
    println!(
        "  qrcode encode only        {:>9.0} codes/s  ({encode:.2} s)",
        n / encode
    );
    println!(
        "  qrcode encode + SVG       {:>9.0} codes/s  ({encode_svg:.2} s)",
        n / encode_svg
    );
    println!(
        "  mashang print (end to end){:>9.0} codes/s  ({:.2} s, {} pages, {:.1} MB PDF) = {:.1} % of the raw encoding rate",
        big.codes as f64 / big.seconds,
        big.seconds,
        big.pages,
        big.bytes as f64 / 1e6,
        100.0 * (big.codes as f64 / big.seconds) / (n / encode)
    );
    println!(
        "  peak memory (max RSS): {} labels {:.0} MB; {} labels {:.0} MB; {} labels in one typst run (no streaming) {:.0} MB ({:.2} s)",
        small.codes,
        small.max_rss_kb as f64 / 1024.0,
        big.codes,
        big.max_rss_kb as f64 / 1024.0,
        single_run.codes,
        single_run.max_rss_kb as f64 / 1024.0,
        single_run.seconds
    );
    println!(
        "  console download          {:>9.0} codes/s  ({:.2} s, {:.1} MB PDF); server peak memory {:.0} MB, {:.0} MB before the download",
        web.codes as f64 / web.seconds,
        web.seconds,
        web.bytes as f64 / 1e6,
        web.max_rss_kb as f64 / 1024.0,
        serving_kb as f64 / 1024.0
    );
}

/// The peak resident memory of a process so far (VmHWM), in kB.
fn peak_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

/// Download all 10,000 labels from the console of a running `mashang serve`, signed in as
/// the demo admin. Returns the run (its `max_rss_kb` is the server's) and the server's peak
/// memory before the download (started, signed in, print engine not yet loaded).
async fn console(db_url: &str) -> (Run, u64) {
    let port = 18_091;
    let base = format!("http://127.0.0.1:{port}");
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_mashang"))
        .arg("serve")
        .env("MASHANG__DATABASE__URL", db_url)
        .env("MASHANG__SERVER__PORT", port.to_string())
        .env("MASHANG__SERVER__PUBLIC_URL", &base)
        .env("MASHANG__REDIS__KEY_PREFIX", "bench-print:")
        .env("MASHANG__LOG__FILTER", "warn")
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for _ in 0..300 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let page = client
        .get(format!("{base}/console/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = |html: &str| {
        let field = "name=\"csrf\" value=\"";
        let at = html.find(field).expect("a CSRF field") + field.len();
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let r = client
        .post(format!("{base}/console/login"))
        .form(&[
            ("username", "admin"),
            ("password", "mashang-admin"),
            ("csrf", &csrf(&page)),
            ("next", "/console"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "admin signs in");
    let page = client
        .get(format!("{base}/console/print"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pool = mashang::db::pool(db_url, 1).unwrap();
    let mut conn = pool.get().await.unwrap();
    let district = mashang::grids::Grid::by_code(&mut conn, "GY")
        .await
        .unwrap()
        .unwrap();
    let before = peak_kb(server.id());
    let t = Instant::now();
    let mut r = client
        .post(format!("{base}/console/print"))
        .form(&[
            ("csrf", csrf(&page)),
            ("template", "door-labels".into()),
            ("grid_ids", district.id.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let mut bytes = 0u64;
    while let Some(chunk) = r.chunk().await.unwrap() {
        bytes += chunk.len() as u64;
    }
    let seconds = t.elapsed().as_secs_f64();
    let after = peak_kb(server.id());
    server.kill().unwrap();
    server.wait().unwrap();
    let batch = mashang::print::PrintBatch::recent(&mut conn, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(batch.status, "done");
    (
        Run {
            codes: batch.code_count as usize,
            pages: batch.page_count as usize,
            bytes,
            seconds,
            max_rss_kb: after,
        },
        before,
    )
}

struct Run {
    codes: usize,
    pages: usize,
    bytes: u64,
    seconds: f64,
    max_rss_kb: u64,
}

/// Run `mashang print --template door-labels` under GNU time; parse its report.
fn print(db_url: &str, grids: &[&str], sheets_per_chunk: Option<&str>) -> Run {
    let out = std::env::temp_dir().join("mashang-bench-labels.pdf");
    let mut cmd = std::process::Command::new("/usr/bin/time");
    cmd.arg("-v")
        .arg(env!("CARGO_BIN_EXE_mashang"))
        .args(["print", "--template", "door-labels"])
        .args(grids)
        .arg("--out")
        .arg(&out)
        .env("MASHANG__DATABASE__URL", db_url)
        .env("MASHANG__SERVER__PUBLIC_URL", PUBLIC_URL)
        .env("MASHANG__LOG__FILTER", "warn");
    if let Some(n) = sheets_per_chunk {
        cmd.env("MASHANG__PRINT__SHEETS_PER_CHUNK", n);
    }
    let t = Instant::now();
    let output = cmd.output().expect("/usr/bin/time (Debian package `time`)");
    let seconds = t.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // "batch 3: 10000 door-labels codes on 477 pages written to ..."
    let words: Vec<&str> = stdout.split_whitespace().collect();
    let codes = words[2].parse().unwrap();
    let pages = words[6].parse().unwrap();
    let max_rss_kb = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .expect("GNU time -v output")
        .trim()
        .parse()
        .unwrap();
    let bytes = std::fs::metadata(&out).unwrap().len();
    std::fs::remove_file(&out).unwrap();
    Run {
        codes,
        pages,
        bytes,
        seconds,
        max_rss_kb,
    }
}

/// A fresh database with 10,000 door codes; returns its URL, the codes' URLs and one
/// compound's grid code.
async fn setup() -> (String, Vec<String>, String) {
    let admin = "postgres://root@127.0.0.1:5432/postgres";
    std::process::Command::new("psql")
        .args([
            admin,
            "-qc",
            &format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
        ])
        .status()
        .unwrap();
    let mut s = Settings::load_from(std::path::Path::new("config")).unwrap();
    s.database.url = format!("postgres://root@127.0.0.1:5432/{DB}");
    mashang::db::create_database_if_missing(&s.database.url).unwrap();
    mashang::db::run_migrations(&s.database.url).unwrap();
    let pool = mashang::db::pool(&s.database.url, 2).unwrap();
    let mut conn = pool.get().await.unwrap();
    mashang::demo::load(&mut conn, PUBLIC_URL).await.unwrap();
    // 8,000 more doors: new buildings in every compound, 8 doors a floor.
    diesel::sql_query(
        "INSERT INTO households (grid_id, building, unit, room)
         SELECT g.id, (100 + i / 80) || '号楼', ((i / 40) % 2 + 1) || '单元', (i % 40 / 8 + 1) * 100 + i % 8 + 1
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM grids WHERE level = 3) g,
              generate_series(0, 799) AS i
         WHERE g.k <= 10",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    mashang::codes::Code::issue_missing(&mut conn, None)
        .await
        .unwrap();
    #[derive(diesel::QueryableByName)]
    struct T {
        #[diesel(sql_type = diesel::sql_types::Text)]
        token: String,
    }
    let tokens: Vec<T> =
        diesel::sql_query("SELECT token FROM codes WHERE status = 'active' AND kind = 'household'")
            .load(&mut conn)
            .await
            .unwrap();
    let urls = tokens
        .iter()
        .map(|t| mashang::codes::token::code_url(PUBLIC_URL, &t.token))
        .collect();
    (s.database.url, urls, "GY-01-01".into())
}
