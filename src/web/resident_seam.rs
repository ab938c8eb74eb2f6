//! TEMPORARY seam: "the signed-in resident" for the points pages, until resident sign-in
//! (issue 5) lands. Swap the body of [`current_resident_id`] for the real extractor then;
//! nothing else reads residents from requests.
//!
//! Today it knows no resident, except in tests: a debug build with
//! `points.test_resident_header = true` takes the id from the `X-Test-Resident` header.
//! Release builds and the default configuration ignore the header entirely.

use crate::state::AppState;
use actix_web::{web, HttpRequest};

/// The test-only header naming the resident.
pub const TEST_HEADER: &str = "x-test-resident";

/// The signed-in resident's id, if any.
pub fn current_resident_id(req: &HttpRequest) -> Option<i64> {
    let enabled = cfg!(debug_assertions)
        && req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.settings.points.test_resident_header);
    if !enabled {
        return None;
    }
    req.headers()
        .get(TEST_HEADER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|id: &i64| *id > 0)
}
