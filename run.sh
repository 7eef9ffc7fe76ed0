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
# Finnish morphology (Voikko from Debian): installed when missing, see infra/voikko.sh.
bash infra/voikko.sh
if [ $# -eq 0 ]; then
  set -- run --once
fi
exec .venv/bin/euradar "$@"
