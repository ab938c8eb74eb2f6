//! Report category catalog for Mashang (码上生活).
//!
//! Residents' snap-reports (随手拍) are classified into *kinds*. Following the
//! national standard for digital urban management (GB/T 30428) a kind is either
//! a [`Class::Component`] (部件: a physical thing such as a manhole cover or a
//! street light) or a [`Class::Event`] (事件: a situation such as illegal
//! parking or overflowing garbage). Kinds are grouped into the ten modules of
//! the Ordos grid system ([`MODULE_CODES`]) and each kind names the responsible
//! [`Department`], the default case-ledger kind (台账, one of [`LEDGER_KINDS`])
//! and the accept / finish deadlines in hours from submission.
//!
//! The catalog lives in a TOML file (`config/categories.toml`) with
//! `[[module]]`, `[[department]]` and `[[kind]]` tables. [`Catalog::from_toml_str`]
//! and [`Catalog::load`] parse it and validate it as a whole; a catalog that
//! exists is always consistent (every reference resolves, every code is unique).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::i18n::Locale;
use serde::{Deserialize, Serialize};

/// The case-ledger kinds (台账) a kind may default to, in their TOML spelling:
/// 即办件 `immediate`, 限时件 `time_limited`, 特办件 `special` (several
/// departments / a joint meeting), 承诺件 `promised` (a commitment with a
/// date) and 代办件 `on_behalf` (done on the resident's behalf).
pub const LEDGER_KINDS: [&str; 5] = [
    "immediate",
    "time_limited",
    "special",
    "promised",
    "on_behalf",
];

/// The codes of the ten modules a catalog must contain, exactly: 市容市貌,
/// 公共安全, 城乡建设, 社会服务, 劳动监察, 民生问题, 矛盾信访, 社会治安,
/// 城市治理, 乡风文明.
pub const MODULE_CODES: [&str; 10] = [
    "city_appearance",
    "public_safety",
    "urban_rural_construction",
    "social_services",
    "labour_inspection",
    "livelihood",
    "disputes_petitions",
    "public_order",
    "urban_governance",
    "rural_civility",
];

/// Whether a kind is a physical component (部件) or an event (事件), as in
/// GB/T 30428. Spelled `component` / `event` in TOML and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// 部件: a physical thing (manhole cover, street light, railing, …).
    Component,
    /// 事件: a situation or behaviour (illegal parking, garbage, noise, …).
    Event,
}

impl Class {
    /// The snake_case spelling, which is also the required prefix of a kind
    /// code (`"component"` → `component.x`, `"event"` → `event.x`).
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Component => "component",
            Class::Event => "event",
        }
    }
}

/// One of the ten top-level modules (e.g. 市容市貌 / `city_appearance`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    /// Stable ASCII code, one of [`MODULE_CODES`].
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Mongolian name in the traditional script (Unicode); the Chinese one stands in
    /// where a deployment has none.
    #[serde(default)]
    pub name_mn: Option<String>,
}

/// A functional department (or utility / community body) that cases are
/// dispatched to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Stable ASCII code, e.g. `urban_management`.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Mongolian name in the traditional script (Unicode); the Chinese one stands in
    /// where a deployment has none.
    #[serde(default)]
    pub name_mn: Option<String>,
}

/// A report category: what residents can report, who handles it and how fast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    /// Stable ASCII code, `component.<name>` or `event.<name>` matching `class`.
    pub code: String,
    /// Code of the [`Module`] this kind belongs to.
    pub module: String,
    /// Component (部件) or event (事件).
    pub class: Class,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Mongolian name in the traditional script (Unicode); the Chinese one stands in
    /// where a deployment has none.
    #[serde(default)]
    pub name_mn: Option<String>,
    /// Words residents would write; used by [`Catalog::suggest`].
    pub keywords: Vec<String>,
    /// Code of the responsible [`Department`].
    pub department: String,
    /// Default case-ledger kind, one of [`LEDGER_KINDS`].
    pub ledger: String,
    /// Deadline to accept (签收), in hours from submission.
    pub accept_hours: u32,
    /// Deadline to finish (办结), in hours from submission.
    pub finish_hours: u32,
    /// Open311 GeoReport `service_code`, unique in the catalog.
    pub open311: String,
}

