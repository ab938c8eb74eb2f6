//! Signed capability links: what a link grants without an account (the reporter's right to
//! rate their case, a follower's confirmation of an address) is an HMAC of what it grants,
//! under `[security] secret_key`. Nothing is stored, so a retried submission can hand out the
//! same link again, and every instance checks it the same way.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a signature is for; the purpose is signed too, so one link never works as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Rate a case: the reporter's key, given only to whoever submitted it.
    RateCase,
    /// Confirm that an address wants a case's mail.
    ConfirmFollow,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::RateCase => "rate-case",
            Purpose::ConfirmFollow => "confirm-follow",
        }
    }
}

/// Hex characters kept of the MAC: 128 bits, short enough for a link in a text mail.
const KEPT_HEX: usize = 32;

fn mac(secret: &str, purpose: Purpose, parts: &[&str]) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    m.update(purpose.label().as_bytes());
    for p in parts {
        // Length-prefixed, so ("ab", "c") and ("a", "bc") sign differently.
        m.update(&(p.len() as u64).to_be_bytes());
        m.update(p.as_bytes());
    }
    m
}

/// The signature of `parts` for `purpose`.
pub fn sign(secret: &str, purpose: Purpose, parts: &[&str]) -> String {
    let tag = mac(secret, purpose, parts).finalize().into_bytes();
    hex::encode(tag)[..KEPT_HEX].to_owned()
}

/// Whether `given` is the signature of `parts` for `purpose` (constant time).
pub fn verify(secret: &str, purpose: Purpose, parts: &[&str], given: &str) -> bool {
    let given = given.trim().to_ascii_lowercase();
    given.len() == KEPT_HEX
        && crate::people::sessions::constant_time_eq(&sign(secret, purpose, parts), &given)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "test-secret-key-of-at-least-32-characters";

    #[test]
    fn a_signature_verifies_only_what_it_signed() {
        let s = sign(KEY, Purpose::RateCase, &["01ABC"]);
        assert_eq!(s.len(), 32);
        assert!(verify(KEY, Purpose::RateCase, &["01ABC"], &s));
        assert!(verify(
            KEY,
            Purpose::RateCase,
            &["01ABC"],
            &s.to_uppercase()
        ));
        assert!(!verify(KEY, Purpose::RateCase, &["01ABD"], &s));
        assert!(!verify(KEY, Purpose::ConfirmFollow, &["01ABC"], &s));
        assert!(!verify(
            "another-secret-key-of-32-characters!!",
            Purpose::RateCase,
            &["01ABC"],
            &s
        ));
        assert!(!verify(KEY, Purpose::RateCase, &["01ABC"], ""));
        assert!(!verify(KEY, Purpose::RateCase, &["01ABC"], &s[..31]));
    }

    #[test]
    fn parts_are_not_ambiguous() {
        assert_ne!(
            sign(KEY, Purpose::ConfirmFollow, &["ab", "c"]),
            sign(KEY, Purpose::ConfirmFollow, &["a", "bc"])
        );
    }
}
