"""Memoized facades over services (the only module that touches flask-caching).

Every facade takes the dataset's SHA-256 and a ``Choices`` object; the memoized inner functions are keyed
only on primitives (the hash and canonical JSON), never on DataFrames. Cached values are small: dicts,
lists and compact numpy arrays (labels as int16, the split as a bool mask), never feature matrices.

Services are called through module attributes (``pipeline.run``, ``eda.summarize`` ...) and every real
computation is counted in ``SERVICE_CALLS`` so tests can prove that a revisit is served from the cache.
See docs/APP.md for the API the pages use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from flask_caching import Cache

from socialdash.services import eda, export, pipeline, preprocess, roles
from socialdash.services.datasets import DatasetStore, is_valid_key
from socialdash.services.errors import DatasetNotFoundError
from socialdash.services.pipeline import Choices
from socialdash.services.roles import ColumnRole

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]

cache = Cache()
#: how often each underlying service ran in this process (a cache hit does not count)
SERVICE_CALLS: Counter[str] = Counter()

_FRAMES: OrderedDict[tuple[str, str], pd.DataFrame] = OrderedDict()
_FRAMES_MAX = 4
_LOCK = threading.Lock()


class _Config:
    """Process-wide configuration (paths only; nothing user-specific)."""

    data_dir: Path | None = None
    cache_dir: Path | None = None
    datasets_max_bytes: int = 5 * 1024**3
    cache_timeout: float = 7 * 24 * 3600


_CONFIG = _Config()


# --------------------------------------------------------------------------- setup
def init_cache(server: Any, settings: Any) -> None:
    """FileSystemCache in ``settings.cache_dir`` (RedisCache when ``settings.redis_url``)."""
    config: dict[str, Any] = {
        "CACHE_DEFAULT_TIMEOUT": settings.cache_timeout_seconds,
        "CACHE_THRESHOLD": 5000,
        "CACHE_KEY_PREFIX": "socialdash:",
    }
    if settings.redis_url:
        config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=settings.redis_url)
        # production setup: a Redis that stops answering fails fast (/healthz 503) instead of hanging
        config["CACHE_OPTIONS"] = {"socket_timeout": 5, "socket_connect_timeout": 3}
    else:
        cache_dir = Path(settings.cache_dir) / "memo"
        cache_dir.mkdir(parents=True, exist_ok=True)
        config.update(CACHE_TYPE="FileSystemCache", CACHE_DIR=str(cache_dir))
    cache.init_app(server, config=config)
    _CONFIG.data_dir = Path(settings.data_dir)
    _CONFIG.cache_dir = Path(settings.cache_dir)
    _CONFIG.datasets_max_bytes = settings.datasets_max_bytes
    _CONFIG.cache_timeout = float(settings.cache_timeout_seconds)


def ping() -> bool:
    """True when the cache backend answers a write and a read."""
    try:
        token = "healthz"
        cache.set("socialdash:ping", token, timeout=60)
        return cache.get("socialdash:ping") == token
    except Exception:  # any backend failure means "not healthy"
        log.exception("cache ping failed")
        return False


def clear() -> None:
    """Forget every memoized result and in-process frame (tests)."""
    cache.clear()
    _DOWNLOAD_WRITES.clear()
    with _LOCK:
        _FRAMES.clear()


def _count(name: str) -> None:
    SERVICE_CALLS[name] += 1
    log.info("computed", extra={"event": "compute", "service": name})  # production: a cache miss, in the logs


# --------------------------------------------------------------------------- keys
def choices_key(choices: Choices) -> str:
    """Canonical JSON of all choices (the run key)."""
    return choices.canonical()


def roles_key(choices: Choices) -> str:
    """Only the choices that change column roles (EDA and roles do not depend on split or model)."""
    return json.dumps(
        {"role_overrides": choices.role_overrides, "included": choices.included},
        sort_keys=True,
        separators=(",", ":"),
    )


def prepare_key(choices: Choices) -> str:
    """The choices that change the feature matrix: everything except k and the list of ks."""
    return replace(choices, k=None, ks=tuple(range(2, 11))).canonical()


def sweep_key(choices: Choices) -> str:
    """The choices that change the k sweep: everything except the chosen k."""
    return replace(choices, k=None).canonical()


# --------------------------------------------------------------------------- data
def dataset_store() -> DatasetStore:
    if _CONFIG.data_dir is None:
        raise RuntimeError("init_cache() was not called")
    return DatasetStore(_CONFIG.data_dir / "datasets", max_total_bytes=_CONFIG.datasets_max_bytes)


def load_frame(sha: str) -> pd.DataFrame:
    """The parsed dataset (in-process LRU of a few frames over the Parquet store). Do not mutate it."""
    if not is_valid_key(sha):
        raise DatasetNotFoundError()
    key = (str(_CONFIG.data_dir), sha)
    with _LOCK:
        if key in _FRAMES:
            _FRAMES.move_to_end(key)
            return _FRAMES[key]
    _count("load_frame")
    df = dataset_store().load(sha)
    with _LOCK:
        _FRAMES[key] = df
        while len(_FRAMES) > _FRAMES_MAX:
            _FRAMES.popitem(last=False)
    return df


@cache.memoize()
def _ingest_report(sha: str) -> dict:
    _count("ingest_report")
    return dataset_store().report(sha).to_dict()


def ingest_report(sha: str) -> dict:
    """The stored IngestReport as a dict (``IngestReport.from_dict`` gives sentences())."""
    return _ingest_report(sha)


@cache.memoize()
def _roles(sha: str, key: str) -> list[dict]:
    _count("roles")
    data = json.loads(key)
    inferred = roles.infer_roles(load_frame(sha))
    applied = roles.apply_overrides(inferred, data.get("role_overrides"), data.get("included"))
    return [r.to_dict() for r in applied]


def column_roles(sha: str, choices: Choices) -> list[ColumnRole]:
    """Inferred roles with the user's overrides applied (memoized on sha + role choices)."""
    return [
        ColumnRole(name=d["name"], role=roles.Role(d["role"]), reason=d["reason"], included=d["included"])
        for d in _roles(sha, roles_key(choices))
    ]


