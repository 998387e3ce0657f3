#!/usr/bin/env bash
# One command from a fresh clone: install everything the tests need (Python and npm
# packages, Debian's Chromium and CJK fonts, a running PostgreSQL), run the gates, then the
# whole suite on SQLite and again on PostgreSQL. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PINGAN_EXTRAS=dev,spark source scripts/setup.sh
apt_install chromium
command -v java >/dev/null || apt_install openjdk-17-jre-headless  # for the Spark engine's tests

PG_URL=${PINGAN_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  apt_install postgresql
  cluster=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

echo "== gates: ruff, mypy, migrations" >&2
.venv/bin/ruff check --quiet .
.venv/bin/mypy  # its files and settings are in pyproject.toml
.venv/bin/pingan makemigrations --check --dry-run >/dev/null

run_pytest() {
  local label=$1; shift
  echo "== tests on $label" >&2
  set +e
  .venv/bin/python -m pytest "$@"
  local rc=$?
  set -e
  if [ $rc -eq 5 ]; then echo "pytest collected no tests on $label: that is a failure" >&2; exit 1; fi
  if [ $rc -ne 0 ]; then exit $rc; fi
}

run_pytest SQLite "$@"
DATABASE_URL=$PG_URL run_pytest PostgreSQL "$@"
