//! The staff console: server-rendered pages for phones and desktops.

pub mod activities;
pub mod bindings;
pub mod case_filing;
pub mod cases;
pub mod codes;
pub mod figures;
pub mod filing;
pub mod grids;
pub mod imports;
pub mod login;
pub mod my_cases;
pub mod news;
pub mod open311;
pub mod points;
pub mod points_page;
pub mod polls;
pub mod print;
pub mod staff;

use super::auth::CurrentStaff;
use minijinja::value::Serde;
use minijinja::Value;

/// What every console page shows: who is signed in, the CSRF token for its forms, and the
/// navigation that the role allows.
pub fn base(me: &CurrentStaff, self_path: &str) -> Value {
    use crate::people::Permission::*;
    minijinja::context! {
        me => Serde(&me.staff),
        role => me.staff.role().as_str(),
        csrf => &me.session.csrf,
        self_path,
        nav => minijinja::context! {
            grids => me.staff.can(ViewGrids),
            cases => me.staff.can(FollowCases),
            file => me.staff.can(FileReports),
            figures => me.staff.can(ViewFigures),
            import => me.staff.can(Import),
            news => me.staff.can(PublishNews),
            polls => me.staff.can(PublishNews),
            bindings => me.staff.can(ManageCodes),
            staff => me.staff.can(ManageStaff),
            print => me.staff.can(PrintCodes),
            points => matches!(me.staff.role(), crate::people::Role::Admin | crate::people::Role::GridHead | crate::people::Role::GridWorker),
            merchant => me.staff.role() == crate::people::Role::MerchantCashier,
        },
    }
}

pub use super::see_other;
