//! Turning an untrusted photo upload into a safe stored photo.
//!
//! Residents attach up to four photos from their phones to each report. Those
//! bytes are hostile until proven otherwise: they may not be images at all,
//! may be decompression bombs, may be truncated by a flaky mobile connection,
//! and almost always carry EXIF metadata (including the resident's precise
//! location and device details) that must not be republished.
//!
//! [`process`] is pure — bytes in, [`ProcessedPhoto`] out, no I/O, no async —
//! and CPU-bound, so callers run it on a blocking thread.
//!
//! Pipeline, in order (each step is only reached if the previous one passed):
//! 1. size check on the raw bytes (cheapest possible refusal);
//! 2. type sniffing by magic bytes (never by file name or Content-Type);
//! 3. header-only dimension check, then a decoded-size check against
//!    `max_alloc`, both before any pixel buffer is allocated;
//! 4. GPS read from EXIF (before the metadata is discarded);
//! 5. decode, flatten alpha onto white, downscale, apply EXIF orientation;
//! 6. re-encode as a fresh baseline JPEG, which carries no metadata at all.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage,
};
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;

/// Limits, from configuration.
///
/// The defaults suit phone photos: a 12–50 MP camera image fits within
/// 8000×8000 and 10 MiB, and 2048 px on the longest side is plenty for a
/// caseworker to see a broken streetlight.
#[derive(Debug, Clone)]
pub struct PhotoLimits {
    /// Largest accepted upload, in bytes. Checked before anything else.
    pub max_bytes: usize,
    /// Largest accepted width in pixels, as declared by the file header.
    pub max_width: u32,
    /// Largest accepted height in pixels, as declared by the file header.
    pub max_height: u32,
    /// Largest decoded pixel buffer, in bytes, that the decoder may allocate.
    ///
    /// Note that 8000×8000 RGB is 192 MB, so with the defaults a photo near
    /// the dimension limits is refused by this budget instead; that is
    /// intended (both are reported as [`PhotoError::DimensionsTooLarge`]).
    pub max_alloc: u64,
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
            max_alloc: 128 * MIB as u64,
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

/// Why an upload was refused. `Display` is for logs (English, may contain
/// decoder details); use [`PhotoError::message`] for residents and
/// [`PhotoError::code`] for API clients.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    /// The upload is larger than `max_bytes`. Checked before any decoding.
    #[error("photo is larger than {max_bytes} bytes")]
    TooLarge {
        /// The configured limit, echoed so the message can state it.
        max_bytes: usize,
    },
    /// The upload has zero bytes.
    #[error("photo is empty")]
    Empty,
    /// Not JPEG, PNG or WebP by its magic bytes (e.g. a PDF, an HTML file
    /// renamed `.jpg`, a GIF, HEIC), or a variant the decoder cannot handle.
    #[error("photo is not a supported image type (JPEG, PNG, WebP)")]
    UnsupportedType,
    /// The header declares more pixels than allowed, or the decoded image
    /// would exceed `max_alloc`. Detected before pixels are decoded.
    #[error("photo dimensions {width}x{height} exceed the limit {max_width}x{max_height} or the memory budget")]
    DimensionsTooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// Configured maximum width.
        max_width: u32,
        /// Configured maximum height.
        max_height: u32,
    },
    /// Truncated or malformed image data; the string is the decoder's detail
    /// (for logs only, never shown to residents).
    #[error("photo is corrupt: {0}")]
    Corrupt(String),
}

impl PhotoError {
    /// Stable machine-readable code for API responses.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::TooLarge { .. } => "photo_too_large",
            PhotoError::Empty => "photo_empty",
            PhotoError::UnsupportedType => "photo_unsupported_type",
            PhotoError::DimensionsTooLarge { .. } => "photo_dimensions_too_large",
            PhotoError::Corrupt(_) => "photo_corrupt",
        }
    }

    /// User-facing message. Simplified Chinese by default; any locale
    /// starting with `en` (case-insensitive, e.g. `en`, `en-US`) gets English.
    /// Never includes decoder internals.
    #[must_use]
    pub fn message(&self, locale: &str) -> String {
        let en = locale
            .get(..2)
            .is_some_and(|p| p.eq_ignore_ascii_case("en"));
        match (self, en) {
            (PhotoError::TooLarge { max_bytes }, false) => {
                format!("照片不能超过 {}", human_size(*max_bytes, false))
            }
            (PhotoError::TooLarge { max_bytes }, true) => {
                format!("Photos must be at most {}", human_size(*max_bytes, true))
            }
            (PhotoError::Empty, false) => "照片文件是空的，请重新选择".to_string(),
            (PhotoError::Empty, true) => "The photo file is empty; please choose it again".to_string(),
            (PhotoError::UnsupportedType, false) => {
                "仅支持 JPEG、PNG、WebP 格式的照片（iPhone 可在“设置 > 相机 > 格式”中选择“兼容性最佳”）"
                    .to_string()
            }
            (PhotoError::UnsupportedType, true) => {
                "Only JPEG, PNG and WebP photos are supported (on iPhone: Settings > Camera > Formats > Most Compatible)"
                    .to_string()
            }
            (PhotoError::DimensionsTooLarge { width, height, .. }, false) => {
                format!("照片分辨率过大（{width}×{height} 像素），请缩小后重新上传")
            }
            (PhotoError::DimensionsTooLarge { width, height, .. }, true) => format!(
                "The photo resolution is too large ({width}×{height} pixels); please resize it and try again"
            ),
            (PhotoError::Corrupt(_), false) => {
                "照片文件已损坏或不完整，请重新拍摄或选择其他照片".to_string()
            }
            (PhotoError::Corrupt(_), true) => {
                "The photo file is damaged or incomplete; please retake it or choose another"
                    .to_string()
            }
        }
    }
}

