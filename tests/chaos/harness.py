"""A chaos cluster under load with its oracles: the supervisor's processes, the write load
and its resuming watch, the pod ceiling, and the convergence checks, started together and
judged after every restart."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.chaos.convergence import Convergence, PodCeiling
from tests.chaos.official_client import TIMEOUT, Servers
from tests.chaos.record import RECORD
from tests.chaos.supervisor import ChaosCluster
from tests.chaos.write_oracle import WriteOracle

NAMESPACE = "chaos"  # the Deployments of the convergence checks
LOAD_NAMESPACE = "chaos-load"  # the ConfigMaps of the write load


class ChaosHarness:
    def __init__(self, cluster: ChaosCluster, scenario: str) -> None:
        self.cluster, self.scenario = cluster, scenario
        kubeconfig, urls = str(cluster.kubeconfig), cluster.urls
        self.servers = Servers(kubeconfig, urls)
        # each thread its own clients; the watches start on another server than the load
        self.oracle = WriteOracle(Servers(kubeconfig, urls), Servers(kubeconfig, urls[1:] + urls[:1]),
                                  LOAD_NAMESPACE)
        self.ceiling = PodCeiling(Servers(kubeconfig, urls[-1:] + urls[:-1]), NAMESPACE)
        self.convergence = Convergence(self.servers, NAMESPACE, self.ceiling)
        self._started = False

    def start(self) -> None:
        """Every component, nodes Ready, the namespaces, then the load and the watches."""
        self.cluster.start_all()
        self.wait_nodes_ready()
        for ns in (NAMESPACE, LOAD_NAMESPACE):
            self.servers.call(lambda s, ns=ns: s.core.create_namespace(
                {"metadata": {"name": ns}}, _request_timeout=TIMEOUT), attempts=20)
        self.ceiling.start()
        self.oracle.start()
        self._started = True

    def wait_nodes_ready(self, count: int | None = None) -> None:
        want = self.cluster.nodes if count is None else count

        def ready() -> bool:
            nodes = json.loads(self.servers.core.list_node(_preload_content=False, _request_timeout=TIMEOUT).data)
            return sum(1 for n in nodes["items"] if any(c["type"] == "Ready" and c["status"] == "True" for c in
                                                        (n.get("status") or {}).get("conditions") or [])) >= want
        self.convergence.wait(f"{want} Ready nodes", ready)

    def converge(self, label: str) -> float:
        """One round's proof after a restart: convergence, every acknowledged write seen once, the ceiling held."""
        seconds = self.convergence.check(label)
        verdict = self.oracle.settle()
        assert verdict.ok(), f"after {label}: {verdict.summary()}; lost {verdict.lost[:5]}"
        assert not self.ceiling.violations, self.ceiling.violations
        assert self.oracle.watch.gone == 0 and self.ceiling.watch.gone == 0, "a watch got 410 Gone"
        self.cluster.assert_running()
        return seconds

    def rounds(self, component: str, count: int, restart: Callable[[], object] | None = None) -> None:
        """`count` times: SIGKILL the component, start it again, prove the cluster converged."""
        for i in range(count):
            (restart or (lambda: self.cluster.restart(component)))()
            seconds = self.converge(f"{component}-r{i}")
            RECORD.survived(f"{self.scenario}: {component}", seconds)

    def finish(self) -> None:
        """Stop the load, wait for the last events, judge every write and count it in the record."""
        self.oracle.load.stop()
        verdict = self.oracle.settle()
        self.oracle.watch.stop()
        self.ceiling.stop()
        RECORD.writes_checked += verdict.writes_acknowledged
        RECORD.events_checked += verdict.events_seen
        RECORD.lost += len(verdict.lost)
        RECORD.duplicated += len(verdict.duplicated)
        RECORD.unacknowledged_seen += verdict.unacknowledged_seen
        RECORD.relists += self.oracle.watch.gone + self.ceiling.watch.gone
        RECORD.pod_events += self.ceiling.events
        RECORD.ceiling_violations += len(self.ceiling.violations)
        RECORD.notes.append(f"{self.scenario}: {verdict.summary()}; watch resumed {self.oracle.watch.resumes} "
                            f"times; load writes without answer {self.oracle.load.failed}; most pods per "
                            f"Deployment {max(self.ceiling.most.values(), default=0)}")
        assert verdict.writes_acknowledged > 0 and verdict.events_seen >= verdict.writes_acknowledged
        assert verdict.ok(), verdict.summary()
        assert not self.ceiling.violations, self.ceiling.violations
        assert self.oracle.watch.gone == 0 and self.ceiling.watch.gone == 0

    def close(self) -> None:
        if self._started:
            self.oracle.stop()
            self.ceiling.stop()
        self.cluster.stop_all()
        self.servers.close()
