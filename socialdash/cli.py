"""The ``socialdash`` command line: serve, cluster (headless pipeline), worker.

Exit codes: 0 success · 2 bad input or options (one line on stderr) · 1 internal error (one line; the
traceback only with ``SOCIALDASH_DEBUG=1``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, NoReturn

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
APP_TARGET = "socialdash.wsgi:server"
CELERY_APP = "socialdash.worker:celery_app"


class UsageError(Exception):
    """Bad options or input found by the CLI itself; ``str()`` is the one line shown."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _debug() -> bool:
    return os.environ.get("SOCIALDASH_DEBUG", "") not in ("", "0", "false", "False")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line on stderr and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {_one_line(message)} (see --help)\n")


# ---------------------------------------------------------------------------- option types
def _k_option(text: str) -> int | None:
    if text.strip().lower() == "auto":
        return None
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a number of clusters; use a whole number or auto"
        ) from None
    if k < 2:
        raise argparse.ArgumentTypeError(f"{k} clusters is too few; use at least 2 or auto")
    return k


def _test_size_option(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a fraction such as 0.2") from None
    if not 0 < value <= 0.9:
        raise argparse.ArgumentTypeError(
            f"{text} is not a share of posts to hold out; use a fraction above 0 and at most 0.9, such as 0.2"
        )
    return value


def _seed_option(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="socialdash", description="Cluster your social-media posts and see what kinds work."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{cluster,serve,worker}")

    cl = sub.add_parser(
        "cluster",
        help="cluster an export headlessly and write it back with a cluster on each post",
        description="Read a CSV/Excel export of posts, cluster it with KMeans on a train/test split and "
        "write every kept row back with cluster, cluster_name and split columns.",
    )
    cl.add_argument("input", metavar="INPUT", help="the CSV, TSV, TXT or .xlsx export")
    cl.add_argument(
        "--out", required=True, metavar="OUT", help="labelled output; .xlsx writes Excel, else CSV"
    )
    cl.add_argument(
        "--k", type=_k_option, default=None, metavar="N|auto", help="number of clusters (default auto)"
    )
    cl.add_argument(
        "--test-size", type=_test_size_option, default=0.2, metavar="F", help="held-out share (0.2)"
    )
    cl.add_argument(
        "--split", choices=("random", "time"), default="random", help="random, or newest posts as test"
    )
    cl.add_argument("--seed", type=_seed_option, default=42, metavar="S", help="random seed (42)")
    cl.add_argument("--report", metavar="R.json", help="also write the run report as JSON")

    sv = sub.add_parser(
        "serve",
        help="run the web app under gunicorn (gunicorn.conf.py)",
        description=f"Exec `python -m gunicorn -c gunicorn.conf.py {APP_TARGET}`; "
        "extra arguments go to gunicorn.",
    )
    sv.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    sv.add_argument("extra", nargs=argparse.REMAINDER, help="arguments passed to gunicorn")

    wk = sub.add_parser(
        "worker",
        help="run a Celery worker for background jobs (scale-out mode, needs SOCIALDASH_REDIS_URL)",
        description=f"Exec `python -m celery -A {CELERY_APP} worker` with one process per core "
        "(SOCIALDASH_WORKER_CONCURRENCY) and numeric threads capped per process; extra arguments go to "
        "celery.",
    )
    wk.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    wk.add_argument("extra", nargs=argparse.REMAINDER, help="arguments passed to `celery worker`")
    return parser


# ---------------------------------------------------------------------------- cluster
def _write_atomic(path: Path, data: bytes | Callable[[BinaryIO], None]) -> None:
    """Write ``data`` (bytes, or a function that writes to the open file) to a temp file, then rename it."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                data(fh)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _fmt(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"
    return str(value)


def _summary(input_path: Path, out: Path, report: dict, n_rows: int, n_cols: int) -> list[str]:
    """A short human summary of the run for stdout."""
    rows, metrics, sentences = report["rows"], report["metrics"], report.get("sentences") or {}
    lines = [
        f"Read {input_path.name}: {rows['used']:,} posts used. {rows['split']}",
        f"Features: {', '.join(report['features']['columns'][:12])}"
        + (" …" if len(report["features"]["columns"]) > 12 else ""),
    ]
    skipped = [r["column"] for r in report["not_features"]]
    if skipped:
        lines.append(f"Not used as features: {', '.join(skipped)} (see the report for why).")
    lines.append(f"k = {report['k']}: {report['k_reason']}")
    names = {
        "silhouette": "silhouette",
        "calinski_harabasz": "Calinski-Harabasz",
        "davies_bouldin": "Davies-Bouldin",
    }
    for part in ("train", "test"):
        values = metrics.get(part) or {}
        shown = " · ".join(f"{label} {_fmt(values.get(key))}" for key, label in names.items())
        lines.append(f"{part.capitalize()}: {shown}")
    for key in (*names, "gap", "stability"):
        if sentences.get(key):
            lines.append(f"  {sentences[key]}")
    lines.append("Clusters:")
    for c in report["clusters"]:
        lines.append(f"  {c['cluster']:>2}  {c['name']} — {c['size']:,} posts ({c['share']:.0%})")
    lines.append(f"Wrote {out} ({n_rows:,} rows, {n_cols} columns).")
    return lines


def _cluster(args: argparse.Namespace) -> int:
    from socialdash.services.export import labelled_frame, to_xlsx_bytes, write_csv
    from socialdash.services.ingest import ingest
    from socialdash.services.pipeline import Choices, run, run_report
    from socialdash.services.split import SplitSpec

    src = Path(args.input)
    if not src.exists():
        raise UsageError(f"The file {src} does not exist.")
    if src.is_dir():
        raise UsageError(f"{src} is a folder, not an export file.")
    out = Path(args.out)
    if not out.parent.exists():
        raise UsageError(f"The folder {out.parent} for the output does not exist.")

    df, ingest_report = ingest(src, src.name)
    choices = Choices(
        split=SplitSpec(test_size=args.test_size, method=args.split, seed=args.seed),
        k=args.k,
        seed=args.seed,
    )
    result = run(df, choices)
    report = run_report(result, choices, ingest_report.to_dict())
    names = {c["cluster"]: c["name"] for c in report["clusters"]}
    frame = labelled_frame(df, result.labels, result.split_labels, names, ingest_report.columns_dropped)
    if out.suffix.lower() == ".xlsx":
        _write_atomic(out, to_xlsx_bytes(frame, report))
    else:
        _write_atomic(out, lambda fh: write_csv(frame, fh))  # in row chunks, never the whole file in memory
    if args.report:
        text = json.dumps(report, indent=2, ensure_ascii=False, sort_keys=True)
        _write_atomic(Path(args.report), text.encode("utf-8"))
    print("\n".join(_summary(src, out, report, len(frame), frame.shape[1])))
    return EXIT_OK


# ---------------------------------------------------------------------------- serve / worker
def _gunicorn_conf() -> Path | None:
    """gunicorn.conf.py from the working directory, the repository root or the installed package."""
    here = Path(__file__).resolve().parent
    for folder in (Path.cwd(), here.parent, here):
        candidate = folder / "gunicorn.conf.py"
        if candidate.is_file():
            return candidate
    return None


def _exec(cmd: list[str], dry_run: bool) -> int:
    if dry_run:
        print(" ".join(cmd))
        return EXIT_OK
    sys.stdout.flush()
    os.execv(cmd[0], cmd)
    return EXIT_INTERNAL  # pragma: no cover - execv does not return


def _serve(args: argparse.Namespace) -> int:
    conf = _gunicorn_conf()
    extra = [a for a in args.extra if a != "--"]
    cmd = [sys.executable, "-m", "gunicorn", *(["-c", str(conf)] if conf else []), *extra, APP_TARGET]
    return _exec(cmd, args.dry_run)


def _worker(args: argparse.Namespace) -> int:
    from socialdash.settings import SettingsError
    from socialdash.worker import worker_command  # production setup

    extra = [a for a in args.extra if a != "--"]
    try:
        cmd = worker_command(extra)
    except SettingsError as err:
        raise UsageError(str(err)) from None
    return _exec(cmd, args.dry_run)


# ---------------------------------------------------------------------------- main
def _fail(code: int, message: str) -> int:
    print(f"socialdash: {_one_line(message)}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``socialdash`` console script; returns the exit code."""
    # OpenMP threads that sleep instead of spinning: on a busy 2-core host, spinning made KMeans ~20x slower.
    # Must be set before scikit-learn loads its OpenMP runtime; an explicit setting wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    from socialdash.services.errors import SocialdashError

    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        if args.command not in ("serve", "worker"):
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        args.extra = [*unknown, *args.extra]
    handlers = {"cluster": _cluster, "serve": _serve, "worker": _worker}
    try:
        with warnings.catch_warnings(record=not _debug()):
            if not _debug():
                warnings.simplefilter("ignore")
            return handlers[args.command](args)
    except (SocialdashError, UsageError) as err:
        return _fail(EXIT_BAD_INPUT, str(err))
    except OSError as err:
        where = f" {err.filename}" if getattr(err, "filename", None) else ""
        return _fail(EXIT_BAD_INPUT, f"Could not read or write{where}: {err.strerror or err}.")
    except KeyboardInterrupt:
        return _fail(130, "interrupted.")
    except Exception as err:
        if _debug():
            traceback.print_exc()
        detail = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        return _fail(EXIT_INTERNAL, f"internal error: {detail}; please report it.")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
