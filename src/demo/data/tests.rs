use super::*;
use std::collections::HashSet;

/// Ring as integer micro-degrees (exact for 6-decimal coordinates).
fn micro(ring: &[(f64, f64)]) -> Vec<(i64, i64)> {
    ring.iter()
        .map(|&(x, y)| ((x * 1e6).round() as i64, (y * 1e6).round() as i64))
        .collect()
}

fn cross(o: (i64, i64), a: (i64, i64), b: (i64, i64)) -> i128 {
    (a.0 - o.0) as i128 * (b.1 - o.1) as i128 - (a.1 - o.1) as i128 * (b.0 - o.0) as i128
}

/// Twice the signed area (positive = counter-clockwise).
fn area2(ring: &[(i64, i64)]) -> i128 {
    ring.windows(2)
        .map(|w| w[0].0 as i128 * w[1].1 as i128 - w[1].0 as i128 * w[0].1 as i128)
        .sum()
}

fn on_segment(p: (i64, i64), a: (i64, i64), b: (i64, i64)) -> bool {
    cross(a, b, p) == 0
        && p.0 >= a.0.min(b.0)
        && p.0 <= a.0.max(b.0)
        && p.1 >= a.1.min(b.1)
        && p.1 <= a.1.max(b.1)
}

fn on_boundary(p: (i64, i64), ring: &[(i64, i64)]) -> bool {
    ring.windows(2).any(|w| on_segment(p, w[0], w[1]))
}

/// Even-odd ray casting; points on the boundary are not "strictly inside".
fn strictly_inside(p: (i64, i64), ring: &[(i64, i64)]) -> bool {
    if on_boundary(p, ring) {
        return false;
    }
    let (px, py) = (p.0 as f64, p.1 as f64);
    let mut inside = false;
    for w in ring.windows(2) {
        let ((x1, y1), (x2, y2)) = (
            (w[0].0 as f64, w[0].1 as f64),
            (w[1].0 as f64, w[1].1 as f64),
        );
        if (y1 > py) != (y2 > py) && px < x1 + (py - y1) * (x2 - x1) / (y2 - y1) {
            inside = !inside;
        }
    }
    inside
}

fn inside_or_on(p: (i64, i64), ring: &[(i64, i64)]) -> bool {
    on_boundary(p, ring) || strictly_inside(p, ring)
}

fn segments_cross(a: (i64, i64), b: (i64, i64), c: (i64, i64), d: (i64, i64)) -> bool {
    let (d1, d2) = (cross(c, d, a), cross(c, d, b));
    let (d3, d4) = (cross(a, b, c), cross(a, b, d));
    if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
        return true;
    }
    on_segment(a, c, d) || on_segment(b, c, d) || on_segment(c, a, b) || on_segment(d, a, b)
}

