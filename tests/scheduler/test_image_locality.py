"""ImageLocality and BalancedAllocation scoring."""

from __future__ import annotations

from kube.scheduler.config import Profile
from tests.scheduler.objects import HOST, node, pod, schedule_all

MB = 1024 * 1024


def test_prefers_the_node_that_has_the_image():
    with_image = node("warm", images=[{"names": ["docker.io/library/redis:7"], "sizeBytes": 500 * MB}])
    s = schedule_all([node("cold"), with_image, node("cold2")], [pod("p", image="redis:7")])
    assert s.binder.bound["default/p"] == "warm"


def test_small_images_do_not_count():
    tiny = node("warm", images=[{"names": ["busybox:latest"], "sizeBytes": 1 * MB}])
    picks = {schedule_all([node("cold"), tiny], [pod("p", image="busybox")], seed=seed).binder.bound["default/p"]
             for seed in range(8)}
    assert picks == {"cold", "warm"}  # below the 23MB threshold: a tie either way


def test_balanced_allocation_prefers_even_use():
    # a: half its cpu and memory used; b: no cpu, 60% memory. A cpu-only pod keeps a more even
    # (75%/50%) than b (25%/60%), while LeastAllocated prefers b's free room.
    nodes = [node("a", cpu="4", memory="10Gi"), node("b", cpu="4", memory="10Gi")]
    fill = [pod("fa", cpu="2", memory="5Gi", nodeSelector={HOST: "a"}),
            pod("fb", cpu=None, memory="6Gi", nodeSelector={HOST: "b"})]
    x = pod("x", cpu="1", memory=None)
    x["spec"]["containers"][0]["resources"]["requests"]["memory"] = "1"  # ~0: not the 200Mi default
    only_balance = Profile(weights={"NodeResourcesFit": 0, "ImageLocality": 0})
    assert schedule_all(nodes, fill + [x], profiles=[only_balance]).binder.bound["default/x"] == "a"
    assert schedule_all(nodes, fill + [x]).binder.bound["default/x"] == "b"
