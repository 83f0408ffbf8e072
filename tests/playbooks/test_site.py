"""site.yml on fresh test hosts, its re-run, and reset.yml (`make test-playbooks`).

The session's cluster (tests/playbooks/fleet.py: by default the issue's 3 etcd+masters
and 3 minions in 3 zones). The tests run in order and share it; it ends rebuilt, for
test_upgrade."""

from __future__ import annotations

import base64

import pytest
from dnslib import DNSRecord

from tests.playbooks.cluster_checks import (
    cert_fingerprints,
    changed_tasks,
    etcd_quota,
    kubectl,
    kubectl_json,
    leftovers,
    node_labels,
    recap,
    unit_start_times,
    wait_for,
)
from tests.playbooks.fleet import MASTERS, MINIONS, UNUSED_IP, ZONE, Fleet, assert_ok, hostvars

NODE_CLIENT_PEM = "/var/lib/kube/node/pki/kubelet-client-current.pem"  # the node's own, by CSR

pytestmark = [pytest.mark.playbooks, pytest.mark.timeout(1800)]  # a site.yml takes minutes on a loaded machine

def test_site_from_fresh_hosts(fleet: Fleet) -> None:
    proc = fleet.run("site.yml")
    assert_ok(proc)
    print(f"site.yml from fresh hosts: {fleet.timings['site.yml']:.0f}s")
    print(proc.stdout[proc.stdout.find("TASKS RECAP"):][:3000])  # profile_tasks
    assert fleet.kubeconfig.exists(), "site.yml wrote no artifacts/admin.conf"
    assert fleet.kubeconfig.stat().st_mode & 0o077 == 0, "admin.conf is readable by others"


def test_certificates_names_and_key_modes(fleet: Fleet) -> None:
    """The API serving cert names every master, 127.0.0.1 and the first Service IP; each
    node has its own system:node:<name> identity; every private key is 0600."""
    for h in fleet.masters:
        sans = h.sh("openssl x509 -in /etc/kube/pki/apiserver.crt -noout -ext subjectAltName").stdout
        for ip in [m.ip for m in fleet.masters] + ["127.0.0.1", "10.96.0.1"]:
            assert f"IP Address:{ip}," in sans + ",", sans
        assert "DNS:kubernetes.default.svc.cluster.local" in sans, sans
    for h in fleet.minions:  # TLS bootstrapping: the node's own key, its certificate by CSR
        subject = h.sh(f"openssl x509 -in {NODE_CLIENT_PEM} -noout -subject -issuer").stdout
        assert f"CN = system:node:{h.name}" in subject and "O = system:nodes" in subject, subject
        assert h.sh(f"stat -L -c %a {NODE_CLIENT_PEM}").stdout.strip() == "600"
        assert h.exec("test", "-e", "/etc/kube/pki/node.key", check=False).returncode != 0, \
            f"a node key made on the CA host is on {h.name}"
        assert h.exec("test", "-e", "/etc/kube/bootstrap.conf", check=False).returncode != 0, \
            f"the bootstrap kubeconfig (its token) was left on {h.name}"
    tokens = [s for s in kubectl_json(fleet.kubeconfig, "-n", "kube-system", "get", "secrets")["items"]
              if s.get("type") == "bootstrap.kubernetes.io/token"]
    assert not tokens, f"join tokens left behind: {[t['metadata']['name'] for t in tokens]}"
    csrs = kubectl_json(fleet.kubeconfig, "get", "csr")["items"]
    joined = {c["spec"]["username"] for c in csrs if c["spec"]["username"].startswith("system:bootstrap:")}
    assert len(joined) == len(fleet.minions), f"one bootstrap identity per minion: {joined}"
    for h in fleet.hosts:
        modes = h.sh("stat -c '%a %n' /etc/kube/pki/*.key").stdout.split("\n")
        assert modes and all(m.startswith("600 ") for m in modes if m), modes
    ca = fleet.masters[0].sh("stat -c %a /etc/kube/ca/ca.key").stdout.strip()
    assert ca == "600", ca
    for h in fleet.hosts[1:]:
        assert h.exec("test", "-e", "/etc/kube/ca/ca.key", check=False).returncode != 0, f"the CA key is on {h.name}"


