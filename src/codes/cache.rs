//! Rendered symbols, cached per instance: a symbol never changes for a token.

use super::qr::{render, SymbolFormat};
use quick_cache::sync::Cache;

/// Rendered symbols keyed by (token, format).
pub struct SymbolCache {
    cache: Cache<(String, SymbolFormat), actix_web::web::Bytes>,
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
    ) -> crate::error::AppResult<actix_web::web::Bytes> {
        let key = (token.to_owned(), format);
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit);
        }
        let bytes = actix_web::web::block(move || render(&url, format))
            .await?
            .map_err(crate::error::AppError::internal)?;
        let bytes = actix_web::web::Bytes::from(bytes);
        self.cache.insert(key, bytes.clone());
        Ok(bytes)
    }
}
