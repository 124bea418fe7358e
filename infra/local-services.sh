#!/usr/bin/env bash
# Make sure the services Chorus needs answer on this machine: PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379)
# are used when they answer and started when they do not; the Kafka broker is started from infra/kafka.
# `local-services.sh postgres` sees to PostgreSQL only (the middle test tier needs nothing else).
set -euo pipefail
only="${1:-}"
case "$only" in ''|postgres) ;; *) echo "[services] ERROR: unknown argument \"$only\"; use no argument (everything) or \"postgres\"" >&2; exit 2 ;; esac
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[services] %s\n' "$*"; }
wait_for() { # what, command...
  local what="$1"; shift
  for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  echo "[services] ERROR: $what did not come up within 30 s" >&2; exit 1
}

if pg_isready -q -h 127.0.0.1 -p 5432; then
  say "PostgreSQL answers on 127.0.0.1:5432"
else
  say "PostgreSQL is down: starting it"
  command -v pg_ctlcluster >/dev/null || { echo "[services] ERROR: PostgreSQL is not installed (apt-get install -y postgresql)" >&2; exit 1; }
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  wait_for "PostgreSQL" pg_isready -q -h 127.0.0.1 -p 5432
fi
[ "$only" = postgres ] && exit 0

if [ "$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = "PONG" ]; then
  say "Redis answers on 127.0.0.1:6379"
else
  say "Redis is down: starting it"
  command -v redis-server >/dev/null || { echo "[services] ERROR: Redis is not installed (apt-get install -y redis-server)" >&2; exit 1; }
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for "Redis" sh -c '[ "$(redis-cli -h 127.0.0.1 ping)" = PONG ]'
fi

bash infra/kafka/kafka.sh start
