//! The one decision about user-given return targets (`?back=`, `?next=`): a redirect may only
//! go to a path on this site. Everything that redirects to a target a request named asks here.

/// Longest return target kept; anything longer is not a page of ours.
const MAX_LEN: usize = 2048;

/// `target` as a same-site path (with its query), or `None` when it could leave the site or
/// is malformed. Rules: starts with one `/` (no scheme, no `//host`), no backslash (browsers
/// read `/\evil` as `//evil`), no control character or whitespace (browsers drop a tab or a
/// newline and then read `/\t/evil` as `//evil`; CR/LF would split the header), bounded length,
/// and once parsed against a placeholder origin it must still be on that origin.
pub fn local_path(target: &str) -> Option<String> {
    if target.len() > MAX_LEN
        || !target.starts_with('/')
        || target.starts_with("//")
        || target.contains('\\')
        || target.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let base = url::Url::parse("http://local.invalid/").ok()?;
    let joined = base.join(target).ok()?;
    if joined.origin() != base.origin() {
        return None;
    }
    let mut path = joined.path().to_owned();
    if let Some(query) = joined.query() {
        path.push('?');
        path.push_str(query);
    }
    // Normalising dot segments can make a `//`: `/.//evil.example` becomes `//evil.example`,
    // which a browser reads as another host (found by the fuzz target `local_path`).
    if path.starts_with("//") {
        return None;
    }
    Some(path)
}

/// `target` when it is a local path under one of `prefixes` (matched on whole segments),
/// else `None`. Staff sign-in only returns to staff pages.
pub fn local_path_under(target: &str, prefixes: &[&str]) -> Option<String> {
    let path = local_path(target)?;
    let route = path.split(['?', '#']).next().unwrap_or_default();
    prefixes
        .iter()
        .any(|p| route == *p || route.starts_with(&format!("{p}/")))
        .then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_and_queries_are_kept() {
        assert_eq!(local_path("/").as_deref(), Some("/"));
        assert_eq!(local_path("/me").as_deref(), Some("/me"));
        assert_eq!(
            local_path("/C/ABCD?x=1&y=%E4%B8%AD").as_deref(),
            Some("/C/ABCD?x=1&y=%E4%B8%AD")
        );
    }

    #[test]
    fn anything_that_could_leave_the_site_is_refused() {
        for bad in [
            "",
            "evil.example",
            "http://evil.example/",
            "https:evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\n/evil.example",
            "/ /evil.example",
            "/\u{0}x",
            "/\u{7f}x",
            "/\u{3000}/evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?} must be refused");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(MAX_LEN))), None);
    }

    #[test]
    fn dot_segments_cannot_make_another_host() {
        // Fuzz finds, kept as regressions (fuzz/regressions/local_path/ too).
        assert_eq!(local_path("/.//.#"), None);
        assert_eq!(local_path("/.//evil.example"), None);
        assert_eq!(local_path("/a/..//evil.example"), None);
    }

    #[test]
    fn dot_segments_stay_on_the_site() {
        assert_eq!(local_path("/a/../../b").as_deref(), Some("/b"));
        assert_eq!(local_path("/./x").as_deref(), Some("/x"));
    }

    #[test]
    fn staff_targets_match_whole_segments() {
        let staff = ["/console", "/merchant"];
        assert_eq!(
            local_path_under("/console/cases?state=open", &staff).as_deref(),
            Some("/console/cases?state=open")
        );
        assert_eq!(
            local_path_under("/merchant", &staff).as_deref(),
            Some("/merchant")
        );
        assert_eq!(local_path_under("/consolex", &staff), None);
        assert_eq!(local_path_under("/me", &staff), None);
        assert_eq!(local_path_under("//console", &staff), None);
    }
}
