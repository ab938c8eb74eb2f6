//! Bytes to rows: CSV in its encodings, and the first worksheet of a workbook,
//! each handed on one row at a time with the line number the user sees.
//!
//! A workbook is checked before its rows are read: its parts' unzipped size
//! (from the zip directory, which the zip reader then holds every part to),
//! and the sheet's declared dimension; then every cell's position is checked
//! as it is read. Rows are assembled from the cells one at a time, so memory
//! follows the cells that exist, not the rectangle they span.

use super::errors::FileError;
use super::validate::clean;
use super::Limits;
use calamine::{Cell, Data, DataRef, Dimensions, Reader};
use std::io::Cursor;

/// One raw row: its user-visible line number and its cells as text.
pub(super) struct RawRow {
    pub line: usize,
    pub cells: Vec<String>,
}

impl RawRow {
    pub(super) fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| clean(c).is_empty())
    }
}

/// Where the rows go (the validator); an error stops the reading.
pub(super) type Sink<'a> = dyn FnMut(RawRow) -> Result<(), FileError> + 'a;

fn too_large(rows: u64, columns: u64, limits: &Limits) -> FileError {
    FileError::SheetTooLarge {
        rows,
        columns,
        max_rows: limits.max_sheet_rows,
        max_columns: limits.max_columns,
    }
}

/// Decode CSV bytes: UTF-8 BOM → UTF-8; UTF-16 LE/BE BOM → UTF-16; valid
/// UTF-8 → UTF-8; otherwise GB18030 (a superset of GBK, what Chinese Excel
/// writes for "CSV (逗号分隔)").
fn decode_text(bytes: &[u8]) -> Result<String, FileError> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(FileError::UnreadableCsv(format!(
                "invalid {} text",
                enc.name()
            )));
        }
        return Ok(text.into_owned());
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(FileError::UnreadableCsv(
            "text is neither UTF-8, UTF-16 nor GBK/GB18030".to_string(),
        ));
    }
    Ok(text.into_owned())
}

/// Read decoded CSV rows into `sink`, with user-visible line numbers.
pub(super) fn csv_rows(bytes: &[u8], limits: &Limits, sink: &mut Sink) -> Result<(), FileError> {
    let text = decode_text(bytes)?;
    // Binary data that happened to decode (e.g. a workbook with a broken
    // signature) would otherwise surface as a confusing header error.
    if text.contains('\0') {
        return Err(FileError::UnreadableCsv(
            "binary content, not text".to_string(),
        ));
    }
    // Unify line ends so old Mac "\r"-only files count lines correctly.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let delimiter = sniff_delimiter(&text);
    check_widths(&text, delimiter, limits)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());

    // Newlines inside quoted values advance the physical line count but not
    // the row number the user sees in Excel, so subtract them.
    let mut embedded_newlines = 0usize;
    for rec in reader.records() {
        let rec = rec.map_err(|e| FileError::UnreadableCsv(e.to_string()))?;
        // csv skips blank lines silently and reports the position where the
        // skipping began, so add the blank lines it skipped at that point.
        let physical = rec
            .position()
            .map(|p| {
                let skipped = text.as_bytes()[p.byte() as usize..]
                    .iter()
                    .take_while(|&&b| b == b'\n')
                    .count();
                p.line() as usize + skipped
            })
            .unwrap_or(1);
        let line = physical.saturating_sub(embedded_newlines).max(1);
        embedded_newlines += rec.iter().map(|f| f.matches('\n').count()).sum::<usize>();
        // A row wider than any table: the fields are counted before they are copied.
        if rec.len() > limits.max_columns as usize {
            return Err(too_large(line as u64, rec.len() as u64, limits));
        }
        sink(RawRow {
            line,
            cells: rec.iter().map(str::to_string).collect(),
        })?;
    }
    Ok(())
}

/// Refuses a row with more fields than `max_columns` before the CSV reader
/// builds it (a single 8 MB row of commas would otherwise become 4 million
/// fields): one pass counting delimiters outside quotes, no allocation.
fn check_widths(text: &str, delimiter: u8, limits: &Limits) -> Result<(), FileError> {
    let (mut line, mut fields, mut quoted) = (1u64, 1u64, false);
    let mut over: Option<(u64, u64)> = None;
    for &b in text.as_bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                if let Some((at, _)) = over {
                    return Err(too_large(at, fields, limits));
                }
                line += 1;
                fields = 1;
            }
            _ if b == delimiter && !quoted => {
                fields += 1;
                if fields > u64::from(limits.max_columns) && over.is_none() {
                    over = Some((line, fields));
                }
            }
            _ => {}
        }
    }
    match over {
        Some((at, _)) => Err(too_large(at, fields, limits)),
        None => Ok(()),
    }
}

/// Comma by default; tab or semicolon when the header line has those and no comma.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !clean(l).is_empty()).unwrap_or("");
    if header.contains(',') {
        b','
    } else if header.contains('\t') {
        b'\t'
    } else if header.contains(';') {
        b';'
    } else {
        b','
    }
}

