//! Schema-driven fuzzing (issue 13): `schemathesis` (PyPI, installed by `.ci/python-clients`)
//! reads the service's own OpenAPI document and throws generated requests at every operation,
//! signed in as the demo admin (session cookie and CSRF header), over the demo district.
//! Passes only if no answer is a 5xx and every answer has a documented status, content type
//! and body. This is the short CI run; `benches/schemathesis.sh` is the long one.

use crate::helpers::{spawn, Fixture, TestApp};
use std::path::PathBuf;

/// The checks every answer must pass.
pub const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_schema_conformance";

fn schemathesis() -> PathBuf {
    crate::open311::python().with_file_name("schemathesis")
}

/// A client signed in as `username` on its own cookie jar: the `Cookie` header value to send
/// (the staff session) and the session's CSRF token.
pub async fn admin_credentials(app: &TestApp, username: &str) -> (String, String) {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let csrf = app
        .login_as(&client, username, &format!("mashang-{username}"))
        .await;
    use reqwest::cookie::CookieStore;
    let url: reqwest::Url = app.url("/api/v1/me").parse().unwrap();
    let cookie = jar.cookies(&url).expect("signed in: a session cookie");
    let cookie = cookie.to_str().unwrap().to_owned();
    assert!(cookie.contains("mashang_staff="), "{cookie}");
    (cookie, csrf)
}

/// Run schemathesis against `app` with `args` after the common ones; its output on failure.
pub async fn run(app: &TestApp, args: &[&str]) -> Result<String, String> {
    let (cookie, csrf) = admin_credentials(app, "admin").await;
    let out = tokio::process::Command::new(schemathesis())
        .arg("run")
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--checks", CHECKS])
        .args(["-H", &format!("Cookie: {cookie}")])
        .args(["-H", &format!("X-CSRF-Token: {csrf}")])
        .args(["--no-color", "--workers", "1"])
        .args(args)
        // Nothing written into the checkout (Hypothesis keeps no example database).
        .args(["--generation-database", "none"])
        .env("PYTHONIOENCODING", "utf-8")
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

/// The short run: every operation, its examples, the coverage phase (boundaries and invalid
/// values of each parameter) and a few generated cases each; a fixed seed, so a failure
/// reproduces.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_operation_answers_a_5xx_or_off_its_schema() {
    let app = spawn(Fixture::Demo).await;
    let started = std::time::Instant::now();
    let result = run(
        &app,
        &[
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "40",
            "--seed",
            "13",
        ],
    )
    .await;
    match result {
        Ok(out) => {
            // The summary (operations and cases checked) for the log.
            let tail: Vec<&str> = out.lines().rev().take(25).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            println!(
                "schemathesis in {:.0?}:\n{}",
                started.elapsed(),
                tail.join("\n")
            );
            assert!(
                out.contains("18 selected"),
                "not every operation ran:\n{out}"
            );
        }
        Err(out) => panic!("schemathesis found failures:\n{out}"),
    }
}
