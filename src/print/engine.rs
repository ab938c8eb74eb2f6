//! The typst engine: templates and fonts loaded once, sheets compiled in chunks and streamed
//! into one PDF.

use super::pdf_stream::PdfStream;
use super::templates::Template;
use crate::config::PrintSettings;
use std::collections::HashMap;
use std::io::Write;
use typst::foundations::{Bytes, Dict, IntoValue};
use typst::introspection::Introspector;
use typst::text::Font;
use typst_as_lib::TypstEngine;
use typst_layout::PagedDocument;

/// One thing printed on a sheet: the URL its symbol carries and the words around it (the
/// fields the template reads, e.g. `place`, `door`, `check`).
#[derive(Debug, Clone)]
pub struct SheetItem {
    /// Encoded in the QR symbol (error correction M, like every code the service prints).
    pub url: String,
    /// A JSON object; `qr` is added when the chunk is compiled.
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// What a rendered batch came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendered {
    pub items: usize,
    pub pages: usize,
}

/// Templates and fonts, loaded once (in `Services`, behind an `Arc`). Compiling is CPU-bound:
/// callers on async threads use `web::block` / `spawn_blocking`.
pub struct PrintEngine {
    typst: TypstEngine,
    per_sheet: HashMap<Template, usize>,
    sheets_per_chunk: usize,
}

impl PrintEngine {
    /// Load every template from `settings.templates_dir` and the fonts; ask each template how
    /// many items fill one sheet.
    pub fn load(settings: &PrintSettings) -> anyhow::Result<PrintEngine> {
        let fonts = load_fonts(&settings.fonts)?;
        let mut sources = Vec::new();
        for t in Template::ALL {
            let path = settings.templates_dir.join(t.file_name());
            let text = std::fs::read_to_string(&path)
                .map_err(|e| anyhow::anyhow!("print template {}: {e}", path.display()))?;
            sources.push((t.file_name(), text));
        }
        let typst = TypstEngine::builder()
            .fonts(fonts)
            .with_static_source_file_resolver(
                sources
                    .iter()
                    .map(|(name, text)| (name.as_str(), text.clone())),
            )
            .build();
        let mut engine = PrintEngine {
            typst,
            per_sheet: HashMap::new(),
            sheets_per_chunk: settings.sheets_per_chunk.max(1),
        };
        for t in Template::ALL {
            let n = engine.probe_per_sheet(t)?;
            engine.per_sheet.insert(t, n);
        }
        Ok(engine)
    }

    /// How many items one sheet of `template` holds (its `<per-sheet>` metadata).
    pub fn per_sheet(&self, template: Template) -> usize {
        self.per_sheet.get(&template).copied().unwrap_or(1)
    }

    /// How many items go into one typst run: whole sheets only, so no sheet is left half
    /// empty in the middle of a batch.
    pub fn chunk_items(&self, template: Template) -> usize {
        self.per_sheet(template) * self.sheets_per_chunk
    }

    /// Compile `items` with `template` into one PDF written to `out`, a chunk of sheets at a
    /// time; `progress` is told how many items are done after each chunk.
    pub fn render<W: Write>(
        &self,
        template: Template,
        items: &[SheetItem],
        out: W,
        mut progress: impl FnMut(usize),
    ) -> anyhow::Result<(W, Rendered)> {
        let mut stream = PdfStream::new(out)?;
        let mut done = 0;
        for chunk in items.chunks(self.chunk_items(template)) {
            let pdf = self.compile_chunk(template, chunk)?;
            stream.append(&pdf)?;
            done += chunk.len();
            progress(done);
        }
        if items.is_empty() {
            let pdf = self.compile_chunk(template, &[])?;
            stream.append(&pdf)?;
        }
        let (out, pages) = stream.finish()?;
        Ok((
            out,
            Rendered {
                items: items.len(),
                pages,
            },
        ))
    }

