//! `POST requests`: an integrator's request, checked and bounded, through the same intake as
//! a scanned report (`reports::submit`): rate limits, routing, the ledger and "the same
//! problem?". A request that matches an open case joins it (its e-mail follows the case) and
//! the answer names that case.

use super::config::Open311Config;
use super::keys::{self, ApiKey};
use super::requests::{open311_requests, Posted};
use super::Open311Error;
use crate::i18n::{translate, Locale};
use crate::reports::intake::{Outcome, Submission, MAX_DESCRIPTION_OPEN311};
use crate::reports::{submit, ReportDeps};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use std::collections::HashMap;

/// Bounds of the fields that are not the description (characters).
const MAX_ADDRESS: usize = 200;
const MAX_EMAIL: usize = 254;
const MAX_NAME: usize = 100;
const MAX_PHONE: usize = 40;
const MAX_ID: usize = 100;
const MAX_MEDIA_URL: usize = 2000;
/// Most `attribute[...]` values in one request.
const MAX_ATTRIBUTE_VALUES: usize = 50;

/// A request's fields, bounded and checked for shape (not yet against the catalog).
#[derive(Debug, Default)]
pub struct PostInput {
    pub api_key: String,
    pub service_code: String,
    pub point: Option<(f64, f64)>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    pub description: Option<String>,
    pub media_url: Option<String>,
    pub email: Option<String>,
    pub device_id: Option<String>,
    pub attributes: HashMap<String, Vec<String>>,
}

fn bounded(
    p: &HashMap<String, String>,
    name: &str,
    max: usize,
) -> Result<Option<String>, Open311Error> {
    match p.get(name) {
        Some(v) if v.chars().count() > max => Err(Open311Error::bad(format!(
            "{name} may be at most {max} characters"
        ))),
        Some(v) => Ok(Some(v.clone())),
        None => Ok(None),
    }
}

/// Read the form (already split into parameters; `attribute[...]` pairs apart, as sent).
pub fn parse(
    p: &HashMap<String, String>,
    attribute_pairs: &[(String, String)],
) -> Result<PostInput, Open311Error> {
    let service_code = p
        .get("service_code")
        .cloned()
        .ok_or_else(|| Open311Error::bad("service_code is required"))?;
    let number = |name: &str| -> Result<Option<f64>, Open311Error> {
        p.get(name)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| Open311Error::bad(format!("{name} is not a number")))
            })
            .transpose()
    };
    let point = match (number("lat")?, number("long")?) {
        (Some(lat), Some(lon)) => Some((lon, lat)),
        (None, None) => None,
        _ => return Err(Open311Error::bad("lat and long go together")),
    };
    // The contact fields are bounded; names and phone are not stored (nothing asks for them).
    for (name, max) in [
        ("first_name", MAX_NAME),
        ("last_name", MAX_NAME),
        ("phone", MAX_PHONE),
        ("account_id", MAX_ID),
    ] {
        bounded(p, name, max)?;
    }
    let media_url = bounded(p, "media_url", MAX_MEDIA_URL)?;
    if let Some(m) = &media_url {
        let ok = url::Url::parse(m).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(Open311Error::bad("media_url is not an http(s) URL"));
        }
    }
    if attribute_pairs.len() > MAX_ATTRIBUTE_VALUES {
        return Err(Open311Error::bad("too many attribute values"));
    }
    let mut attributes: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in attribute_pairs {
        let code = k
            .strip_prefix("attribute[")
            .and_then(|r| r.strip_suffix("][]").or_else(|| r.strip_suffix(']')))
            .filter(|c| !c.is_empty() && !c.contains(['[', ']']))
            .ok_or_else(|| {
                Open311Error::bad(format!("bad parameter {}", super::services::clip(k)))
            })?;
        attributes
            .entry(code.to_owned())
            .or_default()
            .push(v.clone());
    }
    let input = PostInput {
        api_key: p.get("api_key").cloned().unwrap_or_default(),
        service_code,
        point,
        address_string: bounded(p, "address_string", MAX_ADDRESS)?,
        address_id: bounded(p, "address_id", MAX_ID)?,
        description: bounded(p, "description", MAX_DESCRIPTION_OPEN311)?,
        media_url,
        email: bounded(p, "email", MAX_EMAIL)?,
        device_id: bounded(p, "device_id", MAX_ID)?,
        attributes,
    };
    if input.point.is_none() && input.address_string.is_none() && input.address_id.is_none() {
        return Err(Open311Error::bad(
            "a location is required: lat and long, address_string or address_id",
        ));
    }
    Ok(input)
}

/// The key a request carries, counted against its hourly allowance: 403 without a live key,
/// 429 over the allowance.
pub async fn authorize(
    d: ReportDeps<'_>,
    config: &Open311Config,
    api_key: &str,
) -> Result<ApiKey, Open311Error> {
    let mut conn = d.db.get().await.map_err(crate::error::AppError::from)?;
    let key = keys::verify(&mut conn, api_key)
        .await?
        .ok_or_else(|| Open311Error::forbidden("a valid api_key is required"))?;
    let within = crate::people::ratelimit::hit(
        d.redis,
        &format!("open311:key:{}", key.id),
        config.limits.posts_per_key_per_hour,
        3600,
    )
    .await
    .map_err(crate::error::AppError::from)?;
    if !within {
        return Err(Open311Error {
            status: 429,
            description: "this api_key has posted too many requests this hour".into(),
        });
    }
    Ok(key)
}

