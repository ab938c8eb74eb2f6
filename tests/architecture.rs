//! Imports point one way: `web` → domain → storage. Code outside `src/web/` (other than
//! `main.rs` and `startup.rs`, which assemble the server) never names actix or `crate::web`,
//! so a domain operation can be called from a handler, a command or a job alike.

use std::path::{Path, PathBuf};

/// Files outside `src/web/` that may name the web layer: they build the server.
const ASSEMBLY: &[&str] = &["src/main.rs", "src/startup.rs"];

/// Known exceptions still to remove (each one a debt, not a licence). Empty: keep it so.
const NOT_YET: &[&str] = &[];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `word` occurs in `line` as the start of an identifier path.
fn names(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        !line[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The lines of `source` that name actix or the web layer (comments ignored).
fn web_imports(source: &str) -> Vec<String> {
    source
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .filter(|l| {
            names(l, "actix_")
                || l.contains("crate::web::")
                || l.contains("crate::web;")
                || l.contains("super::web")
        })
        .map(|l| l.trim().to_owned())
        .collect()
}

#[test]
fn the_checker_sees_every_form_of_import() {
    assert_eq!(web_imports("use actix_web::HttpResponse;").len(), 1);
    assert_eq!(web_imports("fn f() -> actix_multipart::X {}").len(), 1);
    assert_eq!(web_imports("use crate::web::landing::X;").len(), 1);
    assert_eq!(web_imports("    crate::web::report::store(&s)").len(), 1);
    assert!(web_imports("// actix_web::web::block in a comment").is_empty());
    assert!(web_imports("let my_actix_thing = 1;").is_empty());
    assert!(web_imports("use crate::webhooks::X;").is_empty());
}

#[test]
fn only_the_web_layer_imports_actix_or_web() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut offenders = Vec::new();
    for path in files {
        let rel = path.to_string_lossy().replace('\\', "/");
        if rel.starts_with("src/web/") || ASSEMBLY.contains(&rel.as_str()) {
            continue;
        }
        let found = web_imports(&std::fs::read_to_string(&path).unwrap());
        if NOT_YET.contains(&rel.as_str()) {
            continue;
        }
        for line in found {
            offenders.push(format!("{rel}: {line}"));
        }
    }
    assert!(
        offenders.is_empty(),
        "domain code must not import actix or crate::web (move the code into src/web, or \
         pass what it needs as arguments):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_known_exceptions_are_still_exceptions() {
    // When an exception is fixed, drop it from NOT_YET so it cannot come back.
    for rel in NOT_YET {
        let source = std::fs::read_to_string(rel).unwrap();
        assert!(
            !web_imports(&source).is_empty(),
            "{rel} no longer imports the web layer: remove it from NOT_YET"
        );
    }
}

/// Longest a non-test source file may be: past it a file has seams to split along.
const MAX_LINES: usize = 600;

/// The lines of a source file that are not its unit tests: everything before a top-level
/// `#[cfg(test)]` (the convention here: tests sit at the end or in their own file).
fn code_lines(source: &str) -> usize {
    source
        .lines()
        .take_while(|l| !l.starts_with("#[cfg(test)]"))
        .count()
}

/// Whether a file holds only tests (`tests.rs`, or anything under a `tests/` folder).
fn is_test_file(rel: &str) -> bool {
    rel.ends_with("/tests.rs") || rel.contains("/tests/")
}

#[test]
fn the_line_counter_stops_at_the_unit_tests() {
    assert_eq!(code_lines("a\nb\n#[cfg(test)]\nmod tests {\n}\n"), 2);
    assert_eq!(
        code_lines("a\n    #[cfg(test)]\nb\n"),
        3,
        "only a top-level test module"
    );
    assert!(is_test_file("src/reports/ledger/tests/table.rs"));
    assert!(is_test_file("src/demo/data/tests.rs"));
    assert!(!is_test_file("src/reports/ledger/decide.rs"));
}

#[test]
fn no_source_file_is_longer_than_six_hundred_lines() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut sizes: Vec<(usize, String)> = files
        .iter()
        .map(|p| (p, p.to_string_lossy().replace('\\', "/")))
        .filter(|(_, rel)| !is_test_file(rel))
        .map(|(p, rel)| (code_lines(&std::fs::read_to_string(p).unwrap()), rel))
        .collect();
    sizes.sort();
    let long: Vec<String> = sizes
        .iter()
        .filter(|(n, _)| *n > MAX_LINES)
        .map(|(n, rel)| format!("{rel}: {n} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "split these along their seams (one file per thing it owns):\n{}",
        long.join("\n")
    );
    let median = sizes[sizes.len() / 2].0;
    eprintln!("{} source files, median {median} lines", sizes.len());
}

// ---------------------------------------------------------------------------------------
// No user-facing words in Rust: every word a person reads comes from `assets/locales`, so a
// language is one more file (issue 15). Chinese (or any CJK) in non-test Rust code is the
// sign of words that escaped; comments may quote the glossary.

/// Files that may hold CJK characters in code, and why. Each is content or input, not words
/// the service says.
const CJK_ALLOWED: &[(&str, &str)] = &[
    (
        "src/demo/",
        "the demo district's content: names, news, residents",
    ),
    ("src/cli/demo.rs", "prints the demo district's names"),
    (
        "src/grids/import_parse/columns.rs",
        "column headings recognised in staff's spreadsheets (input)",
    ),
    (
        "src/grids/import_parse/validate.rs",
        "yes/no words recognised in staff's spreadsheets (input)",
    ),
    (
        "src/grids/import.rs",
        "the import kinds as staff type them (input)",
    ),
    (
        "src/main.rs",
        "the product's name, 码上生活, in the command's about",
    ),
    (
        "src/web/openapi/mod.rs",
        "the product's name, 码上生活, in the API document",
    ),
];

/// Whether `c` is a CJK ideograph, CJK punctuation or a full-width form.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{2FFFF}')
}

/// `source` with comments blanked and the insides of string and char literals blanked (so
/// braces in them do not count), and the char offsets of CJK characters outside comments.
fn lex(source: &str) -> (Vec<char>, Vec<usize>) {
    let s: Vec<char> = source.chars().collect();
    let mut masked = s.clone();
    let mut hits = Vec::new();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    // Blank s[from..to] (keeping newlines); `code` says whether CJK in it counts.
    let blank =
        |masked: &mut Vec<char>, hits: &mut Vec<usize>, from: usize, to: usize, code: bool| {
            for (j, m) in masked.iter_mut().enumerate().take(to).skip(from) {
                if code && is_cjk(s[j]) {
                    hits.push(j);
                }
                if *m != '\n' {
                    *m = ' ';
                }
            }
        };
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            let end = (i..s.len()).find(|&j| s[j] == '\n').unwrap_or(s.len());
            blank(&mut masked, &mut hits, i, end, false);
            i = end;
        } else if c == '/' && next == Some('*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < s.len() && depth > 0 {
                if s[j] == '/' && s.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if s[j] == '*' && s.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut masked, &mut hits, i, j, false);
            i = j;
        } else if (c == 'r' || (c == 'b' && next == Some('r'))) && !(i > 0 && ident(s[i - 1])) && {
            let k = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = s[k..].iter().take_while(|&&h| h == '#').count();
            s.get(k + hashes) == Some(&'"')
        } {
            let k = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = s[k..].iter().take_while(|&&h| h == '#').count();
            let start = k + hashes + 1;
            let mut j = start;
            while j < s.len()
                && !(s[j] == '"'
                    && s[j + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&h| h == '#')
                        .count()
                        == hashes)
            {
                j += 1;
            }
            blank(&mut masked, &mut hits, start, j, true);
            i = j + 1 + hashes;
        } else if c == '"' {
            let mut j = i + 1;
            while j < s.len() && s[j] != '"' {
                j += if s[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut masked, &mut hits, i + 1, j.min(s.len()), true);
            i = j + 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{3001}'), else a lifetime or a label.
            let end = if next == Some('\\') {
                (i + 2..s.len()).find(|&j| s[j] == '\'')
            } else if s.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    blank(&mut masked, &mut hits, i + 1, end, true);
                    i = end + 1;
                }
                None => i += 1,
            }
        } else {
            if is_cjk(c) {
                hits.push(i);
            }
            i += 1;
        }
    }
    (masked, hits)
}

