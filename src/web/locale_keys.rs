//! Every locale key the templates and the code use exists in every language, and every
//! language has the same keys with the same `%{name}` placeholders: a missing key would show
//! on a page as the key itself (rust-i18n falls back to the key), e.g.
//! `points.status.pending`, and a placeholder spelt differently would show raw.

use crate::i18n::Locale;
use std::collections::{BTreeMap, BTreeSet};
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

/// The path of a language's file.
fn file_of(locale: Locale) -> String {
    format!("assets/locales/{}.yml", locale.tag())
}

/// The leaf values of a locale file by key.
fn values_of(file: &str) -> BTreeMap<String, String> {
    fn walk(prefix: &str, v: &serde_yaml::Value, out: &mut BTreeMap<String, String>) {
        match v {
            serde_yaml::Value::Mapping(m) => {
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
                    walk(&key, v, out);
                }
            }
            serde_yaml::Value::String(s) => {
                out.insert(prefix.to_owned(), s.clone());
            }
            other => {
                let text = serde_yaml::to_string(other).unwrap().trim().to_owned();
                out.insert(prefix.to_owned(), text);
            }
        }
    }
    let text = std::fs::read_to_string(file).unwrap();
    let mut out = BTreeMap::new();
    walk("", &serde_yaml::from_str(&text).unwrap(), &mut out);
    out
}

/// The `%{name}` placeholders of a text, sorted.
fn placeholders(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = text
        .match_indices("%{")
        .filter_map(|(i, _)| text[i..].find('}').map(|end| &text[i..i + end + 1]))
        .collect();
    out.sort_unstable();
    out
}

#[test]
fn every_language_has_the_same_keys_and_placeholders() {
    let zh = values_of(&file_of(Locale::ZhCn));
    for locale in Locale::ALL {
        let other = values_of(&file_of(locale));
        let only_zh: Vec<_> = zh.keys().filter(|k| !other.contains_key(*k)).collect();
        let only_other: Vec<_> = other.keys().filter(|k| !zh.contains_key(*k)).collect();
        assert!(
            only_zh.is_empty() && only_other.is_empty(),
            "{}: missing {only_zh:?}; not in zh-CN {only_other:?}",
            locale.tag()
        );
        let differ: Vec<_> = zh
            .iter()
            .filter(|(k, v)| placeholders(v) != placeholders(&other[*k]))
            .map(|(k, _)| k)
            .collect();
        assert!(
            differ.is_empty(),
            "{}: placeholders differ from zh-CN in {differ:?}",
            locale.tag()
        );
    }
}

/// The Mongolian script block; Menksoft-era files put the letters at private-use codepoints
/// (U+E000–U+F8FF), which no standard font shapes.
const MONGOLIAN: std::ops::RangeInclusive<char> = '\u{1800}'..='\u{18AF}';

/// Keys whose Mongolian value is rightly not in Mongolian letters: the other languages'
/// own names, and a product name.
const NOT_MONGOLIAN_LETTERS: &[&str] = &["lang.zh", "lang.en", "open311page.nav"];

#[test]
fn mongolian_is_unicode_mongolian_script_and_translated() {
    let text = std::fs::read_to_string(file_of(Locale::MnMong)).unwrap();
    let private: Vec<_> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.chars().any(|c| ('\u{E000}'..='\u{F8FF}').contains(&c)))
        .map(|(i, _)| i + 1)
        .collect();
    assert!(
        private.is_empty(),
        "private-use codepoints on lines {private:?}"
    );
    let mn = values_of(&file_of(Locale::MnMong));
    let untranslated: Vec<_> = mn
        .iter()
        .filter(|(k, v)| {
            let words: String = v
                .split("%{")
                .enumerate()
                .map(|(i, p)| {
                    if i == 0 {
                        p
                    } else {
                        p.split_once('}').map_or("", |x| x.1)
                    }
                })
                .collect();
            words.chars().any(char::is_alphabetic)
                && !words.chars().any(|c| MONGOLIAN.contains(&c))
                && !NOT_MONGOLIAN_LETTERS.contains(&k.as_str())
        })
        .map(|(k, _)| k)
        .collect();
    assert!(
        untranslated.is_empty(),
        "not in Mongolian script: {untranslated:?}"
    );
    // The words the issue names, as a reader expects them.
    assert_eq!(mn["lang.mn"], "ᠮᠣᠩᠭᠣᠯ");
}

#[test]
fn the_script_check_sees_private_use_letters() {
    // U+E264 is where a Menksoft font drew a Mongolian letter.
    assert!(('\u{E000}'..='\u{F8FF}').contains(&'\u{E264}'));
    assert!(!MONGOLIAN.contains(&'\u{E264}') && MONGOLIAN.contains(&'ᠮ'));
    assert_eq!(placeholders("a %{n} b %{max}"), vec!["%{max}", "%{n}"]);
}

#[test]
fn every_key_used_exists_in_every_language() {
    let (zh, zh_maps) = keys_of("assets/locales/zh-CN.yml");
    let all_maps: Vec<BTreeSet<String>> = Locale::ALL
        .iter()
        .map(|l| keys_of(&file_of(*l)).1)
        .collect();
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
                Some(map) => all_maps.iter().all(|m| m.contains(map)),
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
