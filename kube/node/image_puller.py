"""Image pulls for the docker runtime, as the kubelet's image manager does them.

Before a container starts, its `imagePullPolicy` decides: `Never` runs only an image
already here (else `ErrImageNeverPull`), `IfNotPresent` pulls when it is missing,
`Always` pulls every time (a `:latest` or untagged image defaults to Always). A pull
goes through the Docker Engine API (`POST /images/create`, the credentials in the
`X-Registry-Auth` header), trying each credential the pod's keyring matches for the
image's registry, most specific first, else anonymously. Events: `Pulling`, `Pulled`
(`Successfully pulled image "x" in 1.2s. Image size: N bytes.`), `Failed`.

A failed pull is `ErrImagePull` with the registry's answer; the same pod and image are
not tried again until a back-off passes (10 s doubling to 5 min), meanwhile
`ImagePullBackOff`. Two pods wanting one image while it is being pulled wait for the
same pull (single-flight per image and credentials), so the registry sees one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import docker

from kube.api.defaults.pod import pull_policy_for
from kube.api.meta import Obj
from kube.node.image_ref import LOCAL_ONLY, ImageRef, parse_image
from kube.node.pull_credentials import Credential, Keyring

log = logging.getLogger("kube.node.images")
BACKOFF_INITIAL = 10.0
BACKOFF_CAP = 300.0
Event = Callable[[Obj, str, str, str, str], None]  # (pod, type, reason, message, container)


class PullError(Exception):
    """A pull failed: the message is what the daemon (and through it, the registry) answered."""


@dataclass(frozen=True)
class Pulled:
    digest: str
    size: int


def duration(seconds: float) -> str:
    """Like Go's time.Duration: 51ms, 1.2s, 2m3.5s."""
    if seconds < 1:
        return f"{max(seconds * 1000, 0):.0f}ms"
    if seconds < 60:
        return f"{seconds:.3g}s" if seconds < 10 else f"{seconds:.1f}s"
    return f"{int(seconds // 60)}m{seconds % 60:.1f}s"


