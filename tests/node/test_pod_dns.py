"""A pod's resolv.conf per dnsPolicy and dnsConfig, as the kubelet writes it."""

from __future__ import annotations

from pathlib import Path

from kube.component.resolv_conf import ResolvConf, parse_resolv_conf
from kube.node.pod_dns import ClusterDNS, pod_resolv_conf, resolv_conf_bind, write_pod_resolv_conf

HOST = ResolvConf(["192.168.1.1", "192.168.1.2"], ["corp.example"], ["edns0", "timeout:2"])
DNS = ClusterDNS(["10.96.0.10"], "cluster.local")


def pod(namespace: str = "prod", **spec) -> dict:
    return {"metadata": {"name": "p", "namespace": namespace, "uid": "u-1"}, "spec": {"containers": [], **spec}}


def test_cluster_first_is_the_default() -> None:
    conf = pod_resolv_conf(pod(), DNS, HOST)
    assert conf.render() == ("nameserver 10.96.0.10\n"
                             "search prod.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
                             "options ndots:5\n")
    assert pod_resolv_conf(pod(dnsPolicy="ClusterFirst"), DNS, HOST) == conf


def test_host_network_pods_get_the_host_unless_cluster_first_with_host_net() -> None:
    assert pod_resolv_conf(pod(hostNetwork=True), DNS, HOST) == HOST
    with_net = pod_resolv_conf(pod(hostNetwork=True, dnsPolicy="ClusterFirstWithHostNet"), DNS, HOST)
    assert with_net.nameservers == ["10.96.0.10"] and with_net.options == ["ndots:5"]
    assert pod_resolv_conf(pod(dnsPolicy="ClusterFirstWithHostNet"), DNS, HOST) == pod_resolv_conf(pod(), DNS, HOST)


def test_default_and_no_cluster_dns_give_the_host_file() -> None:
    assert pod_resolv_conf(pod(dnsPolicy="Default"), DNS, HOST) == HOST
    assert pod_resolv_conf(pod(), ClusterDNS([], "cluster.local"), HOST) == HOST  # as the kubelet's fallback


def test_none_takes_only_dns_config() -> None:
    conf = pod_resolv_conf(pod(dnsPolicy="None", dnsConfig={
        "nameservers": ["1.2.3.4"], "searches": ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"],
        "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]}), DNS, HOST)
    assert conf.render() == ("nameserver 1.2.3.4\nsearch ns1.svc.cluster-domain.example my.dns.search.suffix\n"
                             "options ndots:2 edns0\n")  # Kubernetes' documented example


def test_dns_config_merges_into_any_policy() -> None:
    conf = pod_resolv_conf(pod(dnsConfig={
        "nameservers": ["10.96.0.10", "8.8.8.8", "9.9.9.9", "1.1.1.1"], "searches": ["prod.svc.cluster.local", "x"],
        "options": [{"name": "ndots", "value": "1"}, {"name": "single-request"}]}), DNS, HOST)
    assert conf.nameservers == ["10.96.0.10", "8.8.8.8", "9.9.9.9"]  # no duplicates, at most three
    assert conf.searches == ["prod.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "x"]
    assert conf.options == ["ndots:1", "single-request"]  # same name replaced


def test_written_in_the_pod_dir_and_parsed_back(tmp_path: Path) -> None:
    host_file = tmp_path / "host-resolv.conf"
    host_file.write_text("# comment\nnameserver 192.168.1.1\ndomain old.example\nsearch corp.example\noptions edns0\n")
    dns = ClusterDNS(["10.96.0.10"], "cluster.local", str(host_file))
    path = write_pod_resolv_conf(pod(dnsPolicy="Default"), dns, str(tmp_path / "root"))
    assert path == str(tmp_path / "root" / "pods" / "u-1" / "resolv.conf")
    assert parse_resolv_conf(Path(path).read_text()) == ResolvConf(["192.168.1.1"], ["corp.example"], ["edns0"])
    assert resolv_conf_bind(path) == f"{path}:/etc/resolv.conf"
    missing = ClusterDNS([], "cluster.local", str(tmp_path / "none"))
    assert Path(write_pod_resolv_conf(pod(), missing, str(tmp_path / "root"))).read_text() == "\n"  # an empty file
