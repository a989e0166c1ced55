"""Peak memory of the whole headless flow on one file, measured in a fresh process.

``python -m benchmarks.memflow FILE`` prints one JSON object: the DataFrame's ``memory_usage(deep=True)``, the
resident memory before the flow (interpreter + libraries), the peak during it, and the peak per stage.
"""

from __future__ import annotations

import gc
import json
import sys
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
        self._peak = max(self._peak, value)
        self._stage_peak = value

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self._peak


def measure(path: Path) -> dict:
    from socialdash.services.export import labelled_frame, to_csv_bytes
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
    sampler.mark("run (roles, split, preprocess, sweep, fit, evaluate, insights)")
    rr = run_report(result, choices, report.to_dict())
    names = {c["cluster"]: c["name"] for c in rr["clusters"]}
    frame = labelled_frame(df, result.labels, result.split_labels, names, report.columns_dropped)
    data = to_csv_bytes(frame)
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
        "csv_bytes": len(data),
    }


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]))))
