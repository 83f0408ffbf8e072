"""Image references as Docker normalizes them, and pull-secret credentials matched per
registry host as the kubelet's keyring does (pure)."""

from __future__ import annotations

import base64
import json

import pytest

from kube.node.image_puller import duration
from kube.node.image_ref import parse_image
from kube.node.pull_credentials import Keyring, credentials_from_secret


@pytest.mark.parametrize(("image", "registry", "repository", "tag", "pull_name"), [
    ("busybox", "docker.io", "library/busybox", "", "busybox"),
    ("busybox:1.36", "docker.io", "library/busybox", "1.36", "busybox"),
    ("team/app", "docker.io", "team/app", "", "team/app"),
    ("docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", "busybox"),
    ("127.0.0.1:5000/team/app:1", "127.0.0.1:5000", "team/app", "1", "127.0.0.1:5000/team/app"),
    ("localhost/app", "localhost", "app", "", "localhost/app"),
    ("kube.local/busybox:1", "kube.local", "busybox", "1", "kube.local/busybox"),
    ("reg.example:443/a/b/c@sha256:" + "0" * 64, "reg.example:443", "a/b/c", "", "reg.example:443/a/b/c"),
])
def test_parse_image(image, registry, repository, tag, pull_name):
    ref = parse_image(image)
    assert (ref.registry, ref.repository, ref.tag, ref.pull_name) == (registry, repository, tag, pull_name)


@pytest.mark.parametrize("image", ["", " busybox", "Team/App", "reg.example/", "a//b", "x@md5:00"])
def test_bad_references_are_refused(image):
    with pytest.raises(ValueError, match="invalid image reference"):
        parse_image(image)


def test_pull_tag_is_the_digest_then_the_tag_then_latest():
    assert parse_image("busybox").pull_tag == "latest"
    assert parse_image("busybox:1").pull_tag == "1"
    assert parse_image("busybox@sha256:" + "a" * 64).pull_tag == "sha256:" + "a" * 64


def secret(auths: dict, legacy: bool = False) -> tuple[str, dict[str, str]]:
    if legacy:
        return "kubernetes.io/dockercfg", {".dockercfg": json.dumps(auths)}
    return "kubernetes.io/dockerconfigjson", {".dockerconfigjson": json.dumps({"auths": auths})}


def entry(user: str, password: str = "pw", via_auth: bool = False) -> dict:
    if via_auth:
        return {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}
    return {"username": user, "password": password}


def users(ring: Keyring, image: str) -> list[str]:
    return [c.username for c in ring.lookup(parse_image(image))]


def test_host_path_port_and_glob_matching():
    kind, data = secret({
        "https://registry.example/v2/": entry("host"),
        "registry.example/team": entry("team", via_auth=True),
        "*.mirror.example": entry("glob"),
        "127.0.0.1:5000": entry("loop"),
        "index.docker.io": entry("hub"),
    })
    ring = Keyring(credentials_from_secret(kind, data, "default/s"))
    assert users(ring, "registry.example/team/app:1") == ["team", "host"]  # most specific first
    assert users(ring, "registry.example/other/app") == ["host"]
    assert users(ring, "eu.mirror.example/x") == ["glob"]
    assert users(ring, "a.eu.mirror.example/x") == []  # a glob stands for one host part
    assert users(ring, "127.0.0.1:5000/x") == ["loop"]
    assert users(ring, "127.0.0.1:5001/x") == []  # another port
    assert users(ring, "127.0.0.1/x") == []
    assert users(ring, "busybox") == ["hub"]
    assert users(ring, "docker.io/team/app") == ["hub"]


def test_the_old_dockercfg_form_and_broken_secrets():
    kind, data = secret({"http://127.0.0.1:5000": entry("old", "s3", via_auth=True)}, legacy=True)
    [(key, cred)] = credentials_from_secret(kind, data, "ns/old")
    assert key == "127.0.0.1:5000" and (cred.username, cred.password) == ("old", "s3")
    assert cred.auth_config() == {"username": "old", "password": "s3", "serveraddress": "http://127.0.0.1:5000"}
    assert credentials_from_secret("kubernetes.io/dockerconfigjson", {".dockerconfigjson": "{not json"}, "x") == []
    assert credentials_from_secret("Opaque", {"token": "x"}, "x") == []
    assert credentials_from_secret(*secret({"h": {"auth": "%%%"}}), "x") == []
    assert not Keyring([])


def test_duration_reads_like_go():
    assert duration(0.0512) == "51ms"
    assert duration(1.234) == "1.23s"
    assert duration(12.34) == "12.3s"
    assert duration(125.5) == "2m5.5s"
