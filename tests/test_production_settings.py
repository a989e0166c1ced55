"""Production settings and the retention rules, without servers (fast)."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest

from socialdash.services import retention
from socialdash.settings import Settings, SettingsError

SECRET = "s" * 48


def test_production_without_a_secret_key_refuses_with_a_sentence_naming_the_variable(tmp_path):
    base = {"SOCIALDASH_ENV": "production", "SOCIALDASH_DATA_DIR": str(tmp_path)}
    for secret in (None, "", "x" * 31, "é" * 15):  # 15 × 2 bytes = 30 bytes
        env = dict(base) if secret is None else {**base, "SOCIALDASH_SECRET_KEY": secret}
        with pytest.raises(SettingsError) as err:
            Settings.from_env(env)
        assert "SOCIALDASH_SECRET_KEY" in str(err.value) and "at least 32 bytes" in str(err.value)
    assert Settings.from_env({**base, "SOCIALDASH_SECRET_KEY": "k" * 32}).secret_key == "k" * 32
    assert not (tmp_path / "secret_key").exists()  # production never invents a key


def test_debug_cannot_be_switched_on_in_production(tmp_path):
    env = {"SOCIALDASH_ENV": "production", "SOCIALDASH_SECRET_KEY": SECRET, "SOCIALDASH_DEBUG": "true"}
    assert Settings.from_env(env).debug is False
    assert Settings(environment="production", secret_key=SECRET, debug=True).validated().debug is False
    dev = Settings.from_env({"SOCIALDASH_DEBUG": "1", "SOCIALDASH_DATA_DIR": str(tmp_path)})
    assert dev.debug is True and len(dev.secret_key) >= 32  # development keeps it and persists a key


def test_retention_settings_come_from_the_environment(tmp_path):
    env = {
        "SOCIALDASH_DATA_DIR": str(tmp_path),
        "SOCIALDASH_DATASET_MAX_AGE_SECONDS": "3600",
        "SOCIALDASH_DATASETS_MAX_BYTES": "1_000_000",
        "SOCIALDASH_CACHE_MAX_BYTES": "5000",
        "SOCIALDASH_RETENTION_INTERVAL_SECONDS": "30",
    }
    s = Settings.from_env(env)
    assert (s.dataset_max_age_seconds, s.datasets_max_bytes) == (3600, 1_000_000)
    assert (s.cache_max_bytes, s.retention_interval_seconds) == (5000, 30)
    with pytest.raises(SettingsError, match="SOCIALDASH_CACHE_MAX_BYTES must be a whole number"):
        Settings.from_env({**env, "SOCIALDASH_CACHE_MAX_BYTES": "lots"})


def _result(folder, name: str, size: int, age: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"x" * size)
    then = time.time() - age
    os.utime(path, (then, then))


def test_cached_results_older_or_beyond_the_size_cap_are_removed_oldest_first(tmp_path):
    cache = tmp_path / "cache"
    _result(cache / "exports", "old.csv", 100, age=7200)
    _result(cache / "memo", "old-memo", 100, age=7200)
    _result(cache / "memo", "__wz_cache_count", 4, age=7200)  # the cache's own bookkeeping stays
    _result(cache / "exports", "mid.xlsx", 300, age=600)
    _result(cache / "exports", "new.csv", 300, age=10)
    removed, freed = retention.sweep_cache(cache, max_age_seconds=3600, max_bytes=400)
    assert (removed, freed) == (3, 500)
    left = sorted(p.name for p in cache.rglob("*") if p.is_file())
    assert left == ["__wz_cache_count", "new.csv"]


def test_a_pass_runs_once_per_interval_across_processes_sharing_the_folder(tmp_path):
    runs: list[int] = []
    slow = threading.Event()

    def task() -> None:
        runs.append(1)
        slow.wait(1)

    threads = [
        threading.Thread(target=retention.run_if_due, args=(tmp_path, 60, task)) for _ in range(4)
    ]
    for t in threads:
        t.start()
    slow.set()
    for t in threads:
        t.join(5)
    assert runs == [1]  # the lock and the stamp let exactly one run
    assert retention.run_if_due(tmp_path, 60, task) is False  # not due again within the interval
    stamp = tmp_path / retention.STAMP_FILE
    os.utime(stamp, (time.time() - 120, time.time() - 120))
    assert retention.run_if_due(tmp_path, 60, task) is True and runs == [1, 1]


ROOT = Path(__file__).resolve().parents[1]


def test_every_environment_variable_is_documented_in_the_readme_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set(re.findall(r'get(?:_int|_bool)?\("([A-Z_]+)"', (ROOT / "socialdash/settings.py").read_text()))
    used = {f"SOCIALDASH_{n}" for n in names}
    for path in ("gunicorn.conf.py", "socialdash/worker.py"):
        used |= set(re.findall(r"SOCIALDASH_[A-Z_]+[A-Z]", (ROOT / path).read_text()))
    missing = sorted(v for v in used if f"`{v}`" not in table)
    assert "SOCIALDASH_SECRET_KEY" in used and missing == []
