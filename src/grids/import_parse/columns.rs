//! The header: which column holds which field, and what kind of file it is.

use super::errors::text;
use super::read::RawRow;
use super::validate::clean;
use super::{FileError, ImportKind};
use std::collections::HashMap;

/// The label of a canonical field key (as found in [`super::RowError::column`] and
/// [`FileError::MissingColumns`]), not yet in a language; `None` for unknown keys.
pub fn field_label(field: &str) -> Option<crate::i18n::Message> {
    let f = Field::from_key(field)?;
    Some(text(&format!("field_{}", f.key())))
}

/// The columns we know about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Field {
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

    pub(super) fn key(self) -> &'static str {
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
pub(super) fn normalize_header(raw: &str) -> String {
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

/// Column index of each field present in the header (first matching column wins).
pub(super) struct Columns {
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

    pub(super) fn get<'a>(&self, row: &'a RawRow, f: Field) -> &'a str {
        self.index
            .get(&f)
            .and_then(|&i| row.cells.get(i))
            .map(|s| clean(s))
            .unwrap_or("")
    }
}

/// Pick the kind and the column mapping for a header.
pub(super) fn resolve_kind(
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
