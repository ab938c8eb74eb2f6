//! Household/shop import files: any bytes as CSV and as a workbook, of either kind.
//! Besides not panicking, nothing may allocate past libFuzzer's -malloc_limit_mb
//! (run.sh sets it): a sheet's extent must be refused before it costs memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mashang_fuzz::error::Refusal;
use mashang_fuzz::i18n::Locale;
use mashang_fuzz::import_parse::{detect_format, parse, FileFormat, ImportKind, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let detected = detect_format(Some("upload.xlsx"), data);
    for format in [detected, FileFormat::Csv] {
        for kind in [None, Some(ImportKind::Household), Some(ImportKind::Shop)] {
            match parse(data, format, kind, &limits) {
                Ok(p) => {
                    assert!(p.rows.len() <= limits.max_rows);
                    assert!(p.total_lines <= limits.max_rows);
                    for e in &p.errors {
                        assert!(e.line >= 1);
                        for locale in Locale::ALL {
                            let _ = e.words(locale);
                        }
                    }
                }
                Err(e) => {
                    let _ = e.code();
                    for locale in Locale::ALL {
                        let _ = e.words(locale);
                    }
                }
            }
        }
        if detected == FileFormat::Csv {
            break;
        }
    }
});
