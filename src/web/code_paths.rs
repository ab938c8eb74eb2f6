//! One case rule for the printed code URLs. A QR symbol carries `HTTPS://HOST/C/TOKEN` in
//! upper case (alphanumeric mode, the densest), and some scanner apps lower-case the whole URL
//! before opening it: `/c/token`. Rather than a lower-case twin of every code route, this
//! middleware rewrites the prefix before routing, so each route is written once (`/C/…`,
//! `/A/…`) and the token's own case is left to `codes::token`, which normalises it.

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::middleware::Next;

/// The printed prefixes: `C` a door or shop code, `A` an activity's check-in code.
const PREFIXES: [(&str, &str); 2] = [("/c/", "/C/"), ("/a/", "/A/")];

/// The path with its lower-case code prefix upper-cased, or `None` when it has none.
pub fn canonical(path: &str) -> Option<String> {
    PREFIXES
        .iter()
        .find(|(lower, _)| path.starts_with(lower))
        .map(|(lower, upper)| format!("{upper}{}", &path[lower.len()..]))
}

/// Middleware: route `/c/…` as `/C/…` and `/a/…` as `/A/…` (the query kept as sent).
pub async fn normalise(
    mut req: ServiceRequest,
    next: Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if let Some(path) = canonical(req.path()) {
        let with_query = match req.query_string() {
            "" => path,
            q => format!("{path}?{q}"),
        };
        let mut parts = req.head().uri.clone().into_parts();
        // The new path differs from a valid one only in one ASCII letter, so it parses.
        if let Ok(pq) = PathAndQuery::try_from(with_query) {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
            }
        }
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn only_the_lower_case_code_prefixes_are_rewritten() {
        assert_eq!(canonical("/c/abc/news").as_deref(), Some("/C/abc/news"));
        assert_eq!(canonical("/a/xyz").as_deref(), Some("/A/xyz"));
        assert_eq!(canonical("/C/abc"), None);
        assert_eq!(canonical("/console/cases"), None);
        assert_eq!(canonical("/about"), None);
        assert_eq!(canonical("/c"), None);
    }
}
