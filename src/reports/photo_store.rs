//! Photos on their way in and out of a case: processed off the async threads (by
//! [`super::photos`]), stored under server-made keys, removed again after a refusal, and read
//! back for the pages that show them. Residents' photos and workers' result photos go the
//! same way.

use super::model::{Report, StoredPhoto};
use super::photos::PhotoIntake;
use super::ReportError;
use crate::config::ReportSettings;
use crate::db::DbPool;
use crate::error::{AppError, AppResult};
use crate::storage::Storage;

/// Process and store uploaded photos under `prefix` (`reports`, `results`). On a refusal,
/// whatever was stored already is removed again, so a refused submission leaves nothing.
pub async fn store(
    storage: &Storage,
    intake: &PhotoIntake,
    settings: &ReportSettings,
    uploads: Vec<Vec<u8>>,
    prefix: &str,
) -> AppResult<Result<Vec<StoredPhoto>, ReportError>> {
    let max = settings.max_photos;
    if uploads.len() > max {
        return Ok(Err(ReportError::TooManyPhotos { max }));
    }
    let mut stored = Vec::new();
    for bytes in uploads {
        // Off the threads that serve requests, within the process-wide memory allowance
        // (the intake's limits come from the same settings).
        let processed = match intake.process(bytes).await {
            Ok(p) => p,
            Err(e) => {
                discard_all(storage, &stored).await;
                return Ok(Err(ReportError::Photo(e)));
            }
        };
        let key = Storage::new_key(prefix, "jpg");
        let thumb_key = key.replace(".jpg", ".thumb.jpg");
        storage
            .put(&key, &processed.jpeg)
            .await
            .map_err(AppError::internal)?;
        storage
            .put(&thumb_key, &processed.thumb)
            .await
            .map_err(AppError::internal)?;
        stored.push(StoredPhoto {
            storage_key: key,
            thumb_key,
            width: processed.width,
            height: processed.height,
            bytes: processed.jpeg.len(),
            sha256: processed.sha256,
            gps: processed.gps,
        });
    }
    Ok(Ok(stored))
}

/// Remove stored photos and their thumbnails (after a refusal); failures are ignored, as a
/// stray file costs only disk.
pub async fn discard_all(storage: &Storage, photos: &[StoredPhoto]) {
    for p in photos {
        let _ = storage.delete(&p.storage_key).await;
        let _ = storage.delete(&p.thumb_key).await;
    }
}

/// The bytes of one photo of a case (its thumbnail if `thumb`); `not_found` if the case has
/// no such photo or the file is gone.
pub async fn read(
    db: &DbPool,
    storage: &Storage,
    report: &Report,
    photo_id: i64,
    thumb: bool,
) -> AppResult<Vec<u8>> {
    let mut conn = db.get().await?;
    let photo = report
        .photos(&mut conn)
        .await?
        .into_iter()
        .find(|p| p.id == photo_id)
        .ok_or_else(AppError::not_found)?;
    drop(conn);
    let key = if thumb {
        &photo.thumb_key
    } else {
        &photo.storage_key
    };
    storage.get(key).await.map_err(|_| AppError::not_found())
}
