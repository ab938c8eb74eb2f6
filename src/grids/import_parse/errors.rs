//! What can be wrong with an import file or one of its rows: stable codes, and their
//! words in the locale files (`import_file.<code>`; the codes are the import's own, so they
//! have a namespace of their own rather than `reason.*`).

use super::columns::field_label;
use crate::error::{ErrorCode, Refusal};
use crate::i18n::{Arg, Locale, Message};

/// The words `import_file.<key>`, not yet in a language.
pub(super) fn text(key: &str) -> Message {
    Message::new(format!("import_file.{key}"))
}

/// A column named in a message: its label when the key is known, else as it is.
fn column_arg(column: &str) -> Arg {
    match field_label(column) {
        Some(label) => Arg::Words(label),
        None => Arg::Text(column.to_owned()),
    }
}

/// A problem with one row; `line` is the 1-based line/row number as the user sees it in their spreadsheet (the header is line 1, the first data row line 2).
///
/// For CSV this is the record number counting blank lines (a quoted value that
/// spans several physical lines still counts as one row, as in Excel); for
/// workbooks it is the Excel row number, so it stays right even when the
/// table does not start in row 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line/row number.
    pub line: usize,
    /// Canonical field key the problem is about ("grid_code", "building",
    /// "unit", "room", "contact_name", "contact_phone", "name", "address",
    /// "accepts_points"), or `None` for whole-row problems such as duplicates.
    /// Use [`field_label`] to show it to a user.
    pub column: Option<String>,
    /// What is wrong.
    pub problem: RowProblem,
}

impl RowError {
    /// The whole message including line and column, e.g. "Line 3, room: required value
    /// is missing".
    pub fn message(&self) -> Message {
        let m = match self.column.as_deref() {
            Some(c) => text("line_column")
                .text("line", self.line)
                .arg("column", column_arg(c)),
            None => text("line").text("line", self.line),
        };
        m.words("problem", self.problem.message())
    }

    /// The message in `locale`.
    pub fn words(&self, locale: Locale) -> String {
        self.message().render(locale)
    }
}

/// What is wrong with a value or a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    /// A required field is empty.
    Missing,
    /// The value is longer than the field's limit, counted in characters.
    TooLong {
        /// The limit in characters.
        max: usize,
    },
    /// Not a plausible mainland mobile or landline number.
    BadPhone,
    /// The accepts-points value is not a recognised yes/no.
    BadBoolean,
    /// Same natural key as an earlier line in this file.
    DuplicateOf {
        /// The earlier (first) line with that key.
        line: usize,
    },
    /// The grid code does not exist (not produced here; the caller adds it after a DB lookup).
    UnknownGrid,
    /// The grid exists but is not a level-3 grid (not produced here; the caller adds it).
    NotLevel3Grid,
    /// The grid is outside the importing staff member's grids (added by the caller).
    OutOfScope,
}

impl RowProblem {
    /// Stable snake_case code, e.g. "missing", "too_long", "bad_phone", "bad_boolean", "duplicate", "unknown_grid", "not_level3_grid".
    pub fn code(&self) -> &'static str {
        match self {
            RowProblem::Missing => "missing",
            RowProblem::TooLong { .. } => "too_long",
            RowProblem::BadPhone => "bad_phone",
            RowProblem::BadBoolean => "bad_boolean",
            RowProblem::DuplicateOf { .. } => "duplicate",
            RowProblem::UnknownGrid => "unknown_grid",
            RowProblem::NotLevel3Grid => "not_level3_grid",
            RowProblem::OutOfScope => "grid_out_of_scope",
        }
    }
}

impl Refusal for RowProblem {
    fn code(&self) -> &'static str {
        RowProblem::code(self)
    }

    fn error_code(&self) -> ErrorCode {
        ErrorCode::ImportRejected
    }

    /// `import_file.<code>`, with the limit or the earlier line.
    fn message(&self) -> Message {
        let m = text(self.code());
        match self {
            RowProblem::TooLong { max } => m.text("max", max),
            RowProblem::DuplicateOf { line } => m.text("line", line),
            _ => m,
        }
    }

    fn examples() -> Vec<Self> {
        use RowProblem::*;
        vec![
            Missing,
            TooLong { max: 20 },
            BadPhone,
            BadBoolean,
            DuplicateOf { line: 4 },
            UnknownGrid,
            NotLevel3Grid,
            OutOfScope,
        ]
    }
}

