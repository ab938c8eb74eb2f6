//! The memory budget: the estimate against what the pipeline really
//! allocates, the fast refusal of decompression bombs, and the process-wide
//! allowance of [`PhotoIntake`].

use super::super::budget::Plan;
use super::super::*;
use super::alloc::peak_of;
use super::fixtures::*;
use crate::error::Refusal;
use crate::i18n::Locale;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, RgbaImage};
use std::time::{Duration, Instant};

const MB: u64 = 1_000_000;

#[test]
fn grey_alpha_bomb_is_refused_from_its_header_fast_and_small() {
    // Issue 11: 124 KB that decodes to 128 MB of grey+alpha, then (old code)
    // an RGBA and an RGB copy: +444 MB RSS and 13 s of CPU per photo.
    let bomb = png_grey_alpha_blank(8000, 8000);
    assert!(bomb.len() < 200_000, "{} bytes", bomb.len());
    let limits = PhotoLimits::default();
    let start = Instant::now();
    let (result, peak) = peak_of(|| process(&bomb, &limits));
    let took = start.elapsed();
    assert!(took < Duration::from_millis(50), "took {took:?}");
    assert!(peak < 2 * MB, "the refusal allocated {peak} bytes");
    match result {
        Err(
            e @ PhotoError::DimensionsTooLarge {
                width: 8000,
                height: 8000,
                ..
            },
        ) => {
            assert!(
                e.words(Locale::En).contains("8000×8000"),
                "{}",
                e.words(Locale::En)
            );
        }
        other => panic!("expected a refusal, got {:?}", other.map(|p| p.width)),
    }
}

/// Decodes through probe + decode and checks the measured peak against the plan.
fn measured(bytes: &[u8]) -> (Plan, u64) {
    let limits = PhotoLimits::default();
    let plan = probe(bytes, &limits).unwrap();
    let (done, peak) = peak_of(|| decode(bytes, &limits, &plan));
    let done = done.unwrap();
    assert!(done.width.max(done.height) <= limits.max_side);
    (plan, peak)
}

#[test]
fn estimate_covers_every_buffer_the_pipeline_allocates() {
    let rgb = photo_like(4000, 3000);
    let jpeg = jpeg_of(&rgb);
    drop(rgb);
    let rgba = RgbaImage::from_fn(2000, 3000, |x, y| {
        image::Rgba([x as u8, y as u8, (x ^ y) as u8, (x / 8) as u8])
    });
    let png_rgba = png_of(rgba.as_raw(), 2000, 3000, ExtendedColorType::Rgba8);
    let la: Vec<u8> = (0..3000u32 * 2000 * 2).map(|i| (i % 251) as u8).collect();
    let png_la = png_of(&la, 3000, 2000, ExtendedColorType::La8);
    // Smooth 16-bit shading (compresses like a scan, not like noise).
    let rgb16: Vec<u8> = (0..2400u32 * 1600 * 3)
        .flat_map(|i| (((i / 3) % 2400 * 27) as u16).to_be_bytes())
        .collect();
    let png_16 = png_of(&rgb16, 2400, 1600, ExtendedColorType::Rgb16);
    let mut webp = Vec::new();
    WebPEncoder::new_lossless(&mut webp)
        .encode(
            &rgba.as_raw()[..1500 * 1000 * 4],
            1500,
            1000,
            ExtendedColorType::Rgba8,
        )
        .unwrap();
    let small = jpeg_of(&noisy_rgb(1000, 800));
    let cases: [(&str, &[u8]); 6] = [
        ("4000x3000 RGB JPEG", &jpeg),
        ("2000x3000 RGBA PNG", &png_rgba),
        ("3000x2000 grey+alpha PNG", &png_la),
        ("2400x1600 16-bit RGB PNG", &png_16),
        ("1500x1000 RGBA WebP", &webp),
        ("1000x800 RGB JPEG (not resized)", &small),
    ];
    for (name, bytes) in cases {
        let (plan, peak) = measured(bytes);
        eprintln!(
            "{name}: estimated {:.1} MB, measured peak {:.1} MB",
            plan.cost as f64 / 1e6,
            peak as f64 / 1e6
        );
        assert!(
            peak <= plan.cost,
            "{name}: peak {peak} over the estimate {}",
            plan.cost
        );
        // And the estimate is not so loose that it refuses photos for nothing.
        assert!(
            plan.cost <= 2 * peak + 2 * bytes.len() as u64 + 2 * MB,
            "{name}: estimate {} for a peak of {peak}",
            plan.cost
        );
    }
}

#[test]
fn budget_decides_what_is_accepted() {
    // A 24 MP phone photo (8 MB) fits the default budget; a 48 MP one does not.
    let limits = PhotoLimits::default();
    let fits = |w, h| {
        let shape = super::super::budget::Shape {
            width: w,
            height: h,
            decoded: 3 * u64::from(w) * u64::from(h),
            decoded_is_rgb8: true,
            decoder_extra: 0,
            input: 8 * MB,
        };
        super::super::budget::estimate(&shape, &limits) <= limits.memory_budget
    };
    assert!(fits(6000, 4000));
    assert!(fits(4000, 3000));
    assert!(!fits(8000, 6000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_waits_for_its_allowance_and_refuses_without_waiting() {
    let intake = PhotoIntake::new(PhotoLimits::default(), 1);
    assert_eq!(intake.available_mib(), 128);
    let photo = jpeg_of(&noisy_rgb(640, 480));
    // All of the allowance is taken (as by a large photo being decoded).
    let all = intake.permits().acquire_many_owned(128).await.unwrap();
    // A bomb is refused at once all the same: the header check takes nothing.
    let bomb = png_grey_alpha_blank(8000, 8000);
    let start = Instant::now();
    let e = intake.process(bomb).await.unwrap_err();
    assert_eq!(e.code(), "photo_dimensions_too_large");
    assert!(
        start.elapsed() < Duration::from_millis(50),
        "{:?}",
        start.elapsed()
    );
    // An acceptable photo waits for its share...
    let waiting = tokio::time::timeout(Duration::from_millis(300), intake.process(photo.clone()));
    assert!(
        waiting.await.is_err(),
        "decoded without its share of the allowance"
    );
    // ...and goes through once there is room, giving it back afterwards.
    drop(all);
    let done = intake.process(photo).await.unwrap();
    assert_eq!((done.width, done.height), (640, 480));
    assert_eq!(intake.available_mib(), 128);
}
