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

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader};

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
    /// Full human message including line and column, e.g.
    /// "第3行「房号」：必填项为空" or "Line 3, room: required value is missing".
    pub fn message(&self, locale: &str) -> String {
        let en = is_en(locale);
        let col = self
            .column
            .as_deref()
            .map(|c| field_label(c, locale).unwrap_or(c));
        let problem = self.problem.message(locale);
        match (en, col) {
            (true, Some(c)) => format!("Line {}, {}: {}", self.line, c, problem),
            (true, None) => format!("Line {}: {}", self.line, problem),
            (false, Some(c)) => format!("第{}行「{}」：{}", self.line, c, problem),
            (false, None) => format!("第{}行：{}", self.line, problem),
        }
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

    /// Human message in the given locale: "zh-CN" (default for anything not starting with "en") or "en". Includes parameters (max length, the earlier line).
    pub fn message(&self, locale: &str) -> String {
        if is_en(locale) {
            match self {
                RowProblem::Missing => "required value is missing".to_string(),
                RowProblem::TooLong { max } => format!("longer than {max} characters"),
                RowProblem::BadPhone => "not a valid phone number (expected an 11-digit mobile number or a landline with area code, e.g. 0477-1234567)".to_string(),
                RowProblem::BadBoolean => "yes/no value not understood (use 是/否, yes/no, 1/0 or true/false)".to_string(),
                RowProblem::DuplicateOf { line } => format!("duplicate of line {line}"),
                RowProblem::UnknownGrid => "unknown grid code".to_string(),
                RowProblem::NotLevel3Grid => "the grid is not a level-3 grid".to_string(),
                RowProblem::OutOfScope => "the grid is not one of yours".to_string(),
            }
        } else {
            match self {
                RowProblem::Missing => "必填项为空".to_string(),
                RowProblem::TooLong { max } => format!("超过最大长度 {max} 个字符"),
                RowProblem::BadPhone => {
                    "电话号码格式不正确（应为11位手机号或带区号的固定电话，如 0477-1234567）"
                        .to_string()
                }
                RowProblem::BadBoolean => {
                    "无法识别的是/否值（可填：是/否、1/0、true/false）".to_string()
                }
                RowProblem::DuplicateOf { line } => format!("与第 {line} 行重复"),
                RowProblem::UnknownGrid => "网格编码不存在".to_string(),
                RowProblem::NotLevel3Grid => "该网格不是三级网格".to_string(),
                RowProblem::OutOfScope => "该网格不在您的管辖范围内".to_string(),
            }
        }
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
    /// "missing_columns", "unknown_kind", "too_many_rows".
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Empty => "empty",
            FileError::UnreadableXlsx(_) => "unreadable_xlsx",
            FileError::UnreadableCsv(_) => "unreadable_csv",
            FileError::MissingColumns(_) => "missing_columns",
            FileError::UnknownKind => "unknown_kind",
            FileError::TooManyRows { .. } => "too_many_rows",
        }
    }

    /// Human message in the given locale: "zh-CN" (default for anything not
    /// starting with "en") or "en". Missing columns are named with their
    /// localised header labels so the user knows what to add.
    pub fn message(&self, locale: &str) -> String {
        let en = is_en(locale);
        match self {
            FileError::Empty => {
                if en {
                    "The file contains no data (a header row and at least one data row are needed)."
                        .to_string()
                } else {
                    "文件中没有数据（需要一行表头和至少一行数据）".to_string()
                }
            }
            FileError::UnreadableXlsx(detail) => {
                if en {
                    format!("Could not read the Excel file; make sure it is not damaged or password-protected ({detail}).")
                } else {
                    format!("无法读取 Excel 文件，请确认文件未损坏且未加密（{detail}）")
                }
            }
            FileError::UnreadableCsv(detail) => {
                if en {
                    format!("Could not read the CSV file ({detail}).")
                } else {
                    format!("无法读取 CSV 文件（{detail}）")
                }
            }
            FileError::MissingColumns(cols) => {
                let labels: Vec<&str> = cols
                    .iter()
                    .map(|c| field_label(c, locale).unwrap_or(c))
                    .collect();
                if en {
                    format!("Missing required columns: {}.", labels.join(", "))
                } else {
                    format!("缺少必需的列：{}", labels.join("、"))
                }
            }
            FileError::UnknownKind => {
                if en {
                    "Cannot tell the import type: the header has neither building/room columns (households) nor a shop name column (shops).".to_string()
                } else {
                    "无法识别导入类型：表头中既没有“楼栋/房号”列（住户），也没有“商户名称”列（商户）".to_string()
                }
            }
            FileError::TooManyRows { max } => {
                if en {
                    format!(
                        "Too many rows: at most {max} data rows per file; please split the file."
                    )
                } else {
                    format!("数据行数超过上限（每个文件最多 {max} 行），请分批导入")
                }
            }
        }
    }
}

/// Result of parsing a file.
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
/// `rows` holds only the rows that are valid; `errors` every problem of every bad row (a row may have several).
///
/// The header is the first non-empty row. Whole-file checks come in this
/// order: unreadable, [`FileError::Empty`] (no non-empty row at all), header
/// ([`FileError::UnknownKind`] / [`FileError::MissingColumns`]),
/// [`FileError::TooManyRows`] (counting only non-empty data rows), and
/// finally [`FileError::Empty`] again when the header has no data row under it.
pub fn parse(
    bytes: &[u8],
    format: FileFormat,
    kind: Option<ImportKind>,
    max_rows: usize,
) -> Result<Parsed, FileError> {
    match format {
        FileFormat::Csv => {
            let text = decode_text(bytes)?;
            let rows = csv_rows(&text)?;
            process(rows, kind, max_rows)
        }
        FileFormat::Xlsx => {
            let rows = workbook_rows(bytes)?;
            process(rows, kind, max_rows)
        }
    }
}

