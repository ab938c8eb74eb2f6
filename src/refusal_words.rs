//! Every refusal of every domain enum has its words in every locale file: a missing one would
//! show a person the bare key (rust-i18n falls back to the key, or to zh-CN), and a language
//! added as a file must say every refusal.

use crate::error::Refusal;
use crate::i18n::{Locale, Message};
use std::collections::{BTreeMap, BTreeSet};

/// The leaf keys of each file in `assets/locales`, by language tag (the file's name).
fn locale_files() -> BTreeMap<String, BTreeSet<String>> {
    fn walk(prefix: &str, v: &serde_yaml::Value, out: &mut BTreeSet<String>) {
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
            _ => {
                out.insert(prefix.to_owned());
            }
        }
    }
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir("assets/locales").unwrap() {
        let path = entry.unwrap().path();
        let Some(tag) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".yml"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let mut keys = BTreeSet::new();
        walk("", &serde_yaml::from_str(&text).unwrap(), &mut keys);
        files.insert(tag.to_owned(), keys);
    }
    files
}

/// A refusal as the check sees it: its enum, code, words and general error code.
type Seen = (String, &'static str, Message, crate::error::ErrorCode);

/// The code, the messages and the general error code of every example of `R`.
fn refusals<R: Refusal>(name: &str) -> Vec<Seen> {
    R::examples()
        .iter()
        .map(|e| (name.to_owned(), e.code(), e.message(), e.error_code()))
        .collect()
}

fn every_refusal() -> Vec<Seen> {
    use crate::grids::import_parse::{FileError, RowProblem};
    let mut all = Vec::new();
    all.extend(refusals::<crate::points::PointsError>("PointsError"));
    all.extend(refusals::<crate::activities::ActivityError>(
        "ActivityError",
    ));
    all.extend(refusals::<crate::activities::CheckinRefusal>(
        "CheckinRefusal",
    ));
    all.extend(refusals::<crate::reports::ReportError>("ReportError"));
    all.extend(refusals::<crate::reports::ledger::TransitionError>(
        "TransitionError",
    ));
    all.extend(refusals::<crate::reports::photos::PhotoError>("PhotoError"));
    all.extend(refusals::<crate::people::otp::OtpError>("OtpError"));
    all.extend(refusals::<crate::polls::VoteError>("VoteError"));
    all.extend(refusals::<FileError>("FileError"));
    all.extend(refusals::<RowProblem>("RowProblem"));
    all
}

#[test]
fn every_refusal_has_words_in_every_locale_file() {
    let files = locale_files();
    // One file per language the service speaks, and no file it cannot choose.
    let tags: BTreeSet<String> = Locale::ALL.iter().map(|l| l.tag().to_owned()).collect();
    assert_eq!(files.keys().cloned().collect::<BTreeSet<_>>(), tags);
    let all = every_refusal();
    assert!(all.len() > 60, "{}", all.len());
    let mut missing = Vec::new();
    for (name, code, message, error_code) in &all {
        assert!(
            code.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{name}: {code} is not snake_case"
        );
        assert!(
            error_code.status() < 500,
            "{name}: {code} is a refusal, not a fault"
        );
        for (tag, keys) in &files {
            for key in message.keys() {
                if !keys.contains(&key) {
                    missing.push(format!("{tag}: {key} ({name}::{code})"));
                }
            }
        }
        for locale in Locale::ALL {
            let words = message.render(locale);
            assert!(
                !words.contains("%{") && !words.is_empty(),
                "{name}::{code} in {}: {words}",
                locale.tag()
            );
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "no words for:\n{}", missing.join("\n"));
}

#[test]
fn the_check_sees_a_missing_key_and_an_unfilled_placeholder() {
    let files = locale_files();
    let m = Message::new("reason.nope");
    assert!(files.values().all(|keys| !keys.contains(&m.keys()[0])));
    // A placeholder without its argument stays visible, so the check above can fail.
    let bare = Message::new("reason.description_too_long");
    assert!(bare.render(Locale::En).contains("%{max}"));
}
