"""Plain-language sentences for an IngestReport (private helper of :mod:`socialdash.services.ingest`)."""

from __future__ import annotations

from typing import Any

ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with a byte-order mark)",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "cp1252": "Windows-1252 (Western European)",
    "utf-8-mixed": "UTF-8, with some Windows-1252 characters in between (each read as what it is)",
    "latin-1": "Latin-1 (Western European)",
}
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars (|)"}
ROW_REASONS = {
    "empty rows": ("empty row", "empty rows", "they hold no values"),
    "totals row": ("totals row", "totals rows", "a sum such as “Total” is not a post"),
    "description row": ("row of column descriptions", "rows of column descriptions",
                        "it explains the columns and holds no post"),
}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _names(items: list[str]) -> str:
    quoted = [f"“{i}”" if i else "(no name)" for i in items]
    if len(quoted) > 8:
        quoted = [*quoted[:8], f"and {len(quoted) - 8} more"]
    return ", ".join(quoted)


def report_sentences(report: Any) -> list[str]:
    """Short sentences telling a marketer what was read and everything that was changed."""
    out: list[str] = []
    if report.file_type == "xlsx":
        sheet = f", sheet “{report.sheet}”" if report.sheet else ""
        out.append(f"Read the Excel workbook “{report.file_name}”{sheet}.")
    else:
        out.append(f"Read the text file “{report.file_name}”.")
    if report.encoding:
        name = ENCODINGS.get(report.encoding, report.encoding)
        out.append(f"Its characters are encoded as {name}.")
    if report.delimiter and report.n_columns > 1:
        out.append(f"Columns are separated by {DELIMITERS.get(report.delimiter, repr(report.delimiter))}.")
    elif report.file_type != "xlsx" and report.n_columns == 1:
        out.append("The file has a single column.")
    out.append(
        f"Kept {_plural(report.n_rows, 'row', 'rows')} and {_plural(report.n_columns, 'column', 'columns')}."
    )
    by_reason: dict[str, list[dict]] = {}
    for col in report.columns_dropped:
        by_reason.setdefault(col.get("reason", "empty"), []).append(col)
    for reason, cols in by_reason.items():
        names = _names([str(c.get("column", "")) for c in cols])
        why = "they hold no values; the download puts them back" if reason == "empty" else reason
        label = "empty column" if reason == "empty" else "column"
        out.append(f"Dropped {_plural(len(cols), label, label + 's')} {names} ({why}).")
    for row in report.rows_dropped:
        one, many, why = ROW_REASONS.get(row["reason"], ("row", "rows", row["reason"]))
        out.append(f"Skipped {_plural(int(row['count']), one, many)} ({why}).")
    for item in report.renamed:
        old = item["from"] or "(blank)"
        out.append(f"Renamed column “{old}” to “{item['to']}” ({item['reason']}).")
    grouped: dict[tuple[str, str], list[str]] = {}
    for item in report.coercions:
        grouped.setdefault((item["to"], item["detail"]), []).append(item["column"])
    for (to, detail), cols in grouped.items():
        kind = "dates and times" if to == "datetime" else "numbers"
        out.append(f"Read {_names(cols)} as {kind}: {detail}.")
    if report.date_order == "month first":
        out.append("Dates were read month first (4/5/2018 is April 5).")
    elif report.date_order == "day first":
        out.append("Dates were read day first (4/5/2018 is 4 May).")
    out.extend(report.notes)
    return out
