"""FlowSchemas and PriorityLevelConfigurations over the API, the real kubectl and the Python client:
discovery and `kubectl explain`, Kubernetes' `kubectl get` columns, edits by apply/patch/edit,
bad objects and edits of the mandatory ones refused with 422, status only through /status."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from kubernetes import client, config

from tests.apiserver.rbac.conftest import KUBECTL, Cluster
from tests.apiserver.rbac.conftest import rbac as rbac  # the fixture

FC = "/apis/flowcontrol.apiserver.k8s.io/v1"
FS, PL = f"{FC}/flowschemas", f"{FC}/prioritylevelconfigurations"
JANE_SCHEMA = """apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata:
  name: jane
spec:
  priorityLevelConfiguration:
    name: workload-low
  matchingPrecedence: 500
  distinguisherMethod:
    type: ByUser
  rules:
  - subjects:
    - kind: User
      user:
        name: jane
    resourceRules:
    - verbs: ["*"]
      apiGroups: ["*"]
      resources: ["*"]
      namespaces: ["*"]
      clusterScope: true
"""


async def kubectl_in(cluster: Cluster, *args: str, stdin: str = "", env: dict[str, str] | None = None,
                     ok: bool = True) -> subprocess.CompletedProcess[str]:
    argv = [KUBECTL, "--kubeconfig", str(cluster.kubeconfig("kube-admin")), "--cache-dir", str(cluster.tmp / "cache"),
            *args]
    done = await asyncio.to_thread(subprocess.run, argv, input=stdin, capture_output=True, text=True, timeout=60,
                                   env={**os.environ, **(env or {})})
    if ok:
        assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
    return done


async def test_discovery_and_explain_show_both_kinds(rbac: Cluster) -> None:
    async with rbac.api() as admin:
        status, resources = await admin.get(FC)
    assert status == 200
    served = {r["name"]: r for r in resources["resources"]}
    assert set(served) == {"flowschemas", "flowschemas/status", "prioritylevelconfigurations",
                           "prioritylevelconfigurations/status"}
    assert served["flowschemas"]["kind"] == "FlowSchema" and served["flowschemas"]["namespaced"] is False
    listed = (await rbac.kubectl("kube-admin", "api-resources", "--api-group=flowcontrol.apiserver.k8s.io",
                                 "--no-headers")).stdout.split()
    assert {"flowschemas", "prioritylevelconfigurations"} <= set(listed)
    explained = (await rbac.kubectl("kube-admin", "explain", "flowschema.spec.distinguisherMethod")).stdout
    assert "KIND:       FlowSchema" in explained and "type\t<string> -required-" in explained


async def test_kubectl_get_prints_kubernetes_columns(rbac: Cluster) -> None:
    out = (await rbac.kubectl("kube-admin", "get", "flowschemas")).stdout.splitlines()
    assert out[0].split() == ["NAME", "PRIORITYLEVEL", "MATCHINGPRECEDENCE", "DISTINGUISHERMETHOD", "AGE",
                              "MISSINGPL"]
    rows = {line.split()[0]: line.split() for line in out[1:]}
    async with rbac.api() as admin:
        _, exempt = await admin.get(f"{FS}/exempt")
    dangling = [c["status"] for c in exempt["status"].get("conditions", []) if c["type"] == "Dangling"]
    assert rows["exempt"][1:4] == ["exempt", "1", "<none>"] and rows["exempt"][5] == (dangling or ["?"])[0]
    assert rows["kube-scheduler"][1:4] == ["workload-high", "800", "ByNamespace"]
    assert [line.split()[0] for line in out[1:]][:3] == ["catch-all", "endpoint-controller", "exempt"]  # by name
    out = (await rbac.kubectl("kube-admin", "get", "prioritylevelconfigurations")).stdout.splitlines()
    assert out[0].split() == ["NAME", "TYPE", "NOMINALCONCURRENCYSHARES", "QUEUES", "HANDSIZE", "QUEUELENGTHLIMIT",
                              "AGE"]
    rows = {line.split()[0]: line.split()[1:-1] for line in out[1:]}
    assert rows["exempt"] == ["Exempt", "<none>", "<none>", "<none>", "<none>"]
    assert rows["catch-all"] == ["Limited", "5", "<none>", "<none>", "<none>"]
    assert rows["leader-election"] == ["Limited", "10", "16", "4", "50"]


async def test_apply_patch_and_edit_change_the_configuration(rbac: Cluster) -> None:
    applied = await kubectl_in(rbac, "apply", "-f", "-", stdin=JANE_SCHEMA)
    assert applied.stdout.strip() == "flowschema.flowcontrol.apiserver.k8s.io/jane created"
    await kubectl_in(rbac, "patch", "prioritylevelconfiguration", "workload-low", "--type=merge",
                     "-p", '{"spec":{"limited":{"lendablePercent":80}}}')
    script = rbac.tmp / "editor.sh"
    script.write_text(f"#!/bin/sh\nexec {sys.executable} -c \"import sys,re;p=sys.argv[1];t=open(p).read();"
                      "open(p,'w').write(re.sub(r'matchingPrecedence: 500', 'matchingPrecedence: 450', t))\" \"$1\"\n")
    script.chmod(0o755)
    edited = await kubectl_in(rbac, "edit", "flowschema", "jane", env={"KUBE_EDITOR": str(script)})
    assert "flowschema.flowcontrol.apiserver.k8s.io/jane edited" in edited.stdout
    async with rbac.api() as admin:
        _, jane = await admin.get(f"{FS}/jane")
        _, low = await admin.get(f"{PL}/workload-low")
    assert jane["spec"]["matchingPrecedence"] == 450 and jane["metadata"]["generation"] == 2
    assert jane["spec"]["rules"][0]["subjects"] == [{"kind": "User", "user": {"name": "jane"}}]
    assert low["spec"]["limited"]["lendablePercent"] == 80 and low["spec"]["limited"]["nominalConcurrencyShares"] == 100


async def test_the_mandatory_objects_keep_their_spec(rbac: Cluster) -> None:
    refused = await kubectl_in(rbac, "patch", "flowschema", "catch-all", "--type=merge",
                               "-p", '{"spec":{"matchingPrecedence":9000}}', ok=False)
    assert refused.returncode != 0
    assert 'The FlowSchema "catch-all" is invalid: spec: Invalid value: ' in refused.stderr
    assert "spec of 'catch-all' must equal the fixed value" in refused.stderr
    async with rbac.api() as admin:
        status, answer = await admin.patch(f"{PL}/exempt", {"spec": {"type": "Limited"}})
        assert status == 422 and answer["reason"] == "Invalid"
        assert "spec of 'exempt' except the 'spec.exempt' field must equal the fixed value" in answer["message"]
        status, tuned = await admin.patch(f"{PL}/exempt", {"spec": {"exempt": {"lendablePercent": 10}}})
        assert status == 200 and tuned["spec"]["exempt"] == {"nominalConcurrencyShares": 0, "lendablePercent": 10}
        status, answer = await admin.patch(f"{PL}/catch-all", {"metadata": {"labels": {"team": "ops"}}})
        assert status == 200, answer  # only the spec is fixed


async def test_bad_objects_get_a_422_status_with_the_reason(rbac: Cluster) -> None:
    async with rbac.api() as admin:
        status, answer = await admin.post(PL, {"metadata": {"name": "tiny"}, "spec": {"type": "Limited", "limited": {
            "limitResponse": {"type": "Queue", "queuing": {"queues": 4, "handSize": 5}}}}})
        assert status == 422 and answer["kind"] == "Status" and answer["reason"] == "Invalid"
        assert answer["message"] == ('PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io "tiny" is invalid: '
                                     "spec.limited.limitResponse.queuing.handSize: Invalid value: 5: should not be "
                                     "greater than queues (4)")
        assert answer["details"]["causes"][0]["field"] == "spec.limited.limitResponse.queuing.handSize"
        status, answer = await admin.post(FS, {"metadata": {"name": "odd"}, "spec": {
            "priorityLevelConfiguration": {"name": "global-default"}, "distinguisherMethod": {"type": "ByPod"},
            "rules": [{"subjects": [{"kind": "ServiceAccount", "serviceAccount": {"name": "x"}}]}]}})
        assert status == 422
        for expected in ('spec.distinguisherMethod.type: Unsupported value: "ByPod"',
                         "spec.rules[0].subjects[0].serviceAccount.namespace: Required value",
                         "spec.rules[0]: Required value: at least one of resourceRules and nonResourceRules"):
            assert expected in answer["message"]
        status, answer = await admin.post(FS, {"metadata": {"name": "typed"}, "spec": "everything"})
        assert status in (400, 422) and answer["kind"] == "Status"


async def test_status_is_written_only_through_its_subresource(rbac: Cluster) -> None:
    condition = {"type": "Dangling", "status": "False", "reason": "Found", "message": "ok",
                 "lastTransitionTime": "2026-01-01T00:00:00Z"}
    async with rbac.api() as admin:
        status, made = await admin.post(FS, {"metadata": {"name": "s"}, "spec": {
            "priorityLevelConfiguration": {"name": "global-default"},
            "rules": [{"subjects": [{"kind": "Group", "group": {"name": "g"}}],
                       "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/version"]}]}]},
            "status": {"conditions": [condition]}})
        assert status == 201 and made["status"] == {} and made["spec"]["matchingPrecedence"] == 1000
        status, updated = await admin.put(f"{FS}/s/status", {**made, "status": {"conditions": [condition]}})
        assert status == 200 and updated["status"]["conditions"] == [condition]
        status, again = await admin.patch(f"{FS}/s", {"spec": {"matchingPrecedence": 600}, "status": {}})
        assert status == 200 and again["status"]["conditions"] == [condition]
    out = (await rbac.kubectl("kube-admin", "get", "flowschema", "s", "--no-headers")).stdout.split()
    assert out[1:4] == ["global-default", "600", "<none>"] and out[-1] == "False"


async def test_only_those_allowed_may_read_or_write_them(rbac: Cluster) -> None:
    async with rbac.api("jane") as jane:
        status, answer = await jane.get(FS)
    assert status == 403 and answer["reason"] == "Forbidden"
    assert 'cannot list resource "flowschemas" in API group "flowcontrol.apiserver.k8s.io"' in answer["message"]


async def test_the_python_client_lists_and_creates(rbac: Cluster) -> None:
    api = client.FlowcontrolApiserverV1Api(config.new_client_from_config(
        config_file=str(rbac.kubeconfig("kube-admin"))))
    schemas = await asyncio.to_thread(api.list_flow_schema)
    by_name = {fs.metadata.name: fs for fs in schemas.items}
    assert by_name["exempt"].spec.rules[0].subjects[0].group.name == "system:masters"
    assert by_name["probes"].spec.rules[0].non_resource_rules[0].non_resource_urls == ["/healthz", "/readyz", "/livez"]
    levels = await asyncio.to_thread(api.list_priority_level_configuration)
    assert {pl.metadata.name: pl.spec.type for pl in levels.items}["exempt"] == "Exempt"
    body = client.V1FlowSchema(metadata=client.V1ObjectMeta(name="py"), spec=client.V1FlowSchemaSpec(
        priority_level_configuration=client.V1PriorityLevelConfigurationReference(name="workload-low"),
        rules=[client.V1PolicyRulesWithSubjects(
            subjects=[client.FlowcontrolV1Subject(kind="User", user=client.V1UserSubject(name="py"))],
            non_resource_rules=[client.V1NonResourcePolicyRule(verbs=["get"], non_resource_urls=["/version"])])]))
    made = await asyncio.to_thread(api.create_flow_schema, body)
    assert made.spec.matching_precedence == 1000 and made.metadata.uid
    read = await asyncio.to_thread(api.read_priority_level_configuration, "global-default")
    queuing = read.spec.limited.limit_response.queuing
    assert (queuing.queues, queuing.hand_size, queuing.queue_length_limit) == (128, 6, 50)
