#!/usr/bin/env bash
# Install what Pingan needs into ./.venv and ./node_modules, idempotently and quickly when
# nothing changed. Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  # Debian packages, installed only when missing.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]} from Debian" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

command -v msgfmt >/dev/null || apt_install gettext
command -v npm >/dev/null || apt_install nodejs npm
# WeasyPrint renders circulars to PDF with Pango, in the CJK fonts they embed.
apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# Optional extras on top of dev: scripts/test.sh adds spark (PySpark, for the Spark engine's
# tests); the demo does without.
extras=${PINGAN_EXTRAS:-dev}
stamp=.venv/.pingan-installed
want=$( (cat pyproject.toml; echo "$extras") | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages (pyproject.toml, extras: $extras)" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$extras]"
  echo "$want" > "$stamp"
fi

npm_stamp=node_modules/.pingan-installed
npm_want=$(sha256sum package-lock.json | cut -c1-16)
if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_want" ]; then
  echo "setup: installing front-end libraries (package-lock.json)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_want" > "$npm_stamp"
fi

mkdir -p var
.venv/bin/pingan compilemessages --ignore=.venv --ignore=node_modules -v0
.venv/bin/pingan collectstatic --noinput -v0
