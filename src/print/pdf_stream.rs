//! One PDF written out piece by piece from many small PDFs.
//!
//! typst lays out a whole document in memory, so a district's labels in one typst run would
//! hold every page at once. Instead a batch is compiled a few sheets at a time and each
//! chunk's pages are appended here: their objects are renumbered and written to the output
//! straight away, and only the byte offset of every object (for the cross-reference table)
//! and the ids of the pages (for the page tree) stay in memory until [`PdfStream::finish`].
//!
//! Each chunk brings its own font subsets; nothing is shared between chunks, so the output
//! is larger than one typst run would make, but memory does not grow with the batch.

use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::{HashMap, VecDeque};
use std::io::Write;

/// The page tree root and the catalog get the first two object numbers.
const PAGES_ID: u32 = 1;
const CATALOG_ID: u32 = 2;

/// Page attributes that a page may inherit from its ancestors in the page tree; they are
/// copied onto the page, because the chunk's own page tree is left behind.
const INHERITABLE: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// A PDF being written to `out` (a file, or a buffer for small batches).
pub struct PdfStream<W: Write> {
    out: W,
    /// Bytes written so far: the offset of the next object.
    written: u64,
    /// Byte offset of every object, by object number (0 is the free-list head; 1 and 2 are
    /// written last).
    offsets: Vec<u64>,
    /// The pages, in order.
    kids: Vec<u32>,
}

impl<W: Write> PdfStream<W> {
    /// Start a PDF on `out` (writes the header).
    pub fn new(mut out: W) -> std::io::Result<PdfStream<W>> {
        // The second line's high bytes tell transfer tools the file is binary.
        let header: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
        out.write_all(header)?;
        Ok(PdfStream {
            out,
            written: header.len() as u64,
            offsets: vec![0, 0, 0],
            kids: Vec::new(),
        })
    }

    /// Pages written so far.
    pub fn pages(&self) -> usize {
        self.kids.len()
    }

    /// Append every page of a complete PDF (one chunk) and whatever its pages use. Returns
    /// the number of pages added.
    pub fn append(&mut self, pdf: &[u8]) -> anyhow::Result<usize> {
        let doc = Document::load_mem(pdf)?;
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        // Number every object reachable from the pages (not through /Parent: the chunk's
        // page tree, catalog and structure tree stay behind), breadth first.
        let base = self.offsets.len() as u32;
        let mut new_ids: HashMap<ObjectId, u32> = HashMap::new();
        let mut order: Vec<ObjectId> = Vec::new();
        let mut queue: VecDeque<ObjectId> = VecDeque::new();
        let mut visit =
            |id: ObjectId, new_ids: &mut HashMap<ObjectId, u32>, queue: &mut VecDeque<ObjectId>| {
                if let std::collections::hash_map::Entry::Vacant(slot) = new_ids.entry(id) {
                    slot.insert(base + order.len() as u32);
                    order.push(id);
                    queue.push_back(id);
                }
            };
        for page in &pages {
            visit(*page, &mut new_ids, &mut queue);
        }
        let mut prepared: HashMap<ObjectId, Object> = HashMap::new();
        while let Some(id) = queue.pop_front() {
            let mut object = doc.get_object(id)?.clone();
            if pages.contains(&id) {
                let dict = object.as_dict_mut()?;
                inherit(&doc, dict)?;
                dict.remove(b"Parent");
                // Structure-tree keys would point into the tree left behind.
                dict.remove(b"StructParents");
            }
            let mut refs = Vec::new();
            collect_refs(&object, &mut refs);
            for r in refs {
                visit(r, &mut new_ids, &mut queue);
            }
            prepared.insert(id, object);
        }
        for id in &order {
            let mut object = prepared
                .remove(id)
                .ok_or_else(|| anyhow::anyhow!("object {id:?} vanished"))?;
            renumber(&mut object, &new_ids)?;
            if pages.contains(id) {
                object
                    .as_dict_mut()?
                    .set("Parent", Object::Reference((PAGES_ID, 0)));
            }
            if let Object::Stream(stream) = &mut object {
                // The length may have been an indirect object; write it directly.
                let len = stream.content.len() as i64;
                stream.dict.set("Length", Object::Integer(len));
            }
            self.write_object(new_ids[id], &object)?;
        }
        self.kids.extend(pages.iter().map(|p| new_ids[p]));
        Ok(pages.len())
    }

