//! Mongolian shaping is checked, not assumed (issue 15): words typst sets for a PDF are
//! compared glyph by glyph with what HarfBuzz (`hb-shape`, Debian's `libharfbuzz-bin`)
//! gives for the same font: joined initial, medial and final forms, not isolated letters.
//! Checked twice: in typst's layout, and in the PDF itself (the glyphs its content stream
//! draws, mapped back through the embedded subset font to the original font's glyphs).

use std::collections::HashMap;
use typst::foundations::Bytes;
use typst::layout::{Frame, FrameItem};
use typst::text::Font;
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;

/// The font the pages serve and the sheets embed (Debian's `fonts-noto-core`, installed by
/// `.ci/services`).
const FONT: &str = "/usr/share/fonts/truetype/noto/NotoSansMongolian-Regular.ttf";

/// Known words: Mongol (ᠮᠣᠩᠭᠣᠯ) and city (ᠬᠣᠲᠠ), and one with a suffix after U+202F and a
/// final vowel after U+180E (the forms a naive shaper gets wrong).
const WORDS: [&str; 4] = ["ᠮᠣᠩᠭᠣᠯ", "ᠬᠣᠲᠠ", "ᠬᠣᠷᠣᠭ᠎ᠠ", "ᠮᠣᠩᠭᠣᠯ\u{202F}ᠤᠨ"];

/// HarfBuzz's glyph ids for `word` in [`FONT`].
fn hb_shape(word: &str) -> Vec<u16> {
    let out = std::process::Command::new("hb-shape")
        .args([
            "--no-glyph-names",
            "--no-positions",
            "--no-clusters",
            FONT,
            word,
        ])
        .output()
        .expect("hb-shape runs (Debian's libharfbuzz-bin; bash .ci/services installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split('|')
        .map(|g| g.parse().unwrap_or_else(|_| panic!("glyph id {g}")))
        .collect()
}

/// HarfBuzz's glyph names, to tell joined forms from isolated ones in a failure.
fn hb_names(word: &str) -> String {
    let out = std::process::Command::new("hb-shape")
        .args(["--no-positions", "--no-clusters", FONT, word])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `word` laid out by typst in the Mongolian font, one line on a small page.
fn typeset(word: &str) -> PagedDocument {
    let fonts: Vec<Font> = Font::iter(Bytes::new(std::fs::read(FONT).unwrap())).collect();
    let source = format!(
        "#set page(width: 12cm, height: 3cm, margin: 5mm)\n\
         #set text(font: \"Noto Sans Mongolian\", size: 20pt)\n{word}\n"
    );
    let engine = TypstEngine::builder()
        .fonts(fonts)
        .with_static_source_file_resolver([("main.typ", source)])
        .build();
    engine
        .compile("main.typ")
        .output
        .unwrap_or_else(|e| panic!("typst: {e:?}"))
}

/// The glyph ids of every run of text in `frame`, in order.
fn layout_glyphs(frame: &Frame, out: &mut Vec<u16>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(g) => layout_glyphs(&g.frame, out),
            FrameItem::Text(t) => out.extend(t.glyphs.iter().map(|g| g.id)),
            _ => {}
        }
    }
}

/// A glyph as the check recognises it: its outline's bounding box (from the `glyf` entry's
/// header) and its advance width (`hmtx`). A subsetter may re-encode the outline's bytes
/// (krilla re-draws glyphs through skrifa), but not move its points or change its advance.
type Print = (i16, i16, i16, i16, u16);

/// A font embedded in the PDF: its subset's glyph prints and its CID-to-glyph map (none
/// for the identity).
type Embedded = (Vec<Print>, Option<Vec<u8>>);

/// Every glyph's [`Print`] in a TrueType font, by glyph id.
fn glyph_prints(ttf: &[u8]) -> Vec<Print> {
    let u16_at = |o: usize| u16::from_be_bytes([ttf[o], ttf[o + 1]]);
    let i16_at = |o: usize| i16::from_be_bytes([ttf[o], ttf[o + 1]]);
    let u32_at = |o: usize| u32::from_be_bytes([ttf[o], ttf[o + 1], ttf[o + 2], ttf[o + 3]]);
    let tables: HashMap<&[u8], usize> = (0..usize::from(u16_at(4)))
        .map(|i| {
            let r = 12 + 16 * i;
            (&ttf[r..r + 4], u32_at(r + 8) as usize)
        })
        .collect();
    let table = |tag: &[u8]| {
        *tables
            .get(tag)
            .unwrap_or_else(|| panic!("no {tag:?} table"))
    };
    let (head, maxp, loca, glyf) = (
        table(b"head"),
        table(b"maxp"),
        table(b"loca"),
        table(b"glyf"),
    );
    let (hhea, hmtx) = (table(b"hhea"), table(b"hmtx"));
    let long = u16_at(head + 50) == 1;
    let glyphs = usize::from(u16_at(maxp + 4));
    let metrics = usize::from(u16_at(hhea + 34));
    let offset = |i: usize| {
        if long {
            u32_at(loca + 4 * i) as usize
        } else {
            2 * usize::from(u16_at(loca + 2 * i))
        }
    };
    (0..glyphs)
        .map(|i| {
            let advance = u16_at(hmtx + 4 * i.min(metrics - 1));
            let at = glyf + offset(i);
            if offset(i + 1) == offset(i) {
                (0, 0, 0, 0, advance)
            } else {
                (
                    i16_at(at + 2),
                    i16_at(at + 4),
                    i16_at(at + 6),
                    i16_at(at + 8),
                    advance,
                )
            }
        })
        .collect()
}

