//! `rust_i18n::i18n!` embeds `assets/locales/*.yml` when the crate compiles: tell cargo to
//! rebuild when a translation changes, not only when Rust code does.
fn main() {
    println!("cargo:rerun-if-changed=assets/locales");
}