class ImagePuller:
    def __init__(self, client: docker.DockerClient, event: Event, *, backoff_initial: float = BACKOFF_INITIAL,
                 backoff_cap: float = BACKOFF_CAP, clock: Callable[[], float] = time.monotonic) -> None:
        self.docker = client
        self.event = event
        self.backoff_initial = backoff_initial
        self.backoff_cap = backoff_cap
        self.clock = clock
        self.pulls = 0  # pulls sent to the daemon (single-flight makes this smaller than the pulls asked for)
        self.changed = False  # an image arrived since the agent last read the node's images
        self._inflight: dict[tuple, asyncio.Future[Pulled]] = {}
        self._backoff: dict[str, tuple[float, float, str]] = {}  # pod uid/image -> (delay, until, last error)
        self._image_ids: dict[str, str] = {}

    # --- the decision -------------------------------------------------------------------------------

    async def ensure(self, pod: Obj, container: Obj, keyring: Keyring) -> tuple[str, str] | None:
        """None when the container's image is here to run; else (waiting reason, message)."""
        name, image = str(container.get("name", "")), str(container.get("image", ""))
        policy = str(container.get("imagePullPolicy") or pull_policy_for(image))
        try:
            ref = parse_image(image)
        except ValueError as exc:
            message = f"Failed to apply default image tag {image!r}: {exc}"
            self.event(pod, "Warning", "InspectFailed", message, name)
            return "InvalidImageName", message
        present = await asyncio.to_thread(self._present, image)
        if policy == "Never" or (policy == "IfNotPresent" and present):
            if present:
                self.event(pod, "Normal", "Pulled", f'Container image "{image}" already present on machine', name)
                return None
            message = f'Container image "{image}" is not present with pull policy of Never'
            self.event(pod, "Warning", "ErrImageNeverPull", message, name)
            return "ErrImageNeverPull", message
        key = f"{(pod.get('metadata') or {}).get('uid', '')}/{image}"
        held = self._backoff.get(key)
        if held is not None and self.clock() < held[1]:
            self.event(pod, "Normal", "BackOff", f'Back-off pulling image "{image}"', name)
            return "ImagePullBackOff", f'Back-off pulling image "{image}": ErrImagePull: {held[2]}'
        if ref.registry != LOCAL_ONLY:  # a kube.local/ image is never pulled: no Pulling to announce
            self.event(pod, "Normal", "Pulling", f'Pulling image "{image}"', name)
        started = time.monotonic()
        try:
            pulled = await self.pull(ref, image, keyring.lookup(ref))
        except PullError as exc:
            delay = self.backoff_initial if held is None else min(self.backoff_cap, held[0] * 2)
            self._backoff[key] = (delay, self.clock() + delay, str(exc))
            self.event(pod, "Warning", "Failed", f'Failed to pull image "{image}": {exc}', name)
            self.event(pod, "Warning", "Failed", "Error: ErrImagePull", name)
            return "ErrImagePull", str(exc)
        self._backoff.pop(key, None)
        self.event(pod, "Normal", "Pulled", f'Successfully pulled image "{image}" in '
                   f"{duration(time.monotonic() - started)}. Image size: {pulled.size} bytes.", name)
        return None

    def forget_pod(self, uid: str) -> None:
        for key in [k for k in self._backoff if k.startswith(f"{uid}/")]:
            del self._backoff[key]

    # --- the pull ------------------------------------------------------------------------------------

    async def pull(self, ref: ImageRef, image: str, credentials: list[Credential]) -> Pulled:
        """Pull once for everyone asking for the same image with the same credentials meanwhile."""
        flight = (ref.pull_name, ref.pull_tag, tuple(credentials))
        task = self._inflight.get(flight)
        if task is None:
            task = asyncio.ensure_future(asyncio.to_thread(self._pull, ref, image, credentials))
            self._inflight[flight] = task
            task.add_done_callback(lambda _t: self._inflight.pop(flight, None))
        return await asyncio.shield(task)

    def _pull(self, ref: ImageRef, image: str, credentials: list[Credential]) -> Pulled:
        if ref.registry == LOCAL_ONLY:
            raise PullError(f'"{image}" is not on this node, and this cluster never pulls {LOCAL_ONLY} images: they '
                            f"are made here (kube images build makes {LOCAL_ONLY}/busybox:1 and {LOCAL_ONLY}/pause:1)")
        self.pulls += 1
        error: PullError | None = None
        for credential in credentials or [None]:
            try:
                digest = self._pull_once(ref, credential)
            except PullError as exc:
                error = exc
                continue
            inspect = self.docker.api.inspect_image(image)
            self.changed = True
            self._image_ids.clear()
            log.info("pulled %s (%s)%s", image, digest, f" as {credential.source}" if credential else "")
            return Pulled(digest or _repo_digest(inspect, ref), int(inspect.get("Size") or 0))
        assert error is not None
        raise error

    def _pull_once(self, ref: ImageRef, credential: Credential | None) -> str:
        auth = credential.auth_config() if credential is not None else {}  # {}: never the host's config.json
        digest = ""
        try:
            for line in self.docker.api.pull(ref.pull_name, tag=ref.pull_tag, stream=True, decode=True,
                                             auth_config=auth):
                if line.get("error"):
                    detail = (line.get("errorDetail") or {}).get("message") or line["error"]
                    raise PullError(f"Error response from daemon: {detail}")
                status = str(line.get("status") or "")
                if status.startswith("Digest: "):
                    digest = status.removeprefix("Digest: ").strip()
        except docker.errors.APIError as exc:
            raise PullError(f"Error response from daemon: {exc.explanation or exc}") from None
        except docker.errors.DockerException as exc:
            raise PullError(str(exc)) from None
        return digest

    # --- what is here ---------------------------------------------------------------------------------

    def _present(self, image: str) -> bool:
        try:
            self.docker.api.inspect_image(image)
            return True
        except docker.errors.NotFound:
            return False

    def image_id(self, docker_image_id: str, image: str) -> str:
        """A container's imageID as Kubernetes shows it: docker-pullable://repo@sha256:... when the
        image came from a registry, else docker://sha256:... (blocking; cached per image)."""
        key = f"{docker_image_id} {image}"
        if key not in self._image_ids:
            shown = f"docker://{docker_image_id}" if docker_image_id else ""
            try:
                ref = parse_image(image)
                inspect = self.docker.api.inspect_image(docker_image_id)
                digest = _repo_digest(inspect, ref)
                if digest:
                    shown = f"docker-pullable://{ref.pulled_as(digest)}"
            except (ValueError, docker.errors.DockerException):
                pass
            if len(self._image_ids) > 1024:
                self._image_ids.clear()
            self._image_ids[key] = shown
        return self._image_ids[key]


def _repo_digest(inspect: Obj, ref: ImageRef) -> str:
    """The digest the image was pulled by from `ref`'s repository ("" when it never was)."""
    digests = [str(d) for d in inspect.get("RepoDigests") or []]
    for entry in digests:
        repo, _, digest = entry.partition("@")
        if repo in (ref.pull_name, ref.name, f"docker.io/{ref.pull_name}"):
            return digest
    return ""
