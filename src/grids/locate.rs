//! Point-in-grid routing: which neighbourhood grid a GPS fix falls in.
//!
//! Grids nest street/town (level 1) → community (level 2) → residential compound (level 3).
//! A snap report made from a phone is routed to the *deepest* grid whose boundary contains
//! the phone's position. Boundaries are stored as GeoJSON (WGS-84) and held here in an
//! in-memory R-tree: the tree holds each boundary's bounding box, and only the few grids
//! whose box contains the point get the exact polygon test.
//!
//! Coordinates are `(lon, lat)` in WGS-84 degrees throughout; the [`datum`] submodule converts
//! from and to GCJ-02, the datum of boundaries traced on Chinese map services.

use geo::{BoundingRect, Coord, Intersects, LineString, MultiPolygon, Polygon};
use rstar::{RTree, RTreeObject, AABB};
use std::ops::ControlFlow;

/// One grid's shape.
#[derive(Debug, Clone)]
pub struct GridShape {
    /// The grid's id (`grids.id`).
    pub grid_id: i64,
    /// Its depth in the tree: 1 street/town, 2 community, 3 residential compound.
    pub level: i16,
    /// Its boundary, in WGS-84 `(lon, lat)` degrees.
    pub area: MultiPolygon<f64>,
}

/// Convert a stored boundary (GeoJSON Polygon or MultiPolygon geometry, as serde_json::Value)
/// to a MultiPolygon; None if it is not one.
///
/// Also None when the geometry is unusable for a point test: no polygon at all, a polygon
/// without an exterior ring, or a position with fewer than two numbers or a non-finite one.
/// (geojson's own conversion to geo-types would panic on a one-number position inside a
/// polygon, so the rings are converted here.)
pub fn shape_from_geojson(value: &serde_json::Value) -> Option<MultiPolygon<f64>> {
    // Cheap rejection before the clone that geojson's deserialiser needs.
    let kind = value.get("type")?.as_str()?;
    if kind != "Polygon" && kind != "MultiPolygon" {
        return None;
    }
    let geometry: geojson::Geometry = serde_json::from_value(value.clone()).ok()?;
    let polygons = match &geometry.value {
        geojson::GeometryValue::Polygon { coordinates } => vec![polygon_from_rings(coordinates)?],
        geojson::GeometryValue::MultiPolygon { coordinates } => coordinates
            .iter()
            .map(|rings| polygon_from_rings(rings))
            .collect::<Option<Vec<_>>>()?,
        _ => return None,
    };
    if polygons.is_empty() {
        return None;
    }
    Some(MultiPolygon::new(polygons))
}

/// One GeoJSON polygon (exterior ring, then holes) as a geo Polygon; None if unusable.
fn polygon_from_rings(rings: &[Vec<geojson::Position>]) -> Option<Polygon<f64>> {
    let (exterior, holes) = rings.split_first()?;
    if exterior.is_empty() {
        return None;
    }
    let holes = holes
        .iter()
        .map(|ring| ring_from_positions(ring))
        .collect::<Option<Vec<_>>>()?;
    // Polygon::new closes any ring left open, so an unclosed ring still tests correctly.
    Some(Polygon::new(ring_from_positions(exterior)?, holes))
}