/// Whole-file problems: the file cannot be read as an import at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    /// No data: the file is empty, or has a header but no non-empty data row.
    #[error("the file contains no data")]
    Empty,
    /// The workbook could not be opened or has no worksheet; carries the reader's detail.
    #[error("unreadable Excel file: {0}")]
    UnreadableXlsx(String),
    /// The CSV could not be decoded or parsed; carries the detail.
    #[error("unreadable CSV file: {0}")]
    UnreadableCsv(String),
    /// A legacy `.xls` or an OpenDocument `.ods` workbook: their readers load
    /// every sheet whole before anything can be checked, so they are not read.
    #[error("legacy .xls and .ods workbooks are not read; save as .xlsx or CSV")]
    UnsupportedWorkbook,
    /// The sheet reaches further than the limits (its declared dimension, a
    /// cell, a CSV row's fields). Refused before the rows are loaded.
    #[error("the sheet reaches row {rows}, column {columns} (at most {max_rows} rows and {max_columns} columns)")]
    SheetTooLarge {
        /// Last row reached (1-based).
        rows: u64,
        /// Last column reached (1-based).
        columns: u64,
        /// The configured last row.
        max_rows: u32,
        /// The configured last column.
        max_columns: u32,
    },
    /// The workbook's parts unzip to more than allowed (a zip bomb, or a
    /// sheet far larger than any import). Refused before anything is unzipped.
    #[error("the workbook unzips to more than {max_unzipped_bytes} bytes")]
    WorkbookTooLarge {
        /// The configured limit.
        max_unzipped_bytes: u64,
    },
    /// Required columns absent from the header; canonical field keys, in field order.
    #[error("missing required columns: {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    /// The kind was not given and the header fits neither households nor shops.
    #[error("cannot tell whether this is a household or a shop file")]
    UnknownKind,
    /// More non-empty data rows than allowed.
    #[error("too many rows (at most {max})")]
    TooManyRows {
        /// The limit on data rows.
        max: usize,
    },
}

impl FileError {
    /// Stable snake_case code: "empty", "unreadable_xlsx", "unreadable_csv",
    /// "unsupported_workbook", "sheet_too_large", "workbook_too_large",
    /// "missing_columns",
    /// "unknown_kind", "too_many_rows".
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Empty => "empty",
            FileError::UnreadableXlsx(_) => "unreadable_xlsx",
            FileError::UnreadableCsv(_) => "unreadable_csv",
            FileError::UnsupportedWorkbook => "unsupported_workbook",
            FileError::SheetTooLarge { .. } => "sheet_too_large",
            FileError::WorkbookTooLarge { .. } => "workbook_too_large",
            FileError::MissingColumns(_) => "missing_columns",
            FileError::UnknownKind => "unknown_kind",
            FileError::TooManyRows { .. } => "too_many_rows",
        }
    }
}

impl Refusal for FileError {
    fn code(&self) -> &'static str {
        FileError::code(self)
    }

    fn error_code(&self) -> ErrorCode {
        ErrorCode::ImportRejected
    }

    /// `import_file.<code>`: missing columns are named with their header labels so the
    /// user knows what to add; a sheet too large names where it reaches and the limits.
    fn message(&self) -> Message {
        let m = text(self.code());
        match self {
            FileError::UnreadableXlsx(detail) | FileError::UnreadableCsv(detail) => {
                m.text("detail", detail)
            }
            FileError::MissingColumns(cols) => m.arg(
                "columns",
                Arg::List(cols.iter().map(|c| column_arg(c)).collect()),
            ),
            FileError::TooManyRows { max } => m.text("max", max),
            FileError::WorkbookTooLarge { max_unzipped_bytes } => {
                m.text("max_mb", max_unzipped_bytes / (1024 * 1024))
            }
            FileError::SheetTooLarge {
                rows,
                columns,
                max_rows,
                max_columns,
            } => m
                .text("rows", rows)
                .text("column", column_name(*columns))
                .text("max_rows", max_rows)
                .text("max_columns", max_columns),
            _ => m,
        }
    }

    fn examples() -> Vec<Self> {
        use FileError::*;
        vec![
            Empty,
            UnreadableXlsx("zip".into()),
            UnreadableCsv("utf-8".into()),
            UnsupportedWorkbook,
            SheetTooLarge {
                rows: 70_000,
                columns: 20,
                max_rows: 60_000,
                max_columns: 64,
            },
            WorkbookTooLarge {
                max_unzipped_bytes: 64 << 20,
            },
            MissingColumns(vec!["grid_code".into(), "room".into()]),
            UnknownKind,
            TooManyRows { max: 20_000 },
        ]
    }
}

/// Excel's name of a 1-based column number: 1 = A, 27 = AA, 16384 = XFD.
pub(super) fn column_name(mut n: u64) -> String {
    let mut out = Vec::new();
    while n > 0 {
        let d = (n - 1) % 26;
        out.push(b'A' + d as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}
