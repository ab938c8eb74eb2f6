//! Grid scope: which grids a staff member may see and change (pure).
//!
//! A staff member is responsible for some grids; their scope is those grids and everything
//! below them. Paths are materialised ('/1/5/23/'), so "below" is a prefix test.

/// The grids a staff member may act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Admins: the whole district.
    All,
    /// Everyone else: these grids' subtrees (paths of the grids they are responsible for).
    Subtrees(Vec<String>),
}

impl Scope {
    /// Whether the grid at `path` is inside the scope.
    pub fn contains_path(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtrees(roots) => roots.iter().any(|root| path.starts_with(root.as_str())),
        }
    }

    /// `LIKE` patterns matching every grid path in the scope (`None`: everything), for a
    /// `grids.path LIKE ANY($1)` filter in SQL, so a limit counts only visible rows. Paths
    /// hold only digits and slashes, so nothing needs escaping.
    pub fn like_patterns(&self) -> Option<Vec<String>> {
        match self {
            Scope::All => None,
            Scope::Subtrees(roots) => Some(roots.iter().map(|p| format!("{p}%")).collect()),
        }
    }

    /// Whether the scope covers nothing.
    pub fn is_empty(&self) -> bool {
        matches!(self, Scope::Subtrees(r) if r.is_empty())
    }
}

/// The ids on a path, root first: '/1/5/23/' → [1, 5, 23].
pub fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtree_scope() {
        let s = Scope::Subtrees(vec!["/1/5/".into()]);
        assert!(s.contains_path("/1/5/"));
        assert!(s.contains_path("/1/5/23/"));
        assert!(!s.contains_path("/1/"));
        assert!(!s.contains_path("/1/6/24/"));
        // '/1/5/' must not match '/1/55/': the trailing slash keeps prefixes honest
        assert!(!s.contains_path("/1/55/"));
        assert!(Scope::All.contains_path("/9/"));
        assert!(Scope::Subtrees(vec![]).is_empty());
    }

    #[test]
    fn ids_from_path() {
        assert_eq!(path_ids("/1/5/23/"), vec![1, 5, 23]);
        assert_eq!(path_ids(""), Vec::<i64>::new());
    }
}
