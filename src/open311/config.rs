//! `config/open311.toml`: the questions a category asks (GeoReport service attributes) and
//! the integrators' limits; checking a request's answers against the questions.

use super::Open311Error;
use crate::reports::answers::Answer;
use crate::reports::categories::Catalog;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Longest answer to a `string` question (characters).
pub const MAX_STRING_ANSWER: usize = 200;
/// Longest answer to a `text` question (characters).
pub const MAX_TEXT_ANSWER: usize = 1000;
/// Most values a `multivaluelist` answer may carry.
pub const MAX_LIST_VALUES: usize = 20;

/// One allowed value of a list question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Value {
    pub key: String,
    pub name: String,
}

/// One question of a service, as configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// The service (Open311 code) that asks it.
    pub service: String,
    pub code: String,
    /// string, number, datetime, text, singlevaluelist or multivaluelist.
    pub datatype: String,
    pub required: bool,
    pub order: u32,
    /// The question (Chinese).
    pub description: String,
    #[serde(default)]
    pub datatype_description: Option<String>,
    #[serde(default)]
    pub values: Vec<Value>,
    /// Bounds of a `number` answer.
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

/// Integrators' limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub posts_per_key_per_hour: u32,
}

/// What the discovery document says about this deployment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discovery {
    /// When the service list or its questions last changed (W3C datetime).
    pub changeset: String,
    /// Who integrators contact.
    pub contact: String,
    /// How an integrator gets an api_key.
    pub key_service: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    limits: Limits,
    discovery: Discovery,
    #[serde(default)]
    attribute: Vec<Attribute>,
}

/// The loaded, checked configuration.
#[derive(Debug, Clone)]
pub struct Open311Config {
    pub limits: Limits,
    pub discovery: Discovery,
    by_service: HashMap<String, Vec<Attribute>>,
}

const DATATYPES: [&str; 6] = [
    "string",
    "number",
    "datetime",
    "text",
    "singlevaluelist",
    "multivaluelist",
];

impl Open311Config {
    /// Parse and check against the catalog: every service exists, codes are unique per
    /// service and ASCII, list questions have values, datatypes are the spec's.
    pub fn from_toml_str(s: &str, catalog: &Catalog) -> anyhow::Result<Open311Config> {
        let file: File = toml::from_str(s)?;
        anyhow::ensure!(
            super::parse_datetime(&file.discovery.changeset).is_some(),
            "open311.toml: discovery.changeset is not a W3C datetime"
        );
        let mut by_service: HashMap<String, Vec<Attribute>> = HashMap::new();
        for a in file.attribute {
            anyhow::ensure!(
                catalog.by_open311(&a.service).is_some(),
                "open311.toml: unknown service {}",
                a.service
            );
            anyhow::ensure!(
                !a.code.is_empty()
                    && a.code.len() <= 64
                    && a.code
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "open311.toml: bad attribute code {:?}",
                a.code
            );
            anyhow::ensure!(
                DATATYPES.contains(&a.datatype.as_str()),
                "open311.toml: {} has unknown datatype {}",
                a.code,
                a.datatype
            );
            let is_list = a.datatype.ends_with("valuelist");
            anyhow::ensure!(
                is_list != a.values.is_empty(),
                "open311.toml: {}: values go with the list types only, and they need some",
                a.code
            );
            anyhow::ensure!(
                a.description.chars().count() <= 200,
                "open311.toml: {}: question longer than 200 characters",
                a.code
            );
            let list = by_service.entry(a.service.clone()).or_default();
            anyhow::ensure!(
                !list.iter().any(|b| b.code == a.code),
                "open311.toml: {} asked twice in {}",
                a.code,
                a.service
            );
            list.push(a);
        }
        for list in by_service.values_mut() {
            list.sort_by_key(|a| a.order);
        }
        Ok(Open311Config {
            limits: file.limits,
            discovery: file.discovery,
            by_service,
        })
    }

