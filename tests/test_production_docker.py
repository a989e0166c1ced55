"""The container files, checked without a Docker engine (none runs here or in CI).

* The Dockerfile installs with ``scripts/install.sh`` — the same pip command with constraints.txt that
  ``make setup`` / ``make test`` run (there with ``--dev``) — so CI exercises the image's install step; the
  script itself is run in pip's dry-run mode for the image's variant (the app only, not editable).
* slim Python base, non-root user, HEALTHCHECK on /healthz, gunicorn with gunicorn.conf.py as the command,
  and a .dockerignore that keeps the rest out without dropping what the Dockerfile copies.
* docker-compose.yml: web, worker and redis use the settings' real names (README "Configuration" table), the
  same deployment settings for web and worker, and values the app accepts in production.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from socialdash.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
INSTALL = "sh scripts/install.sh"


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each Dockerfile line, continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        if not current and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        current += raw.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        word, _, rest = current.strip().partition(" ")
        lines.append((word.upper(), " ".join(rest.split())))
        current = ""
    return lines


def _of(kind: str) -> list[str]:
    return [args for word, args in dockerfile() if word == kind]


def readme_settings() -> set[str]:
    """Variable names in the first column of README's Configuration table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    return names


def test_the_image_installs_with_the_makefile_install_script():
    runs = _of("RUN")
    install = [r for r in runs if "install.sh" in r or "pip" in r]
    assert len(install) == 1, runs  # one install step, and no second pip command that could drift
    assert install[0].split(" && ")[0] == INSTALL  # the app only: no --dev, no extra pip flags
    make = (ROOT / "Makefile").read_text()
    stamp = make.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert f"PYTHON=$(PY) {INSTALL} --dev" in stamp and "pip" not in stamp  # setup/test go through it
    assert "scripts/install.sh" in stamp.splitlines()[0]  # a changed script reinstalls .venv
    script = (ROOT / "scripts/install.sh").read_text()
    assert re.search(r"-m pip install .*-c constraints\.txt", script)
    copied = " ".join(_of("COPY")[: [w for w, _ in dockerfile() if w in ("COPY", "RUN")].index("RUN")])
    for needed in ("pyproject.toml", "constraints.txt", "scripts/install.sh", "socialdash"):
        assert needed in copied  # everything the install reads is copied before it runs


def test_the_install_script_resolves_the_image_install_with_the_pinned_versions(tmp_path):
    """pip's dry run of the image's variant: a regular (not editable) build of the package, and every pinned
    dependency already satisfied by the environment that CI tests — the image gets the versions CI tested."""
    report = tmp_path / "report.json"
    done = subprocess.run(
        ["sh", "scripts/install.sh", "--dry-run", "--report", str(report)],
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    installs = json.loads(report.read_text())["install"]
    assert [(i["metadata"]["name"], i["is_direct"]) for i in installs] == [("socialdash", True)]


def test_the_image_is_slim_runs_as_a_user_checks_healthz_and_serves_with_gunicorn():
    words = [w for w, _ in dockerfile()]
    assert _of("FROM") == ["python:3.11-slim"]
    users = _of("USER")
    assert users == ["socialdash"]  # not root; created by the install RUN with a system uid
    assert re.search(r"useradd --system --uid (\d+) .*socialdash", _of("RUN")[0])
    assert words.index("USER") < words.index("CMD") and words.index("USER") > words.index("RUN")
    health = _of("HEALTHCHECK")
    assert len(health) == 1 and "/healthz" in health[0] and "CMD" in health[0]
    assert _of("CMD") == ['["gunicorn", "-c", "gunicorn.conf.py"]']
    assert any(c.split()[0] == "gunicorn.conf.py" for c in _of("COPY"))
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(_of("ENV"))))
    assert env["SOCIALDASH_ENV"] == "production"
    app_vars = {k for k in env if not k.startswith(("PYTHON", "PIP_"))}
    assert app_vars <= readme_settings(), app_vars - readme_settings()


def test_dockerignore_keeps_the_context_small_but_not_what_the_image_copies():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [p.strip() for p in lines if p.strip() and not p.startswith("#")]
    assert {".git", ".venv", ".socialdash", "tests", "benchmarks"} <= set(patterns)
    for copy in _of("COPY"):
        for source in shlex.split(copy)[:-1]:
            assert not any(fnmatch.fnmatch(source, p) for p in patterns), (source, patterns)


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _resolved(env: dict) -> dict[str, str]:
    """Compose's ${VAR:?message} interpolation with a real-looking secret."""
    secret = "k" * 48
    return {k: re.sub(r"\$\{SOCIALDASH_SECRET_KEY:\?[^}]*\}", secret, str(v)) for k, v in env.items()}


def test_compose_services_use_the_settings_names_and_share_one_deployment():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "redis"}
    web, worker = (_resolved(services[s]["environment"]) for s in ("web", "worker"))
    documented = readme_settings()
    for name, env in (("web", web), ("worker", worker)):
        unknown = set(env) - documented
        assert not unknown, f"{name} sets variables the app does not read: {unknown}"
        Settings.from_env(env)  # production values the app accepts (no SettingsError)
    shared = ("SOCIALDASH_ENV", "SOCIALDASH_SECRET_KEY", "SOCIALDASH_REDIS_URL", "SOCIALDASH_DATA_DIR")
    for name in shared:
        assert web[name] == worker[name], name  # one secret, one Redis, one data directory
    assert web["SOCIALDASH_ENV"] == "production"
    # Redis is the compose service, the data directory is on the volume both mount
    assert re.fullmatch(r"redis://redis:6379/\d+", web["SOCIALDASH_REDIS_URL"])
    for name in ("web", "worker"):
        volumes = services[name]["volumes"]
        mounts = [v.split(":", 1)[1] for v in volumes]
        assert any(web["SOCIALDASH_DATA_DIR"].startswith(m + "/") for m in mounts), (name, volumes)
    assert services["web"]["command"] == ["gunicorn", "-c", "gunicorn.conf.py"]
    assert services["worker"]["command"] == ["socialdash", "worker"]
    assert services["worker"]["healthcheck"] == {"disable": True}  # it serves no /healthz
    assert services["web"]["ports"] == [f"{web['SOCIALDASH_PORT']}:{web['SOCIALDASH_PORT']}"]
    assert web["SOCIALDASH_HOST"] == "0.0.0.0"
    redis = services["redis"]["command"]
    assert redis[redis.index("--maxmemory-policy") + 1] == "volatile-lru"  # README: never an allkeys policy
