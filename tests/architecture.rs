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
