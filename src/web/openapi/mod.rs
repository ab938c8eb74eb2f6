//! The OpenAPI 3.1 document of the JSON API (`/api/v1`) and of Open311's JSON endpoints,
//! served at `/api/v1/openapi.json`, and a page to browse it at `/api/docs` (issue 13).
//!
//! The document is generated from the code: each `/api/v1` handler carries its
//! `#[utoipa::path]`, and every body is the Rust type the handler serialises
//! (`#[derive(ToSchema)]`), so the document cannot describe a field the server does not send.
//! Every refusal of `/api/v1` is one schema, `ErrorBody`, whose `error` is the enum of stable
//! codes (`crate::error::ErrorCode`); Open311 keeps its specification's error list.
//!
//! The page is Swagger UI, compiled into the binary from the release zip that
//! `utoipa-swagger-ui-vendored` carries: nothing is fetched from another site, so it works
//! offline and under the service's Content-Security-Policy (scripts from 'self' only, none
//! inline: the configuration is the separate `swagger-initializer.js`).

mod open311;

use crate::web::locale::Locale;
use crate::web::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::OpenApi;

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";
/// Where the browsable page is served; its assets are beneath it.
pub const DOCS_PATH: &str = "/api/docs";

/// The document, assembled from the handlers' descriptions.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mashang API",
        description = "The JSON API of Mashang (码上生活): grids, households, codes, figures and \
reports, for scripts and apps; and Open311 GeoReport v2's JSON endpoints for integrators \
(their XML twins take the same parameters, with `.xml` for `.json`).\n\n\
Staff endpoints use the console's session: sign in at `/console/login`, send the \
`mashang_staff` cookie, and with every write the `X-CSRF-Token` header whose value \
`GET /api/v1/me` gives (`csrf`).\n\n\
Every error of `/api/v1` is an `ErrorBody`: `error` is a stable code (clients match on it), \
`reason` a finer stable code, `message` a detail safe to show. Open311 answers errors as its \
specification has it: a list of `{code, description}`."
    ),
    paths(
        crate::web::api::me,
        crate::web::api::grids,
        crate::web::api::grid,
        crate::web::api::households,
        crate::web::api::put_boundary,
        crate::web::api::code,
        crate::web::api::revoke,
        crate::web::api::reissue,
        crate::web::api::reports::submit,
        crate::web::api::figures::figures,
        crate::web::api::figures::workers,
        open311::discovery,
        open311::services,
        open311::service_definition,
        open311::requests,
        open311::request,
        open311::post_request,
        open311::token,
    ),
    modifiers(&Security),
    tags(
        (name = "session", description = "The signed-in staff account"),
        (name = "grids", description = "Streets, communities, compounds and their households"),
        (name = "codes", description = "Printed door and shop codes"),
        (name = "reports", description = "Reports from residents' apps"),
        (name = "figures", description = "The dashboard's and the assessment's numbers"),
        (name = "open311", description = "Open311 GeoReport v2 (JSON); base `/open311/v2`"),
    )
)]
pub struct ApiDoc;

/// The two credentials of staff endpoints: the session cookie, and the CSRF header writes add.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "staff_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::web::auth::SESSION_COOKIE,
                "The console's session cookie (`__Host-mashang_staff` on HTTPS deployments)",
            ))),
        );
        components.add_security_scheme(
            "csrf_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's CSRF token (`csrf` of `GET /api/v1/me`), on every write",
            ))),
        );
    }
}

/// The document as JSON (built once: it depends on the code alone).
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    })
}

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(document())
}

/// The page's Content-Security-Policy: the service's own, with one addition on this path only.
/// Swagger UI inserts a `<style>` element of its own at run time, which `style-src 'self'`
/// refuses (the browser test saw Chromium's refusal in the console: "Applying inline style
/// violates ... style-src 'self'"). Inline *styles* only: scripts stay 'self', never inline.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `GET /api/docs`: the page (our own HTML: absolute asset paths, so it works with or without
/// a trailing slash, and a title in the reader's language), under [`DOCS_CSP`].
pub async fn docs_page(state: web::Data<AppState>, locale: Locale) -> HttpResponse {
    match state.pages.render(
        "api_docs.html",
        locale,
        minijinja::context! { base => DOCS_PATH },
    ) {
        Ok(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, DOCS_CSP))
            .body(html),
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}

/// Swagger UI's files the page loads, by name: unpacked once from the release zip compiled
/// into the binary (`utoipa-swagger-ui-vendored`).
const ASSETS: &[&str] = &[
    "swagger-ui.css",
    "index.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
];

