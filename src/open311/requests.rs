//! `GET requests` and `GET requests/{id}`: the parameters, the query and the mapping of a
//! case to a service request. Nothing personal leaves here: no reporter, no e-mail, and for
//! a household's door code only the compound (no door, no position).

use super::{datetime, states_of, status_notes, status_of, Open311Error};
use crate::codes::token;
use crate::db::schema::{codes, grids, report_photos, reports};
use crate::error::AppResult;
use crate::reports::categories::Catalog;
use crate::reports::Report;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use std::collections::HashMap;

diesel::table! {
    /// Migration 2026-12-03-000002_open311.
    open311_requests (report_id) {
        report_id -> Int8,
        key_id -> Int8,
        media_url -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

/// The default and widest window of `GET requests` (days), and its most results.
pub const WINDOW_DAYS: i64 = 90;
pub const MAX_RESULTS: i64 = 1000;
/// Most ids in one `service_request_id` list, and most parameters in one request.
pub const MAX_IDS: usize = 200;
pub const MAX_PARAMS: usize = 100;
/// Longest parameter value read (bytes); a description of 4,000 Chinese characters fits.
pub const MAX_VALUE_BYTES: usize = 16_384;

/// One service request as GeoReport shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceRequest {
    pub service_request_id: String,
    pub status: &'static str,
    pub status_notes: Option<String>,
    pub service_name: Option<String>,
    pub service_code: String,
    pub description: Option<String>,
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: String,
    pub updated_datetime: Option<String>,
    pub expected_datetime: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub media_url: Option<String>,
}

/// The answer to a POST: the case's public tracking id and a notice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Posted {
    pub service_request_id: String,
    pub service_notice: String,
}

/// The parameters as sent, one value per name (repeated names joined with commas, as a
/// comma list), empty values dropped: an empty optional parameter is an absent one.
pub fn params(pairs: Vec<(String, String)>) -> Result<HashMap<String, String>, Open311Error> {
    if pairs.len() > MAX_PARAMS {
        return Err(Open311Error::bad("too many parameters"));
    }
    let mut out: HashMap<String, String> = HashMap::new();
    for (k, v) in pairs {
        if k.len() > 200 || v.len() > MAX_VALUE_BYTES {
            return Err(Open311Error::bad(format!(
                "parameter {} is too long",
                super::services::clip(&k)
            )));
        }
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        out.entry(k)
            .and_modify(|e| {
                e.push(',');
                e.push_str(v);
            })
            .or_insert_with(|| v.to_owned());
    }
    Ok(out)
}

/// What `GET requests` asks for.
#[derive(Debug, PartialEq)]
pub enum Query {
    /// `service_request_id`: these cases, whatever else was asked.
    Ids(Vec<String>),
    /// A window of `requested_datetime`, optionally by category and ledger states.
    Window {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        categories: Option<Vec<String>>,
        states: Option<Vec<&'static str>>,
    },
}

