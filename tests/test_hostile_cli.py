"""The hostile corpus through `socialdash cluster`: exit 0 with a correct labelled file, or exit 2 with one
plain sentence on stderr — never a traceback, never exit 1."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from hostile_support import EXPECTED, corpus, corpus_script, leaks

from socialdash.cli import main

ADDED = ["cluster", "cluster_name", "split"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection: first characters that start a formula


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return corpus(tmp_path_factory.mktemp("hostile-big"))


def _argv(name: str, path: Path, out: Path) -> list[str]:
    expect = EXPECTED[name]
    return ["cluster", str(path), "--out", str(out), *(["--k", str(expect.k)] if expect.k else [])]


def _read(out: Path) -> pd.DataFrame:
    return pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_corpus_file_gives_a_result_or_one_sentence(name, files, tmp_path, capsys) -> None:
    out = tmp_path / "labelled.csv"
    code = main(_argv(name, files[name], out))
    captured = capsys.readouterr()
    expect = EXPECTED[name]
    assert not leaks(captured.err), captured.err
    if expect.ok:
        assert code == 0, captured.err
        assert captured.err == ""
        df = _read(out)
        assert len(df) == expect.rows
        assert list(df.columns[-3:]) == ADDED
        assert set(df["split"]) == {"train", "test"}
        assert df["cluster"].astype(int).min() == 1
    else:
        assert code == 2, captured.err
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1, captured.err
        assert lines[0].startswith(f"socialdash: {expect.message}"), lines[0]
        assert lines[0].endswith("."), lines[0]
        assert not out.exists()


def test_formula_payloads_are_neutralised_in_csv_and_xlsx(files, tmp_path) -> None:
    csv_out, xlsx_out = tmp_path / "f.csv", tmp_path / "f.xlsx"
    assert main(["cluster", str(files["formula_payloads.csv"]), "--out", str(csv_out), "--k", "3"]) == 0
    df = _read(csv_out)
    headers = list(df.columns)
    assert headers[:5] == ["post_id", "'=HYPERLINK(\"http://x\",\"y\")", "'+cmd|' /C calc'!A0", "'-2+3",
                           "'@SUM(1)"]
    for column in df.columns:
        assert not str(column).startswith(TRIGGERS)
        for value in df[column]:
            assert not value.startswith(TRIGGERS), (column, value)
    messages = set(df["message"])
    assert {"'=HYPERLINK(\"http://x\",\"y\")", "'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(1)", "'\t=1+1",
            "'\r=1+1"} <= messages
    assert main(["cluster", str(files["formula_payloads.csv"]), "--out", str(xlsx_out), "--k", "3"]) == 0
    from openpyxl import load_workbook

    ws = load_workbook(xlsx_out)["posts"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)  # nothing is a formula
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert risky and all(c.quotePrefix for c in risky)  # text kept exactly, flagged as text for Excel


def test_html_payloads_come_back_as_the_same_text(files, tmp_path) -> None:
    out = tmp_path / "h.csv"
    assert main(["cluster", str(files["html_payloads.csv"]), "--out", str(out), "--k", "3"]) == 0
    df = _read(out)
    assert corpus_script.SCRIPT_TITLE in df.columns
    assert corpus_script.IMG_TITLE in df.columns
    assert corpus_script.ANCHOR in df.columns
    assert set(corpus_script.HTML_PAYLOADS[:3]) <= set(df["type"])
    assert (df["link"].str.startswith(corpus_script.JS_LINK)).all()


def test_mixed_encodings_read_both_halves(files, tmp_path) -> None:
    out = tmp_path / "m.csv"
    assert main(["cluster", str(files["mixed_encodings.csv"]), "--out", str(out), "--k", "2"]) == 0
    assert set(_read(out)["message"]) == {"café crème ✨", "déjà vu à 5 €"}


def test_empty_metric_and_duplicate_headers_survive(files, tmp_path) -> None:
    out = tmp_path / "a.csv"
    assert main(["cluster", str(files["all_missing_metric.csv"]), "--out", str(out), "--k", "3"]) == 0
    df = _read(out)
    assert list(df.columns[:7]) == [*corpus_script.POST_HEADER, "saves"]
    assert (df["saves"] == "").all()
    assert main(["cluster", str(files["duplicated_headers.csv"]), "--out", str(out), "--k", "3"]) == 0
    columns = list(_read(out).columns)
    assert len(set(columns)) == len(columns)
    assert columns[:6] == ["post_id", "type", "likes", "likes (2)", "comments", "comments (2)"]


def test_real_command_line_processes(files, tmp_path) -> None:
    """The installed entry point in its own process: exit codes and stderr exactly as a shell sees them."""
    names = ["png_renamed.csv", "billion_laughs.xlsx", "html_payloads.csv"]

    def run(name: str) -> subprocess.CompletedProcess:
        out = tmp_path / f"{name}.out.csv"
        argv = [sys.executable, "-m", "socialdash.cli", *_argv(name, files[name], out)]
        return subprocess.run(argv, capture_output=True, text=True, timeout=180)

    with ThreadPoolExecutor(len(names)) as pool:
        results = dict(zip(names, pool.map(run, names), strict=True))
    for name, proc in results.items():
        expect = EXPECTED[name]
        assert "Traceback" not in proc.stderr + proc.stdout
        if expect.ok:
            assert proc.returncode == 0, proc.stderr
            assert len(_read(tmp_path / f"{name}.out.csv")) == expect.rows
        else:
            assert proc.returncode == 2, proc.stderr
            assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"socialdash: {expect.message}")
