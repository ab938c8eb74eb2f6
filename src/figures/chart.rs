//! Charts as inline SVG, drawn on the server (no script needed). Each is drawn about a
//! phone's width (`viewBox` and width in CSS pixels) and shrinks to a narrower container, so
//! the same drawing reads on a phone and on a desktop; a trend over many weeks is wider and
//! scrolls sideways on a phone, its percent axis on the left in view.

use std::fmt::Write;

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

/// Width of one week in the trend, and the smallest drawing (a phone's width).
const WEEK_W: f64 = 56.0;
const MIN_W: f64 = 360.0;
/// Above this width a chart scrolls sideways on a phone instead of shrinking (class `wide`).
const SHRINK_UP_TO: f64 = 480.0;

/// The weekly trend: bars of cases received, each with its number on top, and a line of a
/// rate with its 0–100 % axis on the left, so on a phone the axis and the values are in
/// view (a long period scrolls sideways, the axis first); weeks without a rate break the
/// line.
pub fn trend(points: &[TrendPoint], title: &str, bar_label: &str, line_label: &str) -> String {
    let width = (52.0 + WEEK_W * points.len() as f64 + 8.0).max(MIN_W);
    let (top, bottom, left, right) = (48.0, 206.0, 52.0, width - 8.0);
    let height = bottom - top;
    let max = points.iter().map(|p| p.received).max().unwrap_or(0).max(1);
    let slot = (right - left) / points.len().max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart{wide}" viewBox="0 0 {width} 240" width="{width}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg" font-size="13">"#,
        wide = if width > SHRINK_UP_TO { " wide" } else { "" },
        t = esc(title)
    );
    let _ = write!(s, "<title>{}</title>", esc(title));
    // Legend, on its own line above the drawing.
    let _ = write!(
        s,
        r##"<rect x="4" y="8" width="12" height="12" fill="#7aa6d8"/><text x="20" y="19">{b}</text><line x1="{x2}" y1="14" x2="{x3}" y2="14" stroke="#c0392b" stroke-width="2.5"/><text x="{x4}" y="19">{l}</text>"##,
        x2 = 150.0,
        x3 = 170.0,
        x4 = 176.0,
        b = esc(bar_label),
        l = esc(line_label)
    );
    // The rate's 0 / 50 / 100 % grid lines, labelled on the left.
    for (frac, label) in [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")] {
        let y = bottom - frac * height;
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{right}" y2="{y:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" fill="#c0392b" text-anchor="end">{label}</text>"##,
            tx = left - 6.0,
            ty = y + 4.0
        );
    }
    let mut line: Vec<String> = Vec::new();
    let mut segments: Vec<Vec<String>> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let x = left + slot * i as f64;
        let h = height * f64::from(p.received) / f64::from(max);
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="#7aa6d8"><title>{lab}: {n}</title></rect><text x="{cx:.1}" y="{ny:.1}" text-anchor="middle" fill="#36c" class="value">{n}</text>"##,
            x = x + slot * 0.2,
            y = bottom - h,
            w = slot * 0.6,
            cx = x + slot / 2.0,
            ny = bottom - h - 4.0,
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

/// Groups side by side: per group a line with its name on the left and its rate (or "—")
/// on the right, and a bar 0–100 % under it across the whole width, so the drawing is
/// narrow enough for a phone with every value in view.
pub fn bars(rows: &[Bar], title: &str) -> String {
    let (width, row_h, top) = (MIN_W, 44.0, 28.0);
    let height = top + row_h * rows.len() as f64 + 4.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart bars" viewBox="0 0 {width} {height}" width="{width}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg" font-size="14"><title>{t}</title><text x="0" y="16" font-weight="bold">{t}</text>"#,
        t = esc(title)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let label: String = r.label.chars().take(14).collect();
        let _ = write!(
            s,
            r##"<text x="0" y="{ty:.1}">{l}</text><text x="{width}" y="{ty:.1}" text-anchor="end" class="value">{v} <tspan fill="#777">{n}</tspan></text><rect x="0" y="{by:.1}" width="{width}" height="14" fill="#eef2f7"/>"##,
            ty = y + 15.0,
            by = y + 21.0,
            l = esc(&label),
            v = percent(r.rate),
            n = esc(&r.note)
        );
        if let Some(rate) = r.rate {
            let _ = write!(
                s,
                r##"<rect x="0" y="{by:.1}" width="{w:.1}" height="14" fill="#3f7fbf"/>"##,
                by = y + 21.0,
                w = width * rate.clamp(0.0, 1.0)
            );
        }
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

    #[test]
    fn the_percent_axis_and_the_values_are_within_a_phones_width() {
        let weeks: Vec<TrendPoint> = (0..5)
            .map(|i| TrendPoint {
                label: format!("10-0{i}"),
                received: 3 + i,
                rate: Some(0.8),
            })
            .collect();
        let svg = trend(&weeks, "趋势", "受理", "按时办结率");
        assert!(svg.contains(r#"width="360""#), "{svg}");
        assert!(!svg.contains("chart wide"));
        // The axis is on the left, each week's number on its bar.
        assert!(svg.contains(r#"text-anchor="end">100%</text>"#));
        assert_eq!(svg.matches(r#"class="value""#).count(), 5);
        // Half a year is wider: it scrolls on a phone instead of shrinking to nothing.
        let many: Vec<TrendPoint> = (0..26)
            .map(|i| TrendPoint {
                label: format!("w{i}"),
                received: 1,
                rate: None,
            })
            .collect();
        assert!(trend(&many, "t", "b", "l").contains("chart wide"));
        let svg = bars(
            &[Bar {
                label: "邮电小区".into(),
                rate: Some(0.5),
                note: "4".into(),
            }],
            "按时办结率",
        );
        assert!(svg.contains(r#"viewBox="0 0 360"#), "{svg}");
        assert!(
            svg.contains(r#"x="360" y="43.0" text-anchor="end" class="value">50.0%"#),
            "{svg}"
        );
    }
}
