//! Why a photo was refused: a stable code for clients, and words for residents in the
//! locale files (`reason.<code>`).

use crate::error::{ErrorCode, Refusal};
use crate::i18n::{Arg, Message};

/// Why an upload was refused. `Display` is for logs (English, may contain
/// decoder details); use [`Refusal::words`] for residents and
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
    /// The header declares sides over the limits, or processing the photo
    /// would cost more memory than the budget (every buffer counted: decode,
    /// flatten, resize). Detected from the header, before pixels are decoded.
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
}

impl Refusal for PhotoError {
    fn code(&self) -> &'static str {
        PhotoError::code(self)
    }

    /// Too large is 413 (like an upload over the request limit); the rest are 422.
    fn error_code(&self) -> ErrorCode {
        match self {
            PhotoError::TooLarge { .. } => ErrorCode::PayloadTooLarge,
            _ => ErrorCode::InvalidInput,
        }
    }

    /// `reason.<code>`; never includes decoder internals.
    fn message(&self) -> Message {
        let m = Message::new(format!("reason.{}", self.code()));
        match self {
            PhotoError::TooLarge { max_bytes } => m.arg("max", human_size(*max_bytes)),
            PhotoError::DimensionsTooLarge { width, height, .. } => {
                m.text("width", width).text("height", height)
            }
            _ => m,
        }
    }

    fn examples() -> Vec<Self> {
        vec![
            PhotoError::TooLarge { max_bytes: 100 },
            PhotoError::TooLarge {
                max_bytes: 10 << 20,
            },
            PhotoError::Empty,
            PhotoError::UnsupportedType,
            PhotoError::DimensionsTooLarge {
                width: 60_000,
                height: 60_000,
                max_width: 8_000,
                max_height: 8_000,
            },
            PhotoError::Corrupt("IDAT".into()),
        ]
    }
}

/// A byte limit for people: "10 MB", "1.5 MB", "200 KB", or "100 bytes" in their language.
/// (MB here means MiB; residents do not care about the distinction.)
fn human_size(bytes: usize) -> Arg {
    const MIB: usize = 1024 * 1024;
    fn trim(v: f64) -> String {
        let s = format!("{v:.1}");
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    }
    if bytes >= MIB {
        Arg::Text(format!("{} MB", trim(bytes as f64 / MIB as f64)))
    } else if bytes >= 1024 {
        Arg::Text(format!("{} KB", trim(bytes as f64 / 1024.0)))
    } else {
        Arg::Words(Message::new("photo.bytes").text("n", bytes))
    }
}
