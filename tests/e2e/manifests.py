"""The manifests the end-to-end suites apply, as users keep them in version control."""

from __future__ import annotations

APP = """\
apiVersion: v1
kind: Namespace
metadata:
  name: NS
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: NS
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: NS
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: kube.local/busybox:IMAGE
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: NS
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 80
"""


def app(namespace: str, image_tag: str = "1") -> str:
    return APP.replace("NS", namespace).replace("IMAGE", image_tag)


def configmap(name: str, namespace: str, labels: dict[str, str] | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace,
                                                                   "labels": labels or {}}, "data": {"k": "v"}}