/// Normalise a phone number: digits only, landline area code keeps its
/// leading 0, any +86 / 0086 / 86 country prefix is dropped. Returns `None`
/// when the value is not a plausible mainland mobile (1[3-9] + 9 digits) or
/// landline (0 + 2-3 digit area code, then 7-8 digits).
///
/// Spaces, hyphens, dots and full-width forms are tolerated because people
/// type "138 1234 5678", "０４７７－１２３４５６７" or "(0477)1234567".
pub fn normalize_phone(raw: &str) -> Option<String> {
    // Fold full-width ASCII (common with Chinese IMEs) to half-width first.
    let folded: String = clean(raw)
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '—' | '–' => '-',
            _ => c,
        })
        .collect();
    // Keep hyphens for now: when present they tell where the area code ends.
    let mut s: String = folded
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '\t'))
        .collect();
    // Country prefix. With an explicit "+86"/"0086" the landline area code is
    // conventionally written without its 0 ("+86 477 1234567"), so restore it.
    let mut explicit_intl = false;
    if let Some(rest) = s.strip_prefix("+86").or_else(|| s.strip_prefix("0086")) {
        s = rest.trim_start_matches('-').to_string();
        explicit_intl = true;
    }
    let with_zero = |area: &str| {
        if explicit_intl && !area.starts_with('0') {
            format!("0{area}")
        } else {
            area.to_string()
        }
    };
    // "(0477)1234567": the parenthesised part must be the area code.
    if let Some(rest) = s.strip_prefix('(') {
        let (area, number) = rest.split_once(')')?;
        return landline(&with_zero(area), &number.replace('-', ""));
    }
    // "0477-1234567": the part before the first hyphen must be the area code,
    // so "0477-123456" is rejected instead of being read as 047-7123456.
    if !s.starts_with('1') && (s.starts_with('0') || explicit_intl) {
        if let Some((area, number)) = s.split_once('-') {
            return landline(&with_zero(area), &number.replace('-', ""));
        }
    }
    let mut s = s.replace('-', "");
    if !explicit_intl && s.len() == 13 && s.starts_with("86") && is_mobile(&s[2..]) {
        // A bare "86" is only taken as a country code in front of a mobile:
        // otherwise it would be indistinguishable from ordinary digits.
        s.drain(..2);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) || s.is_empty() {
        return None;
    }
    if is_mobile(&s) {
        return Some(s);
    }
    if explicit_intl && !s.starts_with('0') && !s.starts_with('1') {
        s.insert(0, '0');
    }
    // Area code 0 + 2-3 digits (3-4 with the 0) and a 7-8 digit number:
    // 10-12 digits in all. Without a separator the split is ambiguous, so
    // only the total is checked.
    let is_landline = s.starts_with('0') && !s.starts_with("00") && (10..=12).contains(&s.len());
    is_landline.then_some(s)
}

/// Landline from a separated area code and local number: area 0 + 2-3
/// digits, number 7-8 digits not starting with 0 (local numbers never do).
fn landline(area: &str, number: &str) -> Option<String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ok_area = (3..=4).contains(&area.len())
        && area.starts_with('0')
        && !area.starts_with("00")
        && digits(area);
    let ok_number = (7..=8).contains(&number.len()) && !number.starts_with('0') && digits(number);
    (ok_area && ok_number).then(|| format!("{area}{number}"))
}

/// Parse a yes/no value as staff write it: true/false, yes/no, y/n, 1/0,
/// 是/否, 接受/不接受, √/× (and ✓/✔/✗/✘), case-insensitive; empty means `false`.
/// Returns `None` for anything else.
pub fn parse_bool(raw: &str) -> Option<bool> {
    let v = clean(raw).to_lowercase();
    match v.as_str() {
        "" | "false" | "no" | "n" | "0" | "否" | "不接受" | "×" | "✗" | "✘" => Some(false),
        "true" | "yes" | "y" | "1" | "是" | "接受" | "√" | "✓" | "✔" => Some(true),
        _ => None,
    }
}

/// Human label of a canonical field key (as found in [`RowError::column`] and
/// [`FileError::MissingColumns`]) in the given locale; `None` for unknown keys.
pub fn field_label(field: &str, locale: &str) -> Option<&'static str> {
    let f = Field::from_key(field)?;
    Some(if is_en(locale) {
        f.label_en()
    } else {
        f.label_zh()
    })
}

// ---------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------

const MAX_GRID_CODE: usize = 32;
const MAX_BUILDING: usize = 32;
const MAX_UNIT: usize = 16;
const MAX_ROOM: usize = 32;
const MAX_CONTACT_NAME: usize = 64;
const MAX_NAME: usize = 100;
const MAX_ADDRESS: usize = 200;

/// Anything not starting with "en" falls back to Chinese, the users' language.
fn is_en(locale: &str) -> bool {
    locale.trim().to_ascii_lowercase().starts_with("en")
}

/// Trim whitespace including U+3000 (ideographic space, `char::is_whitespace`
/// covers it) plus stray BOM / zero-width spaces that copy-paste leaves behind.
fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}')
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(|c| c.is_ascii_digit())
}

/// The columns we know about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    GridCode,
    Building,
    Unit,
    Room,
    ContactName,
    ContactPhone,
    Name,
    Address,
    AcceptsPoints,
}

impl Field {
    const ALL: [Field; 9] = [
        Field::GridCode,
        Field::Building,
        Field::Unit,
        Field::Room,
        Field::ContactName,
        Field::ContactPhone,
        Field::Name,
        Field::Address,
        Field::AcceptsPoints,
    ];

