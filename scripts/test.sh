#!/usr/bin/env bash
# Installs everything the tests need (Debian's chromium and poppler-utils, the locked Python packages) and runs the checks:
# ruff (lint + format), mypy, import-linter contracts, migration drift on SQLite and PostgreSQL, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftotext ]; then
  echo "== installing Debian's chromium (browser tests) and poppler-utils (report PDF tests)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium poppler-utils >/dev/null
fi

echo "== installing Python packages from requirements.lock"
[ -d .venv ] || python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip uv
uv pip install -q -r requirements.lock
uv pip install -q --no-deps -e .

echo "== ruff"
ruff check .
ruff format --check .

echo "== mypy"
mypy src

echo "== import contracts"
lint-imports

echo "== migration drift"
drift_dir=$(mktemp -d)
HUMAS_DATABASE_URL="sqlite:///$drift_dir/drift.db" humas migrate >/dev/null
HUMAS_DATABASE_URL="sqlite:///$drift_dir/drift.db" humas migrate --check
rm -rf "$drift_dir"

echo "== pytest"
python -m pytest -q -p no:cacheprovider --durations=15 "$@"