    /// Load `path` (next to categories.toml).
    pub fn load(path: &Path, catalog: &Catalog) -> anyhow::Result<Open311Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Self::from_toml_str(&text, catalog)
    }

    /// The questions of a service, in order (none for most).
    pub fn attributes(&self, service_code: &str) -> &[Attribute] {
        self.by_service
            .get(service_code)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Check a request's answers (`attribute[code]` values by code) against the service's
    /// questions: required ones present, list keys known, numbers in range, lengths bounded,
    /// no unknown codes. The answers come back in question order, lists by their names.
    pub fn answers(
        &self,
        service_code: &str,
        given: &HashMap<String, Vec<String>>,
    ) -> Result<Vec<Answer>, Open311Error> {
        let questions = self.attributes(service_code);
        if let Some(code) = given
            .keys()
            .find(|c| !questions.iter().any(|q| &q.code == *c))
        {
            return Err(Open311Error::bad(format!(
                "attribute[{}] is not a question of service {service_code}",
                clip(code, 64)
            )));
        }
        let mut out = Vec::new();
        for q in questions {
            let values: Vec<&str> = given
                .get(&q.code)
                .map(|v| {
                    v.iter()
                        .map(|s| s.trim())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            if values.is_empty() {
                if q.required {
                    return Err(Open311Error::bad(format!(
                        "attribute[{}] is required: {}",
                        q.code, q.description
                    )));
                }
                continue;
            }
            let answer = answer_text(q, &values)?;
            out.push(Answer {
                code: q.code.clone(),
                question: q.description.clone(),
                answer,
            });
        }
        Ok(out)
    }
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// One question's answer as text, or why it is not acceptable.
fn answer_text(q: &Attribute, values: &[&str]) -> Result<String, Open311Error> {
    let bad = |why: &str| Open311Error::bad(format!("attribute[{}]: {why}", q.code));
    let one = || -> Result<&str, Open311Error> {
        match values {
            [v] => Ok(*v),
            _ => Err(bad("takes one value")),
        }
    };
    let name_of = |key: &str| {
        q.values
            .iter()
            .find(|v| v.key == key)
            .map(|v| v.name.clone())
            .ok_or_else(|| bad("not one of the listed values"))
    };
    match q.datatype.as_str() {
        "singlevaluelist" => name_of(one()?),
        "multivaluelist" => {
            if values.len() > MAX_LIST_VALUES {
                return Err(bad("too many values"));
            }
            let mut names: Vec<String> = Vec::new();
            for v in values {
                let n = name_of(v)?;
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            // The answer joins the case's description, in the service's default language.
            let separator = crate::i18n::translate(
                crate::i18n::Locale::default(),
                "common.list_separator",
                &[],
            );
            Ok(names.join(&separator))
        }
        "number" => {
            let v = one()?;
            let n: f64 = v
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| bad("not a number"))?;
            if q.min.is_some_and(|m| n < m) || q.max.is_some_and(|m| n > m) {
                return Err(bad("out of range"));
            }
            Ok(v.to_owned())
        }
        "datetime" => {
            let v = one()?;
            chrono::DateTime::parse_from_rfc3339(v).map_err(|_| bad("not a W3C datetime"))?;
            Ok(v.to_owned())
        }
        "text" => text(one()?, MAX_TEXT_ANSWER).ok_or_else(|| bad("too long")),
        _ => text(one()?, MAX_STRING_ANSWER).ok_or_else(|| bad("too long")),
    }
}

fn text(v: &str, max: usize) -> Option<String> {
    (v.chars().count() <= max && !v.chars().any(|c| c.is_control() && c != '\n'))
        .then(|| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Open311Config {
        let catalog = Catalog::load(Path::new("config/categories.toml")).unwrap();
        Open311Config::load(Path::new("config/open311.toml"), &catalog).unwrap()
    }

    fn given(pairs: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
        let mut m: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            m.entry((*k).into()).or_default().push((*v).into());
        }
        m
    }

    #[test]
    fn the_shipped_questions_load_and_check_answers() {
        let c = config();
        assert_eq!(c.attributes("GY-C-0201")[0].code, "cover_state");
        let a = c
            .answers("GY-C-0201", &given(&[("cover_state", "broken")]))
            .unwrap();
        assert_eq!(a[0].answer, "井盖破损");
        assert!(c.answers("GY-C-0201", &given(&[])).is_err(), "required");
        assert!(c
            .answers("GY-C-0201", &given(&[("cover_state", "gone")]))
            .is_err());
        assert!(c
            .answers(
                "GY-C-0201",
                &given(&[("cover_state", "missing"), ("x", "1")])
            )
            .is_err());
        let a = c
            .answers(
                "GY-C-0901",
                &given(&[("lights_out", "3"), ("fault", "dark"), ("fault", "flicker")]),
            )
            .unwrap();
        assert_eq!(a[1].answer, "不亮、闪烁");
        assert!(c
            .answers("GY-C-0901", &given(&[("lights_out", "1000")]))
            .is_err());
        assert!(c.answers("GY-E-0107", &given(&[])).unwrap().is_empty());
    }

    #[test]
    fn a_question_for_an_unknown_service_is_refused() {
        let catalog = Catalog::load(Path::new("config/categories.toml")).unwrap();
        let bad = "[limits]\nposts_per_key_per_hour = 1\n[discovery]\nchangeset = \"2026-12-03\"\ncontact = \"x\"\nkey_service = \"y\"\n[[attribute]]\nservice = \"NOPE\"\ncode = \"a\"\ndatatype = \"string\"\nrequired = false\norder = 1\ndescription = \"?\"\n";
        assert!(Open311Config::from_toml_str(bad, &catalog).is_err());
    }
}
