//! Grid boundaries: GeoJSON Polygon or MultiPolygon in WGS-84, validated before storing.

use geo::{Geometry, Validation};

/// Why a boundary was refused; the message names the problem for the person who drew it.
#[derive(Debug, PartialEq, Eq)]
pub struct BoundaryError(pub String);

/// Parse and validate a boundary. Accepts a bare geometry, a Feature, or a FeatureCollection
/// with exactly one feature (what map tools export). Returns the bare geometry as JSON.
pub fn validate(text: &str) -> Result<serde_json::Value, BoundaryError> {
    let gj: geojson::GeoJson = text
        .parse()
        .map_err(|e| BoundaryError(format!("not GeoJSON: {e}")))?;
    let geometry = match gj {
        geojson::GeoJson::Geometry(g) => g,
        geojson::GeoJson::Feature(f) => f
            .geometry
            .ok_or_else(|| BoundaryError("the feature has no geometry".into()))?,
        geojson::GeoJson::FeatureCollection(fc) => {
            if fc.features.len() != 1 {
                return Err(BoundaryError(format!(
                    "a feature collection must hold exactly one feature, it holds {}",
                    fc.features.len()
                )));
            }
            fc.features
                .into_iter()
                .next()
                .and_then(|f| f.geometry)
                .ok_or_else(|| BoundaryError("the feature has no geometry".into()))?
        }
    };
    match &geometry.value {
        geojson::GeometryValue::Polygon { .. } | geojson::GeometryValue::MultiPolygon { .. } => {}
        other => {
            return Err(BoundaryError(format!(
                "a boundary must be a Polygon or MultiPolygon, not a {}",
                other.type_name()
            )))
        }
    }
    check_rings(&geometry.value)?;
    let geo: Geometry<f64> = geometry
        .clone()
        .try_into()
        .map_err(|e| BoundaryError(format!("unusable geometry: {e}")))?;
    check_coordinates(&geo)?;
    if let Err(problem) = geo.check_validation() {
        return Err(BoundaryError(format!("invalid polygon: {problem}")));
    }
    serde_json::to_value(&geometry).map_err(|e| BoundaryError(e.to_string()))
}

/// GeoJSON (RFC 7946 §3.1.6) requires every ring closed and of at least four positions; geo
/// would close an open ring silently, hiding a truncated export.
fn check_rings(value: &geojson::GeometryValue) -> Result<(), BoundaryError> {
    let polygons: Vec<&geojson::PolygonType> = match value {
        geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
        geojson::GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        _ => vec![],
    };
    for rings in polygons {
        if rings.is_empty() {
            return Err(BoundaryError("a polygon needs an outer ring".into()));
        }
        for ring in rings {
            if ring.len() < 4 {
                return Err(BoundaryError(format!(
                    "a ring needs at least 4 positions, this one has {}",
                    ring.len()
                )));
            }
            if ring.first() != ring.last() {
                return Err(BoundaryError(
                    "a ring must end where it starts (closed ring)".into(),
                ));
            }
        }
    }
    Ok(())
}

/// Coordinates must be WGS-84 longitude/latitude (a swapped pair or projected metres is the
/// usual mistake).
fn check_coordinates(g: &Geometry<f64>) -> Result<(), BoundaryError> {
    use geo::CoordsIter;
    for c in g.coords_iter() {
        if !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y) {
            return Err(BoundaryError(format!(
                "coordinate ({}, {}) is not longitude, latitude in degrees",
                c.x, c.y
            )));
        }
    }
    Ok(())
}

/// The datum a boundary was drawn in. Chinese map services (Amap, Tencent, Baidu's
/// GCJ-02 layer) shift coordinates by several hundred metres from the WGS-84 that phones'
/// GPS uses; boundaries are stored in WGS-84, so GCJ-02 input is converted on the way in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datum {
    Wgs84,
    Gcj02,
}

impl Datum {
    /// Parse "wgs84" / "gcj02" (empty = WGS-84).
    pub fn parse(s: &str) -> Option<Datum> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "wgs84" | "wgs-84" => Some(Datum::Wgs84),
            "gcj02" | "gcj-02" => Some(Datum::Gcj02),
            _ => None,
        }
    }
}