/// Formats a byte limit for people: "10 MB", "1.5 MB", "200 KB", "100 bytes".
/// (MB here means MiB; residents do not care about the distinction.)
fn human_size(bytes: usize, en: bool) -> String {
    fn trim(v: f64) -> String {
        let s = format!("{v:.1}");
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    }
    if bytes >= MIB {
        format!("{} MB", trim(bytes as f64 / MIB as f64))
    } else if bytes >= 1024 {
        format!("{} KB", trim(bytes as f64 / 1024.0))
    } else if en {
        format!("{bytes} bytes")
    } else {
        format!("{bytes} 字节")
    }
}

/// Sniff the real type by magic bytes. Returns `None` for anything that is
/// not JPEG, PNG or WebP — including GIF, HEIC, PDF and HTML.
#[must_use]
pub fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    const PNG_SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(SourceFormat::Jpeg)
    } else if bytes.starts_with(PNG_SIG) {
        Some(SourceFormat::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(SourceFormat::Webp)
    } else {
        None
    }
}

/// Process one upload. CPU-bound: callers run it on a blocking thread.
///
/// # Errors
///
/// In the order checked: [`PhotoError::TooLarge`] (before anything else),
/// [`PhotoError::Empty`], [`PhotoError::UnsupportedType`] (by magic bytes),
/// [`PhotoError::Corrupt`] for a truncated container,
/// [`PhotoError::DimensionsTooLarge`] (from the header, or a decoded size
/// over `max_alloc`, before pixels are decoded), and [`PhotoError::Corrupt`]
/// for malformed image data.
///
/// Never panics on hostile input: decoder panics (should a decoder have a
/// bug) are caught and reported as [`PhotoError::Corrupt`] — unless the
/// binary is built with `panic = "abort"`.
pub fn process(bytes: &[u8], limits: &PhotoLimits) -> Result<ProcessedPhoto, PhotoError> {
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

    // Image decoders are large parsers fed attacker-controlled data; a panic
    // there must become a refused upload, not a dead worker thread.
    match catch_unwind(AssertUnwindSafe(|| {
        process_inner(bytes, limits, source_format)
    })) {
        Ok(result) => result,
        Err(_) => Err(PhotoError::Corrupt("decoder panicked".to_string())),
    }
}

