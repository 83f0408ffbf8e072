"""The manifests the end-to-end and CLI suites apply, as users keep them in version control:
one application (Namespace, ConfigMap, Deployment, Service) whose names and image vary."""

from __future__ import annotations

from string import Template

APP = Template("""\
apiVersion: v1
kind: Namespace
metadata:
  name: $namespace
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: $namespace
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: $namespace
  labels: {$deployment_labels}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: $container
        image: $image
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: $namespace
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 80
""")


def app(namespace: str, image_tag: str = "1", *, image: str | None = None, container: str = "web",
        deployment_labels: str = "app: web") -> str:
    """The application in namespace; image defaults to the local busybox at image_tag."""
    return APP.substitute(namespace=namespace, image=image or f"kube.local/busybox:{image_tag}",
                          container=container, deployment_labels=deployment_labels)


def configmap(name: str, namespace: str, labels: dict[str, str] | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace,
                                                                   "labels": labels or {}}, "data": {"k": "v"}}