/// Read the first worksheet of a workbook into `sink`, row by row, with Excel
/// row numbers. Reads `.xlsx`/`.xlsm` and `.xlsb`; a legacy `.xls` or an
/// `.ods` is refused, because calamine loads those whole (a dense grid over
/// the used range) before anything can be checked.
pub(super) fn workbook_rows(
    bytes: &[u8],
    limits: &Limits,
    sink: &mut Sink,
) -> Result<(), FileError> {
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(OLE) {
        return Err(FileError::UnsupportedWorkbook);
    }
    let unreadable = |e: &dyn std::fmt::Display| FileError::UnreadableXlsx(e.to_string());
    check_unzipped_size(bytes, limits)?;
    match calamine::Xlsx::new(Cursor::new(bytes)) {
        Ok(mut wb) => {
            let name = first_sheet(wb.sheet_names())?;
            let mut cells = wb
                .worksheet_cells_reader(&name)
                .map_err(|e| unreadable(&e))?;
            let dimensions = cells.dimensions();
            stream(dimensions, || cells.next_cell(), limits, sink)
        }
        Err(xlsx_error) => match calamine::Xlsb::new(Cursor::new(bytes)) {
            Ok(mut wb) => {
                let name = first_sheet(wb.sheet_names())?;
                let mut cells = wb
                    .worksheet_cells_reader(&name)
                    .map_err(|e| unreadable(&e))?;
                let dimensions = cells.dimensions();
                stream(dimensions, || cells.next_cell(), limits, sink)
            }
            Err(_) if is_ods(bytes) => Err(FileError::UnsupportedWorkbook),
            Err(_) => Err(unreadable(&xlsx_error)),
        },
    }
}

fn first_sheet(names: Vec<String>) -> Result<String, FileError> {
    names
        .into_iter()
        .next()
        .ok_or_else(|| FileError::UnreadableXlsx("the workbook has no worksheet".to_string()))
}

/// An OpenDocument spreadsheet: a zip whose `mimetype` entry says so.
fn is_ods(bytes: &[u8]) -> bool {
    bytes
        .windows(46)
        .take(200)
        .any(|w| w == b"application/vnd.oasis.opendocument.spreadsheet")
}

/// Refuses a workbook whose parts declare more unzipped bytes than allowed,
/// before anything is unzipped (the zip reader then stops any part that
/// produces more than it declared).
fn check_unzipped_size(bytes: &[u8], limits: &Limits) -> Result<(), FileError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| FileError::UnreadableXlsx(e.to_string()))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let part = archive
            .by_index_raw(i)
            .map_err(|e| FileError::UnreadableXlsx(e.to_string()))?;
        total = total.saturating_add(part.size());
        if total > limits.max_unzipped_bytes {
            return Err(FileError::WorkbookTooLarge {
                max_unzipped_bytes: limits.max_unzipped_bytes,
            });
        }
    }
    Ok(())
}

/// Turns a sheet's cells (in file order: row by row) into rows, checking the
/// declared dimension first and every cell's position as it comes.
fn stream<'a, E: std::fmt::Display>(
    dimensions: Dimensions,
    mut next: impl FnMut() -> Result<Option<Cell<DataRef<'a>>>, E>,
    limits: &Limits,
    sink: &mut Sink,
) -> Result<(), FileError> {
    let over = |row: u32, col: u32| row >= limits.max_sheet_rows || col >= limits.max_columns;
    // The dimension a sheet declares (`<dimension ref="A1:XFD1048576"/>`):
    // Excel writes the used range there, so an extent far beyond any table
    // is refused before a single row is read.
    let (end_row, end_col) = dimensions.end;
    if over(end_row, end_col) {
        return Err(too_large(
            u64::from(end_row) + 1,
            u64::from(end_col) + 1,
            limits,
        ));
    }
    let mut current: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = next().map_err(|e| FileError::UnreadableXlsx(e.to_string()))? {
        let (row, col) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        // Formatting alone does not make a cell used.
        if matches!(value, Data::Empty) {
            continue;
        }
        // The dimension may be missing or wrong: the used range is checked too.
        if over(row, col) {
            return Err(too_large(u64::from(row) + 1, u64::from(col) + 1, limits));
        }
        match &mut current {
            Some((r, _)) if *r == row => {}
            Some((r, _)) if *r > row => {
                return Err(FileError::UnreadableXlsx(format!(
                    "row {} comes after row {}",
                    row + 1,
                    *r + 1
                )));
            }
            _ => {
                if let Some((r, cells)) = current.take() {
                    sink(RawRow {
                        line: r as usize + 1,
                        cells,
                    })?;
                }
                current = Some((row, Vec::new()));
            }
        }
        if let Some((_, cells)) = &mut current {
            let col = col as usize;
            if cells.len() <= col {
                cells.resize(col + 1, String::new());
            }
            cells[col] = cell_text(&value);
        }
    }
    if let Some((r, cells)) = current {
        sink(RawRow {
            line: r as usize + 1,
            cells,
        })?;
    }
    Ok(())
}

/// Cell as text. Excel stores numbers as doubles, so a room typed as 101
/// arrives as 101.0 and a phone as 13812345678.0; integral values are
/// printed without the ".0".
pub(super) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format_number(*f),
        // A date-formatted cell (Excel loves turning "1-2" into 2 January):
        // the original text is lost; keep the serial number so the user at
        // least sees something and can fix the cell format.
        Data::DateTime(d) => format_number(d.as_f64()),
        other => other.to_string(),
    }
}

/// Integral doubles go through i64 so the output is a plain integer
/// regardless of float formatting details (no ".0", no "-0").
pub(super) fn format_number(f: f64) -> String {
    // 2^53: beyond it doubles no longer represent every integer.
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}