fn process_inner(
    bytes: &[u8],
    limits: &PhotoLimits,
    source_format: SourceFormat,
) -> Result<ProcessedPhoto, PhotoError> {
    let format = match source_format {
        SourceFormat::Jpeg => ImageFormat::Jpeg,
        SourceFormat::Png => ImageFormat::Png,
        SourceFormat::Webp => ImageFormat::WebP,
    };

    // zune-jpeg (behind image's JPEG decoder) runs in lenient mode and fills
    // a truncated scan with grey instead of failing, so a half-uploaded photo
    // would be stored as "valid". Check the JPEG structure reaches EOI.
    // The PNG decoder likewise stops after the last IDAT and never looks for
    // IEND, so a cut-off upload can slip through; require the chunk chain.
    match source_format {
        SourceFormat::Jpeg => check_jpeg_complete(bytes)?,
        SourceFormat::Png => check_png_complete(bytes)?,
        // And the WebP decoder accepts a file missing its last bytes as long
        // as the bitstream happens to decode; the RIFF header states the size.
        SourceFormat::Webp => check_webp_complete(bytes)?,
    }

    // The reader gets only the allocation budget at first, so the header's
    // dimensions come back to us (a reader with width/height limits would
    // fail without saying how large the image claims to be). Only headers
    // are parsed here; no pixel buffer exists yet.
    let mut probe_limits = image::Limits::default();
    probe_limits.max_image_width = None;
    probe_limits.max_image_height = None;
    probe_limits.max_alloc = Some(limits.max_alloc);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(probe_limits.clone());
    let mut decoder = reader.into_decoder().map_err(map_decode_error)?;

    let (width, height) = decoder.dimensions();
    let too_large = PhotoError::DimensionsTooLarge {
        width,
        height,
        max_width: limits.max_width,
        max_height: limits.max_height,
    };
    if width > limits.max_width || height > limits.max_height {
        return Err(too_large);
    }
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt(format!(
            "zero dimension {width}x{height}"
        )));
    }

    // Now install the full limits on the decoder (defence in depth: the
    // decoders re-check dimensions and use max_alloc internally).
    let mut full_limits = probe_limits;
    full_limits.max_image_width = Some(limits.max_width);
    full_limits.max_image_height = Some(limits.max_height);
    decoder
        .set_limits(full_limits.clone())
        .map_err(|_| too_large.clone())?;
    // `DynamicImage::from_decoder` — unlike `ImageReader::decode` — does NOT
    // reserve the output buffer against max_alloc, so do it here: this is
    // what stops a highly compressible image within the width/height limits
    // from allocating more than the budget.
    full_limits
        .reserve(decoder.total_bytes())
        .map_err(|_| too_large.clone())?;

    // `decode()` would ignore EXIF orientation; ask the decoder explicitly.
    // A broken EXIF block is not a reason to refuse the photo itself.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);

    // Read GPS now: everything about the upload's metadata is gone once the
    // pixels are re-encoded.
    let gps = read_gps(bytes);

    let decoded = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        ImageError::Limits(_) => too_large.clone(),
        other => map_decode_error(other),
    })?;

    // Flatten first (JPEG has no alpha; transparent pixels often hold black
    // or garbage colour that would otherwise show), then downscale, then
    // rotate: rotating the smaller image is cheaper, and the bound on the
    // longest side does not depend on orientation.
    let rgb = flatten_onto_white(decoded);
    let mut photo = DynamicImage::ImageRgb8(downscale(rgb, limits.max_side));
    photo.apply_orientation(orientation);

    let (out_w, out_h) = (photo.width(), photo.height());
    let thumb = if out_w.max(out_h) > limits.thumb_side.max(1) {
        // `thumbnail` is a fast box filter; fine at thumbnail size, and it
        // works from the already-downscaled photo, not the original.
        photo.thumbnail(limits.thumb_side.max(1), limits.thumb_side.max(1))
    } else {
        photo.clone()
    };

    let jpeg = encode_jpeg(&photo, limits.jpeg_quality)?;
    let thumb = encode_jpeg(&thumb, limits.jpeg_quality)?;
    let sha256 = hex::encode(Sha256::digest(&jpeg));

    Ok(ProcessedPhoto {
        jpeg,
        thumb,
        width: out_w,
        height: out_h,
        source_format,
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
        other => PhotoError::Corrupt(other.to_string()),
    }
}

/// Walks the JPEG marker structure and requires an EOI marker, so a
/// truncated upload is refused. Bytes after EOI (e.g. the video appended by
/// "motion photo" cameras) are ignored, as decoders do.
fn check_jpeg_complete(bytes: &[u8]) -> Result<(), PhotoError> {
    let truncated = || PhotoError::Corrupt("truncated JPEG (no end-of-image marker)".to_string());
    let mut i = 2; // after SOI
    loop {
        // Find the next marker: 0xFF followed by a non-0xFF byte (0xFF fill
        // bytes are allowed before a marker).
        if i < bytes.len() && bytes[i] != 0xFF {
            // Only entropy-coded data may sit between segments, and the
            // scan loop below skips it, so anything else is malformed.
            return Err(PhotoError::Corrupt(
                "malformed JPEG marker structure".to_string(),
            ));
        }
        while i < bytes.len() && bytes[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return Err(truncated());
        };
        i += 1;
        match marker {
            0xD9 => return Ok(()),          // EOI
            0x01 | 0xD0..=0xD7 => continue, // standalone markers
            _ => {
                let len = match bytes.get(i..i + 2) {
                    Some(b) => usize::from(u16::from_be_bytes([b[0], b[1]])),
                    None => return Err(truncated()),
                };
                if len < 2 {
                    return Err(PhotoError::Corrupt(
                        "malformed JPEG segment length".to_string(),
                    ));
                }
                i += len;
                if i > bytes.len() {
                    return Err(truncated());
                }
                if marker == 0xDA {
                    // Start of scan: skip entropy-coded data up to the next
                    // real marker (0xFF00 is a stuffed byte, RSTn are
                    // in-scan restart markers).
                    loop {
                        match bytes.get(i) {
                            None => return Err(truncated()),
                            Some(0xFF) => match bytes.get(i + 1) {
                                None => return Err(truncated()),
                                Some(0x00) | Some(0xD0..=0xD7) => i += 2,
                                Some(0xFF) => i += 1,
                                Some(_) => break,
                            },
                            Some(_) => i += 1,
                        }
                    }
                }
            }
        }
    }
}

