#!/usr/bin/env bash
# infra/postgres.sh - a throwaway PostgreSQL cluster on 127.0.0.1 for tests and local use,
# without Docker: Debian's postgresql package, initdb + pg_ctl, run as a non-root user.
#
#   infra/postgres.sh install          apt-get install postgresql when missing (needs root)
#   infra/postgres.sh start            create the cluster if needed, start it, wait until ready
#   infra/postgres.sh stop [--wipe]    stop it (fast shutdown); --wipe also deletes its files
#   infra/postgres.sh status           running/stopped (exit 3 when stopped)
#   infra/postgres.sh url              print the postgresql:// URL of the cluster's database
#
# Environment (all optional):
#   EURADAR_PG_PORT     TCP port on 127.0.0.1 (default 54329)
#   EURADAR_PG_DIR      cluster directory (default /var/tmp/euradar-pg-<port>)
#   EURADAR_PG_BIN      PostgreSQL binaries (default: newest /usr/lib/postgresql/*/bin)
#   EURADAR_PG_USER     OS user that runs the server when we are root (default postgres,
#                       created by the Debian package; PostgreSQL refuses to run as root)
#   EURADAR_PG_DB       database and role name (default euradar)
#
# The cluster listens on 127.0.0.1 only, with scram-sha-256 password authentication; the
# password is generated at creation and kept in $EURADAR_PG_DIR/password (mode 0600).
set -euo pipefail

PORT="${EURADAR_PG_PORT:-54329}"
DIR="${EURADAR_PG_DIR:-/var/tmp/euradar-pg-$PORT}"
DB="${EURADAR_PG_DB:-euradar}"
RUN_AS="${EURADAR_PG_USER:-postgres}"
DATA="$DIR/data"
SOCK="$DIR/run"
LOGFILE="$DIR/postgres.log"
PWFILE="$DIR/password"

log() { printf '[postgres] %s\n' "$*"; }
err() { printf '[postgres] ERROR: %s\n' "$*" >&2; }

pg_bin() {
  if [[ -n "${EURADAR_PG_BIN:-}" ]]; then printf '%s\n' "$EURADAR_PG_BIN"; return 0; fi
  local newest=""
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/initdb" ]] && newest="$d"
  done
  [[ -n "$newest" ]] || return 1
  printf '%s\n' "$newest"
}

# Run a command as the cluster's owner: ourselves, or $RUN_AS when we are root.
as_owner() {
  if [[ $EUID -eq 0 ]]; then runuser -u "$RUN_AS" -- "$@"; else "$@"; fi
}

cmd_install() {
  if pg_bin >/dev/null; then log "installed: $(pg_bin)"; return 0; fi
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    err "PostgreSQL is not installed and this is not a root Debian shell: apt-get install postgresql"
    return 1
  fi
  log "installing Debian's postgresql package"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin >/dev/null || { err "postgresql installed but no initdb found"; return 1; }
  # The package starts a system cluster on 5432; ours runs beside it, so leave that alone.
}

running() {
  local bin
  bin="$(pg_bin)" || return 1
  [[ -f "$DATA/postmaster.pid" ]] && as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

url() {
  local pw
  pw="$(cat "$PWFILE")"
  printf 'postgresql://%s:%s@127.0.0.1:%s/%s\n' "$DB" "$pw" "$PORT" "$DB"
}

cmd_start() {
  local bin
  bin="$(pg_bin)" || { err "no PostgreSQL binaries (run: $0 install)"; return 1; }
  if [[ $EUID -eq 0 ]] && ! id "$RUN_AS" >/dev/null 2>&1; then
    useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_AS"
  fi
  mkdir -p "$DIR"
  [[ $EUID -eq 0 ]] && chown "$RUN_AS" "$DIR"
  chmod 0700 "$DIR"
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    log "creating a cluster in $DATA"
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$PWFILE")
    [[ $EUID -eq 0 ]] && chown "$RUN_AS" "$PWFILE"
    as_owner "$bin/initdb" -D "$DATA" -U "$DB" --pwfile="$PWFILE" --auth-local=scram-sha-256 \
      --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { err "initdb failed:"; cat "$DIR/initdb.log" >&2; return 1; }
  fi
  if running; then log "already running on 127.0.0.1:$PORT"; return 0; fi
  as_owner mkdir -p "$SOCK"
  log "starting PostgreSQL ($bin) on 127.0.0.1:$PORT"
  # fsync off: a throwaway cluster for tests and benchmarks, not a home for real data.
  as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t "${EURADAR_START_TIMEOUT:-60}" start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$SOCK \
        -c max_connections=200 -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off" >/dev/null \
    || { err "pg_ctl start failed:"; tail -20 "$LOGFILE" >&2; return 1; }
  if ! PGPASSWORD="$(cat "$PWFILE")" "$bin/psql" -h 127.0.0.1 -p "$PORT" -U "$DB" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    PGPASSWORD="$(cat "$PWFILE")" "$bin/psql" -h 127.0.0.1 -p "$PORT" -U "$DB" -d postgres -qc \
      "CREATE DATABASE $DB"
  fi
  log "ready: $(url | sed 's#://\([^:]*\):[^@]*@#://\1:***@#')"
}

cmd_stop() {
  local wipe=0 bin
  [[ "${1:-}" == "--wipe" ]] && wipe=1
  if bin="$(pg_bin)" && running; then
    log "stopping PostgreSQL on 127.0.0.1:$PORT"
    as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null \
      || as_owner "$bin/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null || true
  fi
  if (( wipe )); then
    log "wiping $DIR"
    rm -rf "$DIR"
  fi
}

cmd_status() {
  if running; then echo "postgres running 127.0.0.1:$PORT ($DATA)"; else echo "postgres stopped"; return 3; fi
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) shift; cmd_stop "${1:-}" ;;
  status) cmd_status ;;
  url) [[ -f "$PWFILE" ]] || { err "no cluster in $DIR"; exit 1; }; url ;;
  *) sed -n '2,18p' "$0" >&2; exit 2 ;;
esac