    fn key(self) -> &'static str {
        match self {
            Field::GridCode => "grid_code",
            Field::Building => "building",
            Field::Unit => "unit",
            Field::Room => "room",
            Field::ContactName => "contact_name",
            Field::ContactPhone => "contact_phone",
            Field::Name => "name",
            Field::Address => "address",
            Field::AcceptsPoints => "accepts_points",
        }
    }

    fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    fn label_zh(self) -> &'static str {
        match self {
            Field::GridCode => "网格编码",
            Field::Building => "楼栋",
            Field::Unit => "单元",
            Field::Room => "房号",
            Field::ContactName => "联系人",
            Field::ContactPhone => "联系电话",
            Field::Name => "商户名称",
            Field::Address => "地址",
            Field::AcceptsPoints => "积分抵扣",
        }
    }

    fn label_en(self) -> &'static str {
        match self {
            Field::GridCode => "grid code",
            Field::Building => "building",
            Field::Unit => "unit",
            Field::Room => "room",
            Field::ContactName => "contact name",
            Field::ContactPhone => "contact phone",
            Field::Name => "shop name",
            Field::Address => "address",
            Field::AcceptsPoints => "accepts points",
        }
    }

    /// Header aliases, already in [`normalize_header`] form.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::GridCode => &["gridcode", "grid", "网格编码", "网格代码", "小区编码"],
            Field::Building => &["building", "楼栋", "楼号", "楼", "楼栋号"],
            Field::Unit => &["unit", "单元", "单元号"],
            Field::Room => &["room", "roomno", "房号", "门牌号", "户号", "房间号"],
            Field::ContactName => &["contactname", "contact", "联系人", "户主", "姓名"],
            Field::ContactPhone => &[
                "contactphone",
                "phone",
                "mobile",
                "tel",
                "联系电话",
                "电话",
                "手机",
                "手机号",
                "手机号码",
                "电话号码",
                "联系方式",
            ],
            Field::Name => &[
                "name",
                "shopname",
                "商户名称",
                "店名",
                "名称",
                "商户名",
                "店铺名称",
            ],
            Field::Address => &["address", "地址", "经营地址"],
            Field::AcceptsPoints => &[
                "acceptspoints",
                "points",
                "积分抵扣",
                "接受积分",
                "是否接受积分",
            ],
        }
    }

    fn fields_of(kind: ImportKind) -> &'static [Field] {
        match kind {
            ImportKind::Household => &[
                Field::GridCode,
                Field::Building,
                Field::Unit,
                Field::Room,
                Field::ContactName,
                Field::ContactPhone,
            ],
            ImportKind::Shop => &[
                Field::GridCode,
                Field::Name,
                Field::Address,
                Field::AcceptsPoints,
                Field::ContactPhone,
            ],
        }
    }

    fn required_of(kind: ImportKind) -> &'static [Field] {
        match kind {
            ImportKind::Household => &[Field::GridCode, Field::Building, Field::Room],
            ImportKind::Shop => &[Field::GridCode, Field::Name, Field::Address],
        }
    }
}

/// Header text in comparable form: BOM/whitespace trimmed, lower-cased,
/// separators and "required" asterisks removed, and a trailing note in
/// parentheses dropped, so "Grid Code", "grid_code", "房号*" and
/// "联系电话（选填）" all match their aliases.
fn normalize_header(raw: &str) -> String {
    let mut s = clean(raw).to_lowercase();
    for (open, close) in [('(', ')'), ('（', '）')] {
        if s.ends_with(close) {
            if let Some(pos) = s.rfind(open) {
                if pos > 0 {
                    s.truncate(pos);
                }
            }
        }
    }
    s.chars()
        .filter(|c| {
            !c.is_whitespace() && !matches!(c, '_' | '-' | '*' | '＊' | ':' | '：' | '\u{FEFF}')
        })
        .collect()
}

/// One raw row: its user-visible line number and its cells as text.
struct RawRow {
    line: usize,
    cells: Vec<String>,
}

impl RawRow {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| clean(c).is_empty())
    }
}

/// Column index of each field present in the header (first matching column wins).
struct Columns {
    index: HashMap<Field, usize>,
}

impl Columns {
    fn from_header(header: &[String], kind: ImportKind) -> Columns {
        let mut index = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            let norm = normalize_header(h);
            if norm.is_empty() {
                continue;
            }
            for &f in Field::fields_of(kind) {
                if f.aliases().contains(&norm.as_str()) {
                    index.entry(f).or_insert(i);
                }
            }
        }
        Columns { index }
    }

    fn missing(&self, kind: ImportKind) -> Vec<String> {
        Field::required_of(kind)
            .iter()
            .filter(|f| !self.index.contains_key(f))
            .map(|f| f.key().to_string())
            .collect()
    }

    fn get<'a>(&self, row: &'a RawRow, f: Field) -> &'a str {
        self.index
            .get(&f)
            .and_then(|&i| row.cells.get(i))
            .map(|s| clean(s))
            .unwrap_or("")
    }
}

/// Pick the kind and the column mapping for a header.
fn resolve_kind(
    header: &[String],
    kind: Option<ImportKind>,
) -> Result<(ImportKind, Columns), FileError> {
    let chosen = match kind {
        Some(k) => k,
        None => {
            let house = Columns::from_header(header, ImportKind::Household);
            let shop = Columns::from_header(header, ImportKind::Shop);
            let looks_house = house.index.contains_key(&Field::Building)
                || house.index.contains_key(&Field::Room);
            let looks_shop = shop.index.contains_key(&Field::Name);
            match (looks_house, looks_shop) {
                (true, false) => ImportKind::Household,
                (false, true) => ImportKind::Shop,
                // Both signals (e.g. a "name" column in a household file):
                // trust whichever kind has all its required columns.
                (true, true) => {
                    let house_ok = house.missing(ImportKind::Household).is_empty();
                    let shop_ok = shop.missing(ImportKind::Shop).is_empty();
                    match (house_ok, shop_ok) {
                        (true, false) => ImportKind::Household,
                        (false, true) => ImportKind::Shop,
                        _ => return Err(FileError::UnknownKind),
                    }
                }
                (false, false) => return Err(FileError::UnknownKind),
            }
        }
    };
    let cols = Columns::from_header(header, chosen);
    let missing = cols.missing(chosen);
    if !missing.is_empty() {
        return Err(FileError::MissingColumns(missing));
    }
    Ok((chosen, cols))
}

