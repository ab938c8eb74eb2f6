//! Tokens and check codes (pure).

use rand::RngCore;

/// Characters in a token: 128 bits in Crockford base32 is 26 characters.
pub const TOKEN_LEN: usize = 26;
/// Characters in a check code (20 bits: enough to notice a swapped sticker, short to read).
pub const CHECK_LEN: usize = 4;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new random token (128 bits from the OS-seeded CSPRNG).
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    base32::encode(base32::Alphabet::Crockford, &bytes)
}

/// A new random check code.
pub fn new_check_code() -> String {
    let mut rng = rand::rng();
    (0..CHECK_LEN)
        .map(|_| CROCKFORD[(rng.next_u32() % 32) as usize] as char)
        .collect()
}

/// Canonical form of a token as typed or scanned: upper case, Crockford look-alikes folded
/// (O→0, I/L→1), hyphens dropped. `None` when it cannot be a token: such input never reaches
/// the database.
pub fn normalize(input: &str) -> Option<String> {
    let mut out = String::with_capacity(TOKEN_LEN);
    for ch in input.chars() {
        let c = match ch.to_ascii_uppercase() {
            '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && CROCKFORD.contains(&(c as u8)) => c,
            _ => return None,
        };
        out.push(c);
        if out.len() > TOKEN_LEN {
            return None;
        }
    }
    (out.len() == TOKEN_LEN).then_some(out)
}

/// The URL a code's symbol carries: the public base and path in upper case (hosts are
/// case-insensitive and the server matches `/C/` either way), so the symbol encodes in
/// alphanumeric mode.
pub fn code_url(public_base: &str, token: &str) -> String {
    format!("{}/C/{}", public_base.trim_end_matches('/'), token).to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_26_crockford_chars_and_distinct() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), TOKEN_LEN);
        assert_ne!(a, b);
        assert_eq!(normalize(&a).as_deref(), Some(a.as_str()));
        assert!(a.bytes().all(|c| CROCKFORD.contains(&c)));
    }

    #[test]
    fn token_carries_128_bits() {
        let t = new_token();
        let decoded = base32::decode(base32::Alphabet::Crockford, &t).unwrap();
        assert_eq!(decoded.len(), 16);
    }

    #[test]
    fn normalize_folds_case_and_lookalikes() {
        let t = "0123456789ABCDEFGHJKMNPQRS";
        assert_eq!(normalize(&t.to_lowercase()).as_deref(), Some(t));
        assert_eq!(normalize("O123456789ABCDEFGHJKMNPQRS").as_deref(), Some(t));
        assert_eq!(
            normalize("0I23456789ABCDEFGHJKMNPQRS").unwrap().as_bytes()[1],
            b'1'
        );
    }

    #[test]
    fn normalize_refuses_malformed() {
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("SHORT"), None);
        assert_eq!(normalize("0123456789ABCDEFGHJKMNPQRSTV"), None); // too long
        assert_eq!(normalize("0123456789ABCDEFGHJKMNPQR!"), None);
        assert_eq!(normalize("0123456789ABCDEFGHJKMNPQRU"), None); // U is not Crockford
        assert_eq!(normalize("０123456789ABCDEFGHJKMNPQRS"), None); // full-width digit
    }

    #[test]
    fn check_codes_use_the_alphabet() {
        let c = new_check_code();
        assert_eq!(c.len(), CHECK_LEN);
        assert!(c.bytes().all(|b| CROCKFORD.contains(&b)));
    }

    #[test]
    fn code_url_is_upper_case_alphanumeric_mode() {
        let url = code_url("https://ma.example.cn/", "0123456789ABCDEFGHJKMNPQRS");
        assert_eq!(url, "HTTPS://MA.EXAMPLE.CN/C/0123456789ABCDEFGHJKMNPQRS");
        let alnum = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        assert!(url.bytes().all(|c| alnum.contains(&c)));
    }
}
