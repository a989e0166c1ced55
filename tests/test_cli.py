"""`socialdash` as a user runs it: a subprocess per call, real files, exit codes, outputs and messages."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location(
    "platform_exports", Path(__file__).parent / "platform_exports.py"
)
platform_exports = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(platform_exports)


def socialdash(*args: str | Path, env: dict | None = None) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "socialdash"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "socialdash.cli"]
    full_env = {k: v for k, v in os.environ.items() if k != "SOCIALDASH_DEBUG"} | (env or {})
    return subprocess.run(
        [*cmd, *map(str, args)], capture_output=True, text=True, timeout=300, env=full_env, cwd=REPO
    )


def read_out(path: Path) -> pd.DataFrame:
    if path.suffix == ".xlsx":
        return pd.read_excel(path, sheet_name=0)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the CSV starts with a UTF-8 BOM so Excel opens it"
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def check_labelled(out: pd.DataFrame, n_rows: int, original: list[str], k: int) -> None:
    assert len(out) == n_rows
    missing = [c for c in original if c not in out.columns]
    assert not missing
    assert list(out.columns[-3:]) == ["cluster", "cluster_name", "split"]
    clusters = out["cluster"].astype(int)
    assert set(clusters) == set(range(1, k + 1))
    assert set(out["split"]) == {"train", "test"}
    assert (out["cluster_name"].astype(str).str.len() > 0).all()
    names = out.groupby("cluster")["cluster_name"].nunique()
    assert (names == 1).all(), "one name per cluster"


def check_report(report_path: Path, n_rows: int) -> dict:
    report = json.loads(report_path.read_text(encoding="utf-8"))
    for part in ("train", "test"):
        assert isinstance(report["metrics"][part]["silhouette"], float)
        assert isinstance(report["metrics"][part]["calinski_harabasz"], float)
        assert isinstance(report["metrics"][part]["davies_bouldin"], float)
    assert report["rows"]["used"] == n_rows
    assert report["ingest"]["n_rows"] == n_rows
    return report


@pytest.mark.parametrize(
    ("file_name", "n_rows"),
    [("Live.csv", 7050), ("dataset_Facebook.csv", 500)],
)
def test_cluster_real_exports_end_to_end(tmp_path, file_name, n_rows):
    src = DATA / file_name
    out, rep = tmp_path / "labelled.csv", tmp_path / "run.json"
    proc = socialdash("cluster", src, "--out", out, "--report", rep)
    assert proc.returncode == 0, proc.stderr
    report = check_report(rep, n_rows)
    original = pd.read_csv(src, sep=None, engine="python", nrows=0).columns.tolist()
    labelled = read_out(out)
    check_labelled(labelled, n_rows, original, report["k"])
    assert list(labelled.columns[: len(original)]) == original
    assert (labelled["split"] == "test").sum() == report["rows"]["test"]
    # what the user reads on the terminal
    assert f"{n_rows:,} posts" in proc.stdout
    assert f"k = {report['k']}" in proc.stdout
    assert "Train:" in proc.stdout and "Test:" in proc.stdout
    for c in report["clusters"]:
        assert c["name"] in proc.stdout
    assert proc.stderr == ""


def test_live_keeps_its_values_and_empty_columns(tmp_path):
    out, rep = tmp_path / "live.csv", tmp_path / "live.json"
    proc = socialdash("cluster", DATA / "Live.csv", "--out", out, "--report", rep, "--k", "3")
    assert proc.returncode == 0, proc.stderr
    labelled = read_out(out)
    source = pd.read_csv(DATA / "Live.csv", dtype=str, keep_default_na=False)
    assert labelled["status_id"].tolist() == source["status_id"].tolist()
    assert labelled["num_comments"].tolist() == source["num_comments"].tolist()
    assert (labelled[["Column1", "Column2", "Column3", "Column4"]] == "").all().all()
    report = json.loads(rep.read_text())
    why = {r["column"]: r["reason"] for r in report["not_features"]}
    assert "status_id" in why and "Column1" in why
    assert report["k"] == 3 and "You chose k = 3" in proc.stdout


def test_options_time_split_seed_and_excel_output(tmp_path):
    out, rep = tmp_path / "live.xlsx", tmp_path / "live.json"
    proc = socialdash(
        "cluster", DATA / "Live.csv", "--out", out, "--report", rep,
        "--k", "4", "--test-size", "0.3", "--split", "time", "--seed", "7",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = check_report(rep, 7050)
    assert report["k"] == 4
    assert report["choices"]["split"] == {"method": "time", "seed": 7, "test_size": 0.3, "time_column": None}
    labelled = read_out(out)
    check_labelled(labelled, 7050, ["status_id", "status_type", "num_reactions"], 4)
    assert (labelled["split"] == "test").sum() == pytest.approx(0.3 * 7050, abs=2)
    published = pd.to_datetime(labelled["status_published"], format="mixed")
    assert published[labelled["split"] == "test"].min() >= published[labelled["split"] == "train"].max()


@pytest.mark.parametrize("name", sorted(platform_exports.EXPORTS))
def test_cluster_exports_of_other_platforms(tmp_path, name):
    src = tmp_path / name
    src.write_bytes(platform_exports.EXPORTS[name]())
    out, rep = tmp_path / "out.csv", tmp_path / "run.json"
    proc = socialdash("cluster", src, "--out", out, "--report", rep)
    assert proc.returncode == 0, proc.stderr
    n_rows = platform_exports.EXPECTED_ROWS[name]
    report = check_report(rep, n_rows)
    labelled = read_out(out)
    check_labelled(labelled, n_rows, [], report["k"])
    assert len(labelled.columns) >= report["ingest"]["n_columns"] + 3
    assert report["features"]["columns"]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "case",
    [
        "missing file",
        "folder as input",
        "empty file",
        "binary file",
        "k is 1",
        "k is not a number",
        "test size 2",
        "test size 0",
        "unknown split",
        "time split without dates",
        "fewer rows than k",
        "output folder missing",
        "no command",
        "no output",
        "unknown option",
    ],
)
def test_bad_input_exits_2_with_one_plain_line(tmp_path, case):
    live, fb = DATA / "Live.csv", DATA / "dataset_Facebook.csv"
    out = tmp_path / "out.csv"
    args: dict[str, list] = {
        "missing file": ["cluster", tmp_path / "nope.csv", "--out", out],
        "folder as input": ["cluster", tmp_path, "--out", out],
        "empty file": ["cluster", _write(tmp_path / "empty.csv", b""), "--out", out],
        "binary file": [
            "cluster",
            _write(tmp_path / "x.csv", b"\x89PNG\r\n\x1a\n\x00\x00" * 50),
            "--out",
            out,
        ],
        "k is 1": ["cluster", live, "--out", out, "--k", "1"],
        "k is not a number": ["cluster", live, "--out", out, "--k", "many"],
        "test size 2": ["cluster", live, "--out", out, "--test-size", "2"],
        "test size 0": ["cluster", live, "--out", out, "--test-size", "0"],
        "unknown split": ["cluster", live, "--out", out, "--split", "weekly"],
        "time split without dates": ["cluster", fb, "--out", out, "--split", "time"],
        "fewer rows than k": [
            "cluster",
            _write(tmp_path / "tiny.csv", b"post,likes,comments\na,1,2\nb,5,1\nc,9,0\nd,2,2\n"),
            "--out",
            out,
            "--k",
            "5",
        ],
        "output folder missing": ["cluster", live, "--out", tmp_path / "no" / "such" / "out.csv"],
        "no command": [],
        "no output": ["cluster", live],
        "unknown option": ["cluster", live, "--out", out, "--colour", "blue"],
    }[case]
    proc = socialdash(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("socialdash")
    assert len(lines[0]) > 25
    assert not out.exists()


def test_serve_runs_gunicorn_with_the_app(tmp_path):
    proc = socialdash("serve", "--dry-run", "--", "--bind", "127.0.0.1:18999")
    assert proc.returncode == 0, proc.stderr
    cmd = proc.stdout.split()
    assert cmd[1:3] == ["-m", "gunicorn"]
    assert cmd[-1] == "socialdash.wsgi:server"
    assert "--bind" in cmd and "127.0.0.1:18999" in cmd
    if (REPO / "gunicorn.conf.py").exists():
        assert cmd[cmd.index("-c") + 1].endswith("gunicorn.conf.py")


def test_worker_needs_redis_and_runs_celery():
    proc = socialdash("worker", "--help")
    assert proc.returncode == 0
    assert "celery" in proc.stdout
    no_redis = socialdash("worker", "--dry-run", env={"SOCIALDASH_REDIS_URL": ""})
    assert no_redis.returncode == 2
    assert len(no_redis.stderr.strip().splitlines()) == 1 and "SOCIALDASH_REDIS_URL" in no_redis.stderr
    dry = socialdash(
        "worker", "--dry-run", "--pool=solo", env={"SOCIALDASH_REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    assert dry.returncode == 0, dry.stderr
    cmd = dry.stdout.split()
    assert cmd[1:6] == ["-m", "celery", "-A", "socialdash.worker:celery_app", "worker"]
    assert cmd[-1] == "--pool=solo"
