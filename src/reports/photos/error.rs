//! Why a photo was refused: a stable code for clients and a message for residents.

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

    /// User-facing message from the locale files (`photo.*`): Simplified
    /// Chinese by default, English for any locale starting with `en`
    /// (case-insensitive). Never includes decoder internals.
    #[must_use]
    pub fn message(&self, locale: &str) -> String {
        let en = locale
            .get(..2)
            .is_some_and(|p| p.eq_ignore_ascii_case("en"));
        let tag = if en { "en" } else { "zh-CN" };
        let (key, args): (&str, Vec<(&str, String)>) = match self {
            PhotoError::TooLarge { max_bytes } => {
                ("photo.too_large", vec![("max", human_size(*max_bytes, en))])
            }
            PhotoError::Empty => ("photo.empty", vec![]),
            PhotoError::UnsupportedType => ("photo.unsupported_type", vec![]),
            PhotoError::DimensionsTooLarge { width, height, .. } => (
                "photo.dimensions_too_large",
                vec![("width", width.to_string()), ("height", height.to_string())],
            ),
            PhotoError::Corrupt(_) => ("photo.corrupt", vec![]),
        };
        let mut text = rust_i18n::t!(key, locale = tag).into_owned();
        for (name, value) in args {
            text = text.replace(&format!("%{{{name}}}"), &value);
        }
        text
    }
}

/// Formats a byte limit for people: "10 MB", "1.5 MB", "200 KB", "100 bytes".
/// (MB here means MiB; residents do not care about the distinction.)
fn human_size(bytes: usize, en: bool) -> String {
    const MIB: usize = 1024 * 1024;
    fn trim(v: f64) -> String {
        let s = format!("{v:.1}");
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    }
    if bytes >= MIB {
        format!("{} MB", trim(bytes as f64 / MIB as f64))
    } else if bytes >= 1024 {
        format!("{} KB", trim(bytes as f64 / 1024.0))
    } else {
        let unit = rust_i18n::t!("photo.bytes", locale = if en { "en" } else { "zh-CN" });
        format!("{bytes} {unit}")
    }
}
