"""Wheels for the failed-upgrade test, made from a built one without another build: the
same files restamped with another version (its dist-info, METADATA, kube.__version__,
a fresh RECORD), and optionally with a node agent that exits at once."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

from hack.hosts.host import wheel_version

BROKEN_AGENT = 'raise SystemExit("kube node: broken on purpose (the failed-upgrade test)")'


def restamp(wheel: Path, version: str, directory: Path, broken_agent: bool = False) -> Path:
    old = wheel_version(wheel)
    directory.mkdir(parents=True, exist_ok=True)
    out = directory / wheel.name.replace(f"kube-{old}-", f"kube-{version}-")
    record_name, record = f"kube-{version}.dist-info/RECORD", []
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = info.filename.replace(f"kube-{old}.dist-info/", f"kube-{version}.dist-info/")
            if name == record_name:
                continue
            data = src.read(info)
            if name == "kube/__init__.py":
                data = data.replace(f'__version__ = "{old}"'.encode(), f'__version__ = "{version}"'.encode())
            elif name.endswith(".dist-info/METADATA"):
                data = data.replace(f"\nVersion: {old}\n".encode(), f"\nVersion: {version}\n".encode())
            elif name == "kube/node/command.py" and broken_agent:
                head = b"def run(args: argparse.Namespace) -> int:\n"
                assert head in data, "kube/node/command.py has no run() to break"
                data = data.replace(head, head + b"    " + BROKEN_AGENT.encode() + b"\n", 1)
            dst.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
        dst.writestr(record_name, "\n".join([*record, f"{record_name},,"]) + "\n")
    return out