/// Walks the PNG chunk chain (headers only, no CRC or data checks — the
/// decoder does those) and requires it to reach an IEND chunk.
fn check_png_complete(bytes: &[u8]) -> Result<(), PhotoError> {
    let mut i = 8; // after the signature
    while let Some(header) = bytes.get(i..i + 8) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        // length + type + data + CRC
        let end = i
            .checked_add(12)
            .and_then(|v| v.checked_add(len))
            .filter(|&end| end <= bytes.len());
        let Some(end) = end else { break };
        if &header[4..8] == b"IEND" {
            return Ok(());
        }
        i = end;
    }
    Err(PhotoError::Corrupt(
        "truncated PNG (no IEND chunk)".to_string(),
    ))
}

/// Requires the whole RIFF payload declared in the WebP header to be present.
fn check_webp_complete(bytes: &[u8]) -> Result<(), PhotoError> {
    // sniff() guarantees at least 12 bytes.
    let riff_size = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    if riff_size.saturating_add(8) > bytes.len() {
        return Err(PhotoError::Corrupt(
            "truncated WebP (RIFF size exceeds data)".to_string(),
        ));
    }
    Ok(())
}

/// Reads `(longitude, latitude)` from the upload's EXIF GPS IFD.
/// Any problem (no EXIF, missing or malformed tags, implausible values)
/// yields `None`: location is a convenience, never a reason to refuse.
fn read_gps(bytes: &[u8]) -> Option<(f64, f64)> {
    let exif = exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()?;
    let coord = |value_tag: exif::Tag, ref_tag: exif::Tag, pos: u8, neg: u8, max: f64| {
        let magnitude = match &exif.get_field(value_tag, exif::In::PRIMARY)?.value {
            exif::Value::Rational(v) if v.len() == 3 => {
                let mut total = 0.0;
                for (r, scale) in v.iter().zip([1.0, 60.0, 3600.0]) {
                    if r.denom == 0 {
                        return None;
                    }
                    total += f64::from(r.num) / f64::from(r.denom) / scale;
                }
                total
            }
            _ => return None,
        };
        // Without a hemisphere the sign is a guess; a report placed on the
        // wrong side of the planet is worse than none.
        let sign = match &exif.get_field(ref_tag, exif::In::PRIMARY)?.value {
            exif::Value::Ascii(v) => match v.first()?.first()?.to_ascii_uppercase() {
                c if c == pos => 1.0,
                c if c == neg => -1.0,
                _ => return None,
            },
            _ => return None,
        };
        (magnitude.is_finite() && magnitude <= max).then_some(sign * magnitude)
    };
    let lat = coord(
        exif::Tag::GPSLatitude,
        exif::Tag::GPSLatitudeRef,
        b'N',
        b'S',
        90.0,
    )?;
    let lon = coord(
        exif::Tag::GPSLongitude,
        exif::Tag::GPSLongitudeRef,
        b'E',
        b'W',
        180.0,
    )?;
    // Exactly (0, 0) is what phones write when they had no fix.
    if lat == 0.0 && lon == 0.0 {
        return None;
    }
    Some((lon, lat))
}

/// Converts to RGB8, compositing any alpha channel over white (a transparent
/// PNG should look like it does on a white page, not on black).
fn flatten_onto_white(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(src[3]);
        for c in 0..3 {
            // Integer blend with rounding: c*a + 255*(255-a), over 255.
            let v = (u32::from(src[c]) * a + 255 * (255 - a) + 127) / 255;
            dst[c] = v as u8;
        }
    }
    out
}

/// Scales so the longest side is at most `max_side`, keeping the aspect
/// ratio; never upscales.
fn downscale(img: RgbImage, max_side: u32) -> RgbImage {
    let max_side = max_side.max(1);
    let (w, h) = img.dimensions();
    if w.max(h) <= max_side {
        return img;
    }
    let (nw, nh) = fit(w, h, max_side);
    // CatmullRom: sharp like Lanczos3 at a fraction of the cost (smaller
    // kernel), which matters with 4 photos per report on 2 cores.
    image::imageops::resize(&img, nw, nh, FilterType::CatmullRom)
}

/// Dimensions that fit `w`×`h` into a `max`×`max` box, each side ≥ 1.
fn fit(w: u32, h: u32, max: u32) -> (u32, u32) {
    let scale = |a: u32, b: u32| {
        // round(a * max / b) in integers, at least 1 so extreme aspect
        // ratios (e.g. 8000×1) still give a valid image.
        let v = (u64::from(a) * u64::from(max) + u64::from(b) / 2) / u64::from(b);
        (v as u32).max(1)
    };
    if w >= h {
        (max, scale(h, w))
    } else {
        (scale(w, h), max)
    }
}

