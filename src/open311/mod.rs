//! Open311 GeoReport v2 (issue 13): city 311 platforms and their apps list the services
//! (one per category of `config/categories.toml`), read the questions a service asks, post
//! requests through the same intake as a scanned report, and follow them.
//!
//! Pure mapping and queries; the thin handlers are in `web::open311`. Every answer is
//! rendered here in JSON or XML ([`render`]); errors are the specification's list of
//! `{code, description}` with 400, 403 or 404 ([`Open311Error`]).
//!
//! ## Ledger states and Open311 status
//!
//! | ledger state (台账)            | Open311 `status` | `status_notes`      |
//! |-------------------------------|------------------|---------------------|
//! | submitted 待签收               | open             | 待签收              |
//! | accepted 已签收                | open             | 已签收              |
//! | dispatched 已交办              | open             | 已交办              |
//! | in_progress 办理中             | open             | 办理中              |
//! | resolved 已办结 (rating due)   | closed           | 已办结，等待居民评价 |
//! | closed 已结案                  | closed           | 已结案              |
//! | rejected 不予受理              | closed           | 不予受理            |
//! | duplicate 重复                 | closed           | 重复案件            |
//! | not_ours 非本部门职责          | closed           | 非本部门职责        |
//!
//! A resolved case counts as closed because the work is done; a dissatisfied rating reopens
//! it (in_progress), and it shows as open again.

pub mod config;
pub mod keys;
pub mod post;
pub mod render;
pub mod requests;
pub mod services;

pub use config::Open311Config;

use crate::reports::ledger::CaseState;
use chrono::{DateTime, FixedOffset, Utc};

/// The path a client is given as the base (discovery's endpoint url is the public base plus
/// this).
pub const BASE_PATH: &str = "/open311/v2";
/// The specification an endpoint implements, as the discovery document names it.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// Datetimes are written in China Standard Time (UTC+08:00), with the offset.
const OFFSET_SECONDS: i32 = 8 * 3600;

/// The two formats, chosen by the path's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// Split `name.json` / `name.xml` into the name and the format; `None` for anything else.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        let (name, ext) = file.rsplit_once('.')?;
        let format = match ext {
            "json" => Format::Json,
            "xml" => Format::Xml,
            _ => return None,
        };
        Some((name, format))
    }

    /// The Content-Type of a response (XML declares UTF-8 in its prolog too).
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }
}

/// A refusal as the specification has it: the HTTP status (400, 403 or 404; 429 when a key
/// posts too fast, 503 when a service is down) and a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Error {
    pub status: u16,
    pub description: String,
}

impl Open311Error {
    /// 400: anything wrong with the request itself.
    pub fn bad(description: impl Into<String>) -> Self {
        Open311Error {
            status: 400,
            description: description.into(),
        }
    }

    /// 403: a missing, unknown or revoked api_key.
    pub fn forbidden(description: impl Into<String>) -> Self {
        Open311Error {
            status: 403,
            description: description.into(),
        }
    }

    /// 404: an unknown path, service or request.
    pub fn not_found(description: impl Into<String>) -> Self {
        Open311Error {
            status: 404,
            description: description.into(),
        }
    }
}

impl From<crate::error::AppError> for Open311Error {
    /// The application's errors in Open311's shape: server faults keep their status and say
    /// nothing more; a rate limit stays 429; every other client error is a 400.
    fn from(e: crate::error::AppError) -> Self {
        let status = e.code.status();
        if status >= 500 {
            tracing::error!(error = ?e, "open311 request failed");
            return Open311Error {
                status,
                description: "service unavailable, please retry later".into(),
            };
        }
        let description = e
            .public_message()
            .map(str::to_owned)
            .unwrap_or_else(|| e.code.as_str().to_owned());
        match status {
            404 => Open311Error::not_found(description),
            429 => Open311Error {
                status,
                description,
            },
            _ => Open311Error::bad(description),
        }
    }
}

/// Open311's two statuses for a ledger state (the table in the module docs).
pub fn status_of(state: CaseState) -> &'static str {
    match state {
        CaseState::Submitted
        | CaseState::Accepted
        | CaseState::Dispatched
        | CaseState::InProgress => "open",
        CaseState::Resolved
        | CaseState::Closed
        | CaseState::Rejected
        | CaseState::Duplicate
        | CaseState::NotOurs => "closed",
    }
}

/// The ledger states behind an Open311 status.
pub fn states_of(status: &str) -> Option<Vec<&'static str>> {
    if status != "open" && status != "closed" {
        return None;
    }
    Some(
        CaseState::ALL
            .iter()
            .filter(|s| status_of(**s) == status)
            .map(|s| s.as_str())
            .collect(),
    )
}

/// `status_notes` for a ledger state (the table in the module docs), in the default language.
pub fn status_notes(state: CaseState) -> String {
    let zh = crate::i18n::Locale::default();
    match state {
        CaseState::Resolved | CaseState::Duplicate => {
            crate::i18n::translate(zh, &format!("open311_notes.{}", state.as_str()), &[])
        }
        s => s.label(zh),
    }
}

/// A W3C datetime with its offset (UTC+08:00), to the second.
pub fn datetime(t: DateTime<Utc>) -> String {
    let tz = FixedOffset::east_opt(OFFSET_SECONDS).expect("a valid offset");
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Parse a W3C datetime parameter: a full datetime with `Z` or an offset, or a bare date
/// (midnight UTC+08:00). A datetime without a zone is refused: it would be ambiguous.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    let tz = FixedOffset::east_opt(OFFSET_SECONDS)?;
    d.and_hms_opt(0, 0, 0)?
        .and_local_timezone(tz)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_maps_to_open_or_closed() {
        for s in CaseState::ALL {
            assert_eq!(status_of(s) == "open", s.is_open(), "{s:?}");
            assert!(!status_notes(s).is_empty());
        }
        assert_eq!(states_of("open").unwrap().len(), 4);
        assert_eq!(states_of("closed").unwrap().len(), 5);
        assert!(states_of("pending").is_none());
    }

    #[test]
    fn datetimes_carry_their_offset_and_parse_back() {
        let t = DateTime::parse_from_rfc3339("2026-12-03T04:05:06Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(datetime(t), "2026-12-03T12:05:06+08:00");
        assert_eq!(parse_datetime(&datetime(t)), Some(t));
        assert_eq!(parse_datetime("2026-12-03T04:05:06Z"), Some(t));
        assert!(parse_datetime("2026-12-03").is_some());
        assert!(parse_datetime("2026-12-03T04:05:06").is_none());
        assert!(parse_datetime("yesterday").is_none());
    }

    #[test]
    fn formats_come_from_the_suffix() {
        assert_eq!(
            Format::split("services.xml"),
            Some(("services", Format::Xml))
        );
        assert_eq!(
            Format::split("GY-C-0201.json"),
            Some(("GY-C-0201", Format::Json))
        );
        assert_eq!(Format::split("services.csv"), None);
        assert_eq!(Format::split("services"), None);
    }
}
