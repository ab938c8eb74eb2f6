//! What a zh-CN page must not show a person: locale keys, English sentences and words only
//! the program uses. The page checks in `mod.rs` run these over every page's text.

use std::sync::OnceLock;

/// Top-level sections of the locale files: a word shaped `section.key` on a page is a key
/// that was not translated.
fn locale_sections() -> &'static Vec<String> {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    S.get_or_init(|| {
        let text = std::fs::read_to_string("assets/locales/en.yml").unwrap();
        text.lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && l.ends_with(':'))
            .map(|l| l.trim_end_matches(':').trim_matches('"').to_owned())
            .collect()
    })
}

/// Locale keys (`points.status.pending`) in a page's text.
pub fn locale_keys_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
        let word = word.trim_matches('.');
        let mut parts = word.split('.');
        let first = parts.next().unwrap_or_default();
        if word.contains('.')
            && locale_sections().iter().any(|s| s == first)
            && word.split('.').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
        {
            found.push(word.to_owned());
        }
    }
    found
}

/// English sentences (three or more Latin words in a row) in a zh-CN page's text.
pub fn english_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    // Chinese punctuation ends a run: "JPEG、PNG、WebP" is a list of names, not a sentence.
    for line in text
        .lines()
        .flat_map(|l| l.split(|c: char| "，。、：；（）！？“”".contains(c)))
    {
        let mut run: Vec<&str> = Vec::new();
        for word in line.split(|c: char| c.is_whitespace() || "()·,;:!?/".contains(c)) {
            let is_word = word.len() >= 2
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '-');
            if is_word {
                run.push(word);
            } else if !word.is_empty() {
                if run.len() >= 3 {
                    found.push(run.join(" "));
                }
                run.clear();
            }
        }
        if run.len() >= 3 {
            found.push(run.join(" "));
        }
    }
    found
}

/// Words only the program uses, in a zh-CN page's text: snake_case codes
/// (`market_supervision`), ledger account references (`hold:1`) and long hex ids.
/// Addresses, links and paths are not words.
pub fn internal_words_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for token in text.split(|c: char| c.is_whitespace() || !c.is_ascii()) {
        if token.contains('@') || token.contains("://") || token.starts_with('/') {
            continue;
        }
        for word in token.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')) {
            let word = word.trim_matches(':');
            let snake = word.contains('_')
                && word.chars().any(|c| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            let account = word.split_once(':').is_some_and(|(a, n)| {
                !a.is_empty()
                    && a.chars().all(|c| c.is_ascii_lowercase())
                    && !n.is_empty()
                    && n.chars().all(|c| c.is_ascii_digit())
            });
            let hex = word.len() >= 32 && word.chars().all(|c| c.is_ascii_hexdigit());
            if snake || account || hex {
                found.push(word.to_owned());
            }
        }
    }
    found
}

#[test]
fn the_page_checks_can_fail() {
    assert_eq!(
        locale_keys_in("状态：points.status.pending。"),
        vec!["points.status.pending"]
    );
    assert!(locale_keys_in("写信到 zhang.wei@example.cn 或 www.example.com").is_empty());
    assert_eq!(
        english_in("上传失败：the upload is larger than allowed"),
        vec!["the upload is larger than allowed"]
    );
    assert!(english_in("码上生活 Mashang · 中文 English").is_empty());
    assert!(english_in("仅支持 JPEG、PNG、WebP 格式的照片").is_empty());
    assert_eq!(
        internal_words_in("部门：market_supervision；hold:1 → merchant:1；编号 3f9a0c1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233"),
        vec![
            "market_supervision",
            "hold:1",
            "merchant:1",
            "3f9a0c1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233"
        ]
    );
    assert!(internal_words_in(
        "写信到 zhang_wei@example.cn，时间 10:30，链接 http://127.0.0.1:8080/r/ABC"
    )
    .is_empty());
}
