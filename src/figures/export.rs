//! The figures and the assessment as XLSX workbooks: one row per group (or worker), the
//! numerators and denominators next to each rate so the rates can be checked by hand.

use super::fold::{Figures, Ratio, WorkerFigures};
use crate::i18n::{translate, Locale};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// The figure columns, after the leading label columns: keys under `xlsx.col` in the
/// locale files (numerator, denominator and rate side by side).
pub const HEADERS: [&str; 21] = [
    "received",
    "excluded",
    "accepted_on_time",
    "accept_due",
    "accepted_on_time_rate",
    "resolved_on_time",
    "resolve_due",
    "resolved_on_time_rate",
    "satisfied",
    "ratings",
    "satisfaction_rate",
    "sent_back",
    "resolved_once",
    "sent_back_rate",
    "closed",
    "valid",
    "resolution_rate",
    "hours_to_accept",
    "hours_to_resolve",
    "overdue_open",
    "dissatisfied",
];

/// The words of `xlsx.<key>` in `locale`.
fn w(locale: Locale, key: &str) -> String {
    translate(locale, &format!("xlsx.{key}"), &[])
}

/// "Period …" under a table.
fn period_line(locale: Locale, period: &str) -> String {
    translate(locale, "xlsx.period", &[("period", period.to_owned())])
}

fn write_ratio(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    r: &Ratio,
    pct: &Format,
) -> Result<(), XlsxError> {
    ws.write_number(row, col, f64::from(r.num))?;
    ws.write_number(row, col + 1, f64::from(r.den))?;
    match r.rate {
        Some(v) => ws.write_number_with_format(row, col + 2, v, pct)?,
        None => ws.write_string(row, col + 2, "—")?,
    };
    Ok(())
}

fn write_hours(ws: &mut Worksheet, row: u32, col: u16, h: Option<f64>) -> Result<(), XlsxError> {
    match h {
        Some(v) => ws.write_number(row, col, (v * 10.0).round() / 10.0)?,
        None => ws.write_string(row, col, "—")?,
    };
    Ok(())
}

/// Write one row of figures starting at `col`.
fn write_figures(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    f: &Figures,
    pct: &Format,
) -> Result<(), XlsxError> {
    ws.write_number(row, col, f64::from(f.received.n()))?;
    ws.write_number(row, col + 1, f64::from(f.excluded.n()))?;
    write_ratio(ws, row, col + 2, &f.accepted_on_time, pct)?;
    write_ratio(ws, row, col + 5, &f.resolved_on_time, pct)?;
    write_ratio(ws, row, col + 8, &f.satisfaction, pct)?;
    write_ratio(ws, row, col + 11, &f.sent_back, pct)?;
    write_ratio(ws, row, col + 14, &f.resolution, pct)?;
    write_hours(ws, row, col + 17, f.mean_hours_to_accept)?;
    write_hours(ws, row, col + 18, f.mean_hours_to_resolve)?;
    ws.write_number(row, col + 19, f64::from(f.overdue_open.n()))?;
    ws.write_number(row, col + 20, f64::from(f.ratings.dissatisfied))?;
    Ok(())
}

fn header(
    ws: &mut Worksheet,
    locale: Locale,
    labels: &[String],
    bold: &Format,
) -> Result<u16, XlsxError> {
    let figures = HEADERS.iter().map(|k| w(locale, &format!("col.{k}")));
    for (col, h) in labels.iter().cloned().chain(figures).enumerate() {
        ws.write_string_with_format(0, col as u16, h, bold)?;
    }
    ws.set_freeze_panes(1, labels.len() as u16)?;
    Ok(labels.len() as u16)
}

/// The dashboard's table (`rows`: group label and its figures; the total last) and the
/// weekly trend, for the period named in `period`, in `locale`.
pub fn figures_xlsx(
    locale: Locale,
    period: &str,
    group_header: &str,
    rows: &[(String, &Figures)],
    weeks: &[(String, &Figures)],
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let ws = wb.add_worksheet();
    ws.set_name(w(locale, "figures_sheet"))?;
    let first = header(ws, locale, &[group_header.to_owned()], &bold)?;
    for (i, (label, f)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, label)?;
        write_figures(ws, r, first, f, &pct)?;
    }
    ws.write_string(rows.len() as u32 + 2, 0, period_line(locale, period))?;
    let ws = wb.add_worksheet();
    ws.set_name(w(locale, "trend_sheet"))?;
    let first = header(ws, locale, &[w(locale, "week")], &bold)?;
    for (i, (label, f)) in weeks.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, label)?;
        write_figures(ws, r, first, f, &pct)?;
    }
    wb.save_to_buffer()
}

/// The assessment: per worker (name, grids) the cases they signed for and their grids'
/// figures, in `locale`.
pub fn workers_xlsx(
    locale: Locale,
    period: &str,
    rows: &[(String, String, &WorkerFigures)],
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let ws = wb.add_worksheet();
    ws.set_name(w(locale, "workers_sheet"))?;
    let labels = ["worker", "worker_grids", "accepted_by_them"].map(|k| w(locale, k));
    let first = header(ws, locale, &labels, &bold)?;
    for (i, (name, grids, w)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, name)?;
        ws.write_string(r, 1, grids)?;
        ws.write_number(r, 2, f64::from(w.accepted_by_them.n()))?;
        write_figures(ws, r, first, &w.figures, &pct)?;
    }
    ws.write_string(rows.len() as u32 + 2, 0, period_line(locale, period))?;
    wb.save_to_buffer()
}
