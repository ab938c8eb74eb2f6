//! Charts as inline SVG, drawn on the server (no script needed). Each scales to its container
//! (`viewBox`, width 100 %), so the same drawing reads on a phone and on a desktop.

use std::fmt::Write;

const WIDTH: f64 = 600.0;

/// Escape text for SVG (XML).
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A rate as a percentage with one decimal, or "—" when there is none.
pub fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) => format!("{:.1}%", r * 100.0),
        None => "—".to_owned(),
    }
}

/// One week of the trend.
pub struct TrendPoint {
    /// The week's label (e.g. its first day, "10-05").
    pub label: String,
    /// Cases received that week (bars).
    pub received: u32,
    /// A rate for that week (the line), if it has one.
    pub rate: Option<f64>,
}

/// The weekly trend: bars of cases received (left scale) and a line of a rate (0–100 %,
/// right scale); weeks without a rate break the line.
pub fn trend(points: &[TrendPoint], title: &str, bar_label: &str, line_label: &str) -> String {
    let (top, bottom, left, right) = (34.0, 200.0, 40.0, WIDTH - 44.0);
    let height = bottom - top;
    let max = points.iter().map(|p| p.received).max().unwrap_or(0).max(1);
    let slot = (right - left) / points.len().max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} 240" width="100%" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg" font-size="13">"#,
        t = esc(title)
    );
    let _ = write!(s, "<title>{}</title>", esc(title));
    // Legend.
    let _ = write!(
        s,
        r##"<rect x="{left}" y="8" width="12" height="12" fill="#7aa6d8"/><text x="{x1}" y="19">{b}</text><line x1="{x2}" y1="14" x2="{x3}" y2="14" stroke="#c0392b" stroke-width="2.5"/><text x="{x4}" y="19">{l}</text>"##,
        x1 = left + 16.0,
        x2 = left + 170.0,
        x3 = left + 190.0,
        x4 = left + 196.0,
        b = esc(bar_label),
        l = esc(line_label)
    );
    // Axes and the 0 / 50 / 100 % grid lines.
    for (frac, label) in [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")] {
        let y = bottom - frac * height;
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{right}" y2="{y:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" fill="#c0392b">{label}</text>"##,
            tx = right + 4.0,
            ty = y + 4.0
        );
    }
    let _ = write!(
        s,
        r##"<text x="4" y="{ty}" fill="#36c">{max}</text><text x="4" y="{bottom}" fill="#36c">0</text>"##,
        ty = top + 4.0
    );
    let mut line: Vec<String> = Vec::new();
    let mut segments: Vec<Vec<String>> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let x = left + slot * i as f64;
        let h = height * f64::from(p.received) / f64::from(max);
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="#7aa6d8"><title>{lab}: {n}</title></rect>"##,
            x = x + slot * 0.15,
            y = bottom - h,
            w = slot * 0.7,
            lab = esc(&p.label),
            n = p.received
        );
        let _ = write!(
            s,
            r#"<text x="{cx:.1}" y="{ly}" text-anchor="middle">{lab}</text>"#,
            cx = x + slot / 2.0,
            ly = bottom + 18.0,
            lab = esc(&p.label)
        );
        match p.rate {
            Some(r) => {
                let (cx, cy) = (x + slot / 2.0, bottom - r * height);
                line.push(format!("{cx:.1},{cy:.1}"));
                let _ = write!(
                    s,
                    r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="3.5" fill="#c0392b"><title>{lab}: {v}</title></circle>"##,
                    lab = esc(&p.label),
                    v = percent(Some(r))
                );
            }
            None => segments.push(std::mem::take(&mut line)),
        }
    }
    segments.push(line);
    for seg in segments.into_iter().filter(|l| l.len() > 1) {
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="#c0392b" stroke-width="2.5"/>"##,
            seg.join(" ")
        );
    }
    s.push_str("</svg>");
    s
}

/// One group (grid, community, department) of the side-by-side chart.
pub struct Bar {
    pub label: String,
    pub rate: Option<f64>,
    /// Shown after the value (e.g. "12 件").
    pub note: String,
}

/// Groups side by side: one horizontal bar per group, its rate 0–100 %, "—" without one.
pub fn bars(rows: &[Bar], title: &str) -> String {
    let (label_w, row_h, top) = (150.0, 30.0, 26.0);
    let bar_w = WIDTH - label_w - 110.0;
    let height = top + row_h * rows.len() as f64 + 8.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg" font-size="14"><title>{t}</title><text x="0" y="16" font-weight="bold">{t}</text>"#,
        t = esc(title)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let label: String = r.label.chars().take(10).collect();
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty:.1}" text-anchor="end">{l}</text><rect x="{label_w}" y="{y:.1}" width="{bar_w}" height="20" fill="#eef2f7"/>"##,
            lx = label_w - 6.0,
            ty = y + 15.0,
            l = esc(&label)
        );
        if let Some(rate) = r.rate {
            let _ = write!(
                s,
                r##"<rect x="{label_w}" y="{y:.1}" width="{w:.1}" height="20" fill="#3f7fbf"/>"##,
                w = bar_w * rate.clamp(0.0, 1.0)
            );
        }
        let _ = write!(
            s,
            r##"<text x="{vx}" y="{ty:.1}">{v} <tspan fill="#777">{n}</tspan></text>"##,
            vx = label_w + bar_w + 6.0,
            ty = y + 15.0,
            v = percent(r.rate),
            n = esc(&r.note)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_and_dashes() {
        assert_eq!(percent(Some(2.0 / 3.0)), "66.7%");
        assert_eq!(percent(Some(1.0)), "100.0%");
        assert_eq!(percent(None), "—");
    }

    #[test]
    fn charts_escape_labels_and_break_the_line_without_a_rate() {
        let svg = trend(
            &[
                TrendPoint {
                    label: "10-01".into(),
                    received: 2,
                    rate: Some(0.5),
                },
                TrendPoint {
                    label: "10-05".into(),
                    received: 0,
                    rate: None,
                },
                TrendPoint {
                    label: "10-12".into(),
                    received: 4,
                    rate: Some(1.0),
                },
            ],
            "趋势 <&>",
            "受理",
            "按时办结率",
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("趋势 &lt;&amp;&gt;"));
        assert_eq!(svg.matches("<circle").count(), 2);
        // Two single points either side of the gap: no polyline joins them.
        assert_eq!(svg.matches("<polyline").count(), 0);
        let svg = bars(
            &[
                Bar {
                    label: "邮电小区".into(),
                    rate: Some(0.25),
                    note: "4".into(),
                },
                Bar {
                    label: "x\"y".into(),
                    rate: None,
                    note: "0".into(),
                },
            ],
            "按时办结率",
        );
        assert!(svg.contains("25.0%"));
        assert!(svg.contains("x&quot;y"));
        assert!(svg.contains("—"));
    }
}
