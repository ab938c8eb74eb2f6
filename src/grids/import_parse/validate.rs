//! Rows to results: every field of every data row checked, duplicates found,
//! phones and yes/no values normalised. Rows arrive one at a time
//! ([`Validator::push`]), so a file is never held whole as a grid.

use super::columns::{resolve_kind, Columns, Field};
use super::read::RawRow;
use super::{FileError, HouseholdRow, ImportKind, Parsed, RowError, RowProblem, Rows, ShopRow};
use std::collections::HashMap;

const MAX_GRID_CODE: usize = 32;
const MAX_BUILDING: usize = 32;
const MAX_UNIT: usize = 16;
const MAX_ROOM: usize = 32;
const MAX_CONTACT_NAME: usize = 64;
const MAX_NAME: usize = 100;
const MAX_ADDRESS: usize = 200;

/// Trim whitespace including U+3000 (ideographic space, `char::is_whitespace`
/// covers it) plus stray BOM / zero-width spaces that copy-paste leaves behind.
pub(super) fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}')
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(|c| c.is_ascii_digit())
}

/// Takes the rows of a file in order: the first non-empty one is the header,
/// the others are validated as they come.
pub(super) struct Validator {
    kind_hint: Option<ImportKind>,
    max_rows: usize,
    header: Option<(ImportKind, Columns)>,
    errors: Vec<RowError>,
    households: Vec<HouseholdRow>,
    shops: Vec<ShopRow>,
    seen: HashMap<Vec<String>, usize>,
    total: usize,
}

impl Validator {
    /// `kind`: None = infer from the header; `max_rows`: most non-empty data rows.
    pub(super) fn new(kind: Option<ImportKind>, max_rows: usize) -> Validator {
        Validator {
            kind_hint: kind,
            max_rows,
            header: None,
            errors: Vec::new(),
            households: Vec::new(),
            shops: Vec::new(),
            seen: HashMap::new(),
            total: 0,
        }
    }

    /// One row of the file (blank rows are skipped).
    pub(super) fn push(&mut self, row: RawRow) -> Result<(), FileError> {
        if row.is_blank() {
            return Ok(());
        }
        let Some((kind, cols)) = &self.header else {
            self.header = Some(resolve_kind(&row.cells, self.kind_hint)?);
            return Ok(());
        };
        self.total += 1;
        if self.total > self.max_rows {
            return Err(FileError::TooManyRows { max: self.max_rows });
        }
        let mut v = RowValidator {
            line: row.line,
            errors: Vec::new(),
        };
        let seen = &mut self.seen;
        match *kind {
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
                v.duplicate(seen, &key);
                if v.errors.is_empty() {
                    self.households.push(HouseholdRow {
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
                v.duplicate(seen, &key);
                if v.errors.is_empty() {
                    self.shops.push(ShopRow {
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
        self.errors.append(&mut v.errors);
        Ok(())
    }

    /// The results, once every row was pushed.
    pub(super) fn finish(self) -> Result<Parsed, FileError> {
        let Some((kind, _)) = self.header else {
            return Err(FileError::Empty);
        };
        if self.total == 0 {
            return Err(FileError::Empty);
        }
        let rows = match kind {
            ImportKind::Household => Rows::Households(self.households),
            ImportKind::Shop => Rows::Shops(self.shops),
        };
        Ok(Parsed {
            rows,
            errors: self.errors,
            total_lines: self.total,
        })
    }
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
