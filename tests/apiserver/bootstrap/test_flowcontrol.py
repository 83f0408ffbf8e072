"""The APF bootstrap configuration: Kubernetes' mandatory and suggested FlowSchemas and
PriorityLevelConfigurations created at start, kept without rewrites across restarts on the SQLite
store, a tampered mandatory object restored, an edited suggested one restored unless its
autoupdate annotation says "false", and objects a user created left alone."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kube.apiserver.bootstrap.flowcontrol import AUTOUPDATE, bootstrap_configuration, revised
from kube.apiserver.server import APIServer
from kube.store.open import open_store
from tests.apiserver.conftest import ADMIN_TOKEN, Api, ca_file, client_session, server_config
from tests.conftest import free_port

FC = "/apis/flowcontrol.apiserver.k8s.io/v1"
FS, PL = f"{FC}/flowschemas", f"{FC}/prioritylevelconfigurations"
PREFIXES = ("/registry/flowschemas/", "/registry/prioritylevelconfigurations/")
MANDATORY_PL = {"exempt", "catch-all"}
SUGGESTED_PL = {"system", "node-high", "leader-election", "workload-high", "workload-low", "global-default"}
MANDATORY_FS = {"exempt", "catch-all"}
SUGGESTED_FS = {"system-nodes", "system-node-high", "probes", "system-leader-election", "endpoint-controller",
                "workload-leader-election", "kube-controller-manager", "kube-scheduler",
                "kube-system-service-accounts", "service-accounts", "global-default"}


@asynccontextmanager
async def serving(pki_dir: Path, state_dir: Path, port: int) -> AsyncIterator[Api]:
    srv = APIServer(server_config(pki_dir, state_dir, secure_port=port))
    await srv.start()
    try:
        async with client_session(srv.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
            yield Api(session, srv)
    finally:
        await srv.stop()


async def stored(state_dir: Path) -> dict[str, tuple[int, dict[str, Any]]]:
    """Every stored APF object, read from the store file itself: key -> (mod revision, object)."""
    store = await open_store(f"sqlite:{state_dir / 'state.db'}")
    try:
        out = {}
        for prefix in PREFIXES:
            for kv in (await store.range(prefix)).items:
                out[kv.key] = (kv.mod_revision, json.loads(kv.value))
        return out
    finally:
        await store.close()


async def tamper(state_dir: Path, key: str, change: Any) -> None:
    """Rewrite an object behind the API server's back (as an older server, or a hand edit of etcd)."""
    store = await open_store(f"sqlite:{state_dir / 'state.db'}")
    try:
        kv = await store.get(key)
        assert kv is not None, key
        obj = json.loads(kv.value)
        change(obj)
        await store.update(key, json.dumps(obj).encode(), expected_revision=kv.mod_revision)
    finally:
        await store.close()


async def names(api: Api, path: str) -> set[str]:
    status, listed = await api.get(path)
    assert status == 200, listed
    return {o["metadata"]["name"] for o in listed["items"]}


