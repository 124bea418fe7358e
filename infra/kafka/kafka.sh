#!/usr/bin/env bash
# Chorus' local Apache Kafka: a single-node KRaft broker+controller run as a plain JVM process (no Docker).
# The broker's jars come from Maven Central (see pom.xml); see README.md beside this file.
#
#   bash infra/kafka/kafka.sh start|stop|kill|restart|status|clean|logs [N]
#
# Environment (all optional):
#   KAFKA_PORT             client listener port on 127.0.0.1             (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener port on 127.0.0.1   (default 9093)
#   KAFKA_DATA_DIR         log.dirs of the broker: topics + KRaft metadata (default infra/kafka/.runtime/broker-$KAFKA_PORT/data)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness on start       (default 90)
#   KAFKA_STOP_TIMEOUT     seconds to wait for a graceful stop           (default 30)
#   KAFKA_HEAP_OPTS        JVM heap flags                                (default -Xms512m -Xmx1g)
#   JAVA_HOME              Java 17+ to use (default: java on PATH)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
# Canonical, so a work tree whose .runtime links to another checkout's finds the broker that checkout started.
RUNTIME_DIR="$(realpath -m "$SCRIPT_DIR/.runtime")"
CLASSPATH_FILE="$RUNTIME_DIR/classpath.txt"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
INSTANCE_DIR="$RUNTIME_DIR/broker-$KAFKA_PORT"        # per-port state: properties, pid, logs
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$INSTANCE_DIR/data}"
[[ "$KAFKA_DATA_DIR" == /* ]] || KAFKA_DATA_DIR="$PWD/$KAFKA_DATA_DIR"
KAFKA_DATA_DIR="$(realpath -m "$KAFKA_DATA_DIR")"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g}"

PROPERTIES_FILE="$INSTANCE_DIR/server.properties"
PID_FILE="$INSTANCE_DIR/kafka.pid"
INFO_FILE="$INSTANCE_DIR/kafka.info"                   # data dir + version of the running process
LOG_DIR="$INSTANCE_DIR/logs"
LOG_FILE="$LOG_DIR/server.log"                         # log4j2 output (see log4j2.xml)
STDOUT_FILE="$LOG_DIR/stdout.log"                      # JVM stdout/stderr: crashes before log4j starts
LOCK_FILE="$RUNTIME_DIR/.lock-$KAFKA_PORT"

say() { printf '[kafka] %s\n' "$*"; }
die() { printf '[kafka] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# Prerequisites

find_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    JAVA="$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    JAVA="$(command -v java)"
  else
    die "java not found. Kafka 4.x needs Java 17+: install it (Debian: apt-get install -y openjdk-17-jre-headless) or set JAVA_HOME."
  fi
  local version major
  version="$("$JAVA" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
  major="${version%%.*}"
  [[ "$major" == "1" ]] && major="$(cut -d. -f2 <<<"$version")"
  if ! [[ "$major" =~ ^[0-9]+$ ]] || (( major < 17 )); then
    die "$JAVA is Java '${version:-unknown}'; Kafka 4.x needs Java 17 or newer. Install openjdk-17 or point JAVA_HOME at one."
  fi
  JAVA_VERSION="$version"
}

find_node() {
  command -v node >/dev/null 2>&1 || die "node not found: the readiness check (wait-ready.cjs) needs Node 20+."
  [[ -d "$REPO_ROOT/node_modules/kafkajs" ]] \
    || die "kafkajs is not installed (needed by wait-ready.cjs): run 'npm ci' in $REPO_ROOT first."
}

# Every jar of the cached classpath still exists and the classpath is newer than pom.xml.
classpath_is_valid() {
  [[ -s "$CLASSPATH_FILE" && "$CLASSPATH_FILE" -nt "$SCRIPT_DIR/pom.xml" ]] || return 1
  local jar
  while IFS= read -r jar; do
    [[ -f "$jar" ]] || return 1
  done < <(tr ':' '\n' <"$CLASSPATH_FILE")
}

resolve_classpath() {
  if classpath_is_valid; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 \
    || die "mvn not found: it resolves the Kafka jars from Maven Central. Install Maven (Debian: apt-get install -y maven)."
  mkdir -p "$RUNTIME_DIR"
  say "resolving the Kafka broker jars with Maven (pom.xml; the first run downloads ~65 MB into ~/.m2: about a minute)..."
  local started=$SECONDS tmp="$CLASSPATH_FILE.tmp" mvn_log="$RUNTIME_DIR/mvn.log"
  if ! mvn -B -q -f "$SCRIPT_DIR/pom.xml" dependency:build-classpath \
      -Dmdep.includeScope=runtime -Dmdep.outputFile="$tmp" >"$mvn_log" 2>&1; then
    tail -n 30 "$mvn_log" >&2 || true
    die "Maven could not resolve the Kafka jars (full output: $mvn_log). Check network access to Maven Central; if this Kafka version is not published, change kafka.version in $SCRIPT_DIR/pom.xml."
  fi
  [[ -s "$tmp" ]] || die "Maven produced an empty classpath ($tmp); see $mvn_log."
  mv "$tmp" "$CLASSPATH_FILE"
  say "classpath cached in ${CLASSPATH_FILE#"$REPO_ROOT"/} ($(tr ':' '\n' <"$CLASSPATH_FILE" | wc -l) jars, $((SECONDS - started))s)"
}

kafka_version() {
  # The version of the kafka_2.13 jar on the classpath, e.g. 4.1.1.
  tr ':' '\n' <"$CLASSPATH_FILE" | sed -n 's#.*/kafka_2\.13-\([^/]*\)\.jar$#\1#p' | head -n 1
}

# ---------------------------------------------------------------------------------------------------------------
# Process state

read_pid() { if [[ -s "$PID_FILE" ]]; then tr -dc '0-9' <"$PID_FILE"; fi; }

# Our broker is running: the pid file names a live process whose command line is kafka.Kafka with our properties.
broker_pid() {
  local pid
  pid="$(read_pid)"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $PROPERTIES_FILE" || return 1
  echo "$pid"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

info_value() { if [[ -f "$INFO_FILE" ]]; then sed -n "s/^$1=//p" "$INFO_FILE" | head -n 1; fi; }

cluster_id_of() { if [[ -f "$1/meta.properties" ]]; then sed -n 's/^cluster\.id=//p' "$1/meta.properties" | head -n 1; fi; }

wait_ready() { # wait_ready <deadline-seconds> [wait-ready.cjs options: --quiet, --pid PID]
  local cluster_id
  cluster_id="$(cluster_id_of "$(info_value data_dir)")"
  node "$SCRIPT_DIR/wait-ready.cjs" "$1" --broker "127.0.0.1:$KAFKA_PORT" ${cluster_id:+--cluster-id "$cluster_id"} "${@:2}"
}

# ---------------------------------------------------------------------------------------------------------------
# Configuration and storage

write_properties() {
  mkdir -p "$INSTANCE_DIR" "$LOG_DIR"
  cat >"$PROPERTIES_FILE" <<EOF
# Generated by infra/kafka/kafka.sh on every start: edit the script, not this file.
# Single-node KRaft: this process is both broker and controller, with a static controller quorum.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA_DIR

# Topics are created explicitly by the code that owns them.
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1

# One node: internal topics with replication factor and min ISR 1.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# One partition each instead of 50: a fresh broker creates and loads them in well under a second. (Only read when
# the topic is created: an existing data dir keeps its partition count, which the coordinators then use.)
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.num.partitions=1

# Tests: no 3 s delay before the first rebalance of every new consumer group.
group.initial.rebalance.delay.ms=0

# After a SIGKILL ('kafka.sh kill') the restarted node cannot re-register until its previous incarnation's
# session expires: 5 s instead of the default 9 s (heartbeats every 1 s instead of 2 s to keep the margin).
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=5000

# Small machine: few threads, modest segments.
num.network.threads=2
num.io.threads=4
log.segment.bytes=67108864
log.retention.hours=24
EOF
}

random_cluster_id() {
  # 16 random bytes, URL-safe base64 without padding (like Kafka's Uuid). Kafka never hands out ids that start
  # with '-' (they would parse as a command-line option), so neither do we.
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

format_storage_once() {
  if [[ -f "$KAFKA_DATA_DIR/meta.properties" ]]; then
    say "storage already formatted (cluster $(cluster_id_of "$KAFKA_DATA_DIR")) in $KAFKA_DATA_DIR"
    return 0
  fi
  mkdir -p "$KAFKA_DATA_DIR"
  local cluster_id output
  cluster_id="$(random_cluster_id)"
  say "formatting KRaft storage in $KAFKA_DATA_DIR (cluster id $cluster_id)"
  if ! output="$("$JAVA" -Xmx256m -Dlog4j2.configurationFile="$SCRIPT_DIR/log4j2.xml" -Dkafka.logs.dir="$LOG_DIR" \
      -Dkafka.log.file=format.log -cp "$(cat "$CLASSPATH_FILE")" kafka.tools.StorageTool format \
      --config "$PROPERTIES_FILE" --cluster-id "$cluster_id" 2>&1)"; then
    printf '%s\n' "$output" >&2
    die "formatting the storage failed (see above and $LOG_DIR/format.log). If $KAFKA_DATA_DIR holds something else, 'kafka.sh clean' or point KAFKA_DATA_DIR elsewhere."
  fi
  say "  ${output##*$'\n'}"
}

# ---------------------------------------------------------------------------------------------------------------
# Commands

cmd_start() {
  mkdir -p "$RUNTIME_DIR"
  # Two concurrent starts (a developer and a test run) must not launch two brokers.
  exec 9>"$LOCK_FILE"
  flock -w 300 9 || die "another 'kafka.sh start' has held $LOCK_FILE for 5 minutes; is it stuck?"

  local pid
  if pid="$(broker_pid)"; then
    local running_data_dir
    running_data_dir="$(info_value data_dir)"
    if [[ -n "$running_data_dir" && "$running_data_dir" != "$KAFKA_DATA_DIR" ]]; then
      die "a broker (pid $pid) already runs on port $KAFKA_PORT with data dir $running_data_dir, not $KAFKA_DATA_DIR. Stop it first ('kafka.sh stop') or use another KAFKA_PORT."
    fi
    find_node
    if wait_ready 3 --quiet; then
      say "already running and ready (pid $pid, port $KAFKA_PORT, Kafka $(info_value version))"
      return 0
    fi
    say "already running (pid $pid) but not ready yet; waiting up to ${KAFKA_START_TIMEOUT}s..."
    wait_ready "$KAFKA_START_TIMEOUT" \
      || die "the broker (pid $pid) did not become ready. Look at $LOG_FILE (and $STDOUT_FILE); 'kafka.sh restart' may help."
    return 0
  fi

  find_java
  find_node
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_in_use "$port"; then
      die "port $port on 127.0.0.1 is already in use by a process this script did not start (see: ss -ltnp 'sport = :$port'). Stop it, or set KAFKA_PORT / KAFKA_CONTROLLER_PORT."
    fi
  done

  resolve_classpath
  local version
  version="$(kafka_version)"
  write_properties
  format_storage_once

  say "starting Kafka ${version:-?} (Java $JAVA_VERSION) on 127.0.0.1:$KAFKA_PORT, controller :$KAFKA_CONTROLLER_PORT"
  say "  data: $KAFKA_DATA_DIR"
  say "  log:  $LOG_FILE"
  # setsid + nohup: the broker outlives the shell, the test runner and a Ctrl-C in the terminal that started it.
  # Stdin comes from /dev/null and fd 9 (the lock) is closed, so the broker holds neither.
  # JVM flags besides the heap follow Kafka's own bin/kafka-run-class.sh.
  # The inner bash writes its own pid, then execs java: the pid file names the JVM whatever setsid does.
  rm -f "$PID_FILE"
  local log_lines_before=0
  [[ -f "$LOG_FILE" ]] && log_lines_before="$(wc -l <"$LOG_FILE")"
  # shellcheck disable=SC2086,SC2016 # KAFKA_HEAP_OPTS is a list of flags; $$ and $0 are the inner bash's
  setsid nohup bash -c 'echo $$ >"$0" && exec "$@"' "$PID_FILE" "$JAVA" $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$SCRIPT_DIR/log4j2.xml" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$(cat "$CLASSPATH_FILE")" kafka.Kafka "$PROPERTIES_FILE" \
    </dev/null >"$STDOUT_FILE" 2>&1 9>&- &
  local tries=0
  until pid="$(read_pid)" && [[ -n "$pid" ]]; do
    (( ++tries > 50 )) && die "the broker process did not start (no pid in $PID_FILE); see $STDOUT_FILE"
    sleep 0.1
  done
  printf 'data_dir=%s\nversion=%s\nstarted=%s\n' "$KAFKA_DATA_DIR" "$version" "$(date -Is)" >"$INFO_FILE"

  say "launched (pid $pid); waiting up to ${KAFKA_START_TIMEOUT}s for a metadata request to succeed..."
  local started=$SECONDS
  if ! wait_ready "$KAFKA_START_TIMEOUT" --pid "$pid"; then
    if ! alive "$pid"; then
      echo "---- last lines of $STDOUT_FILE ----" >&2; tail -n 20 "$STDOUT_FILE" >&2 || true
      echo "---- last lines this start wrote to $LOG_FILE ----" >&2
      tail -n "+$((log_lines_before + 1))" "$LOG_FILE" 2>/dev/null | grep -v $'^\t' | tail -n 40 >&2 || true
      die "the broker exited during start-up. Read $LOG_FILE and $STDOUT_FILE."
    fi
    die "the broker (pid $pid, still running) was not ready within ${KAFKA_START_TIMEOUT}s. Read $LOG_FILE; then 'kafka.sh stop' or raise KAFKA_START_TIMEOUT."
  fi
  say "ready: 127.0.0.1:$KAFKA_PORT (pid $pid, Kafka ${version:-?}, $((SECONDS - started))s after launch)"
}

# A live process; a zombie (exited, not yet reaped) does not count.
alive() { [[ -r "/proc/$1/stat" ]] && [[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != "Z" ]]; }

# wait_gone <pid> <seconds>: 0 once the process is gone, 1 on timeout.
wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  while alive "$pid"; do
    (( SECONDS >= deadline )) && return 1
    sleep 0.2
  done
}

cmd_stop() {
  local pid
  if ! pid="$(broker_pid)"; then
    say "not running (port $KAFKA_PORT)"
    rm -f "$PID_FILE"
    return 0
  fi
  say "stopping (pid $pid): SIGTERM, controlled shutdown, up to ${KAFKA_STOP_TIMEOUT}s..."
  kill -TERM "$pid" 2>/dev/null || true
  local started=$SECONDS
  if ! wait_gone "$pid" "$KAFKA_STOP_TIMEOUT"; then
    say "still running after ${KAFKA_STOP_TIMEOUT}s: sending SIGKILL (data is kept; the next start recovers the logs)"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || die "pid $pid survived SIGKILL"
  fi
  rm -f "$PID_FILE"
  say "stopped ($((SECONDS - started))s)"
}

cmd_kill() {
  local pid
  if ! pid="$(broker_pid)"; then
    say "not running (port $KAFKA_PORT)"
    rm -f "$PID_FILE"
    return 0
  fi
  say "killing (pid $pid) with SIGKILL; data in $KAFKA_DATA_DIR is kept"
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 10 || die "pid $pid survived SIGKILL"
  rm -f "$PID_FILE"
  say "killed"
}

cmd_status() {
  local pid version data_dir
  version="$(info_value version)"
  data_dir="$(info_value data_dir)"
  if ! pid="$(broker_pid)"; then
    say "not running (port $KAFKA_PORT; data dir $KAFKA_DATA_DIR$([[ -f "$KAFKA_DATA_DIR/meta.properties" ]] && echo ', formatted' || echo ', not formatted'))"
    return 3
  fi
  find_node
  if wait_ready 3 --quiet; then
    say "running and ready: pid $pid, Kafka ${version:-?}, 127.0.0.1:$KAFKA_PORT, cluster $(cluster_id_of "$data_dir")"
    say "  data: $data_dir"
    say "  log:  $LOG_FILE"
    return 0
  fi
  say "running but NOT ready: pid $pid, Kafka ${version:-?}, 127.0.0.1:$KAFKA_PORT (see $LOG_FILE)"
  return 1
}

cmd_clean() {
  cmd_stop
  if [[ -d "$KAFKA_DATA_DIR" ]]; then
    say "deleting data dir $KAFKA_DATA_DIR"
    rm -rf -- "$KAFKA_DATA_DIR"
  else
    say "no data dir at $KAFKA_DATA_DIR"
  fi
  rm -f "$INFO_FILE"
}

cmd_logs() {
  [[ -f "$LOG_FILE" ]] || die "no log yet at $LOG_FILE"
  local lines="${1:-100}"
  [[ "$lines" =~ ^[0-9]+$ ]] || die "usage: kafka.sh logs [number-of-lines]"
  tail -n "$lines" "$LOG_FILE"
}

usage() {
  cat <<EOF
usage: bash infra/kafka/kafka.sh <command>

  start     start the broker if needed and wait until it answers (idempotent)
  stop      graceful stop (SIGTERM, up to KAFKA_STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT}s, then SIGKILL)
  kill      SIGKILL the broker; its data is kept
  restart   stop, then start
  status    running/ready, pid, version (exit 0 ready, 1 running but not ready, 3 not running)
  clean     stop and delete the data dir ($KAFKA_DATA_DIR)
  logs [N]  print the last N (100) lines of the broker log

Port $KAFKA_PORT / controller $KAFKA_CONTROLLER_PORT; override with KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_DATA_DIR.
EOF
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  kill) cmd_kill ;;
  restart) cmd_stop; cmd_start ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  logs) cmd_logs "${2:-}" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
