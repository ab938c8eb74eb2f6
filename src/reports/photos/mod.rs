//! Turning an untrusted photo upload into a safe stored photo.
//!
//! Residents attach up to four photos from their phones to each report. Those
//! bytes are hostile until proven otherwise: they may not be images at all,
//! may be decompression bombs, may be truncated by a flaky mobile connection,
//! and almost always carry EXIF metadata (including the resident's precise
//! location and device details) that must not be republished.
//!
//! [`process`] is pure — bytes in, [`ProcessedPhoto`] out, no I/O, no async —
//! and CPU-bound; the service goes through [`PhotoIntake::process`], which
//! runs it on blocking threads within the process-wide memory allowance.
//!
//! Pipeline, in order (each step is only reached if the previous one passed):
//! 1. size check on the raw bytes (cheapest possible refusal);
//! 2. type sniffing by magic bytes (never by file name or Content-Type);
//! 3. header-only checks ([`probe`]): sides, then the memory the whole
//!    pipeline would need (`budget::estimate`, every buffer counted) against
//!    the budget, before any pixel buffer is allocated;
//! 4. GPS read from EXIF (before the metadata is discarded);
//! 5. decode, flatten alpha onto white, downscale, apply EXIF orientation;
//! 6. re-encode as a fresh baseline JPEG, which carries no metadata at all.
//!
//! Parts: `container` (type and completeness), `budget` (cost and the
//! allowance), `pixels` (flatten, resize, encode), `gps`, `error`.

mod budget;
mod container;
mod error;
mod gps;
mod pixels;
#[cfg(test)]
mod tests;

pub use budget::{PhotoIntake, Plan};
pub use container::sniff;
pub use error::PhotoError;

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use budget::{estimate, Shape};
use image::{ColorType, DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader};
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;

/// Limits, from configuration.
///
/// The defaults suit phone photos: a 12–24 MP camera image fits within
/// 8000×8000, 10 MiB and the 128 MiB budget, and 2048 px on the longest side
/// is plenty for a caseworker to see a broken streetlight.
#[derive(Debug, Clone)]
pub struct PhotoLimits {
    /// Largest accepted upload, in bytes. Checked before anything else.
    pub max_bytes: usize,
    /// Largest accepted width in pixels, as declared by the file header.
    pub max_width: u32,
    /// Largest accepted height in pixels, as declared by the file header.
    pub max_height: u32,
    /// Most memory processing one photo may take, in bytes, every buffer
    /// counted (`[reports] photo_memory_budget`). A 6000×4000 RGB JPEG of
    /// 8 MB needs about 131 MB; an 8000×8000 grey+alpha PNG about 420 MB and
    /// is refused. The decoders are also held to it for their own allocations.
    pub memory_budget: u64,
    /// Longest side of the stored photo, in pixels (never upscaled).
    pub max_side: u32,
    /// Longest side of the thumbnail, in pixels (never upscaled).
    pub thumb_side: u32,
    /// JPEG quality, 1–100 (values outside are clamped).
    pub jpeg_quality: u8,
}

impl Default for PhotoLimits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * MIB,
            max_width: 8000,
            max_height: 8000,
            memory_budget: 128 * MIB as u64,
            max_side: 2048,
            thumb_side: 320,
            jpeg_quality: 85,
        }
    }
}

/// A photo ready to store: re-encoded (no metadata at all survives),
/// oriented, bounded.
#[derive(Debug, Clone)]
pub struct ProcessedPhoto {
    /// The photo as JPEG, longest side ≤ `max_side`.
    pub jpeg: Vec<u8>,
    /// Thumbnail as JPEG, longest side ≤ `thumb_side`.
    pub thumb: Vec<u8>,
    /// Width of `jpeg` in pixels, after orientation was applied.
    pub width: u32,
    /// Height of `jpeg` in pixels, after orientation was applied.
    pub height: u32,
    /// What the upload really was, by content (not by name or Content-Type).
    pub source_format: SourceFormat,
    /// `(longitude, latitude)` in decimal degrees from the upload's EXIF GPS
    /// tags, if present and plausible. Read before the metadata is stripped.
    ///
    /// EXIF GPS is WGS-84 by convention; maps in mainland China (GCJ-02)
    /// need the usual conversion before display.
    pub gps: Option<(f64, f64)>,
    /// Lower-case hex SHA-256 of `jpeg` (for storage keys / deduplication).
    pub sha256: String,
}

