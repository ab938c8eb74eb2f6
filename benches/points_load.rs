//! Load test: volunteer points end to end, in one run on one machine.
//!
//! 1. Awards over HTTP (staff session + CSRF → scope → idempotency, binding and daily-cap
//!    checks → one transaction locking issuer and resident, debit, credit, journal row → the
//!    Redis projection), against pgbench running the same transfer (lock both accounts, the
//!    debit with its balance check and the credit, each returning the account's new version,
//!    and the journal row carrying both versions) in one transaction.
//! 2. Redemptions over HTTP: the resident's hold at the shop's counter code, then the
//!    cashier's confirmation (capture), against pgbench running the same two transactions
//!    (hold transfer + hold row; capture transfer + hold row update).
//! 3. The relay's apply rate (`relay::catch_up` over the whole journal into an empty
//!    projection, one connection, journal order), against `redis-benchmark` running the
//!    very same APPLY script (EVALSHA, three keys of one unit, the same nine arguments) on
//!    the same Redis, on one connection and on sixteen.
//!
//!   cargo bench --bench points_load
//!   POINTS_CONCURRENCY=32 POINTS_REDEMPTIONS=4000 cargo bench --bench points_load
//!
//! The app runs in this process (2 workers) against PostgreSQL and Redis on this machine;
//! the load generators (this process, pgbench, redis-benchmark) share the cores. Needs
//! `.ci/services`, pgbench and redis-benchmark (Debian: postgresql-contrib, redis-tools).

use diesel_async::RunQueryDsl;
use mashang::config::Settings;
use mashang::people::sessions::{self, Kind};
use mashang::points::{audit, projection, relay};
use std::time::{Duration, Instant};

const DB: &str = "mashang_bench_points";
const PREFIX: &str = "bench-points:";
/// The form token the resident's browser holds in both the cookie and the form.
const FORM_TOKEN: &str = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";

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

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    a: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    b: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    s: String,
}

/// Latencies and successes of one HTTP run.
struct Run {
    ok: usize,
    total: usize,
    elapsed: Duration,
    lat: Vec<Duration>,
}

impl Run {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
    fn pct(&self, p: f64) -> f64 {
        let i = ((self.lat.len() as f64 * p) as usize).min(self.lat.len() - 1);
        self.lat[i].as_secs_f64() * 1000.0
    }
}

