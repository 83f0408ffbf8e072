"""The plan of `kube up` must match the real flags of every command it starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.cli.main import build_parser
from kube.local.layout import ClusterDir
from kube.local.plan import LOG_FILES_KEPT, LOG_MAX_MB, ZONES, UpOptions, components, minion_names


def parse_as_kube(argv: list[str]):
    """Parse a component's argv (after `python -m kube`) with kube's own parser."""
    args = argv[3:]
    return build_parser(args).parse_args(args)


@pytest.mark.parametrize("runtime", ["simulated", "docker"])
def test_every_component_argv_parses_with_the_real_command(tmp_path: Path, runtime: str) -> None:
    cluster = ClusterDir(tmp_path)
    plan = components(cluster, UpOptions(port=7443, nodes=3), runtime)
    for comp in plan:
        args = parse_as_kube(comp.argv)
        assert args.command == comp.argv[3]


def test_simulated_plan_runs_one_fleet_over_the_three_zones(tmp_path: Path) -> None:
    plan = components(ClusterDir(tmp_path), UpOptions(nodes=3), "simulated")
    assert [c.name for c in plan] == ["apiserver", "scheduler", "controller-manager", "nodes"]
    args = parse_as_kube(plan[-1].argv)
    assert args.count == 3 and args.zones == "a,b,c"
    assert args.simulated


def test_docker_plan_runs_one_agent_per_minion_with_its_own_kubeconfig_and_zone(tmp_path: Path) -> None:
    cluster = ClusterDir(tmp_path)
    plan = components(cluster, UpOptions(nodes=3, kubelet_port=20000), "docker")
    minions = [c for c in plan if c.name.startswith("minion-")]
    assert [c.name for c in minions] == ["minion-a", "minion-b", "minion-c"]
    ports = set()
    for comp, zone in zip(minions, ZONES, strict=True):
        args = parse_as_kube(comp.argv)
        assert args.runtime == "docker"
        assert args.hostname_override == comp.name
        assert args.zone == zone
        assert args.kubeconfig == str(cluster.component_kubeconfig(comp.name))
        assert args.root_dir.startswith(str(tmp_path))
        ports.add(args.port)
    assert ports == {20000, 20001, 20002}


def test_controller_manager_gets_the_node_loss_timeouts(tmp_path: Path) -> None:
    plan = components(ClusterDir(tmp_path), UpOptions(node_monitor_grace_period=6, pod_eviction_seconds=4),
                      "simulated")
    cm = next(c for c in plan if c.name == "controller-manager")
    args = parse_as_kube(cm.argv)
    assert args.node_monitor_grace_period == 6
    assert args.default_not_ready_toleration_seconds == 4


def test_apiserver_uses_the_embedded_store_under_the_cluster_dir_by_default(tmp_path: Path) -> None:
    api = components(ClusterDir(tmp_path), UpOptions(port=7443), "simulated")[0]
    args = parse_as_kube(api.argv)
    assert args.store == f"sqlite:{tmp_path / 'state.db'}"
    assert args.secure_port == 7443 and args.bind_address == "127.0.0.1"


def test_an_etcd_store_becomes_etcd_servers(tmp_path: Path) -> None:
    api = components(ClusterDir(tmp_path), UpOptions(store="etcd:http://127.0.0.1:2379"), "simulated")[0]
    assert parse_as_kube(api.argv).etcd_servers == "http://127.0.0.1:2379"


@given(st.integers(min_value=1, max_value=40))
def test_minion_names_are_unique_and_zones_balanced(count: int) -> None:
    names = minion_names(count)
    assert len({n for n, _ in names}) == count
    per_zone = [sum(1 for _, z in names if z == zone) for zone in ZONES]
    assert max(per_zone) - min(per_zone) <= 1
    assert all(name.startswith(f"minion-{zone}") for name, zone in names)


def test_health_ports_follow_kubernetes_layout_or_are_off(tmp_path: Path) -> None:
    def ports(opts: UpOptions) -> dict[str, int]:
        plan = components(ClusterDir(tmp_path), opts, "simulated")
        return {c.name: parse_as_kube(c.argv).port for c in plan if c.name in ("scheduler", "controller-manager")}

    assert ports(UpOptions()) == {"controller-manager": 10257, "scheduler": 10259}
    assert ports(UpOptions(health_port=0)) == {"controller-manager": 0, "scheduler": 0}


def test_a_second_cluster_gets_its_own_node_names_and_pod_range(tmp_path: Path) -> None:
    opts = UpOptions(name_prefix="t1", cluster_cidr="10.244.192.0/18")
    plan = components(ClusterDir(tmp_path), opts, "docker")
    assert [c.name for c in plan][3:6] == ["t1-a", "t1-b", "t1-c"]
    cm = next(c for c in plan if c.name == "controller-manager")
    assert parse_as_kube(cm.argv).cluster_cidr == "10.244.192.0/18"
    fleet = components(ClusterDir(tmp_path), opts, "simulated")[-1]
    assert parse_as_kube(fleet.argv).name_prefix == "t1"


@pytest.mark.parametrize("runtime", ["simulated", "docker"])
def test_every_component_logs_to_its_own_file_rotated_by_size(tmp_path: Path, runtime: str) -> None:
    cluster = ClusterDir(tmp_path)
    for comp in components(cluster, UpOptions(nodes=3), runtime):
        args = parse_as_kube(comp.argv)
        assert args.log_file == str(cluster.log_file(comp.name))
        assert args.log_file_max_size == LOG_MAX_MB and args.log_files_kept == LOG_FILES_KEPT


def test_docker_plan_runs_one_proxy_and_one_dns_for_the_machine_not_one_per_minion(tmp_path: Path) -> None:
    cluster = ClusterDir(tmp_path)
    plan = components(cluster, UpOptions(nodes=3, cluster_cidr="10.250.0.0/16"), "docker")
    names = [c.name for c in plan]
    assert names.count("proxy") == 1 and names.count("dns") == 1
    proxy = parse_as_kube(next(c for c in plan if c.name == "proxy").argv)
    assert proxy.cluster_cidr == "10.250.0.0/16" and proxy.port == 10256
    assert proxy.kubeconfig == str(cluster.component_kubeconfig("proxy"))
    assert proxy.local_nodes == "minion-a,minion-b,minion-c"  # one proxy: every minion is local to it
    dns = parse_as_kube(next(c for c in plan if c.name == "dns").argv)
    assert dns.dns_port == 10053


def test_beside_another_cluster_the_machine_daemons_take_no_fixed_port(tmp_path: Path) -> None:
    plan = components(ClusterDir(tmp_path), UpOptions(nodes=1, health_port=0), "docker")
    assert parse_as_kube(next(c for c in plan if c.name == "proxy").argv).port == 0
    dns = parse_as_kube(next(c for c in plan if c.name == "dns").argv)
    assert dns.dns_port == 0 and dns.port == 0


def test_simulated_minions_get_no_proxy_or_dns(tmp_path: Path) -> None:
    names = [c.name for c in components(ClusterDir(tmp_path), UpOptions(nodes=3), "simulated")]
    assert "proxy" not in names and "dns" not in names
