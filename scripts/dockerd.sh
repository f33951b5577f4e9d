#!/usr/bin/env bash
# Starts or stops the project's own Docker daemon for tests, benchmarks and the demo.
#
#   scripts/dockerd.sh start   prints DOCKER_HOST=unix:///… once the daemon answers /_ping
#   scripts/dockerd.sh stop    stops the daemon this script started (by its pidfile)
#
# The daemon is isolated from any system one: its own socket, data root, exec root and
# pidfile under $IPCAT_DOCKERD_DIR (default /tmp/ipcat-dockerd), and no network
# (--bridge=none, no iptables). Needs root and Debian's docker.io.
set -euo pipefail
dir="${IPCAT_DOCKERD_DIR:-/tmp/ipcat-dockerd}"
sock="$dir/docker.sock"
pidfile="$dir/dockerd.pid"

case "${1:-}" in
start)
  if [[ $(id -u) -ne 0 ]]; then echo "dockerd.sh: needs root to start dockerd" >&2; exit 3; fi
  command -v dockerd >/dev/null || { echo "dockerd.sh: dockerd not found (apt-get install docker.io)" >&2; exit 3; }
  mkdir -p "$dir"
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "DOCKER_HOST=unix://$sock"
    exit 0
  fi
  rm -f "$sock" "$pidfile"
  nohup dockerd --host "unix://$sock" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$pidfile" \
    --bridge=none --iptables=false --ip6tables=false --log-level=warn >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 600); do
    if curl -fsS --unix-socket "$sock" http://docker/_ping >/dev/null 2>&1; then
      echo "DOCKER_HOST=unix://$sock"
      exit 0
    fi
    sleep 0.1
  done
  echo "dockerd.sh: dockerd did not answer within 60 s; see $dir/dockerd.log" >&2
  tail -5 "$dir/dockerd.log" >&2 || true
  exit 1
  ;;
stop)
  if [[ -f "$pidfile" ]]; then
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile" "$sock"
  fi
  ;;
*)
  echo "usage: scripts/dockerd.sh start|stop" >&2
  exit 2
  ;;
esac
