//! The figures and the assessment as XLSX workbooks: one row per group (or worker), the
//! numerators and denominators next to each rate so the rates can be checked by hand.

use super::fold::{Figures, Ratio, WorkerFigures};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// The figure columns, after the leading label columns.
pub const HEADERS: [&str; 21] = [
    "受理",
    "不予受理/重复/非本部门",
    "按时签收",
    "应签收",
    "按时签收率",
    "按时办结",
    "应办结",
    "按时办结率",
    "满意+基本满意",
    "评价数",
    "满意率",
    "发回重办",
    "办结过的案件",
    "发回重办率",
    "已结案",
    "有效案件",
    "化解率",
    "平均签收用时(小时)",
    "平均办结用时(小时)",
    "超期未办结",
    "不满意",
];

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

fn header(ws: &mut Worksheet, labels: &[&str], bold: &Format) -> Result<u16, XlsxError> {
    for (col, h) in labels.iter().chain(HEADERS.iter()).enumerate() {
        ws.write_string_with_format(0, col as u16, *h, bold)?;
    }
    ws.set_freeze_panes(1, labels.len() as u16)?;
    Ok(labels.len() as u16)
}

/// The dashboard's table (`rows`: group label and its figures; the total last) and the
/// weekly trend, for the period named in `period`.
pub fn figures_xlsx(
    period: &str,
    group_header: &str,
    rows: &[(String, &Figures)],
    weeks: &[(String, &Figures)],
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let ws = wb.add_worksheet();
    ws.set_name("指标")?;
    let first = header(ws, &[group_header], &bold)?;
    for (i, (label, f)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, label)?;
        write_figures(ws, r, first, f, &pct)?;
    }
    ws.write_string(rows.len() as u32 + 2, 0, format!("统计期间 {period}"))?;
    let ws = wb.add_worksheet();
    ws.set_name("周趋势")?;
    let first = header(ws, &["周"], &bold)?;
    for (i, (label, f)) in weeks.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, label)?;
        write_figures(ws, r, first, f, &pct)?;
    }
    wb.save_to_buffer()
}

/// The assessment: per worker (name, grids) the cases they signed for and their grids' figures.
pub fn workers_xlsx(
    period: &str,
    rows: &[(String, String, &WorkerFigures)],
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let ws = wb.add_worksheet();
    ws.set_name("动态考核")?;
    let first = header(ws, &["网格员", "负责网格", "本人签收"], &bold)?;
    for (i, (name, grids, w)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, name)?;
        ws.write_string(r, 1, grids)?;
        ws.write_number(r, 2, f64::from(w.accepted_by_them.n()))?;
        write_figures(ws, r, first, &w.figures, &pct)?;
    }
    ws.write_string(rows.len() as u32 + 2, 0, format!("统计期间 {period}"))?;
    wb.save_to_buffer()
}
