//! Volunteer activities (志愿活动): staff create an activity with a check-in code; volunteers
//! scan the code on site and check in; the organiser confirms who came, and each confirmed
//! volunteer earns the activity's points (paid through [`crate::points::earn`]).

pub mod checkins;
pub mod model;
pub mod rules;

pub use checkins::{Checkin, CheckinRefusal};
pub use model::{Activity, NewActivity};
pub use rules::ActivityError;

/// The URL an activity's check-in poster carries: upper case, like door codes, so the symbol
/// encodes in alphanumeric mode.
pub fn checkin_url(public_base: &str, token: &str) -> String {
    format!("{}/A/{}", public_base.trim_end_matches('/'), token).to_ascii_uppercase()
}
