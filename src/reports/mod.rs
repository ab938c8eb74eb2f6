//! Snap-reports (随手拍) and the case ledger: categories, photos, the state machine.

pub mod categories;
pub mod ledger;
pub mod photos;
