#!/usr/bin/env bash
# Install everything the tests need, check the code (ruff, mypy), start the services the tests
# use (real Kafka, real Elasticsearch from Maven Central, a throwaway PostgreSQL cluster from
# Debian's postgresql package; SMTP and HTTP servers are started by the tests themselves), run
# the whole suite, and stop the services again.
#   bash test.sh                 everything (service tests are skipped, with the reason, when
#                                Java or Maven is missing; in CI they must run)
#   bash test.sh -k search       extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}

if [ ! -x .venv/bin/pytest ] || [ pyproject.toml -nt .venv/.installed-dev ]; then
  echo "== installing euradar with test extras into .venv"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  touch .venv/.installed-dev
fi

# Static checks first: they take seconds and catch what the suite would find much later.
echo "== ruff check"
.venv/bin/ruff check .
echo "== mypy (strict)"
.venv/bin/python tools/typecheck.py

# A real browser for the web UI and digest screenshots: Debian's Chromium (no downloads).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium (Debian package)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
      || echo "!! could not install chromium; browser tests will be skipped"
  else
    echo "!! chromium missing and not root: browser tests will be skipped"
  fi
fi

# Finnish morphology (Voikko from Debian): installed when missing, see infra/voikko.sh.
bash infra/voikko.sh

started_services=0
if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then
  echo "== starting Kafka and Elasticsearch (infra/services.sh)"
  if bash infra/services.sh fetch && bash infra/services.sh start; then
    started_services=1
    export EURADAR_TEST_KAFKA=${EURADAR_TEST_KAFKA:-127.0.0.1:${EURADAR_KAFKA_PORT:-9092}}
    export EURADAR_TEST_ES_URL=${EURADAR_TEST_ES_URL:-http://127.0.0.1:${EURADAR_ES_PORT:-9200}}
  else
    echo "!! Kafka/Elasticsearch did not start; service tests will fail in CI, skip elsewhere"
  fi
else
  echo "!! java or mvn not found: Kafka and Elasticsearch tests will be skipped"
fi
# PostgreSQL for the store tests: Debian's package (installed here when missing, as root), a
# throwaway cluster made with initdb and run with pg_ctl as a non-root user, on 127.0.0.1 only.
started_postgres=0
export EURADAR_PG_PORT=${EURADAR_PG_PORT:-54329}
if bash infra/postgres.sh install && bash infra/postgres.sh start; then
  started_postgres=1
  EURADAR_TEST_POSTGRES_URL=${EURADAR_TEST_POSTGRES_URL:-$(bash infra/postgres.sh url)}
  export EURADAR_TEST_POSTGRES_URL
else
  echo "!! PostgreSQL did not start; its tests will fail in CI, skip elsewhere"
fi
cleanup() {
  if [ "$started_services" = 1 ]; then bash infra/services.sh stop >/dev/null 2>&1 || true; fi
  if [ "$started_postgres" = 1 ]; then bash infra/postgres.sh stop --wipe >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

if [ "${CI:-}" = "true" ]; then
  export EURADAR_REQUIRE_SERVICES=1  # in CI a service test never silently skips
fi
mkdir -p artifacts
.venv/bin/python -m pytest "$@"