fn bbox(ring: &[(i64, i64)]) -> (i64, i64, i64, i64) {
    let xs = ring.iter().map(|p| p.0);
    let ys = ring.iter().map(|p| p.1);
    (
        xs.clone().min().unwrap(),
        ys.clone().min().unwrap(),
        xs.max().unwrap(),
        ys.max().unwrap(),
    )
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

#[test]
fn counts() {
    let d = district();
    assert_eq!(d.street.level, 1);
    assert_eq!(d.street.code, "GY");
    assert_eq!(d.communities.len(), 3);
    assert!(d.communities.iter().all(|c| c.level == 2));
    assert_eq!(d.compounds.len(), 12);
    assert!(d.compounds.iter().all(|c| c.grid.level == 3));
    assert_eq!(d.household_count(), 2000);
    for c in &d.compounds {
        assert!((80..=300).contains(&c.households.len()), "{}", c.grid.name);
    }
    assert_eq!(d.shops.len(), 60);
    for role in [
        Role::Admin,
        Role::GridHead,
        Role::GridWorker,
        Role::DepartmentLiaison,
        Role::MerchantCashier,
        Role::Informant,
    ] {
        assert!(d.staff.iter().any(|s| s.role == role), "{role:?}");
    }
    assert_eq!(
        d.staff.iter().filter(|s| s.role == Role::Informant).count(),
        12
    );
    assert_eq!(
        d.staff
            .iter()
            .filter(|s| s.role == Role::GridWorker)
            .count(),
        12
    );
    assert!((5..=6).contains(&d.news.len()));
    let points = d.shops.iter().filter(|s| s.accepts_points).count();
    assert!((35..=45).contains(&points), "{points}");
}

#[test]
fn codes_and_parents() {
    let d = district();
    let mut codes = HashSet::new();
    for g in d.grids() {
        assert!(codes.insert(g.code.clone()), "duplicate {}", g.code);
        assert!(g
            .code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'));
    }
    assert_eq!(d.street.parent_code, None);
    for c in &d.communities {
        assert_eq!(c.parent_code.as_deref(), Some("GY"));
    }
    for c in &d.compounds {
        let parent = c.grid.parent_code.as_deref().unwrap();
        assert_eq!(d.grid(parent).unwrap().level, 2);
        assert!(c.grid.code.starts_with(parent));
    }
    assert_eq!(d.compounds[0].grid.code, "GY-01-01");
    assert_eq!(d.compounds[11].grid.code, "GY-03-04");
}

#[test]
fn households_unique_and_plausible() {
    let d = district();
    let mut with_contact = 0;
    let mut bungalow_blocks = 0;
    for c in &d.compounds {
        let mut keys = HashSet::new();
        for h in &c.households {
            assert!(
                keys.insert((&h.building, &h.unit, &h.room)),
                "{} {:?}",
                c.grid.name,
                h
            );
            assert_eq!(h.contact_name.is_some(), h.contact_phone.is_some());
            if let Some(p) = &h.contact_phone {
                assert!(is_mobile(p), "{p}");
                with_contact += 1;
            }
        }
        if c.households
            .iter()
            .all(|h| h.unit.is_empty() && h.room.ends_with('号'))
        {
            bungalow_blocks += 1;
            assert!(c.grid.name.contains("平房"));
        } else {
            assert!(c.households.iter().all(|h| h.building.ends_with("号楼")
                && ["1单元", "2单元", "3单元"].contains(&h.unit.as_str())
                && h.room.parse::<u32>().is_ok()));
        }
    }
    assert_eq!(bungalow_blocks, 1);
    assert!((500..=700).contains(&with_contact), "{with_contact}");
    let names: Vec<_> = d
        .compounds
        .iter()
        .flat_map(|c| &c.households)
        .filter_map(|h| h.contact_name.as_deref())
        .collect();
    assert!(names.iter().any(|n| MONGOLIAN_NAMES.contains(n)));
}

#[test]
fn rings_are_valid() {
    let d = district();
    for g in d.grids() {
        let b = &g.boundary;
        assert!(b.len() >= 4, "{}", g.code);
        assert_eq!(b.first(), b.last(), "{} not closed", g.code);
        for &(x, y) in b {
            assert_eq!((x * 1e6).round() / 1e6, x);
            assert_eq!((y * 1e6).round() / 1e6, y);
            assert!((109.9..110.1).contains(&x) && (40.3..40.5).contains(&y));
        }
        let r = micro(b);
        assert!(area2(&r) > 0, "{} not counter-clockwise", g.code);
        let n = r.len() - 1;
        for i in 0..n {
            for j in i + 1..n {
                let adjacent = j == i + 1 || (i == 0 && j == n - 1);
                if !adjacent {
                    assert!(
                        !segments_cross(r[i], r[i + 1], r[j], r[j + 1]),
                        "{} self-intersects",
                        g.code
                    );
                }
            }
        }
    }
    // Compound size roughly 200-400 m (1e-6° ≈ 0.085 m east, 0.111 m north here).
    for c in &d.compounds {
        let (x0, y0, x1, y1) = bbox(&micro(&c.grid.boundary));
        let (w, h) = ((x1 - x0) as f64 * 0.0847, (y1 - y0) as f64 * 0.111);
        assert!(
            (200.0..=400.0).contains(&w) && (200.0..=400.0).contains(&h),
            "{} {w} {h}",
            c.grid.code
        );
    }
}

#[test]
fn compounds_do_not_overlap_but_share_edges() {
    let d = district();
    let rings: Vec<_> = d
        .compounds
        .iter()
        .map(|c| micro(&c.grid.boundary))
        .collect();
    let mut shared_edges = 0;
    for i in 0..rings.len() {
        for j in i + 1..rings.len() {
            // Rectangle intersection area must be zero.
            let (a, b) = (bbox(&rings[i]), bbox(&rings[j]));
            let w = (a.2.min(b.2) - a.0.max(b.0)).max(0);
            let h = (a.3.min(b.3) - a.1.max(b.1)).max(0);
            assert_eq!(w * h, 0, "{} overlaps {}", i, j);
            // Point sampling: interior points of one are never strictly inside the other.
            for sx in 1..10 {
                for sy in 1..10 {
                    let p = (a.0 + (a.2 - a.0) * sx / 10, a.1 + (a.3 - a.1) * sy / 10);
                    assert!(strictly_inside(p, &rings[i]));
                    assert!(!strictly_inside(p, &rings[j]), "{} overlaps {}", i, j);
                }
            }
            let edges = |r: &Vec<(i64, i64)>| -> HashSet<((i64, i64), (i64, i64))> {
                r.windows(2)
                    .map(|w| {
                        if w[0] < w[1] {
                            (w[0], w[1])
                        } else {
                            (w[1], w[0])
                        }
                    })
                    .collect()
            };
            shared_edges += edges(&rings[i]).intersection(&edges(&rings[j])).count();
        }
    }
    assert!(shared_edges >= 6, "{shared_edges}");
}

#[test]
fn containment() {
    let d = district();
    let street = micro(&d.street.boundary);
    for community in &d.communities {
        let ring = micro(&community.boundary);
        assert!(
            ring.iter().all(|&p| inside_or_on(p, &street)),
            "{}",
            community.code
        );
        for c in d
            .compounds
            .iter()
            .filter(|c| c.grid.parent_code.as_ref() == Some(&community.code))
        {
            let inner = micro(&c.grid.boundary);
            assert!(
                inner.iter().all(|&p| inside_or_on(p, &ring)),
                "{}",
                c.grid.code
            );
            assert!(
                inner.iter().all(|&p| inside_or_on(p, &street)),
                "{}",
                c.grid.code
            );
        }
    }
    let (a, b) = (
        micro(&d.communities[0].boundary),
        micro(&d.communities[1].boundary),
    );
    assert!(a.iter().all(|&p| !inside_or_on(p, &b)));
}

#[test]
fn references_exist() {
    let d = district();
    let codes: HashSet<_> = d.grids().iter().map(|g| g.code.clone()).collect();
    let compound_codes: HashSet<_> = d.compounds.iter().map(|c| c.grid.code.clone()).collect();
    let mut shop_names = HashSet::new();
    for s in &d.shops {
        assert!(compound_codes.contains(&s.grid_code), "{}", s.name);
        assert!(
            shop_names.insert(s.name.clone()),
            "duplicate shop {}",
            s.name
        );
        assert!(s.address.starts_with("工业街道") && s.address.ends_with('号'));
        if let Some(p) = &s.contact_phone {
            assert!(is_mobile(p));
        }
    }
    let mut usernames = HashSet::new();
    for st in &d.staff {
        assert!(usernames.insert(st.username.clone()));
        assert!(st
            .username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        assert_eq!(st.email, format!("{}@demo.mashang.local", st.username));
        assert_eq!(st.password, format!("mashang-{}", st.username));
        for code in &st.scope {
            assert!(codes.contains(code), "{} {}", st.username, code);
        }
        assert_eq!(st.scope.is_empty(), st.role == Role::Admin);
        if st.role == Role::GridWorker || st.role == Role::Informant {
            assert_eq!(st.scope.len(), 1);
            assert_eq!(d.grid(&st.scope[0]).unwrap().level, 3);
        }
        assert_eq!(st.shop.is_some(), st.role == Role::MerchantCashier);
        if let Some((grid, name)) = &st.shop {
            let shop = d
                .shops
                .iter()
                .find(|s| &s.grid_code == grid && &s.name == name)
                .unwrap();
            assert!(shop.accepts_points);
        }
    }
    assert!(usernames.contains("admin"));
    for n in &d.news {
        assert!(!n.grid_codes.is_empty());
        for code in &n.grid_codes {
            assert!(codes.contains(code), "{} {}", n.title, code);
        }
    }
}

#[test]
fn deterministic() {
    assert_eq!(district(), district());
    let d = district();
    assert_eq!(d.clone(), d);
}
