//! Passwords: Argon2id with the crate's defaults, hashed off the async threads.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

/// Minimum length of a staff password.
pub const MIN_LEN: usize = 10;

/// Hash a password (PHC string). CPU-heavy: runs on the blocking pool.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_sync(&password)).await?
}

/// Hash synchronously (command-line tools).
pub fn hash_sync(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// Check a password against a stored hash. With `None` (unknown user) it still does the
/// work of a verification, so the answer takes as long whether or not the user exists.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("bad hash: {e}"))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && stored != DUMMY_HASH)
    })
    .await?
}

/// A valid Argon2id hash of a random string nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$x9q0Lr1YbRlK9Y9cW3Yk8m9Xy8oQK2n2q0mWb3mQw9A";

/// Whether a new password is acceptable.
pub fn acceptable(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LEN {
        return Err(format!("at least {MIN_LEN} characters"));
    }
    if password.chars().count() > 200 {
        return Err("at most 200 characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong".into(), Some(h)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn length_rules() {
        assert!(acceptable("short").is_err());
        assert!(acceptable("long enough!").is_ok());
    }
}
