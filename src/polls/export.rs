//! Poll results as an XLSX workbook (results per option, turnout per compound).

use super::{Poll, Results};
use crate::i18n::{translate, Locale};
use rust_xlsxwriter::{Format, Workbook};

/// Build the workbook, its headings in `locale`.
pub fn xlsx(
    poll: &Poll,
    results: &Results,
    locale: Locale,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let w = |key: &str| translate(locale, &format!("xlsx.poll.{key}"), &[]);
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(w("results_sheet"))?;
    ws.write_string_with_format(0, 0, &poll.title, &bold)?;
    ws.write_string(
        1,
        0,
        format!(
            "{} — {}",
            poll.opens_at.format("%Y-%m-%d %H:%M UTC"),
            poll.closes_at.format("%Y-%m-%d %H:%M UTC")
        ),
    )?;
    let mut row = 3;
    for q in &results.questions {
        ws.write_string_with_format(row, 0, &q.text, &bold)?;
        ws.write_string_with_format(row, 1, w("votes"), &bold)?;
        row += 1;
        for o in &q.options {
            ws.write_string(row, 0, &o.text)?;
            ws.write_number(row, 1, *results.tally.get(&o.id).unwrap_or(&0) as f64)?;
            row += 1;
        }
        row += 1;
    }
    let ws = wb.add_worksheet();
    ws.set_name(w("turnout_sheet"))?;
    for (c, h) in ["compound", "voted", "households", "turnout"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(0, c as u16, w(h), &bold)?;
    }
    for (i, (name, voted, households)) in results.turnout.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, name)?;
        ws.write_number(r, 1, *voted as f64)?;
        ws.write_number(r, 2, *households as f64)?;
        ws.write_number(
            r,
            3,
            if *households > 0 {
                *voted as f64 / *households as f64
            } else {
                0.0
            },
        )?;
    }
    wb.save_to_buffer()
}