def test_etcd_members_healthy_over_tls(fleet: Fleet) -> None:
    for h in fleet.etcd:
        health = h.sh("etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kube/pki/ca.crt "
                      "--cert=/etc/kube/pki/etcd-healthcheck.crt --key=/etc/kube/pki/etcd-healthcheck.key "
                      "endpoint health 2>&1")
        assert "is healthy" in health.stdout, health.stdout
        members = h.sh("etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kube/pki/ca.crt "
                       "--cert=/etc/kube/pki/etcd-healthcheck.crt --key=/etc/kube/pki/etcd-healthcheck.key "
                       "member list").stdout.splitlines()
        assert len(members) == len(fleet.etcd), members
        assert all("https://" in m for m in members), members
        plain = h.exec("etcdctl", "--endpoints=http://127.0.0.1:2379", "--dial-timeout=3s", "endpoint", "health",
                       check=False)
        assert plain.returncode != 0, "etcd answers plain HTTP"
        assert h.exec("systemctl", "is-enabled", "etcd", check=False).stdout.strip() == "disabled"
        assert etcd_quota(h) == 8 * 1024**3



def test_api_servers_ready_and_one_leader_each(fleet: Fleet) -> None:
    for h in fleet.masters:
        kubectl(fleet.kubeconfig, f"--server=https://{h.ip}:6443", "get", "--raw", "/readyz")
    for name in ("kube-scheduler", "kube-controller-manager"):
        lease = wait_for(f"the {name} lease", lambda n=name: kubectl_json(
            fleet.kubeconfig, "-n", "kube-system", "get", "lease", n))
        holder = lease["spec"]["holderIdentity"]
        assert any(holder.startswith(h.name) for h in fleet.masters), holder
        active = [h.name for h in fleet.masters
                  if h.exec("systemctl", "is-active", name, check=False).stdout.strip() == "active"]
        assert len(active) == MASTERS, f"{name} not running on every master: {active}"
    signers = [h.name for h in fleet.masters
               if h.exec("systemctl", "is-active", "kube-csr-signer", check=False).stdout.strip() == "active"]
    assert signers == [fleet.masters[0].name], f"the CSR signer runs on the CA host alone: {signers}"


def test_minions_ready_with_their_labels(fleet: Fleet) -> None:
    def ready():
        nodes = {n["metadata"]["name"]: n for n in kubectl_json(fleet.kubeconfig, "get", "nodes")["items"]}
        ok = all(any(c["type"] == "Ready" and c["status"] == "True" for c in nodes[h.name]["status"]["conditions"])
                 for h in fleet.minions if h.name in nodes)
        return nodes if ok and len(nodes) == MINIONS else None
    nodes = wait_for("every minion Ready", ready)
    for i, h in enumerate(fleet.minions):
        labels = nodes[h.name]["metadata"]["labels"]
        assert labels[ZONE] == f"zone-{'abc'[i % 3]}", labels
        assert labels["tier"] == f"t{i}" and labels["kubernetes.io/hostname"] == h.name, labels


def test_a_deployment_runs(fleet: Fleet) -> None:
    kubectl(fleet.kubeconfig, "create", "deployment", "web", "--image=kube.local/busybox:1",
            f"--replicas={2 * MINIONS}", "--", "sh", "-c", "sleep 36000")

    def available():
        d = kubectl_json(fleet.kubeconfig, "get", "deployment", "web")
        return d.get("status", {}).get("availableReplicas", 0) == 2 * MINIONS
    wait_for("the Deployment's pods available", available)
    pods = kubectl_json(fleet.kubeconfig, "get", "pods", "-l", "app=web")["items"]
    assert {p["spec"]["nodeName"] for p in pods} == {h.name for h in fleet.minions}