    /// Write the page tree, the catalog, the cross-reference table and the trailer; returns
    /// the output and the number of pages.
    pub fn finish(mut self) -> anyhow::Result<(W, usize)> {
        let kids: Vec<Object> = self
            .kids
            .iter()
            .map(|id| Object::Reference((*id, 0)))
            .collect();
        let mut pages = Dictionary::new();
        pages.set("Type", Object::Name(b"Pages".to_vec()));
        pages.set("Count", Object::Integer(self.kids.len() as i64));
        pages.set("Kids", Object::Array(kids));
        self.write_object(PAGES_ID, &Object::Dictionary(pages))?;
        let mut catalog = Dictionary::new();
        catalog.set("Type", Object::Name(b"Catalog".to_vec()));
        catalog.set("Pages", Object::Reference((PAGES_ID, 0)));
        self.write_object(CATALOG_ID, &Object::Dictionary(catalog))?;

        let xref_at = self.written;
        let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", self.offsets.len());
        for offset in &self.offsets[1..] {
            xref.push_str(&format!("{offset:010} 00000 n \n"));
        }
        xref.push_str(&format!(
            "trailer\n<< /Size {} /Root {CATALOG_ID} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
            self.offsets.len()
        ));
        self.out.write_all(xref.as_bytes())?;
        self.out.flush()?;
        Ok((self.out, self.kids.len()))
    }

    fn write_object(&mut self, id: u32, object: &Object) -> anyhow::Result<()> {
        let mut buf = format!("{id} 0 obj\n").into_bytes();
        lopdf::Writer::write_object(&mut buf, object)?;
        buf.extend_from_slice(b"\nendobj\n");
        self.out.write_all(&buf)?;
        let index = id as usize;
        if index >= self.offsets.len() {
            self.offsets.resize(index + 1, 0);
        }
        self.offsets[index] = self.written;
        self.written += buf.len() as u64;
        Ok(())
    }
}

/// Copy inheritable attributes from the page's ancestors onto the page.
fn inherit(doc: &Document, page: &mut Dictionary) -> anyhow::Result<()> {
    let mut parent = page.get(b"Parent").and_then(Object::as_reference).ok();
    while let Some(id) = parent {
        let node = doc.get_dictionary(id)?;
        for key in INHERITABLE {
            if !page.has(key) {
                if let Ok(value) = node.get(key) {
                    page.set(key, value.clone());
                }
            }
        }
        parent = node.get(b"Parent").and_then(Object::as_reference).ok();
    }
    Ok(())
}

/// Every indirect reference inside `object`, except a page's /Parent.
fn collect_refs(object: &Object, out: &mut Vec<ObjectId>) {
    match object {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|o| collect_refs(o, out)),
        Object::Dictionary(dict) => dict_refs(dict, out),
        Object::Stream(stream) => dict_refs(&stream.dict, out),
        _ => {}
    }
}

fn dict_refs(dict: &Dictionary, out: &mut Vec<ObjectId>) {
    for (key, value) in dict.iter() {
        if key.as_slice() != b"Parent" {
            collect_refs(value, out);
        }
    }
}

/// Point every reference at its new number.
fn renumber(object: &mut Object, new_ids: &HashMap<ObjectId, u32>) -> anyhow::Result<()> {
    match object {
        Object::Reference(id) => {
            let new = new_ids
                .get(id)
                .ok_or_else(|| anyhow::anyhow!("reference to unknown object {id:?}"))?;
            *id = (*new, 0);
        }
        Object::Array(items) => {
            for o in items {
                renumber(o, new_ids)?;
            }
        }
        Object::Dictionary(dict) => renumber_dict(dict, new_ids)?,
        Object::Stream(stream) => renumber_dict(&mut stream.dict, new_ids)?,
        _ => {}
    }
    Ok(())
}

