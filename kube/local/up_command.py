"""`kube up`: start a working local cluster in the background under `.cluster/`.

Running it twice is harmless: components already running are left alone.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import subprocess
from pathlib import Path

from kube.cli.main import CliError
from kube.local import processes
from kube.local.layout import ClusterDir
from kube.local.plan import UpOptions, components
from kube.local.readiness import wait_ready


def ensure_credentials(cluster: ClusterDir, port: int) -> None:
    from kube.apiserver.auth.kubeconfig import write_kubeconfig
    from kube.apiserver.auth.pki import ensure_pki

    paths = ensure_pki(str(cluster.pki), ["127.0.0.1", "localhost"])
    tokens = cluster.pki / "tokens.csv"
    if not tokens.exists():
        tokens.write_text(f'{secrets.token_hex(24)},kube-admin,kube-admin,"system:masters"\n')
        tokens.chmod(0o600)
    write_kubeconfig(str(cluster.kubeconfig), f"https://127.0.0.1:{port}", paths.ca_cert,
                     cert_file=paths.admin_cert, key_file=paths.admin_key)


def docker_usable() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def run(args: argparse.Namespace) -> int:
    cluster = ClusterDir(Path(args.dir).resolve())
    cluster.create()
    opts = UpOptions(port=args.port, store=args.store, nodes=args.nodes, runtime=args.runtime)
    runtime = opts.runtime
    if runtime == "docker" and not docker_usable():
        print("Docker is not available here: running simulated minions instead.")
        runtime = "simulated"
    if runtime == "docker":
        from kube.node.images import ImageBuildError, build_images

        try:
            build_images()
        except ImageBuildError as exc:
            print(f"could not build the local images ({exc}): running simulated minions instead.")
            runtime = "simulated"
    ensure_credentials(cluster, opts.port)
    server = f"https://127.0.0.1:{opts.port}"
    for comp in components(cluster, opts, runtime):
        if not comp.available():
            print(f"  {comp.name:<20} not in this build yet, skipped")
            continue
        pid = processes.running(cluster, comp.name)
        if pid:
            print(f"  {comp.name:<20} already running (pid {pid})")
        else:
            pid = processes.start(cluster, comp.name, comp.argv, comp.env)
            print(f"  {comp.name:<20} started (pid {pid}, log {cluster.log_file(comp.name)})")
        if comp.name == "apiserver":
            ok = wait_ready(server, str(cluster.pki / "ca.crt"), timeout=args.timeout,
                            alive=lambda: processes.running(cluster, "apiserver") is not None)
            if not ok:
                raise CliError(f"the API server did not become ready; see {cluster.log_file('apiserver')}")
    print(f"""
The cluster is up: API server {server}, state in {cluster.root}.
Use it:
  export KUBECONFIG={cluster.kubeconfig}
  .venv/bin/kube get ns
  .venv/bin/kubectl get nodes -o wide
Stop it with `make down` (data is kept under {cluster.root}).""")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("up", help="start a local cluster in the background")
    p.add_argument("--dir", default=".cluster", help="state directory (default .cluster)")
    p.add_argument("--port", type=int, default=6443, help="API server port (default 6443)")
    p.add_argument("--store", default="", help="sqlite:PATH (default .cluster/state.db) or etcd:URL,...")
    p.add_argument("--nodes", type=int, default=3, help="number of minions (default 3)")
    p.add_argument("--runtime", choices=["docker", "simulated"], default="docker")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for readiness")
    p.set_defaults(func=run)
