#!/usr/bin/env bash
# Start dockerd when it is installed and not running (nothing starts it on
# these machines). Docker tests fail under CI=true when it is unavailable.
set -u
command -v dockerd >/dev/null || exit 0
docker info >/dev/null 2>&1 && exit 0
[ "$(id -u)" = 0 ] || exit 0
mkdir -p /var/log
nohup dockerd >/var/log/kube-dockerd.log 2>&1 &
for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done
echo "dockerd did not start; see /var/log/kube-dockerd.log" >&2
exit 0