/// Encodes as a fresh baseline JPEG. The encoder is given only pixels, so
/// the output contains nothing but a JFIF header and image data: no EXIF,
/// XMP, ICC profile or comments from the upload.
fn encode_jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let rgb = img
        .as_rgb8()
        .ok_or_else(|| PhotoError::Corrupt("internal: expected RGB8".to_string()))?;
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .encode(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|e| PhotoError::Corrupt(format!("JPEG encoding failed: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::png::PngEncoder;
    use image::codecs::webp::WebPEncoder;
    use image::{ImageEncoder, Rgb, Rgba, RgbaImage};
    use std::time::{Duration, Instant};

    // ---------- fixture builders ----------

    fn jpeg_of(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 95)
            .encode(
                img.as_raw(),
                img.width(),
                img.height(),
                ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    fn png_rgba(img: &RgbaImage) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(
                img.as_raw(),
                img.width(),
                img.height(),
                ExtendedColorType::Rgba8,
            )
            .unwrap();
        out
    }

    fn png_rgb(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(
                img.as_raw(),
                img.width(),
                img.height(),
                ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    /// 400×200: red left half, blue right half, green 40×40 marker in the
    /// top-left corner — so rotation and mirroring are both detectable.
    fn wide_marked() -> RgbImage {
        RgbImage::from_fn(400, 200, |x, y| {
            if x < 40 && y < 40 {
                Rgb([0, 255, 0])
            } else if x < 200 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        })
    }

    type Dms = [(u32, u32); 3];

    /// Big-endian TIFF with IFD0 {Orientation, GPSInfo pointer} and a GPS IFD
    /// {LatRef, Lat, LonRef, Lon}.
    fn tiff_exif(orientation: u16, lat_ref: u8, lat: Dms, lon_ref: u8, lon: Dms) -> Vec<u8> {
        fn entry(t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: [u8; 4]) {
            t.extend_from_slice(&tag.to_be_bytes());
            t.extend_from_slice(&typ.to_be_bytes());
            t.extend_from_slice(&count.to_be_bytes());
            t.extend_from_slice(&value);
        }
        const ASCII: u16 = 2;
        const SHORT: u16 = 3;
        const LONG: u16 = 4;
        const RATIONAL: u16 = 5;
        let ifd0 = 8u32;
        let gps_ifd = ifd0 + 2 + 2 * 12 + 4; // 38
        let lat_off = gps_ifd + 2 + 4 * 12 + 4; // 92
        let lon_off = lat_off + 24; // 116

        let mut t = b"MM\x00\x2a".to_vec();
        t.extend_from_slice(&ifd0.to_be_bytes());
        // IFD0
        t.extend_from_slice(&2u16.to_be_bytes());
        let o = orientation.to_be_bytes();
        entry(&mut t, 0x0112, SHORT, 1, [o[0], o[1], 0, 0]);
        entry(&mut t, 0x8825, LONG, 1, gps_ifd.to_be_bytes());
        t.extend_from_slice(&0u32.to_be_bytes());
        assert_eq!(t.len() as u32, gps_ifd);
        // GPS IFD
        t.extend_from_slice(&4u16.to_be_bytes());
        entry(&mut t, 0x0001, ASCII, 2, [lat_ref, 0, 0, 0]);
        entry(&mut t, 0x0002, RATIONAL, 3, lat_off.to_be_bytes());
        entry(&mut t, 0x0003, ASCII, 2, [lon_ref, 0, 0, 0]);
        entry(&mut t, 0x0004, RATIONAL, 3, lon_off.to_be_bytes());
        t.extend_from_slice(&0u32.to_be_bytes());
        assert_eq!(t.len() as u32, lat_off);
        for (num, den) in lat.iter().chain(lon.iter()) {
            t.extend_from_slice(&num.to_be_bytes());
            t.extend_from_slice(&den.to_be_bytes());
        }
        t
    }

    /// Splices an APP1 "Exif\0\0" segment right after SOI.
    fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        let len = (2 + 6 + tiff.len()) as u16;
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(b"Exif\0\0");
        out.extend_from_slice(tiff);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    /// 40.40°N = 40° 24' 0"; 109.99°E = 109° 59' 24".
    const LAT: Dms = [(40, 1), (24, 1), (0, 1)];
    const LON: Dms = [(109, 1), (59, 1), (2400, 100)];

    fn exif_jpeg() -> Vec<u8> {
        with_exif(
            &jpeg_of(&wide_marked()),
            &tiff_exif(6, b'N', LAT, b'E', LON),
        )
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A small real PNG whose IHDR is patched to declare `w`×`h`, with the
    /// CRC recomputed so the chunk itself is valid.
    fn png_declaring(w: u32, h: u32) -> Vec<u8> {
        let mut png = png_rgb(&RgbImage::new(4, 4));
        // signature(8) + length(4) + "IHDR"(4), then 13 data bytes, then CRC.
        assert_eq!(&png[12..16], b"IHDR");
        png[16..20].copy_from_slice(&w.to_be_bytes());
        png[20..24].copy_from_slice(&h.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    /// Marker codes of every segment before SOS.
    fn header_markers(jpeg: &[u8]) -> Vec<u8> {
        let mut markers = Vec::new();
        let mut i = 2;
        while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
            let m = jpeg[i + 1];
            markers.push(m);
            if m == 0xDA {
                break;
            }
            i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        }
        markers
    }

    fn decode(jpeg: &[u8]) -> RgbImage {
        image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg)
            .unwrap()
            .into_rgb8()
    }

    fn near(p: &Rgb<u8>, want: [u8; 3]) -> bool {
        p.0.iter().zip(want).all(|(&a, b)| a.abs_diff(b) <= 40)
    }

    /// The error of a call that must fail, without dumping a whole photo's
    /// bytes into the test output when it unexpectedly succeeds.
    fn err(r: Result<ProcessedPhoto, PhotoError>) -> PhotoError {
        match r {
            Ok(p) => panic!("expected an error, got a {}x{} photo", p.width, p.height),
            Err(e) => e,
        }
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    // ---------- tests ----------

    #[test]
    fn sniff_by_content() {
        assert_eq!(
            sniff(&jpeg_of(&RgbImage::new(2, 2))),
            Some(SourceFormat::Jpeg)
        );
        assert_eq!(
            sniff(&png_rgb(&RgbImage::new(2, 2))),
            Some(SourceFormat::Png)
        );
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8L"), Some(SourceFormat::Webp));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn exif_jpeg_gps_orientation_and_stripping() {
        let input = exif_jpeg();
        // Sanity: the fixture really carries EXIF that kamadak-exif reads.
        assert!(exif::Reader::new()
            .read_from_container(&mut Cursor::new(&input))
            .is_ok());

        let p = process(&input, &PhotoLimits::default()).unwrap();
        assert_eq!(p.source_format, SourceFormat::Jpeg);

        let (lon, lat) = p.gps.expect("GPS should be read");
        assert!((lon - 109.99).abs() < 1e-6, "lon {lon}");
        assert!((lat - 40.40).abs() < 1e-6, "lat {lat}");

        // Orientation 6 = rotate 90° clockwise: 400×200 becomes 200×400.
        assert_eq!((p.width, p.height), (200, 400));
        let img = decode(&p.jpeg);
        assert_eq!(img.dimensions(), (200, 400));
        // Left half (red) is now on top, right half (blue) at the bottom,
        // and the top-left green marker has moved to the top-right corner.
        assert!(
            near(img.get_pixel(180, 20), [0, 255, 0]),
            "{:?}",
            img.get_pixel(180, 20)
        );
        assert!(
            near(img.get_pixel(20, 20), [255, 0, 0]),
            "{:?}",
            img.get_pixel(20, 20)
        );
        assert!(near(img.get_pixel(100, 100), [255, 0, 0]));
        assert!(near(img.get_pixel(100, 300), [0, 0, 255]));
        assert!(near(img.get_pixel(20, 380), [0, 0, 255]));

        // No metadata survives, in the photo or the thumbnail.
        for out in [&p.jpeg, &p.thumb] {
            assert!(!contains(out, b"Exif\0\0"));
            assert!(!header_markers(out).contains(&0xE1), "APP1 present");
            assert!(!header_markers(out).contains(&0xE2), "APP2/ICC present");
            assert!(!header_markers(out).contains(&0xFE), "COM present");
            assert!(exif::Reader::new()
                .read_from_container(&mut Cursor::new(out))
                .is_err());
        }
        assert_eq!(p.sha256, hex::encode(Sha256::digest(&p.jpeg)));
        assert_eq!(p.sha256.len(), 64);
    }

    #[test]
    fn gps_south_west_and_implausible() {
        let base = jpeg_of(&RgbImage::new(8, 8));
        let sw = with_exif(&base, &tiff_exif(1, b'S', LAT, b'W', LON));
        let (lon, lat) = read_gps(&sw).unwrap();
        assert!((lon + 109.99).abs() < 1e-6 && (lat + 40.40).abs() < 1e-6);

        let bad_lat = with_exif(
            &base,
            &tiff_exif(1, b'N', [(95, 1), (0, 1), (0, 1)], b'E', LON),
        );
        assert_eq!(read_gps(&bad_lat), None);
        let bad_lon = with_exif(
            &base,
            &tiff_exif(1, b'N', LAT, b'E', [(181, 1), (0, 1), (0, 1)]),
        );
        assert_eq!(read_gps(&bad_lon), None);
        let zero_den = with_exif(
            &base,
            &tiff_exif(1, b'N', [(40, 0), (0, 1), (0, 1)], b'E', LON),
        );
        assert_eq!(read_gps(&zero_den), None);
        let bad_ref = with_exif(&base, &tiff_exif(1, b'X', LAT, b'E', LON));
        assert_eq!(read_gps(&bad_ref), None);
        let null_island = with_exif(&base, &tiff_exif(1, b'N', [(0, 1); 3], b'E', [(0, 1); 3]));
        assert_eq!(read_gps(&null_island), None);
        assert_eq!(read_gps(&base), None);

        let p = process(&base, &PhotoLimits::default()).unwrap();
        assert_eq!(p.gps, None);
        assert_eq!((p.width, p.height), (8, 8), "small images are not upscaled");
    }

    #[test]
    fn large_image_is_downscaled_and_thumbnailed() {
        // Horizontal gradient so it compresses poorly and resizing has work.
        let big = RgbImage::from_fn(3000, 1500, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let p = process(&png_rgb(&big), &PhotoLimits::default()).unwrap();
        assert_eq!(p.source_format, SourceFormat::Png);
        assert_eq!((p.width, p.height), (2048, 1024));
        assert_eq!(decode(&p.jpeg).dimensions(), (2048, 1024));
        let (tw, th) = decode(&p.thumb).dimensions();
        assert!(tw.max(th) <= 320 && tw.max(th) >= 300, "{tw}x{th}");
        assert!(tw > th);
    }

    #[test]
    fn fit_keeps_aspect_and_never_zero() {
        assert_eq!(fit(3000, 1500, 2048), (2048, 1024));
        assert_eq!(fit(1500, 3000, 2048), (1024, 2048));
        assert_eq!(fit(8000, 1, 2048), (2048, 1));
        assert_eq!(fit(4000, 3000, 320), (320, 240));
    }

    #[test]
    fn transparent_png_becomes_white_backed_jpeg() {
        // Left half fully transparent *black* (what naive conversion would
        // show), right half opaque red, a half-transparent blue strip.
        let img = RgbaImage::from_fn(100, 100, |x, y| {
            if y >= 80 {
                Rgba([0, 0, 255, 128])
            } else if x < 50 {
                Rgba([0, 0, 0, 0])
            } else {
                Rgba([255, 0, 0, 255])
            }
        });
        let p = process(&png_rgba(&img), &PhotoLimits::default()).unwrap();
        let out = decode(&p.jpeg);
        assert!(
            near(out.get_pixel(20, 40), [255, 255, 255]),
            "{:?}",
            out.get_pixel(20, 40)
        );
        assert!(near(out.get_pixel(80, 40), [255, 0, 0]));
        assert!(
            near(out.get_pixel(50, 90), [127, 127, 255]),
            "{:?}",
            out.get_pixel(50, 90)
        );
    }

    #[test]
    fn webp_lossless_accepted() {
        let img = RgbaImage::from_fn(64, 48, |x, _| {
            if x < 32 {
                Rgba([0, 200, 0, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        let mut webp = Vec::new();
        WebPEncoder::new_lossless(&mut webp)
            .encode(img.as_raw(), 64, 48, ExtendedColorType::Rgba8)
            .unwrap();
        assert_eq!(sniff(&webp), Some(SourceFormat::Webp));
        let p = process(&webp, &PhotoLimits::default()).unwrap();
        assert_eq!(p.source_format, SourceFormat::Webp);
        assert_eq!((p.width, p.height), (64, 48));
        let out = decode(&p.jpeg);
        assert!(near(out.get_pixel(10, 10), [0, 200, 0]));
        assert!(near(out.get_pixel(50, 10), [255, 255, 255]));
    }

    #[test]
    fn non_images_are_unsupported() {
        let limits = PhotoLimits::default();
        let cases: [&[u8]; 5] = [
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n",
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
            b"RIFF\x24\x00\x00\x00WAVEfmt ",
        ];
        for bytes in cases {
            assert_eq!(err(process(bytes, &limits)), PhotoError::UnsupportedType);
        }
    }

    #[test]
    fn declared_huge_png_is_refused_from_header() {
        let bomb = png_declaring(60_000, 60_000);
        assert!(bomb.len() < 200);
        let start = Instant::now();
        let e = err(process(&bomb, &PhotoLimits::default()));
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "took {:?}",
            start.elapsed()
        );
        assert_eq!(
            e,
            PhotoError::DimensionsTooLarge {
                width: 60_000,
                height: 60_000,
                max_width: 8000,
                max_height: 8000
            }
        );
        // One side over the limit is enough.
        let e = err(process(
            &png_declaring(100, 20_000),
            &PhotoLimits::default(),
        ));
        assert_eq!(e.code(), "photo_dimensions_too_large");
    }

    #[test]
    fn within_dimensions_but_over_alloc_budget_is_refused_before_decoding() {
        // 7000×7000 RGB declares 147 MB of pixels: inside 8000×8000, over the
        // 128 MiB default budget. The IDAT is bogus, so if the pixels were
        // decoded this would come back as Corrupt instead.
        let start = Instant::now();
        let e = err(process(&png_declaring(7000, 7000), &PhotoLimits::default()));
        assert!(start.elapsed() < Duration::from_secs(1));
        assert!(
            matches!(
                e,
                PhotoError::DimensionsTooLarge {
                    width: 7000,
                    height: 7000,
                    ..
                }
            ),
            "{e:?}"
        );

        // Same with a real (decodable) image and a small budget.
        let limits = PhotoLimits {
            max_alloc: 100_000,
            ..PhotoLimits::default()
        };
        let img = png_rgb(&RgbImage::new(300, 300)); // 270,000 bytes decoded
        let e = err(process(&img, &limits));
        assert_eq!(e.code(), "photo_dimensions_too_large");
    }

    #[test]
    fn truncated_files_are_corrupt() {
        let limits = PhotoLimits::default();
        let noisy = RgbImage::from_fn(200, 200, |x, y| {
            Rgb([
                (x * 7 % 256) as u8,
                (y * 13 % 256) as u8,
                ((x ^ y) % 256) as u8,
            ])
        });

        let jpeg = jpeg_of(&noisy);
        for cut in [jpeg.len() / 2, jpeg.len() - 2, 300, 20, 3] {
            let e = err(process(&jpeg[..cut], &limits));
            assert_eq!(e.code(), "photo_corrupt", "cut at {cut}: {e:?}");
        }
        // The EXIF JPEG cut inside its APP1 segment.
        let exif = exif_jpeg();
        assert_eq!(err(process(&exif[..60], &limits)).code(), "photo_corrupt");

        let png = png_rgb(&noisy);
        for cut in [png.len() / 2, png.len() - 4, 40, 10] {
            let e = err(process(&png[..cut], &limits));
            assert_eq!(e.code(), "photo_corrupt", "png cut at {cut}: {e:?}");
        }

        let mut webp = Vec::new();
        WebPEncoder::new_lossless(&mut webp)
            .encode(noisy.as_raw(), 200, 200, ExtendedColorType::Rgb8)
            .unwrap();
        for cut in [webp.len() / 2, webp.len() - 1, 30, 12] {
            let e = err(process(&webp[..cut], &limits));
            assert_eq!(e.code(), "photo_corrupt", "webp cut at {cut}: {e:?}");
        }
    }

    #[test]
    fn jpeg_with_trailing_data_after_eoi_is_accepted() {
        // Motion photos append a video after EOI; that is not corruption.
        let mut jpeg = jpeg_of(&RgbImage::new(16, 16));
        jpeg.extend_from_slice(b"\x00\x00\x00\x18ftypmp42 trailing video");
        let p = process(&jpeg, &PhotoLimits::default()).unwrap();
        assert_eq!((p.width, p.height), (16, 16));
    }

    #[test]
    fn size_is_checked_before_anything_else() {
        let limits = PhotoLimits {
            max_bytes: 100,
            ..PhotoLimits::default()
        };
        // Not even an image: size wins over type.
        assert_eq!(
            err(process(&[0u8; 101], &limits)),
            PhotoError::TooLarge { max_bytes: 100 }
        );
        // A perfectly valid JPEG over the limit is refused on size alone.
        let big_jpeg = jpeg_of(&RgbImage::new(64, 64));
        assert!(big_jpeg.len() > 100);
        assert_eq!(
            err(process(&big_jpeg, &limits)),
            PhotoError::TooLarge { max_bytes: 100 }
        );
        // Exactly at the limit passes the size check.
        assert_eq!(
            err(process(&[0u8; 100], &limits)),
            PhotoError::UnsupportedType
        );
        assert_eq!(err(process(&[], &limits)), PhotoError::Empty);
    }

    #[test]
    fn codes_and_messages_in_both_locales() {
        let errors = [
            PhotoError::TooLarge {
                max_bytes: 10 * MIB,
            },
            PhotoError::Empty,
            PhotoError::UnsupportedType,
            PhotoError::DimensionsTooLarge {
                width: 60000,
                height: 60000,
                max_width: 8000,
                max_height: 8000,
            },
            PhotoError::Corrupt("unexpected EOF in IDAT".into()),
        ];
        let codes: Vec<_> = errors.iter().map(PhotoError::code).collect();
        assert_eq!(
            codes,
            [
                "photo_too_large",
                "photo_empty",
                "photo_unsupported_type",
                "photo_dimensions_too_large",
                "photo_corrupt"
            ]
        );
        assert_eq!(errors[0].message("zh-CN"), "照片不能超过 10 MB");
        assert_eq!(errors[0].message(""), "照片不能超过 10 MB");
        assert_eq!(errors[0].message("en-US"), "Photos must be at most 10 MB");
        assert_eq!(errors[0].message("EN"), "Photos must be at most 10 MB");
        assert_eq!(
            PhotoError::TooLarge {
                max_bytes: 1536 * 1024
            }
            .message("zh"),
            "照片不能超过 1.5 MB"
        );
        assert_eq!(
            PhotoError::TooLarge { max_bytes: 100 }.message("en"),
            "Photos must be at most 100 bytes"
        );
        assert!(errors[3].message("zh-CN").contains("60000×60000"));
        for e in &errors {
            let zh = e.message("zh-CN");
            let en = e.message("en");
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(en.is_ascii() || en.contains('×'), "{en}");
            assert_ne!(zh, en);
            // Decoder internals never reach residents.
            assert!(!zh.contains("IDAT") && !en.contains("IDAT"));
        }
        // `Display` is for logs and keeps the detail.
        assert!(errors[4].to_string().contains("IDAT"));
    }
}
