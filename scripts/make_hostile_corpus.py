"""Write the hostile-input corpus: files no upload may crash the app with (deterministic, no network).

    python scripts/make_hostile_corpus.py [OUT_DIR] [--big]

Small files are committed in tests/data/hostile/; the large ones (10,000 columns, a 5 MB single line, the
zip bombs) are written only with ``--big`` (the tests write them into a temporary folder). Every file is the
same byte for byte on every run: no clocks, no randomness without a fixed seed, fixed ZIP timestamps.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "data" / "hostile"
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

SCRIPT_TITLE = "<script>document.title='pwned'</script>"
IMG_TITLE = "<img src=x onerror=\"document.title='pwned'\">"
JS_LINK = "javascript:alert(1)"
BOLD = "<b>bold</b>"
ANCHOR = "<a href=\"javascript:document.title='pwned'\">click</a>"
HTML_PAYLOADS = (SCRIPT_TITLE, IMG_TITLE, JS_LINK, BOLD, ANCHOR)
FORMULA_PAYLOADS = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1")


# --------------------------------------------------------------------------- helpers
def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if any(ch in text for ch in ',"\r\n\t') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    lines = [",".join(_csv_cell(h) for h in header)]
    lines += [",".join(_csv_cell(v) for v in row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def posts(n: int, seed: int = 7) -> list[list[object]]:
    """``n`` plausible posts: id, type, published, likes, comments, shares (three visible segments)."""
    rng = random.Random(seed)
    out: list[list[object]] = []
    for i in range(n):
        seg = i % 3
        likes = [20, 400, 3000][seg] + rng.randint(0, [15, 120, 900][seg])
        comments = [1, 30, 250][seg] + rng.randint(0, [3, 20, 90][seg])
        shares = [0, 5, 60][seg] + rng.randint(0, [2, 6, 30][seg])
        kind = ["photo", "video", "link"][seg if rng.random() < 0.8 else rng.randint(0, 2)]
        day, hour = 1 + i % 28, (8 + 3 * seg + i) % 24
        out.append([f"P{i:04d}", kind, f"2024-03-{day:02d} {hour:02d}:15", likes, comments, shares])
    return out


POST_HEADER = ["post_id", "type", "published", "likes", "comments", "shares"]


def _zip(members: list[tuple[str, bytes]], level: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=level) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = level
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="posts" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    b'Target="sharedStrings.xml"/></Relationships>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def _sheet(rows: list[list[object]], shared: list[str]) -> bytes:
    """sheet1.xml: strings by index into ``shared`` (appended), numbers inline."""
    parts = [SHEET_HEAD]
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                shared.append(str(value))
                cells.append(f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>')
        parts.append(f'<row r="{r}">{"".join(cells)}</row>'.encode())
    parts.append(SHEET_TAIL)
    return b"".join(parts)


def _shared_strings(strings: list[str], doctype: bytes = b"", body_prefix: bytes = b"") -> bytes:
    from xml.sax.saxutils import escape

    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings).encode()
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + doctype
        + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        + f'count="{len(strings)}" uniqueCount="{len(strings)}">'.encode()
        + body_prefix
        + items
        + b"</sst>"
    )


def workbook(rows: list[list[object]], shared_doctype: bytes = b"", shared_prefix: bytes = b"") -> bytes:
    """A minimal, valid .xlsx (one sheet ``posts``) written by hand: no openpyxl, byte-for-byte stable."""
    shared: list[str] = []
    sheet = _sheet(rows, shared)
    return _zip(
        [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", _shared_strings(shared, shared_doctype, shared_prefix)),
        ]
    )


# --------------------------------------------------------------------------- small files
def empty() -> bytes:
    return b""


def header_only() -> bytes:
    return csv_text(POST_HEADER, []).encode()


def one_row() -> bytes:
    return csv_text(POST_HEADER, posts(1)).encode()


def one_column() -> bytes:
    return csv_text(["likes"], [[r[3]] for r in posts(60)]).encode()


def png_as_csv() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = b"IDAT" + zlib.compress(b"\x00\xff\x00\x00")
    data += struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat))
    return data + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))


def nul_bytes() -> bytes:
    """A CSV with 3 stray NUL bytes (as a tool that pads or cuts exports leaves them): read, NULs removed."""
    text = csv_text(POST_HEADER, posts(30)).encode()
    return text[:200] + b"\x00\x00" + text[200:400] + b"\x00" + text[400:]


def ragged_rows() -> bytes:
    rows = posts(45)
    lines = [",".join(POST_HEADER)]
    for i, row in enumerate(rows):
        cells = [str(v) for v in row]
        if i % 7 == 3:
            cells = cells[:4]  # short row: comments and shares missing
        elif i % 11 == 5:
            cells = [*cells, "extra", "cells"]  # long row: more cells than the header
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode()


def duplicated_headers() -> bytes:
    header = ["post_id", "type", "likes", "likes", "comments", "comments", "Likes ", "\ufefflikes"]
    rows = [[r[0], r[1], r[3], r[3] // 2, r[4], r[4] + 1, r[5], r[3] % 7] for r in posts(45)]
    return csv_text(header, rows).encode()


def only_text() -> bytes:
    rng = random.Random(3)
    words = ["summer", "sale", "new", "launch", "thanks", "team", "event", "story", "video", "today"]
    rows = [[f"post {i}", " ".join(rng.choice(words) for _ in range(8)), rng.choice(words) + " " + str(i)]
            for i in range(40)]
    return csv_text(["title", "message", "author"], rows).encode()


def all_missing_metric() -> bytes:
    header = [*POST_HEADER, "saves"]
    rows = [[*r, ""] for r in posts(45)]
    return csv_text(header, rows).encode()


def constant_metrics() -> bytes:
    rows = [[f"P{i:03d}", "photo", 100, 5, 2] for i in range(40)]
    return csv_text(["post_id", "type", "likes", "comments", "shares"], rows).encode()


def fewer_rows_than_k() -> bytes:
    return csv_text(POST_HEADER, posts(3)).encode()


def fewer_distinct_than_k() -> bytes:
    rows = [[f"P{i:03d}", "photo" if i % 2 else "video", 10 if i % 2 else 500, 1 if i % 2 else 40]
            for i in range(40)]
    return csv_text(["post_id", "type", "likes", "comments"], rows).encode()


def mixed_encodings() -> bytes:
    """UTF-8 rows (café, naïve, emoji) followed by Windows-1252 rows (é as one byte 0xE9, € as 0x80)."""
    rows = posts(40)
    header = ",".join([*POST_HEADER, "message"]) + "\r\n"
    out = header.encode("utf-8")
    for i, row in enumerate(rows):
        text = "café crème ✨" if i < 20 else "déjà vu à 5 €"
        line = ",".join([*(str(v) for v in row), text]) + "\r\n"
        out += line.encode("utf-8" if i < 20 else "cp1252")
    return out


def formula_payloads() -> bytes:
    header = ["post_id", "=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)",
              "\tlikes", "\rcomments", "message"]
    rows = []
    for i, r in enumerate(posts(45)):
        payload = FORMULA_PAYLOADS[i % len(FORMULA_PAYLOADS)]
        rows.append([r[0], FORMULA_PAYLOADS[i % 3], r[3], r[4], r[5], r[3] % 97, r[4] % 13, payload])
    return csv_text(header, rows).encode()


def html_payloads() -> bytes:
    header = ["post_id", SCRIPT_TITLE, IMG_TITLE, BOLD, "link", "type", ANCHOR]
    rows = []
    for i, r in enumerate(posts(45)):
        rows.append([
            r[0],
            r[3],
            r[4],
            r[5],
            JS_LINK if i % 2 else f"{JS_LINK} {SCRIPT_TITLE}",
            HTML_PAYLOADS[i % 3] if i % 5 else r[1],
            f"{IMG_TITLE} {BOLD} post {i}",
        ])
    return csv_text(header, rows).encode()


def html_payloads_xlsx() -> bytes:
    rows: list[list[object]] = [["post_id", SCRIPT_TITLE, IMG_TITLE, BOLD, "type"]]
    rows += [[r[0], r[3], r[4], r[5], HTML_PAYLOADS[i % 4]] for i, r in enumerate(posts(30))]
    return workbook(rows)


def billion_laughs() -> bytes:
    lol = b'<!DOCTYPE sst [<!ENTITY lol "lol">'
    lol += b'<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    for n in range(2, 10):
        lol += f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">'.encode()
    lol += b"]>"
    rows: list[list[object]] = [["post_id", "likes", "comments"]]
    rows += [[r[0], r[3], r[4]] for r in posts(20)]
    return workbook(rows, shared_doctype=lol, shared_prefix=b"<si><t>&lol9;</t></si>")


def encrypted_xlsx() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE2 compound file, named .xlsx."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    body = "EncryptionInfo EncryptedPackage".encode("utf-16-le")
    return (header + b"\x00" * (512 - len(header)) + body).ljust(4096, b"\x00")


def corrupt_xlsx() -> bytes:
    good = workbook([["post_id", "likes"], ["P1", 3], ["P2", 4]])
    return good[: len(good) // 2]  # cut in the middle: the ZIP directory is missing


SMALL: dict[str, Callable[[], bytes]] = {
    "empty.csv": empty,
    "header_only.csv": header_only,
    "one_row.csv": one_row,
    "one_column.csv": one_column,
    "png_renamed.csv": png_as_csv,
    "nul_bytes.csv": nul_bytes,
    "ragged_rows.csv": ragged_rows,
    "duplicated_headers.csv": duplicated_headers,
    "only_text.csv": only_text,
    "all_missing_metric.csv": all_missing_metric,
    "constant_metrics.csv": constant_metrics,
    "fewer_rows_than_k.csv": fewer_rows_than_k,
    "fewer_distinct_than_k.csv": fewer_distinct_than_k,
    "mixed_encodings.csv": mixed_encodings,
    "formula_payloads.csv": formula_payloads,
    "html_payloads.csv": html_payloads,
    "html_payloads.xlsx": html_payloads_xlsx,
    "billion_laughs.xlsx": billion_laughs,
    "encrypted.xlsx": encrypted_xlsx,
    "corrupt.xlsx": corrupt_xlsx,
}


# --------------------------------------------------------------------------- big files (test time only)
def ten_thousand_columns() -> bytes:
    header = ",".join(f"metric_{j}" for j in range(10_000))
    rows = [",".join(str((i * 31 + j) % 1000) for j in range(10_000)) for i in range(5)]
    return ("\n".join([header, *rows]) + "\n").encode()


def single_line_5mb() -> bytes:
    """5 MB on one line and no line break: one gigantic header cell, no rows."""
    unit = b"likes comments shares reach "
    return (unit * (5 * 1024 * 1024 // len(unit) + 1))[: 5 * 1024 * 1024]


def zip_bomb() -> bytes:
    """A workbook whose sheet inflates from ~100 KB to 100 MB (ratio ~1000:1)."""
    padding = b" " * (100 * 1024 * 1024)
    sheet = SHEET_HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row>' + padding + SHEET_TAIL
    members = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", _shared_strings([])),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


BIG: dict[str, Callable[[], bytes]] = {
    "ten_thousand_columns.csv": ten_thousand_columns,
    "single_line_5mb.csv": single_line_5mb,
    "zip_bomb.xlsx": zip_bomb,
}


def write(out: Path, big: bool = False, small: bool = True) -> dict[str, Path]:
    """Write the corpus to ``out`` (only files that are missing or differ); returns {name: path}."""
    out.mkdir(parents=True, exist_ok=True)
    makers = {**(SMALL if small else {}), **(BIG if big else {})}
    paths = {}
    for name, make in makers.items():
        path = out / name
        data = make()
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        paths[name] = path
    return paths


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    out = Path(args[0]) if args else DEFAULT_OUT
    paths = write(out, big="--big" in argv)
    for name, path in paths.items():
        print(f"{path.stat().st_size:>12,}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
