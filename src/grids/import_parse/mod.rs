//! Parsing of household and shop import files (CSV and Excel workbooks).
//!
//! Community staff export these files from whatever spreadsheet program they
//! have, usually Chinese Excel or WPS. That means GBK-encoded CSV, UTF-16
//! "Unicode text", headers in Chinese or English in any order, numbers that
//! Excel silently turned into floats, and trailing empty rows. This module
//! turns those bytes into validated rows plus a list of per-row problems, so
//! that the caller can show the user every problem at once instead of failing
//! on the first one.
//!
//! The module is deliberately pure: bytes in, rows and errors out. Checks that
//! need the database (does the grid exist, is it a level-3 grid) are done by
//! the caller, which reports them with [`RowProblem::UnknownGrid`] and
//! [`RowProblem::NotLevel3Grid`] so that all problems share one shape.
//!
//! Files are bounded before they cost memory ([`Limits`]): a workbook's
//! unzipped size, its declared dimension and every cell's position are
//! checked as the sheet is read, and rows stream one at a time into the
//! validator (never a dense grid of the sheet's extent, which for a cell at
//! XFD1048576 would be 17 billion cells). Parts: `read` (bytes to rows),
//! `columns` (header to fields), `validate` (rows to results), `errors`.

mod columns;
mod errors;
mod read;
#[cfg(test)]
mod tests;
mod validate;

pub use columns::field_label;
pub use errors::{FileError, RowError, RowProblem};
pub use validate::{normalize_phone, parse_bool};

/// What a file imports: households of a compound or shops in a grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// One row per dwelling (building / unit / room).
    Household,
    /// One row per shop (name / address).
    Shop,
}

/// Container format of an uploaded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Delimited text (comma, tab or semicolon), in UTF-8, UTF-16 or GB18030/GBK.
    Csv,
    /// An Excel workbook. Besides `.xlsx` this also reads legacy `.xls`,
    /// `.xlsb` and `.ods`, because staff often still have old Excel/WPS files
    /// and calamine reads them all the same way.
    Xlsx,
}

/// A valid household row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRow {
    /// 1-based line/row number as the user sees it (header is usually line 1).
    pub line: usize,
    /// Grid code as written in the file (trimmed); the caller resolves it.
    pub grid_code: String,
    /// Building, e.g. "3" or "3号楼".
    pub building: String,
    /// Unit; empty string when the area has no units (bungalow areas, 平房区).
    pub unit: String,
    /// Room / door number.
    pub room: String,
    /// Contact person, if given.
    pub contact_name: Option<String>,
    /// Normalised phone (digits only, see [`normalize_phone`]), if given.
    pub contact_phone: Option<String>,
}

/// A valid shop row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopRow {
    /// 1-based line/row number as the user sees it (header is usually line 1).
    pub line: usize,
    /// Grid code as written in the file (trimmed); the caller resolves it.
    pub grid_code: String,
    /// Shop name.
    pub name: String,
    /// Shop address.
    pub address: String,
    /// Whether the shop accepts points; `false` when the column is absent or empty.
    pub accepts_points: bool,
    /// Normalised phone (digits only, see [`normalize_phone`]), if given.
    pub contact_phone: Option<String>,
}

/// The valid rows of a file, of the kind the file was parsed as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// Rows of a household file.
    Households(Vec<HouseholdRow>),
    /// Rows of a shop file.
    Shops(Vec<ShopRow>),
}

impl Rows {
    /// The kind of import these rows belong to (useful when the kind was inferred).
    pub fn kind(&self) -> ImportKind {
        match self {
            Rows::Households(_) => ImportKind::Household,
            Rows::Shops(_) => ImportKind::Shop,
        }
    }

    /// Number of valid rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::Households(v) => v.len(),
            Rows::Shops(v) => v.len(),
        }
    }

    /// True when no row was valid.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Bounds on an import file, from `[import]` in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most non-empty data rows ([`FileError::TooManyRows`] beyond).
    pub max_rows: usize,
    /// Last row a sheet may reach, counting the header and blank rows: a
    /// workbook whose declared dimension or any cell goes further is refused
    /// ([`FileError::SheetTooLarge`]) as soon as that is seen.
    pub max_sheet_rows: u32,
    /// Last column a sheet may reach (for CSV: most fields in one row).
    pub max_columns: u32,
    /// Most bytes a workbook may unzip to, all its parts together (as its zip
    /// directory declares them; the zip reader holds every part to that).
    pub max_unzipped_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_rows: 50_000,
            max_sheet_rows: 60_000,
            max_columns: 64,
            max_unzipped_bytes: 100 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Only the rows without any problem, in file order.
    pub rows: Rows,
    /// Every problem of every bad row, ordered by line; a row may have several.
    pub errors: Vec<RowError>,
    /// Number of non-empty data rows examined (valid + invalid); excludes the
    /// header and skipped blank rows. Useful for "imported X of Y".
    pub total_lines: usize,
}

/// Sniff the format from the bytes (XLSX is a zip: starts with b"PK\x03\x04"); the file name is only a hint.
///
/// Zip and legacy OLE (`.xls`) signatures mean [`FileFormat::Xlsx`]; any other
/// content means CSV even if the name says `.xls`, because many systems export
/// tab-separated text under an `.xls` name. The name decides only when the
/// bytes are too short to carry a signature.
pub fn detect_format(file_name: Option<&str>, bytes: &[u8]) -> FileFormat {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(ZIP) || bytes.starts_with(OLE) {
        return FileFormat::Xlsx;
    }
    if bytes.len() < ZIP.len() {
        if let Some(name) = file_name {
            let lower = name.trim().to_ascii_lowercase();
            if [".xlsx", ".xls", ".xlsm", ".xlsb", ".ods"]
                .iter()
                .any(|ext| lower.ends_with(ext))
            {
                return FileFormat::Xlsx;
            }
        }
    }
    FileFormat::Csv
}

/// Parse a whole file. `kind`: None = infer from the header (shop files have a shop-name column; household files have building/room columns; if neither fits, FileError::UnknownKind). `max_rows` caps data rows (TooManyRows beyond it).
/// Parse a whole file. `kind`: None = infer from the header (shop files have a shop-name column; household files have building/room columns; if neither fits, FileError::UnknownKind). `limits` bounds the file (see [`Limits`]).
/// `rows` holds only the rows that are valid; `errors` every problem of every bad row (a row may have several).
///
/// The header is the first non-empty row. Whole-file checks come in this
/// order: unreadable or over the size limits ([`FileError::SheetTooLarge`],
/// [`FileError::UnsupportedWorkbook`]), [`FileError::Empty`] (no non-empty
/// row at all), header ([`FileError::UnknownKind`] /
/// [`FileError::MissingColumns`]), [`FileError::TooManyRows`] (counting
/// only non-empty data rows), and finally [`FileError::Empty`] again when
/// the header has no data row under it. A sheet that is too large is refused
/// when the reader reaches the offending cell, whatever came before it.
pub fn parse(
    bytes: &[u8],
    format: FileFormat,
    kind: Option<ImportKind>,
    limits: &Limits,
) -> Result<Parsed, FileError> {
    let mut sink = validate::Validator::new(kind, limits.max_rows);
    match format {
        FileFormat::Csv => read::csv_rows(bytes, limits, &mut |row| sink.push(row))?,
        FileFormat::Xlsx => read::workbook_rows(bytes, limits, &mut |row| sink.push(row))?,
    }
    sink.finish()
}
