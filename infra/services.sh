#!/usr/bin/env bash
# infra/services.sh - run real Apache Kafka 4.x (KRaft) and real Elasticsearch 9.x locally
# without Docker, from artifacts on Maven Central.
#
#   infra/services.sh fetch  [kafka|elasticsearch|all]
#   infra/services.sh start  [kafka|elasticsearch|all]
#   infra/services.sh stop   [--wipe] [kafka|elasticsearch|all]
#   infra/services.sh reset  [kafka|elasticsearch|all]     (= stop --wipe)
#   infra/services.sh status [kafka|elasticsearch|all]
#
# Exit codes: 0 ok; 1 a fetch/start/stop failed; 2 usage error;
#             3 (status only) at least one of the asked services is not running.
#
# Environment (all optional):
#   EURADAR_SERVICES_DIR          cache/state dir (default $HOME/.cache/euradar-services)
#   EURADAR_KAFKA_VERSION         default 4.3.1
#   EURADAR_LOG4J2_VERSION        default 2.25.3 (Kafka's logging backend)
#   EURADAR_ES_VERSION            default 9.3.2
#   EURADAR_KAFKA_PORT            default 9092
#   EURADAR_KAFKA_CONTROLLER_PORT default 19093
#   EURADAR_ES_PORT               default 9200
#   EURADAR_ES_TRANSPORT_PORT     default 9300
#   EURADAR_KAFKA_HEAP            default 512m
#   EURADAR_ES_HEAP               default 512m
#   EURADAR_KAFKA_JAVA_HOME       JDK >= 17 for Kafka (default: $JAVA_HOME, else a 17+ JDK in /usr/lib/jvm)
#   EURADAR_ES_JAVA_HOME          JDK >= 21 for ES (default: $ES_JAVA_HOME, else newest 21+ JDK in /usr/lib/jvm)
#   EURADAR_ES_USER               unprivileged user ES runs as when we are root (default euradar-es)
#   EURADAR_ES_DIR                ES home/config/data/logs dir (default $EURADAR_SERVICES_DIR/elasticsearch,
#                                 or /var/tmp/euradar-es-<hash> when the ES user cannot reach the services dir)
#   EURADAR_START_TIMEOUT         seconds to wait for each service to become healthy (default 120)
#   EURADAR_STOP_TIMEOUT          seconds between SIGTERM and SIGKILL (default 30)
#   EURADAR_MAVEN_REPO            Maven local repository to use (default: Maven's own, ~/.m2/repository)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RES_DIR="$SCRIPT_DIR/services"

SERVICES_DIR="${EURADAR_SERVICES_DIR:-${HOME:-/root}/.cache/euradar-services}"
KAFKA_VERSION="${EURADAR_KAFKA_VERSION:-4.3.1}"
LOG4J2_VERSION="${EURADAR_LOG4J2_VERSION:-2.25.3}"
ES_VERSION="${EURADAR_ES_VERSION:-9.3.2}"
KAFKA_PORT="${EURADAR_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${EURADAR_KAFKA_CONTROLLER_PORT:-19093}"
ES_PORT="${EURADAR_ES_PORT:-9200}"
ES_TRANSPORT_PORT="${EURADAR_ES_TRANSPORT_PORT:-9300}"
KAFKA_HEAP="${EURADAR_KAFKA_HEAP:-512m}"
ES_HEAP="${EURADAR_ES_HEAP:-512m}"
ES_USER="${EURADAR_ES_USER:-euradar-es}"
START_TIMEOUT="${EURADAR_START_TIMEOUT:-120}"
STOP_TIMEOUT="${EURADAR_STOP_TIMEOUT:-30}"

KAFKA_LIBS="$SERVICES_DIR/downloads/kafka-$KAFKA_VERSION-log4j-$LOG4J2_VERSION/libs"
ES_ZIP_DIR="$SERVICES_DIR/downloads/elasticsearch-$ES_VERSION"
ES_ZIP="$ES_ZIP_DIR/elasticsearch-$ES_VERSION.zip"
KAFKA_DIR="$SERVICES_DIR/kafka"
RUN_DIR="$SERVICES_DIR/run"
KAFKA_PID="$RUN_DIR/kafka.pid"
ES_PID="$RUN_DIR/elasticsearch.pid"