/// The name for `locale` of a catalog entry: the catalog carries one name per language
/// (`name_zh`, `name_en`, `name_mn`), being configuration a deployment edits rather than
/// fixed words. Without a Mongolian name the Chinese one is shown, as on a bilingual sign.
fn name_in<'a>(locale: Locale, zh: &'a str, en: &'a str, mn: Option<&'a str>) -> &'a str {
    match locale {
        Locale::ZhCn => zh,
        Locale::En => en,
        Locale::MnMong => mn.filter(|m| !m.trim().is_empty()).unwrap_or(zh),
    }
}

impl Kind {
    /// The name in `locale`.
    pub fn name(&self, locale: Locale) -> &str {
        name_in(
            locale,
            &self.name_zh,
            &self.name_en,
            self.name_mn.as_deref(),
        )
    }
}

impl Module {
    /// The name in `locale`.
    pub fn name(&self, locale: Locale) -> &str {
        name_in(
            locale,
            &self.name_zh,
            &self.name_en,
            self.name_mn.as_deref(),
        )
    }
}

impl Department {
    /// The name in `locale`.
    pub fn name(&self, locale: Locale) -> &str {
        name_in(
            locale,
            &self.name_zh,
            &self.name_en,
            self.name_mn.as_deref(),
        )
    }
}

/// Why a catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The catalog file could not be read.
    #[error("cannot read category catalog {path}: {source}")]
    Io {
        /// The path that was being read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid TOML or does not have the catalog's shape
    /// (missing field, wrong type, unknown field, …).
    #[error("cannot parse category catalog: {0}")]
    Parse(String),
    /// The catalog parsed but breaks a rule; the message names the offending
    /// module / department / kind and field.
    #[error("invalid category catalog: {0}")]
    Invalid(String),
}

/// The file layout: arrays of tables named `module`, `department`, `kind`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    module: Vec<Module>,
    #[serde(default)]
    department: Vec<Department>,
    #[serde(default)]
    kind: Vec<Kind>,
}

/// A validated, immutable category catalog with lookups by code.
#[derive(Debug, Clone)]
pub struct Catalog {
    modules: Vec<Module>,
    departments: Vec<Department>,
    kinds: Vec<Kind>,
    kind_index: HashMap<String, usize>,
    open311_index: HashMap<String, usize>,
}

fn invalid(msg: String) -> CatalogError {
    CatalogError::Invalid(msg)
}