def inferred_roles(sha: str) -> list[ColumnRole]:
    """Roles without any user override (what the roles table calls the default)."""
    return column_roles(sha, Choices())


@cache.memoize()
def _eda(sha: str, key: str) -> dict:
    _count("eda")
    applied = [  # the memoized roles (the Upload page computed them): inferring them again cost 4 s at 1M
        ColumnRole(name=d["name"], role=roles.Role(d["role"]), reason=d["reason"], included=d["included"])
        for d in _roles(sha, key)
    ]
    return eda.summarize(load_frame(sha), applied)


def eda_summary(sha: str, choices: Choices) -> dict:
    """Aggregates for the EDA page (``services.eda.summarize``): small, independent of the row count."""
    return _eda(sha, roles_key(choices))


def default_spec(sha: str, choices: Choices) -> preprocess.PreprocessSpec:
    """The preprocessing spec in effect: the user's, or the default for the current roles."""
    if choices.preprocess is not None:
        return choices.preprocess
    return preprocess.default_spec(column_roles(sha, choices))


@cache.memoize()
def _feature_warnings(sha: str, spec_json: str) -> list[str]:
    _count("feature_warnings")
    spec = preprocess.PreprocessSpec.from_dict(json.loads(spec_json))
    return list(preprocess.feature_warnings(load_frame(sha), spec))


def feature_warnings(sha: str, spec: preprocess.PreprocessSpec) -> list[str]:
    """Warnings for a spec (identifier-like numbers, many-level categoricals, constants)."""
    return _feature_warnings(sha, spec.canonical())


