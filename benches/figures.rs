//! Cost of the pure figures fold on a district-sized month: 100,000 cases in 1,675 compounds
//! (the example district's count), 5–7 events each, folded into the total, the per-grid
//! breakdown, the weekly trend and the assessment of 1,675 workers. The SQL that loads the
//! cases is not included (see `figures::load`).

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use mashang::figures::fold::{self, CaseInput, Event, EventKind};
use mashang::figures::{Dimension, Period};
use mashang::reports::ledger::Rating;
use std::hint::black_box;

const CASES: usize = 100_000;
const COMPOUNDS: usize = 1_675;

/// Fixed-seed xorshift64*: reproducible data without a rand dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

fn month_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 30, 16, 0, 0).unwrap()
}

fn cases() -> Vec<CaseInput> {
    let mut r = XorShift(0x9E37_79B9_7F4A_7C15);
    let start = month_start();
    (0..CASES)
        .map(|i| {
            let compound = r.next(COMPOUNDS as u64) as i64;
            let (street, community) = (1 + compound / 112, 100 + compound / 11);
            let submitted = start + Duration::minutes(r.next(31 * 24 * 60) as i64);
            let at = |h: i64| submitted + Duration::minutes(h * 60 + 7);
            let mut events = vec![
                Event {
                    at: at(0),
                    staff_id: None,
                    kind: EventKind::Other,
                },
                Event {
                    at: at(r.next(3) as i64),
                    staff_id: Some(10_000 + compound),
                    kind: EventKind::Accept,
                },
                Event {
                    at: at(1 + r.next(30) as i64),
                    staff_id: Some(10_000 + compound),
                    kind: EventKind::Resolve,
                },
            ];
            let rating = match r.next(10) {
                0 => Rating::Dissatisfied,
                1 | 2 => Rating::BasicallySatisfied,
                _ => Rating::Satisfied,
            };
            events.push(Event {
                at: at(40),
                staff_id: None,
                kind: EventKind::Rate(rating),
            });
            if rating == Rating::Dissatisfied {
                events.push(Event {
                    at: at(60),
                    staff_id: Some(10_000 + compound),
                    kind: EventKind::Resolve,
                });
                events.push(Event {
                    at: at(70),
                    staff_id: None,
                    kind: EventKind::Rate(Rating::Satisfied),
                });
            }
            CaseInput {
                id: i as i64,
                grid_id: 1_000 + compound,
                grid_path: format!("/{street}/{community}/{}/", 1_000 + compound),
                submitted_at: submitted,
                accept_by: submitted + Duration::hours(2),
                finish_by: submitted + Duration::hours(24),
                events,
                filed_by: None,
                inspection: false,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let cases = cases();
    let period = Period {
        from: month_start(),
        to: month_start() + Duration::days(31),
    };
    let now = period.to + Duration::days(1);
    let workers: Vec<(i64, Vec<String>)> = (0..COMPOUNDS as i64)
        .map(|k| {
            (
                10_000 + k,
                vec![format!("/{}/{}/{}/", 1 + k / 112, 100 + k / 11, 1_000 + k)],
            )
        })
        .collect();
    let mut g = c.benchmark_group("figures_100k_cases");
    g.sample_size(10);
    g.bench_function("total", |b| {
        b.iter(|| black_box(fold::figures(&cases, period.from, period.to, now)))
    });
    g.bench_function("by_grid", |b| {
        b.iter(|| {
            black_box(fold::breakdown(
                &cases,
                Dimension::Grid,
                period.from,
                period.to,
                now,
            ))
        })
    });
    g.bench_function("weekly_trend", |b| {
        b.iter(|| {
            for w in period.weeks() {
                black_box(fold::figures(&cases, w.from, w.to, now));
            }
        })
    });
    g.bench_function("assessment_1675_workers", |b| {
        b.iter(|| {
            black_box(fold::assessment(
                &cases,
                &workers,
                period.from,
                period.to,
                now,
            ))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
