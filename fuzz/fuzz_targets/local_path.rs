//! Return targets (`?back=`, `?next=`): whatever is accepted is a path on this site, the way a
//! browser would read it too: one leading slash, no backslash, no control character or
//! space, and resolving it against any origin stays on that origin. Accepting twice changes
//! nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mashang_fuzz::local_path::local_path;

fuzz_target!(|input: &str| {
    let Some(p) = local_path(input) else {
        return;
    };
    assert!(p.starts_with('/') && !p.starts_with("//"), "{p:?}");
    assert!(!p.contains('\\'), "{p:?}");
    assert!(!p.chars().any(|c| c.is_control() || c.is_whitespace()), "{p:?}");
    for origin in ["http://mashang.example/", "https://a.b.c:8443/x/y"] {
        let base = url::Url::parse(origin).unwrap();
        let joined = base.join(&p).unwrap();
        assert_eq!(joined.origin(), base.origin(), "{p:?}");
    }
    assert_eq!(local_path(&p).as_deref(), Some(p.as_str()), "idempotent: {p:?}");
});