@cache.memoize()
def _features_preview(sha: str, key: str) -> dict:
    _count("prepare")
    choices = Choices.from_json(key)
    prepared = pipeline.prepare(load_frame(sha), choices, column_roles(sha, choices))
    feats = prepared.features
    train = feats.train
    summary = train.iloc[:, :60].describe().T
    ev = feats.explained_variance
    return {
        "train_rows": int(train.shape[0]),
        "test_rows": int(feats.test.shape[0]),
        "n_features": int(train.shape[1]),
        "feature_names": [str(c) for c in train.columns],
        "head": train.head(5).round(4).reset_index(drop=True).to_dict("records"),
        "summary": [
            {
                "feature": str(name),
                "mean": _num(row.get("mean")),
                "std": _num(row.get("std")),
                "min": _num(row.get("min")),
                "max": _num(row.get("max")),
            }
            for name, row in summary.iterrows()
        ],
        "warnings": list(feats.warnings),
        "transforms": list(feats.transforms),
        "explained_variance": None if ev is None else [float(v) for v in np.asarray(ev)],
        "split": prepared.split.description,
        "spec": prepared.spec.to_dict(),
    }


def features_preview(sha: str, choices: Choices) -> dict:
    """What Preprocess shows: shapes, feature names, 5 head rows, per-feature summary, warnings,
    transforms, PCA explained variance (or None), the split sentence and the spec in effect."""
    return _features_preview(sha, prepare_key(choices))


# --------------------------------------------------------------------------- cluster / evaluate / insights
@cache.memoize(args_to_ignore=["progress"])
def _sweep(sha: str, key: str, progress: ProgressFn | None = None) -> dict:
    _count("sweep")
    choices = Choices.from_json(key)
    roles = column_roles(sha, choices)  # cached: inferring roles again costs time and a frame-sized transient
    return pipeline.sweep(load_frame(sha), choices, progress=progress, roles=roles).to_dict()


def sweep(sha: str, choices: Choices, progress: ProgressFn | None = None) -> dict:
    """SweepResult.to_dict() for the choices (k is ignored). ``progress(done, total)`` on a cold call."""
    return _sweep(sha, sweep_key(choices), progress=progress)


def _compact_run(result: pipeline.RunResult, choices: Choices, report: dict) -> dict:
    """A small, picklable summary of a run: no feature matrices, labels as int16."""
    test_mask = np.asarray(result.split_labels) == "test"
    names = {c.cluster: c.name for c in result.insights.clusters}
    return {
        "k": int(result.k),
        "k_reason": result.k_reason,
        "sweep": None if result.sweep is None else result.sweep.to_dict(),
        "labels": np.asarray(result.labels, dtype=np.int16),
        "test_mask": test_mask,
        "names": names,
        "evaluation": result.evaluation.to_dict(),
        "insights": result.insights.to_dict(),
        "report": report,
        "n_features": int(result.prepared.features.train.shape[1]),
        "split": result.prepared.split.description,
        "silhouette_profile": silhouette_profile(result.evaluation.silhouette_samples),  # pages B
    }


@cache.memoize(args_to_ignore=["progress"])
def _run(sha: str, key: str, progress: ProgressFn | None = None) -> dict:
    _count("run")
    choices = Choices.from_json(key)
    result = pipeline.run(load_frame(sha), choices, progress=progress, roles=column_roles(sha, choices))
    report = pipeline.run_report(result, choices, ingest_report(sha))
    _remember_projection(sha, choices, result.prepared.features.train)
    return _compact_run(result, choices, report)


def run(sha: str, choices: Choices, progress: ProgressFn | None = None) -> dict:
    """The whole pipeline for these choices, compact: keys k, k_reason, sweep (dict|None), labels (int16
    array, 1..k per row), test_mask (bool array), names {cluster: name}, evaluation (Evaluation.to_dict()),
    insights (Insights.to_dict()), report (run_report), n_features, split (sentence)."""
    return _run(sha, choices_key(choices), progress=progress)


