//! Browser tests: a real headless Chromium (Debian's `chromium` and `chromium-driver`,
//! installed by `.ci/services`) driven over WebDriver (fantoccini), on a 390×844 phone.
//! Every journey is done by clicking and typing as a person would, and every page visited is
//! checked for what a person would trip over: a script error, a page wider than the phone,
//! a tap target under 44 px in the main action areas, and on zh-CN pages any locale key or
//! English sentence.
//!
//! One chromedriver per test process (started on first use, stopped when the process ends);
//! a fresh browser session per test, with its own profile directory: a test that fails
//! (panics) drops its `Browser`, and the drop guard kills that browser's processes, so a
//! failing test leaves no Chromium behind; the watchdog ends chromedriver and any browser of
//! this process still left when the process ends, however it ends.

mod api_docs;
mod field;
mod journeys;
mod money;
mod mongolian;
mod refusals;
mod shots;
mod words;
mod worker;

pub use words::{english_in, internal_words_in, locale_keys_in};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use std::sync::OnceLock;
use std::time::Duration;

/// The phone every journey is done on.
pub const PHONE: (u32, u32) = (390, 844);
/// Smallest height and width, in CSS pixels, of a tap target in the main action areas.
pub const MIN_TAP: f64 = 44.0;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Browser profiles are `/tmp/mashang-chrome-<test process id>-<n>`: how the drop guard and
/// the watchdog find a browser's processes.
const PROFILE_PREFIX: &str = "mashang-chrome";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The chromedriver of this test process: its base URL.
fn driver() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "browser tests need Debian's chromium and chromium-driver (bash .ci/services installs them)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // A small watchdog stops chromedriver and the browsers of this process when the
        // process ends, however it ends: statics are never dropped. (The pattern is split in
        // quotes so that it does not match the watchdog's own command line.)
        let script = format!(
            "{CHROMEDRIVER} --port={port} --allowed-ips=127.0.0.1 --log-level=SEVERE >/dev/null 2>&1 & d=$!; \
             while kill -0 {pid} 2>/dev/null; do sleep 1; done; kill $d; \
             for p in /proc/[0-9]*; do tr '\\0' ' ' 2>/dev/null < $p/cmdline | grep -q -- \"{PROFILE_PREFIX}\"-{pid}- && kill -9 ${{p#/proc/}}; done; \
             rm -rf /tmp/\"{PROFILE_PREFIX}\"-{pid}-*"
        , pid = std::process::id());
        // Never waited for on purpose: the watchdog lives as long as this test process.
        #[allow(clippy::zombie_processes)]
        let _watchdog = std::process::Command::new("sh")
            .args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return url;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("chromedriver did not answer on port {port}");
    })
}

/// Injected before any page script runs: collects uncaught errors and failed loads.
const ERROR_COLLECTOR: &str = r#"
window.__errors = [];
window.addEventListener("error", function (e) {
  var t = e.target && e.target !== window ? (e.target.src || e.target.href || e.target.tagName) : null;
  window.__errors.push(t ? "failed to load " + t : String(e.message) + " at " + e.filename + ":" + e.lineno);
}, true);
window.addEventListener("unhandledrejection", function (e) { window.__errors.push("unhandled rejection: " + e.reason); });
"#;

/// A Chrome DevTools command through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp(Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}

/// The browser's console log (chromedriver's `se/log`), severe entries only.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// One person's browser: a fresh Chromium session.
pub struct Browser {
    pub c: Client,
    base: String,
    /// Pages checked so far (for the failure message).
    pub visited: Vec<String>,
    /// The session's own profile directory (`--user-data-dir`), which names its processes.
    profile: std::path::PathBuf,
}

/// The processes whose command line names `needle` (this machine's /proc).
fn processes_naming(needle: &str) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