/// The glyphs the PDF's pages draw in the font whose name contains `font`, as ids of the
/// original font: the content stream's CIDs, through the CID-to-glyph map, to the embedded
/// subset's glyphs, matched by their [`Print`] against the original font's. A print some
/// glyphs share gives every id that has it.
fn pdf_glyphs(pdf: &[u8], font: &str, original: &[Print]) -> Vec<Vec<u16>> {
    use lopdf::{Document, Object};
    let doc = Document::load_mem(pdf).unwrap();
    let deref = |o: &Object| -> Object {
        match o {
            Object::Reference(id) => doc.get_object(*id).unwrap().clone(),
            other => other.clone(),
        }
    };
    let mut drawn = Vec::new();
    for (_, page_id) in doc.get_pages() {
        // The page's fonts by resource name: the subset's prints and the CID map, for the
        // font asked about.
        let mut fonts: HashMap<Vec<u8>, Embedded> = HashMap::new();
        for (name, dict) in doc.get_page_fonts(page_id).unwrap() {
            let base = dict
                .get(b"BaseFont")
                .and_then(Object::as_name)
                .unwrap_or_default();
            if !String::from_utf8_lossy(base).contains(font) {
                continue;
            }
            assert_eq!(dict.get(b"Subtype").unwrap().as_name().unwrap(), b"Type0");
            let descendant = deref(&dict.get(b"DescendantFonts").unwrap().as_array().unwrap()[0]);
            let descendant = descendant.as_dict().unwrap();
            let descriptor = deref(descendant.get(b"FontDescriptor").unwrap());
            let file = deref(
                descriptor
                    .as_dict()
                    .unwrap()
                    .get(b"FontFile2")
                    .expect("a TrueType font"),
            );
            let subset = glyph_prints(&file.as_stream().unwrap().decompressed_content().unwrap());
            let cid_to_gid = match descendant.get(b"CIDToGIDMap").map(&deref) {
                Ok(Object::Stream(s)) => Some(s.decompressed_content().unwrap()),
                _ => None,
            };
            fonts.insert(name, (subset, cid_to_gid));
        }
        assert!(!fonts.is_empty(), "no font {font} on the page");
        let content = doc.get_and_decode_page_content(page_id).unwrap();
        let mut current: Option<&Embedded> = None;
        for op in content.operations {
            let strings: Vec<Vec<u8>> = match op.operator.as_str() {
                "Tf" => {
                    current = op.operands[0].as_name().ok().and_then(|n| fonts.get(n));
                    continue;
                }
                "Tj" => vec![op.operands[0].as_str().unwrap().to_vec()],
                "TJ" => op.operands[0]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|o| o.as_str().ok().map(<[u8]>::to_vec))
                    .collect(),
                _ => continue,
            };
            let Some((subset, cid_to_gid)) = current else {
                continue;
            };
            for s in strings {
                for pair in s.chunks(2) {
                    let cid = usize::from(u16::from_be_bytes([pair[0], pair[1]]));
                    let gid = match cid_to_gid {
                        Some(map) => {
                            usize::from(u16::from_be_bytes([map[2 * cid], map[2 * cid + 1]]))
                        }
                        None => cid,
                    };
                    let print = subset[gid];
                    drawn.push(
                        (0..original.len())
                            .filter(|&g| original[g] == print)
                            .map(|g| g as u16)
                            .collect(),
                    );
                }
            }
        }
    }
    drawn
}

#[test]
fn typst_shapes_mongolian_as_harfbuzz_does_in_the_layout_and_in_the_pdf() {
    let original = glyph_prints(&std::fs::read(FONT).unwrap());
    for word in WORDS {
        let expected = hb_shape(word);
        // The word's letters, each shaped alone: what a shaper that does not join would draw.
        let isolated: Vec<u16> = word
            .chars()
            .filter(|c| ('\u{1820}'..='\u{1878}').contains(c))
            .flat_map(|c| hb_shape(&c.to_string()))
            .collect();
        assert_ne!(
            expected,
            isolated,
            "{word}: HarfBuzz joins ({})",
            hb_names(word)
        );
        let doc = typeset(word);
        let mut laid_out = Vec::new();
        for page in doc.pages() {
            layout_glyphs(&page.frame, &mut laid_out);
        }
        // The narrow no-break space before a suffix is a glyph of its own, in both.
        assert_eq!(
            laid_out,
            expected,
            "{word} in typst's layout; HarfBuzz: {}",
            hb_names(word)
        );
        let pdf = typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).unwrap();
        let drawn = pdf_glyphs(&pdf, "NotoSansMongolian", &original);
        assert_eq!(
            drawn.len(),
            expected.len(),
            "{word}: glyphs in the PDF: {drawn:?}"
        );
        for (i, (candidates, want)) in drawn.iter().zip(&expected).enumerate() {
            assert!(
                candidates.contains(want),
                "{word}: glyph {i} in the PDF is one of {candidates:?}, HarfBuzz drew {want} ({})",
                hb_names(word)
            );
        }
    }
}