def export_path(sha: str, choices: Choices, fmt: str) -> Path:
    """A file with every row plus cluster, cluster_name and split: ``fmt`` is "csv" or "xlsx".

    Written once under cache_dir/exports keyed by (sha, choices); later calls return the same path."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {fmt!r}")
    key = choices_key(choices)
    digest = hashlib.sha256(f"{sha}|{key}".encode()).hexdigest()[:32]
    assert _CONFIG.cache_dir is not None
    folder = _CONFIG.cache_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.{fmt}"
    if path.exists():
        return path
    _count(f"export_{fmt}")
    result = run(sha, choices)
    split = np.where(result["test_mask"], "test", "train")
    frame = export.labelled_frame(
        load_frame(sha),
        np.asarray(result["labels"], dtype=np.int32),
        split,
        {int(k): v for k, v in result["names"].items()},
        ingest_report(sha).get("columns_dropped"),
    )
    tmp = path.with_suffix(f".{fmt}.tmp-{threading.get_ident()}")
    try:
        with open(tmp, "wb") as fh:
            if fmt == "csv":
                export.write_csv(frame, fh)  # in row chunks: no whole-file copy in memory
            else:
                fh.write(export.to_xlsx_bytes(frame, result["report"]))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
        pipeline.release_free_memory()
    return path


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if not np.isfinite(f) else round(f, 4)


# --------------------------------------------------------------------------- pages B: projection, downloads
# (owned by pages B: the Cluster page's 2-D map and the download route's run keys)
PROJECTION_POINTS = 20_000
_RUN_KEY_LEN = 32
#: download-key entries this process wrote, and when (monotonic seconds): a revisit reads instead of writing
_DOWNLOAD_WRITES: dict[str, float] = {}


@cache.memoize()
def _projection_coords(sha: str, key: str, max_points: int) -> dict:
    _count("projection")
    choices = Choices.from_json(key)
    prepared = pipeline.prepare(load_frame(sha), choices, column_roles(sha, choices))
    return _coords_of(prepared.features.train, max_points)


def _remember_projection(sha: str, choices: Choices, train: pd.DataFrame) -> None:
    """Fill the projection's cache entry from a run's own training features, so that the Cluster page's
    projection does not prepare the features a third time (sweep, run, projection)."""
    try:
        key = _memo_key(_projection_coords, sha, prepare_key(choices), PROJECTION_POINTS)
        if not cache.has(key):
            cache.set(key, _coords_of(train, PROJECTION_POINTS))
    except Exception:  # only a shortcut: projection() computes it when this fails
        log.warning("projection not remembered", exc_info=True)


def _coords_of(train: pd.DataFrame, max_points: int) -> dict:
    from sklearn.decomposition import PCA

    rows = train.index.to_numpy(dtype=np.int64)
    if len(rows) > max_points:
        pick = np.sort(np.random.default_rng(0).choice(len(rows), size=max_points, replace=False))
        rows, train = rows[pick], train.iloc[pick]  # sample first: no copy of the whole matrix
    X = np.nan_to_num(train.to_numpy(dtype=np.float64, na_value=np.nan))
    n_comp = max(1, min(2, X.shape[1], X.shape[0]))
    pca = PCA(n_components=n_comp, random_state=0).fit(X)
    xy = pca.transform(X)
    ratio = [float(r) for r in pca.explained_variance_ratio_] + [0.0] * (2 - n_comp)
    y = xy[:, 1] if n_comp == 2 else np.zeros(len(rows))
    return {"rows": rows, "x": xy[:, 0].astype(np.float32), "y": y.astype(np.float32), "ratio": ratio}


def silhouette_profile(samples: pd.DataFrame, points: int = 120) -> dict[str, list]:
    """Sampled silhouette values per cluster reduced to at most ``points`` quantiles each (highest first):
    {"cluster": [...], "silhouette": [...]}, enough for a silhouette plot, independent of the row count."""
    clusters: list[int] = []
    values: list[float] = []
    for cluster, group in samples.groupby("cluster", sort=True):
        v = np.sort(group["silhouette"].to_numpy(dtype=np.float64))[::-1]
        v = v[np.isfinite(v)]
        if len(v) > points:
            v = np.quantile(v, np.linspace(1, 0, points))
        clusters.extend([int(cluster)] * len(v))
        values.extend(round(float(x), 4) for x in v)
    return {"cluster": clusters, "silhouette": values}


def projection(sha: str, choices: Choices, max_points: int = PROJECTION_POINTS) -> dict:
    """PCA (2 components) of the training feature matrix on at most ``max_points`` seeded rows, coloured by
    the run's clusters: {"points": DataFrame x, y, cluster; "axis_titles": (str, str)}. The coordinates are
    memoized per feature set (k does not change them); the labels come from ``run``."""
    coords = _projection_coords(sha, prepare_key(choices), int(max_points))
    labels = np.asarray(run(sha, choices)["labels"])[coords["rows"]]
    points = pd.DataFrame({"x": coords["x"], "y": coords["y"], "cluster": labels.astype(np.int32)})
    titles = tuple(
        f"main direction {i + 1} ({100 * r:.0f}% of the differences)" for i, r in enumerate(coords["ratio"])
    )
    return {"points": points, "axis_titles": titles}


def _memo_key(fn: Any, *args: Any) -> str:
    """The key flask-caching's memoize uses for ``fn(*args)`` (ignored args such as progress are None)."""
    return fn.make_cache_key(fn.uncached, *args)


