//! Every locale key the templates and the code use exists in both languages, and both
//! languages have the same keys: a missing key would show on a page as the key itself
//! (rust-i18n falls back to the key), e.g. `points.status.pending`.

use std::collections::BTreeSet;
use std::path::Path;

/// The leaf keys of a locale file (`points.hold.title`), and its maps (`points.hold`).
fn keys_of(file: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let text = std::fs::read_to_string(file).unwrap();
    let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let (mut leaves, mut maps) = (BTreeSet::new(), BTreeSet::new());
    fn walk(
        prefix: &str,
        v: &serde_yaml::Value,
        leaves: &mut BTreeSet<String>,
        maps: &mut BTreeSet<String>,
    ) {
        match v {
            serde_yaml::Value::Mapping(m) => {
                if !prefix.is_empty() {
                    maps.insert(prefix.to_owned());
                }
                for (k, v) in m {
                    let k = match k {
                        serde_yaml::Value::String(s) => s.clone(),
                        other => serde_yaml::to_string(other).unwrap().trim().to_owned(),
                    };
                    let key = if prefix.is_empty() {
                        k
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, leaves, maps);
                }
            }
            _ => {
                leaves.insert(prefix.to_owned());
            }
        }
    }
    walk("", &value, &mut leaves, &mut maps);
    (leaves, maps)
}

/// Files under `dir` whose name ends with `ext`.
fn files(dir: &Path, ext: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Keys used by templates: `t("a.b")` literals, and `t("a.b." ~ x)` prefixes.
fn template_uses(source: &str) -> (Vec<String>, Vec<String>) {
    let (mut literal, mut prefixes) = (Vec::new(), Vec::new());
    let mut rest = source;
    while let Some(i) = rest.find("t(\"") {
        // `t(` as a function, not the end of another name (`format(`, `attr(`).
        let before = rest[..i].chars().last();
        rest = &rest[i + 3..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let Some(end) = rest.find('"') else { break };
        let key = &rest[..end];
        let after = rest[end + 1..].trim_start();
        if after.starts_with('~') {
            prefixes.push(key.to_owned());
        } else {
            literal.push(key.to_owned());
        }
        rest = &rest[end + 1..];
    }
    (literal, prefixes)
}

/// Literals in the code shaped like keys that are something else: an audit event's name and
/// the missing key a test asks for on purpose. (Template names end in `.html`.)
const NOT_KEYS: &[&str] = &["news.publish", "reason.nope"];

/// String literals in Rust code that are shaped like a key of a known section
/// (`"login.failed"`, `"landing.action.report"`), as handlers pass keys to templates.
fn code_uses(source: &str, sections: &BTreeSet<String>) -> Vec<String> {
    source
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            let mut parts = s.split('.');
            let first = parts.next().unwrap_or_default();
            s.contains('.')
                && !s.ends_with(".html")
                && sections.contains(first)
                && s.split('.').all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                })
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_key_used_exists_in_both_languages_and_both_have_the_same_keys() {
    let (zh, zh_maps) = keys_of("assets/locales/zh-CN.yml");
    let (en, en_maps) = keys_of("assets/locales/en.yml");
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "keys only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
    );
    let sections: BTreeSet<String> = zh
        .iter()
        .chain(zh_maps.iter())
        .map(|k| k.split('.').next().unwrap().to_owned())
        .collect();
    let mut missing = Vec::new();
    for file in files(Path::new("assets/templates"), ".html") {
        let source = std::fs::read_to_string(&file).unwrap();
        let (literal, prefixes) = template_uses(&source);
        for key in literal {
            if !zh.contains(&key) {
                missing.push(format!("{}: {key}", file.display()));
            }
        }
        for prefix in prefixes {
            // `t("a.b." ~ x)` needs the map `a.b`; `t("a.b.by_" ~ x)` some key `a.b.by_…`.
            let found = match prefix.strip_suffix('.') {
                Some(map) => zh_maps.contains(map) && en_maps.contains(map),
                None => zh.iter().any(|k| k.starts_with(&prefix)),
            };
            if !found {
                missing.push(format!("{}: {prefix}*", file.display()));
            }
        }
    }
    for file in files(Path::new("src"), ".rs") {
        let source = std::fs::read_to_string(&file).unwrap();
        for key in code_uses(&source, &sections) {
            if !zh.contains(&key) && !zh_maps.contains(&key) && !NOT_KEYS.contains(&key.as_str()) {
                missing.push(format!("{}: {key}", file.display()));
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "keys used but not in the locale files:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_key_scanners_find_keys() {
    let (l, p) = template_uses(r#"{{ t("a.b") }} {{ t("c.d." ~ x) }} {{ format("e.f") }}"#);
    assert_eq!((l, p), (vec!["a.b".to_owned()], vec!["c.d.".to_owned()]));
    let sections: BTreeSet<String> = ["login".to_owned()].into();
    assert_eq!(
        code_uses(
            r#"let e = "login.failed"; let f = "config/x.toml"; "other.key""#,
            &sections
        ),
        vec!["login.failed"]
    );
}
