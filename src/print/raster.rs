//! Test support: rasterise a PDF as a printer would (poppler's `pdftoppm`) and read every QR
//! symbol on every page back (rqrr).
//!
//! Self-contained (std, image, rqrr) so the black-box tests include this same file
//! (`#[path]`) rather than a copy.
//!
//! rqrr looks for finder patterns over the whole image and groups them into symbols; on a
//! sheet of 21 stickers it pairs patterns of neighbouring symbols and most "symbols" it finds
//! do not decode. So each page is first cut into its ink blobs (dark pixels, closed at about
//! 1 mm so a symbol's modules become one blob, which the quiet zone keeps apart from the
//! text), and every blob large enough to be a symbol is decoded on its own.

use image::GrayImage;

/// The URLs of every symbol that decodes, page by page.
pub fn decode_symbols(pdf: &[u8], dpi: u32) -> anyhow::Result<Vec<String>> {
    let dir = std::env::temp_dir().join(format!(
        "mashang-raster-{}-{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("in.pdf");
    std::fs::write(&input, pdf)?;
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png"])
        .arg(&input)
        .arg(dir.join("page"))
        .status()
        .map_err(|e| anyhow::anyhow!("pdftoppm (Debian's poppler-utils): {e}"))?;
    anyhow::ensure!(status.success(), "pdftoppm failed");
    let mut pages: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pages.sort();
    let mut urls = Vec::new();
    for page in pages {
        let img = image::open(&page)?.to_luma8();
        urls.extend(decode_page(&img, dpi));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(urls)
}

/// Every symbol on one page image.
pub fn decode_page(img: &GrayImage, dpi: u32) -> Vec<String> {
    let mm = dpi as f64 / 25.4;
    let mut urls = Vec::new();
    let mut missed = false;
    for (x0, y0, x1, y1) in blobs(img, dpi) {
        // Symbols printed here are at least 25 mm wide; text lines are far smaller.
        if ((x1 - x0) as f64) < 15.0 * mm || ((y1 - y0) as f64) < 15.0 * mm {
            continue;
        }
        let margin = (4.0 * mm) as u32;
        let (cx, cy) = (x0.saturating_sub(margin), y0.saturating_sub(margin));
        let cw = (x1 + margin).min(img.width()) - cx;
        let ch = (y1 + margin).min(img.height()) - cy;
        let crop = image::imageops::crop_imm(img, cx, cy, cw, ch).to_image();
        let found = decode_all(crop);
        missed |= found.is_empty();
        urls.extend(found);
    }
    // A symbol whose blob ran into nearby text (a poster's big symbol beside its heading) may
    // not decode from its crop: then read the whole page too, adding what was not found yet.
    if missed {
        for url in decode_all(img.clone()) {
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
    }
    urls
}

fn decode_all(img: GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, content)| content))
        .collect()
}

/// Bounding boxes (x0, y0, x1, y1 exclusive, in page pixels) of the ink blobs, found on a
/// quarter-resolution mask that is dilated by about 1 mm.
fn blobs(img: &GrayImage, dpi: u32) -> Vec<(u32, u32, u32, u32)> {
    const F: u32 = 4;
    let (w, h) = (img.width().div_ceil(F), img.height().div_ceil(F));
    let mut ink = vec![false; (w * h) as usize];
    for (x, y, p) in img.enumerate_pixels() {
        if p.0[0] < 128 {
            ink[((y / F) * w + x / F) as usize] = true;
        }
    }
    // Dilate by r in x, then in y (a square structuring element, in two cheap passes).
    let r = ((dpi as f64 / 25.4 / F as f64).round() as usize).max(1);
    let (wu, hu) = (w as usize, h as usize);
    let mut wide = vec![false; ink.len()];
    for y in 0..hu {
        for x in 0..wu {
            if ink[y * wu + x] {
                for nx in x.saturating_sub(r)..(x + r + 1).min(wu) {
                    wide[y * wu + nx] = true;
                }
            }
        }
    }
    let mut closed = vec![false; ink.len()];
    for y in 0..hu {
        for x in 0..wu {
            if wide[y * wu + x] {
                for ny in y.saturating_sub(r)..(y + r + 1).min(hu) {
                    closed[ny * wu + x] = true;
                }
            }
        }
    }
    let mut seen = vec![false; closed.len()];
    let mut out = Vec::new();
    for start in 0..closed.len() {
        if !closed[start] || seen[start] {
            continue;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(i) = stack.pop() {
            let (x, y) = (i as u32 % w, i as u32 / w);
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x + 1);
            y1 = y1.max(y + 1);
            let mut push = |j: usize| {
                if closed[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < w {
                push(i + 1);
            }
            if y > 0 {
                push(i - w as usize);
            }
            if y + 1 < h {
                push(i + w as usize);
            }
        }
        out.push((
            x0 * F,
            y0 * F,
            (x1 * F).min(img.width()),
            (y1 * F).min(img.height()),
        ));
    }
    out
}
