"""Image references as Docker normalizes them (pure): which registry host an image
comes from, its repository, and the tag or digest to pull.

`busybox` is `docker.io/library/busybox:latest`; a first path component with a `.` or
a `:`, or `localhost`, names a registry host (`127.0.0.1:5000/team/app:1`).
"""

from __future__ import annotations

from dataclasses import dataclass

DOCKER_HUB = "docker.io"
LOCAL_ONLY = "kube.local"  # images `kube images build` makes; no registry serves this host


@dataclass(frozen=True)
class ImageRef:
    registry: str  # "docker.io", "127.0.0.1:5000"
    repository: str  # "library/busybox", "team/app"
    tag: str = ""
    digest: str = ""  # "sha256:..."

    @property
    def name(self) -> str:
        """registry/repository, as credentials are matched against it."""
        return f"{self.registry}/{self.repository}"

    @property
    def pull_name(self) -> str:
        """What Docker's /images/create takes as fromImage (Hub images without docker.io/)."""
        if self.registry == DOCKER_HUB:
            return self.repository.removeprefix("library/")
        return self.name

    @property
    def pull_tag(self) -> str:
        return self.digest or self.tag or "latest"

    def pulled_as(self, digest: str) -> str:
        """The imageID Kubernetes shows for a pulled image: repo@digest."""
        return f"{self.pull_name}@{digest}"


def parse_image(image: str) -> ImageRef:
    """Split an image reference; raises ValueError on one Docker would refuse."""
    text = image.strip()
    if not text or text != image or any(c.isspace() for c in text):
        raise ValueError(f'invalid image reference "{image}"')
    reference, _, digest = text.partition("@")
    if digest and not digest.startswith("sha256:"):
        raise ValueError(f'invalid image reference "{image}": unsupported digest "{digest}"')
    first, slash, rest = reference.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = DOCKER_HUB, reference
    last = path.rsplit("/", 1)[-1]
    tag = ""
    if ":" in last:
        path, _, tag = path.rpartition(":")
    if not path or path.startswith("/") or path.endswith("/") or "//" in path or path != path.lower():
        raise ValueError(f'invalid image reference "{image}"')
    if registry == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    return ImageRef(registry, path, tag, digest)
