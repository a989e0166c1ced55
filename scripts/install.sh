#!/bin/sh
# The one install command: socialdash with its dependencies pinned by constraints.txt.
#   scripts/install.sh            the app only (what the Dockerfile runs)
#   scripts/install.sh --dev      editable, with the test extras (what `make setup` / `make test` run)
# Further arguments go to pip (e.g. --dry-run). PYTHON picks the interpreter (default python3).
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--dev" ]; then
  shift
  set -- -e ".[test]" "$@"
else
  set -- . "$@"
fi
exec "${PYTHON:-python3}" -m pip install -q --disable-pip-version-check -c constraints.txt "$@"
