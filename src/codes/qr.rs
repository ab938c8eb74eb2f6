//! QR symbols as SVG (print) and PNG (screens), error correction level M, with quiet zone.

use qrcode::{EcLevel, QrCode};

/// The image formats a symbol is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolFormat {
    Svg,
    Png,
}

impl SymbolFormat {
    /// The Content-Type header value.
    pub fn content_type(self) -> &'static str {
        match self {
            SymbolFormat::Svg => "image/svg+xml",
            SymbolFormat::Png => "image/png",
        }
    }
}

fn encode(url: &str) -> anyhow::Result<QrCode> {
    Ok(QrCode::with_error_correction_level(
        url.as_bytes(),
        EcLevel::M,
    )?)
}

/// Render `url` as a symbol. CPU-bound (about a millisecond for PNG): callers on the async
/// threads go through the cache or `web::block`.
pub fn render(url: &str, format: SymbolFormat) -> anyhow::Result<Vec<u8>> {
    let code = encode(url)?;
    match format {
        SymbolFormat::Svg => Ok(code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(256, 256)
            .quiet_zone(true)
            .build()
            .into_bytes()),
        SymbolFormat::Png => {
            let img = code
                .render::<image::Luma<u8>>()
                .min_dimensions(480, 480)
                .quiet_zone(true)
                .build();
            let mut out = Vec::with_capacity(8 * 1024);
            image::DynamicImage::ImageLuma8(img)
                .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)?;
            Ok(out)
        }
    }
}

/// The symbol version (size) a URL needs: used by tests and the print layout.
pub fn version(url: &str) -> anyhow::Result<i16> {
    match encode(url)?.version() {
        qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_case_url_needs_a_smaller_symbol() {
        let upper = "HTTPS://MASHANG.EXAMPLE.CN/C/0123456789ABCDEFGHJKMNPQRS";
        let lower = "https://mashang.example.cn/c/0123456789abcdefghjkmnpqrs";
        assert!(version(upper).unwrap() < version(lower).unwrap());
    }

    #[test]
    fn png_decodes_back_to_the_url() {
        let url = "HTTP://127.0.0.1:8080/C/0123456789ABCDEFGHJKMNPQRS";
        let png = render(url, SymbolFormat::Png).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, url);
    }

    #[test]
    fn svg_is_an_svg() {
        let svg = render("HTTP://X/C/0123456789ABCDEFGHJKMNPQRS", SymbolFormat::Svg).unwrap();
        let text = String::from_utf8(svg).unwrap();
        assert!(text.starts_with("<?xml") && text.contains("<svg"));
    }
}
