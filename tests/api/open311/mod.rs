//! Open311 GeoReport v2 (issue 13), black-box: the server driven by `georeport` (an Open311
//! client from PyPI that no one here wrote; plain HTTP for POST, which it does not do), its
//! JSON checked against open311/schema-validation's schemas (tests/open311/schema), its XML
//! parsed. The Python side is tests/open311/client.py in the venv `.ci/python-clients` makes.

mod errors;
mod keys;
mod posting;
mod privacy;
mod services;

use crate::helpers::{TestApp, PUBLIC_URL};
use serde_json::Value;
use std::path::PathBuf;

pub const BASE: &str = "/open311/v2";

pub fn python() -> PathBuf {
    let venv = std::env::var("MASHANG_PY_CLIENTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/mashang/py-clients")
        });
    let py = venv.join("bin/python");
    assert!(
        py.exists(),
        "{} is missing: run `bash .ci/python-clients` first",
        py.display()
    );
    py
}

/// Run client.py (async: it calls back into the app served on this runtime).
pub async fn py(args: &[&str], stdin: &str) -> Result<String, String> {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(python())
        .arg("tests/open311/client.py")
        .args(args)
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

pub async fn valid(schema: &str, body: &str) {
    if let Err(e) = py(&["validate", schema], body).await {
        panic!("not valid against {schema}.json: {e}\n{body}");
    }
}

/// Parse XML (with its UTF-8 declaration); the root element's name.
pub async fn xml_root(body: &str) -> String {
    let out = py(&["wellformed"], body)
        .await
        .unwrap_or_else(|e| panic!("XML not well-formed: {e}\n{body}"));
    let v: Value = serde_json::from_str(&out).unwrap();
    v["root"].as_str().unwrap().to_owned()
}

/// What the georeport client returns for a call, in `format`.
pub async fn georeport(app: &TestApp, format: &str, call: &[&str]) -> Value {
    let base = app.url(BASE);
    let mut args = vec!["georeport", base.as_str(), format];
    args.extend_from_slice(call);
    let out = py(&args, "")
        .await
        .unwrap_or_else(|e| panic!("georeport {call:?} ({format}): {e}"));
    serde_json::from_str(&out).unwrap()
}

/// GET: (status, Content-Type, body).
pub async fn get(app: &TestApp, path: &str) -> (u16, String, String) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), ct, r.text().await.unwrap())
}

/// POST form-encoded, as the specification has it: (status, body).
pub async fn post(app: &TestApp, file: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let body = serde_html_form::to_string(fields).unwrap();
    let r = reqwest::Client::new()
        .post(app.url(&format!("{BASE}/{file}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mashang"))
        .args(args)
        .env("MASHANG__DATABASE__URL", &app.settings.database.url)
        .env("MASHANG__SERVER__PUBLIC_URL", PUBLIC_URL)
        .env("MASHANG__LOG__FILTER", "warn")
        .output()
        .unwrap()
}

/// A new key from `mashang open311 keys create NAME` (the key alone on stdout).
pub fn new_key(app: &TestApp, name: &str) -> String {
    let out = cli(app, &["open311", "keys", "create", name]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(key.starts_with("m311_") && key.len() > 40, "{key}");
    key
}

/// The centre of a grid's boundary (longitude, latitude).
pub async fn centre(app: &TestApp, code: &str) -> (f64, f64) {
    let mut c = app.conn().await;
    let g = mashang::grids::Grid::by_code(&mut c, code)
        .await
        .unwrap()
        .unwrap();
    let ring: Vec<(f64, f64)> = g.boundary.unwrap()["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    let xs = ring.iter().map(|p| p.0);
    let ys = ring.iter().map(|p| p.1);
    let (x0, x1) = (
        xs.clone().fold(f64::MAX, f64::min),
        xs.fold(f64::MIN, f64::max),
    );
    let (y0, y1) = (
        ys.clone().fold(f64::MAX, f64::min),
        ys.fold(f64::MIN, f64::max),
    );
    ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
}

pub fn errors_of(body: &str) -> Value {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    assert!(
        v[0]["code"].is_u64() && v[0]["description"].is_string(),
        "{v}"
    );
    v
}
