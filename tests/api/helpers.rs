//! Test harness: a fresh database per test (cloned in milliseconds from a template that is
//! migrated once per run), a Redis key prefix per test, the app on a random port.

use diesel::{Connection, RunQueryDsl};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::AsyncPgConnection;
use mashang::config::Settings;
use mashang::redis_store::RedisStore;
use mashang::startup::Application;
use mashang::web::state::AppState;
use std::sync::OnceLock;

/// The public base URL codes carry in tests.
pub const PUBLIC_URL: &str = "http://mashang.test";

pub type SyncConn = AsyncConnectionWrapper<AsyncPgConnection>;

fn admin_url() -> String {
    std::env::var("MASHANG_TEST_PG").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432".into())
}

pub fn db_url(name: &str) -> String {
    format!("{}/{name}", admin_url())
}

/// What a test starts from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Fixture {
    /// Migrated, empty.
    Empty,
    /// Migrated, with the demo district loaded.
    Demo,
}

/// A name that changes whenever a migration or the demo data changes, so a stale template
/// from an earlier run is never used.
fn template_name(fixture: Fixture) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut entries: Vec<_> = std::fs::read_dir("migrations")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for dir in entries {
        for f in ["up.sql", "down.sql"] {
            std::fs::read_to_string(dir.join(f))
                .unwrap_or_default()
                .hash(&mut h);
        }
    }
    if fixture == Fixture::Demo {
        let mut data: Vec<_> = std::fs::read_dir("src/demo/data")
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        data.sort();
        for f in data {
            std::fs::read_to_string(f).unwrap().hash(&mut h);
        }
        std::fs::read_to_string("src/demo/mod.rs")
            .unwrap()
            .hash(&mut h);
    }
    let tag = match fixture {
        Fixture::Empty => "empty",
        Fixture::Demo => "demo",
    };
    format!("mashang_tpl_{tag}_{:016x}", h.finish())
}