fn list(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Read `GET requests`' parameters (404 for an unknown service_code, 400 for the rest).
pub fn parse_query(
    p: &HashMap<String, String>,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<Query, Open311Error> {
    if let Some(ids) = p.get("service_request_id") {
        let ids: Vec<&str> = list(ids).collect();
        if ids.len() > MAX_IDS {
            return Err(Open311Error::bad(format!(
                "at most {MAX_IDS} service_request_id values"
            )));
        }
        // A malformed id names no case; it is simply not found.
        return Ok(Query::Ids(
            ids.into_iter().filter_map(token::normalize).collect(),
        ));
    }
    let categories = match p.get("service_code") {
        Some(codes) => {
            let mut out = Vec::new();
            for c in list(codes).take(MAX_IDS) {
                let kind = catalog.by_open311(c).ok_or_else(|| {
                    Open311Error::not_found(format!("no service {}", super::services::clip(c)))
                })?;
                out.push(kind.code.clone());
            }
            Some(out)
        }
        None => None,
    };
    let states = match p.get("status") {
        Some(s) => {
            let mut out: Vec<&'static str> = Vec::new();
            for one in list(s) {
                let st =
                    states_of(one).ok_or_else(|| Open311Error::bad("status is open or closed"))?;
                out.extend(st);
            }
            Some(out)
        }
        None => None,
    };
    let date = |name: &str| -> Result<Option<DateTime<Utc>>, Open311Error> {
        match p.get(name) {
            None => Ok(None),
            Some(v) => super::parse_datetime(v).map(Some).ok_or_else(|| {
                Open311Error::bad(format!(
                    "{name} is not a W3C datetime with a time zone, e.g. 2026-12-01T00:00:00+08:00"
                ))
            }),
        }
    };
    let window = Duration::days(WINDOW_DAYS);
    let (start, end) = match (date("start_date")?, date("end_date")?) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, (s + window).min(now)),
        (None, Some(e)) => (e - window, e),
        (None, None) => (now - window, now),
    };
    if start > end {
        return Err(Open311Error::bad("start_date is after end_date"));
    }
    if end - start > window {
        return Err(Open311Error::bad(format!(
            "start_date and end_date may not span more than {WINDOW_DAYS} days"
        )));
    }
    Ok(Query::Window {
        start,
        end,
        categories,
        states,
    })
}

/// The cases a query names, newest first, at most [`MAX_RESULTS`].
pub async fn load(conn: &mut AsyncPgConnection, q: &Query) -> AppResult<Vec<Report>> {
    let mut b = reports::table.into_boxed();
    match q {
        Query::Ids(ids) => {
            if ids.is_empty() {
                return Ok(vec![]);
            }
            b = b.filter(reports::public_id.eq_any(ids.clone()));
        }
        Query::Window {
            start,
            end,
            categories,
            states,
        } => {
            b = b.filter(reports::submitted_at.between(*start, *end));
            if let Some(c) = categories {
                b = b.filter(reports::category.eq_any(c.clone()));
            }
            if let Some(s) = states {
                b = b.filter(reports::state.eq_any(s.clone()));
            }
        }
    }
    Ok(b.order((reports::submitted_at.desc(), reports::id.desc()))
        .limit(MAX_RESULTS)
        .select(Report::as_select())
        .load(conn)
        .await?)
}

