//! Who sees which figures (pure). The scope comes from the account, never from the request:
//! a request may only narrow it (one grid inside the scope, one department), and a narrowing
//! outside the scope is refused rather than ignored, so a crafted URL learns nothing.

use crate::grids::scope::Scope;
use crate::people::Role;

/// The cases a figures request covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Grid subtrees (materialised path prefixes); None = the whole district.
    pub paths: Option<Vec<String>>,
    /// Only cases handed (交办) to this department.
    pub department: Option<String>,
}

/// Why a figures request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The role has no figures (cashiers), or a liaison without a department.
    Role,
    /// The request asks for a grid or department outside the account's scope.
    OutOfScope,
}

/// The selection for an account (`role`, `scope`, its department if a liaison), narrowed by
/// the request to one grid (`grid_path`) or one department.
pub fn select(
    role: Role,
    scope: &Scope,
    own_department: Option<&str>,
    grid_path: Option<&str>,
    department: Option<&str>,
) -> Result<Selection, Denied> {
    let department = match role {
        Role::MerchantCashier | Role::Informant => return Err(Denied::Role),
        // A liaison sees the cases handed to their department, and only those.
        Role::DepartmentLiaison => {
            let own = own_department.ok_or(Denied::Role)?;
            if department.is_some_and(|d| d != own) {
                return Err(Denied::OutOfScope);
            }
            Some(own.to_owned())
        }
        Role::Admin | Role::GridHead | Role::GridWorker => department.map(str::to_owned),
    };
    let paths = match (grid_path, scope) {
        (Some(p), s) if !s.contains_path(p) => return Err(Denied::OutOfScope),
        (Some(p), _) => Some(vec![p.to_owned()]),
        (None, Scope::All) => None,
        (None, Scope::Subtrees(roots)) => Some(roots.clone()),
    };
    Ok(Selection { paths, department })
}

/// Whether the assessment row of a worker (`worker_id`, the paths of their grids) is shown
/// to this account: admins see every worker, grid heads the workers whose grids all lie in
/// their scope, a worker their own row, nobody else any.
pub fn sees_worker(
    role: Role,
    viewer_id: i64,
    scope: &Scope,
    worker_id: i64,
    worker_paths: &[String],
) -> bool {
    match role {
        Role::Admin => true,
        Role::GridHead => {
            !worker_paths.is_empty() && worker_paths.iter().all(|p| scope.contains_path(p))
        }
        Role::GridWorker => viewer_id == worker_id,
        Role::DepartmentLiaison | Role::MerchantCashier | Role::Informant => false,
    }
}

/// Whether the role has an assessment page at all.
pub fn has_assessment(role: Role) -> bool {
    matches!(role, Role::Admin | Role::GridHead | Role::GridWorker)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(p: &str) -> Scope {
        Scope::Subtrees(vec![p.into()])
    }

    #[test]
    fn a_worker_sees_their_grids_and_cannot_widen() {
        let s = sub("/1/5/23/");
        let sel = select(Role::GridWorker, &s, None, None, None).unwrap();
        assert_eq!(sel.paths, Some(vec!["/1/5/23/".to_owned()]));
        assert_eq!(
            select(Role::GridWorker, &s, None, Some("/1/5/"), None),
            Err(Denied::OutOfScope)
        );
        assert_eq!(
            select(Role::GridWorker, &s, None, Some("/1/5/24/"), None),
            Err(Denied::OutOfScope)
        );
    }

    #[test]
    fn a_head_may_narrow_inside_the_scope() {
        let s = sub("/1/5/");
        let sel = select(Role::GridHead, &s, None, Some("/1/5/24/"), None).unwrap();
        assert_eq!(sel.paths, Some(vec!["/1/5/24/".to_owned()]));
        let sel = select(Role::Admin, &Scope::All, None, None, Some("police")).unwrap();
        assert_eq!(sel.paths, None);
        assert_eq!(sel.department.as_deref(), Some("police"));
    }

    #[test]
    fn a_liaison_sees_their_department_only() {
        let s = sub("/1/");
        let sel = select(Role::DepartmentLiaison, &s, Some("police"), None, None).unwrap();
        assert_eq!(sel.department.as_deref(), Some("police"));
        assert_eq!(
            select(
                Role::DepartmentLiaison,
                &s,
                Some("police"),
                None,
                Some("housing")
            ),
            Err(Denied::OutOfScope)
        );
        assert_eq!(
            select(Role::DepartmentLiaison, &s, None, None, None),
            Err(Denied::Role)
        );
        assert_eq!(
            select(Role::MerchantCashier, &s, None, None, None),
            Err(Denied::Role)
        );
    }

    #[test]
    fn who_sees_which_worker() {
        let head = sub("/1/5/");
        let theirs = vec!["/1/5/23/".to_owned()];
        let other = vec!["/1/6/30/".to_owned()];
        assert!(sees_worker(Role::Admin, 1, &Scope::All, 9, &other));
        assert!(sees_worker(Role::GridHead, 1, &head, 9, &theirs));
        assert!(!sees_worker(Role::GridHead, 1, &head, 9, &other));
        assert!(sees_worker(
            Role::GridWorker,
            9,
            &sub("/1/5/23/"),
            9,
            &theirs
        ));
        assert!(!sees_worker(
            Role::GridWorker,
            8,
            &sub("/1/5/23/"),
            9,
            &theirs
        ));
        assert!(!sees_worker(Role::DepartmentLiaison, 1, &head, 9, &theirs));
        assert!(!has_assessment(Role::DepartmentLiaison));
    }
}
