//! Unit tests of the photo pipeline (fixtures in `fixtures`).

mod alloc;
mod budget;
mod fixtures;

use super::container::sniff;
use super::gps::read_gps;
use super::pixels::fit;
use super::*;
use crate::error::Refusal;
use crate::i18n::Locale;
use fixtures::*;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, Rgb, RgbImage, Rgba, RgbaImage};
use std::time::{Duration, Instant};

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
    let img = decode_jpeg(&p.jpeg);
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
    assert_eq!(decode_jpeg(&p.jpeg).dimensions(), (2048, 1024));
    let (tw, th) = decode_jpeg(&p.thumb).dimensions();
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
    let out = decode_jpeg(&p.jpeg);
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
    let out = decode_jpeg(&p.jpeg);
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
        memory_budget: 100_000,
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
    assert_eq!(errors[0].words(Locale::ZhCn), "照片不能超过 10 MB");
    assert_eq!(errors[0].words(Locale::En), "Photos must be at most 10 MB");
    assert_eq!(
        PhotoError::TooLarge {
            max_bytes: 1536 * 1024
        }
        .words(Locale::ZhCn),
        "照片不能超过 1.5 MB"
    );
    assert_eq!(
        PhotoError::TooLarge { max_bytes: 100 }.words(Locale::En),
        "Photos must be at most 100 bytes"
    );
    assert!(errors[3].words(Locale::ZhCn).contains("60000×60000"));
    for e in &errors {
        let zh = e.words(Locale::ZhCn);
        let en = e.words(Locale::En);
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
