//! Load test: casting a ballot end to end (HTTP → session → membership and scope checks →
//! one transaction: participation row, ballot, choice) against pgbench inserting the same
//! three rows, in the same run on the same machine.
//!
//!   cargo bench --bench ballot_load            (4,000 ballots, 16 connections)
//!   BALLOTS_CONCURRENCY=32 cargo bench --bench ballot_load
//!
//! The app runs in this process (2 workers); the load generator shares the machine, as
//! pgbench does. Needs PostgreSQL and Redis (`.ci/services`) and pgbench.

use diesel_async::RunQueryDsl;
use mashang::config::Settings;
use std::time::{Duration, Instant};

const DB: &str = "mashang_bench_ballots";

fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench`: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let concurrency: usize = std::env::var("BALLOTS_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
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
    s.server.port = 0;
    s.server.workers = 2;
    s.redis.key_prefix = "bench-ballots:".into();
    s.log.filter = "error".into();
    s.jobs.enabled = false;
    mashang::db::create_database_if_missing(&s.database.url).unwrap();
    mashang::db::run_migrations(&s.database.url).unwrap();
    let app = mashang::startup::Application::build(s.clone())
        .await
        .unwrap();
    let (port, state) = (app.port, app.state.clone());
    tokio::spawn(app.run_until_stopped());
    let mut conn = state.db.get().await.unwrap();
    mashang::demo::load(&mut conn, "http://127.0.0.1")
        .await
        .unwrap();

    // A poll for the whole street, one ballot per resident; two residents per household.
    let now = chrono::Utc::now();
    let street = mashang::grids::Grid::by_code(&mut conn, "GY")
        .await
        .unwrap()
        .unwrap();
    let poll = mashang::polls::Poll::create(
        &mut conn,
        mashang::polls::NewPoll {
            title: "压测投票".into(),
            description: String::new(),
            ballot_unit: "resident".into(),
            results: "live".into(),
            secrecy: "secret".into(),
            opens_at: now - chrono::Duration::hours(1),
            closes_at: now + chrono::Duration::days(1),
            grid_ids: vec![street.id],
            questions: vec![(
                "选哪个？".into(),
                1,
                vec!["甲".into(), "乙".into(), "丙".into()],
            )],
        },
        1,
    )
    .await
    .unwrap();
    let option = poll.questions(&mut conn).await.unwrap()[0].options[0].id;
    diesel::sql_query(
        "INSERT INTO residents (email) SELECT 'bench' || h.id || '-' || n || '@example.cn' FROM households h, generate_series(1, 2) n",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(
        "INSERT INTO household_members (household_id, resident_id, bound_via)
         SELECT split_part(split_part(email, '-', 1), 'bench', 2)::bigint, id, 'binding_code' FROM residents WHERE email LIKE 'bench%'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Voter {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        resident_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        household_id: i64,
    }
    let voters: Vec<Voter> =
        diesel::sql_query("SELECT resident_id, household_id FROM household_members")
            .load(&mut conn)
            .await
            .unwrap();
    let mut sessions = Vec::with_capacity(voters.len());
    for v in &voters {
        let (sid, data) = mashang::people::sessions::create(
            &state.redis,
            mashang::people::sessions::Kind::Resident,
            v.resident_id,
            3600,
        )
        .await
        .unwrap();
        sessions.push((sid, data.csrf, v.household_id));
    }
    let url = format!("http://127.0.0.1:{port}/polls/{}/vote", poll.id);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let chunks: Vec<Vec<(String, String, i64)>> = sessions
        .chunks(sessions.len().div_ceil(concurrency))
        .map(|c| c.to_vec())
        .collect();
    let started = Instant::now();
    let mut tasks = vec![];
    for chunk in chunks {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(chunk.len());
            let mut ok = 0usize;
            for (sid, csrf, household) in chunk {
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .header(
                        "cookie",
                        format!("{}={sid}", mashang::web::resident_auth::COOKIE),
                    )
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!(
                        "csrf={csrf}&household_id={household}&choice={option}"
                    ))
                    .send()
                    .await
                    .unwrap();
                ok += usize::from(r.status().as_u16() == 303);
                lat.push(t.elapsed());
            }
            (ok, lat)
        }));
    }
    let (mut ok, mut lat) = (0, Vec::new());
    for t in tasks {
        let (o, l) = t.await.unwrap();
        ok += o;
        lat.extend(l);
    }
    let elapsed = started.elapsed();
    lat.sort();
    let pct =
        |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    let counted: i64 = {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n: N = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM poll_participation WHERE poll_id = {}",
            poll.id
        ))
        .get_result(&mut conn)
        .await
        .unwrap();
        n.n
    };
    println!(
        "ballots (HTTP, end to end): {:.0}/s — {ok} of {} accepted, {counted} counted; p50 {:.2} ms, p99 {:.2} ms ({concurrency} connections)",
        ok as f64 / elapsed.as_secs_f64(),
        lat.len(),
        pct(0.5),
        pct(0.99)
    );

    // pgbench: the same three inserts in one transaction.
    let script = std::env::temp_dir().join("mashang-ballot.pgbench");
    std::fs::write(
        &script,
        format!(
            "BEGIN;\n\
             INSERT INTO poll_participation (poll_id, voter_key, household_id, resident_id, grid_id) VALUES ({poll}, md5(random()::text || clock_timestamp()::text), {h}, {r}, {g});\n\
             INSERT INTO poll_ballots (id, poll_id) VALUES (gen_random_uuid(), {poll}) RETURNING id AS b \\gset\n\
             INSERT INTO poll_ballot_choices (ballot_id, option_id) VALUES (':b'::uuid, {option});\n\
             COMMIT;\n",
            poll = poll.id,
            h = voters[0].household_id,
            r = voters[0].resident_id,
            g = street.id,
        ),
    )
    .unwrap();
    let secs = elapsed.as_secs().clamp(5, 30).to_string();
    let out = std::process::Command::new("pgbench")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "root",
            "-n",
            "-c",
            &concurrency.to_string(),
            "-j",
            "2",
            "-T",
            &secs,
            "-f",
        ])
        .arg(&script)
        .arg(DB)
        .output()
        .expect("pgbench (Debian: postgresql-contrib / postgresql-client)");
    let text = String::from_utf8_lossy(&out.stdout);
    let tps = text
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or("?");
    println!("pgbench, the same inserts: {tps} tx/s ({concurrency} clients, {secs} s)");
    let _ = std::fs::remove_file(&script);
    tokio::time::sleep(Duration::from_millis(100)).await;
}
