#!/usr/bin/env bash
# The loopback registry of `make up`: Debian's docker-registry (the CNCF distribution
# registry) on $KUBE_REGISTRY (default 127.0.0.1:5000), storage under .cluster/registry.
# dockerd uses it as its Docker Hub mirror (hack/start-dockerd.sh); `kube images build`
# pushes the local images into it. It listens on loopback only: nothing reaches outside.
#   bash hack/registry.sh start|stop|status
set -u
ADDR=${KUBE_REGISTRY:-127.0.0.1:5000}
DIR=${KUBE_REGISTRY_DIR:-.cluster/registry}
HOST=${ADDR%:*}
PORT=${ADDR##*:}
PID_FILE="$DIR/registry.pid"

answers() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

ours() {  # the pid file names a docker-registry process (not a reused pid)
  local pid
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q docker-registry && echo "$pid"
}

case "${1:-}" in
start)
  if answers; then echo "registry: $ADDR already answers"; exit 0; fi
  if ! command -v docker-registry >/dev/null; then
    echo "registry: docker-registry is not installed (bash hack/install-deps.sh): no mirror, no pushes" >&2
    exit 0
  fi
  mkdir -p "$DIR/data"
  cat >"$DIR/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $(cd "$DIR" && pwd)/data
  delete:
    enabled: true
http:
  addr: $ADDR
EOF
  nohup docker-registry serve "$DIR/config.yml" >>"$DIR/registry.log" 2>&1 &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 60); do
    if answers; then echo "registry: serving on $ADDR (log $DIR/registry.log)"; exit 0; fi
    sleep 0.25
  done
  echo "registry: did not start; see $DIR/registry.log" >&2
  exit 1
  ;;
stop)
  if pid=$(ours); then
    kill "$pid" && echo "registry: stopped (pid $pid)"
  else
    echo "registry: not running"
  fi
  rm -f "$PID_FILE"
  ;;
status)
  if answers; then echo "registry: $ADDR answers"; else echo "registry: $ADDR does not answer"; exit 1; fi
  ;;
*)
  echo "usage: $0 start|stop|status" >&2
  exit 2
  ;;
esac