/// The real format of an upload, determined from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// JPEG (starts with `FF D8 FF`).
    Jpeg,
    /// PNG (starts with the 8-byte PNG signature).
    Png,
    /// WebP (`RIFF????WEBP`).
    Webp,
}

impl SourceFormat {
    fn image_format(self) -> ImageFormat {
        match self {
            SourceFormat::Jpeg => ImageFormat::Jpeg,
            SourceFormat::Png => ImageFormat::Png,
            SourceFormat::Webp => ImageFormat::WebP,
        }
    }
}

/// Process one upload: [`probe`], then [`decode`]. CPU-bound: the service
/// calls [`PhotoIntake::process`] instead, which runs it off the async
/// threads within the memory allowance.
///
/// # Errors
///
/// In the order checked: [`PhotoError::TooLarge`] (before anything else),
/// [`PhotoError::Empty`], [`PhotoError::UnsupportedType`] (by magic bytes),
/// [`PhotoError::Corrupt`] for a truncated container,
/// [`PhotoError::DimensionsTooLarge`] (from the header: sides, or the
/// estimated memory over the budget, before pixels are decoded), and
/// [`PhotoError::Corrupt`] for malformed image data.
///
/// Never panics on hostile input: decoder panics (should a decoder have a
/// bug) are caught and reported as [`PhotoError::Corrupt`] — unless the
/// binary is built with `panic = "abort"`.
pub fn process(bytes: &[u8], limits: &PhotoLimits) -> Result<ProcessedPhoto, PhotoError> {
    let plan = probe(bytes, limits)?;
    decode(bytes, limits, &plan)
}

/// The header checks alone (no pixel is decoded; a few milliseconds at most
/// for a 10 MB upload): size, type, completeness, sides and the memory the
/// pipeline would need, which must fit `limits.memory_budget`.
///
/// # Errors
///
/// As [`process`], except the decoding errors.
pub fn probe(bytes: &[u8], limits: &PhotoLimits) -> Result<Plan, PhotoError> {
    // Size first: costs nothing and bounds every later step.
    if bytes.len() > limits.max_bytes {
        return Err(PhotoError::TooLarge {
            max_bytes: limits.max_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    let source_format = sniff(bytes).ok_or(PhotoError::UnsupportedType)?;
    // Header parsers are fed attacker-controlled data too.
    guarded(|| probe_inner(bytes, limits, source_format))
}

/// Decode and re-encode an upload that passed [`probe`].
///
/// # Errors
///
/// [`PhotoError::Corrupt`] for malformed image data (and
/// [`PhotoError::DimensionsTooLarge`] should the decoder's own allocations
/// pass the budget).
pub fn decode(
    bytes: &[u8],
    limits: &PhotoLimits,
    plan: &Plan,
) -> Result<ProcessedPhoto, PhotoError> {
    // Image decoders are large parsers fed attacker-controlled data; a panic
    // there must become a refused upload, not a dead worker thread.
    guarded(|| decode_inner(bytes, limits, plan))
}

fn guarded<T>(f: impl FnOnce() -> Result<T, PhotoError>) -> Result<T, PhotoError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(_) => Err(PhotoError::Corrupt("decoder panicked".to_string())),
    }
}

/// A decoder over the upload, held to the budget for its own allocations.
/// Only headers are parsed here; no pixel buffer exists yet.
fn open<'a>(
    bytes: &'a [u8],
    limits: &PhotoLimits,
    format: SourceFormat,
    sides: bool,
) -> Result<impl ImageDecoder + 'a, PhotoError> {
    // Without side limits at first, so the header's dimensions come back to
    // us (a reader with width/height limits would fail without saying how
    // large the image claims to be).
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = sides.then_some(limits.max_width);
    image_limits.max_image_height = sides.then_some(limits.max_height);
    image_limits.max_alloc = Some(limits.memory_budget);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(image_limits);
    reader.into_decoder().map_err(map_decode_error)
}