/// `[a-z0-9_]+`, starting with a letter.
fn is_plain_code(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_names(what: &str, code: &str, name_zh: &str, name_en: &str) -> Result<(), CatalogError> {
    for (field, value) in [("name_zh", name_zh), ("name_en", name_en)] {
        if value.trim().is_empty() {
            return Err(invalid(format!(
                "{what} `{code}`: field `{field}` is empty"
            )));
        }
    }
    Ok(())
}

impl Catalog {
    /// Parse a catalog from TOML text and validate it.
    ///
    /// Rules: exactly the ten [`MODULE_CODES`]; unique module, department and
    /// kind codes; unique `open311` codes; every kind's `module` and
    /// `department` exist; `ledger` is in [`LEDGER_KINDS`];
    /// `0 < accept_hours < finish_hours`; the kind code is `component.<x>` or
    /// `event.<x>` matching `class`; names are non-empty and there is at least
    /// one keyword (and no blank one).
    pub fn from_toml_str(s: &str) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog = toml::from_str(s).map_err(|e| CatalogError::Parse(e.to_string()))?;
        Self::validate(raw)
    }

    /// Read and parse the catalog file at `path` (see [`Catalog::from_toml_str`]).
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text)
    }

    fn validate(raw: RawCatalog) -> Result<Catalog, CatalogError> {
        let RawCatalog {
            module: modules,
            department: departments,
            kind: kinds,
        } = raw;

        // Modules: unique, well-formed, exactly the ten expected codes.
        let mut module_codes = HashSet::new();
        for m in &modules {
            if !module_codes.insert(m.code.as_str()) {
                return Err(invalid(format!("module `{}`: duplicate `code`", m.code)));
            }
            if !MODULE_CODES.contains(&m.code.as_str()) {
                return Err(invalid(format!(
                    "module `{}`: `code` is not one of the ten modules ({})",
                    m.code,
                    MODULE_CODES.join(", ")
                )));
            }
            check_names("module", &m.code, &m.name_zh, &m.name_en)?;
        }
        let missing: Vec<&str> = MODULE_CODES
            .iter()
            .copied()
            .filter(|c| !module_codes.contains(c))
            .collect();
        if !missing.is_empty() {
            return Err(invalid(format!(
                "expected exactly the ten modules; missing module(s): {}",
                missing.join(", ")
            )));
        }

        // Departments: unique, well-formed.
        let mut department_codes = HashSet::new();
        for d in &departments {
            if !is_plain_code(&d.code) {
                return Err(invalid(format!(
                    "department `{}`: `code` must be ASCII [a-z0-9_] starting with a letter",
                    d.code
                )));
            }
            if !department_codes.insert(d.code.as_str()) {
                return Err(invalid(format!(
                    "department `{}`: duplicate `code`",
                    d.code
                )));
            }
            check_names("department", &d.code, &d.name_zh, &d.name_en)?;
        }

        // Kinds.
        let mut kind_index = HashMap::with_capacity(kinds.len());
        let mut open311_index: HashMap<String, usize> = HashMap::with_capacity(kinds.len());
        for (i, k) in kinds.iter().enumerate() {
            let code = k.code.as_str();
            let prefix = k.class.as_str();
            match code.split_once('.') {
                Some((p, rest)) if p == prefix && is_plain_code(rest) => {}
                _ => {
                    return Err(invalid(format!(
                        "kind `{code}`: `code` must be `{prefix}.<name>` ([a-z0-9_]) to match `class = \"{prefix}\"`"
                    )))
                }
            }
            if kind_index.insert(k.code.clone(), i).is_some() {
                return Err(invalid(format!("kind `{code}`: duplicate `code`")));
            }
            if !module_codes.contains(k.module.as_str()) {
                return Err(invalid(format!(
                    "kind `{code}`: `module` `{}` does not exist",
                    k.module
                )));
            }
            if !department_codes.contains(k.department.as_str()) {
                return Err(invalid(format!(
                    "kind `{code}`: `department` `{}` does not exist",
                    k.department
                )));
            }
            if !LEDGER_KINDS.contains(&k.ledger.as_str()) {
                return Err(invalid(format!(
                    "kind `{code}`: `ledger` `{}` is not one of {}",
                    k.ledger,
                    LEDGER_KINDS.join(", ")
                )));
            }
            if k.accept_hours == 0 {
                return Err(invalid(format!(
                    "kind `{code}`: `accept_hours` must be greater than 0"
                )));
            }
            if k.accept_hours >= k.finish_hours {
                return Err(invalid(format!(
                    "kind `{code}`: `accept_hours` ({}) must be less than `finish_hours` ({})",
                    k.accept_hours, k.finish_hours
                )));
            }
            check_names("kind", code, &k.name_zh, &k.name_en)?;
            if k.keywords.is_empty() {
                return Err(invalid(format!(
                    "kind `{code}`: `keywords` needs at least one keyword"
                )));
            }
            if k.keywords.iter().any(|w| w.trim().is_empty()) {
                return Err(invalid(format!(
                    "kind `{code}`: `keywords` contains an empty keyword"
                )));
            }
            let service = k.open311.as_str();
            if service.is_empty() || !service.chars().all(|c| c.is_ascii_graphic()) {
                return Err(invalid(format!(
                    "kind `{code}`: `open311` `{service}` must be non-empty printable ASCII"
                )));
            }
            if let Some(&j) = open311_index.get(service) {
                return Err(invalid(format!(
                    "kind `{code}`: `open311` `{service}` is already used by kind `{}`",
                    kinds[j].code
                )));
            }
            open311_index.insert(k.open311.clone(), i);
        }

        Ok(Catalog {
            modules,
            departments,
            kinds,
            kind_index,
            open311_index,
        })
    }

    /// All modules, in file order.
    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// All departments, in file order.
    pub fn departments(&self) -> &[Department] {
        &self.departments
    }

    /// All kinds, in file order.
    pub fn kinds(&self) -> &[Kind] {
        &self.kinds
    }

    /// The kind with this code (e.g. `event.garbage_overflow`).
    pub fn kind(&self, code: &str) -> Option<&Kind> {
        self.kind_index.get(code).map(|&i| &self.kinds[i])
    }

    /// The module with this code (e.g. `city_appearance`).
    pub fn module(&self, code: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.code == code)
    }

    /// The department with this code (e.g. `urban_management`).
    pub fn department(&self, code: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.code == code)
    }

    /// The kinds of one module, in file order (empty for an unknown module).
    pub fn kinds_in(&self, module: &str) -> Vec<&Kind> {
        self.kinds.iter().filter(|k| k.module == module).collect()
    }

    /// The kind with this Open311 `service_code`.
    pub fn by_open311(&self, service_code: &str) -> Option<&Kind> {
        self.open311_index
            .get(service_code)
            .map(|&i| &self.kinds[i])
    }

    /// Suggest likely kinds for a resident's text: score by keyword hits
    /// (longer keyword = more weight; a hit on the name counts too), best
    /// first, at most `limit`, only kinds with a positive score.
    /// Deterministic tie-break by code.
    ///
    /// Scoring, per kind: every distinct keyword contained in the text adds its
    /// length in characters; the Chinese or English name contained in the text
    /// adds twice its length; and a text of at least two characters that is
    /// itself part of the Chinese name (a search-box query such as `路灯`) adds
    /// the text's length. Matching ignores ASCII case.
    pub fn suggest(&self, text: &str, limit: usize) -> Vec<&Kind> {
        let text = text.trim().to_lowercase();
        if text.is_empty() || limit == 0 {
            return Vec::new();
        }
        let text_len = text.chars().count();
        let mut scored: Vec<(usize, &Kind)> = self
            .kinds
            .iter()
            .filter_map(|k| {
                let mut score = 0;
                let mut seen = HashSet::new();
                for w in &k.keywords {
                    let w = w.trim().to_lowercase();
                    if !w.is_empty() && text.contains(&w) && seen.insert(w.clone()) {
                        score += w.chars().count();
                    }
                }
                for name in [k.name_zh.to_lowercase(), k.name_en.to_lowercase()] {
                    if !name.is_empty() && text.contains(&name) {
                        score += 2 * name.chars().count();
                    }
                }
                if text_len >= 2 && k.name_zh.to_lowercase().contains(&text) {
                    score += text_len;
                }
                (score > 0).then_some((score, k))
            })
            .collect();
        scored.sort_by(|(sa, ka), (sb, kb)| sb.cmp(sa).then_with(|| ka.code.cmp(&kb.code)));
        scored.into_iter().take(limit).map(|(_, k)| k).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../config/categories.toml");

    fn shipped() -> Catalog {
        Catalog::from_toml_str(SHIPPED).expect("shipped categories.toml must be valid")
    }

    /// The ten modules, two departments and one valid kind.
    fn base() -> String {
        let mut s = String::new();
        for code in MODULE_CODES {
            s.push_str(&format!(
                "[[module]]\ncode = \"{code}\"\nname_zh = \"模块\"\nname_en = \"Module\"\n\n"
            ));
        }
        s.push_str(
            r#"
[[department]]
code = "urban_management"
name_zh = "城市管理综合执法局"
name_en = "Urban Management and Law Enforcement Bureau"

[[department]]
code = "water"
name_zh = "水务局"
name_en = "Water Affairs Bureau"

[[kind]]
code = "event.garbage_overflow"
module = "city_appearance"
class = "event"
name_zh = "垃圾满溢"
name_en = "Overflowing garbage"
keywords = ["垃圾", "满溢"]
department = "urban_management"
ledger = "immediate"
accept_hours = 2
finish_hours = 24
open311 = "GY-E-0101"
"#,
        );
        s
    }

    /// A second valid kind, to be appended to [`base`] and then broken.
    const SECOND: &str = r#"
[[kind]]
code = "component.manhole_cover"
module = "public_safety"
class = "component"
name_zh = "井盖缺失"
name_en = "Missing manhole cover"
keywords = ["井盖"]
department = "water"
ledger = "time_limited"
accept_hours = 2
finish_hours = 72
open311 = "GY-C-0201"
"#;

    /// `base()` plus `SECOND` with `from` replaced by `to`; must fail with a
    /// message containing every string in `expect`.
    fn refuse(from: &str, to: &str, expect: &[&str]) {
        assert!(SECOND.contains(from), "test bug: `{from}` not in SECOND");
        let toml = format!("{}{}", base(), SECOND.replacen(from, to, 1));
        let err = Catalog::from_toml_str(&toml).expect_err("must be refused");
        let msg = err.to_string();
        for e in expect {
            assert!(msg.contains(e), "message `{msg}` should mention `{e}`");
        }
    }

    #[test]
    fn base_fixture_is_valid() {
        let c = Catalog::from_toml_str(&format!("{}{}", base(), SECOND)).unwrap();
        assert_eq!(c.kinds().len(), 2);
        assert_eq!(c.modules().len(), 10);
        assert_eq!(
            c.by_open311("GY-C-0201").unwrap().code,
            "component.manhole_cover"
        );
    }

    /// Every shipped module, department and kind has a Mongolian name in the Unicode
    /// Mongolian script (no Menksoft private-use letters), shown to a Mongolian reader.
    #[test]
    fn shipped_catalog_speaks_mongolian() {
        let c = shipped();
        let names = c
            .modules()
            .iter()
            .map(|m| (&m.code, &m.name_mn))
            .chain(c.departments().iter().map(|d| (&d.code, &d.name_mn)))
            .chain(c.kinds().iter().map(|k| (&k.code, &k.name_mn)));
        for (code, name) in names {
            let name = name
                .as_deref()
                .unwrap_or_else(|| panic!("{code}: no name_mn"));
            assert!(
                name.chars()
                    .any(|ch| ('\u{1820}'..='\u{1878}').contains(&ch))
                    && !name
                        .chars()
                        .any(|ch| ('\u{E000}'..='\u{F8FF}').contains(&ch)),
                "{code}: {name} is not Unicode Mongolian"
            );
        }
        let k = c.kind("component.manhole_cover").unwrap();
        assert_eq!(k.name(Locale::MnMong), k.name_mn.as_deref().unwrap());
        // A deployment's catalog without Mongolian names shows the Chinese ones.
        let bare = Catalog::from_toml_str(&SHIPPED.replace("name_mn = ", "# name_mn = ")).unwrap();
        let k = bare.kind("component.manhole_cover").unwrap();
        assert_eq!(k.name(Locale::MnMong), k.name_zh);
    }

    #[test]
    fn shipped_catalog_loads_and_is_complete() {
        let c = shipped();
        assert!(c.kinds().len() >= 70, "only {} kinds", c.kinds().len());
        assert_eq!(c.modules().len(), 10);
        for m in c.modules() {
            let kinds = c.kinds_in(&m.code);
            assert!(!kinds.is_empty(), "module {} has no kinds", m.code);
            assert!(
                kinds
                    .iter()
                    .any(|k| k.code.ends_with("_other") && k.name_zh.starts_with("其他")),
                "module {} has no catch-all 其他 kind",
                m.code
            );
        }
        assert!(c.kinds().iter().any(|k| k.class == Class::Component));
        assert!(c.kinds().iter().any(|k| k.class == Class::Event));
        let deps = c.departments().len();
        assert!((20..=25).contains(&deps), "{deps} departments");
        for d in c.departments() {
            assert!(
                c.kinds().iter().any(|k| k.department == d.code),
                "department {} is never used",
                d.code
            );
        }
    }

    #[test]
    fn shipped_catalog_has_realistic_deadlines() {
        for k in shipped().kinds() {
            let (a, f) = (k.accept_hours, k.finish_hours);
            let ok = match k.ledger.as_str() {
                "immediate" => (1..=2).contains(&a) && f <= 24,
                "time_limited" => (2..=4).contains(&a) && (72..=168).contains(&f),
                "special" => (4..=8).contains(&a) && (360..=720).contains(&f),
                "promised" => (2..=8).contains(&a) && (168..=720).contains(&f),
                "on_behalf" => (1..=4).contains(&a) && (24..=240).contains(&f),
                other => panic!("unexpected ledger {other}"),
            };
            assert!(ok, "kind {} ({}): {a} h / {f} h", k.code, k.ledger);
        }
    }

    #[test]
    fn shipped_lookups() {
        let c = shipped();
        let k = c.kind("event.garbage_overflow").unwrap();
        assert_eq!(k.module, "city_appearance");
        assert_eq!(c.by_open311(&k.open311).unwrap().code, k.code);
        assert_eq!(c.module("labour_inspection").unwrap().name_zh, "劳动监察");
        assert!(c.department("urban_management").is_some());
        assert!(c.kind("event.nope").is_none());
        assert!(c.module("nope").is_none());
        assert!(c.department("nope").is_none());
        assert!(c.by_open311("nope").is_none());
        assert!(c.kinds_in("nope").is_empty());
        // 矛盾信访 and 劳动监察 are events only.
        for m in ["disputes_petitions", "labour_inspection"] {
            assert!(c.kinds_in(m).iter().all(|k| k.class == Class::Event), "{m}");
        }
    }

    #[test]
    fn names_in_both_locales() {
        let c = shipped();
        let k = c.kind("event.garbage_overflow").unwrap();
        assert_eq!(k.name(Locale::ZhCn), "垃圾满溢");
        assert_eq!(k.name(Locale::En), "Overflowing garbage");
        let m = c.module("city_appearance").unwrap();
        assert_eq!(m.name(Locale::ZhCn), "市容市貌");
        assert_eq!(m.name(Locale::En), "City appearance");
        let d = c.department("urban_management").unwrap();
        assert_eq!(d.name(Locale::ZhCn), "城市管理综合执法局");
        assert_eq!(
            d.name(Locale::En),
            "Urban Management and Law Enforcement Bureau"
        );
        for k in c.kinds() {
            assert!(!k.name(Locale::ZhCn).is_empty() && !k.name(Locale::En).is_empty());
            assert!(
                k.name(Locale::En).is_ascii(),
                "{}: English name not ASCII",
                k.code
            );
        }
    }

    #[test]
    fn suggest_garbage_first() {
        let c = shipped();
        let s = c.suggest("小区门口垃圾桶满了，很臭", 5);
        assert_eq!(s[0].code, "event.garbage_overflow", "{:?}", codes(&s));
    }

    #[test]
    fn suggest_street_light() {
        let c = shipped();
        let s = c.suggest("路灯不亮", 5);
        assert_eq!(s[0].code, "component.street_light", "{:?}", codes(&s));
        assert_eq!(s[0].class, Class::Component);
    }

    #[test]
    fn suggest_noise() {
        let c = shipped();
        let s = c.suggest("楼上装修噪音太大", 5);
        assert!(s[0].code.contains("noise"), "{:?}", codes(&s));
    }

    #[test]
    fn suggest_nothing_and_limits() {
        let c = shipped();
        assert!(c.suggest("xyz", 5).is_empty());
        assert!(c.suggest("", 5).is_empty());
        assert!(c.suggest("   ", 5).is_empty());
        assert!(c.suggest("垃圾", 0).is_empty());
        assert_eq!(c.suggest("垃圾", 1).len(), 1);
        // Name hit and search-box style query.
        assert_eq!(c.suggest("违章停车", 1)[0].code, "event.illegal_parking");
        assert_eq!(
            c.suggest("Illegal parking", 1)[0].code,
            "event.illegal_parking"
        );
        assert_eq!(c.suggest("井盖", 1)[0].code, "component.manhole_cover");
    }

    #[test]
    fn suggest_ties_break_by_code() {
        let toml = format!(
            "{}{}",
            base(),
            SECOND.replace("[\"井盖\"]", "[\"垃圾\", \"满溢\"]")
        );
        let c = Catalog::from_toml_str(&toml).unwrap();
        // Same score for both: code order decides, every time.
        let s = c.suggest("满溢了", 5);
        assert_eq!(
            codes(&s),
            ["component.manhole_cover", "event.garbage_overflow"]
        );
    }

    fn codes<'a>(ks: &[&'a Kind]) -> Vec<&'a str> {
        ks.iter().map(|k| k.code.as_str()).collect()
    }

    #[test]
    fn refuses_bad_toml() {
        let err = Catalog::from_toml_str("[[kind]\ncode = ").unwrap_err();
        assert!(matches!(err, CatalogError::Parse(_)), "{err}");
        // Missing field.
        let err = Catalog::from_toml_str(&format!(
            "{}{}",
            base(),
            SECOND.replace("open311 = \"GY-C-0201\"\n", "")
        ))
        .unwrap_err();
        assert!(
            matches!(err, CatalogError::Parse(_)) && err.to_string().contains("open311"),
            "{err}"
        );
        // Unknown class.
        refuse("class = \"component\"", "class = \"thing\"", &["thing"]);
        // Unknown field (typo).
        refuse("keywords =", "keyword =", &["keyword"]);
    }

    #[test]
    fn refuses_duplicate_codes() {
        // Duplicate kind code.
        refuse(
            "code = \"component.manhole_cover\"\nmodule = \"public_safety\"\nclass = \"component\"",
            "code = \"event.garbage_overflow\"\nmodule = \"public_safety\"\nclass = \"event\"",
            &["event.garbage_overflow", "duplicate", "code"],
        );
        // Duplicate open311.
        refuse(
            "GY-C-0201",
            "GY-E-0101",
            &["component.manhole_cover", "open311", "GY-E-0101"],
        );
        // Duplicate department.
        let toml = format!(
            "{}{}",
            base(),
            "[[department]]\ncode = \"water\"\nname_zh = \"水\"\nname_en = \"W\"\n"
        );
        let msg = Catalog::from_toml_str(&toml).unwrap_err().to_string();
        assert!(
            msg.contains("department `water`") && msg.contains("duplicate"),
            "{msg}"
        );
        // Duplicate module.
        let toml = format!(
            "{}{}",
            base(),
            "[[module]]\ncode = \"livelihood\"\nname_zh = \"民生\"\nname_en = \"L\"\n"
        );
        let msg = Catalog::from_toml_str(&toml).unwrap_err().to_string();
        assert!(
            msg.contains("module `livelihood`") && msg.contains("duplicate"),
            "{msg}"
        );
    }

    #[test]
    fn refuses_dangling_references() {
        refuse(
            "module = \"public_safety\"",
            "module = \"nowhere\"",
            &["component.manhole_cover", "module", "nowhere"],
        );
        refuse(
            "department = \"water\"",
            "department = \"police\"",
            &["component.manhole_cover", "department", "police"],
        );
    }

    #[test]
    fn refuses_bad_ledger() {
        refuse(
            "ledger = \"time_limited\"",
            "ledger = \"urgent\"",
            &["component.manhole_cover", "ledger", "urgent"],
        );
    }

    #[test]
    fn refuses_bad_hours() {
        refuse(
            "accept_hours = 2",
            "accept_hours = 0",
            &["component.manhole_cover", "accept_hours"],
        );
        refuse(
            "accept_hours = 2",
            "accept_hours = 72",
            &["component.manhole_cover", "accept_hours", "finish_hours"],
        );
        refuse(
            "finish_hours = 72",
            "finish_hours = 1",
            &["component.manhole_cover", "accept_hours", "finish_hours"],
        );
    }

    #[test]
    fn refuses_code_not_matching_class() {
        refuse(
            "class = \"component\"",
            "class = \"event\"",
            &["component.manhole_cover", "code", "class"],
        );
        refuse(
            "code = \"component.manhole_cover\"",
            "code = \"manhole_cover\"",
            &["manhole_cover", "code", "component."],
        );
        refuse(
            "code = \"component.manhole_cover\"",
            "code = \"component.\"",
            &["component.", "code"],
        );
    }

    #[test]
    fn refuses_empty_names_and_keywords() {
        refuse(
            "name_zh = \"井盖缺失\"",
            "name_zh = \"\"",
            &["component.manhole_cover", "name_zh"],
        );
        refuse(
            "name_en = \"Missing manhole cover\"",
            "name_en = \" \"",
            &["component.manhole_cover", "name_en"],
        );
        refuse(
            "keywords = [\"井盖\"]",
            "keywords = []",
            &["component.manhole_cover", "keywords"],
        );
        refuse(
            "keywords = [\"井盖\"]",
            "keywords = [\"井盖\", \"\"]",
            &["component.manhole_cover", "keywords"],
        );
        let toml = base().replacen("name_en = \"Module\"", "name_en = \"\"", 1);
        let msg = Catalog::from_toml_str(&toml).unwrap_err().to_string();
        assert!(
            msg.contains("module `city_appearance`") && msg.contains("name_en"),
            "{msg}"
        );
    }

    #[test]
    fn refuses_wrong_modules() {
        // Missing one.
        let toml = base().replacen("code = \"rural_civility\"", "code = \"rural_stuff\"", 1);
        let msg = Catalog::from_toml_str(&toml).unwrap_err().to_string();
        assert!(
            msg.contains("rural_stuff") && msg.contains("ten modules"),
            "{msg}"
        );
        let toml = base().replacen(
            "[[module]]\ncode = \"rural_civility\"\nname_zh = \"模块\"\nname_en = \"Module\"\n",
            "",
            1,
        );
        let msg = Catalog::from_toml_str(&toml).unwrap_err().to_string();
        assert!(
            msg.contains("missing") && msg.contains("rural_civility"),
            "{msg}"
        );
        // An eleventh.
        let toml = format!(
            "{}{}",
            base(),
            "[[module]]\ncode = \"tourism\"\nname_zh = \"旅游\"\nname_en = \"Tourism\"\n"
        );
        let msg = Catalog::from_toml_str(&toml).unwrap_err().to_string();
        assert!(
            msg.contains("tourism") && msg.contains("ten modules"),
            "{msg}"
        );
    }

    #[test]
    fn load_reads_files_and_reports_io_errors() {
        let dir = std::env::temp_dir().join(format!("mashang-categories-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("categories.toml");
        std::fs::write(&path, SHIPPED).unwrap();
        let c = Catalog::load(&path).unwrap();
        assert_eq!(c.kinds().len(), shipped().kinds().len());
        std::fs::remove_dir_all(&dir).unwrap();
        let err = Catalog::load(&dir.join("missing.toml")).unwrap_err();
        assert!(matches!(err, CatalogError::Io { .. }), "{err}");
        assert!(err.to_string().contains("missing.toml"), "{err}");
    }
}
