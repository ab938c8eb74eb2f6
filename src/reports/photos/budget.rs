//! What a photo costs in memory, and how many are processed at once.
//!
//! [`estimate`] adds up every buffer the pipeline holds at its worst moment,
//! from the header alone: the upload and the decoder's copy of it, the
//! decoded pixels (with the coefficient store of a progressive JPEG), the
//! flattened RGB copy, the resize's intermediate and output, and the
//! finishing copies (orientation, thumbnail, encoded JPEG). A photo whose
//! estimate is over `[reports] photo_memory_budget` is refused before any
//! pixel is decoded; one under it waits for that much of the process-wide
//! allowance ([`PhotoIntake`]), so photo work never holds more than
//! budget × `photo_decodes_at_once` however many reports arrive together.

use super::pixels::fit;
use super::{decode, probe, PhotoError, PhotoLimits, ProcessedPhoto, SourceFormat};
use std::sync::Arc;
use tokio::sync::Semaphore;

const MIB: u64 = 1024 * 1024;

/// A photo that passed the header checks, with what processing it will cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Width declared by the header.
    pub width: u32,
    /// Height declared by the header.
    pub height: u32,
    /// What the upload really is.
    pub source_format: SourceFormat,
    /// Estimated peak memory of processing it, in bytes (see [`estimate`]).
    pub cost: u64,
}

/// What the header says, as the estimate needs it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shape {
    pub width: u32,
    pub height: u32,
    /// Bytes of the decoded image in the decoder's own layout.
    pub decoded: u64,
    /// The decoded layout is already RGB8 (flattening then moves, not copies).
    pub decoded_is_rgb8: bool,
    /// Working memory of the decoder besides its output.
    pub decoder_extra: u64,
    /// Bytes of the upload.
    pub input: u64,
}

impl Shape {
    /// The decoder's working memory for a format: a progressive JPEG keeps
    /// 2-byte coefficients for every sample (up to 4 components) until its
    /// last scan; a WebP decoder works through its own planes; PNG decodes
    /// row by row.
    pub(super) fn decoder_extra(
        format: SourceFormat,
        width: u32,
        height: u32,
        multi_scan: bool,
    ) -> u64 {
        let px = u64::from(width) * u64::from(height);
        match format {
            SourceFormat::Jpeg if multi_scan => 8 * px,
            SourceFormat::Jpeg => 0,
            SourceFormat::Png => 0,
            SourceFormat::Webp => 4 * px,
        }
    }
}

/// Estimated peak bytes of processing a photo of this shape into a photo of
/// at most `limits.max_side` and a thumbnail of `limits.thumb_side`.
pub(super) fn estimate(s: &Shape, limits: &PhotoLimits) -> u64 {
    let px = u64::from(s.width) * u64::from(s.height);
    let rgb = 3 * px;
    // The upload, the decoder's copy of it, and a copy of its metadata block.
    let input = 3 * s.input;
    // Decoding, then flattening while the decoded pixels are still alive.
    let flatten = if s.decoded_is_rgb8 { 0 } else { rgb };
    let decode_stage = s.decoded + s.decoder_extra + flatten;
    // Resizing: the RGB image, the 8-bit intermediate (vertical pass first:
    // width × new height, or horizontal first: new width × height) and the result.
    let max_side = limits.max_side.max(1);
    let (nw, nh) = if s.width.max(s.height) > max_side {
        fit(s.width, s.height, max_side)
    } else {
        (s.width, s.height)
    };
    let out = 3 * u64::from(nw) * u64::from(nh);
    let resize_stage = if (nw, nh) == (s.width, s.height) {
        rgb
    } else {
        let inter =
            3 * (u64::from(s.width) * u64::from(nh)).max(u64::from(nw) * u64::from(s.height));
        rgb + inter + out
    };
    // Finishing: the photo, its rotated copy, the thumbnail, the encoded JPEGs.
    let thumb = 3 * u64::from(limits.thumb_side.max(1)).pow(2);
    let finish_stage = 2 * out + 2 * thumb + out;
    // The allocator's and the encoders' small buffers.
    let slack = MIB;
    input + decode_stage.max(resize_stage).max(finish_stage) + slack
}

/// Photo processing for the whole process: limits, and the allowance that
/// bounds how much memory photos being decoded hold at once.
///
/// The allowance is a semaphore of `budget × at_once` MiB; a photo takes its
/// estimated cost in MiB before decoding and gives it back when done, so up
/// to `at_once` photos of the largest accepted size, or more smaller ones,
/// are processed together and the others wait. Held in the app state.
pub struct PhotoIntake {
    limits: PhotoLimits,
    permits: Arc<Semaphore>,
    capacity: u32,
}

impl PhotoIntake {
    /// `at_once` photos of the largest size `limits.memory_budget` accepts
    /// may be processed together (at least 1).
    #[must_use]
    pub fn new(limits: PhotoLimits, at_once: usize) -> PhotoIntake {
        let per_photo = limits.memory_budget.div_ceil(MIB).max(1);
        let capacity = per_photo
            .saturating_mul(at_once.max(1) as u64)
            .min(u64::from(u32::MAX >> 4)) as u32;
        PhotoIntake {
            permits: Arc::new(Semaphore::new(capacity as usize)),
            capacity,
            limits,
        }
    }

    /// The limits every photo is checked against.
    #[must_use]
    pub fn limits(&self) -> &PhotoLimits {
        &self.limits
    }

    /// The allowance itself, for tests that take it.
    #[cfg(test)]
    pub(super) fn permits(&self) -> Arc<Semaphore> {
        Arc::clone(&self.permits)
    }

    /// MiB of the allowance not taken right now (for tests and metrics).
    #[must_use]
    pub fn available_mib(&self) -> usize {
        self.permits.available_permits()
    }

    /// Check, decode and re-encode one upload off the async threads. The
    /// header checks run first and refuse a photo over the budget at once;
    /// an accepted one waits for its share of the allowance, which it keeps
    /// until its decoding ends (even if the request is dropped meanwhile).
    ///
    /// # Errors
    ///
    /// As [`super::process`].
    pub async fn process(&self, bytes: Vec<u8>) -> Result<ProcessedPhoto, PhotoError> {
        let limits = self.limits.clone();
        let (bytes, plan) = blocking(move || {
            let plan = probe(&bytes, &limits);
            (bytes, plan)
        })
        .await?;
        let plan = plan?;
        let mib = u32::try_from(plan.cost.div_ceil(MIB))
            .unwrap_or(u32::MAX)
            .clamp(1, self.capacity);
        let permit = Arc::clone(&self.permits)
            .acquire_many_owned(mib)
            .await
            .map_err(|_| PhotoError::Corrupt("photo intake closed".to_string()))?;
        let limits = self.limits.clone();
        blocking(move || {
            let result = decode(&bytes, &limits, &plan);
            drop(permit);
            result
        })
        .await?
    }
}

/// Runs CPU work on tokio's blocking pool; a panic there (already caught
/// around the decoders) or a cancelled task refuses the photo.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PhotoError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PhotoError::Corrupt(format!("photo task failed: {e}")))
}
