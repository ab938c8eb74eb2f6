//! Unit tests of the import parser (workbooks in `xlsx`).

mod xlsx;

use super::*;
use crate::error::Refusal;
use crate::i18n::Locale;

const MAX: usize = 1000;

/// The default limits with `max_rows` data rows.
fn lim(max_rows: usize) -> Limits {
    Limits {
        max_rows,
        ..Limits::default()
    }
}

pub(super) fn households(p: &Parsed) -> &Vec<HouseholdRow> {
    match &p.rows {
        Rows::Households(v) => v,
        Rows::Shops(_) => panic!("expected households, got shops"),
    }
}

pub(super) fn shops(p: &Parsed) -> &Vec<ShopRow> {
    match &p.rows {
        Rows::Shops(v) => v,
        Rows::Households(_) => panic!("expected shops, got households"),
    }
}

pub(super) fn err(line: usize, column: Option<&str>, problem: RowProblem) -> RowError {
    RowError {
        line,
        column: column.map(str::to_string),
        problem,
    }
}

fn csv(text: &str, kind: Option<ImportKind>) -> Result<Parsed, FileError> {
    parse(text.as_bytes(), FileFormat::Csv, kind, &lim(MAX))
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
    let p = parse(&bytes, FileFormat::Csv, None, &lim(MAX)).unwrap();
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
    let p = parse(&bytes, FileFormat::Csv, None, &lim(MAX)).unwrap();
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
    let p = parse(&bytes, FileFormat::Csv, None, &lim(MAX)).unwrap();
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
    let p = parse(&bytes, FileFormat::Csv, None, &lim(MAX)).unwrap();
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
    assert_eq!(e.words(Locale::ZhCn), "缺少必需的列：网格编码、房号");
    assert_eq!(
        e.words(Locale::En),
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
        parse(text.as_bytes(), FileFormat::Csv, None, &lim(2)).unwrap_err(),
        FileError::TooManyRows { max: 2 }
    );
    // Blank rows do not count toward the limit.
    let p = parse(text.as_bytes(), FileFormat::Csv, None, &lim(3)).unwrap();
    assert_eq!(p.total_lines, 3);
}

#[test]
fn empty_files() {
    assert_eq!(csv("", None).unwrap_err(), FileError::Empty);
    assert_eq!(
        parse(b"\xEF\xBB\xBF", FileFormat::Csv, None, &lim(MAX)).unwrap_err(),
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
    let e = parse(b"PK\x03\x04garbage", FileFormat::Xlsx, None, &lim(MAX)).unwrap_err();
    assert_eq!(e.code(), "unreadable_xlsx");
    let e = parse(b"a,b\0c\n", FileFormat::Csv, None, &lim(MAX)).unwrap_err();
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
        assert!(
            p.words(Locale::ZhCn).contains(zh),
            "{}",
            p.words(Locale::ZhCn)
        );
        assert!(p.words(Locale::En).contains(en), "{}", p.words(Locale::En));
    }
    let e = err(3, Some("room"), RowProblem::Missing);
    assert_eq!(e.words(Locale::ZhCn), "第3行「房号」：必填项为空");
    assert_eq!(
        e.words(Locale::En),
        "Line 3, room: required value is missing"
    );
    let d = err(9, None, RowProblem::DuplicateOf { line: 4 });
    assert_eq!(d.words(Locale::ZhCn), "第9行：与第 4 行重复");
    assert_eq!(d.words(Locale::En), "Line 9: duplicate of line 4");
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
        let m_zh = e.words(Locale::ZhCn);
        let m_en = e.words(Locale::En);
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
