"""The audit log's cost per request: one in-process API server with a Metadata-level policy
for everything (every stage logged: two events a request; and with RequestReceived omitted,
as production policies usually do: one), alternating blocks of sequential GETs and creates
with the auditor on and off (the machine's load drifts over all alike; separate servers
swing 2x here).

    .venv/bin/pytest tests/bench/test_audit_bench.py --benchmark-enable -s

The figures go to docs/benchmarks.md ("Audit log").
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from kube.apiserver.audit.policy import parse
from kube.apiserver.auth.pki import ensure_pki
from kube.apiserver.server import APIServer
from tests.apiserver.conftest import ADMIN_TOKEN, Api, ca_file, client_session, server_config

POLICY = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
ONE_STAGE = parse({"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "omitStages": ["RequestReceived"],
                   "rules": [{"level": "Metadata"}]})
MODES = ("off", "all stages", "one stage")
GETS, CREATES = 100, 20


async def _block(api: Api, tag: str) -> tuple[float, float]:
    started = time.perf_counter()
    for k in range(GETS):
        assert (await api.get(f"/api/v1/namespaces/default/configmaps/c{k % 20}"))[0] == 200
    got = time.perf_counter() - started
    started = time.perf_counter()
    for k in range(CREATES):
        cm = {"metadata": {"name": f"{tag}-{k}"}, "data": {"a": "b"}}
        assert (await api.post("/api/v1/namespaces/default/configmaps", cm))[0] == 201
    return got / GETS, (time.perf_counter() - started) / CREATES


async def test_audit_at_metadata_level_costs_per_get_and_create(benchmark: Any, tmp_path: Path) -> None:
    rounds = 4 if benchmark.disabled else 20  # make test: a short run that both modes serve
    ensure_pki(str(tmp_path), ["127.0.0.1", "localhost"])
    (tmp_path / "tokens.csv").write_text(f'{ADMIN_TOKEN},kube-admin,kube-admin,"system:masters"\n')
    (tmp_path / "policy.yaml").write_text(POLICY)
    log = tmp_path / "audit.log"
    srv = APIServer(server_config(tmp_path, tmp_path, audit_policy_file=str(tmp_path / "policy.yaml"),
                                  audit_log_path=str(log)))
    await srv.start()
    assert srv.state is not None
    auditor = srv.state.audit
    assert auditor is not None
    every_stage = auditor.policy
    spent: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}
    try:
        async with client_session(srv.url, ca_file(tmp_path), ADMIN_TOKEN) as s:
            api = Api(s, srv)
            for i in range(20):
                assert (await api.post("/api/v1/namespaces/default/configmaps",
                                       {"metadata": {"name": f"c{i}"}, "data": {"a": "b"}}))[0] == 201
            for r in range(rounds):
                for i, mode in enumerate(MODES):
                    srv.state.audit = None if mode == "off" else auditor
                    auditor.policy = ONE_STAGE if mode == "one stage" else every_stage
                    spent[mode].append(await _block(api, f"r{r}-{i}"))
            auditor.policy = every_stage
            srv.state.audit = auditor
            _, metrics = await api.get("/metrics")
    finally:
        await srv.stop()
    assert 'apiserver_audit_error_total{plugin="log"} 0.0' in metrics  # nothing dropped
    events = log.read_bytes().count(b"\n")
    assert events >= rounds * (GETS + CREATES) * 3  # every audited request logged (plus setup's)
    for what, i in (("GET", 0), ("create", 1)):
        off = statistics.median(t[i] for t in spent["off"]) * 1e6
        line = f"\n{what}: audit off {off:.0f} us"
        for mode in MODES[1:]:
            on = statistics.median(t[i] for t in spent[mode]) * 1e6
            ratio = statistics.median(a[i] / b[i] for a, b in zip(spent[mode], spent["off"], strict=True))
            line += f"; {mode} {on:.0f} us, on/off {ratio:.3f}"
            benchmark.extra_info[f"{what}_{mode}_ratio"] = round(ratio, 3)
        print(f"{line} (medians of {rounds} block pairs)")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