fn run_sql(conn: &mut SyncConn, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn database_exists(conn: &mut SyncConn, name: &str) -> bool {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let r: N = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(conn)
        .unwrap();
    r.n > 0
}

/// Make sure the template exists (once per process; across processes an advisory lock makes
/// the first one build it and the others wait).
fn ensure_template(fixture: Fixture) -> String {
    static EMPTY: OnceLock<String> = OnceLock::new();
    static DEMO: OnceLock<String> = OnceLock::new();
    let cell = if fixture == Fixture::Empty {
        &EMPTY
    } else {
        &DEMO
    };
    cell.get_or_init(|| {
        std::thread::spawn(move || {
            let name = template_name(fixture);
            let mut admin =
                SyncConn::establish(&db_url("postgres")).expect("PostgreSQL is running");
            run_sql(&mut admin, "SELECT pg_advisory_lock(727274)");
            if !database_exists(&mut admin, &name) {
                let building = format!("{name}_building");
                run_sql(
                    &mut admin,
                    &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
                );
                if fixture == Fixture::Demo {
                    let base = ensure_template_unlocked(&mut admin, Fixture::Empty);
                    run_sql(
                        &mut admin,
                        &format!("CREATE DATABASE {building} TEMPLATE {base}"),
                    );
                    let url = db_url(&building);
                    let rt = tokio::runtime::Runtime::new().unwrap();
                    rt.block_on(async {
                        let pool = mashang::db::pool(&url, 1).unwrap();
                        let mut conn = pool.get().await.unwrap();
                        mashang::demo::load(&mut conn, PUBLIC_URL).await.unwrap();
                    });
                } else {
                    run_sql(&mut admin, &format!("CREATE DATABASE {building}"));
                    mashang::db::run_migrations(&db_url(&building)).unwrap();
                }
                // Rename last: a template exists only once it is complete.
                run_sql(
                    &mut admin,
                    &format!("ALTER DATABASE {building} RENAME TO {name}"),
                );
            }
            run_sql(&mut admin, "SELECT pg_advisory_unlock(727274)");
            name
        })
        .join()
        .unwrap()
    })
    .clone()
}

fn ensure_template_unlocked(admin: &mut SyncConn, fixture: Fixture) -> String {
    let name = template_name(fixture);
    if !database_exists(admin, &name) {
        let building = format!("{name}_building");
        run_sql(
            admin,
            &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
        );
        run_sql(admin, &format!("CREATE DATABASE {building}"));
        mashang::db::run_migrations(&db_url(&building)).unwrap();
        run_sql(
            admin,
            &format!("ALTER DATABASE {building} RENAME TO {name}"),
        );
    }
    name
}

/// A running app with its own database and Redis namespace.
pub struct TestApp {
    pub address: String,
    pub db_name: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub settings: Settings,
}

/// The variable that points the black-box tests at another Redis, e.g. a cluster:
/// `MASHANG_TEST_REDIS_URL=redis+cluster://127.0.0.1:7101,127.0.0.1:7102`.
pub const TEST_REDIS_URL: &str = "MASHANG_TEST_REDIS_URL";

/// Whether this run is against a Redis Cluster.
pub fn on_cluster() -> bool {
    std::env::var(TEST_REDIS_URL).is_ok_and(|u| u.contains("+cluster://"))
}

/// Test settings: a fresh database, a unique Redis prefix, port 0.
pub fn test_settings(fixture: Fixture) -> (Settings, String) {
    let template = ensure_template(fixture);
    let db_name = format!("t_{}", hex::encode(rand_bytes()));
    std::thread::spawn({
        let db_name = db_name.clone();
        move || {
            let mut admin = SyncConn::establish(&db_url("postgres")).unwrap();
            run_sql(
                &mut admin,
                &format!("CREATE DATABASE {db_name} TEMPLATE {template}"),
            );
        }
    })
    .join()
    .unwrap();
    let mut s = Settings::load_from(std::path::Path::new("config")).unwrap();
    s.database.url = db_url(&db_name);
    s.database.pool_size = 4;
    s.server.port = 0;
    s.server.workers = 1;
    s.server.public_url = PUBLIC_URL.into();
    s.redis.key_prefix = format!("test:{db_name}:");
    // `.ci/test` runs the suite a second time against a Redis Cluster (`.ci/redis-cluster`).
    if let Ok(url) = std::env::var(TEST_REDIS_URL) {
        s.redis.url = url;
    }
    s.log.filter = "warn".into();
    // Tests drive the jobs themselves, with their own clock.
    s.jobs.enabled = false;
    s.storage.dir = std::env::temp_dir().join(format!("mashang-test-storage/{db_name}"));
    // No SMTP server unless a test starts a sink (port 1: refused at once).
    s.mail.port = 1;
    s.mail.timeout_seconds = 3;
    (s, db_name)
}

fn rand_bytes() -> [u8; 8] {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let mut b = [0u8; 8];
    let mixed = (nanos as u64)
        ^ (std::process::id() as u64).rotate_left(32)
        ^ COUNTER
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .rotate_left(48);
    b.copy_from_slice(&mixed.to_le_bytes());
    b
}
static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Spawn the app on a random port.
pub async fn spawn(fixture: Fixture) -> TestApp {
    let (settings, db_name) = test_settings(fixture);
    spawn_with(settings, db_name).await
}

/// Spawn with a running SMTP sink that the app sends to.
pub async fn spawn_with_sink(fixture: Fixture) -> (TestApp, crate::smtp_sink::SmtpSink) {
    let sink = crate::smtp_sink::SmtpSink::start().await;
    let (mut settings, db) = test_settings(fixture);
    settings.mail.port = sink.port;
    (spawn_with(settings, db).await, sink)
}

/// Spawn with adjusted settings.
/// How every test client is built: no redirects followed, and idle
/// connections dropped well before the server's keep-alive (actix's
/// default, 5 s) closes them. Tests block their runtime while they decode
/// a PDF, so the client never sees the server's FIN; reusing that
/// connection afterwards fails with `IncompleteMessage` (it did in CI).
fn browser() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(2))
}

pub async fn spawn_with(settings: Settings, db_name: String) -> TestApp {
    mashang::telemetry::init_tracing("pretty", &settings.log.filter);
    let app = Application::build(settings.clone())
        .await
        .expect("app builds");
    let port = app.port;
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let client = browser().cookie_store(true).build().unwrap();
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db_name,
        state,
        client,
        settings,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let name = self.db_name.clone();
        let _ = std::fs::remove_dir_all(&self.settings.storage.dir);
        let prefix = self.settings.redis.key_prefix.clone();
        let redis_url = self.settings.redis.url.clone();
        // Plain thread: Drop may run inside the test's runtime.
        let _ = std::thread::spawn(move || {
            if let Ok(mut admin) = SyncConn::establish(&db_url("postgres")) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
            // This test's keys only (the Redis is shared), on every node of a cluster.
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async {
                    let Ok(store) = RedisStore::connect(&redis_url, &prefix) else {
                        return;
                    };
                    let keys = store.scan(&format!("{prefix}*")).await.unwrap_or_default();
                    let mut c = store.conn();
                    for k in keys {
                        let _: Result<(), _> = redis::cmd("DEL").arg(k).query_async(&mut c).await;
                    }
                });
            }
        })
        .join();
    }
}

/// Pull `name="csrf" value="..."` out of a page.
pub fn csrf_from(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let field = scraper::Selector::parse("input[name=csrf]").unwrap();
    // An upload form carries its token in its action URL instead (`/report?csrf=…`).
    let upload = scraper::Selector::parse("form[action*='csrf=']").unwrap();
    doc.select(&field)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_owned)
        .or_else(|| {
            let action = doc.select(&upload).next()?.value().attr("action")?;
            let query = action.split_once('?')?.1;
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned())
        })
        .expect("page has a csrf field or an upload form with its token")
}

