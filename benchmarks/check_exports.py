"""Local check: ``socialdash cluster`` on every shared data file and on generated exports of other platforms.

``python -m benchmarks.check_exports [--shared ../shared/data] [--out benchmarks/out/exports]``. The shared
files are not licensed for the repository, so this is a local check, not a test; it prints one line per file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _platform_exports():
    spec = importlib.util.spec_from_file_location("platform_exports", ROOT / "tests" / "platform_exports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(src: Path, out_dir: Path) -> dict:
    out, rep = out_dir / f"{src.stem}.labelled.csv", out_dir / f"{src.stem}.report.json"
    cli = Path(sys.executable).parent / "socialdash"
    start = time.perf_counter()
    proc = subprocess.run(
        [str(cli), "cluster", str(src), "--out", str(out), "--report", str(rep)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    row = {"file": src.name, "exit": proc.returncode, "seconds": round(time.perf_counter() - start, 1)}
    if proc.returncode != 0:
        return {**row, "error": proc.stderr.strip()}
    report = json.loads(rep.read_text())
    tr, te = report["metrics"]["train"], report["metrics"]["test"]
    return {
        **row,
        "rows": report["rows"]["used"],
        "features": len(report["features"]["columns"]),
        "not_features": [r["column"] for r in report["not_features"]],
        "k": report["k"],
        "k_reason": report["k_reason"],
        "silhouette_train": tr["silhouette"],
        "silhouette_test": te["silhouette"],
        "clusters": [f"{c['name']} ({c['size']})" for c in report["clusters"]],
        "rows_dropped": report["ingest"]["rows_dropped"],
        "columns_dropped": [c["column"] for c in report["ingest"]["columns_dropped"]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "exports")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in args.shared.glob("*") if p.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx"))
    files += list(_platform_exports().write_all(args.out / "inputs").values())
    results = [check(f, args.out) for f in files]
    for r in results:
        print(json.dumps(r, ensure_ascii=False))
    (args.out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0 if all(r["exit"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