/// One ring; None if a position is too short or not finite.
fn ring_from_positions(ring: &[geojson::Position]) -> Option<LineString<f64>> {
    ring.iter()
        .map(|p| match p.as_slice() {
            [x, y, ..] if x.is_finite() && y.is_finite() => Some(Coord { x: *x, y: *y }),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .map(LineString::new)
}

/// What the R-tree stores: the shape itself plus its bounding box, so the exact test needs no
/// second lookup.
struct Entry {
    shape: GridShape,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// An in-memory R-tree over grid boundaries (bounding boxes in the tree, exact polygon test
/// after).
///
/// Immutable once built: when boundaries change, build a new one and swap it in.
pub struct Locator {
    tree: RTree<Entry>,
}

/// Routing order: deeper level first, then smaller grid_id. The id tie-break is what makes a
/// point on a boundary shared by two same-level grids go to one fixed grid, independent of
/// the order the tree was built or searched in.
fn routes_before(a: &GridShape, b: &GridShape) -> bool {
    (std::cmp::Reverse(a.level), a.grid_id) < (std::cmp::Reverse(b.level), b.grid_id)
}

impl Locator {
    /// Bulk-load the tree (RTree::bulk_load, which packs it better than one-by-one inserts).
    ///
    /// Shapes with no bounding box (no coordinates at all) can contain no point and are
    /// dropped; [`Locator::len`] counts only the shapes kept.
    pub fn build(shapes: Vec<GridShape>) -> Locator {
        let entries = shapes
            .into_iter()
            .filter_map(|shape| {
                let rect = shape.area.bounding_rect()?;
                let envelope = AABB::from_corners(rect.min().into(), rect.max().into());
                Some(Entry { shape, envelope })
            })
            .collect();
        Locator {
            tree: RTree::bulk_load(entries),
        }
    }

    /// How many grids the locator holds.
    pub fn len(&self) -> usize {
        self.tree.size()
    }

    /// Whether the locator holds no grid.
    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// Visit every grid whose area contains or touches the point.
    ///
    /// Intersects rather than Contains: Contains excludes the boundary, so a point exactly on
    /// a grid's edge (or on an edge shared by two grids) would otherwise belong to no grid.
    fn for_each_hit<'a>(&'a self, lon: f64, lat: f64, mut visit: impl FnMut(&'a GridShape)) {
        // NaN would fail every comparison anyway; the explicit check documents the intent.
        if !lon.is_finite() || !lat.is_finite() {
            return;
        }
        let point = Coord { x: lon, y: lat };
        // A degenerate box: AABB intersection is inclusive, so boxes touching the point count.
        let probe = AABB::from_point([lon, lat]);
        let _: ControlFlow<()> = self
            .tree
            .locate_in_envelope_intersecting_int(&probe, |entry| {
                if entry.shape.area.intersects(&point) {
                    visit(&entry.shape);
                }
                ControlFlow::Continue(())
            });
    }

    /// The deepest grid (highest level number) whose area contains or touches the point
    /// (lon, lat).
    ///
    /// Points exactly on a boundary shared by two grids of the same level go to exactly one of
    /// them by a fixed rule: the one with the smallest grid_id. None if no grid contains the
    /// point (or the point is not finite).
    pub fn locate(&self, lon: f64, lat: f64) -> Option<i64> {
        // No allocation on the hot path: keep the best hit so far.
        let mut best: Option<&GridShape> = None;
        self.for_each_hit(lon, lat, |shape| {
            if best.is_none_or(|b| routes_before(shape, b)) {
                best = Some(shape);
            }
        });
        best.map(|s| s.grid_id)
    }

    /// Every grid containing or touching the point as `(grid_id, level)`, deepest first and
    /// smallest grid_id first within a level (for recording the routing decision). The first
    /// element, if any, is what [`Locator::locate`] returns.
    pub fn candidates(&self, lon: f64, lat: f64) -> Vec<(i64, i16)> {
        let mut hits = Vec::new();
        self.for_each_hit(lon, lat, |shape| hits.push((shape.grid_id, shape.level)));
        hits.sort_unstable_by_key(|&(id, level)| (std::cmp::Reverse(level), id));
        hits
    }
}

/// Datum conversion between WGS-84 (GPS) and GCJ-02 (Amap/Gaode, Tencent maps).
///
/// The service stores WGS-84; boundaries traced on a Chinese map service arrive in GCJ-02 and
/// are converted here at the edge. The two differ by several hundred metres in Ordos.
pub mod datum {
    use std::f64::consts::PI;

    /// Semi-major axis of the Krasovsky 1940 ellipsoid, which the GCJ-02 transform uses.
    const A: f64 = 6_378_245.0;
    /// Its first eccentricity squared.
    const EE: f64 = 0.006_693_421_622_965_943;
    /// Stop iterating the inverse once the forward image is this close (degrees, ~1 cm).
    const INVERSE_TOLERANCE: f64 = 1e-7;
    /// The inverse converges in a handful of steps; the cap only guards against a
    /// non-converging input near the edge of the China box, where the forward map jumps.
    const INVERSE_MAX_STEPS: usize = 30;

    /// Whether a point is outside mainland China (where GCJ-02 is the identity).
    ///
    /// The rectangle the published implementations use (72.004–137.8347°E,
    /// 0.8293–55.8271°N), not the real border: it must match the services' own test, or
    /// points near the rectangle's edge would convert differently from the map.
    pub fn out_of_china(lon: f64, lat: f64) -> bool {
        !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
    }

    fn transform_lat(x: f64, y: f64) -> f64 {
        let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
        ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
        ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
        ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
        ret
    }

    fn transform_lon(x: f64, y: f64) -> f64 {
        let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
        ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
        ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
        ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
        ret
    }

    /// WGS-84 → GCJ-02 (the standard published transform).
    pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
        if out_of_china(lon, lat) {
            return (lon, lat);
        }
        let dlat = transform_lat(lon - 105.0, lat - 35.0);
        let dlon = transform_lon(lon - 105.0, lat - 35.0);
        let rad_lat = lat / 180.0 * PI;
        let magic = 1.0 - EE * rad_lat.sin() * rad_lat.sin();
        let sqrt_magic = magic.sqrt();
        let dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
        let dlon = (dlon * 180.0) / (A / sqrt_magic * rad_lat.cos() * PI);
        (lon + dlon, lat + dlat)
    }

    /// GCJ-02 → WGS-84, by iterating the forward transform until the error is below 1e-7
    /// degrees (not the one-step approximation, which is off by metres).
    ///
    /// The offset varies slowly, so the fixed-point iteration `w ← w − (f(w) − g)` converges
    /// fast (three or four steps in practice).
    pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
        if out_of_china(lon, lat) {
            return (lon, lat);
        }
        let (mut w_lon, mut w_lat) = (lon, lat);
        for _ in 0..INVERSE_MAX_STEPS {
            let (g_lon, g_lat) = wgs84_to_gcj02(w_lon, w_lat);
            let (e_lon, e_lat) = (g_lon - lon, g_lat - lat);
            if e_lon.abs() < INVERSE_TOLERANCE && e_lat.abs() < INVERSE_TOLERANCE {
                break;
            }
            w_lon -= e_lon;
            w_lat -= e_lat;
        }
        (w_lon, w_lat)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn close(a: (f64, f64), b: (f64, f64), tol: f64) -> bool {
            (a.0 - b.0).abs() < tol && (a.1 - b.1).abs() < tol
        }

        #[test]
        fn tiananmen_known_value() {
            let g = wgs84_to_gcj02(116.397, 39.908);
            assert!(close(g, (116.40324, 39.90940), 1e-4), "{g:?}");
        }

        #[test]
        fn offset_in_ordos_is_hundreds_of_metres() {
            // Guards against a transform that silently became the identity.
            let (lon, lat) = (109.99, 39.82);
            let g = wgs84_to_gcj02(lon, lat);
            let metres =
                ((g.0 - lon) * 111_320.0 * lat.to_radians().cos()).hypot((g.1 - lat) * 110_540.0);
            assert!((100.0..1000.0).contains(&metres), "{metres} m");
        }

        #[test]
        fn round_trip_in_inner_mongolia() {
            for p in [
                (109.99, 40.40),
                (109.78, 39.61),
                (109.99, 39.82),
                (111.67, 40.82),
                (106.82, 39.67),
            ] {
                let g = wgs84_to_gcj02(p.0, p.1);
                assert!(!close(g, p, 1e-4), "no offset at {p:?}");
                let back = gcj02_to_wgs84(g.0, g.1);
                assert!(close(back, p, 1e-6), "{p:?} → {g:?} → {back:?}");
            }
        }

        #[test]
        fn iterated_inverse_beats_one_step() {
            // The one-step inverse (g − (f(g) − g)) is what the iteration improves on.
            let p = (109.99, 40.40);
            let g = wgs84_to_gcj02(p.0, p.1);
            let f = wgs84_to_gcj02(g.0, g.1);
            let one_step = (2.0 * g.0 - f.0, 2.0 * g.1 - f.1);
            let iterated = gcj02_to_wgs84(g.0, g.1);
            let err = |q: (f64, f64)| (q.0 - p.0).abs().max((q.1 - p.1).abs());
            assert!(err(iterated) < 1e-7, "{}", err(iterated));
            assert!(err(iterated) < err(one_step));
        }

        #[test]
        fn identity_outside_china() {
            assert!(out_of_china(2.35, 48.85));
            assert!(!out_of_china(109.99, 40.40));
            assert_eq!(wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85));
            assert_eq!(gcj02_to_wgs84(2.35, 48.85), (2.35, 48.85));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Rect};
    use serde_json::json;

    fn square(grid_id: i64, level: i16, x0: f64, y0: f64, x1: f64, y1: f64) -> GridShape {
        GridShape {
            grid_id,
            level,
            area: MultiPolygon::new(vec![Rect::new((x0, y0), (x1, y1)).to_polygon()]),
        }
    }

    /// Street 1 = [0,8]×[0,4]. Communities 10 = [0,4]×[0,4] and 20 = [4,8]×[0,4] (sharing
    /// x = 4). Compounds 101 = [0,2]×[0,2] and 102 = [2,4]×[0,2] in community 10, sharing
    /// x = 2; compounds 201 = [4,6]×[0,2] and 202 = [6,8]×[0,2] in community 20, sharing x = 6.
    /// The upper halves of the communities hold no compound.
    fn nested() -> Vec<GridShape> {
        vec![
            square(1, 1, 0.0, 0.0, 8.0, 4.0),
            square(10, 2, 0.0, 0.0, 4.0, 4.0),
            square(20, 2, 4.0, 0.0, 8.0, 4.0),
            square(101, 3, 0.0, 0.0, 2.0, 2.0),
            square(102, 3, 2.0, 0.0, 4.0, 2.0),
            square(201, 3, 4.0, 0.0, 6.0, 2.0),
            square(202, 3, 6.0, 0.0, 8.0, 2.0),
        ]
    }

    #[test]
    fn nested_squares_route_to_deepest() {
        let loc = Locator::build(nested());
        assert_eq!(loc.len(), 7);
        assert!(!loc.is_empty());
        assert_eq!(loc.locate(1.0, 1.0), Some(101));
        assert_eq!(loc.locate(3.0, 0.5), Some(102));
        assert_eq!(loc.locate(5.0, 1.0), Some(201));
        assert_eq!(loc.locate(7.5, 1.5), Some(202));
        // In a community but in no compound.
        assert_eq!(loc.locate(1.0, 3.0), Some(10));
        assert_eq!(loc.locate(7.0, 3.0), Some(20));
        // Outside everything, including inside the bounding box of nothing.
        assert_eq!(loc.locate(9.0, 1.0), None);
        assert_eq!(loc.locate(-0.1, 1.0), None);
        assert_eq!(loc.locate(f64::NAN, 1.0), None);
        assert_eq!(loc.candidates(1.0, 1.0), vec![(101, 3), (10, 2), (1, 1)]);
        assert_eq!(loc.candidates(1.0, 3.0), vec![(10, 2), (1, 1)]);
        assert!(loc.candidates(9.0, 1.0).is_empty());
    }

    #[test]
    fn shared_edge_goes_to_smallest_id_in_any_build_order() {
        let mut shapes = nested();
        for round in 0..shapes.len() {
            // Every rotation of the input order, plus the reversal of each.
            shapes.rotate_left(1);
            for order in [shapes.clone(), shapes.iter().rev().cloned().collect()] {
                let loc = Locator::build(order);
                assert_eq!(loc.locate(2.0, 1.0), Some(101), "round {round}");
                assert_eq!(loc.locate(6.0, 1.0), Some(201), "round {round}");
                // Shared by communities 10 and 20 above the compounds.
                assert_eq!(loc.locate(4.0, 3.0), Some(10), "round {round}");
            }
        }
        // And the rule is by id, not by position: swap the ids of the two compounds.
        let mut swapped = nested();
        swapped[3].grid_id = 102;
        swapped[4].grid_id = 101;
        assert_eq!(Locator::build(swapped).locate(2.0, 1.0), Some(101));
        let loc = Locator::build(nested());
        assert_eq!(
            loc.candidates(2.0, 1.0),
            vec![(101, 3), (102, 3), (10, 2), (1, 1)]
        );
    }

    #[test]
    fn shared_vertex_of_four_goes_to_smallest_id() {
        // Four unit squares meeting at (1, 1); the smallest id is deliberately not the
        // first built nor the lower-left one.
        let shapes = vec![
            square(40, 3, 0.0, 0.0, 1.0, 1.0),
            square(30, 3, 1.0, 0.0, 2.0, 1.0),
            square(7, 3, 1.0, 1.0, 2.0, 2.0),
            square(55, 3, 0.0, 1.0, 1.0, 2.0),
        ];
        let loc = Locator::build(shapes.clone());
        assert_eq!(loc.locate(1.0, 1.0), Some(7));
        assert_eq!(loc.candidates(1.0, 1.0).len(), 4);
        let loc = Locator::build(shapes.into_iter().rev().collect());
        assert_eq!(loc.locate(1.0, 1.0), Some(7));
    }

    #[test]
    fn outer_edge_touches() {
        let loc = Locator::build(nested());
        // Bottom edge of compound 101 (and of its community and street).
        assert_eq!(loc.locate(1.0, 0.0), Some(101));
        // Outer corner of the street.
        assert_eq!(loc.locate(8.0, 4.0), Some(20));
        // Left edge of the lone street.
        let loc = Locator::build(vec![square(1, 1, 0.0, 0.0, 8.0, 4.0)]);
        assert_eq!(loc.locate(0.0, 2.0), Some(1));
        assert_eq!(loc.locate(-1e-9, 2.0), None);
    }

    #[test]
    fn multipolygon_parts_and_holes() {
        let two_parts = MultiPolygon::new(vec![
            Rect::new((0.0, 0.0), (1.0, 1.0)).to_polygon(),
            Rect::new((5.0, 5.0), (6.0, 6.0)).to_polygon(),
        ]);
        let ring = polygon!(
            exterior: [(x: 10.0, y: 0.0), (x: 14.0, y: 0.0), (x: 14.0, y: 4.0), (x: 10.0, y: 4.0)],
            interiors: [[(x: 11.0, y: 1.0), (x: 13.0, y: 1.0), (x: 13.0, y: 3.0), (x: 11.0, y: 3.0)]],
        );
        let loc = Locator::build(vec![
            GridShape {
                grid_id: 1,
                level: 3,
                area: two_parts,
            },
            GridShape {
                grid_id: 2,
                level: 3,
                area: MultiPolygon::new(vec![ring]),
            },
            // A community under the hole, so the hole's point has somewhere to go.
            square(3, 2, 11.0, 1.0, 13.0, 3.0),
        ]);
        assert_eq!(loc.locate(0.5, 0.5), Some(1));
        assert_eq!(loc.locate(5.5, 5.5), Some(1));
        // Between the parts: inside the bounding box, outside both parts.
        assert_eq!(loc.locate(3.0, 3.0), None);
        assert_eq!(loc.locate(10.5, 2.0), Some(2));
        // In the hole: not the ring, even though it is deeper.
        assert_eq!(loc.locate(12.0, 2.0), Some(3));
        assert_eq!(loc.candidates(12.0, 2.0), vec![(3, 2)]);
        // The hole's edge is the ring's boundary, so it touches.
        assert_eq!(loc.locate(11.0, 2.0), Some(2));
    }

    #[test]
    fn empty_locator_and_empty_shape() {
        let loc = Locator::build(Vec::new());
        assert!(loc.is_empty());
        assert_eq!(loc.locate(0.0, 0.0), None);
        let loc = Locator::build(vec![GridShape {
            grid_id: 1,
            level: 1,
            area: MultiPolygon::new(vec![]),
        }]);
        assert!(loc.is_empty());
        assert_eq!(loc.len(), 0);
    }

    #[test]
    fn geojson_polygon() {
        let v = json!({
            "type": "Polygon",
            "coordinates": [
                [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]],
                [[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0], [1.0, 1.0]]
            ]
        });
        let mp = shape_from_geojson(&v).expect("a polygon");
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert_eq!(mp.0[0].exterior().0[2], Coord { x: 4.0, y: 4.0 });
        assert!(mp.intersects(&Coord { x: 3.0, y: 3.0 }));
        assert!(!mp.intersects(&Coord { x: 1.5, y: 1.5 }));
    }

    #[test]
    fn geojson_multipolygon() {
        let v = json!({
            "type": "MultiPolygon",
            "coordinates": [
                [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]],
                [[[5.0, 5.0], [6.0, 5.0], [6.0, 6.0], [5.0, 6.0], [5.0, 5.0]]]
            ]
        });
        let mp = shape_from_geojson(&v).expect("a multipolygon");
        assert_eq!(mp.0.len(), 2);
        assert!(mp.intersects(&Coord { x: 5.5, y: 5.5 }));
        // Altitude is allowed and ignored.
        let v = json!({"type": "Polygon", "coordinates": [[[0, 0, 1000], [1, 0, 1000], [1, 1, 1000], [0, 0, 1000]]]});
        assert!(shape_from_geojson(&v).is_some());
    }

    #[test]
    fn geojson_not_a_polygon() {
        for v in [
            json!({"type": "Point", "coordinates": [1.0, 2.0]}),
            json!({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}),
            json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "properties": {}}),
            json!({"type": "Polygon"}),
            json!({"type": "Polygon", "coordinates": "nope"}),
            json!({"type": "Polygon", "coordinates": []}),
            json!({"type": "Polygon", "coordinates": [[]]}),
            json!({"type": "Polygon", "coordinates": [[[0], [1], [2], [0]]]}),
            json!({"type": "MultiPolygon", "coordinates": []}),
            json!({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], []]}),
            json!("garbage"),
            json!(42),
            json!(null),
            json!({}),
        ] {
            assert!(shape_from_geojson(&v).is_none(), "{v}");
        }
    }
}