/// Shared driver for both formats: header, limits, validation, duplicates.
fn process<I>(rows: I, kind: Option<ImportKind>, max_rows: usize) -> Result<Parsed, FileError>
where
    I: IntoIterator<Item = RawRow>,
{
    let mut rows = rows.into_iter().filter(|r| !r.is_blank());
    let header = rows.next().ok_or(FileError::Empty)?;
    let (kind, cols) = resolve_kind(&header.cells, kind)?;

    let mut errors = Vec::new();
    let mut households = Vec::new();
    let mut shops = Vec::new();
    let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
    let mut total = 0usize;

    for row in rows {
        total += 1;
        if total > max_rows {
            return Err(FileError::TooManyRows { max: max_rows });
        }
        let mut v = RowValidator {
            line: row.line,
            errors: Vec::new(),
        };
        match kind {
            ImportKind::Household => {
                let grid_code = v.text(
                    Field::GridCode,
                    cols.get(&row, Field::GridCode),
                    true,
                    MAX_GRID_CODE,
                );
                let building = v.text(
                    Field::Building,
                    cols.get(&row, Field::Building),
                    true,
                    MAX_BUILDING,
                );
                let unit = v.text(Field::Unit, cols.get(&row, Field::Unit), false, MAX_UNIT);
                let room = v.text(Field::Room, cols.get(&row, Field::Room), true, MAX_ROOM);
                let contact_name = v.text(
                    Field::ContactName,
                    cols.get(&row, Field::ContactName),
                    false,
                    MAX_CONTACT_NAME,
                );
                let contact_phone = v.phone(cols.get(&row, Field::ContactPhone));
                let key = [&grid_code, &building, &unit, &room];
                v.duplicate(&mut seen, &key);
                if v.errors.is_empty() {
                    households.push(HouseholdRow {
                        line: row.line,
                        grid_code: grid_code.unwrap_or_default(),
                        building: building.unwrap_or_default(),
                        unit: unit.unwrap_or_default(),
                        room: room.unwrap_or_default(),
                        contact_name: contact_name.filter(|s| !s.is_empty()),
                        contact_phone,
                    });
                }
            }
            ImportKind::Shop => {
                let grid_code = v.text(
                    Field::GridCode,
                    cols.get(&row, Field::GridCode),
                    true,
                    MAX_GRID_CODE,
                );
                let name = v.text(Field::Name, cols.get(&row, Field::Name), true, MAX_NAME);
                let address = v.text(
                    Field::Address,
                    cols.get(&row, Field::Address),
                    true,
                    MAX_ADDRESS,
                );
                let accepts_points =
                    v.boolean(Field::AcceptsPoints, cols.get(&row, Field::AcceptsPoints));
                let contact_phone = v.phone(cols.get(&row, Field::ContactPhone));
                let key = [&grid_code, &name, &address];
                v.duplicate(&mut seen, &key);
                if v.errors.is_empty() {
                    shops.push(ShopRow {
                        line: row.line,
                        grid_code: grid_code.unwrap_or_default(),
                        name: name.unwrap_or_default(),
                        address: address.unwrap_or_default(),
                        accepts_points,
                        contact_phone,
                    });
                }
            }
        }
        errors.append(&mut v.errors);
    }

    if total == 0 {
        return Err(FileError::Empty);
    }
    let rows = match kind {
        ImportKind::Household => Rows::Households(households),
        ImportKind::Shop => Rows::Shops(shops),
    };
    Ok(Parsed {
        rows,
        errors,
        total_lines: total,
    })
}

/// Collects the problems of one row.
struct RowValidator {
    line: usize,
    errors: Vec<RowError>,
}

impl RowValidator {
    fn push(&mut self, f: Option<Field>, problem: RowProblem) {
        self.errors.push(RowError {
            line: self.line,
            column: f.map(|f| f.key().to_string()),
            problem,
        });
    }

    /// `Some(value)` (possibly empty for optional fields) when valid, `None` when a problem was recorded.
    fn text(&mut self, f: Field, value: &str, required: bool, max: usize) -> Option<String> {
        if value.is_empty() && required {
            self.push(Some(f), RowProblem::Missing);
            return None;
        }
        if value.chars().count() > max {
            self.push(Some(f), RowProblem::TooLong { max });
            return None;
        }
        Some(value.to_string())
    }

    fn phone(&mut self, value: &str) -> Option<String> {
        if value.is_empty() {
            return None;
        }
        let p = normalize_phone(value);
        if p.is_none() {
            self.push(Some(Field::ContactPhone), RowProblem::BadPhone);
        }
        p
    }

    fn boolean(&mut self, f: Field, value: &str) -> bool {
        match parse_bool(value) {
            Some(b) => b,
            None => {
                self.push(Some(f), RowProblem::BadBoolean);
                false
            }
        }
    }

    /// Duplicate check on the natural key. Rows whose key fields are invalid
    /// take no part: their key is not known, and they already carry an error.
    /// A row with other problems (e.g. a bad phone) still claims its key, so
    /// the user learns about both copies of the same dwelling at once.
    fn duplicate(&mut self, seen: &mut HashMap<Vec<String>, usize>, key: &[&Option<String>]) {
        let Some(key) = key
            .iter()
            .map(|k| k.as_ref().map(|s| s.to_ascii_lowercase()))
            .collect::<Option<Vec<String>>>()
        else {
            return;
        };
        match seen.get(&key) {
            Some(&first) => self.push(None, RowProblem::DuplicateOf { line: first }),
            None => {
                seen.insert(key, self.line);
            }
        }
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

/// Split decoded CSV text into raw rows with user-visible line numbers.
fn csv_rows(text: &str) -> Result<Vec<RawRow>, FileError> {
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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
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
        out.push(RawRow {
            line,
            cells: rec.iter().map(str::to_string).collect(),
        });
    }
    Ok(out)
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

/// Read the first worksheet of a workbook into raw rows with Excel row numbers.
fn workbook_rows(bytes: &[u8]) -> Result<Vec<RawRow>, FileError> {
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| FileError::UnreadableXlsx(e.to_string()))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| FileError::UnreadableXlsx("the workbook has no worksheet".to_string()))?
        .map_err(|e| FileError::UnreadableXlsx(e.to_string()))?;
    // The range starts at the first used cell, not necessarily A1.
    let (first_row, _) = range.start().unwrap_or((0, 0));
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, cells)| RawRow {
            line: first_row as usize + i + 1,
            cells: cells.iter().map(cell_text).collect(),
        })
        .collect())
}

