#!/usr/bin/env bash
# Install euradar into ./.venv (first time only) and run the main job on the embedded default:
# one cycle over every enabled source (crawl, tag, index, alert), data in ./euradar-data.
#   bash run.sh                 one cycle, then a summary (sources that cannot be reached say so)
#   bash run.sh run             the scheduled job: crawls when due, serves the web UI; Ctrl-C stops
#   bash run.sh search hydrogen any other euradar command
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/euradar ] || [ pyproject.toml -nt .venv/.installed ]; then
  echo "installing euradar into .venv (first run takes a few minutes) ..." >&2
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e .
  touch .venv/.installed
fi
# Finnish morphology: Voikko (Debian's libvoikko1 + voikko-fi; the Python binding comes from PyPI).
voikko_installed() {
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}\n' libvoikko1 voikko-fi 2>/dev/null | grep -c "install ok installed" | grep -qx 2
  else
    ldconfig -p 2>/dev/null | grep -q 'libvoikko\.so\.1'
  fi
}
if ! voikko_installed; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Finnish morphology (Debian packages libvoikko1 voikko-fi) ..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvoikko1 voikko-fi >/dev/null) \
      || echo "!! could not install libvoikko1 voikko-fi: Finnish falls back to a stemmer (poorer search and tagging)" >&2
  else
    echo "!! libvoikko1 and voikko-fi are not installed (needs root and apt-get): Finnish falls back to a stemmer; install them for full Finnish search and tagging" >&2
  fi
fi
if [ $# -eq 0 ]; then
  set -- run --once
fi
exec .venv/bin/euradar "$@"
