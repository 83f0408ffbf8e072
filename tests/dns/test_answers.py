"""The answer table: every record kind of Kubernetes' DNS specification, as wire replies."""

from __future__ import annotations

from dnslib import RCODE, DNSRecord

from kube.dns.answers import AnswerTable, question_key
from kube.dns.records import cluster_records
from tests.dns.cluster_objects import answers, endpoint_slice, query, rcode, service

D = "cluster.local"


def table(services: list, slices: list) -> AnswerTable:
    t = AnswerTable(D)
    t.load(cluster_records(services, slices, D))
    return t


def reply(t: AnswerTable, name: str, qtype: str = "A") -> bytes:
    q = query(name, qtype)
    out = t.answer(q)
    if out is None:
        found = question_key(q)
        assert found is not None and t.is_cluster_name(DNSRecord.parse(q).questions[0].qname.idna().lower())
        out = t.synthesize(q, found)
    parsed = DNSRecord.parse(out)
    assert parsed.header.id == 4321 and parsed.header.qr == 1 and parsed.header.rd == 1
    return out


def test_cluster_ip_service_a_srv_and_ptr() -> None:
    t = table([service("web", ports=[{"name": "http", "port": 80, "protocol": "TCP"}, {"port": 81}])], [])
    assert answers(reply(t, "web.default.svc.cluster.local")) == [
        ("web.default.svc.cluster.local.", "A", "10.96.0.20")]
    assert answers(reply(t, "_http._tcp.web.default.svc.cluster.local", "SRV")) == [
        ("_http._tcp.web.default.svc.cluster.local.", "SRV", "0 100 80 web.default.svc.cluster.local.")]
    assert answers(reply(t, "20.0.96.10.in-addr.arpa", "PTR")) == [
        ("20.0.96.10.in-addr.arpa.", "PTR", "web.default.svc.cluster.local.")]


def test_names_are_case_insensitive_and_the_question_is_echoed_as_asked() -> None:
    t = table([service("web")], [])
    out = reply(t, "WeB.Default.SVC.cluster.local")
    assert str(DNSRecord.parse(out).questions[0].qname) == "WeB.Default.SVC.cluster.local."
    assert answers(out)[0][2] == "10.96.0.20"


def test_headless_service_lists_ready_endpoints_with_their_own_names() -> None:
    t = table([service("db", cluster_ip="None", ports=[{"name": "pg", "port": 5432}])],
              [endpoint_slice("db", [("10.244.1.5", True, "db-0"), ("10.244.2.6", True), ("10.244.3.7", False)],
                              ports=[{"name": "pg", "port": 5432, "protocol": "TCP"}])])
    assert sorted(a[2] for a in answers(reply(t, "db.default.svc.cluster.local"))) == ["10.244.1.5", "10.244.2.6"]
    assert answers(reply(t, "db-0.db.default.svc.cluster.local"))[0][2] == "10.244.1.5"
    assert answers(reply(t, "10-244-2-6.db.default.svc.cluster.local"))[0][2] == "10.244.2.6"
    assert sorted(a[2] for a in answers(reply(t, "_pg._tcp.db.default.svc.cluster.local", "SRV"))) == [
        "0 100 5432 10-244-2-6.db.default.svc.cluster.local.", "0 100 5432 db-0.db.default.svc.cluster.local."]
    assert answers(reply(t, "5.1.244.10.in-addr.arpa", "PTR"))[0][2] == "db-0.db.default.svc.cluster.local."
    assert rcode(reply(t, "10-244-3-7.db.default.svc.cluster.local")) == RCODE.NXDOMAIN  # not ready


def test_headless_publish_not_ready_addresses() -> None:
    t = table([service("db", cluster_ip="None", publishNotReadyAddresses=True)],
              [endpoint_slice("db", [("10.244.3.7", False)])])
    assert answers(reply(t, "db.default.svc.cluster.local"))[0][2] == "10.244.3.7"


def test_pod_names_external_names_nodata_and_nxdomain() -> None:
    t = table([service("ext", type="ExternalName", externalName="example.org", cluster_ip="")], [])
    assert answers(reply(t, "10-244-1-9.default.pod.cluster.local")) == [
        ("10-244-1-9.default.pod.cluster.local.", "A", "10.244.1.9")]
    assert answers(reply(t, "ext.default.svc.cluster.local", "CNAME"))[0][2] == "example.org."
    aaaa = reply(t, "ext.default.svc.cluster.local", "AAAA")  # a known name: NOERROR, no answer, the SOA
    assert rcode(aaaa) == RCODE.NOERROR and answers(aaaa) == [] and DNSRecord.parse(aaaa).auth
    for unknown in ("nope.default.svc.cluster.local", "999-1-1-1.default.pod.cluster.local",
                    "web.default.svc.cluster.local.default.svc.cluster.local"):
        out = reply(t, unknown)
        assert rcode(out) == RCODE.NXDOMAIN and DNSRecord.parse(out).auth, unknown
    assert rcode(reply(t, "default.svc.cluster.local")) == RCODE.NOERROR  # a namespace: an empty non-terminal
    apex = reply(t, "cluster.local", "SOA")
    assert rcode(apex) == RCODE.NOERROR and answers(apex)[0][:2] == ("cluster.local.", "SOA")
    assert rcode(reply(t, "cluster.local")) == RCODE.NOERROR and not answers(reply(t, "cluster.local"))


def test_a_change_reloads_the_table() -> None:
    t = table([service("web")], [])
    assert t.answer(query("web.default.svc.cluster.local")) is not None
    t.load(cluster_records([], [], D))
    assert t.answer(query("web.default.svc.cluster.local")) is None


def test_junk_is_no_question() -> None:
    for junk in (b"", b"\x00" * 11, query("web.default.svc.cluster.local")[:20],
                 b"\x12\x34\x81\x80" + query("a")[4:]):  # a reply, not a query
        assert question_key(junk) is None


def test_dual_stack_service_has_a_aaaa_and_both_ptrs() -> None:
    t = table([service("dual", clusterIPs=["10.96.0.21", "fd00::21"], cluster_ip="10.96.0.21")], [])
    assert answers(reply(t, "dual.default.svc.cluster.local", "AAAA")) == [
        ("dual.default.svc.cluster.local.", "AAAA", "fd00::21")]
    assert answers(reply(t, "dual.default.svc.cluster.local"))[0][2] == "10.96.0.21"
    v6_ptr = "1.2.0.0." + "0." * 26 + "d.f.ip6.arpa"
    assert answers(reply(t, v6_ptr, "PTR"))[0][2] == "dual.default.svc.cluster.local."
