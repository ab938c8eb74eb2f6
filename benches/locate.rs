//! Point-in-grid routing cost: `Locator::locate` for random points and `Locator::build`, on a
//! regular lattice of compounds (level 3) grouped into communities (level 2) and streets
//! (level 1), at 2,000 and 100,000 compounds.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use geo::{MultiPolygon, Rect};
use mashang::grids::locate::{GridShape, Locator};
use std::hint::black_box;

/// South-west corner of the lattice, near Dongsheng, Ordos.
const ORIGIN: (f64, f64) = (109.7, 39.5);
/// Compound side in degrees (~85 m × 110 m at this latitude).
const CELL: f64 = 0.001;
/// Compounds per community side, communities per street side.
const PER_COMMUNITY: usize = 10;
const PER_STREET: usize = 5;

/// Fixed-seed xorshift64*: reproducible points without a rand dependency.
struct XorShift(u64);

impl XorShift {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        // Top 53 bits → [0, 1).
        (r >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn rect_shape(grid_id: i64, level: i16, x0: usize, y0: usize, x1: usize, y1: usize) -> GridShape {
    let c = |i: usize, o: f64| o + i as f64 * CELL;
    let rect = Rect::new(
        (c(x0, ORIGIN.0), c(y0, ORIGIN.1)),
        (c(x1, ORIGIN.0), c(y1, ORIGIN.1)),
    );
    GridShape {
        grid_id,
        level,
        area: MultiPolygon::new(vec![rect.to_polygon()]),
    }
}

/// `cols × rows` compounds, plus the communities and streets covering them (blocks cut at the
/// lattice's edge). Ids: streets first, then communities, then compounds.
fn lattice(cols: usize, rows: usize) -> Vec<GridShape> {
    let mut shapes = Vec::new();
    let mut id = 0i64;
    let mut blocks = |shapes: &mut Vec<GridShape>, level: i16, side: usize| {
        for by in (0..rows).step_by(side) {
            for bx in (0..cols).step_by(side) {
                id += 1;
                let (x1, y1) = ((bx + side).min(cols), (by + side).min(rows));
                shapes.push(rect_shape(id, level, bx, by, x1, y1));
            }
        }
    };
    blocks(&mut shapes, 1, PER_COMMUNITY * PER_STREET);
    blocks(&mut shapes, 2, PER_COMMUNITY);
    blocks(&mut shapes, 3, 1);
    shapes
}

fn random_points(cols: usize, rows: usize, n: usize) -> Vec<(f64, f64)> {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|_| {
            let lon = ORIGIN.0 + rng.next_f64() * cols as f64 * CELL;
            let lat = ORIGIN.1 + rng.next_f64() * rows as f64 * CELL;
            (lon, lat)
        })
        .collect()
}

/// (label, columns, rows) of compounds.
const SIZES: [(&str, usize, usize); 2] = [("2k", 50, 40), ("100k", 400, 250)];

fn bench_locate(c: &mut Criterion) {
    let mut group = c.benchmark_group("locate");
    for (label, cols, rows) in SIZES {
        let shapes = lattice(cols, rows);
        let compounds = shapes.iter().filter(|s| s.level == 3).count();
        assert_eq!(compounds, cols * rows);
        let locator = Locator::build(shapes);
        let points = random_points(cols, rows, 4096);
        // Every random point is inside the lattice, so every one must route to a compound.
        assert!(points
            .iter()
            .all(|&(x, y)| locator.candidates(x, y).first().map(|c| c.1) == Some(3)));
        let mut i = 0;
        group.bench_function(label, |b| {
            b.iter(|| {
                let (lon, lat) = points[i % points.len()];
                i += 1;
                black_box(locator.locate(black_box(lon), black_box(lat)))
            })
        });
    }
    group.finish();
}

fn bench_build(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    // A 100k build takes tens of milliseconds; ten samples are plenty and keep the run short.
    group.sample_size(10);
    for (label, cols, rows) in SIZES {
        let shapes = lattice(cols, rows);
        group.bench_function(label, |b| {
            // The clone is setup, not measured: build consumes its input.
            b.iter_batched(
                || shapes.clone(),
                |s| black_box(Locator::build(s)),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench_locate, bench_build);
criterion_main!(benches);
