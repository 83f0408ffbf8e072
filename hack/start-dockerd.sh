#!/usr/bin/env bash
# Start dockerd when it is installed and not running (nothing starts it on
# these machines). Docker tests fail under CI=true when it is unavailable.
set -u
command -v dockerd >/dev/null || exit 0
# Docker Hub through the loopback registry (hack/registry.sh), as air-gapped fleets are set
# up; 127.0.0.0/8 spoken to over plain HTTP. Written only when it differs; a running dockerd
# reloads these two settings on SIGHUP, so it is not restarted and its containers live on.
if [ "$(id -u)" = 0 ] && command -v python3 >/dev/null; then
  changed=$(KUBE_MIRROR="http://${KUBE_REGISTRY:-127.0.0.1:5000}" python3 - <<'EOF'
import json, os
path = "/etc/docker/daemon.json"
try:
    with open(path) as f:
        conf = json.load(f)
except (OSError, ValueError):
    conf = {}
want = dict(conf, **{"registry-mirrors": [os.environ["KUBE_MIRROR"]], "insecure-registries": ["127.0.0.0/8"]})
if want != conf:
    os.makedirs("/etc/docker", exist_ok=True)
    with open(path, "w") as f:
        json.dump(want, f, indent=2)
    print("changed")
EOF
)
  if [ "$changed" = changed ] && docker info >/dev/null 2>&1 && [ -s /var/run/docker.pid ]; then
    kill -HUP "$(cat /var/run/docker.pid)" && sleep 1
  fi
fi
docker info >/dev/null 2>&1 && exit 0
[ "$(id -u)" = 0 ] || exit 0
mkdir -p /var/log
nohup dockerd >/var/log/kube-dockerd.log 2>&1 &
for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done
echo "dockerd did not start; see /var/log/kube-dockerd.log" >&2
exit 0
