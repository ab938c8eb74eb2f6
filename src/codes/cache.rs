//! Rendered symbols, cached per instance: a symbol never changes for a token.

use super::qr::{render, SymbolFormat};
use bytes::Bytes;
use quick_cache::sync::Cache;

/// Rendered symbols keyed by (token, format).
pub struct SymbolCache {
    cache: Cache<(String, SymbolFormat), Bytes>,
}

impl SymbolCache {
    /// A cache holding at most `capacity` symbols.
    pub fn new(capacity: usize) -> Self {
        SymbolCache {
            cache: Cache::new(capacity),
        }
    }

    /// The symbol for `token` at `url`, rendered on a blocking thread on a miss.
    pub async fn get(
        &self,
        token: &str,
        url: String,
        format: SymbolFormat,
    ) -> crate::error::AppResult<Bytes> {
        let key = (token.to_owned(), format);
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit);
        }
        // Rendering is CPU work: keep it off the threads that serve requests.
        let bytes = tokio::task::spawn_blocking(move || render(&url, format))
            .await
            .map_err(crate::error::AppError::internal)?
            .map_err(crate::error::AppError::internal)?;
        let bytes = Bytes::from(bytes);
        self.cache.insert(key, bytes.clone());
        Ok(bytes)
    }
}