#[test]
fn the_pdf_check_can_tell_glyphs_apart() {
    // A joined form differs from the isolated letter in its print, and the word's glyphs
    // are told apart: matching by print cannot pass an isolated letter for a joined form.
    let original = glyph_prints(&std::fs::read(FONT).unwrap());
    let isolated_m = hb_shape("ᠮ")[0];
    let initial_m = hb_shape("ᠮᠣ")[0];
    assert_ne!(isolated_m, initial_m);
    assert_ne!(
        original[usize::from(isolated_m)],
        original[usize::from(initial_m)]
    );
    for word in WORDS {
        let isolated: Vec<Print> = word
            .chars()
            .filter(|c| ('\u{1820}'..='\u{1878}').contains(c))
            .map(|c| original[usize::from(hb_shape(&c.to_string())[0])])
            .collect();
        let joined: Vec<Print> = hb_shape(word)
            .into_iter()
            .map(|g| original[usize::from(g)])
            .filter(|p| *p != (0, 0, 0, 0, p.4))
            .collect();
        assert_ne!(isolated, joined, "{word}");
    }
}

/// The service's name in Mongolian as the door-label template prints it.
fn door_label_name_mn() -> String {
    let template = std::fs::read_to_string("print-templates/door-labels.typ").unwrap();
    template
        .lines()
        .find_map(|l| l.strip_prefix("#let service-name-mn = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("door-labels.typ names the service in Mongolian")
        .to_owned()
}

/// A bilingual sheet of door labels (`--script bilingual`): the Mongolian is embedded in
/// Noto Sans Mongolian and set joined, as HarfBuzz sets it, and every symbol still decodes
/// with a real decoder at 300 dpi.
#[test]
fn bilingual_door_labels_set_joined_mongolian_and_every_symbol_decodes() {
    let settings = crate::config::Settings::load_from(std::path::Path::new("config")).unwrap();
    let engine = super::PrintEngine::load(&settings.print).unwrap();
    let items: Vec<super::SheetItem> = (0..4)
        .map(|i| {
            let token = crate::codes::token::new_token();
            let serde_json::Value::Object(fields) = serde_json::json!({
                "place": "平原社区 · 邮电小区",
                "door": format!("1号楼 1单元 {}", 101 + i),
                "check": "7KQ2",
                "script": super::Script::Bilingual.name(),
            }) else {
                unreachable!("a JSON object literal is an object")
            };
            super::SheetItem {
                url: crate::codes::token::code_url("http://mashang.test", &token),
                fields,
            }
        })
        .collect();
    let (pdf, _) = engine
        .render(super::Template::DoorLabels, &items, Vec::new(), |_| {})
        .unwrap();
    let mut decoded = crate::print::raster::decode_symbols(&pdf, 300).unwrap();
    decoded.sort();
    let mut urls: Vec<String> = items.iter().map(|i| i.url.clone()).collect();
    urls.sort();
    assert_eq!(decoded, urls);
    // Spaces are left out on both sides: typst may end a line at one.
    let original = glyph_prints(&std::fs::read(FONT).unwrap());
    let space = hb_shape(" ")[0];
    let drawn: Vec<Vec<u16>> = pdf_glyphs(&pdf, "NotoSansMongolian", &original)
        .into_iter()
        .filter(|c| !c.contains(&space))
        .collect();
    let name_mn = door_label_name_mn();
    let name: Vec<u16> = hb_shape(&name_mn)
        .into_iter()
        .filter(|g| *g != space)
        .collect();
    assert!(drawn.len() >= items.len() * name.len(), "{drawn:?}");
    for (i, want) in name.iter().enumerate() {
        assert!(
            drawn[i].contains(want),
            "{name_mn}: glyph {i} in the PDF is one of {:?}, HarfBuzz drew {want} ({})",
            drawn[i],
            hb_names(&name_mn)
        );
    }
    // And a Chinese-only sheet has no Mongolian at all.
    let chinese: Vec<super::SheetItem> = items
        .iter()
        .cloned()
        .map(|mut i| {
            i.fields.remove("script");
            i
        })
        .collect();
    let (pdf, _) = engine
        .render(super::Template::DoorLabels, &chinese, Vec::new(), |_| {})
        .unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let pages: Vec<_> = doc.get_pages().into_values().collect();
    let fonts = doc.get_page_fonts(pages[0]).unwrap();
    assert!(fonts.values().all(|f| {
        let base = f
            .get(b"BaseFont")
            .and_then(lopdf::Object::as_name)
            .unwrap_or_default();
        !String::from_utf8_lossy(base).contains("Mongolian")
    }));
}
