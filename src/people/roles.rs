//! Roles and permissions (pure).

use serde::Serialize;

/// A staff role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Community staff who run the district: everything.
    Admin,
    /// Leader of a level-1 or level-2 grid.
    GridHead,
    /// Responsible for level-3 grids.
    GridWorker,
    /// A functional department's staff attached to grids.
    DepartmentLiaison,
    /// A shop's cashier (merchant console only).
    MerchantCashier,
    /// A volunteer informant (信息员) of level-3 grids: files reports for households (代办)
    /// and from their rounds (巡查上报) in their grids, and follows those grids' cases;
    /// nothing else.
    Informant,
}

/// Something a request may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See grids, households and shops in scope.
    ViewGrids,
    /// Create grids below one in scope, rename them, edit boundaries.
    EditGrids,
    /// Revoke and reissue codes in scope.
    ManageCodes,
    /// Import households and shops into grids in scope.
    Import,
    /// Publish news to grids in scope.
    PublishNews,
    /// Create staff accounts and set their scope.
    ManageStaff,
    /// Read the figures (办结率、满意率 …) of the grids in scope (a liaison: of the cases
    /// handed to their department) and the assessment of grid workers.
    ViewFigures,
    /// See households' and shops' contact details and door codes in scope (not a department
    /// liaison: they see the cases handed to their department, and a case's place).
    ViewHouseholds,
    /// Print code sheets (door labels, counter cards, binding slips) for grids in scope.
    PrintCodes,
    /// Read the cases of the grids in scope (the queue and a case's page); acting on a case
    /// is decided per case (see the console's `actor_for`).
    FollowCases,
    /// File a report for a household or shop in scope on its behalf (代办, with the
    /// resident's consent), or an inspection find (巡查上报).
    FileReports,
}

impl Role {
    /// Every role, in the order the console lists them.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::GridHead,
        Role::GridWorker,
        Role::Informant,
        Role::DepartmentLiaison,
        Role::MerchantCashier,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::GridHead => "grid_head",
            Role::GridWorker => "grid_worker",
            Role::DepartmentLiaison => "department_liaison",
            Role::MerchantCashier => "merchant_cashier",
            Role::Informant => "informant",
        }
    }

    /// Parse a stored name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role allows `p` (within the staff member's grid scope).
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::GridHead => matches!(
                p,
                ViewGrids
                    | ViewHouseholds
                    | EditGrids
                    | ManageCodes
                    | Import
                    | PublishNews
                    | ViewFigures
                    | PrintCodes
                    | FollowCases
            ),
            // Workers stick the labels on their own compounds' doors, and file for the
            // households they visit.
            Role::GridWorker => matches!(
                p,
                ViewGrids
                    | ViewHouseholds
                    | ManageCodes
                    | PublishNews
                    | ViewFigures
                    | PrintCodes
                    | FollowCases
                    | FileReports
            ),
            Role::DepartmentLiaison => matches!(p, ViewGrids | ViewFigures | FollowCases),
            // Least privilege: no grid pages, no households' contacts, no figures.
            Role::Informant => matches!(p, FollowCases | FileReports),
            Role::MerchantCashier => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_PERMISSIONS: [Permission; 11] = [
        Permission::ViewGrids,
        Permission::EditGrids,
        Permission::ManageCodes,
        Permission::Import,
        Permission::PublishNews,
        Permission::ManageStaff,
        Permission::ViewFigures,
        Permission::ViewHouseholds,
        Permission::PrintCodes,
        Permission::FollowCases,
        Permission::FileReports,
    ];

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn permission_matrix() {
        use Permission::*;
        assert!(Role::Admin.allows(ManageStaff));
        assert!(!Role::GridHead.allows(ManageStaff));
        assert!(Role::GridHead.allows(Import));
        assert!(Role::GridWorker.allows(ManageCodes));
        assert!(!Role::GridWorker.allows(EditGrids));
        assert!(!Role::GridWorker.allows(Import));
        assert!(Role::DepartmentLiaison.allows(ViewGrids));
        assert!(!Role::DepartmentLiaison.allows(ManageCodes));
        assert!(!Role::DepartmentLiaison.allows(ViewHouseholds));
        assert!(Role::GridWorker.allows(ViewHouseholds));
        assert!(Role::DepartmentLiaison.allows(ViewFigures));
        assert!(Role::GridWorker.allows(ViewFigures));
        assert!(Role::GridWorker.allows(PrintCodes) && Role::GridHead.allows(PrintCodes));
        assert!(!Role::DepartmentLiaison.allows(PrintCodes));
        assert!(Role::GridWorker.allows(FileReports) && !Role::GridHead.allows(FileReports));
        assert!(!Role::DepartmentLiaison.allows(FileReports));
        let informant: Vec<_> = ALL_PERMISSIONS
            .into_iter()
            .filter(|p| Role::Informant.allows(*p))
            .collect();
        assert_eq!(informant, [FollowCases, FileReports]);
        for p in [
            ViewGrids,
            EditGrids,
            ManageCodes,
            Import,
            PublishNews,
            ManageStaff,
            ViewFigures,
            PrintCodes,
            FollowCases,
            FileReports,
        ] {
            assert!(!Role::MerchantCashier.allows(p));
        }
    }
}
