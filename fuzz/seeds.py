#!/usr/bin/env python3
"""Writes the starting corpus of each fuzz target into fuzz/corpus/<target>/ (not committed):
small CSVs and workbooks like the ones staff upload, images of each accepted type, tokens.
Images and one workbook are copied from crates in ~/.cargo/registry when present
(rust_xlsxwriter's test inputs, MIT/Apache-2.0)."""
import glob, io, os, shutil, struct, sys, zipfile, zlib

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "corpus")


def put(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def xlsx(sheet_xml, compress=zipfile.ZIP_STORED):
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as z:
        for name, body in parts.items():
            z.writestr(name, body.encode())
    return out.getvalue()


def sheet(dimension, rows):
    xml = ""
    for r, cells in rows:
        xml += f'<row r="{r}">'
        for ref, v in cells:
            if isinstance(v, (int, float)):
                xml += f'<c r="{ref}"><v>{v}</v></c>'
            else:
                xml += f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
        xml += "</row>"
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>{xml}</sheetData></worksheet>'


def png(w, h, colour_type, rows):
    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


houses = "网格编码,楼栋,单元,房号,联系人,联系电话\nGY-01-01,3号楼,2,101,张三,138 1234 5678\nGY-01-01,3号楼,,102,,0477-5123456\n"
shops = "grid_code,name,address,accepts_points,contact_phone\nGY-02-03,粮油店,昭君路3号,是,13904771234\n"
put("import_parse", "households.csv", houses.encode())
put("import_parse", "households-gbk.csv", houses.encode("gb18030"))
put("import_parse", "households-utf16.csv", b"\xff\xfe" + houses.replace(",", "\t").encode("utf-16-le"))
put("import_parse", "shops.csv", shops.encode())
put("import_parse", "quoted.csv", '网格编码;楼栋;房号\n"G1";"1\n2";"101"\n\n'.encode())
put("import_parse", "households.xlsx", xlsx(sheet("A1:F3", [
    (1, [("A1", "网格编码"), ("B1", "楼栋"), ("C1", "单元"), ("D1", "房号"), ("E1", "户主"), ("F1", "手机")]),
    (2, [("A2", "GY-01-01"), ("B2", 3), ("C2", 2), ("D2", 101), ("E2", "李四"), ("F2", 13812345678)]),
    (3, [("A3", "GY-01-01"), ("B3", 3.5), ("D3", 102)]),
])))
put("import_parse", "shops-deflated.xlsx", xlsx(sheet("C3:F5", [
    (3, [("C3", "grid_code"), ("D3", "name"), ("E3", "address"), ("F3", "accepts_points")]),
    (5, [("C5", "G1"), ("D5", "店"), ("E5", "A路"), ("F5", 1)]),
]), zipfile.ZIP_DEFLATED))
put("import_parse", "far-cell.xlsx", xlsx(sheet("A1:XFD1048576", [(1, [("A1", "网格编码")]), (1048576, [("XFD1048576", "x")])])))

put("photo_intake", "rgb.png", png(4, 3, 2, b"".join(b"\0" + bytes(range(i, i + 12)) for i in range(3))))
put("photo_intake", "grey-alpha.png", png(3, 2, 4, b"\0" + b"\x10\x80" * 3 + b"\0" + b"\xf0\xff" * 3))
put("photo_intake", "rgba.png", png(2, 2, 6, b"\0" + b"\xff\0\0\x80" * 2 + b"\0" + b"\0\xff\0\xff" * 2))
put("photo_intake", "grey.png", png(5, 1, 0, b"\0" + b"\x01\x02\x03\x04\x05"))
for path in glob.glob(os.path.expanduser("~/.cargo/registry/src/*/rust_xlsxwriter-*/tests/input/images/*")):
    name = os.path.basename(path)
    if name.split(".")[-1] in ("jpg", "png") and os.path.getsize(path) < 4000:
        shutil.copy(path, os.path.join(corpus, "photo_intake", name))
for path in glob.glob(os.path.expanduser("~/.cargo/registry/src/*/rust_xlsxwriter-*/tests/input/optimize01.xlsx"))[:1]:
    shutil.copy(path, os.path.join(corpus, "import_parse", "optimize01.xlsx"))

for i, t in enumerate(["7ZX3-Q2MK-9VPD-4RNB-HT6Y-A1", "7zx3q2mk9vpd4rnbht6ya1c8e0", "0123456789ABCDEFGHJKMNPQRS", "oil-oil"]):
    put("token_normalize", f"token{i}", t.encode())
print("corpus in", corpus)