fn too_large(width: u32, height: u32, limits: &PhotoLimits) -> PhotoError {
    PhotoError::DimensionsTooLarge {
        width,
        height,
        max_width: limits.max_width,
        max_height: limits.max_height,
    }
}

fn probe_inner(
    bytes: &[u8],
    limits: &PhotoLimits,
    source_format: SourceFormat,
) -> Result<Plan, PhotoError> {
    let structure = container::check_complete(bytes, source_format)?;
    let decoder = open(bytes, limits, source_format, false)?;
    let (width, height) = decoder.dimensions();
    if width > limits.max_width || height > limits.max_height {
        return Err(too_large(width, height, limits));
    }
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt(format!(
            "zero dimension {width}x{height}"
        )));
    }
    let shape = Shape {
        width,
        height,
        decoded: decoder.total_bytes(),
        decoded_is_rgb8: decoder.color_type() == ColorType::Rgb8,
        decoder_extra: Shape::decoder_extra(source_format, width, height, structure.multi_scan),
        input: bytes.len() as u64,
    };
    let cost = estimate(&shape, limits);
    if cost > limits.memory_budget {
        return Err(too_large(width, height, limits));
    }
    Ok(Plan {
        width,
        height,
        source_format,
        cost,
    })
}

fn decode_inner(
    bytes: &[u8],
    limits: &PhotoLimits,
    plan: &Plan,
) -> Result<ProcessedPhoto, PhotoError> {
    let mut decoder = open(bytes, limits, plan.source_format, true)?;
    // The same bytes as the probe's: anything else is a caller's mistake.
    if decoder.dimensions() != (plan.width, plan.height) {
        return Err(PhotoError::Corrupt("not the probed photo".to_string()));
    }
    let over = || too_large(plan.width, plan.height, limits);
    // `DynamicImage::from_decoder` — unlike `ImageReader::decode` — does not
    // reserve the output buffer against max_alloc (the probe counted it).

    // `decode()` would ignore EXIF orientation; ask the decoder explicitly.
    // A broken EXIF block is not a reason to refuse the photo itself.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);

    // Read GPS now: everything about the upload's metadata is gone once the
    // pixels are re-encoded.
    let gps = gps::read_gps(bytes);

    let decoded = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        ImageError::Limits(_) => over(),
        other => map_decode_error(other),
    })?;

    // Flatten first (JPEG has no alpha; transparent pixels often hold black
    // or garbage colour that would otherwise show), then downscale, then
    // rotate: rotating the smaller image is cheaper, and the bound on the
    // longest side does not depend on orientation. Each step consumes the
    // previous buffer, so at most two full-size buffers live at once.
    let rgb = pixels::flatten_onto_white(decoded);
    let mut photo = DynamicImage::ImageRgb8(pixels::downscale(rgb, limits.max_side)?);
    photo.apply_orientation(orientation);

    let (out_w, out_h) = (photo.width(), photo.height());
    let thumb = if out_w.max(out_h) > limits.thumb_side.max(1) {
        // `thumbnail` is a fast box filter; fine at thumbnail size, and it
        // works from the already-downscaled photo, not the original.
        photo.thumbnail(limits.thumb_side.max(1), limits.thumb_side.max(1))
    } else {
        photo.clone()
    };

    let jpeg = pixels::encode_jpeg(&photo, limits.jpeg_quality)?;
    let thumb = pixels::encode_jpeg(&thumb, limits.jpeg_quality)?;
    let sha256 = hex::encode(Sha256::digest(&jpeg));

    Ok(ProcessedPhoto {
        jpeg,
        thumb,
        width: out_w,
        height: out_h,
        source_format: plan.source_format,
        gps,
        sha256,
    })
}

/// Maps decoder errors that are not about limits.
fn map_decode_error(e: ImageError) -> PhotoError {
    match e {
        // The magic bytes matched but the codec variant is not supported
        // (e.g. an exotic JPEG process): to the resident it is the same as
        // an unsupported type.
        ImageError::Unsupported(_) => PhotoError::UnsupportedType,
        ImageError::Limits(_) => PhotoError::Corrupt(format!("decoder limits: {e}")),
        other => PhotoError::Corrupt(other.to_string()),
    }
}
