"""The image puller's decisions against a fake Docker API and clock: the back-off after a
failed pull (10 s doubling to 5 min, per pod and image, forgotten on success), the policies,
credentials tried in turn, and one pull for callers that overlap."""

from __future__ import annotations

import asyncio
import threading

import docker
import pytest

from kube.node.image_puller import ImagePuller
from kube.node.pull_credentials import Credential, Keyring


class FakeApi:
    def __init__(self) -> None:
        self.present: set[str] = set()
        self.pulls: list[dict] = []
        self.fail: str | None = "manifest unknown"
        self.accept_user = ""  # non-empty: only this user's pulls succeed
        self.gate: threading.Event | None = None

    def inspect_image(self, image: str) -> dict:
        if image not in self.present:
            raise docker.errors.NotFound("no such image")
        return {"Size": 123, "RepoDigests": []}

    def pull(self, name: str, tag: str, stream: bool, decode: bool, auth_config: dict):
        self.pulls.append(auth_config)
        if self.gate is not None:
            self.gate.wait(10)
        if self.fail:
            yield {"error": self.fail, "errorDetail": {"message": self.fail}}
            return
        if self.accept_user and auth_config.get("username") != self.accept_user:
            yield {"error": "unauthorized", "errorDetail": {"message": "unauthorized: authentication required"}}
            return
        self.present.add(f"{name}:{tag}")
        yield {"status": "Digest: sha256:" + "a" * 64}


class FakeClient:
    def __init__(self) -> None:
        self.api = FakeApi()


@pytest.fixture
def setup():
    now = [1000.0]
    client = FakeClient()
    events: list[tuple[str, str]] = []
    puller = ImagePuller(client, lambda pod, kind, reason, message, c: events.append((reason, message)),
                         clock=lambda: now[0])
    return puller, client.api, now, events


POD = {"metadata": {"uid": "u1"}}
IMAGE = "127.0.0.1:5000/team/app:1"


def container(policy: str = "IfNotPresent", image: str = IMAGE) -> dict:
    return {"name": "c", "image": image, "imagePullPolicy": policy}


async def test_back_off_doubles_to_the_cap_and_success_forgets_it(setup):
    puller, api, now, events = setup
    ring = Keyring()
    delays = []
    assert (await puller.ensure(POD, container(), ring))[0] == "ErrImagePull"
    for _ in range(7):
        attempts = len(api.pulls)
        waited = 0.0
        while (result := await puller.ensure(POD, container(), ring))[0] == "ImagePullBackOff":
            assert len(api.pulls) == attempts and "manifest unknown" in result[1]  # no pull meanwhile
            now[0] += 1.0
            waited += 1.0
        assert result[0] == "ErrImagePull" and len(api.pulls) == attempts + 1
        delays.append(waited)
    assert delays[:5] == [10.0, 20.0, 40.0, 80.0, 160.0] and delays[5:] == [300.0, 300.0]
    api.fail = None
    now[0] += 301
    assert await puller.ensure(POD, container(), ring) is None
    assert any(r == "Pulled" and m.startswith(f'Successfully pulled image "{IMAGE}" in ') for r, m in events)
    api.present.clear()
    api.fail = "boom"
    assert (await puller.ensure(POD, container(), ring))[0] == "ErrImagePull"
    now[0] += 10.5  # success reset the back-off: 10 s again
    assert (await puller.ensure(POD, container(), ring))[0] == "ErrImagePull"


async def test_policies(setup):
    puller, api, now, events = setup
    reason, message = await puller.ensure(POD, container("Never"), Keyring())
    assert reason == "ErrImageNeverPull" and not api.pulls
    api.present.add(IMAGE)
    assert await puller.ensure(POD, container("Never"), Keyring()) is None
    assert await puller.ensure(POD, container("IfNotPresent"), Keyring()) is None and not api.pulls
    api.fail = None
    assert await puller.ensure(POD, container("Always"), Keyring()) is None and len(api.pulls) == 1
    reason, message = await puller.ensure(POD, container("Always", "Bad Image"), Keyring())
    assert reason == "InvalidImageName"
    reason, message = await puller.ensure(POD, container("IfNotPresent", "kube.local/nope:1"), Keyring())
    assert reason == "ErrImagePull" and "never pulls kube.local images" in message and len(api.pulls) == 1


async def test_each_matching_credential_is_tried_in_turn(setup):
    puller, api, now, events = setup
    api.fail, api.accept_user = None, "right"
    ring = Keyring([("127.0.0.1:5000/team", Credential("wrong", "x", "127.0.0.1:5000/team")),
                    ("127.0.0.1:5000", Credential("right", "y", "127.0.0.1:5000"))])
    assert await puller.ensure(POD, container(), ring) is None
    assert [p["username"] for p in api.pulls] == ["wrong", "right"]  # the most specific first


async def test_overlapping_callers_share_one_pull(setup):
    puller, api, now, events = setup
    api.fail, api.gate = None, threading.Event()
    pods = [{"metadata": {"uid": f"u{i}"}} for i in range(3)]
    tasks = [asyncio.ensure_future(puller.ensure(p, container(), Keyring())) for p in pods]
    await asyncio.sleep(0.3)
    api.gate.set()
    assert await asyncio.gather(*tasks) == [None, None, None]
    assert len(api.pulls) == 1 and puller.pulls == 1