/// Take in a request: authorize the key, check the service and its answers, and run the
/// resident's intake. `client_ip` is the integrator's address; its `device_id`, when given,
/// stands for the person behind it in the per-sender limit.
pub async fn handle(
    d: ReportDeps<'_>,
    config: &Open311Config,
    p: &HashMap<String, String>,
    attribute_pairs: &[(String, String)],
    client_ip: &str,
) -> Result<Vec<Posted>, Open311Error> {
    let key = authorize(
        d,
        config,
        p.get("api_key").map(String::as_str).unwrap_or(""),
    )
    .await?;
    let input = parse(p, attribute_pairs)?;
    let kind = d.catalog.by_open311(&input.service_code).ok_or_else(|| {
        Open311Error::not_found(format!(
            "no service {}",
            super::services::clip(&input.service_code)
        ))
    })?;
    let answers = config.answers(&kind.open311, &input.attributes)?;
    // GeoReport carries no language: the case and its answers are in the service's default.
    let locale = Locale::default();
    // GeoReport makes the description optional; a case needs one, so the answers stand in.
    let description = input.description.clone().unwrap_or_else(|| {
        let said: Vec<&str> = answers.iter().map(|a| a.answer.as_str()).collect();
        if said.is_empty() {
            kind.name(locale).to_owned()
        } else {
            let separator = translate(locale, "open311_text.answer_separator", &[]);
            translate(
                locale,
                "open311_text.described_by_answers",
                &[
                    ("kind", kind.name(locale).to_owned()),
                    ("answers", said.join(&separator)),
                ],
            )
        }
    });
    let sender = match &input.device_id {
        Some(dev) => format!("open311:{}:{dev}", key.id),
        None => client_ip.to_owned(),
    };
    let submission = Submission {
        idempotency_key: crate::people::sessions::random_secret(),
        code_token: input.address_id.clone(),
        category: Some(kind.code.clone()),
        description,
        point: input.point,
        address: input.address_string.clone(),
        email: input.email.clone(),
        locale: locale.tag().into(),
        photos: vec![],
        confirm_new: false,
        resident_id: None,
        answers,
        via: Some(format!("open311:{}", key.name)),
        filed: None,
    };
    let outcome = submit::submit_prepared(d, &sender, locale.tag(), submission)
        .await?
        .map_err(|e| {
            let words = crate::error::Refusal::words(&e, locale);
            Open311Error::bad(format!("{}: {words}", e.code()))
        })?;
    let mut conn = d.db.get().await.map_err(crate::error::AppError::from)?;
    let posted = match outcome {
        Outcome::Created(r) | Outcome::Existing(r) => {
            diesel::insert_into(open311_requests::table)
                .values((
                    open311_requests::report_id.eq(r.id),
                    open311_requests::key_id.eq(key.id),
                    open311_requests::media_url.eq(&input.media_url),
                ))
                .on_conflict_do_nothing()
                .execute(&mut conn)
                .await
                .map_err(crate::error::AppError::from)?;
            Posted {
                service_request_id: r.public_id.clone(),
                service_notice: translate(
                    locale,
                    "open311_text.accepted_notice",
                    &[
                        ("accept_by", super::datetime(r.accept_by)),
                        ("finish_by", super::datetime(r.finish_by)),
                    ],
                ),
            }
        }
        Outcome::Similar(similar) => {
            let same = similar
                .into_iter()
                .next()
                .ok_or_else(|| Open311Error::bad("no similar case"))?;
            if let Some(email) = &input.email {
                // The address is asked to confirm before it gets the case's mail.
                crate::reports::handling::follow(
                    &mut conn,
                    d.catalog,
                    crate::reports::Links::of(d.settings),
                    &same,
                    email,
                )
                .await?;
            }
            Posted {
                service_request_id: same.public_id.clone(),
                service_notice: translate(locale, "open311_text.merged_notice", &[]),
            }
        }
    };
    Ok(vec![posted])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn locations_and_bounds() {
        let e = parse(&p(&[("service_code", "GY-C-0201")]), &[]).unwrap_err();
        assert_eq!(e.status, 400);
        let e = parse(&p(&[("service_code", "x"), ("lat", "40.1")]), &[]).unwrap_err();
        assert!(e.description.contains("lat and long"));
        let long = "井".repeat(4001);
        let e = parse(
            &p(&[
                ("service_code", "x"),
                ("address_string", "a"),
                ("description", &long),
            ]),
            &[],
        )
        .unwrap_err();
        assert!(e.description.contains("description"));
        let e = parse(
            &p(&[
                ("service_code", "x"),
                ("address_string", "a"),
                ("media_url", "javascript:x"),
            ]),
            &[],
        )
        .unwrap_err();
        assert!(e.description.contains("media_url"));
        let ok = parse(
            &p(&[("service_code", "x"), ("lat", "40.1"), ("long", "109.9")]),
            &[
                ("attribute[fault][]".into(), "dark".into()),
                ("attribute[fault][]".into(), "day".into()),
                ("attribute[lights_out]".into(), "2".into()),
            ],
        )
        .unwrap();
        assert_eq!(ok.point, Some((109.9, 40.1)));
        assert_eq!(ok.attributes["fault"], vec!["dark", "day"]);
        assert!(parse(
            &p(&[("service_code", "x"), ("address_string", "a")]),
            &[("attribute[a][b]".into(), "1".into())]
        )
        .is_err());
    }
}
