//! Routing a report to its responsible grid: the scanned code's grid; else the deepest grid
//! whose boundary holds the point; else the fallback queue. Every decision carries its reason.

use crate::db::schema::grids;
use crate::error::AppResult;
use crate::grids::locate::{shape_from_geojson, GridShape, Locator};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use std::sync::{Arc, RwLock};

/// Why a report went where it went (recorded on the case).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum RouteReason {
    /// The scanned door or shop code's compound.
    Code { code_id: i64 },
    /// The deepest grid whose boundary holds the point; `candidates` are all that did.
    Point {
        lon: f64,
        lat: f64,
        candidates: Vec<(i64, i16)>,
    },
    /// No code and no usable point: the configured queue.
    Fallback,
    /// Staff moved it.
    Manual { staff_id: i64 },
    /// Staff filed it (an inspection find) for a compound of theirs.
    Filer { staff_id: i64 },
}

/// A routing decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    pub grid_id: i64,
    pub reason: RouteReason,
}

/// Where the district's boundaries are, as an R-tree, rebuilt when they change.
///
/// The version is (latest `updated_at`, number of grids with a boundary): one cheap query per
/// GPS-routed report tells whether this instance's tree is stale, whichever instance changed
/// a boundary, so no cross-instance signal is needed.
pub struct GridLocator {
    inner: RwLock<(Option<BoundaryVersion>, Arc<Locator>)>,
}

/// (latest boundary change, number of grids with a boundary).
type BoundaryVersion = (Option<DateTime<Utc>>, i64);

impl Default for GridLocator {
    fn default() -> Self {
        GridLocator {
            inner: RwLock::new((None, Arc::new(Locator::build(vec![])))),
        }
    }
}

impl GridLocator {
    /// The current tree, rebuilt first if the boundaries changed.
    pub async fn current(&self, conn: &mut AsyncPgConnection) -> AppResult<Arc<Locator>> {
        let version: BoundaryVersion = grids::table
            .filter(grids::boundary.is_not_null())
            .select((
                diesel::dsl::max(grids::updated_at),
                diesel::dsl::count_star(),
            ))
            .first(conn)
            .await?;
        {
            let guard = self.inner.read().expect("locator lock");
            if guard.0 == Some(version) {
                return Ok(guard.1.clone());
            }
        }
        let rows: Vec<(i64, i16, Option<serde_json::Value>)> = grids::table
            .filter(grids::boundary.is_not_null())
            .select((grids::id, grids::level, grids::boundary))
            .load(conn)
            .await?;
        let shapes = rows
            .into_iter()
            .filter_map(|(grid_id, level, b)| {
                b.as_ref()
                    .and_then(shape_from_geojson)
                    .map(|area| GridShape {
                        grid_id,
                        level,
                        area,
                    })
            })
            .collect();
        let locator = Arc::new(Locator::build(shapes));
        *self.inner.write().expect("locator lock") = (Some(version), locator.clone());
        Ok(locator)
    }
}

/// Decide the grid (pure, given a locator): code first, then point, then fallback.
pub fn decide(
    code_grid: Option<(i64, i64)>,
    point: Option<(f64, f64)>,
    locator: &Locator,
    fallback: i64,
) -> Route {
    if let Some((code_id, grid_id)) = code_grid {
        return Route {
            grid_id,
            reason: RouteReason::Code { code_id },
        };
    }
    if let Some((lon, lat)) = point {
        let candidates = locator.candidates(lon, lat);
        // Slice method explicitly: diesel's prelude also has a `first`.
        if let Some(&(grid_id, _)) = <[_]>::first(&candidates) {
            return Route {
                grid_id,
                reason: RouteReason::Point {
                    lon,
                    lat,
                    candidates,
                },
            };
        }
    }
    Route {
        grid_id: fallback,
        reason: RouteReason::Fallback,
    }
}

/// Whether the point lies in the district at all (inside some level-1 grid).
pub fn in_district(locator: &Locator, lon: f64, lat: f64) -> bool {
    locator
        .candidates(lon, lat)
        .iter()
        .any(|&(_, level)| level == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon};

    fn square(id: i64, level: i16, x0: f64, y0: f64, size: f64) -> GridShape {
        GridShape {
            grid_id: id,
            level,
            area: MultiPolygon(vec![
                polygon![(x: x0, y: y0), (x: x0 + size, y: y0), (x: x0 + size, y: y0 + size), (x: x0, y: y0 + size), (x: x0, y: y0)],
            ]),
        }
    }

    #[test]
    fn code_beats_point_beats_fallback() {
        let loc = Locator::build(vec![
            square(1, 1, 0.0, 0.0, 10.0),
            square(2, 2, 0.0, 0.0, 5.0),
            square(3, 3, 0.0, 0.0, 2.0),
        ]);
        assert_eq!(decide(Some((77, 9)), Some((1.0, 1.0)), &loc, 99).grid_id, 9);
        let r = decide(None, Some((1.0, 1.0)), &loc, 99);
        assert_eq!(r.grid_id, 3);
        assert!(
            matches!(r.reason, RouteReason::Point { ref candidates, .. } if candidates.len() == 3)
        );
        // In the community but no compound: the community's queue.
        assert_eq!(decide(None, Some((4.0, 4.0)), &loc, 99).grid_id, 2);
        assert_eq!(
            decide(None, Some((50.0, 50.0)), &loc, 99),
            Route {
                grid_id: 99,
                reason: RouteReason::Fallback
            }
        );
        assert_eq!(decide(None, None, &loc, 99).grid_id, 99);
        assert!(in_district(&loc, 9.0, 9.0));
        assert!(!in_district(&loc, 11.0, 9.0));
    }
}
