"""`kubectl explain` against the server's /openapi/v3 (and v2): Kubernetes' own schemas, with their
descriptions, down to leaf fields of every kind the server serves."""

from __future__ import annotations

import pytest

from kube.api.registry import KINDS
from tests.e2e.conftest import Kubectl

# a leaf field of every served kind, and the type kubectl prints for it
LEAVES = {
    "pods": ("spec.containers.ports.containerPort", "<integer>"),
    "nodes": ("spec.taints.effect", "<string>"),
    "services": ("spec.ports.targetPort", "<IntOrString>"),
    "endpoints": ("subsets.addresses.ip", "<string>"),
    "events": ("involvedObject.name", "<string>"),
    "configmaps": ("data", "<map[string]string>"),
    "secrets": ("type", "<string>"),
    "serviceaccounts": ("imagePullSecrets.name", "<string>"),
    "namespaces": ("spec.finalizers", "<[]string>"),
    "replicasets": ("spec.template.spec.containers.image", "<string>"),
    "deployments": ("spec.strategy.rollingUpdate.maxSurge", "<IntOrString>"),
    "leases": ("spec.leaseDurationSeconds", "<integer>"),
    "poddisruptionbudgets": ("spec.minAvailable", "<IntOrString>"),
    "daemonsets": ("spec.updateStrategy.rollingUpdate.maxSurge", "<IntOrString>"),
    "controllerrevisions": ("revision", "<integer>"),
    "replicationcontrollers": ("spec.replicas", "<integer>"),
    "jobs": ("spec.podFailurePolicy.rules.onExitCodes.values", "<[]integer>"),
    "cronjobs": ("spec.schedule", "<string>"),
    "endpointslices": ("endpoints.conditions.ready", "<boolean>"),
    "clusterroles": ("rules.verbs", "<[]string>"),
    "clusterrolebindings": ("roleRef.name", "<string>"),
    "roles": ("rules.apiGroups", "<[]string>"),
    "rolebindings": ("subjects.kind", "<string>"),
    "selfsubjectaccessreviews": ("spec.resourceAttributes.verb", "<string>"),
    "selfsubjectrulesreviews": ("spec.namespace", "<string>"),
    "subjectaccessreviews": ("spec.groups", "<[]string>"),
    "localsubjectaccessreviews": ("spec.user", "<string>"),
    "selfsubjectreviews": ("status.userInfo.username", "<string>"),
    "tokenreviews": ("spec.token", "<string>"),
    "certificatesigningrequests": ("spec.signerName", "<string>"),
    "flowschemas": ("spec.rules.subjects.serviceAccount.namespace", "<string>"),
    "prioritylevelconfigurations": ("spec.limited.limitResponse.queuing.handSize", "<integer>"),
}


def test_every_served_kind_has_a_leaf_here() -> None:
    assert set(LEAVES) == {k.plural for k in KINDS}


def test_explain_deployment_spec_replicas(kubectl: Kubectl) -> None:
    out = kubectl("explain", "deployment.spec.replicas").stdout
    assert "GROUP:      apps" in out and "KIND:       Deployment" in out and "VERSION:    v1" in out
    assert "FIELD: replicas <integer>" in out
    assert "Number of desired pods." in out


@pytest.mark.parametrize("resource", sorted(LEAVES))
def test_explain_reaches_a_leaf_of_every_kind(kubectl: Kubectl, resource: str) -> None:
    path, kind_type = LEAVES[resource]
    out = kubectl("explain", f"{resource}.{path}").stdout
    field = path.rsplit(".", 1)[-1]
    assert f"FIELD: {field} {kind_type}" in out, out
    assert "DESCRIPTION:" in out and len(out.split("DESCRIPTION:", 1)[1].strip()) > 20, out


@pytest.mark.parametrize("resource", sorted(LEAVES))
def test_explain_recursive_lists_the_whole_kind(kubectl: Kubectl, resource: str) -> None:
    out = kubectl("explain", resource, "--recursive").stdout
    assert "metadata\t<ObjectMeta>" in out and "creationTimestamp\t<string>" in out, out


def test_explain_an_unknown_field_is_an_error(kubectl: Kubectl) -> None:
    result = kubectl("explain", "deployment.spec.nope", ok=False)
    assert result.returncode != 0 and 'field "nope" does not exist' in result.stderr


def test_explain_from_openapi_v2(kubectl: Kubectl) -> None:
    out = kubectl("explain", "deployment.spec.replicas", "--output", "plaintext-openapiv2").stdout
    assert "FIELD:    replicas <integer>" in out and "Number of desired pods." in out, out
