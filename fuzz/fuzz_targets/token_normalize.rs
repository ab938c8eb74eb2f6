//! Door-code tokens as typed or scanned: the canonical form is 26 Crockford characters,
//! normalising it again changes nothing, and hyphens or case never change the result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mashang_fuzz::token::normalize;

fuzz_target!(|input: &str| {
    let Some(t) = normalize(input) else {
        return;
    };
    assert_eq!(t.len(), 26);
    assert!(t.bytes().all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)));
    assert_eq!(normalize(&t).as_deref(), Some(t.as_str()));
    assert_eq!(normalize(&input.to_lowercase()).as_deref(), Some(t.as_str()));
    let hyphenated: String = t.chars().flat_map(|c| [c, '-']).collect();
    assert_eq!(normalize(&hyphenated).as_deref(), Some(t.as_str()));
});