/// The char ranges of items marked `#[cfg(test)]` (a module's block, or a `mod x;`).
fn test_spans(masked: &[char]) -> Vec<(usize, usize)> {
    let pattern: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut spans = Vec::new();
    let mut i = 0;
    while i + pattern.len() <= masked.len() {
        if masked[i..i + pattern.len()] != pattern[..] {
            i += 1;
            continue;
        }
        let mut j = i + pattern.len();
        while j < masked.len() && masked[j] != '{' && masked[j] != ';' {
            j += 1;
        }
        if j < masked.len() && masked[j] == '{' {
            let mut depth = 0;
            while j < masked.len() {
                match masked[j] {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        spans.push((i, j + 1));
        i = j + 1;
    }
    spans
}

/// The CJK characters of `source` in code that is not a comment and not a test, with their
/// line numbers.
fn cjk_in_code(source: &str) -> Vec<(usize, char)> {
    let chars: Vec<char> = source.chars().collect();
    let (masked, hits) = lex(source);
    let tests = test_spans(&masked);
    hits.into_iter()
        .filter(|&h| !tests.iter().any(|&(a, b)| (a..b).contains(&h)))
        .map(|h| {
            (
                chars[..h].iter().filter(|&&c| c == '\n').count() + 1,
                chars[h],
            )
        })
        .collect()
}

#[test]
fn the_cjk_checker_sees_words_in_code_only() {
    assert_eq!(cjk_in_code("let a = \"合计\";").len(), 2);
    assert_eq!(cjk_in_code("let a = r#\"合\"#;").len(), 1);
    assert_eq!(cjk_in_code("s.push('、');"), vec![(1, '、')]);
    assert_eq!(
        cjk_in_code("let a = 1;\nlet b = \"{\";\nlet c = \"计\";"),
        vec![(3, '计')]
    );
    assert!(
        cjk_in_code("// 受理 in a comment\n/* 签收 /* nested */ 率 */ fn f<'a>() {}").is_empty()
    );
    assert!(cjk_in_code(
        "fn f<'a>(x: &'a str) {}\n#[cfg(test)]\nmod tests { fn t() { let x = \"井盖 }\"; } }"
    )
    .is_empty());
    assert_eq!(
        cjk_in_code("#[cfg(test)]\nmod tests;\nconst X: &str = \"井\";"),
        vec![(3, '井')]
    );
    assert!(is_cjk('：') && is_cjk('　') && !is_cjk('ᠮ') && !is_cjk('é'));
}

#[test]
fn no_user_facing_words_in_rust_code() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut offenders = Vec::new();
    for path in files {
        let rel = path.to_string_lossy().replace('\\', "/");
        if rel.contains("/tests/") || rel.ends_with("/tests.rs") {
            continue;
        }
        if CJK_ALLOWED.iter().any(|(p, _)| rel.starts_with(p)) {
            continue;
        }
        for (line, c) in cjk_in_code(&std::fs::read_to_string(&path).unwrap()) {
            offenders.push(format!("{rel}:{line}: {c}"));
        }
    }
    offenders.dedup_by(|a, b| a.rsplit_once(':').map(|x| x.0) == b.rsplit_once(':').map(|x| x.0));
    assert!(
        offenders.is_empty(),
        "words in Rust code (put them in assets/locales/*.yml and take the Locale as a value):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_cjk_exceptions_are_still_needed() {
    for (prefix, why) in CJK_ALLOWED {
        let mut files = Vec::new();
        let path = Path::new(prefix);
        if path.is_dir() {
            rust_files(path, &mut files);
        } else {
            files.push(path.to_path_buf());
        }
        let found = files.iter().any(|f| {
            let rel = f.to_string_lossy().replace('\\', "/");
            !rel.contains("/tests/")
                && !cjk_in_code(&std::fs::read_to_string(f).unwrap()).is_empty()
        });
        assert!(
            found,
            "{prefix} ({why}) has no CJK in code any more: remove the exception"
        );
    }
}
