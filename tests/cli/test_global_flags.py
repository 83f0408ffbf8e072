"""Connection flags before the verb (`kube -n shop --kubeconfig K get cm`), as kubectl users type them."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from kube.apiserver.server import APIServer
from kube.cli.global_flags import move_global_flags
from kube.cli.main import COMMANDS
from tests.cli.conftest import Kube


def test_flags_before_the_verb_move_behind_it() -> None:
    argv = ["--kubeconfig", "K", "-n", "shop", "get", "pods", "-o", "wide"]
    assert move_global_flags(argv, COMMANDS) == ["get", "pods", "-o", "wide", "--kubeconfig", "K", "-n", "shop"]
    assert move_global_flags(["--kubeconfig=K", "-nshop", "get", "cm"], COMMANDS) == \
        ["get", "cm", "--kubeconfig=K", "-nshop"]


def test_flags_stay_in_front_of_a_double_dash() -> None:
    assert move_global_flags(["-n", "x", "apply", "-f", "a", "--", "b"], COMMANDS) == \
        ["apply", "-f", "a", "-n", "x", "--", "b"]


def test_anything_else_is_left_for_the_parser() -> None:
    for argv in (["--version"], ["--help"], ["-n", "x"], ["-n", "x", "nosuch", "pods"], ["--bogus", "get", "pods"],
                 ["get", "pods", "-n", "x"], []):
        assert move_global_flags(argv, COMMANDS) == argv


flag_words = st.sampled_from([["--kubeconfig", "K"], ["-n", "ns"], ["--namespace=ns"], ["-nns"], ["--context", "c"],
                              ["--api-servers", "https://127.0.0.1:1"], ["-s", "u"], ["--request-timeout", "5"]])
verb_words = st.lists(st.sampled_from(["pods", "-o", "wide", "-A", "web", "-w"]), max_size=5)


@given(st.lists(flag_words, max_size=4), st.sampled_from(sorted(COMMANDS)), verb_words)
def test_moving_keeps_every_word_and_puts_the_verb_first(flags: list[list[str]], verb: str, rest: list[str]) -> None:
    before = [w for pair in flags for w in pair]
    moved = move_global_flags([*before, verb, *rest], COMMANDS)
    assert moved == [verb, *rest, *before]


async def test_namespace_and_kubeconfig_before_get(kube: Kube, server: APIServer, kubeconfig: Path,
                                                  tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
                                      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: prices, namespace: shop}\n")
    applied = await kube("--kubeconfig", str(kubeconfig), "apply", "-f", str(tmp_path / "cm.yaml"), config=False)
    assert applied.code == 0, applied.err
    in_shop = await kube("-n", "shop", "--kubeconfig", str(kubeconfig), "get", "configmaps", config=False)
    assert in_shop.code == 0 and "prices" in in_shop.out
    in_default = await kube(f"--kubeconfig={kubeconfig}", "get", "configmaps", "prices", config=False)
    assert in_default.code == 1 and "not found" in in_default.err
    by_server = await kube("--kubeconfig", str(kubeconfig), "-s", server.url, "-nshop", "get", "cm", "-o", "name",
                           config=False)
    assert by_server.code == 0 and by_server.out.strip() == "configmap/prices"