log() { printf '[services] %s\n' "$*"; }
err() { printf '[services] ERROR: %s\n' "$*" >&2; }

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") fetch|start|stop|reset|status [--wipe] [kafka|elasticsearch|all]
  fetch   download Kafka $KAFKA_VERSION jars + Elasticsearch $ES_VERSION from Maven Central (cached)
  start   start the service(s) in the background and wait until healthy
  stop    stop the service(s) (SIGTERM, SIGKILL after ${STOP_TIMEOUT}s); --wipe also deletes their data
  reset   same as stop --wipe
  status  print running/stopped and port for each service (exit 3 if one is not running)
services dir: $SERVICES_DIR
EOF
}

# ----------------------------------------------------------------------------------------------
# helpers

# Where ES keeps its home/config/data/logs. ES refuses to run as root, so it runs as $ES_USER and
# must be able to *traverse* every parent directory. The default services dir lives under /root
# (mode 0700), which an unprivileged user cannot enter -> fall back to a path under /var/tmp that
# is derived from the services dir (deterministic, so stop/status find the same place).
es_dir() {
  if [[ -n "${EURADAR_ES_DIR:-}" ]]; then printf '%s\n' "$EURADAR_ES_DIR"; return; fi
  if [[ $EUID -ne 0 ]]; then printf '%s\n' "$SERVICES_DIR/elasticsearch"; return; fi
  local p="$SERVICES_DIR" mode
  while [[ -n "$p" && "$p" != "/" ]]; do
    if [[ -e "$p" ]]; then
      mode="$(stat -c %A "$p")"
      case "${mode:9:1}" in x|t) ;; *)
        printf '/var/tmp/euradar-es-%s\n' "$(printf '%s' "$SERVICES_DIR" | cksum | cut -d' ' -f1)"
        return ;;
      esac
    fi
    p="$(dirname "$p")"
  done
  printf '%s\n' "$SERVICES_DIR/elasticsearch"
}

# Major version of a JDK home, read from its `release` file (no JVM start needed).
jdk_major() {
  local home="$1" v
  [[ -x "$home/bin/java" && -r "$home/release" ]] || { echo 0; return; }
  v="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")"
  v="${v#1.}"
  echo "${v%%[.+-]*}"
}

