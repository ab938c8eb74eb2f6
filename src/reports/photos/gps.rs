//! The location an upload carries in its EXIF block, read before the metadata is dropped.

use std::io::Cursor;

/// Reads `(longitude, latitude)` from the upload's EXIF GPS IFD.
/// Any problem (no EXIF, missing or malformed tags, implausible values)
/// yields `None`: location is a convenience, never a reason to refuse.
pub(super) fn read_gps(bytes: &[u8]) -> Option<(f64, f64)> {
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