/// Convert every position of a validated Polygon/MultiPolygon value to WGS-84.
pub fn to_wgs84(value: &mut serde_json::Value, datum: Datum) {
    fn walk(v: &mut serde_json::Value) {
        if let Some(arr) = v.as_array_mut() {
            if arr.len() >= 2 && arr.iter().all(|x| x.is_number()) {
                let (lon, lat) = (
                    arr[0].as_f64().unwrap_or_default(),
                    arr[1].as_f64().unwrap_or_default(),
                );
                let (x, y) = crate::grids::locate::datum::gcj02_to_wgs84(lon, lat);
                // 1e-7 degrees is about a centimetre: more digits are noise.
                arr[0] = ((x * 1e7).round() / 1e7).into();
                arr[1] = ((y * 1e7).round() / 1e7).into();
            } else {
                arr.iter_mut().for_each(walk);
            }
        }
    }
    if datum == Datum::Gcj02 {
        if let Some(c) = value.get_mut("coordinates") {
            walk(c);
        }
    }
}

/// Build a GeoJSON Polygon value from one closed ring of (longitude, latitude).
pub fn polygon_json(ring: &[(f64, f64)]) -> serde_json::Value {
    let coords: Vec<Vec<f64>> = ring.iter().map(|(x, y)| vec![*x, *y]).collect();
    serde_json::json!({ "type": "Polygon", "coordinates": [coords] })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[109.98,40.39],[109.99,40.39],[109.99,40.40],[109.98,40.40],[109.98,40.39]]]}"#;

    #[test]
    fn accepts_polygon_feature_and_collection() {
        assert!(validate(SQUARE).is_ok());
        let feature = format!(r#"{{"type":"Feature","properties":{{}},"geometry":{SQUARE}}}"#);
        assert!(validate(&feature).is_ok());
        let fc = format!(r#"{{"type":"FeatureCollection","features":[{feature}]}}"#);
        assert_eq!(validate(&fc).unwrap(), validate(SQUARE).unwrap());
    }

    #[test]
    fn refuses_with_a_reason() {
        let e = validate("{nope").unwrap_err();
        assert!(e.0.starts_with("not GeoJSON"), "{e:?}");
        let e = validate(r#"{"type":"Point","coordinates":[109.9,40.4]}"#).unwrap_err();
        assert!(e.0.contains("Point"), "{e:?}");
        // bow-tie: self-intersecting
        let e = validate(r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"#)
            .unwrap_err();
        assert!(e.0.starts_with("invalid polygon"), "{e:?}");
        // latitude/longitude swapped into projected metres
        let e = validate(r#"{"type":"Polygon","coordinates":[[[500000,4470000],[500100,4470000],[500100,4470100],[500000,4470000]]]}"#).unwrap_err();
        assert!(e.0.contains("not longitude"), "{e:?}");
        // ring not closed
        assert!(
            validate(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#).is_err()
        );
    }

    #[test]
    fn gcj02_input_is_shifted_back_to_wgs84() {
        let mut v = validate(SQUARE).unwrap();
        let before = v.clone();
        to_wgs84(&mut v, Datum::Wgs84);
        assert_eq!(v, before);
        to_wgs84(&mut v, Datum::Gcj02);
        let (x, y) = (
            v["coordinates"][0][0][0].as_f64().unwrap(),
            v["coordinates"][0][0][1].as_f64().unwrap(),
        );
        // In Ordos GCJ-02 lies a few hundred metres north-east of WGS-84.
        assert!(x < 109.98 && y < 40.39, "{x} {y}");
        let (bx, by) = crate::grids::locate::datum::wgs84_to_gcj02(x, y);
        assert!((bx - 109.98).abs() < 1e-6 && (by - 40.39).abs() < 1e-6);
        assert_eq!(Datum::parse("GCJ-02"), Some(Datum::Gcj02));
        assert_eq!(Datum::parse("bd09"), None);
    }

    #[test]
    fn polygon_json_round_trips() {
        let ring = [
            (109.98, 40.39),
            (109.99, 40.39),
            (109.99, 40.40),
            (109.98, 40.39),
        ];
        let v = polygon_json(&ring);
        assert!(validate(&v.to_string()).is_ok());
    }
}