/// Run `jobs` split over `concurrency` tasks; each job returns (succeeded, latency).
async fn drive<J, F>(jobs: Vec<J>, concurrency: usize, f: F) -> Run
where
    J: Send + 'static + Clone,
    F: Fn(J) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
        + Send
        + Sync
        + 'static,
{
    let f = std::sync::Arc::new(f);
    let total = jobs.len();
    let chunks: Vec<Vec<J>> = jobs
        .chunks(jobs.len().div_ceil(concurrency))
        .map(|c| c.to_vec())
        .collect();
    let started = Instant::now();
    let mut tasks = vec![];
    for chunk in chunks {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(chunk.len());
            let mut ok = 0;
            for job in chunk {
                let t = Instant::now();
                ok += usize::from(f(job).await);
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
    Run {
        ok,
        total,
        elapsed,
        lat,
    }
}

fn pgbench(script: &str, name: &str, clients: usize, secs: u64) -> f64 {
    let path = std::env::temp_dir().join(format!("mashang-points-{name}.pgbench"));
    std::fs::write(&path, script).unwrap();
    let out = std::process::Command::new("pgbench")
        .args(["-h", "127.0.0.1", "-U", "root", "-n", "-j", "2"])
        .args(["-c", &clients.to_string(), "-T", &secs.to_string(), "-f"])
        .arg(&path)
        .arg(DB)
        .output()
        .expect("pgbench (Debian: postgresql-contrib)");
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8_lossy(&out.stdout);
    let failed = text
        .lines()
        .find(|l| l.contains("number of failed transactions"))
        .unwrap_or("");
    if !out.status.success() || !failed.contains(" 0 (") {
        eprintln!(
            "pgbench {name}: {failed}\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// redis-benchmark running APPLY by EVALSHA: requests per second.
fn redis_benchmark(sha: &str, clients: usize, requests: usize, day: &str) -> f64 {
    // Each `__rand_int__` is a fresh number, so nearly every call finds a new unit and takes
    // the full path (version check, balance, version, day counter and its expiry), as the
    // relay does for an entry it has not applied yet.
    let out = std::process::Command::new("redis-benchmark")
        .args(["-h", "127.0.0.1", "-p", "6379", "--csv", "-r", "100000000"])
        .args(["-c", &clients.to_string(), "-n", &requests.to_string()])
        .args(["EVALSHA", sha, "3"])
        .arg(format!("{PREFIX}pts:{{r:__rand_int__}}:bal"))
        .arg(format!("{PREFIX}pts:{{r:__rand_int__}}:day:{day}"))
        .arg(format!("{PREFIX}pts:{{r:__rand_int__}}:holds"))
        .args(["a", "1", "50", "earned", "50", "", "", "50", "259200"])
        .output()
        .expect("redis-benchmark (Debian: redis-tools)");
    let text = String::from_utf8_lossy(&out.stdout);
    // "EVALSHA ...","<rps>",...
    text.lines()
        .last()
        .and_then(|l| l.split("\",\"").nth(1))
        .and_then(|v| v.trim_matches('"').parse().ok())
        .unwrap_or_else(|| {
            eprintln!(
                "redis-benchmark: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            f64::NAN
        })
}

async fn run() {
    let concurrency = env_or("POINTS_CONCURRENCY", 16);
    let awards_n = env_or("POINTS_AWARDS", 4000);
    let redemptions_n = env_or("POINTS_REDEMPTIONS", 2000);
    let secs: u64 = env_or("POINTS_PGBENCH_SECONDS", 10) as u64;
    std::process::Command::new("psql")
        .args([
            "postgres://root@127.0.0.1:5432/postgres",
            "-qc",
            &format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"),
        ])
        .status()
        .unwrap();
    let mut s = Settings::load_from(std::path::Path::new("config")).unwrap();
    s.database.url = format!("postgres://root@127.0.0.1:5432/{DB}");
    s.server.port = 0;
    s.server.workers = 2;
    s.redis.key_prefix = PREFIX.into();
    s.log.filter = "error".into();
    s.jobs.enabled = false;
    mashang::db::create_database_if_missing(&s.database.url).unwrap();
    mashang::db::run_migrations(&s.database.url).unwrap();
    let app = mashang::startup::Application::build(s.clone())
        .await
        .unwrap();
    let (port, state) = (app.port, app.state.clone());
    tokio::spawn(app.run_until_stopped());
    projection::wipe(&state.redis).await.unwrap();
    let mut conn = state.db.get().await.unwrap();
    mashang::demo::load(&mut conn, "http://127.0.0.1")
        .await
        .unwrap();

    // One resident per household, bound to it; one cashier per shop that takes points.
    diesel::sql_query(
        "INSERT INTO residents (email) SELECT 'bench' || id || '@example.cn' FROM households ORDER BY id",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(
        "INSERT INTO household_members (household_id, resident_id, bound_via)
         SELECT split_part(split_part(email, '@', 1), 'bench', 2)::bigint, id, 'binding_code'
         FROM residents WHERE email LIKE 'bench%'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(
        "INSERT INTO staff (username, display_name, role, shop_id, password_hash)
         SELECT 'bench-cashier-' || id, 'bench', 'merchant_cashier', id, 'none'
         FROM shops WHERE accepts_points",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    // (resident, community grid id of their household).
    let residents: Vec<(i64, i64)> = diesel::sql_query(
        "SELECT m.resident_id AS a, 0::int8 AS b, g.path AS s
         FROM household_members m JOIN households h ON h.id = m.household_id
         JOIN grids g ON g.id = h.grid_id ORDER BY m.resident_id",
    )
    .load::<Row>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.a, mashang::grids::scope::path_ids(&r.s)[1]))
    .collect();
    // (shop, cashier staff id, counter code token).
    let shops: Vec<(i64, i64, String)> = diesel::sql_query(
        "SELECT s.id AS a, st.id AS b, c.token AS s FROM shops s
         JOIN staff st ON st.shop_id = s.id AND st.username LIKE 'bench-cashier-%'
         JOIN codes c ON c.shop_id = s.id AND c.status = 'active' ORDER BY s.id",
    )
    .load::<Row>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.a, r.b, r.s))
    .collect();
    let admin_id: i64 = diesel::sql_query(
        "SELECT id AS a, 0::int8 AS b, '' AS s FROM staff WHERE username = 'admin'",
    )
    .get_result::<Row>(&mut conn)
    .await
    .unwrap()
    .a;
    drop(conn);
    let (admin_sid, admin) = sessions::create(&state.redis, Kind::Staff, admin_id, 7200)
        .await
        .unwrap();
    let mut resident_cookies = std::collections::HashMap::new();
    for (r, _) in &residents {
        let (sid, _) = sessions::create(&state.redis, Kind::Resident, *r, 7200)
            .await
            .unwrap();
        resident_cookies.insert(
            *r,
            format!(
                "{}={sid}; {}={FORM_TOKEN}",
                mashang::web::resident_auth::COOKIE,
                mashang::web::form_csrf::COOKIE
            ),
        );
    }
    let mut cashiers = std::collections::HashMap::new();
    for (shop, staff, _) in &shops {
        let (sid, data) = sessions::create(&state.redis, Kind::Staff, *staff, 7200)
            .await
            .unwrap();
        cashiers.insert(*shop, (sid, data.csrf));
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let staff_cookie = |sid: &str| format!("{}={sid}", mashang::web::auth::SESSION_COOKIE);

    // 1. Awards: two of 50 points to every resident (the daily cap is 200).
    let award_jobs: Vec<(usize, i64, i64)> = (0..awards_n)
        .map(|i| {
            let (r, community) = residents[i % residents.len()];
            (i, r, community)
        })
        .collect();
    let awards = drive(award_jobs, concurrency, {
        let (client, base) = (client.clone(), base.clone());
        let cookie = staff_cookie(&admin_sid);
        let csrf = admin.csrf.clone();
        move |(i, r, community)| {
            let (client, base, cookie, csrf) =
                (client.clone(), base.clone(), cookie.clone(), csrf.clone());
            Box::pin(async move {
                let res = client
                    .post(format!("{base}/console/points/award"))
                    .header("cookie", cookie)
                    .form(&[
                        ("csrf", csrf),
                        ("idempotency_key", format!("bench-award-{i:08}")),
                        ("grid_id", community.to_string()),
                        ("resident_id", r.to_string()),
                        ("amount", "50".into()),
                        ("kind", "award".into()),
                        ("reason", "清理楼道".into()),
                    ])
                    .send()
                    .await
                    .unwrap();
                res.status().as_u16() == 303
            })
        }
    })
    .await;

    // 2. Redemptions: a hold of 5 points at a shop, then its cashier confirms it.
    let redeem_jobs: Vec<(usize, i64, i64, String)> = (0..redemptions_n)
        .map(|i| {
            let (r, _) = residents[i % residents.len()];
            let (shop, _, token) = &shops[i % shops.len()];
            (i, r, *shop, token.clone())
        })
        .collect();
    let resident_cookies = std::sync::Arc::new(resident_cookies);
    let cashiers = std::sync::Arc::new(cashiers);
    let redemptions = drive(redeem_jobs, concurrency, {
        let (client, base) = (client.clone(), base.clone());
        move |(i, r, shop, token)| {
            let (client, base) = (client.clone(), base.clone());
            let cookie = resident_cookies[&r].clone();
            let (cashier_sid, cashier_csrf) = cashiers[&shop].clone();
            let cashier_cookie = format!("{}={cashier_sid}", mashang::web::auth::SESSION_COOKIE);
            Box::pin(async move {
                let hold = client
                    .post(format!("{base}/C/{token}/spend"))
                    .header("cookie", cookie)
                    .form(&[
                        ("csrf", FORM_TOKEN.to_owned()),
                        ("idempotency_key", format!("bench-hold-{i:08}")),
                        ("amount", "5".into()),
                    ])
                    .send()
                    .await
                    .unwrap();
                let Some(id) = hold
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| l.strip_prefix("/points/holds/"))
                    .map(str::to_owned)
                else {
                    return false;
                };
                let confirm = client
                    .post(format!("{base}/merchant/holds/{id}/confirm"))
                    .header("cookie", cashier_cookie)
                    .form(&[("csrf", cashier_csrf)])
                    .send()
                    .await
                    .unwrap();
                confirm.status().as_u16() == 303
            })
        }
    })
    .await;

    // 3. The relay: the whole journal into an empty projection, then the audit; and
    // redis-benchmark running APPLY on one connection right after it. Three rounds,
    // interleaved, medians reported (the machine is shared; neighbours come and go).
    let mut c = state.redis.conn();
    let sha: String = redis::cmd("SCRIPT")
        .arg("LOAD")
        .arg(projection::APPLY_LUA)
        .query_async(&mut c)
        .await
        .unwrap();
    let day = mashang::points::rules::day_key(chrono::Utc::now());
    let mut conn = state.db.get().await.unwrap();
    let (mut relay_rates, mut rb_rates) = (vec![], vec![]);
    let mut applied = 0;
    for _ in 0..3 {
        projection::wipe(&state.redis).await.unwrap();
        relay::set_cursor(&state.redis, 0).await.unwrap();
        let started = Instant::now();
        applied = relay::catch_up(
            &mut conn,
            &state.redis,
            chrono::Utc::now() + chrono::Duration::hours(1),
        )
        .await
        .unwrap();
        relay_rates.push(applied as f64 / started.elapsed().as_secs_f64());
        rb_rates.push(redis_benchmark(&sha, 1, 50_000, &day));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let relay_rate = median(&mut relay_rates);
    let rb_one = median(&mut rb_rates);
    // Script calls per transfer: one per account side, and one leaderboard call per award.
    let calls_per_transfer = (2 * applied + awards.ok) as f64 / applied as f64;
    let relay_calls = relay_rate * calls_per_transfer;
    let audit = audit::run(&mut conn, &state.redis, true).await.unwrap();
    drop(conn);
    let rb_many = redis_benchmark(&sha, concurrency, 200_000, &day);

    // pgbench: the same transfers. Three community issuers, each over its stripes (as the
    // app's awards used).
    let stripes = mashang::points::account::ISSUER_STRIPES - 1;
    let ids = |sql: &str| {
        let out = std::process::Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "root", "-d", DB, "-tAc", sql])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let communities = ids("SELECT string_agg(DISTINCT community_id::text, ',') FROM points_transfers WHERE kind = 'award'");
    let n_communities = communities.split(',').count();
    let (rmin, rmax) = (residents[0].0, residents[residents.len() - 1].0);
    let shop_ids: Vec<String> = shops.iter().map(|s| s.0.to_string()).collect();
    let award_sql = format!(
        "\\set r random({rmin}, {rmax})\n\
         \\set c random(1, {n_communities})\n\
         \\set k random(0, {stripes})\n\
         BEGIN;\n\
         SELECT (ARRAY[{communities}])[:c] AS cid \\gset\n\
         INSERT INTO points_accounts (id, kind) VALUES ('issuer:' || :cid || ':' || :k, 'issuer'), ('resident:' || :r, 'resident') ON CONFLICT DO NOTHING;\n\
         SELECT id FROM points_accounts WHERE id IN ('issuer:' || :cid || ':' || :k, 'resident:' || :r) ORDER BY id FOR UPDATE;\n\
         UPDATE points_accounts SET balance = balance - 1, version = version + 1, updated_at = now() WHERE id = 'issuer:' || :cid || ':' || :k AND (kind IN ('issuer', 'settled') OR balance >= 1) RETURNING version AS fv \\gset\n\
         UPDATE points_accounts SET balance = balance + 1, version = version + 1, updated_at = now() WHERE id = 'resident:' || :r RETURNING version AS tv \\gset\n\
         INSERT INTO points_transfers (id, kind, from_account, to_account, amount, from_version, to_version, reason, actor, community_id, request_hash, created_at) VALUES ('pg-' || md5(random()::text || clock_timestamp()::text), 'award', 'issuer:' || :cid || ':' || :k, 'resident:' || :r, 1, :fv, :tv, '清理楼道', 'staff:1', :cid, md5(random()::text), now());\n\
         COMMIT;\n"
    );
    let pg_award = pgbench(&award_sql, "award", concurrency, secs);
    let transfer = |kind: &str, from: &str, to: &str, id: &str| {
        format!(
            "SELECT id FROM points_accounts WHERE id IN ({from}, {to}) ORDER BY id FOR UPDATE;\n\
             UPDATE points_accounts SET balance = balance - 1, version = version + 1, updated_at = now() WHERE id = {from} AND (kind IN ('issuer', 'settled') OR balance >= 1) RETURNING version AS fv \\gset\n\
             UPDATE points_accounts SET balance = balance + 1, version = version + 1, updated_at = now() WHERE id = {to} RETURNING version AS tv \\gset\n\
             INSERT INTO points_transfers (id, kind, from_account, to_account, amount, from_version, to_version, reason, actor, request_hash, created_at) VALUES ({id}, '{kind}', {from}, {to}, 1, :fv, :tv, 'bench', 'resident:' || :r, md5(random()::text), now());\n"
        )
    };
    let redeem_sql = format!(
        "\\set r random({rmin}, {rmax})\n\
         \\set s random(1, {n_shops})\n\
         SELECT (ARRAY[{shop_list}])[:s] AS shop, 'pg-' || md5(random()::text || clock_timestamp()::text) AS hid \\gset\n\
         BEGIN;\n\
         INSERT INTO points_accounts (id, kind) VALUES ('resident:' || :r, 'resident'), ('hold:' || :r, 'hold'), ('merchant:' || :shop, 'merchant') ON CONFLICT DO NOTHING;\n\
         {hold}\
         INSERT INTO points_holds (id, resident_id, shop_id, amount, confirmation, created_at, expires_at) VALUES (':hid', :r, :shop, 1, lpad((random() * 999999)::int::text, 6, '0'), now(), now() + interval '10 minutes');\n\
         COMMIT;\n\
         BEGIN;\n\
         SELECT id FROM points_holds WHERE id = ':hid' FOR UPDATE;\n\
         {capture}\
         UPDATE points_holds SET status = 'captured', decided_at = now(), outcome_transfer = ':hid' || '-capture' WHERE id = ':hid';\n\
         COMMIT;\n",
        n_shops = shop_ids.len(),
        shop_list = shop_ids.join(","),
        hold = transfer("hold", "'resident:' || :r", "'hold:' || :r", "':hid'"),
        capture = transfer(
            "capture",
            "'hold:' || :r",
            "'merchant:' || :shop",
            "':hid' || '-capture'"
        ),
    );
    let pg_redeem = pgbench(&redeem_sql, "redeem", concurrency, secs);

    // Leave nothing behind in the shared Redis (this prefix only; never FLUSHALL).
    let left = state.redis.scan(&format!("{PREFIX}*")).await.unwrap();
    for batch in left.chunks(1000) {
        let _: i64 = redis::cmd("DEL")
            .arg(batch)
            .query_async(&mut c)
            .await
            .unwrap();
    }

    let row = |what: &str, figure: String| println!("| {what:<58} | {figure}");
    println!();
    println!(
        "points load ({concurrency} connections; app in-process with 2 workers; pgbench {secs} s)"
    );
    row(
        "award, HTTP end to end",
        format!(
            "{:.0}/s — {} of {} accepted; p50 {:.2} ms, p99 {:.2} ms",
            awards.rate(),
            awards.ok,
            awards.total,
            awards.pct(0.5),
            awards.pct(0.99)
        ),
    );
    row(
        "pgbench: the same transfer",
        format!(
            "{pg_award:.0} tx/s → award at {:.1} %",
            100.0 * awards.rate() / pg_award
        ),
    );
    row(
        "redemption (hold + cashier confirm), HTTP end to end",
        format!(
            "{:.0}/s — {} of {} captured; p50 {:.2} ms, p99 {:.2} ms (two requests each)",
            redemptions.rate(),
            redemptions.ok,
            redemptions.total,
            redemptions.pct(0.5),
            redemptions.pct(0.99)
        ),
    );
    row(
        "pgbench: the same two transactions",
        format!(
            "{pg_redeem:.0}/s → redemption at {:.1} %",
            100.0 * redemptions.rate() / pg_redeem
        ),
    );
    row(
        "relay: journal → empty projection (one connection)",
        format!(
            "{relay_rate:.0} transfers/s = {relay_calls:.0} script calls/s ({applied} transfers; median of 3: {relay_rates:.0?}); audit {}",
            if audit.ok() { "ok" } else { "FAILED" }
        ),
    );
    row(
        "redis-benchmark: EVALSHA APPLY, 1 connection",
        format!(
            "{rb_one:.0} calls/s (median of 3: {rb_rates:.0?}) → relay at {:.1} %",
            100.0 * relay_calls / rb_one
        ),
    );
    row(
        &format!("redis-benchmark: EVALSHA APPLY, {concurrency} connections"),
        format!("{rb_many:.0} calls/s"),
    );
    if !audit.ok() {
        println!("audit problems: {:?}", audit.problems);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
}