def test_access_control_encryption_and_dns_are_on(fleet: Fleet) -> None:
    """Node,RBAC with each component's own identity, Secrets encrypted in etcd, pods'
    ServiceAccount tokens, and kube dns on every master behind the kube-dns Service."""
    minion = fleet.minions[0].name

    def can(*argv: str) -> str:
        answer = kubectl(fleet.kubeconfig, "auth", "can-i", *argv, check=False).stdout.split()
        return answer[0] if answer else ""  # "no - <the authorizer's reason>" is a no
    assert can("list", "secrets", "-A", "--as=system:kube-proxy") == "no"
    assert can("list", "endpointslices", "-A", "--as=system:kube-proxy") == "yes"
    assert can("get", "secrets", "-n", "default", f"--as=system:node:{minion}", "--as-group=system:nodes") == "no"
    assert can("list", "secrets", "-A", "--as=system:kube-scheduler") == "no"
    assert can("create", "deployments", f"--as=system:node:{minion}", "--as-group=system:nodes") == "no"

    kubectl(fleet.kubeconfig, "create", "secret", "generic", "at-rest", "--from-literal=word=plaintext-marker")
    etcd = fleet.etcd[0]
    stored = etcd.sh("etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kube/pki/ca.crt "
                     "--cert=/etc/kube/pki/etcd-healthcheck.crt --key=/etc/kube/pki/etcd-healthcheck.key "
                     "get --prefix / --keys-only | grep 'secrets/default/at-rest$'").stdout.strip()
    value = etcd.sh("etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kube/pki/ca.crt "
                    "--cert=/etc/kube/pki/etcd-healthcheck.crt --key=/etc/kube/pki/etcd-healthcheck.key "
                    f"get --print-value-only {stored} | head -c 40 | tr -c '[:print:]' '.'").stdout
    assert value.startswith("k8s:enc:aescbc:v1:key1:"), value
    assert "plaintext-marker" not in etcd.sh(f"etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kube/pki/ca.crt "
                                             "--cert=/etc/kube/pki/etcd-healthcheck.crt "
                                             f"--key=/etc/kube/pki/etcd-healthcheck.key get {stored}").stdout
    word = kubectl(fleet.kubeconfig, "get", "secret", "at-rest", "-o", "jsonpath={.data.word}").stdout
    assert base64.b64decode(word) == b"plaintext-marker"
    for h in fleet.masters:
        assert h.sh("stat -c %a /etc/kube/pki/sa.key /etc/kube/pki/encryption-config.yaml").stdout.split() == ["600"] * 2

    pod = kubectl_json(fleet.kubeconfig, "get", "pods", "-l", "app=web")["items"][0]
    volumes = [v for v in pod["spec"]["volumes"] if v["name"].startswith("kube-api-access-")]
    assert volumes and pod["status"]["phase"] == "Running", pod["spec"]["volumes"]  # its token was issued

    service = kubectl_json(fleet.kubeconfig, "-n", "kube-system", "get", "service", "kube-dns")
    assert service["spec"]["clusterIP"] == "10.96.0.10", service["spec"]
    for h in fleet.masters:
        answer = wait_for(f"kube dns on {h.name}", lambda ip=h.ip: DNSRecord.parse(DNSRecord.question(
            "kubernetes.default.svc.cluster.local").send(ip, 10053, timeout=3)), timeout=60)
        assert [str(r.rdata) for r in answer.rr] == ["10.96.0.1"], answer


HELLO = ("mkdir -p /www && echo hello-from-a-pod > /www/index.html && exec httpd -f -p 8080 -h /www")


