"""The test hosts, for a person: `up --count N`, `down`, `image`, `list`.

    python3 hack/hosts/hosts.py up --count 3     # what `make hosts HOSTS=3` runs
    python3 hack/hosts/hosts.py down             # what `make hosts-down` runs

Standard library only (it runs before any venv). docs/hosts.md says how it works.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `hack.hosts` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hack.hosts.fleet import Fleet, FleetError  # noqa: E402
from hack.hosts.host import HostError  # noqa: E402
from hack.hosts.image import ImageError, ensure_image  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def outer_blackholes() -> None:
    """The outer machine gets the safety routes too (before any pod can start)."""
    subprocess.run(["bash", str(REPO / "hack/blackhole-routes.sh")], check=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="hosts.py", description=__doc__.splitlines()[0])
    p.add_argument("--prefix", default="kube-host", help="names of everything made (default kube-host)")
    p.add_argument("--subnet", default="172.31.240.0/24", help="the hosts' network (host i is .10+i)")
    p.add_argument("--state-dir", default=str(REPO / ".hosts"), help="keys and inventory (default .hosts/)")
    sub = p.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="build the image if its recipe changed, then run N hosts")
    up.add_argument("--count", type=int, default=3)
    sub.add_parser("down", help="remove every container, volume and network the hosts made")
    sub.add_parser("image", help="build the host image (a no-op when its hash is there)")
    sub.add_parser("list", help="the hosts that run now")
    args = p.parse_args(argv)
    fleet = Fleet(args.prefix, args.subnet, Path(args.state_dir))
    try:
        if args.cmd == "image":
            built = ensure_image()
            print(f"{built.tag} {'built' if built.created else 'up to date'} ({built.seconds:.1f}s)")
        elif args.cmd == "up":
            built = ensure_image()
            print(f"image {built.tag} {'built' if built.created else 'cached'} ({built.seconds:.1f}s)")
            outer_blackholes()
            t0 = time.monotonic()
            hosts = fleet.up(args.count, built.tag)
            print(f"{len(hosts)} host(s) up in {time.monotonic() - t0:.1f}s on {fleet.network} ({fleet.subnet}):")
            for h in hosts:
                print(f"  {h.name:<16} {h.ip}")
            print(f"inventory: {fleet.state_dir / 'hosts.yml'}")
            print(f"ssh:       ssh -F {fleet.state_dir / 'ssh_config'} {hosts[0].name}")
        elif args.cmd == "down":
            removed = fleet.down()
            print(f"removed: {', '.join(removed)}" if removed else "nothing to remove")
        elif args.cmd == "list":
            for h in fleet.hosts():
                print(f"{h.name:<16} {h.ip}")
    except (FleetError, ImageError, HostError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except FileNotFoundError as e:
        print(f"error: {e.filename} not found (run `make deps`)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
