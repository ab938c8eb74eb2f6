//! The grid tree (street → community → compound), its households and shops, boundaries,
//! and imports.

pub mod boundary;
pub mod edit;
pub mod households;
pub mod import;
pub mod import_parse;
pub mod locate;
pub mod model;
pub mod scope;
pub mod shops;

pub use model::Grid;
