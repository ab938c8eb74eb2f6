//! The service's modules that read untrusted bytes, compiled from the main crate's own
//! source files (`#[path]`), so the fuzz targets exercise exactly the code that runs.
//! They depend only on `super::`, `crate::error`, `crate::i18n` and external crates, which
//! keeps them buildable here.

#[macro_use]
extern crate rust_i18n;

rust_i18n::i18n!("../assets/locales", fallback = "zh-CN");

/// `mashang::error`: refusal codes and the one error type.
#[path = "../../src/error.rs"]
pub mod error;

/// `mashang::i18n`: locales and the words of refusals.
#[path = "../../src/i18n.rs"]
pub mod i18n;

/// `mashang::grids::import_parse`.
#[path = "../../src/grids/import_parse/mod.rs"]
pub mod import_parse;

/// `mashang::reports::photos`.
#[path = "../../src/reports/photos/mod.rs"]
pub mod photos;

/// `mashang::codes::token`.
#[path = "../../src/codes/token.rs"]
pub mod token;

/// `mashang::web::local_path`: the return-target check (`?back=`, `?next=`).
#[path = "../../src/web/local_path.rs"]
pub mod local_path;