def test_a_service_answers_from_a_pod_by_cluster_ip_and_dns_name(fleet: Fleet) -> None:
    """A Deployment on the pod network behind a ClusterIP Service: a pod reaches it by its
    ClusterIP (the minion's kube-proxy) and by its DNS name (the pod's resolv.conf points at
    the kube-dns Service, answered by kube dns on the masters)."""
    kubectl(fleet.kubeconfig, "create", "deployment", "hello", "--image=kube.local/busybox:1", "--port=8080",
            "--", "sh", "-c", HELLO)
    kubectl(fleet.kubeconfig, "expose", "deployment", "hello", "--port=80", "--target-port=8080")
    wait_for("hello available", lambda: kubectl_json(fleet.kubeconfig, "get", "deployment", "hello")
             .get("status", {}).get("availableReplicas") == 1)
    cluster_ip = kubectl_json(fleet.kubeconfig, "get", "service", "hello")["spec"]["clusterIP"]
    client = kubectl_json(fleet.kubeconfig, "get", "pods", "-l", "app=web")["items"][0]["metadata"]["name"]

    def fetch(url: str) -> str:
        out = kubectl(fleet.kubeconfig, "exec", client, "--", "wget", "-qO-", url, check=False)  # busybox wget -T crashes
        assert out.returncode == 0, f"wget {url}: {(out.stderr or out.stdout).strip()[-300:]}"
        return out.stdout.strip()
    assert wait_for("the ClusterIP from a pod", lambda: fetch(f"http://{cluster_ip}/"), timeout=120) \
        == "hello-from-a-pod"
    for name in ("hello", "hello.default.svc.cluster.local"):
        assert wait_for(f"{name} from a pod", lambda n=name: fetch(f"http://{n}/"), timeout=120) == "hello-from-a-pod"
    kubectl(fleet.kubeconfig, "delete", "service,deployment", "hello")


def test_second_run_changes_and_restarts_nothing(fleet: Fleet) -> None:
    starts = {h.name: unit_start_times(h) for h in fleet.hosts}
    certs = {h.name: cert_fingerprints(h) for h in fleet.hosts}
    proc = fleet.run("site.yml", label="second site.yml")
    assert_ok(proc)
    print(f"site.yml on the converged cluster: {fleet.timings['second site.yml']:.0f}s")
    counts = recap(proc.stdout)
    changed = {h: c["changed"] for h, c in counts.items() if c["changed"]}
    assert not changed, f"a second site.yml changed: {changed}\n{proc.stdout[-6000:]}"
    assert {h.name: unit_start_times(h) for h in fleet.hosts} == starts, "a unit was restarted"
    assert {h.name: cert_fingerprints(h) for h in fleet.hosts} == certs, "a certificate was re-issued"


def test_check_mode_on_the_converged_cluster_changes_nothing(fleet: Fleet) -> None:
    proc = fleet.run("site.yml", "--check", "--diff", label="site.yml --check --diff")
    assert_ok(proc)
    changed = {h: c["changed"] for h, c in recap(proc.stdout).items() if c["changed"]}
    assert not changed, f"--check --diff reports changes: {changed}\n{proc.stdout[-6000:]}"


@pytest.fixture(scope="module")
def relabelled_with_a_ghost(fleet: Fleet):
    """One site.yml for two checks (each run is minutes on six hosts): one minion's label
    changed in the inventory, and a minion added that never answers."""
    target, ghost = fleet.minions[0], "ghost-minion"
    fleet.inv["all"]["hosts"][target.name]["node_labels"]["tier"] = "relabelled"
    fleet.inv["all"]["hosts"][ghost] = {**hostvars(fleet.minions[0]), "ansible_host": UNUSED_IP,
                                        "node_labels": {ZONE: "zone-a"}}
    fleet.inv["all"]["children"]["kube_node"]["hosts"][ghost] = None
    fleet.write()
    try:
        proc = fleet.run("site.yml", label="site.yml after one label changed, with an unreachable host")
    finally:
        del fleet.inv["all"]["hosts"][ghost], fleet.inv["all"]["children"]["kube_node"]["hosts"][ghost]
        fleet.write()
    return proc, target, ghost


def test_one_changed_label_is_one_change(fleet: Fleet, relabelled_with_a_ghost) -> None:
    """The re-run changes that minion's kube-node unit (and so restarts its agent, the
    handler) and nothing else, and the Node carries the new value."""
    proc, target, _ = relabelled_with_a_ghost
    changes = changed_tasks(proc.stdout)
    assert [t for t, _ in changes] == ["minion : Minion | Unit kube-node", "minion : Restart kube-node"], changes
    assert {h for _, h in changes} == {target.name}, changes
    assert "WARNING: /etc/kube/pki" not in proc.stdout, "a fresh certificate was reported as expiring"
    wait_for("the new label on the Node",
             lambda: node_labels(fleet.kubeconfig, target.name).get("tier") == "relabelled", timeout=120)