/// The text of the first element matching `selector`.
pub fn text_of(html: &str, selector: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel)
        .next()
        .map(|e| e.text().collect::<String>().trim().to_owned())
}

/// The value of `attr` on the first element matching `selector`.
pub fn attr_of(html: &str, selector: &str, attr: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(attr))
        .map(str::to_owned)
}

impl TestApp {
    /// A URL on the app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Where the report form posts: its token rides in the action URL, as the form's
    /// `action` attribute has it, so an upload is checked before its body is read.
    pub fn report_url(&self, csrf: &str) -> String {
        self.url(&format!("/report?csrf={csrf}"))
    }

    /// GET and return (status, body).
    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// A new client (another browser) with its own cookies.
    pub fn new_client() -> reqwest::Client {
        browser().cookie_store(true).build().unwrap()
    }

    /// Sign in `client` and return the session's CSRF token.
    pub async fn login_as(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> String {
        let page = client
            .get(self.url("/console/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_from(&page);
        let r = client
            .post(self.url("/console/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/console"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "sign-in as {username} failed");
        let me: serde_json::Value = client
            .get(self.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        me["csrf"].as_str().unwrap().to_owned()
    }

    /// Sign in this app's own client with a demo account (password `mashang-<username>`).
    pub async fn login_demo(&self, username: &str) -> String {
        self.login_as(&self.client, username, &format!("mashang-{username}"))
            .await
    }

    /// A database connection.
    pub async fn conn(&self) -> mashang::db::DbConn {
        self.state.db.get().await.unwrap()
    }

    /// Run a query returning one i64 (counts in assertions).
    pub async fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = self.conn().await;
        let r: N = diesel_async::RunQueryDsl::get_result(diesel::sql_query(sql), &mut c)
            .await
            .unwrap();
        r.n
    }

    /// A grid's id by code.
    pub async fn grid_id(&self, code: &str) -> i64 {
        self.count(&format!("SELECT id AS n FROM grids WHERE code = '{code}'"))
            .await
    }

    /// (code id, token) of the first active household code in a compound, by door order.
    pub async fn household_code(&self, grid_code: &str) -> (i64, String) {
        let mut c = self.conn().await;
        let g = mashang::grids::Grid::by_code(&mut c, grid_code)
            .await
            .unwrap()
            .unwrap();
        let h = mashang::grids::households::Household::list_for_grid(&mut c, g.id, 0, 1)
            .await
            .unwrap();
        let h = h.into_iter().next().unwrap();
        (h.code_id.unwrap(), h.token.unwrap())
    }
}

impl TestApp {
    /// The body of `path` as `client` sees it.
    pub async fn page_of(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// POST a form as `client`, asking for JSON errors: (status, Location header + body).
    pub async fn post_form_as(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, String) {
        let body = serde_html_form::to_string(form).unwrap();
        let r = client
            .post(self.url(path))
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let loc = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, loc + &r.text().await.unwrap())
    }

    /// A browser signed in as the resident with this email (created if new), and the
    /// session's CSRF token. (The emailed-code flow itself is tested in residents.rs.)
    pub async fn resident_client(&self, email: &str) -> (reqwest::Client, String, i64) {
        let mut conn = self.conn().await;
        let r = mashang::people::residents::Resident::sign_in(&mut conn, email, "zh-CN")
            .await
            .unwrap();
        let (sid, data) = mashang::people::sessions::create(
            &self.state.redis,
            mashang::people::sessions::Kind::Resident,
            r.id,
            3600,
        )
        .await
        .unwrap();
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        jar.add_cookie_str(
            &format!("{}={sid}; Path=/", mashang::web::resident_auth::COOKIE),
            &self.address.parse().unwrap(),
        );
        let client = browser().cookie_provider(jar).build().unwrap();
        (client, data.csrf, r.id)
    }

    /// (household id, code token, binding code) of the first household of a compound.
    pub async fn household_with_binding(&self, grid_code: &str, nth: i64) -> (i64, String, String) {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
            #[diesel(sql_type = diesel::sql_types::Text)]
            token: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            binding_code: String,
        }
        let mut c = self.conn().await;
        let r: Row = diesel_async::RunQueryDsl::get_result(
            diesel::sql_query(format!(
                "SELECT h.id, c.token, h.binding_code FROM households h JOIN grids g ON g.id = h.grid_id
                 JOIN codes c ON c.household_id = h.id AND c.status = 'active'
                 WHERE g.code = '{grid_code}' ORDER BY h.id OFFSET {nth} LIMIT 1"
            )),
            &mut c,
        )
        .await
        .unwrap();
        (r.id, r.token, r.binding_code)
    }
}
