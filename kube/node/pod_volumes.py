"""Pod volumes on the node's disk: emptyDir, hostPath, configMap, secret and projected.

Each lives under <root-dir>/pods/<uid>/volumes/<type>/<name> (hostPath excepted)
and is bind-mounted into the containers that mount it; the directory goes when
the pod does. ConfigMap and Secret files are written atomically (tmp + rename)
from the data the agent read (PodConfig.volume_data): nothing here talks to the API.
Projected volumes (the ServiceAccount token, ca.crt, namespace) are rewritten by
`refresh_projected` on every sync where their data changed: the directory is what is
bind-mounted, so a renamed-in file is what the container reads next (a renewed token).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

from kube.api.meta import Obj
from kube.node.runtime import ContainerConfigError


def pod_dir(root_dir: str, uid: str) -> str:
    return os.path.join(root_dir, "pods", uid)


def _write(path: str, data: str | bytes, mode: int) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _safe_join(base: str, relative: str) -> str:
    full = os.path.normpath(os.path.join(base, relative))
    if not full.startswith(base.rstrip("/") + "/"):
        raise ContainerConfigError(f"path {relative!r} escapes the volume")
    return full


def prepare_volumes(pod: Obj, root_dir: str, volume_data: Mapping[str, Mapping[str, str] | None]) -> dict[str, str]:
    """Create every volume of the pod (configMap/secret ones from `volume_data`, by volume name);
    returns volume name -> host path."""
    uid = str((pod.get("metadata") or {}).get("uid", ""))
    base = os.path.join(pod_dir(root_dir, uid), "volumes")
    paths: dict[str, str] = {}
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        name = str(volume.get("name", ""))
        if "emptyDir" in volume:
            path = os.path.join(base, "empty-dir", name)
            os.makedirs(path, exist_ok=True)
            os.chmod(path, 0o777)
        elif "hostPath" in volume:
            source = volume["hostPath"] or {}
            path = str(source.get("path", ""))
            kind = source.get("type") or ""
            if kind == "DirectoryOrCreate":
                os.makedirs(path, exist_ok=True)
            elif kind == "FileOrCreate" and not os.path.exists(path):
                _write(path, b"", 0o644)
            elif kind in ("Directory", "File") and not os.path.exists(path):
                raise ContainerConfigError(f"hostPath type check failed: {path} does not exist")
        elif "configMap" in volume or "secret" in volume:
            is_cm = "configMap" in volume
            source = volume["configMap" if is_cm else "secret"] or {}
            data = volume_data.get(name)
            path = os.path.join(base, "configmap" if is_cm else "secret", name)
            _fill(path, data or {}, source.get("items"), int(source.get("defaultMode", 0o644)))
        elif "projected" in volume:
            path = os.path.join(base, "projected", name)
            _fill(path, volume_data.get(name) or {}, None, int((volume["projected"] or {}).get("defaultMode", 0o644)))
        else:
            raise ContainerConfigError(f"volume {name!r}: only emptyDir, hostPath, configMap, secret and projected "
                                       f"are supported")
        paths[name] = path
    return paths


def _fill(path: str, data: Mapping[str, str], items: list[Obj] | None, mode: int) -> None:
    os.makedirs(path, exist_ok=True)
    wanted: dict[str, tuple[str, int]] = {}
    if items:
        for item in items:
            key = str(item.get("key", ""))
            if key not in data:
                raise ContainerConfigError(f"configmap/secret key {key!r} not found")
            wanted[str(item.get("path", key))] = (data[key], int(item.get("mode", mode)))
    else:
        wanted = {k: (v, mode) for k, v in data.items()}
    for relative, (text, file_mode) in wanted.items():
        _write(_safe_join(path, relative), text, file_mode)


def refresh_projected(pod: Obj, volume_paths: dict[str, str],
                      volume_data: Mapping[str, Mapping[str, str] | None]) -> int:
    """Rewrite the projected files whose content changed (a renewed token); how many were."""
    changed = 0
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        name = str(volume.get("name", ""))
        data, path = volume_data.get(name), volume_paths.get(name)
        if "projected" not in volume or not data or path is None:
            continue
        mode = int((volume["projected"] or {}).get("defaultMode", 0o644))
        for relative, text in data.items():
            target = _safe_join(path, relative)
            try:
                with open(target, encoding="utf-8") as f:
                    if f.read() == text:
                        continue
            except OSError:
                pass
            _write(target, text, mode)
            changed += 1
    return changed


def container_binds(container: Obj, volume_paths: dict[str, str]) -> list[str]:
    """Docker bind specs ("host:container:rw") for a container's volumeMounts."""
    binds = []
    for mount in container.get("volumeMounts") or []:
        host = volume_paths.get(str(mount.get("name", "")))
        if host is None:
            raise ContainerConfigError(f"volume {mount.get('name')!r} is mounted but not defined")
        if mount.get("subPath"):
            host = _safe_join(host, str(mount["subPath"]))
            if not os.path.exists(host):
                os.makedirs(host, exist_ok=True)
        binds.append(f"{host}:{mount.get('mountPath')}:{'ro' if mount.get('readOnly') else 'rw'}")
    return binds


def remove_pod_dir(root_dir: str, uid: str) -> None:
    if uid:
        shutil.rmtree(pod_dir(root_dir, uid), ignore_errors=True)
