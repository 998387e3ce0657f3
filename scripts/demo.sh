#!/usr/bin/env bash
# One command from a fresh clone: install, create the SQLite database, load the demo
# district and serve it on http://127.0.0.1:8000/. Extra arguments go to `pingan demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec .venv/bin/pingan demo "$@"