/// Cell as text. Excel stores numbers as doubles, so a room typed as 101
/// arrives as 101.0 and a phone as 13812345678.0; integral values are
/// printed without the ".0".
fn cell_text(cell: &Data) -> String {
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
fn format_number(f: f64) -> String {
    // 2^53: beyond it doubles no longer represent every integer.
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 1000;

    fn households(p: &Parsed) -> &Vec<HouseholdRow> {
        match &p.rows {
            Rows::Households(v) => v,
            Rows::Shops(_) => panic!("expected households, got shops"),
        }
    }

    fn shops(p: &Parsed) -> &Vec<ShopRow> {
        match &p.rows {
            Rows::Shops(v) => v,
            Rows::Households(_) => panic!("expected shops, got households"),
        }
    }

    fn err(line: usize, column: Option<&str>, problem: RowProblem) -> RowError {
        RowError {
            line,
            column: column.map(str::to_string),
            problem,
        }
    }

    fn csv(text: &str, kind: Option<ImportKind>) -> Result<Parsed, FileError> {
        parse(text.as_bytes(), FileFormat::Csv, kind, MAX)
    }

    const ZH_HOUSE: &str = "网格编码,楼栋,单元,房号,联系人,联系电话\n\
                            G001,3号楼,2,101,张三,138 1234 5678\n\
                            G001,3号楼,,102,,\n";

    #[test]
    fn utf8_csv_with_chinese_headers() {
        let p = csv(ZH_HOUSE, None).unwrap();
        assert_eq!(p.errors, vec![]);
        assert_eq!(p.total_lines, 2);
        assert_eq!(
            households(&p),
            &vec![
                HouseholdRow {
                    line: 2,
                    grid_code: "G001".into(),
                    building: "3号楼".into(),
                    unit: "2".into(),
                    room: "101".into(),
                    contact_name: Some("张三".into()),
                    contact_phone: Some("13812345678".into()),
                },
                HouseholdRow {
                    line: 3,
                    grid_code: "G001".into(),
                    building: "3号楼".into(),
                    unit: "".into(),
                    room: "102".into(),
                    contact_name: None,
                    contact_phone: None,
                },
            ]
        );
    }

    #[test]
    fn gbk_csv_with_chinese_headers() {
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(ZH_HOUSE);
        assert!(!unmappable);
        // Make sure the fixture really is not UTF-8, or the test proves nothing.
        assert!(std::str::from_utf8(&bytes).is_err());
        let p = parse(&bytes, FileFormat::Csv, None, MAX).unwrap();
        assert_eq!(p.errors, vec![]);
        let rows = households(&p);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].building, "3号楼");
        assert_eq!(rows[0].contact_name.as_deref(), Some("张三"));
    }

    #[test]
    fn utf8_bom_is_ignored_in_header() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(ZH_HOUSE.as_bytes());
        let p = parse(&bytes, FileFormat::Csv, None, MAX).unwrap();
        assert_eq!(households(&p)[0].grid_code, "G001");
        assert_eq!(households(&p).len(), 2);
    }

    #[test]
    fn utf16le_with_bom_and_tabs() {
        // Excel's "Unicode text" export: UTF-16LE with BOM, tab-separated.
        let text = ZH_HOUSE.replace(',', "\t");
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let p = parse(&bytes, FileFormat::Csv, None, MAX).unwrap();
        assert_eq!(p.errors, vec![]);
        assert_eq!(households(&p)[0].room, "101");
        assert_eq!(
            households(&p)[0].contact_phone.as_deref(),
            Some("13812345678")
        );
    }

    #[test]
    fn utf16be_with_bom() {
        let mut bytes = vec![0xFE, 0xFF];
        for u in ZH_HOUSE.encode_utf16() {
            bytes.extend_from_slice(&u.to_be_bytes());
        }
        let p = parse(&bytes, FileFormat::Csv, None, MAX).unwrap();
        assert_eq!(households(&p).len(), 2);
    }

    #[test]
    fn tab_and_semicolon_delimiters() {
        let tab = "grid_code\tname\taddress\nG1\t老王面馆\t幸福路1号, 底商\n";
        let p = csv(tab, None).unwrap();
        // The comma inside a value must not make it a comma file.
        assert_eq!(shops(&p)[0].address, "幸福路1号, 底商");

        let semi = "grid_code;name;address\nG1;老王面馆;幸福路1号\n";
        let p = csv(semi, None).unwrap();
        assert_eq!(shops(&p)[0].name, "老王面馆");
    }

    #[test]
    fn english_headers_any_case_order_and_extra_columns() {
        let text = " Remark ,ROOM, Building ,Grid Code,Unit*\nx,101,3,G1,1\n";
        let p = csv(text, None).unwrap();
        let r = &households(&p)[0];
        assert_eq!(
            (
                r.grid_code.as_str(),
                r.building.as_str(),
                r.unit.as_str(),
                r.room.as_str()
            ),
            ("G1", "3", "1", "101")
        );
    }

    #[test]
    fn kind_inference() {
        let shop = "网格编码,店名,经营地址,是否接受积分\nG1,小卖部,A路1号,是\n";
        let p = csv(shop, None).unwrap();
        assert_eq!(p.rows.kind(), ImportKind::Shop);
        assert!(shops(&p)[0].accepts_points);

        let house = "小区编码,楼号,门牌号\nG1,1,101\n";
        assert_eq!(csv(house, None).unwrap().rows.kind(), ImportKind::Household);

        let neither = "网格编码,备注\nG1,x\n";
        assert_eq!(csv(neither, None).unwrap_err(), FileError::UnknownKind);

        // An explicit kind is honoured even when the header would suggest another.
        assert_eq!(
            csv(house, Some(ImportKind::Shop)).unwrap_err(),
            FileError::MissingColumns(vec!["name".into(), "address".into()])
        );
    }

    #[test]
    fn missing_required_columns() {
        let text = "楼栋,单元\n1,1\n";
        assert_eq!(
            csv(text, None).unwrap_err(),
            FileError::MissingColumns(vec!["grid_code".into(), "room".into()])
        );
        let e = csv(text, Some(ImportKind::Household)).unwrap_err();
        assert_eq!(e.code(), "missing_columns");
        assert_eq!(e.message("zh-CN"), "缺少必需的列：网格编码、房号");
        assert_eq!(
            e.message("en-US"),
            "Missing required columns: grid code, room."
        );
    }

    #[test]
    fn every_row_problem_with_line_numbers() {
        let long_unit = "单".repeat(17);
        let text = format!(
            "grid_code,name,address,accepts_points,contact_phone\n\
             G1,,A路1号,,\n\
             G1,店,{},,\n\
             G1,店2,B路,maybe,\n\
             G1,店3,C路,否,12345\n\
             G1,店2,B路,1,\n",
            "路".repeat(201)
        );
        let p = csv(&text, None).unwrap();
        assert_eq!(
            p.errors,
            vec![
                err(2, Some("name"), RowProblem::Missing),
                err(3, Some("address"), RowProblem::TooLong { max: 200 }),
                err(4, Some("accepts_points"), RowProblem::BadBoolean),
                err(5, Some("contact_phone"), RowProblem::BadPhone),
                err(6, None, RowProblem::DuplicateOf { line: 4 }),
            ]
        );
        assert!(shops(&p).is_empty());
        assert_eq!(p.total_lines, 5);

        // TooLong counts characters, not bytes: 16 CJK chars (48 bytes) is fine.
        let ok = format!(
            "网格编码,楼栋,单元,房号\nG1,1,{},101\nG1,1,{},102\n",
            "单".repeat(16),
            long_unit
        );
        let p = csv(&ok, None).unwrap();
        assert_eq!(households(&p).len(), 1);
        assert_eq!(
            p.errors,
            vec![err(3, Some("unit"), RowProblem::TooLong { max: 16 })]
        );
    }

    #[test]
    fn row_with_several_problems() {
        let text = format!(
            "网格编码,楼栋,房号,联系人,电话\n,{},,{},abc\n",
            "楼".repeat(33),
            "名".repeat(65)
        );
        let p = csv(&text, None).unwrap();
        assert_eq!(
            p.errors,
            vec![
                err(2, Some("grid_code"), RowProblem::Missing),
                err(2, Some("building"), RowProblem::TooLong { max: 32 }),
                err(2, Some("room"), RowProblem::Missing),
                err(2, Some("contact_name"), RowProblem::TooLong { max: 64 }),
                err(2, Some("contact_phone"), RowProblem::BadPhone),
            ]
        );
        assert!(households(&p).is_empty());
    }

    #[test]
    fn duplicates_fold_ascii_case_and_whitespace() {
        let text = "网格编码,楼栋,单元,房号\n\
                    g1,A栋,1,101\n\
                    G1 ,a栋,1,101\n\
                    G1,A栋,2,101\n\
                    G1,A栋,1,101\u{3000}\n\
                    G1,A栋,,101\n\
                    G1,A栋,,101\n";
        let p = csv(text, None).unwrap();
        assert_eq!(
            p.errors,
            vec![
                err(3, None, RowProblem::DuplicateOf { line: 2 }),
                err(5, None, RowProblem::DuplicateOf { line: 2 }),
                err(7, None, RowProblem::DuplicateOf { line: 6 }),
            ]
        );
        let lines: Vec<usize> = households(&p).iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 4, 6]);
        // Values keep their original case; only the comparison is folded.
        assert_eq!(households(&p)[0].grid_code, "g1");
    }

    #[test]
    fn blank_rows_skipped_but_counted() {
        let text = "网格编码,楼栋,房号\n\nG1,1,101\n,,\n \t \nG1,1,\n\n";
        let p = csv(text, None).unwrap();
        assert_eq!(households(&p)[0].line, 3);
        assert_eq!(p.errors, vec![err(6, Some("room"), RowProblem::Missing)]);
        assert_eq!(p.total_lines, 2);
    }

    #[test]
    fn quoted_multiline_value_is_one_row_and_crlf() {
        let text = "grid_code,name,address\r\nG1,\"老王\r\n面馆\",A路\r\nG1,,B路\r\n";
        let p = csv(text, None).unwrap();
        assert_eq!(shops(&p)[0].name, "老王\n面馆");
        assert_eq!(p.errors, vec![err(3, Some("name"), RowProblem::Missing)]);
    }

    #[test]
    fn full_width_spaces_trimmed() {
        let text = "网格编码,楼栋,房号,联系人\n\u{3000}G1\u{3000}, 1 ,\u{3000}101,\u{3000}\n";
        let p = csv(text, None).unwrap();
        let r = &households(&p)[0];
        assert_eq!(r.grid_code, "G1");
        assert_eq!(r.room, "101");
        assert_eq!(r.contact_name, None);
        // Only spaces in a required field count as missing.
        let p = csv("网格编码,楼栋,房号\nG1,\u{3000}\u{3000},101\n", None).unwrap();
        assert_eq!(
            p.errors,
            vec![err(2, Some("building"), RowProblem::Missing)]
        );
    }

    #[test]
    fn too_many_rows() {
        let text = "网格编码,楼栋,房号\nG1,1,101\n\nG1,1,102\nG1,1,103\n";
        assert_eq!(
            parse(text.as_bytes(), FileFormat::Csv, None, 2).unwrap_err(),
            FileError::TooManyRows { max: 2 }
        );
        // Blank rows do not count toward the limit.
        let p = parse(text.as_bytes(), FileFormat::Csv, None, 3).unwrap();
        assert_eq!(p.total_lines, 3);
    }

    #[test]
    fn empty_files() {
        assert_eq!(csv("", None).unwrap_err(), FileError::Empty);
        assert_eq!(
            parse(b"\xEF\xBB\xBF", FileFormat::Csv, None, MAX).unwrap_err(),
            FileError::Empty
        );
        assert_eq!(csv("\n,,\n\n", None).unwrap_err(), FileError::Empty);
        // Header only, no data.
        assert_eq!(
            csv("网格编码,楼栋,房号\n\n", None).unwrap_err(),
            FileError::Empty
        );
    }

    #[test]
    fn unreadable_inputs() {
        let e = parse(b"PK\x03\x04garbage", FileFormat::Xlsx, None, MAX).unwrap_err();
        assert_eq!(e.code(), "unreadable_xlsx");
        let e = parse(b"a,b\0c\n", FileFormat::Csv, None, MAX).unwrap_err();
        assert_eq!(e.code(), "unreadable_csv");
    }

    #[test]
    fn shop_booleans() {
        let text = "网格编码,商户名称,地址,积分抵扣\n\
                    G1,a,x,是\nG1,b,x,否\nG1,c,x,TRUE\nG1,d,x,n\nG1,e,x,√\nG1,f,x,×\nG1,g,x,接受\nG1,h,x,不接受\nG1,i,x,\nG1,j,x,Yes\nG1,k,x,0\n";
        let p = csv(text, None).unwrap();
        assert_eq!(p.errors, vec![]);
        let got: Vec<bool> = shops(&p).iter().map(|s| s.accepts_points).collect();
        assert_eq!(
            got,
            vec![true, false, true, false, true, false, true, false, false, true, false]
        );
        for bad in ["maybe", "2", "x", "可以"] {
            assert_eq!(parse_bool(bad), None, "{bad}");
        }
        // Column absent altogether: default false.
        let p = csv("网格编码,商户名称,地址\nG1,a,x\n", None).unwrap();
        assert!(!shops(&p)[0].accepts_points);
    }

    #[test]
    fn phone_normalisation() {
        let ok = [
            ("13812345678", "13812345678"),
            ("138 1234 5678", "13812345678"),
            ("138-1234-5678", "13812345678"),
            ("+86 138 1234 5678", "13812345678"),
            ("+8613812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("008613812345678", "13812345678"),
            ("１３８１２３４５６７８", "13812345678"),
            ("0477-1234567", "04771234567"),
            ("04771234567", "04771234567"),
            ("(0477)1234567", "04771234567"),
            ("（0477）1234567", "04771234567"),
            ("(0477) 123-4567", "04771234567"),
            ("010-12345678", "01012345678"),
            ("0477-12345678", "047712345678"),
            ("+86 477 1234567", "04771234567"),
            ("+86 (0477) 1234567", "04771234567"),
        ];
        for (input, want) in ok {
            assert_eq!(normalize_phone(input).as_deref(), Some(want), "{input}");
        }
        let bad = [
            "12812345678",    // second digit 2
            "1381234567",     // 10 digits
            "138123456789",   // 12 digits
            "4771234567",     // landline that lost its 0 (Excel number)
            "0477-123456",    // number too short
            "047-1234567890", // too long
            "(477)1234567",   // area code without 0
            "(0477)0123456",  // number starting with 0
            "phone",
            "138****5678",
            "",
            "+86",
        ];
        for input in bad {
            assert_eq!(normalize_phone(input), None, "{input}");
        }
    }

    #[test]
    fn row_problem_codes_and_messages_both_locales() {
        let all = [
            (
                RowProblem::Missing,
                "missing",
                "必填项为空",
                "required value is missing",
            ),
            (
                RowProblem::TooLong { max: 32 },
                "too_long",
                "超过最大长度 32 个字符",
                "longer than 32 characters",
            ),
            (
                RowProblem::BadPhone,
                "bad_phone",
                "电话号码格式不正确",
                "not a valid phone number",
            ),
            (
                RowProblem::BadBoolean,
                "bad_boolean",
                "无法识别的是/否值",
                "yes/no value not understood",
            ),
            (
                RowProblem::DuplicateOf { line: 7 },
                "duplicate",
                "与第 7 行重复",
                "duplicate of line 7",
            ),
            (
                RowProblem::UnknownGrid,
                "unknown_grid",
                "网格编码不存在",
                "unknown grid code",
            ),
            (
                RowProblem::NotLevel3Grid,
                "not_level3_grid",
                "三级网格",
                "level-3 grid",
            ),
        ];
        for (p, code, zh, en) in all {
            assert_eq!(p.code(), code);
            assert!(p.message("zh-CN").contains(zh), "{}", p.message("zh-CN"));
            assert!(p.message("en").contains(en), "{}", p.message("en"));
            assert!(p.message("EN-gb").contains(en));
            // Anything not English falls back to Chinese.
            assert_eq!(p.message("fr"), p.message("zh-CN"));
            assert_eq!(p.message(""), p.message("zh-CN"));
        }
        let e = err(3, Some("room"), RowProblem::Missing);
        assert_eq!(e.message("zh-CN"), "第3行「房号」：必填项为空");
        assert_eq!(e.message("en"), "Line 3, room: required value is missing");
        let d = err(9, None, RowProblem::DuplicateOf { line: 4 });
        assert_eq!(d.message("zh"), "第9行：与第 4 行重复");
        assert_eq!(d.message("en"), "Line 9: duplicate of line 4");
    }

    #[test]
    fn file_error_codes_and_messages_both_locales() {
        let all = [
            (FileError::Empty, "empty", "没有数据", "no data"),
            (
                FileError::UnreadableXlsx("bad zip".into()),
                "unreadable_xlsx",
                "bad zip",
                "bad zip",
            ),
            (
                FileError::UnreadableCsv("oops".into()),
                "unreadable_csv",
                "CSV",
                "CSV",
            ),
            (
                FileError::MissingColumns(vec!["name".into()]),
                "missing_columns",
                "商户名称",
                "shop name",
            ),
            (
                FileError::UnknownKind,
                "unknown_kind",
                "无法识别导入类型",
                "Cannot tell",
            ),
            (
                FileError::TooManyRows { max: 500 },
                "too_many_rows",
                "500",
                "500",
            ),
        ];
        for (e, code, zh, en) in all {
            assert_eq!(e.code(), code);
            let m_zh = e.message("zh-CN");
            let m_en = e.message("en-US");
            assert!(m_zh.contains(zh), "{m_zh}");
            assert!(m_en.contains(en), "{m_en}");
            assert_ne!(m_zh, m_en);
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn detect_format_sniffs_bytes() {
        assert_eq!(
            detect_format(Some("a.csv"), b"PK\x03\x04rest"),
            FileFormat::Xlsx
        );
        assert_eq!(detect_format(None, b"PK\x03\x04"), FileFormat::Xlsx);
        assert_eq!(
            detect_format(
                Some("a.csv"),
                &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]
            ),
            FileFormat::Xlsx
        );
        // Text under an .xls name is still text.
        assert_eq!(
            detect_format(Some("导出.xls"), "网格编码\t楼栋\n".as_bytes()),
            FileFormat::Csv
        );
        assert_eq!(detect_format(Some("a.XLSX"), b""), FileFormat::Xlsx);
        assert_eq!(detect_format(None, b""), FileFormat::Csv);
    }

    fn xlsx_fixture(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        build(ws);
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_with_numeric_room_and_phone() {
        let bytes = xlsx_fixture(|ws| {
            for (c, h) in ["网格编码", "楼栋", "单元", "房号", "户主", "手机"]
                .iter()
                .enumerate()
            {
                ws.write_string(0, c as u16, *h).unwrap();
            }
            ws.write_string(1, 0, "G001").unwrap();
            ws.write_number(1, 1, 3.0).unwrap();
            ws.write_number(1, 2, 2.0).unwrap();
            ws.write_number(1, 3, 101.0).unwrap();
            ws.write_string(1, 4, "李四").unwrap();
            ws.write_number(1, 5, 13812345678.0).unwrap();
            // Row 3 left empty (Excel leaves such rows); row 4 is bad.
            ws.write_string(3, 0, "G001").unwrap();
            ws.write_number(3, 1, 3.5).unwrap();
            ws.write_number(3, 3, 102.0).unwrap();
            ws.write_number(3, 5, 4771234567.0).unwrap();
        });
        assert_eq!(detect_format(Some("x.xlsx"), &bytes), FileFormat::Xlsx);
        let p = parse(&bytes, FileFormat::Xlsx, None, MAX).unwrap();
        assert_eq!(
            households(&p),
            &vec![HouseholdRow {
                line: 2,
                grid_code: "G001".into(),
                building: "3".into(),
                unit: "2".into(),
                room: "101".into(),
                contact_name: Some("李四".into()),
                contact_phone: Some("13812345678".into()),
            }]
        );
        assert_eq!(
            p.errors,
            vec![err(4, Some("contact_phone"), RowProblem::BadPhone)]
        );
        assert_eq!(p.total_lines, 2);
    }

    #[test]
    fn xlsx_header_not_in_first_row_uses_excel_row_numbers() {
        let bytes = xlsx_fixture(|ws| {
            // Table starts at C3, with a blank row under the header.
            ws.write_string(2, 2, "grid_code").unwrap();
            ws.write_string(2, 3, "name").unwrap();
            ws.write_string(2, 4, "address").unwrap();
            ws.write_string(2, 5, "accepts_points").unwrap();
            ws.write_string(4, 2, "G1").unwrap();
            ws.write_string(4, 3, "店").unwrap();
            ws.write_string(4, 4, "A路").unwrap();
            ws.write_boolean(4, 5, true).unwrap();
            ws.write_string(5, 2, "G1").unwrap();
            ws.write_string(5, 4, "A路").unwrap();
            ws.write_number(5, 5, 1.0).unwrap();
        });
        let p = parse(&bytes, FileFormat::Xlsx, None, MAX).unwrap();
        assert_eq!(shops(&p)[0].line, 5);
        assert!(shops(&p)[0].accepts_points);
        assert_eq!(p.errors, vec![err(6, Some("name"), RowProblem::Missing)]);
    }

    #[test]
    fn xlsx_empty_and_header_only() {
        let bytes = xlsx_fixture(|_| {});
        assert_eq!(
            parse(&bytes, FileFormat::Xlsx, None, MAX).unwrap_err(),
            FileError::Empty
        );
        let bytes = xlsx_fixture(|ws| {
            ws.write_string(0, 0, "网格编码").unwrap();
            ws.write_string(0, 1, "商户名称").unwrap();
            ws.write_string(0, 2, "地址").unwrap();
        });
        assert_eq!(
            parse(&bytes, FileFormat::Xlsx, None, MAX).unwrap_err(),
            FileError::Empty
        );
    }

    #[test]
    fn number_formatting() {
        assert_eq!(format_number(101.0), "101");
        assert_eq!(format_number(13812345678.0), "13812345678");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(3.5), "3.5");
        assert_eq!(cell_text(&Data::Int(42)), "42");
        assert_eq!(cell_text(&Data::Bool(true)), "true");
    }
}
