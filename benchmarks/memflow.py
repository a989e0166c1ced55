"""Peak memory of the whole headless flow on one file, measured in a fresh process.

``python -m benchmarks.memflow FILE [--table]`` prints one JSON object: the DataFrame's
``memory_usage(deep=True)``, the resident memory before the flow (interpreter + libraries), the peak during
it, and per stage its peak and the RSS it ended at; ``--table`` adds a readable table after the JSON. The
export writes the labelled CSV to a file in row chunks, as the CLI and the app's download do.
"""

from __future__ import annotations

import gc
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil


class RssSampler:
    """Polls this process's RSS in a thread; ``mark(stage)`` closes the current stage with its peak."""

    def __init__(self, interval: float = 0.005) -> None:
        self._proc = psutil.Process()
        self._interval = interval
        self._peak = self._stage_peak = self.rss()
        self.stages: dict[str, int] = {}
        self.levels: dict[str, int] = {}  # RSS when each stage ended (what it left behind)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def rss(self) -> int:
        return self._proc.memory_info().rss

    def _loop(self) -> None:
        while not self._stop.is_set():
            value = self.rss()
            self._peak = max(self._peak, value)
            self._stage_peak = max(self._stage_peak, value)
            time.sleep(self._interval)

    def mark(self, stage: str) -> None:
        value = self.rss()
        self.stages[stage] = max(self._stage_peak, value)
        self.levels[stage] = value
        self._peak = max(self._peak, value)
        self._stage_peak = value

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self._peak


def measure(path: Path) -> dict:
    from socialdash.services.export import labelled_frame, write_csv
    from socialdash.services.ingest import IngestLimits, ingest
    from socialdash.services.pipeline import Choices, run, run_report

    gc.collect()
    sampler = RssSampler()
    base = sampler.rss()
    df, report = ingest(path, path.name, IngestLimits(max_bytes=1024**3))
    sampler.mark("ingest")
    df_bytes = int(df.memory_usage(deep=True).sum())
    choices = Choices()
    result = run(df, choices)
    sampler.mark("run")
    rr = run_report(result, choices, report.to_dict())
    names = {c["cluster"]: c["name"] for c in rr["clusters"]}
    frame = labelled_frame(df, result.labels, result.split_labels, names, report.columns_dropped)
    with tempfile.TemporaryDirectory() as folder:  # the CSV goes to a file, as the CLI and the app write it
        out = Path(folder) / "labelled.csv"
        with open(out, "wb") as fh:
            write_csv(frame, fh)
        csv_bytes = out.stat().st_size
    sampler.mark("export")
    peak = sampler.stop()
    return {
        "file": str(path),
        "rows": len(df),
        "df_bytes": df_bytes,
        "rss_before": base,
        "rss_peak": peak,
        "flow_peak": peak - base,
        "ratio": (peak - base) / df_bytes,
        "stage_peaks_over_base": {k: v - base for k, v in sampler.stages.items()},
        "stage_ends_over_base": {k: v - base for k, v in sampler.levels.items()},
        "csv_bytes": csv_bytes,
    }


def print_table(res: dict) -> None:
    """Per stage: peak and end level over the RSS before the flow, in MiB and as multiples of the frame."""
    mib, df_bytes = 2**20, res["df_bytes"]
    before = res["rss_before"] / mib
    print(f"{res['rows']:,} rows; DataFrame {df_bytes / mib:,.0f} MiB; RSS before the flow {before:,.0f} MiB")
    print(f"{'stage':<8} {'peak MiB':>9} {'peak ×df':>9} {'end MiB':>8} {'end ×df':>8}")
    for stage, peak in res["stage_peaks_over_base"].items():
        end = res["stage_ends_over_base"][stage]
        ratios = f"{peak / df_bytes:>8.2f}x {end / mib:>8,.0f} {end / df_bytes:>7.2f}x"
        print(f"{stage:<8} {peak / mib:>9,.0f} {ratios}")
    verdict = "PASS" if res["ratio"] <= 4 else "MISS"
    peak = res["flow_peak"] / mib
    print(f"flow peak {peak:,.0f} MiB = {res['ratio']:.2f}x the DataFrame (target ≤4x) {verdict}")


if __name__ == "__main__":
    result = measure(Path(sys.argv[1]))
    print(json.dumps(result))
    if "--table" in sys.argv[2:]:
        print_table(result)
