#!/usr/bin/env bash
# Runs a real single-node Apache Kafka broker (KRaft combined mode) from Maven Central jars, without Docker.
#   scripts/kafka.sh fetch | start | stop | status
# The jars are fetched once with `mvn dependency:copy-dependencies` into a cache outside the repo
# (PAYMENT_LEDGER_CACHE, default ~/.cache/payment-ledger); Maven uses its default repository.
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
SLF4J_VERSION="1.7.36"
CACHE="${PAYMENT_LEDGER_CACHE:-$HOME/.cache/payment-ledger}"
HOME_DIR="$CACHE/kafka-$KAFKA_VERSION"
LIB="$HOME_DIR/lib"
RUN_DIR="${KAFKA_RUN_DIR:-$CACHE/kafka-run}"
HOST="127.0.0.1"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
# How long `start` waits for the broker: a restart loads every partition of every topic the tests made, and a slow
# disk makes that long.
START_TIMEOUT_S="${KAFKA_START_TIMEOUT_S:-180}"

die() { echo "kafka.sh: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required but not installed ($2)"; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

fetch() {
  if [[ -f "$LIB/.complete" ]]; then return 0; fi
  need java "install a JDK 17, e.g. apt-get install openjdk-17-jre-headless"
  need mvn "install Apache Maven, e.g. apt-get install maven"
  mkdir -p "$HOME_DIR"
  cat >"$HOME_DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.payment-ledger</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
POM
  echo "kafka.sh: fetching Apache Kafka $KAFKA_VERSION jars into $LIB (once)" >&2
  rm -rf "$LIB"
  mvn -q -B -f "$HOME_DIR/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$LIB" -DincludeScope=runtime >"$HOME_DIR/fetch.log" 2>&1 \
    || { tail -n 30 "$HOME_DIR/fetch.log" >&2; die "could not fetch Kafka jars with Maven (see $HOME_DIR/fetch.log)"; }
  touch "$LIB/.complete"
}

write_config() {
  mkdir -p "$RUN_DIR/data" "$RUN_DIR/logs"
  cat >"$RUN_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN_DIR/data
num.partitions=4
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=168
num.recovery.threads.per.data.dir=2
PROPS
  cat >"$RUN_DIR/log4j.properties" <<LOG
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$RUN_DIR/logs/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
LOG
}

java_cmd() {
  java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$RUN_DIR/log4j.properties" -cp "$LIB/*" "$@"
}

running_pid() {
  [[ -f "$RUN_DIR/kafka.pid" ]] || return 1
  local pid; pid="$(cat "$RUN_DIR/kafka.pid")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Whether this start is done: `start` moves the previous start's log aside first, so a "started" line in the log
# (or in a file it rolled into: loading thousands of test partitions can write more than 20 MB) is this start's.
started() {
  grep -qs "Kafka Server started" "$RUN_DIR"/logs/server.log "$RUN_DIR"/logs/server.log.[0-9]
}

start() {
  if running_pid >/dev/null; then
    echo "kafka.sh: Kafka already running (pid $(running_pid)) on $HOST:$PORT" >&2; return 0
  fi
  if port_open "$PORT"; then
    echo "kafka.sh: something already listens on $HOST:$PORT; using it as the Kafka broker" >&2; return 0
  fi
  port_open "$CONTROLLER_PORT" && die "port $HOST:$CONTROLLER_PORT (Kafka controller) is taken by another process"
  fetch
  write_config
  if [[ ! -f "$RUN_DIR/data/meta.properties" ]]; then
    java_cmd kafka.tools.StorageTool format -t "$(java_cmd kafka.tools.StorageTool random-uuid)" \
      -c "$RUN_DIR/server.properties" --ignore-formatted >"$RUN_DIR/logs/format.log" 2>&1 \
      || { cat "$RUN_DIR/logs/format.log" >&2; die "formatting Kafka storage failed"; }
  fi
  for f in "$RUN_DIR"/logs/server.log "$RUN_DIR"/logs/server.log.[0-9]; do
    if [[ -f "$f" ]]; then mv "$f" "$RUN_DIR/logs/previous-$(basename "$f")"; fi
  done
  nohup java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$RUN_DIR/log4j.properties" -cp "$LIB/*" \
    kafka.Kafka "$RUN_DIR/server.properties" >"$RUN_DIR/logs/stdout.log" 2>&1 &
  echo $! >"$RUN_DIR/kafka.pid"
  for _ in $(seq 1 $((START_TIMEOUT_S * 2))); do
    if port_open "$PORT" && started; then
      echo "kafka.sh: Kafka $KAFKA_VERSION ready on $HOST:$PORT (pid $(cat "$RUN_DIR/kafka.pid"))" >&2; return 0
    fi
    running_pid >/dev/null || { tail -n 40 "$RUN_DIR/logs/stdout.log" "$RUN_DIR/logs/server.log" >&2 || true; die "Kafka exited during start-up"; }
    sleep 0.5
  done
  tail -n 40 "$RUN_DIR/logs/server.log" >&2 || true
  die "Kafka did not become ready within $START_TIMEOUT_S s (see $RUN_DIR/logs/server.log)"
}

stop() {
  local pid
  if pid="$(running_pid)"; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    echo "kafka.sh: Kafka stopped" >&2
  fi
  rm -f "$RUN_DIR/kafka.pid"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) if running_pid >/dev/null; then echo "running pid $(running_pid)"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: scripts/kafka.sh fetch|start|stop|status" >&2; exit 2 ;;
esac
