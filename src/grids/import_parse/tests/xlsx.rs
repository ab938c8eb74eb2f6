//! Workbooks: numbers as Excel stores them, tables not starting at A1, and
//! sheets whose extent is refused before their rows are read.

use super::super::read::{cell_text, format_number};
use super::super::*;
use super::{err, households, lim, shops, MAX};
use crate::error::Refusal;
use crate::i18n::Locale;
use calamine::Data;

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
    let p = parse(&bytes, FileFormat::Xlsx, None, &lim(MAX)).unwrap();
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
    let p = parse(&bytes, FileFormat::Xlsx, None, &lim(MAX)).unwrap();
    assert_eq!(shops(&p)[0].line, 5);
    assert!(shops(&p)[0].accepts_points);
    assert_eq!(p.errors, vec![err(6, Some("name"), RowProblem::Missing)]);
}

#[test]
fn xlsx_empty_and_header_only() {
    let bytes = xlsx_fixture(|_| {});
    assert_eq!(
        parse(&bytes, FileFormat::Xlsx, None, &lim(MAX)).unwrap_err(),
        FileError::Empty
    );
    let bytes = xlsx_fixture(|ws| {
        ws.write_string(0, 0, "网格编码").unwrap();
        ws.write_string(0, 1, "商户名称").unwrap();
        ws.write_string(0, 2, "地址").unwrap();
    });
    assert_eq!(
        parse(&bytes, FileFormat::Xlsx, None, &lim(MAX)).unwrap_err(),
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

/// A workbook written by hand (no compression), so its sheet XML can say
/// anything, e.g. a dimension that lies about the cells below it.
pub(crate) fn hand_xlsx(sheet_xml: &str) -> Vec<u8> {
    use std::io::Write;
    let parts: [(&str, &str); 5] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in parts {
        zip.start_file(name, stored).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A sheet XML with `dimension` and inline-string cells `(ref, text)`, one row each.
pub(crate) fn sheet(dimension: &str, cells: &[(&str, &str)]) -> String {
    let mut rows = String::new();
    for (r, text) in cells {
        let row: String = r.chars().filter(char::is_ascii_digit).collect();
        rows.push_str(&format!(
            r#"<row r="{row}"><c r="{r}" t="inlineStr"><is><t>{text}</t></is></c></row>"#
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    )
}

fn refused_fast(bytes: &[u8]) -> FileError {
    let start = std::time::Instant::now();
    let e = parse(bytes, FileFormat::Xlsx, None, &Limits::default()).unwrap_err();
    let took = start.elapsed();
    assert!(
        took < std::time::Duration::from_millis(100),
        "took {took:?}"
    );
    e
}

#[test]
fn a1_and_xfd1048576_is_refused_by_its_dimension_before_any_row() {
    // Issue 11: 1.8 KB that made the old parser allocate 512 GiB and abort.
    let bytes = xlsx_fixture(|ws| {
        ws.write_string(0, 0, "网格编码").unwrap();
        ws.write_string(1_048_575, 16_383, "x").unwrap();
    });
    assert!(bytes.len() < 10_000, "{} bytes", bytes.len());
    let e = refused_fast(&bytes);
    assert_eq!(
        e,
        FileError::SheetTooLarge {
            rows: 1_048_576,
            columns: 16_384,
            max_rows: 60_000,
            max_columns: 64
        }
    );
    assert_eq!(e.code(), "sheet_too_large");
    let en = e.words(Locale::En);
    assert!(en.contains("1048576") && en.contains("XFD"), "{en}");
    assert!(en.contains("60000") && en.contains("64"), "{en}");
    assert!(e.words(Locale::ZhCn).contains("最多只读取 60000 行、64 列"));
}

#[test]
fn a1_and_all100000_is_refused_likewise() {
    // Issue 11: 5.8 GB and 25 s in the old parser.
    let bytes = xlsx_fixture(|ws| {
        ws.write_string(0, 0, "网格编码").unwrap();
        ws.write_string(99_999, 999, "x").unwrap();
    });
    let e = refused_fast(&bytes);
    assert!(
        matches!(
            e,
            FileError::SheetTooLarge {
                rows: 100_000,
                columns: 1000,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.words(Locale::En).contains("ALL"),
        "{}",
        e.words(Locale::En)
    );
}

#[test]
fn a_dimension_that_lies_is_caught_at_the_far_cell() {
    let xml = sheet(
        "A1:C2",
        &[("A1", "grid_code"), ("B1", "building"), ("XFD1048576", "x")],
    );
    let e = refused_fast(&hand_xlsx(&xml));
    assert!(
        matches!(
            e,
            FileError::SheetTooLarge {
                rows: 1_048_576,
                ..
            }
        ),
        "{e:?}"
    );
    // Without a dimension at all, the same.
    let xml = sheet("", &[("A1", "grid_code"), ("BM1", "x")]);
    let xml = xml.replace(r#"<dimension ref=""/>"#, "");
    let e = refused_fast(&hand_xlsx(&xml));
    assert!(
        matches!(
            e,
            FileError::SheetTooLarge {
                rows: 1,
                columns: 65,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn sparse_sheet_within_the_limits_streams_its_rows() {
    // The header at A1 and one household far down: 59,999 rows apart, yet
    // only the two rows that exist are read.
    let xml = sheet(
        "A1:C59999",
        &[("A1", "网格编码"), ("B1", "楼栋"), ("C1", "房号")],
    )
    .replace(
        "</sheetData>",
        r#"<row r="59999"><c r="A59999" t="inlineStr"><is><t>G1</t></is></c><c r="B59999" t="inlineStr"><is><t>1</t></is></c><c r="C59999"><v>101</v></c></row></sheetData>"#,
    );
    let p = parse(&hand_xlsx(&xml), FileFormat::Xlsx, None, &lim(MAX)).unwrap();
    assert_eq!(households(&p)[0].line, 59_999);
    assert_eq!(households(&p)[0].room, "101");
    assert_eq!(p.total_lines, 1);
}

#[test]
fn rows_out_of_order_are_unreadable() {
    let xml = sheet("A1:A3", &[("A3", "grid_code"), ("A1", "x")]);
    let e = parse(&hand_xlsx(&xml), FileFormat::Xlsx, None, &lim(MAX)).unwrap_err();
    assert_eq!(e.code(), "unreadable_xlsx", "{e:?}");
}

#[test]
fn workbook_unzipping_past_the_limit_is_refused_unread() {
    let bytes = xlsx_fixture(|ws| {
        ws.write_string(0, 0, "网格编码").unwrap();
    });
    let limits = Limits {
        max_unzipped_bytes: 1000,
        ..Limits::default()
    };
    let e = parse(&bytes, FileFormat::Xlsx, None, &limits).unwrap_err();
    assert_eq!(
        e,
        FileError::WorkbookTooLarge {
            max_unzipped_bytes: 1000
        }
    );
    assert!(e.words(Locale::En).contains("MB"));
}

#[test]
fn legacy_xls_is_refused_with_a_way_out() {
    let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    let e = parse(&ole, FileFormat::Xlsx, None, &lim(MAX)).unwrap_err();
    assert_eq!(e, FileError::UnsupportedWorkbook);
    assert!(e.words(Locale::En).contains(".xlsx"));
    assert!(e.words(Locale::ZhCn).contains(".xlsx"));
}

#[test]
fn csv_row_wider_than_the_column_limit_is_refused() {
    let wide = format!("网格编码,楼栋,房号\nG1,1,101{}\n", ",x".repeat(80));
    let e = parse(wide.as_bytes(), FileFormat::Csv, None, &lim(MAX)).unwrap_err();
    assert_eq!(
        e,
        FileError::SheetTooLarge {
            rows: 2,
            columns: 83,
            max_rows: 60_000,
            max_columns: 64
        }
    );
}