def cached_sweep(sha: str, choices: Choices) -> dict | None:
    """``sweep(sha, choices)`` when it is in the cache, else None; never computes (cheap: one cache read).
    Lets a page render a cached sweep at once instead of starting a background job."""
    try:
        return cache.get(_memo_key(_sweep, sha, sweep_key(choices)))
    except Exception:  # a backend failure just means "not known to be cached"
        log.warning("cache peek failed", exc_info=True)
        return None


def run_view_cached(sha: str, choices: Choices, max_points: int = PROJECTION_POINTS) -> bool:
    """True when ``run(sha, choices)`` and ``projection(sha, choices, max_points)`` would both come from the
    cache (checks existence only; never computes)."""
    try:
        return bool(
            cache.has(_memo_key(_run, sha, choices_key(choices)))
            and cache.has(_memo_key(_projection_coords, sha, prepare_key(choices), int(max_points)))
        )
    except Exception:
        log.warning("cache peek failed", exc_info=True)
        return False


def run_cached(sha: str, choices: Choices) -> bool:
    """True when ``run(sha, choices)`` would come from the cache (existence only; never computes)."""
    try:
        return bool(cache.has(_memo_key(_run, sha, choices_key(choices))))
    except Exception:
        log.warning("cache peek failed", exc_info=True)
        return False


def download_key(sha: str, choices: Choices) -> str:
    """A run key (hash of the dataset and canonical choices incl. k) for download URLs; remembered in the
    shared cache so that any worker can turn it back into the choices (``download_choices``). Its lifetime is
    renewed unless this process wrote it within the last tenth of the cache timeout (at most an hour) and it
    is still there: a cache write costs ~0.5 ms, most of an Insights revisit."""
    key = choices_key(choices)
    run_key = hashlib.sha256(f"{sha}|{key}".encode()).hexdigest()[:_RUN_KEY_LEN]
    entry = f"download:{sha}:{run_key}"
    written = _DOWNLOAD_WRITES.get(entry)
    window = min(3600.0, _CONFIG.cache_timeout / 10)
    if written is None or time.monotonic() - written >= window or not cache.has(entry):
        cache.set(entry, key)
        if len(_DOWNLOAD_WRITES) >= 4096:  # bounded: forgetting only means writing again
            _DOWNLOAD_WRITES.clear()
        _DOWNLOAD_WRITES[entry] = time.monotonic()
    return run_key


def download_choices(sha: str, run_key: str) -> Choices | None:
    """The choices behind a run key of this dataset, or None when unknown or expired."""
    if len(run_key) != _RUN_KEY_LEN or any(ch not in "0123456789abcdef" for ch in run_key):
        return None
    key = cache.get(f"download:{sha}:{run_key}")
    return None if key is None else Choices.from_json(key)


def report_json(sha: str, choices: Choices) -> bytes:
    """The run report (``pipeline.run_report``) as UTF-8 JSON."""
    return json.dumps(run(sha, choices)["report"], indent=2, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- end pages B
