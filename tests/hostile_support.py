"""Shared pieces of the hostile-input tests: the corpus on disk, what each file must produce, leak checks.

The small corpus is committed in tests/data/hostile/ (made by scripts/make_hostile_corpus.py, rewritten
here when missing); the big files (10,000 columns, a 5 MB line, a zip bomb) are written at test time.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).parent / "data" / "hostile"
SCRIPT = ROOT / "scripts" / "make_hostile_corpus.py"
_spec = importlib.util.spec_from_file_location("make_hostile_corpus", SCRIPT)
assert _spec and _spec.loader
corpus_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus_script)


@dataclass(frozen=True)
class Expect:
    """What a file must give: rows kept (a result) or the start of the one-sentence message."""

    rows: int | None = None
    message: str | None = None
    k: int | None = None  # clusters asked for (None: the recommended k)

    @property
    def ok(self) -> bool:
        return self.message is None


TOO_FEW_SPLIT = "With 1 post there are too few to keep some for training and some for testing"
NO_FEATURES = "No column is selected for clustering"
EXPECTED: dict[str, Expect] = {
    "empty.csv": Expect(message="The file is empty."),
    "header_only.csv": Expect(message="The file has no rows of data under its header"),
    "one_row.csv": Expect(message=TOO_FEW_SPLIT),
    "one_column.csv": Expect(rows=60),
    "png_renamed.csv": Expect(message="This looks like a binary file"),
    "nul_bytes.csv": Expect(rows=30),  # 3 stray NUL bytes are removed (reported), not taken for binary
    "ragged_rows.csv": Expect(rows=42),  # 3 rows with more cells than the header are skipped (reported)
    "duplicated_headers.csv": Expect(rows=45),
    "only_text.csv": Expect(message=NO_FEATURES),
    "all_missing_metric.csv": Expect(rows=45),
    "constant_metrics.csv": Expect(message=NO_FEATURES),
    "fewer_rows_than_k.csv": Expect(message="There are only 2 posts to train on, fewer than the 5", k=5),
    "fewer_distinct_than_k.csv": Expect(message="There are only 2 distinct posts", k=5),
    "mixed_encodings.csv": Expect(rows=40),
    "formula_payloads.csv": Expect(rows=45),
    "html_payloads.csv": Expect(rows=45),
    "html_payloads.xlsx": Expect(rows=30),
    "billion_laughs.xlsx": Expect(message="This workbook contains XML declarations that Excel never writes"),
    "encrypted.xlsx": Expect(message="This Excel file is protected with a password"),
    "corrupt.xlsx": Expect(message="The file is damaged or protected with a password"),
    "ten_thousand_columns.csv": Expect(message="The file has 10,000 columns; this server accepts up to 500"),
    "single_line_5mb.csv": Expect(message="The file has no rows of data under its header"),
    "zip_bomb.xlsx": Expect(message="This workbook is packed in a suspicious way"),
}


def corpus(big_dir: Path | None = None) -> dict[str, Path]:
    """{name: path} of the whole corpus; the big files are written into ``big_dir`` (skipped when None)."""
    paths = corpus_script.write(HOSTILE)  # rewrites a missing or changed small file only
    if big_dir is not None:
        paths.update(corpus_script.write(big_dir, big=True, small=False))
    assert set(paths) <= set(EXPECTED), set(paths) - set(EXPECTED)
    return paths


# --------------------------------------------------------------------------- what no response may contain
_LEAKS = (
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r'File "[^"]+", line \d+'),
    re.compile(r"/(?:work|tmp|home|root|usr|opt|var)/[\w.\-/]+"),
    re.compile(r"site-packages|\.venv|\.py\b"),
    re.compile(r"\b(?:KeyError|TypeError|ValueError|AttributeError|IndexError|ZeroDivisionError)\b"),
    re.compile(r"Werkzeug Debugger|__debugger__"),
)


def leaks(body: bytes | str, secrets: tuple[str, ...] = ()) -> list[str]:
    """Fragments of ``body`` that reveal internals: tracebacks, file paths, exception names, secrets."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    found = [m.group(0) for rx in _LEAKS for m in rx.finditer(text)]
    found += [s[:6] + "…" for s in secrets if s and s in text]
    return found
