//! The discovery document, the service list and service definitions, mapped from the
//! category catalog and `config/open311.toml` (pure).

use super::config::{Open311Config, Value};
use super::{Open311Error, BASE_PATH, SPECIFICATION};
use crate::i18n::{translate, Locale};
use crate::reports::categories::{Catalog, Kind};
use serde::Serialize;

/// The discovery document (`discovery.{json,xml}`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Discovery {
    pub changeset: String,
    pub contact: String,
    pub key_service: String,
    pub endpoints: Vec<Endpoint>,
}

/// One endpoint of the discovery document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Endpoint {
    pub specification: &'static str,
    pub url: String,
    pub changeset: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub formats: Vec<&'static str>,
}

/// One service: a category.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Service {
    pub service_code: String,
    pub service_name: String,
    pub description: String,
    pub metadata: bool,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub keywords: String,
    pub group: String,
}

/// A service definition: the questions a service asks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Definition {
    pub service_code: String,
    pub attributes: Vec<AttributeOut>,
}

/// One question as GeoReport describes it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttributeOut {
    pub variable: bool,
    pub code: String,
    pub datatype: String,
    pub required: bool,
    pub datatype_description: Option<String>,
    pub order: u32,
    pub description: String,
    pub values: Vec<Value>,
}

/// The discovery document; `public_base` is the service's public URL without a trailing
/// slash.
pub fn discovery(config: &Open311Config, public_base: &str) -> Discovery {
    let d = &config.discovery;
    Discovery {
        changeset: d.changeset.clone(),
        contact: d.contact.clone(),
        key_service: format!("{} {public_base}/console/open311", d.key_service),
        endpoints: vec![Endpoint {
            specification: SPECIFICATION,
            url: format!("{public_base}{BASE_PATH}"),
            changeset: d.changeset.clone(),
            kind: "production",
            formats: vec!["text/xml", "application/json"],
        }],
    }
}

fn service(catalog: &Catalog, config: &Open311Config, k: &Kind) -> Service {
    // GeoReport carries no language: the list is in the service's default one.
    let locale = Locale::default();
    let department = catalog
        .department(&k.department)
        .map(|d| d.name(locale))
        .unwrap_or(k.department.as_str());
    let ledger = translate(
        locale,
        &format!("ledger.kind.{}", ledger_kind(&k.ledger)),
        &[],
    );
    Service {
        service_code: k.open311.clone(),
        service_name: k.name(locale).to_owned(),
        description: translate(
            locale,
            "open311_text.service_description",
            &[
                ("name_en", k.name_en.clone()),
                ("department", department.to_owned()),
                ("ledger", ledger),
                ("accept_hours", k.accept_hours.to_string()),
                ("finish_hours", k.finish_hours.to_string()),
            ],
        ),
        metadata: !config.attributes(&k.open311).is_empty(),
        kind: "realtime",
        keywords: k.keywords.join(","),
        group: catalog
            .module(&k.module)
            .map(|m| m.name(locale).to_owned())
            .unwrap_or_else(|| k.module.clone()),
    }
}

/// The ledger kind's key: one of the five, anything else read as on-behalf (代办件), as
/// the catalog's check allows no other.
fn ledger_kind(ledger: &str) -> &str {
    match ledger {
        "immediate" | "time_limited" | "special" | "promised" => ledger,
        _ => "on_behalf",
    }
}

/// Every category as a service, in catalog order.
pub fn list(catalog: &Catalog, config: &Open311Config) -> Vec<Service> {
    catalog
        .kinds()
        .iter()
        .map(|k| service(catalog, config, k))
        .collect()
}

/// The definition of one service; 404 for an unknown code.
pub fn definition(
    catalog: &Catalog,
    config: &Open311Config,
    service_code: &str,
) -> Result<Definition, Open311Error> {
    let kind = catalog
        .by_open311(service_code)
        .ok_or_else(|| Open311Error::not_found(format!("no service {}", clip(service_code))))?;
    Ok(Definition {
        service_code: kind.open311.clone(),
        attributes: config
            .attributes(&kind.open311)
            .iter()
            .map(|a| AttributeOut {
                variable: true,
                code: a.code.clone(),
                datatype: a.datatype.clone(),
                required: a.required,
                datatype_description: a.datatype_description.clone(),
                order: a.order,
                description: a.description.clone(),
                values: a.values.clone(),
            })
            .collect(),
    })
}

/// A client's text echoed in an error, bounded.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}