fn renumber_dict(dict: &mut Dictionary, new_ids: &HashMap<ObjectId, u32>) -> anyhow::Result<()> {
    for (key, value) in dict.iter_mut() {
        if key.as_slice() != b"Parent" {
            renumber(value, new_ids)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::content::{Content, Operation};
    use lopdf::Stream;

    /// A small PDF whose pages carry `label` in their content, with the media box on the
    /// page tree (inherited), as some producers write it.
    fn chunk(label: &str, pages: usize) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let mut kids = Vec::new();
        for i in 0..pages {
            let content = Content {
                operations: vec![Operation::new(
                    "Tj",
                    vec![Object::string_literal(format!("{label}-{i}"))],
                )],
            };
            let content_id =
                doc.add_object(Stream::new(Dictionary::new(), content.encode().unwrap()));
            let mut page = Dictionary::new();
            page.set("Type", Object::Name(b"Page".to_vec()));
            page.set("Parent", Object::Reference(pages_id));
            page.set("Contents", Object::Reference(content_id));
            kids.push(Object::Reference(doc.add_object(page)));
        }
        let mut tree = Dictionary::new();
        tree.set("Type", Object::Name(b"Pages".to_vec()));
        tree.set("Count", Object::Integer(pages as i64));
        tree.set("Kids", Object::Array(kids));
        tree.set(
            "MediaBox",
            Object::Array([0, 0, 595, 842].into_iter().map(Object::Integer).collect()),
        );
        doc.objects.insert(pages_id, Object::Dictionary(tree));
        let mut catalog = Dictionary::new();
        catalog.set("Type", Object::Name(b"Catalog".to_vec()));
        catalog.set("Pages", Object::Reference(pages_id));
        let catalog_id = doc.add_object(catalog);
        doc.trailer.set("Root", Object::Reference(catalog_id));
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn page_text(doc: &Document, page: ObjectId) -> String {
        let content = doc.get_page_content(page);
        String::from_utf8_lossy(&content).into_owned()
    }

    #[test]
    fn chunks_become_one_document_in_order() {
        let mut stream = PdfStream::new(Vec::new()).unwrap();
        assert_eq!(stream.append(&chunk("a", 2)).unwrap(), 2);
        assert_eq!(stream.append(&chunk("b", 3)).unwrap(), 3);
        assert_eq!(stream.pages(), 5);
        let (bytes, pages) = stream.finish().unwrap();
        assert_eq!(pages, 5);
        let doc = Document::load_mem(&bytes).unwrap();
        let ids: Vec<ObjectId> = doc.get_pages().into_values().collect();
        assert_eq!(ids.len(), 5);
        let texts: Vec<String> = ids.iter().map(|id| page_text(&doc, *id)).collect();
        for (text, want) in texts.iter().zip(["a-0", "a-1", "b-0", "b-1", "b-2"]) {
            assert!(text.contains(want), "{text} should contain {want}");
        }
        // The inherited media box travelled onto every page.
        for id in ids {
            let page = doc.get_dictionary(id).unwrap();
            assert!(page.has(b"MediaBox"));
            assert_eq!(
                page.get(b"Parent").unwrap().as_reference().unwrap(),
                (PAGES_ID, 0)
            );
        }
    }

    #[test]
    fn cross_reference_offsets_point_at_their_objects() {
        let mut stream = PdfStream::new(Vec::new()).unwrap();
        stream.append(&chunk("x", 1)).unwrap();
        let (bytes, _) = stream.finish().unwrap();
        // The header holds non-UTF-8 bytes: search the bytes, read the table as text.
        let xref = 1 + bytes.windows(6).rposition(|w| w == b"\nxref\n").unwrap();
        let table = String::from_utf8(bytes[xref..].to_vec()).unwrap();
        let entries: Vec<&str> = table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .collect();
        assert!(!entries.is_empty());
        for (i, entry) in entries.iter().enumerate() {
            let offset: usize = entry[..10].parse().unwrap();
            assert!(
                bytes[offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()),
                "entry {} points elsewhere",
                i + 1
            );
        }
    }

    #[test]
    fn an_empty_stream_is_a_valid_empty_document() {
        let (bytes, pages) = PdfStream::new(Vec::new()).unwrap().finish().unwrap();
        assert_eq!(pages, 0);
        assert!(Document::load_mem(&bytes).unwrap().get_pages().is_empty());
    }
}
