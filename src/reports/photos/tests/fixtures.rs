//! Fixtures for the photo tests: encoded images, EXIF blocks, hand-patched headers.

use super::super::*;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage, RgbaImage};

pub fn jpeg_of(img: &RgbImage) -> Vec<u8> {
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

pub fn png_rgba(img: &RgbaImage) -> Vec<u8> {
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

pub fn png_rgb(img: &RgbImage) -> Vec<u8> {
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
pub fn wide_marked() -> RgbImage {
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

pub type Dms = [(u32, u32); 3];

/// Big-endian TIFF with IFD0 {Orientation, GPSInfo pointer} and a GPS IFD
/// {LatRef, Lat, LonRef, Lon}.
pub fn tiff_exif(orientation: u16, lat_ref: u8, lat: Dms, lon_ref: u8, lon: Dms) -> Vec<u8> {
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
pub fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
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
pub const LAT: Dms = [(40, 1), (24, 1), (0, 1)];
pub const LON: Dms = [(109, 1), (59, 1), (2400, 100)];

pub fn exif_jpeg() -> Vec<u8> {
    with_exif(
        &jpeg_of(&wide_marked()),
        &tiff_exif(6, b'N', LAT, b'E', LON),
    )
}

pub fn crc32(data: &[u8]) -> u32 {
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
pub fn png_declaring(w: u32, h: u32) -> Vec<u8> {
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
pub fn header_markers(jpeg: &[u8]) -> Vec<u8> {
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

pub fn decode_jpeg(jpeg: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg)
        .unwrap()
        .into_rgb8()
}

pub fn near(p: &Rgb<u8>, want: [u8; 3]) -> bool {
    p.0.iter().zip(want).all(|(&a, b)| a.abs_diff(b) <= 40)
}

/// The error of a call that must fail, without dumping a whole photo's
/// bytes into the test output when it unexpectedly succeeds.
pub fn err(r: Result<ProcessedPhoto, PhotoError>) -> PhotoError {
    match r {
        Ok(p) => panic!("expected an error, got a {}x{} photo", p.width, p.height),
        Err(e) => e,
    }
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A real, fully decodable `w`×`h` 8-bit grey+alpha PNG of transparent
/// black, written row by row (no `w`×`h` buffer): 8000×8000 compresses to
/// about 124 KB and decodes to 128 MB, the decompression bomb of issue 11.
pub fn png_grey_alpha_blank(w: u32, h: u32) -> Vec<u8> {
    use std::io::Write;
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    // bit depth 8, colour type 4 (grey + alpha), deflate, no filter, no interlace
    ihdr.extend_from_slice(&[8, 4, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; 1 + 2 * w as usize];
    for _ in 0..h {
        z.write_all(&row).unwrap();
    }
    png_chunk(&mut out, b"IDAT", &z.finish().unwrap());
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// Noise that compresses poorly, so decoders and resizers have real work.
pub fn noisy_rgb(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            (x.wrapping_mul(7) ^ y) as u8,
            (y.wrapping_mul(13) ^ x) as u8,
            ((x ^ y).wrapping_mul(31)) as u8,
        ])
    })
}

pub fn png_of(raw: &[u8], w: u32, h: u32, color: ExtendedColorType) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(raw, w, h, color)
        .unwrap();
    out
}

/// Smooth shading with some texture, compressing like a phone photo (a few
/// MB of JPEG for 12 MP) rather than like noise.
pub fn photo_like(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let t = ((x * 13 + y * 7) % 17) as u8;
        Rgb([
            (x * 255 / w) as u8 / 2 + t,
            (y * 255 / h) as u8 / 2 + t,
            ((x + y) % 256) as u8 / 2,
        ])
    })
}