async def test_every_bootstrap_object_is_there_and_a_restart_rewrites_none(pki_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    async with serving(pki_dir, tmp_path, port) as api:
        assert await names(api, PL) == MANDATORY_PL | SUGGESTED_PL
        assert await names(api, FS) == MANDATORY_FS | SUGGESTED_FS
        _, exempt = await api.get(f"{FS}/exempt")
        assert exempt["metadata"]["annotations"] == {AUTOUPDATE: "true"} and exempt["status"] == {}
        assert exempt["spec"]["matchingPrecedence"] == 1 and "distinguisherMethod" not in exempt["spec"]
        assert exempt["spec"]["rules"][0]["subjects"] == [{"kind": "Group", "group": {"name": "system:masters"}}]
        _, catch_all = await api.get(f"{PL}/catch-all")
        assert catch_all["spec"] == {"type": "Limited", "limited": {
            "nominalConcurrencyShares": 5, "lendablePercent": 0, "limitResponse": {"type": "Reject"}}}
    before = await stored(tmp_path)
    assert len(before) == len(MANDATORY_PL | SUGGESTED_PL) + len(MANDATORY_FS | SUGGESTED_FS)
    async with serving(pki_dir, tmp_path, port) as api:
        assert await names(api, FS) == MANDATORY_FS | SUGGESTED_FS
    assert await stored(tmp_path) == before  # same objects at the same revisions: nothing was written


async def test_a_restart_restores_mandatory_objects_and_keeps_what_users_own(pki_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    mine = {"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema", "metadata": {"name": "jane"},
            "spec": {"priorityLevelConfiguration": {"name": "workload-low"}, "matchingPrecedence": 500,
                     "rules": [{"subjects": [{"kind": "User", "user": {"name": "jane"}}],
                                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}]}]}}
    async with serving(pki_dir, tmp_path, port) as api:
        assert (await api.post(FS, mine))[0] == 201
        assert (await api.delete(f"{FS}/catch-all"))[0] == 200
        for name, precedence, annotation in (("global-default", 9800, None), ("service-accounts", 8000, "false")):
            _, fs = await api.get(f"{FS}/{name}")
            fs["spec"]["matchingPrecedence"] = precedence
            if annotation:
                fs["metadata"]["annotations"][AUTOUPDATE] = annotation
            assert (await api.put(f"{FS}/{name}", fs))[0] == 200
        _, original = await api.get(f"{PL}/catch-all")

    def halve(obj: dict[str, Any]) -> None:
        obj["spec"]["limited"]["nominalConcurrencyShares"] = 1
        obj["metadata"]["annotations"][AUTOUPDATE] = "false"  # a mandatory object is restored all the same

    await tamper(tmp_path, "/registry/prioritylevelconfigurations/catch-all", halve)
    async with serving(pki_dir, tmp_path, port) as api:
        _, catch_all = await api.get(f"{PL}/catch-all")
        assert catch_all["spec"] == original["spec"]
        assert catch_all["metadata"]["annotations"][AUTOUPDATE] == "true"
        assert catch_all["metadata"]["uid"] == original["metadata"]["uid"]  # updated in place, not re-created
        status, fs = await api.get(f"{FS}/catch-all")
        assert status == 200 and fs["spec"]["matchingPrecedence"] == 10000  # deleted, created again
        _, global_default = await api.get(f"{FS}/global-default")
        assert global_default["spec"]["matchingPrecedence"] == 9900  # autoupdate "true": the edit is undone
        _, service_accounts = await api.get(f"{FS}/service-accounts")
        assert service_accounts["spec"]["matchingPrecedence"] == 8000  # "false": the admin's
        status, jane = await api.get(f"{FS}/jane")
        assert status == 200 and jane["spec"] == mine["spec"] and "annotations" not in jane["metadata"]


def _suggested(kind: str) -> dict[str, Any]:
    return next(copy.deepcopy(o) for o, mandatory in bootstrap_configuration() if not mandatory and o["kind"] == kind)


_annotations = st.one_of(st.none(), st.sampled_from(["true", "false", "True", "0", "yes", ""]))


@given(st.booleans(), _annotations, st.integers(1, 3), st.booleans())
def test_revision_follows_kubernetes_ensurer(mandatory: bool, annotation: str | None, generation: int,
                                            edited: bool) -> None:
    bootstrap = _suggested("FlowSchema")
    current = copy.deepcopy(bootstrap)
    current["metadata"] = {"name": bootstrap["metadata"]["name"], "generation": generation, "uid": "u-1",
                           **({"annotations": {AUTOUPDATE: annotation, "note": "x"}} if annotation is not None else {})}
    if edited:
        current["spec"]["matchingPrecedence"] += 1
    out = revised(current, bootstrap, mandatory)
    parsed = {"true": True, "True": True, "false": False, "0": False}.get(annotation or "")
    auto = mandatory or (parsed if parsed is not None else generation == 1)
    # up to date when the annotation already says what was decided and the spec is left as it is
    assert (out is None) == (parsed is auto and (not auto or not edited))
    if out is None:
        return
    kept = annotation if parsed is auto else ("true" if auto else "false")  # rewritten only when it disagrees
    assert out["metadata"]["annotations"][AUTOUPDATE] == kept
    assert out["spec"] == (bootstrap["spec"] if auto else current["spec"])
    assert out["metadata"]["uid"] == "u-1" and out["metadata"].get("annotations", {}).get("note") == (
        "x" if annotation is not None else None)
    assert revised(out, bootstrap, mandatory) is None  # one revision brings it up to date


def test_the_exempt_level_keeps_its_own_shares() -> None:
    exempt = next(copy.deepcopy(o) for o, mandatory in bootstrap_configuration()
                  if mandatory and o["kind"] == "PriorityLevelConfiguration" and o["metadata"]["name"] == "exempt")
    tuned = copy.deepcopy(exempt)
    tuned["spec"]["exempt"] = {"nominalConcurrencyShares": 10, "lendablePercent": 20}
    assert revised(tuned, exempt, True) is None
    tuned["spec"]["type"] = "Limited"
    assert revised(tuned, exempt, True)["spec"] == exempt["spec"]