def test_an_unreachable_host_fails_clearly_and_the_others_finish(fleet: Fleet, relabelled_with_a_ghost) -> None:
    """One UNREACHABLE failure naming the host that does not answer, and every other host
    runs the playbook to its end (converged: only the relabelled minion changed)."""
    proc, target, ghost = relabelled_with_a_ghost
    assert proc.returncode == 4, proc.stdout[-4000:]  # ansible-playbook's "a host was unreachable"
    counts = recap(proc.stdout)
    assert counts[ghost]["unreachable"] == 1 and counts[ghost]["changed"] == 0, counts
    assert proc.stdout.count("UNREACHABLE!") == 1, proc.stdout[-4000:]
    assert f"fatal: [{ghost}]: UNREACHABLE!" in proc.stdout
    for h in fleet.hosts:
        assert counts[h.name]["failed"] == 0 and counts[h.name]["unreachable"] == 0, counts
        assert counts[h.name]["changed"] == (2 if h is target else 0), changed_tasks(proc.stdout)
    # every play ran to its end on the others: the last play's last task reached the minions
    assert proc.stdout.rstrip().count("PLAY [Minions]") == 1
    assert all(f"ok: [{h.name}]" in proc.stdout.rsplit("PLAY [Minions]", 1)[1] for h in fleet.minions)


def test_a_certificate_near_expiry_warns(fleet: Fleet) -> None:
    """Every run reads each certificate's real notAfter: with the warning window wider than
    the certificates' lifetime (365 days), each host's certificates are reported, by name,
    and the run still succeeds and changes nothing."""
    proc = fleet.run("site.yml", "--tags", "pki-expiry", "-e", "pki_expiry_warning_days=400",
                     label="site.yml --tags pki-expiry")
    assert_ok(proc)
    for h in fleet.masters:
        assert f"WARNING: /etc/kube/pki/apiserver.crt on {h.name} expires" in proc.stdout, proc.stdout[-3000:]
    for h in fleet.minions:
        assert f"WARNING: /etc/kube/pki/node-serving.crt on {h.name} expires" in proc.stdout, proc.stdout[-3000:]
    assert "within 400 days; renew it" in proc.stdout
    assert not any(c["changed"] for c in recap(proc.stdout).values()), changed_tasks(proc.stdout)


def test_reset_leaves_nothing_of_ours(fleet: Fleet) -> None:
    proc = fleet.run("reset.yml", "-e", "reset_confirmation=yes")
    assert_ok(proc)
    print(f"reset.yml: {fleet.timings['reset.yml']:.0f}s")
    left = {h.name: leftovers(h) for h in fleet.hosts}
    assert not any(left.values()), left
    assert not fleet.kubeconfig.exists(), "reset.yml left artifacts/admin.conf"
    again = fleet.run("reset.yml", "-e", "reset_confirmation=yes", label="second reset.yml")
    assert_ok(again)
    assert not any(c["changed"] for c in recap(again.stdout).values()), again.stdout[-3000:]


def test_site_after_reset_rebuilds_a_working_cluster(fleet: Fleet) -> None:
    proc = fleet.run("site.yml", label="site.yml after reset")
    assert_ok(proc)
    print(f"site.yml after reset.yml: {fleet.timings['site.yml after reset']:.0f}s")
    print("timings:", {k: round(v) for k, v in fleet.timings.items()})

    def ready():
        nodes = kubectl_json(fleet.kubeconfig, "get", "nodes")["items"]
        return len(nodes) == MINIONS and all(
            any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"]["conditions"]) for n in nodes)
    wait_for("every minion Ready after the rebuild", ready)
    assert not kubectl(fleet.kubeconfig, "get", "deployments", "-o", "name").stdout.strip(), \
        "the rebuilt cluster kept the old cluster's objects"
