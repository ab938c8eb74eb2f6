//! Files (report photos) on disk under `storage.dir`, by keys the server makes.
//!
//! Keys look like `reports/2026/11/21/<26 random chars>.jpg`: never a client's file name,
//! and laid out as an S3-compatible store would want them, so the backend can move there
//! without renaming anything.

use std::path::{Component, Path, PathBuf};

/// The photo store.
#[derive(Clone)]
pub struct Storage {
    root: PathBuf,
}

impl Storage {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Storage {
        Storage { root: root.into() }
    }

    /// A fresh key under `prefix` for a file with extension `ext`.
    pub fn new_key(prefix: &str, ext: &str) -> String {
        let day = chrono::Utc::now().format("%Y/%m/%d");
        format!("{prefix}/{day}/{}.{ext}", crate::codes::token::new_token())
    }

    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        let rel = Path::new(key);
        // Keys are ours, but check anyway: no absolute paths, no '..'.
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "bad storage key",
            ));
        }
        Ok(self.root.join(rel))
    }

    /// Store bytes under `key`: written to a temporary file and renamed, so a crash never
    /// leaves a half-written photo under a real key.
    pub async fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let tmp = path.with_extension("part");
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, &path).await
    }

    /// Read a stored file.
    pub async fn get(&self, key: &str) -> std::io::Result<Vec<u8>> {
        tokio::fs::read(self.path(key)?).await
    }

    /// Remove a stored file (cleaning up after a refused submission); missing is fine.
    pub async fn delete(&self, key: &str) -> std::io::Result<()> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_delete() {
        let dir = std::env::temp_dir().join(format!("mashang-storage-{}", std::process::id()));
        let s = Storage::new(&dir);
        let key = Storage::new_key("reports", "jpg");
        assert!(key.starts_with("reports/") && key.ends_with(".jpg"));
        s.put(&key, b"hello").await.unwrap();
        assert_eq!(s.get(&key).await.unwrap(), b"hello");
        s.delete(&key).await.unwrap();
        assert!(s.get(&key).await.is_err());
        s.delete(&key).await.unwrap();
        std::fs::remove_dir_all(&dir).ok();
    }

    #[tokio::test]
    async fn refuses_escaping_keys() {
        let s = Storage::new("/tmp/x");
        assert!(s.put("../etc/passwd", b"x").await.is_err());
        assert!(s.get("/etc/passwd").await.is_err());
    }
}
