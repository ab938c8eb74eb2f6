//! Headers every response carries, and the names session cookies go by.
//!
//! Tokens travel in URLs (a door's code, a tracking id), so no page may leak its address to
//! another site (`Referrer-Policy`), be framed (`frame-ancestors`), run a script that did not
//! come from this service (`script-src 'self'`, no inline scripts anywhere: templates load
//! their scripts from `/static`), or be sniffed into another type.

use actix_web::http::header::{self, HeaderName, HeaderValue};

/// The Content-Security-Policy of every page. Photos are previewed from `blob:` URLs before
/// upload; nothing else comes from anywhere but this origin.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' blob: data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; \
worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// HSTS for deployments that set `cookie_secure` (they are served over HTTPS).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The headers for one response; `secure` is `[session] cookie_secure`.
pub fn headers(secure: bool) -> Vec<(HeaderName, HeaderValue)> {
    let mut out = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ];
    if secure {
        out.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ));
    }
    out
}

/// Middleware: add [`headers`] to every response that does not set its own.
pub async fn add(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let secure = req
        .app_data::<actix_web::web::Data<crate::web::state::AppState>>()
        .is_some_and(|s| s.settings.session.cookie_secure);
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    for (name, value) in headers(secure) {
        if !h.contains_key(&name) {
            h.insert(name, value);
        }
    }
    Ok(res)
}

/// Whether this deployment's cookies are secure (`[session] cookie_secure`).
pub fn secure(req: &actix_web::HttpRequest) -> bool {
    req.app_data::<actix_web::web::Data<crate::web::state::AppState>>()
        .is_some_and(|s| s.settings.session.cookie_secure)
}

/// The name a cookie goes by: with `__Host-` in front when cookies are secure, so the browser
/// only accepts it from this host over HTTPS, for path `/`, never set by a subdomain.
pub fn cookie_name(base: &'static str, secure: bool) -> &'static str {
    if !secure {
        return base;
    }
    match base {
        "mashang_staff" => "__Host-mashang_staff",
        "mashang_login_csrf" => "__Host-mashang_login_csrf",
        "mashang_form" => "__Host-mashang_form",
        "mashang_resident" => "__Host-mashang_resident",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_no_inline_script() {
        let script = CSP
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!script.contains("unsafe"), "{script}");
        assert!(CSP.contains("frame-ancestors 'none'"));
    }

    /// The policy forbids inline script, so no template may have one (it would silently not
    /// run): no `<script>` without `src`, no `on…=` handler attribute.
    #[test]
    fn no_template_has_inline_script() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "html") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(std::path::Path::new("assets/templates"), &mut files);
        assert!(files.len() > 20);
        // ` on` + letters + `=`: an event handler attribute.
        let has_handler = |html: &str| {
            html.match_indices(" on").any(|(i, _)| {
                let rest = &html[i + 3..];
                let letters = rest.chars().take_while(char::is_ascii_lowercase).count();
                letters > 2 && rest[letters..].starts_with('=')
            })
        };
        for f in files {
            let html = std::fs::read_to_string(&f).unwrap();
            for (i, _) in html.match_indices("<script") {
                let tag = &html[i..html[i..].find('>').map_or(html.len(), |e| i + e)];
                assert!(tag.contains("src="), "{}: inline <script>", f.display());
            }
            assert!(!has_handler(&html), "{}: an on…= handler", f.display());
        }
    }

    #[test]
    fn hsts_only_when_secure() {
        let has = |s| {
            headers(s)
                .iter()
                .any(|(n, _)| n == header::STRICT_TRANSPORT_SECURITY)
        };
        assert!(has(true));
        assert!(!has(false));
    }

    #[test]
    fn every_session_cookie_gets_the_host_prefix_when_secure() {
        for base in [
            crate::web::auth::SESSION_COOKIE,
            crate::web::auth::LOGIN_CSRF_COOKIE,
            crate::web::form_csrf::COOKIE,
            crate::web::resident_auth::COOKIE,
        ] {
            assert_eq!(cookie_name(base, false), base);
            assert_eq!(cookie_name(base, true), format!("__Host-{base}"));
        }
    }
}
