"""The ServiceAccount admission through a real API server: the API access volume and its
mounts as Kubernetes writes them, the opt-outs, and a missing named ServiceAccount refused."""

from __future__ import annotations

from typing import Any

from kube.apiserver.strategies.service_account_admission import MOUNT_PATH, TOKEN_SECONDS, mount_api_access
from tests.apiserver.conftest import Api
from tests.apiserver.service_accounts.conftest import NS, make_sa


def pod(name: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "busybox"}],
                                                 "initContainers": [{"name": "i", "image": "busybox"}], **spec}}


async def test_pod_gets_the_api_access_volume(admin: Api) -> None:
    await make_sa(admin, "default")
    code, created = await admin.post(f"{NS}/pods", pod("p"))
    assert code == 201, created
    spec = created["spec"]
    assert spec["serviceAccountName"] == "default" and spec["serviceAccount"] == "default"
    (volume,) = spec["volumes"]
    assert volume["name"].startswith("kube-api-access-") and len(volume["name"]) == len("kube-api-access-") + 5
    sources = volume["projected"]["sources"]
    assert sources[0] == {"serviceAccountToken": {"expirationSeconds": TOKEN_SECONDS, "path": "token"}}
    assert sources[1] == {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}
    assert sources[2]["downwardAPI"]["items"][0]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert volume["projected"]["defaultMode"] == 420
    for key in ("containers", "initContainers"):
        assert spec[key][0]["volumeMounts"] == [{"name": volume["name"], "readOnly": True, "mountPath": MOUNT_PATH}]


async def test_automount_false_on_pod_or_account(admin: Api) -> None:
    code, _ = await admin.post(f"{NS}/serviceaccounts", {"metadata": {"name": "quiet"},
                                                         "automountServiceAccountToken": False})
    assert code == 201
    code, created = await admin.post(f"{NS}/pods", pod("a", serviceAccountName="quiet"))
    assert code == 201 and not created["spec"].get("volumes"), created
    await make_sa(admin, "loud")
    code, created = await admin.post(f"{NS}/pods", pod("b", serviceAccountName="loud",
                                                       automountServiceAccountToken=False))
    assert code == 201 and not created["spec"].get("volumes"), created
    # the pod's own true wins over the account's false
    code, created = await admin.post(f"{NS}/pods", pod("c", serviceAccountName="quiet",
                                                       automountServiceAccountToken=True))
    assert code == 201 and len(created["spec"]["volumes"]) == 1


async def test_missing_named_account_is_forbidden(admin: Api) -> None:
    code, status = await admin.post(f"{NS}/pods", pod("x", serviceAccountName="ghost"))
    assert code == 403 and status["reason"] == "Forbidden", status
    assert 'serviceaccount "ghost" not found' in status["message"]
    code, created = await admin.post(f"{NS}/pods", pod("y"))  # `default` not made yet: admitted, mounted
    assert code == 201 and len(created["spec"]["volumes"]) == 1


def test_own_mount_at_the_token_path_is_left_alone() -> None:
    mine = {"name": "mine", "mountPath": MOUNT_PATH}
    admitted = mount_api_access(pod("z", volumes=[{"name": "mine", "emptyDir": {}}],
                                    containers=[{"name": "c", "image": "x", "volumeMounts": [mine]}]), None)
    assert [v["name"] for v in admitted["spec"]["volumes"]] == ["mine"]
    again = mount_api_access(mount_api_access(pod("w"), None), None)
    assert len(again["spec"]["volumes"]) == 1  # a retried create does not mount twice


async def test_a_dry_run_is_admitted_alike_and_stores_nothing(admin: Api) -> None:
    await make_sa(admin, "default")
    code, created = await admin.post(f"{NS}/pods?dryRun=All", pod("dry"))
    assert code == 201 and created["spec"]["volumes"][0]["name"].startswith("kube-api-access-"), created
    assert (await admin.get(f"{NS}/pods/dry"))[0] == 404
    code, body = await admin.post(f"{NS}/pods?dryRun=All", pod("dry", serviceAccountName="missing"))
    assert code == 403 and 'serviceaccount "missing" not found' in body["message"]