/// The configuration Swagger UI starts with: a script file of its own, since the page may
/// run no inline script. No validator badge (it would be fetched from another site).
const INITIALIZER: &str = "window.onload = function () {\n\
  window.ui = SwaggerUIBundle({\n\
    url: \"/api/v1/openapi.json\",\n\
    dom_id: \"#swagger-ui\",\n\
    deepLinking: true,\n\
    validatorUrl: \"none\",\n\
    withCredentials: true,\n\
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],\n\
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],\n\
    layout: \"StandaloneLayout\"\n\
  });\n\
};\n";

/// The unpacked assets (name → bytes); empty if the zip were unreadable (logged).
fn assets() -> &'static std::collections::HashMap<&'static str, Vec<u8>> {
    static FILES: OnceLock<std::collections::HashMap<&'static str, Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| match unpack() {
        Ok(files) => files,
        Err(e) => {
            tracing::error!(error = %e, "swagger ui assets unreadable");
            Default::default()
        }
    })
}

fn unpack() -> anyhow::Result<std::collections::HashMap<&'static str, Vec<u8>>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(
        utoipa_swagger_ui_vendored::SWAGGER_UI_VENDORED,
    ))?;
    let mut out = std::collections::HashMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        // `swagger-ui-<version>/dist/<name>`: only the distribution's own files.
        let Ok(full) = entry.name().map(|n| n.into_owned()) else {
            continue;
        };
        let Some(name) = full
            .split_once("/dist/")
            .filter(|(top, _)| !top.contains('/'))
            .map(|(_, n)| n.to_owned())
        else {
            continue;
        };
        if let Some(known) = ASSETS.iter().find(|a| **a == name) {
            let mut bytes = Vec::with_capacity(entry.size() as usize);
            entry.read_to_end(&mut bytes)?;
            out.insert(*known, bytes);
        }
    }
    Ok(out)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// `GET /api/docs/{file}`: Swagger UI's assets and its configuration; nothing else.
pub async fn docs_asset(file: web::Path<String>) -> HttpResponse {
    let name = file.into_inner();
    if name == "swagger-initializer.js" {
        return HttpResponse::Ok()
            .content_type(content_type(&name))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(INITIALIZER);
    }
    match assets().get(name.as_str()) {
        Some(bytes) => HttpResponse::Ok()
            .content_type(content_type(&name))
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .body(bytes.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_and_covers_every_api_route() {
        let doc: serde_json::Value = serde_json::from_str(document()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        // Every `/api/v1` route of `web::routes` (but the document itself) is described.
        let routes = std::fs::read_to_string("src/web/routes.rs").unwrap();
        for line in routes.lines() {
            let Some(start) = line.find("\"/api/v1/") else {
                continue;
            };
            let path = &line[start + 1..];
            let path = &path[..path.find('"').unwrap()];
            if path == DOCUMENT_PATH {
                continue;
            }
            assert!(paths.contains_key(path), "{path} is not described");
        }
    }

    #[test]
    fn every_error_response_of_the_api_is_the_one_error_schema() {
        let doc: serde_json::Value = serde_json::from_str(document()).unwrap();
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (_, op) in item.as_object().unwrap() {
                for (status, r) in op["responses"].as_object().unwrap() {
                    if !status.starts_with('4') && !status.starts_with('5') {
                        continue;
                    }
                    let schema = &r["content"]["application/json"]["schema"];
                    let want = if path.starts_with("/api/") {
                        serde_json::json!({ "$ref": "#/components/schemas/ErrorBody" })
                    } else {
                        serde_json::json!({ "type": "array", "items": { "$ref": "#/components/schemas/ErrorItem" } })
                    };
                    assert_eq!(schema, &want, "{path} {status}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 40, "{checked}");
    }

    #[test]
    fn every_asset_the_page_names_is_embedded() {
        let page = std::fs::read_to_string("assets/templates/api_docs.html").unwrap();
        for name in ASSETS {
            assert!(assets().get(name).is_some_and(|b| b.len() > 100), "{name}");
        }
        assert!(assets()["swagger-ui-bundle.js"].len() > 500_000);
        let mut named = 0;
        for (i, _) in page.match_indices("{{ base }}/") {
            let rest = &page[i + "{{ base }}/".len()..];
            let name = &rest[..rest.find('"').unwrap()];
            assert!(
                ASSETS.contains(&name) || name == "swagger-initializer.js",
                "{name} is not served"
            );
            named += 1;
        }
        assert_eq!(named, ASSETS.len() + 1);
    }
}
