//! The upload's container, read without decoding pixels: the real type by
//! magic bytes, and whether the file is complete (decoders are lenient with
//! truncated files, so a half-uploaded photo would otherwise be stored).

use super::{PhotoError, SourceFormat};

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

/// What the structure walk learnt that the memory estimate needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Structure {
    /// A progressive (or otherwise multi-scan) JPEG: the decoder keeps every
    /// DCT coefficient of the whole image (2 bytes per sample) until the
    /// last scan, on top of the output buffer.
    pub multi_scan: bool,
}

/// Checks the container is complete for its format.
pub(super) fn check_complete(bytes: &[u8], format: SourceFormat) -> Result<Structure, PhotoError> {
    match format {
        // zune-jpeg (behind image's JPEG decoder) runs in lenient mode and
        // fills a truncated scan with grey instead of failing.
        SourceFormat::Jpeg => check_jpeg_complete(bytes),
        // The PNG decoder stops after the last IDAT and never looks for IEND.
        SourceFormat::Png => check_png_complete(bytes).map(|()| Structure::default()),
        // The WebP decoder accepts a file missing its last bytes as long as
        // the bitstream happens to decode; the RIFF header states the size.
        SourceFormat::Webp => check_webp_complete(bytes).map(|()| Structure::default()),
    }
}

/// Walks the JPEG marker structure and requires an EOI marker, so a
/// truncated upload is refused. Bytes after EOI (e.g. the video appended by
/// "motion photo" cameras) are ignored, as decoders do.
fn check_jpeg_complete(bytes: &[u8]) -> Result<Structure, PhotoError> {
    let mut structure = Structure::default();
    let mut scans = 0usize;
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
            0xD9 => {
                // EOI
                structure.multi_scan |= scans > 1;
                return Ok(structure);
            }
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
                // SOF2/6/10/14: progressive processes.
                if matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE) {
                    structure.multi_scan = true;
                }
                if marker == 0xDA {
                    scans += 1;
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