# Pick a JDK home with major >= $1: explicit candidates first, then the newest in /usr/lib/jvm
# (or the oldest matching one when $2 = oldest).
find_jdk() {
  local min="$1" order="$2"; shift 2
  local c best="" bestv=0 v
  for c in "$@"; do
    [[ -n "$c" ]] || continue
    if (( $(jdk_major "$c") >= min )); then echo "$c"; return 0; fi
  done
  for c in /usr/lib/jvm/*; do
    [[ -d "$c" && ! -L "$c" ]] || continue
    v="$(jdk_major "$c")"
    (( v >= min )) || continue
    if [[ -z "$best" ]] || { [[ $order == newest ]] && (( v > bestv )); } || { [[ $order == oldest ]] && (( v < bestv )); }; then
      best="$c"; bestv="$v"
    fi
  done
  [[ -n "$best" ]] && { echo "$best"; return 0; }
  return 1
}

java_for_kafka() {
  local pathjava=""
  if command -v java >/dev/null 2>&1; then pathjava="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"; fi
  find_jdk 17 oldest "${EURADAR_KAFKA_JAVA_HOME:-}" "${JAVA_HOME:-}" "$pathjava" \
    || { err "no JDK >= 17 found for Kafka (set EURADAR_KAFKA_JAVA_HOME)"; return 1; }
}

java_for_es() {
  # Elasticsearch 9.x needs Java 21+ (the default OpenJDK 17 is rejected by its launcher);
  # the integ-test-zip has no bundled JDK, so ES_JAVA_HOME must point at one.
  find_jdk 21 newest "${EURADAR_ES_JAVA_HOME:-}" "${ES_JAVA_HOME:-}" \
    || { err "no JDK >= 21 found for Elasticsearch (set EURADAR_ES_JAVA_HOME)"; return 1; }
}

mvn_cmd() {
  local args=(-B -q -Dstyle.color=never)
  [[ -n "${EURADAR_MAVEN_REPO:-}" ]] && args+=("-Dmaven.repo.local=$EURADAR_MAVEN_REPO")
  # maven's output goes to a log (it is noisy and leaves ANSI resets even in batch mode);
  # shown only when maven fails.
  local mlog="$SERVICES_DIR/downloads/maven.log"
  mkdir -p "$SERVICES_DIR/downloads"
  if ! mvn "${args[@]}" "$@" >"$mlog" 2>&1; then
    tail -n 50 "$mlog" >&2; return 1
  fi
}

need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || { err "'$c' is required but not installed (apt-get install $c)"; return 1; }
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid alive and its command line contains $2 (guards against a recycled pid)
pid_matches() {
  local pid="$1" pat="$2"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pat"
}

# prints the pid if the service is running; removes a stale pid file
running_pid() {
  local pidfile="$1" pat="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if pid_matches "$pid" "$pat"; then echo "$pid"; return 0; fi
  rm -f "$pidfile"
  return 1
}

KAFKA_MATCH="kafka.Kafka"
ES_MATCH="org.elasticsearch.bootstrap.Elasticsearch"

wait_gone() {
  local pid="$1" t="$2" i
  for ((i = 0; i < t * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

stop_pid() {
  local name="$1" pid="$2"
  log "stopping $name (pid $pid, SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
    log "$name did not exit within ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || { err "$name (pid $pid) survived SIGKILL"; return 1; }
  fi
  log "$name stopped"
}

# ----------------------------------------------------------------------------------------------
# fetch

fetch_kafka() {
  if [[ -f "$KAFKA_LIBS/.complete" ]]; then
    log "kafka $KAFKA_VERSION already fetched ($KAFKA_LIBS)"; return 0
  fi
  need mvn unzip || return 1
  log "fetching kafka_2.13:$KAFKA_VERSION + runtime deps + log4j2 $LOG4J2_VERSION from Maven Central"
  local tmp="$KAFKA_LIBS.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  # copy-dependencies on a tiny pom resolves the full transitive runtime closure of kafka_2.13
  # (~46 jars, 44 MB for 4.3.1); dependency:copy would only copy the one artifact.
  if ! mvn_cmd -f "$RES_DIR/kafka-pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -Dlog4j2.version="$LOG4J2_VERSION" \
      -DincludeScope=runtime -DoutputDirectory="$tmp"; then
    rm -rf "$tmp"; err "maven could not resolve kafka $KAFKA_VERSION"; return 1
  fi
  # kafka.tools.StorageTool (format) and kafka.Kafka (broker) are both in kafka_2.13 for 4.0..4.3;
  # fail loudly if a later version moves them.
  # (listing captured first: `unzip -l | grep -q` fails under pipefail when grep exits early
  # and unzip dies of SIGPIPE.)
  local core="$tmp/kafka_2.13-$KAFKA_VERSION.jar" listing
  listing="$(unzip -l "$core" 2>/dev/null || true)"
  if [[ "$listing" != *" kafka/tools/StorageTool.class"* || "$listing" != *" kafka/Kafka.class"* ]]; then
    rm -rf "$tmp"; err "kafka.Kafka / kafka.tools.StorageTool not found in $core"; return 1
  fi
  rm -rf "$KAFKA_LIBS"; mkdir -p "$(dirname "$KAFKA_LIBS")"; mv "$tmp" "$KAFKA_LIBS"
  touch "$KAFKA_LIBS/.complete"
  log "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $KAFKA_LIBS"
}

fetch_es() {
  if [[ -f "$ES_ZIP_DIR/.complete" ]]; then
    log "elasticsearch $ES_VERSION already fetched ($ES_ZIP)"; return 0
  fi
  need mvn unzip || return 1
  log "fetching org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip from Maven Central"
  # Only some 9.x versions of the integ-test-zip are published (seen: 9.0.0, 9.0.8, 9.1.0, 9.1.5,
  # 9.2.0, 9.2.4, 9.3.2; not 9.3.0) and they have no .pom: maven warns and still downloads the zip.
  mkdir -p "$ES_ZIP_DIR"
  if ! mvn_cmd dependency:copy -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
      -DoutputDirectory="$ES_ZIP_DIR"; then
    err "maven could not download the elasticsearch $ES_VERSION integ-test-zip"; return 1
  fi
  unzip -tq "$ES_ZIP" >/dev/null || { rm -f "$ES_ZIP"; err "corrupt download: $ES_ZIP"; return 1; }
  touch "$ES_ZIP_DIR/.complete"
  log "elasticsearch: $ES_ZIP ($(du -h "$ES_ZIP" | cut -f1))"
}

# ----------------------------------------------------------------------------------------------
# kafka

kafka_health() {
  # A real protocol round trip, not just an open port: kafka-python's admin client (bootstrap +
  # metadata) when it is installed, otherwise a raw ApiVersions request over a socket.
  "${PYTHON:-python3}" - "$KAFKA_PORT" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
try:
    from kafka import KafkaAdminClient
except ImportError:
    KafkaAdminClient = None
if KafkaAdminClient is not None:
    a = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{port}", request_timeout_ms=5000,
                         client_id="euradar-services-health")
    try:
        a.list_topics()
    finally:
        a.close()
    sys.exit(0)
cid = b"euradar-services-health"
body = struct.pack(">hhih", 18, 0, 1, len(cid)) + cid          # ApiVersions v0
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
    s.sendall(struct.pack(">i", len(body)) + body)
    buf = b""
    while len(buf) < 10:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit(1)
        buf += chunk
_, corr, errcode = struct.unpack(">iih", buf[:10])
sys.exit(0 if corr == 1 and errcode == 0 else 1)
PY
}

start_kafka() {
  local pid
  if pid="$(running_pid "$KAFKA_PID" "$KAFKA_MATCH")"; then
    log "kafka already running (pid $pid, 127.0.0.1:$KAFKA_PORT) - nothing to do"; return 0
  fi
  need "${PYTHON:-python3}" setsid || return 1
  [[ -f "$KAFKA_LIBS/.complete" ]] || fetch_kafka
  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$p"; then err "port 127.0.0.1:$p is already in use by another process; kafka not started"; return 1; fi
  done
  local jhome; jhome="$(java_for_kafka)"
  local data="$KAFKA_DIR/data" logf="$KAFKA_DIR/kafka.log" props="$KAFKA_DIR/server.properties"
  mkdir -p "$data" "$RUN_DIR"
  sed -e "s#@DATA_DIR@#$data#" -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
    "$RES_DIR/kafka-server.properties.in" >"$props"
  local jopts=(-Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
               "-Dlog4j2.configurationFile=file:$RES_DIR/kafka-log4j2.properties" "-Dkafka.logs.dir=$KAFKA_DIR")
  local cp="$KAFKA_LIBS/*"

  # KRaft needs formatted storage (meta.properties + bootstrap checkpoint). Format only once so a
  # restart keeps topics and offsets; the cluster id is generated in Python (same format as
  # `StorageTool random-uuid`: url-safe base64 of 16 random bytes) to save a JVM start.
  if [[ ! -f "$data/meta.properties" ]]; then
    local cid
    cid="$("${PYTHON:-python3}" -c 'import base64,uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"): print(s); break')"
    log "formatting kafka storage in $data (cluster id $cid)"
    # StorageTool calls System.exit, so it runs as its own short-lived JVM.
    if ! "$jhome/bin/java" -Xmx256m "${jopts[@]:2}" -cp "$cp" kafka.tools.StorageTool format \
        -t "$cid" -c "$props" --ignore-formatted >"$KAFKA_DIR/format.log" 2>&1; then
      err "kafka storage format failed:"; tail -n 50 "$KAFKA_DIR/format.log" >&2; return 1
    fi
  fi

  log "starting kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (java: $jhome)"
  # keep the previous run's log (kafka.log.1) but start clean so failure output is this run's
  [[ -f "$logf" ]] && mv -f "$logf" "$logf.1"
  : >"$logf"
  # setsid: own session, so the broker survives the caller's terminal/process group going away.
  # The inner shell writes its own pid and then execs java, so the pid file names the JVM itself.
  # shellcheck disable=SC2016  # $$ and $1 are meant for the inner shell
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$KAFKA_PID" \
    "$jhome/bin/java" "${jopts[@]}" -cp "$cp" kafka.Kafka "$props" </dev/null >>"$logf" 2>&1 &
  local t0=$SECONDS i
  for ((i = 0; i < 50; i++)); do [[ -s "$KAFKA_PID" ]] && break; sleep 0.1; done
  pid="$(cat "$KAFKA_PID" 2>/dev/null || true)"
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      err "kafka exited during startup; last 50 lines of $logf:"; tail -n 50 "$logf" >&2
      rm -f "$KAFKA_PID"; return 1
    fi
    if grep -q 'Kafka Server started' "$logf" && kafka_health >/dev/null 2>&1; then break; fi
    if (( SECONDS - t0 >= START_TIMEOUT )); then
      err "kafka not healthy after ${START_TIMEOUT}s; last 50 lines of $logf:"; tail -n 50 "$logf" >&2
      stop_pid kafka "$pid" || true; rm -f "$KAFKA_PID"; return 1
    fi
    sleep 0.5
  done
  log "kafka is up (pid $pid, 127.0.0.1:$KAFKA_PORT, $((SECONDS - t0))s)"
}

stop_kafka() {
  local pid
  if pid="$(running_pid "$KAFKA_PID" "$KAFKA_MATCH")"; then
    stop_pid kafka "$pid" || return 1
  else
    log "kafka is not running"
  fi
  rm -f "$KAFKA_PID"
  if [[ "$WIPE" == 1 ]]; then
    log "wiping kafka data ($KAFKA_DIR/data)"; rm -rf "$KAFKA_DIR/data"
  fi
}

status_kafka() {
  local pid
  if pid="$(running_pid "$KAFKA_PID" "$KAFKA_MATCH")"; then
    echo "kafka: running (pid $pid) on 127.0.0.1:$KAFKA_PORT"; return 0
  fi
  echo "kafka: stopped (port $KAFKA_PORT)"; return 3
}

# ----------------------------------------------------------------------------------------------
# elasticsearch

ensure_es_user() {
  [[ $EUID -eq 0 ]] || return 0
  if ! id -u "$ES_USER" >/dev/null 2>&1; then
    log "creating system user $ES_USER (Elasticsearch refuses to run as root)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$ES_USER"
  fi
}

# run a command as the ES user (or as ourselves when not root), with a clean environment
as_es() {
  if [[ $EUID -eq 0 ]]; then
    # runuser -u runs the command directly (no login shell), so the nologin shell is fine.
    runuser -u "$ES_USER" -- "$@"
  else
    "$@"
  fi
}

es_health() {
  curl -fsS --max-time 10 "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null 2>&1
}

start_es() {
  local pid
  if pid="$(running_pid "$ES_PID" "$ES_MATCH")"; then
    log "elasticsearch already running (pid $pid, 127.0.0.1:$ES_PORT) - nothing to do"; return 0
  fi
  [[ -f "$ES_ZIP_DIR/.complete" ]] || fetch_es
  local p
  for p in "$ES_PORT" "$ES_TRANSPORT_PORT"; do
    if port_open "$p"; then err "port 127.0.0.1:$p is already in use by another process; elasticsearch not started"; return 1; fi
  done
  need curl unzip timeout setsid || return 1
  local jhome; jhome="$(java_for_es)"
  ensure_es_user
  local d; d="$(es_dir)"
  local home="$d/elasticsearch-$ES_VERSION" conf="$d/config" data="$d/data" logs="$d/logs" tmp="$d/tmp"
  mkdir -p "$d" "$RUN_DIR"
  if [[ ! -f "$home/.unpacked" ]]; then
    log "unpacking elasticsearch $ES_VERSION into $d"
    rm -rf "$home"; unzip -q -o "$ES_ZIP" -d "$d"; touch "$home/.unpacked"
  fi
  # ES_PATH_CONF is a separate, ES-user-writable copy: ES writes elasticsearch.keystore there.
  if [[ ! -d "$conf" ]]; then cp -a "$home/config" "$conf"; fi
  sed -e "s#@DATA_DIR@#$data#" -e "s#@LOGS_DIR@#$logs#" -e "s#@ES_PORT@#$ES_PORT#" \
      -e "s#@ES_TRANSPORT_PORT@#$ES_TRANSPORT_PORT#" "$RES_DIR/elasticsearch.yml.in" >"$conf/elasticsearch.yml"
  mkdir -p "$data" "$logs" "$tmp"
  [[ $EUID -eq 0 ]] && chown -R "$ES_USER:" "$d"
  local espid="$d/elasticsearch.pid" out="$logs/launcher.log" mainlog="$logs/euradar.log"
  rm -f "$espid"
  # marker to tell whether ES wrote its main log during *this* start (else it is a stale one)
  local mark="$RUN_DIR/elasticsearch.starting"; touch "$mark"

  local runas=() who; who="$(id -un)"
  if [[ $EUID -eq 0 ]]; then runas=(runuser -u "$ES_USER" --); who="$ES_USER"; fi
  log "starting elasticsearch $ES_VERSION on 127.0.0.1:$ES_PORT as user $who (java: $jhome)"
  local t0=$SECONDS rc=0
  # -d daemonizes: the CLI launcher starts the server JVM, waits until it is up, writes the -p
  # pidfile and exits. env -i: runuser would otherwise pass root's environment through
  # (JAVA_HOME, JAVA_TOOL_OPTIONS, ...). cd: the server must not start in a cwd the ES user
  # cannot read (e.g. /root).
  ( cd "$d" && exec timeout "$START_TIMEOUT" setsid env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 HOME="$d" ES_JAVA_HOME="$jhome" ES_PATH_CONF="$conf" ES_TMPDIR="$tmp" \
      ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
      "${runas[@]}" "$home/bin/elasticsearch" -d -p "$espid" </dev/null >"$out" 2>&1 ) || rc=$?
  if [[ $rc -ne 0 ]]; then
    err "elasticsearch launcher failed (exit $rc); last 50 lines of $out and $mainlog:"
    tail -n 50 "$out" >&2
    if [[ "$mainlog" -nt "$mark" ]]; then tail -n 50 "$mainlog" >&2; fi
    rm -f "$mark"
    [[ -f "$espid" ]] && { pid="$(cat "$espid")"; pid_matches "$pid" "$ES_MATCH" && stop_pid elasticsearch "$pid"; }
    return 1
  fi
  pid="$(cat "$espid" 2>/dev/null || true)"
  if ! pid_matches "$pid" "$ES_MATCH"; then
    err "elasticsearch did not stay up; last 50 lines of $mainlog:"; tail -n 50 "$mainlog" >&2 || true; return 1
  fi
  echo "$pid" >"$ES_PID"; rm -f "$mark"
  until es_health; do
    if ! kill -0 "$pid" 2>/dev/null; then
      err "elasticsearch exited during startup; last 50 lines of $mainlog:"; tail -n 50 "$mainlog" >&2 || true
      rm -f "$ES_PID"; return 1
    fi
    if (( SECONDS - t0 >= START_TIMEOUT )); then
      err "elasticsearch not yellow after ${START_TIMEOUT}s; last 50 lines of $mainlog:"; tail -n 50 "$mainlog" >&2 || true
      stop_pid elasticsearch "$pid" || true; rm -f "$ES_PID"; return 1
    fi
    sleep 1
  done
  log "elasticsearch is up (pid $pid, http://127.0.0.1:$ES_PORT, $((SECONDS - t0))s)"
}

stop_es() {
  local pid d; d="$(es_dir)"
  if pid="$(running_pid "$ES_PID" "$ES_MATCH")"; then
    stop_pid elasticsearch "$pid" || return 1
  else
    log "elasticsearch is not running"
  fi
  rm -f "$ES_PID" "$d/elasticsearch.pid"
  if [[ "$WIPE" == 1 ]]; then
    log "wiping elasticsearch data ($d/data)"; rm -rf "$d/data"
  fi
}

status_es() {
  local pid
  if pid="$(running_pid "$ES_PID" "$ES_MATCH")"; then
    echo "elasticsearch: running (pid $pid) on 127.0.0.1:$ES_PORT"; return 0
  fi
  echo "elasticsearch: stopped (port $ES_PORT)"; return 3
}

# ----------------------------------------------------------------------------------------------
# main

WIPE=0
CMD="${1:-}"
[[ $# -gt 0 ]] && shift
TARGET=""
for a in "$@"; do
  case "$a" in
    --wipe) WIPE=1 ;;
    kafka) TARGET="${TARGET:+all}"; TARGET="${TARGET:-kafka}" ;;
    elasticsearch|es) TARGET="${TARGET:+all}"; TARGET="${TARGET:-elasticsearch}" ;;
    all) TARGET=all ;;
    -h|--help) usage; exit 0 ;;
    *) err "unknown argument: $a"; usage; exit 2 ;;
  esac
done
TARGET="${TARGET:-all}"
if [[ "$WIPE" == 1 && "$CMD" != stop ]]; then err "--wipe only applies to stop"; usage; exit 2; fi

want() { [[ "$TARGET" == all || "$TARGET" == "$1" ]]; }

case "$CMD" in
  fetch)
    mkdir -p "$SERVICES_DIR"
    if want kafka; then fetch_kafka; fi
    if want elasticsearch; then fetch_es; fi
    ;;
  start)
    mkdir -p "$SERVICES_DIR"
    if want kafka; then start_kafka; fi
    if want elasticsearch; then start_es; fi
    ;;
  stop|reset)
    [[ "$CMD" == reset ]] && WIPE=1
    rc=0
    if want elasticsearch; then stop_es || rc=1; fi
    if want kafka; then stop_kafka || rc=1; fi
    exit "$rc"
    ;;
  status)
    rc=0
    if want kafka; then status_kafka || rc=3; fi
    if want elasticsearch; then status_es || rc=3; fi
    exit "$rc"
    ;;
  -h|--help|help) usage; exit 0 ;;
  "") err "missing command"; usage; exit 2 ;;
  *) err "unknown command: $CMD"; usage; exit 2 ;;
esac
