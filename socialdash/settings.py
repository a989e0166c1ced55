"""Typed settings from SOCIALDASH_* environment variables.

Build them with ``Settings.from_env()`` (never at import time). Every field has an embedded default so
``make run`` works on a fresh clone with no configuration.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

Environment = Literal["development", "production"]

PREFIX = "SOCIALDASH_"
AUTH_MODES = ("none", "builtin", "proxy")
_HASH_RE = re.compile(r"(scrypt|pbkdf2):[^$\s]+\$[^$\s]+\$[^$\s]+$")
SECRET_FILE = "secret_key"


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment."""

    environment: Environment = "development"
    secret_key: str = ""
    data_dir: Path = Path(".socialdash/data")
    cache_dir: Path = Path(".socialdash/cache")
    redis_url: str | None = None  # None: embedded mode (FileSystemCache + DiskcacheManager)
    host: str = "127.0.0.1"
    port: int = 8050
    max_upload_bytes: int = 200 * 1024 * 1024
    max_rows: int = 2_000_000
    max_columns: int = 500
    handle_max_age_seconds: int = 7 * 24 * 3600  # an upload handle older than this is forgotten
    dataset_max_age_seconds: int = 30 * 24 * 3600  # a stored dataset unused for this long is removed
    datasets_max_bytes: int = 5 * 1024**3  # total size cap of stored datasets (least recently used go first)
    cache_timeout_seconds: int = 7 * 24 * 3600  # memoized results live this long
    cache_max_bytes: int = 2 * 1024**3  # total size cap of cached result files (oldest go first)
    retention_interval_seconds: int = 600  # how often the app removes old datasets and results
    secure_cookies: bool = False  # set True behind HTTPS
    debug: bool = False
    # access control (socialdash/web/auth.py): "none", "builtin" (login page) or "proxy" (trusted header)
    auth: str = "none"
    users_file: Path | None = None  # builtin: lines "user:werkzeug-hash"
    users: str = ""  # builtin: "alice:hash,bob:hash" (added to the file's users)
    auth_header: str = "X-Forwarded-User"  # proxy: the header the proxy sets (and strips from clients)
    login_max_age_seconds: int = 12 * 3600  # builtin: a sign-in lasts this long

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read SOCIALDASH_* variables (``env`` defaults to ``os.environ``); validate; fill a dev secret."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name)
            return value.strip() if value is not None and value.strip() != "" else None

        def get_int(name: str, default: int) -> int:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = int(raw.replace("_", ""))
            except ValueError as err:
                raise SettingsError(f"{PREFIX}{name} must be a whole number, got {raw!r}.") from err
            if value <= 0:
                raise SettingsError(f"{PREFIX}{name} must be positive, got {value}.")
            return value

        def get_bool(name: str, default: bool) -> bool:
            raw = get(name)
            if raw is None:
                return default
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise SettingsError(f"{PREFIX}{name} must be true or false, got {raw!r}.")

        environment = (get("ENV") or get("ENVIRONMENT") or "development").lower()
        if environment not in ("development", "production"):
            raise SettingsError(f"{PREFIX}ENV must be development or production, got {environment!r}.")
        d = cls()
        settings = cls(
            environment=environment,  # type: ignore[arg-type]
            secret_key=get("SECRET_KEY") or "",
            data_dir=Path(get("DATA_DIR") or d.data_dir).expanduser(),
            cache_dir=Path(get("CACHE_DIR") or d.cache_dir).expanduser(),
            redis_url=get("REDIS_URL"),
            host=get("HOST") or d.host,
            port=get_int("PORT", d.port),
            max_upload_bytes=get_int("MAX_UPLOAD_BYTES", d.max_upload_bytes),
            max_rows=get_int("MAX_ROWS", d.max_rows),
            max_columns=get_int("MAX_COLUMNS", d.max_columns),
            handle_max_age_seconds=get_int("HANDLE_MAX_AGE_SECONDS", d.handle_max_age_seconds),
            dataset_max_age_seconds=get_int("DATASET_MAX_AGE_SECONDS", d.dataset_max_age_seconds),
            datasets_max_bytes=get_int("DATASETS_MAX_BYTES", d.datasets_max_bytes),
            cache_timeout_seconds=get_int("CACHE_TIMEOUT_SECONDS", d.cache_timeout_seconds),
            cache_max_bytes=get_int("CACHE_MAX_BYTES", d.cache_max_bytes),
            retention_interval_seconds=get_int("RETENTION_INTERVAL_SECONDS", d.retention_interval_seconds),
            secure_cookies=get_bool("SECURE_COOKIES", d.secure_cookies),
            debug=get_bool("DEBUG", d.debug),
            auth=(get("AUTH") or d.auth).lower(),
            users_file=Path(get("USERS_FILE")).expanduser() if get("USERS_FILE") else None,  # type: ignore[arg-type]
            users=get("USERS") or "",
            auth_header=get("AUTH_HEADER") or d.auth_header,
            login_max_age_seconds=get_int("LOGIN_MAX_AGE_SECONDS", d.login_max_age_seconds),
        )
        return settings.validated()

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def validated(self) -> Settings:
        """Refuse unsafe production settings; in development fill a persisted secret key."""
        self.check_auth()
        if self.production:
            if len(self.secret_key.encode("utf-8")) < 32:
                raise SettingsError(
                    f"socialdash will not start in production without a secret key: set {PREFIX}SECRET_KEY "
                    "to a random value of at least 32 bytes, for example the output of "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
                )
            # debug and dev tools are off in production whatever else is set (create_app turns off Dash's)
            return replace(self, debug=False) if self.debug else self
        if not self.secret_key:
            return replace(self, secret_key=dev_secret_key(self.data_dir))
        return self

    def check_auth(self) -> None:
        """Refuse an unknown SOCIALDASH_AUTH, builtin login without users, a malformed user list."""
        if self.auth not in AUTH_MODES:
            raise SettingsError(f"{PREFIX}AUTH must be none, builtin or proxy, got {self.auth!r}.")
        if self.auth == "proxy" and not re.fullmatch(r"[A-Za-z0-9-]{1,64}", self.auth_header):
            raise SettingsError(f"{PREFIX}AUTH_HEADER must be a header name such as X-Forwarded-User.")
        if self.auth == "builtin" and not self.auth_users():
            raise SettingsError(
                f"{PREFIX}AUTH=builtin needs at least one user: set {PREFIX}USERS_FILE to a file of "
                f"'user:hash' lines or {PREFIX}USERS='alice:hash,bob:hash' (make a hash with "
                "`python -m socialdash.web.auth hash`)."
            )

    def auth_users(self) -> dict[str, str]:
        """{user: password hash} from SOCIALDASH_USERS_FILE and SOCIALDASH_USERS; SettingsError if bad."""
        entries: list[tuple[str, str]] = []
        if self.users_file is not None:
            try:
                text = Path(self.users_file).read_text(encoding="utf-8")
            except OSError as err:
                message = f"{PREFIX}USERS_FILE {self.users_file} cannot be read: {err.strerror}."
                raise SettingsError(message) from err
            entries += [(f"{PREFIX}USERS_FILE line {i}", line) for i, line in enumerate(text.splitlines(), 1)]
        entries += [(f"{PREFIX}USERS entry {i}", e) for i, e in enumerate(self.users.split(","), 1)]
        users: dict[str, str] = {}
        for where, raw in entries:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            user, sep, hashed = line.partition(":")
            user, hashed = user.strip(), hashed.strip()
            if not sep or not re.fullmatch(r"[\w.@+-]{1,64}", user) or not _HASH_RE.match(hashed):
                raise SettingsError(
                    f"{where} must be 'user:hash' with a werkzeug password hash (scrypt:… or pbkdf2:…)."
                )
            users[user] = hashed
        return users

    def ensure_dirs(self) -> None:
        """Create the data and cache directories (idempotent)."""
        for path in (self.data_dir, self.cache_dir, self.data_dir / "handles", self.data_dir / "uploads"):
            path.mkdir(parents=True, exist_ok=True)


def dev_secret_key(data_dir: Path) -> str:
    """A random key persisted in ``data_dir`` so that every gunicorn worker shares it (first writer wins)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key
            time.sleep(0.02)
        raise SettingsError(f"The secret key file {path} is empty; delete it and start again.") from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key)
    return key