/// The drop guard: a browser whose test ended without `close` (a failed assertion, a
/// panic) is killed here, with every process of its profile, and its profile removed.
impl Drop for Browser {
    fn drop(&mut self) {
        let needle = format!("--user-data-dir={}", self.profile.display());
        for pid in processes_naming(&needle) {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    /// A phone (390×844, touch) whose language is zh-CN, against the app at `base`.
    pub async fn phone(base: &str) -> Browser {
        Self::open(base, PHONE, true).await
    }

    /// A desktop browser (1280×800).
    pub async fn desktop(base: &str) -> Browser {
        Self::open(base, (1280, 800), false).await
    }

    async fn open(base: &str, (w, h): (u32, u32), mobile: bool) -> Browser {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let profile = std::env::temp_dir().join(format!(
            "{PROFILE_PREFIX}-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let mut options = json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--lang=zh-CN", "--accept-lang=zh-CN", "--no-first-run",
                     "--disable-extensions", format!("--window-size={w},{h}"),
                     format!("--user-data-dir={}", profile.display())],
            "prefs": {"intl.accept_languages": "zh-CN"},
        });
        if mobile {
            options["mobileEmulation"] = json!({
                "deviceMetrics": {"width": w, "height": h, "pixelRatio": 2, "touch": true, "mobile": true},
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
            });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "SEVERE"}));
        let c = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
        .capabilities(caps)
        .connect(driver())
        .await
        .expect("a browser session starts");
        c.issue_cmd(Cdp(json!({
            "cmd": "Page.addScriptToEvaluateOnNewDocument",
            "params": {"source": ERROR_COLLECTOR},
        })))
        .await
        .expect("the error collector is installed");
        Browser {
            c,
            base: base.to_owned(),
            visited: Vec::new(),
            profile,
        }
    }

    /// The app's URL for `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Open `path` (on the app, or a full URL) and check the page.
    pub async fn go(&mut self, path: &str) {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            self.url(path)
        };
        self.c.goto(&url).await.unwrap();
        self.check().await;
    }

    /// The current path (and query).
    pub async fn path(&self) -> String {
        let u = self.c.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }

    /// Type into the field matching `css` (cleared first).
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// The first element matching `css`, waiting up to 5 s for it.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .c
            .wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no {css} on {}: {e}", self.path().await),
        }
    }

    /// Tap the element matching `css`, wait for the page that follows, and check it.
    pub async fn tap(&mut self, css: &str) {
        let e = self.find(css).await;
        self.steady(&e, css).await;
        // Mark the page: the next one has no mark (a click may return before a form's
        // upload has finished and the next page has loaded).
        self.c
            .execute("window.__old_page = true", vec![])
            .await
            .unwrap();
        e.click()
            .await
            .unwrap_or_else(|err| panic!("tap {css}: {err}"));
        let end = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let r = self
                .c
                .execute(
                    "return !window.__old_page && document.readyState === 'complete'",
                    vec![],
                )
                .await;
            if matches!(r, Ok(Value::Bool(true))) {
                break;
            }
            assert!(
                std::time::Instant::now() < end,
                "tapping {css} led nowhere within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.check().await;
    }

    /// Tap without waiting for a new page (a radio, a checkbox, a button whose script
    /// sends the form).
    pub async fn pick(&self, css: &str) {
        let e = self.find(css).await;
        self.steady(&e, css).await;
        e.click()
            .await
            .unwrap_or_else(|e| panic!("pick {css}: {e}"));
    }

    /// Wait until `e` stands still on the screen: scrolled into view, and the same box in
    /// three looks 100 ms apart (as Playwright's "stable" check before a click). A photo
    /// preview or the category suggestions arriving late push the button down; a click sent
    /// while it moves lands on whatever is there now, as a person's tap would.
    async fn steady(&self, e: &fantoccini::elements::Element, css: &str) {
        let arg = serde_json::to_value(e).unwrap();
        let _ = self
            .c
            .execute(
                "arguments[0].scrollIntoView({block: 'center'})",
                vec![arg.clone()],
            )
            .await;
        let (mut last, mut same) = (Value::Null, 0);
        let end = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < end {
            let rect = self
                .c
                .execute(
                    "var r = arguments[0].getBoundingClientRect(); return [r.x, r.y, r.width, r.height]",
                    vec![arg.clone()],
                )
                .await
                .unwrap_or(Value::Null);
            same = if rect == last { same + 1 } else { 0 };
            if same >= 2 {
                return;
            }
            last = rect;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} kept moving for 10 s");
    }

    /// Wait until the document has loaded (after a navigation that a tap started).
    pub async fn settle(&self) {
        for _ in 0..100 {
            let r = self.c.execute("return document.readyState", vec![]).await;
            if matches!(r, Ok(Value::String(ref s)) if s == "complete") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait up to `secs` for the browser to be on a path starting with `prefix` (after a tap
    /// whose script navigates later, e.g. after an upload), then check the page.
    pub async fn wait_path(&mut self, prefix: &str, secs: f64) {
        let end = std::time::Instant::now() + Duration::from_secs_f64(secs);
        while std::time::Instant::now() < end {
            if self.path().await.starts_with(prefix) {
                self.settle().await;
                self.check().await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Say what the page showed: a refusal, an error page written over the form, or the
        // upload's failure note, and the page's script errors.
        let text = self.text().await;
        let errors = self
            .c
            .execute(
                "return (window.__errors || []).join('; ') + ' | alerts: ' + \
                 Array.from(document.querySelectorAll('[role=alert]:not([hidden]), [data-error]')).map(function (e) { return e.textContent.trim(); }).join(' / ') + \
                 ' | buttons: ' + Array.from(document.querySelectorAll('button[type=submit]')).map(function (b) { return b.textContent.trim() + (b.disabled ? ' (disabled)' : ''); }).join(' / ')",
                vec![],
            )
            .await
            .map(|v| v.to_string())
            .unwrap_or_default();
        panic!(
            "still on {} after {secs} s, expected {prefix}…\npage: {}\nscript errors: {errors}",
            self.path().await,
            text.chars().take(800).collect::<String>()
        );
    }

    /// The visible text of the page.
    pub async fn text(&self) -> String {
        match self
            .c
            .execute("return document.body.innerText", vec![])
            .await
            .unwrap()
        {
            Value::String(s) => s,
            other => other.to_string(),
        }
    }

    /// Wait up to `secs` for the page's text to contain `needle` (without reloading).
    pub async fn wait_text(&self, needle: &str, secs: f64) -> bool {
        let end = std::time::Instant::now() + Duration::from_secs_f64(secs);
        while std::time::Instant::now() < end {
            if self.text().await.contains(needle) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Check the page as it is now: no script error, no sideways scroll on the phone, tap
    /// targets big enough, and (zh-CN pages) no locale key or English sentence.
    pub async fn check(&mut self) {
        let path = self.path().await;
        self.visited.push(path.clone());
        let r = self
            .c
            .execute(CHECK_SCRIPT, vec![json!(MIN_TAP)])
            .await
            .unwrap();
        let mut problems: Vec<String> = Vec::new();
        for key in ["errors", "wide", "small"] {
            if let Some(list) = r[key].as_array() {
                problems.extend(
                    list.iter()
                        .map(|v| format!("{key}: {}", v.as_str().unwrap_or_default())),
                );
            }
        }
        // A Mongolian page is held to the same words check: every word from its locale file.
        if r["lang"] == "zh-CN" || r["lang"] == "mn-Mong" {
            let text = r["text"].as_str().unwrap_or_default();
            problems.extend(
                locale_keys_in(text)
                    .into_iter()
                    .map(|k| format!("locale key shown: {k}")),
            );
            problems.extend(
                english_in(text)
                    .into_iter()
                    .map(|s| format!("English on a zh-CN page: {s}")),
            );
            problems.extend(
                internal_words_in(text)
                    .into_iter()
                    .map(|s| format!("internal word on a zh-CN page: {s}")),
            );
        }
        if let Ok(Value::Array(log)) = self.c.issue_cmd(BrowserLog).await {
            for entry in log {
                let msg = entry["message"].as_str().unwrap_or_default().to_owned();
                // A refused form answers 4xx on purpose (its page shows why); a resource that
                // fails to load is caught by the error collector above.
                if msg.contains("the server responded with a status of 4") {
                    continue;
                }
                problems.push(format!("console: {msg}"));
            }
        }
        assert!(problems.is_empty(), "{path}:\n  {}", problems.join("\n  "));
    }

    /// The browser console's severe entries since the last look (CSP refusals land here),
    /// and the errors the collector caught on this page.
    pub async fn console_errors(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Ok(Value::Array(log)) = self.c.issue_cmd(BrowserLog).await {
            out.extend(
                log.iter()
                    .map(|e| e["message"].as_str().unwrap_or_default().to_owned()),
            );
        }
        if let Ok(Value::Array(errors)) =
            self.c.execute("return window.__errors || []", vec![]).await
        {
            out.extend(
                errors
                    .iter()
                    .map(|e| e.as_str().unwrap_or_default().to_owned()),
            );
        }
        out
    }

    /// A Chrome DevTools Protocol command (`cmd`, `params`) on this page; its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.c
            .issue_cmd(Cdp(json!({ "cmd": cmd, "params": params })))
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    /// Save a PNG screenshot of the page (for the screenshot script and for failures).
    pub async fn screenshot(&self, file: &std::path::Path) {
        let png = self.c.screenshot().await.unwrap();
        std::fs::write(file, png).unwrap();
    }

    /// Sign in as a resident by session cookie (the emailed-code sign-in itself is the
    /// resident journey's business). The cookie is set by script on the app's origin.
    pub async fn resident_session(&mut self, app: &crate::helpers::TestApp, resident: i64) {
        let (sid, _) = mashang::people::sessions::create(
            &app.state.redis,
            mashang::people::sessions::Kind::Resident,
            resident,
            3600,
        )
        .await
        .unwrap();
        if !self
            .c
            .current_url()
            .await
            .unwrap()
            .as_str()
            .starts_with(&self.base)
        {
            self.c.goto(&self.url("/")).await.unwrap();
        }
        let script = format!(
            "document.cookie = '{}={sid}; path=/; samesite=lax'",
            mashang::web::resident_auth::COOKIE
        );
        self.c.execute(&script, vec![]).await.unwrap();
    }

    /// End the session (closes the browser; the drop guard then finds nothing left).
    pub async fn close(self) {
        let _ = self.c.clone().close().await;
    }
}

/// Run in the page: script errors collected so far, whether the page is wider than the
/// window, tap targets under the minimum in the main action areas, the language and text.
const CHECK_SCRIPT: &str = r#"
var min = arguments[0], out = { errors: (window.__errors || []).slice(), wide: [], small: [] };
window.__errors = [];
var vw = window.innerWidth;
if (document.documentElement.scrollWidth > vw + 1) {
  var culprits = [];
  document.querySelectorAll("body *").forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > vw + 1 && r.width > 0 && !e.closest(".scroll") && culprits.length < 5) {
      culprits.push(e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : "") + " right=" + Math.round(r.right));
    }
  });
  out.wide.push("page is " + document.documentElement.scrollWidth + " px wide on a " + vw + " px window: " + culprits.join(", "));
}
var targets = "main button, main a.button, main input[type=submit], main .action, main label.check, main .chip, main select, main .news-list a, " +
  "main input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), header.bar a, nav.tabs a, nav.tabs button";
document.querySelectorAll(targets).forEach(function (e) {
  var r = e.getBoundingClientRect(), s = getComputedStyle(e);
  if (r.width === 0 || r.height === 0 || s.visibility === "hidden") { return; }
  if (r.height < min - 0.5 || r.width < min - 0.5) {
    out.small.push(e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " \"" + (e.innerText || e.value || e.name || "").trim().slice(0, 30) + "\" " + Math.round(r.width) + "x" + Math.round(r.height));
  }
});
out.lang = document.documentElement.lang;
out.text = document.body ? document.body.innerText : "";
return out;
"#;

/// A small JPEG photo on disk (a person's camera roll), for report and resolution uploads.
pub fn photo_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mashang-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    if !path.exists() {
        let img = image::RgbImage::from_fn(640, 480, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
        });
        img.save_with_format(&path, image::ImageFormat::Jpeg)
            .unwrap();
    }
    path
}

#[tokio::test]
async fn a_failing_browser_test_leaves_no_browser_running() {
    // A test that panics with its browser open: the drop guard kills that browser.
    let profile = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = profile.clone();
    let failed = tokio::spawn(async move {
        let b = Browser::phone("http://127.0.0.1:9").await;
        let needle = format!("--user-data-dir={}", b.profile.display());
        assert!(!processes_naming(&needle).is_empty(), "the browser runs");
        *seen.lock().unwrap() = Some(needle);
        panic!("a test fails with its browser open");
    })
    .await;
    assert!(failed.unwrap_err().is_panic());
    let needle = profile
        .lock()
        .unwrap()
        .clone()
        .expect("the browser had started");
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while !processes_naming(&needle).is_empty() {
        assert!(
            std::time::Instant::now() < end,
            "chromium still runs after the failed test: {:?}",
            processes_naming(&needle)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