/// Map cases to service requests (the names, codes and photos they need in a few queries).
pub async fn describe(
    conn: &mut AsyncPgConnection,
    catalog: &Catalog,
    public_base: &str,
    list: &[Report],
) -> AppResult<Vec<ServiceRequest>> {
    let ids: Vec<i64> = list.iter().map(|r| r.id).collect();
    let grid_ids: Vec<i64> = list.iter().map(|r| r.grid_id).collect();
    let code_ids: Vec<i64> = list.iter().filter_map(|r| r.code_id).collect();
    let grid_names: HashMap<i64, String> = grids::table
        .filter(grids::id.eq_any(grid_ids))
        .select((grids::id, grids::name))
        .load(conn)
        .await?
        .into_iter()
        .collect();
    let household_codes: Vec<i64> = codes::table
        .filter(codes::id.eq_any(code_ids))
        .filter(codes::kind.eq("household"))
        .select(codes::id)
        .load(conn)
        .await?;
    // The reporter's first photo (not the staff's result photos).
    let photos: Vec<(i64, i64)> = report_photos::table
        .filter(report_photos::report_id.eq_any(ids.clone()))
        .filter(report_photos::event_id.is_null())
        .order((report_photos::report_id, report_photos::position))
        .select((report_photos::report_id, report_photos::id))
        .load(conn)
        .await?;
    let mut first_photo: HashMap<i64, i64> = HashMap::new();
    for (r, p) in photos {
        first_photo.entry(r).or_insert(p);
    }
    let media: HashMap<i64, String> = open311_requests::table
        .filter(open311_requests::report_id.eq_any(ids))
        .filter(open311_requests::media_url.is_not_null())
        .select((open311_requests::report_id, open311_requests::media_url))
        .load::<(i64, Option<String>)>(conn)
        .await?
        .into_iter()
        .filter_map(|(r, m)| m.map(|m| (r, m)))
        .collect();
    Ok(list
        .iter()
        .map(|r| {
            let kind = catalog.kind(&r.category);
            let state = r.case_state();
            let grid = grid_names.get(&r.grid_id).cloned();
            let household = r.code_id.is_some_and(|c| household_codes.contains(&c));
            let agency = r
                .dispatched_to
                .as_deref()
                .map(|d| {
                    catalog
                        .department(d)
                        .map(|d| d.name_zh.clone())
                        .unwrap_or_else(|| d.to_owned())
                })
                .or_else(|| grid.clone());
            ServiceRequest {
                service_request_id: r.public_id.clone(),
                status: status_of(state),
                status_notes: Some(status_notes(state).to_owned()),
                service_name: kind.map(|k| k.name_zh.clone()),
                service_code: kind.map(|k| k.open311.clone()).unwrap_or_default(),
                description: Some(r.description.clone()),
                agency_responsible: agency,
                service_notice: None,
                requested_datetime: datetime(r.submitted_at),
                updated_datetime: Some(datetime(r.updated_at)),
                expected_datetime: Some(datetime(r.finish_by)),
                // A code's report is at its compound; a household's door is never shown.
                address: if r.code_id.is_some() {
                    grid
                } else {
                    r.address_text.clone().or(grid)
                },
                lat: r.lat.filter(|_| !household),
                long: r.lon.filter(|_| !household),
                media_url: first_photo
                    .get(&r.id)
                    .map(|p| format!("{public_base}/r/{}/photos/{p}", r.public_id))
                    .or_else(|| media.get(&r.id).cloned()),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        params(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
        .unwrap()
    }

    fn catalog() -> Catalog {
        Catalog::load(std::path::Path::new("config/categories.toml")).unwrap()
    }

    #[test]
    fn empty_parameters_are_absent_and_ids_override() {
        let c = catalog();
        let now = Utc::now();
        let q = parse_query(&p(&[("status", ""), ("service_code", "")]), &c, now).unwrap();
        assert!(matches!(
            q,
            Query::Window {
                categories: None,
                states: None,
                ..
            }
        ));
        let q = parse_query(
            &p(&[("service_request_id", "abc, "), ("status", "bogus")]),
            &c,
            now,
        )
        .unwrap();
        assert_eq!(q, Query::Ids(vec![]));
    }

    #[test]
    fn windows_and_refusals() {
        let c = catalog();
        let now = Utc::now();
        let e = parse_query(&p(&[("status", "pending")]), &c, now).unwrap_err();
        assert_eq!(e.status, 400);
        let e = parse_query(&p(&[("service_code", "NOPE")]), &c, now).unwrap_err();
        assert_eq!(e.status, 404);
        let e = parse_query(
            &p(&[
                ("start_date", "2026-01-01T00:00:00Z"),
                ("end_date", "2026-06-01T00:00:00Z"),
            ]),
            &c,
            now,
        )
        .unwrap_err();
        assert_eq!(e.status, 400, "more than 90 days");
        let e = parse_query(&p(&[("start_date", "2026-01-01T00:00:00")]), &c, now).unwrap_err();
        assert_eq!(e.status, 400, "no time zone");
        let Query::Window {
            categories, states, ..
        } = parse_query(
            &p(&[("service_code", "GY-C-0201"), ("status", "open,closed")]),
            &c,
            now,
        )
        .unwrap()
        else {
            panic!()
        };
        assert_eq!(
            categories.unwrap(),
            vec!["component.manhole_cover".to_owned()]
        );
        assert_eq!(states.unwrap().len(), 9);
    }
}