    /// One typst run: the chunk's items (with their symbols as SVG) as the template's JSON
    /// input, out as a complete PDF.
    fn compile_chunk(&self, template: Template, items: &[SheetItem]) -> anyhow::Result<Vec<u8>> {
        let mut list = Vec::with_capacity(items.len());
        for item in items {
            let svg = crate::codes::qr::render(&item.url, crate::codes::qr::SymbolFormat::Svg)?;
            let mut fields = item.fields.clone();
            fields.insert(
                "qr".into(),
                serde_json::Value::String(String::from_utf8(svg)?),
            );
            list.push(serde_json::Value::Object(fields));
        }
        let data = serde_json::json!({ "items": list }).to_string();
        let doc = self.compile(template, data)?;
        let options = typst_pdf::PdfOptions {
            // Tags would describe a structure tree that the merged output leaves behind.
            tagged: false,
            ..Default::default()
        };
        typst_pdf::pdf(&doc, &options).map_err(|diags| {
            anyhow::anyhow!(
                "PDF export of {}: {}",
                template.name(),
                diags
                    .iter()
                    .map(|d| d.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })
    }

    fn compile(&self, template: Template, data: String) -> anyhow::Result<PagedDocument> {
        let mut inputs = Dict::new();
        inputs.insert("data".into(), data.into_value());
        let name = template.file_name();
        self.typst
            .compile_with_input(name.as_str(), inputs)
            .output
            .map_err(|e| anyhow::anyhow!("print template {}: {}", template.name(), describe(e)))
    }

    fn probe_per_sheet(&self, template: Template) -> anyhow::Result<usize> {
        let doc = self.compile(template, r#"{"items":[]}"#.to_owned())?;
        let label = typst::foundations::Label::new(typst::utils::PicoStr::intern("per-sheet"))
            .ok_or_else(|| anyhow::anyhow!("bad label"))?;
        let found = doc
            .introspector()
            .query_label(label)
            .map_err(|e| anyhow::anyhow!("{}: no <per-sheet> metadata: {e}", template.name()))?;
        let value = found
            .get_by_name("value")
            .map_err(|e| anyhow::anyhow!("{}: <per-sheet>: {e:?}", template.name()))?;
        let n: i64 = value.cast().map_err(|e| {
            anyhow::anyhow!("{}: <per-sheet> is not a number: {e:?}", template.name())
        })?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| anyhow::anyhow!("{}: <per-sheet> must be positive", template.name()))
    }
}

/// Compile diagnostics as one line each.
fn describe(e: typst_as_lib::TypstAsLibError) -> String {
    match e {
        typst_as_lib::TypstAsLibError::TypstSource(diags) => diags
            .iter()
            .map(|d| d.message.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// Read the font files (TTF, OTF or collections); every face is offered to the templates.
fn load_fonts(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<Font>> {
    let mut fonts = Vec::new();
    for path in paths {
        let data = std::fs::read(path).map_err(|e| {
            anyhow::anyhow!(
                "print font {}: {e} (install Debian's fonts-noto-cjk, e.g. `bash .ci/services`, or set [print] fonts)",
                path.display()
            )
        })?;
        let before = fonts.len();
        fonts.extend(Font::iter(Bytes::new(data)));
        if fonts.len() == before {
            anyhow::bail!("print font {}: not a font file", path.display());
        }
    }
    if fonts.is_empty() {
        anyhow::bail!("[print] fonts is empty: the sheets need a CJK font");
    }
    Ok(fonts)
}

/// The engine as the service holds it: loaded on first use, once (reading the fonts and
/// checking the templates takes a moment that starting the service need not wait for).
/// Cheap to clone.
#[derive(Clone)]
pub struct SharedEngine {
    settings: std::sync::Arc<PrintSettings>,
    cell: std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<PrintEngine>>>,
}

impl SharedEngine {
    /// An engine to be loaded from `settings` when first asked for.
    pub fn new(settings: PrintSettings) -> SharedEngine {
        SharedEngine {
            settings: std::sync::Arc::new(settings),
            cell: Default::default(),
        }
    }

    /// The engine (loading it off the async threads the first time).
    pub async fn get(&self) -> crate::error::AppResult<std::sync::Arc<PrintEngine>> {
        let settings = self.settings.clone();
        self.cell
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || PrintEngine::load(&settings))
                    .await
                    .map_err(crate::error::AppError::internal)?
                    .map(std::sync::Arc::new)
                    .map_err(crate::error::AppError::internal)
            })
            .await
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> PrintSettings {
        crate::config::Settings::load_from(std::path::Path::new("config"))
            .unwrap()
            .print
    }

    /// Someone editing a template previews it with the typst command line, without the
    /// service: the template then reads its sample data. Compile each that way.
    #[test]
    fn templates_preview_from_their_samples() {
        let s = settings();
        let typst = TypstEngine::builder()
            .fonts(load_fonts(&s.fonts).unwrap())
            .with_file_system_resolver(s.templates_dir.clone())
            .build();
        for t in Template::ALL {
            let doc: PagedDocument = typst
                .compile(t.file_name().as_str())
                .output
                .unwrap_or_else(|e| panic!("{}: {}", t.name(), describe(e)));
            assert!(!doc.pages().is_empty(), "{}", t.name());
        }
    }

    #[test]
    fn templates_declare_their_sheet_size_and_chunks_are_whole_sheets() {
        let mut s = settings();
        s.sheets_per_chunk = 3;
        let engine = PrintEngine::load(&s).unwrap();
        assert_eq!(engine.per_sheet(Template::DoorLabels), 21);
        assert_eq!(engine.per_sheet(Template::BindingSlip), 8);
        assert_eq!(engine.per_sheet(Template::ShopCard), 1);
        assert_eq!(engine.chunk_items(Template::DoorLabels), 63);
    }

    /// Two chunks (a full one and a partial one) come out as one document with every
    /// sheet, and every symbol on it decodes at 300 dpi.
    #[test]
    fn a_batch_over_several_chunks_is_one_pdf_with_every_symbol() {
        let mut s = settings();
        s.sheets_per_chunk = 1;
        let engine = PrintEngine::load(&s).unwrap();
        let items: Vec<SheetItem> = (0..25)
            .map(|i| {
                let token = crate::codes::token::new_token();
                let serde_json::Value::Object(fields) = serde_json::json!({
                    "place": "平原社区 · 邮电小区",
                    "door": format!("1号楼 1单元 {}", 101 + i),
                    "check": "7KQ2",
                }) else {
                    unreachable!()
                };
                SheetItem {
                    url: crate::codes::token::code_url("http://mashang.test", &token),
                    fields,
                }
            })
            .collect();
        let mut seen = Vec::new();
        let (pdf, rendered) = engine
            .render(Template::DoorLabels, &items, Vec::new(), |n| seen.push(n))
            .unwrap();
        assert_eq!(seen, vec![21, 25]);
        assert_eq!(
            rendered,
            Rendered {
                items: 25,
                pages: 2
            }
        );
        let mut decoded = crate::print::raster::decode_symbols(&pdf, 300).unwrap();
        decoded.sort();
        let mut want: Vec<String> = items.iter().map(|i| i.url.clone()).collect();
        want.sort();
        assert_eq!(decoded, want);
    }
}
